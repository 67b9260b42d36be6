//! The apps of a space (each with what the visitor may do) and one app's page: its details,
//! where the visitor's access comes from, and its lifecycle: rename, share, publish,
//! republish, duplicate, move, delete.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use super::api::*;
use super::model::*;
use crate::components::type_badge;
use crate::components::{
    load, ActionError, Badge, ConfirmDelete, EmptyState, ErrorBox, Loading, Notice, PageHeader,
    Time,
};
use crate::sharing::rules::{AppAction, SpaceAction};
use crate::sharing::ui::ShareDialog;
use crate::spaces::api::{list_app_targets, list_publish_targets};
use crate::spaces::model::Space;
use crate::spaces::rules::SpaceType;

fn app_badges(app: &App) -> impl IntoView {
    view! {
        {app.published_at.is_some().then(|| view! { <Badge text="Published".to_string() tone="accent"/> })}
        {app.shared_with_caller.then(|| view! { " " <Badge text="Shared with you".to_string() tone="ok"/> })}
        {app.public.then(|| view! { " " <span class="badge badge-public" title="A live anonymous link reaches this app: anyone with the link sees its public sheets.">"Public"</span> })}
    }
}

#[component]
pub fn AppsList(
    space: Space,
    apps: Vec<App>,
    on_change: impl Fn() + Send + Sync + Copy + 'static,
) -> impl IntoView {
    let sharing = RwSignal::new(None::<String>);
    let changed = on_change;
    let empty_hint = if space.can(SpaceAction::CreateApp) {
        "Create the first app with the form below.".to_string()
    } else if space.can(SpaceAction::PublishInto) {
        "Publish an app here from a personal or shared space: open the app and choose Publish."
            .to_string()
    } else if space.can(SpaceAction::ViewAllApps) {
        "Apps appear here when someone adds them.".to_string()
    } else {
        "You manage this space but hold no role in it: give yourself a role in Members to see its apps.".to_string()
    };
    view! {
        <h2>"Apps"</h2>
        {
                match apps {
                    apps if apps.is_empty() => view! { <EmptyState title="No apps to show" hint=empty_hint/> }.into_any(),
                    apps => view! {
                        <ul class="app-list">
                            {apps.into_iter().map(|app| {
                                let app_id = app.id.clone();
                                let open_share = app_id.clone();
                                let shows = app_id.clone();
                                let name = app.name.clone();
                                view! {
                                    <li class="app-row" data-app=app.name.clone()>
                                        <div class="app-main">
                                            <A href=format!("/apps/{}", app.id) attr:class="app-name">{name}</A>
                                            " " {app_badges(&app)}
                                            <div class="hint">{app.description.clone()}</div>
                                        </div>
                                        <div class="app-side">
                                            <span class="muted">{app.highest.clone().unwrap_or_default()}</span>
                                            <A href=format!("/apps/{}/sheets", app.id) attr:class="button small primary">"Open"</A>
                                            {app.can(AppAction::Share).then(|| view! {
                                                <button type="button" class="button small" on:click=move |_| sharing.set(Some(open_share.clone()))>"Share"</button>
                                            })}
                                        </div>
                                        {move || (sharing.get().as_deref() == Some(shows.as_str())).then(|| view! {
                                            <ShareDialog app_id=app_id.clone() on_close=move || { sharing.set(None); changed(); }/>
                                        })}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                }
        }
        {space.can(SpaceAction::CreateApp).then(|| view! {
            <div class="columns">
                <crate::content::ui::NewAppFromData space_id=space.id.clone()/>
                <CreateApp space_id=space.id.clone() on_created=changed/>
            </div>
        })}
    }
}

#[component]
fn CreateApp(
    space_id: String,
    on_created: impl Fn() + Send + Sync + Copy + 'static,
) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let space_id = StoredValue::new(space_id);
    let create = Action::new(|input: &NewApp| {
        let input = input.clone();
        async move { create_app(input).await }
    });
    Effect::new(move || {
        if let Some(Ok(_)) = create.value().get() {
            name.set(String::new());
            description.set(String::new());
            on_created();
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        create.dispatch(NewApp {
            name: name.get(),
            description: description.get(),
            space_id: space_id.get_value(),
        });
    };
    view! {
        <form class="form card" on:submit=submit>
            <h3>"New app"</h3>
            <label for="app-name">"Name"</label>
            <input id="app-name" type="text" required maxlength="200" bind:value=name/>
            <label for="app-description">"Description"</label>
            <textarea id="app-description" maxlength="1000" prop:value=description on:input=move |ev| description.set(event_target_value(&ev))></textarea>
            <ActionError result=create.value().into()/>
            <button type="submit" class="button primary" disabled=move || create.pending().get()>"Create app"</button>
        </form>
    }
}

#[component]
pub fn AppPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let version = RwSignal::new(0);
    let detail = load(move || (id(), version.get()), |(id, _)| get_app(id));
    view! {
        <Suspense fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(detail) => view! { <AppView detail on_change=move || version.update(|v| *v += 1)/> }.into_any(),
                    Err(error) => view! { <PageHeader title="App".to_string()/><ErrorBox error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn AppView(
    detail: AppDetail,
    on_change: impl Fn() + Send + Sync + Copy + 'static,
) -> impl IntoView {
    let app = detail.app.clone();
    let sharing = RwSignal::new(false);
    let subtitle = if app.description.is_empty() {
        format!("In {}", app.space_name)
    } else {
        app.description.clone()
    };
    let app_id = app.id.clone();
    // Viewers get no empty "Manage" card.
    let (access_rules, access_app) = (
        app.can(AppAction::Edit) && app.data_rows > 0,
        app.id.clone(),
    );
    let (reloadable, reload_app) = (
        app.can(AppAction::Reload) && app.data_rows > 0,
        app.id.clone(),
    );
    let manageable = [
        AppAction::Edit,
        AppAction::Publish,
        AppAction::Contribute,
        AppAction::Delete,
    ]
    .into_iter()
    .any(|a| app.can(a));
    view! {
        <PageHeader title=app.name.clone() subtitle/>
        <div class="space-meta">
            <A href=format!("/spaces/{}", app.space_id)>{format!("← {}", app.space_name)}</A>
            " " {type_badge(app.space_type)} " " {app_badges(&app)}
            " " <A href=format!("/apps/{}/sheets", app.id) attr:class="button small primary">"Open app"</A>
            {(app.can(AppAction::Edit) && app.data_rows > 0).then(|| view! {
                " " <A href=format!("/apps/{}/model", app.id) attr:class="button small">"Data model"</A>
            })}
            {app.can(AppAction::Share).then(|| view! {
                " " <button type="button" class="button small" on:click=move |_| sharing.set(true)>"Share"</button>
            })}
        </div>
        {move || sharing.get().then(|| view! { <ShareDialog app_id=app_id.clone() on_close=move || { sharing.set(false); on_change(); }/> })}
        <div class="columns">
            <section class="card">
                <h2>"Details"</h2>
                <dl class="facts">
                    <dt>"Owner"</dt><dd>{app.owner_name.clone().unwrap_or_else(|| "No owner".into())}</dd>
                    <dt>"Space"</dt><dd><A href=format!("/spaces/{}", app.space_id)>{app.space_name.clone()}</A></dd>
                    <dt>"Data"</dt><dd>{if app.data_rows > 0 { format!("{} rows", crate::content::rules::format_number(app.data_rows as f64, false)) } else { "None loaded yet".to_string() }}</dd>
                    <dt>"Created"</dt><dd><Time ms=app.created_at/></dd>
                    <dt>"Changed"</dt><dd><Time ms=app.updated_at/></dd>
                    {app.published_at.map(|at| view! { <dt>"Published"</dt><dd><Time ms=at/>{format!(" · version {}", app.content_version)}</dd> })}
                    {detail.source.clone().map(|s| view! { <dt>"Published from"</dt><dd><A href=format!("/apps/{}", s.id)>{format!("{} ({})", s.name, s.space_name)}</A></dd> })}
                </dl>
                {(!detail.published_copies.is_empty()).then(|| view! {
                    <h3>"Published to"</h3>
                    <ul class="plain">
                        {detail.published_copies.iter().map(|c| view! { <li><A href=format!("/apps/{}", c.id)>{format!("{} in {}", c.name, c.space_name)}</A></li> }).collect_view()}
                    </ul>
                })}
                <h3>"Your access"</h3>
                <ul class="role-lines">
                    {detail.roles.iter().map(|line| view! {
                        <li><strong>{line.role.clone()}</strong><span class="muted">{format!(" · {}", line.sources.join(", "))}</span></li>
                    }).collect_view()}
                </ul>
            </section>
            {manageable.then(|| view! { <AppActions detail=detail.clone() on_change/> })}
        </div>
        {access_rules.then(|| view! { <crate::content::ui::SectionAccess app_id=access_app.clone()/> })}
        {(app.space_type == SpaceType::Managed).then(|| view! { <crate::anonymous::ui::AnonymousAccess app_id=app.id.clone() on_change/> })}
        {reloadable.then(|| view! {
            <crate::reloads::ui::ReloadPanel app_id=reload_app.clone()/>
            <crate::reload_tasks::ui::SchedulePanel app_id=reload_app/>
        })}
        <crate::collab::ui::AppCollabSwitch app_id=app.id.clone()/>
    }
}

/// Rename, publish, republish, duplicate, move and delete: each shown only to those who may.
#[component]
fn AppActions(
    detail: AppDetail,
    on_change: impl Fn() + Send + Sync + Copy + 'static,
) -> impl IntoView {
    let app = detail.app.clone();
    let id = StoredValue::new(app.id.clone());
    let name = RwSignal::new(app.name.clone());
    let description = RwSignal::new(app.description.clone());
    let save = Action::new(move |changes: &AppChanges| {
        let changes = changes.clone();
        async move { update_app(id.get_value(), changes).await }
    });
    let publish = Action::new(move |space_id: &String| {
        let input = PublishInput {
            space_id: space_id.clone(),
            name: None,
        };
        async move { publish_app(id.get_value(), input).await }
    });
    let republish = Action::new(move |target: &String| {
        let target = target.clone();
        async move { republish_app(id.get_value(), target).await }
    });
    let duplicate = Action::new(move |space_id: &String| {
        let input = DuplicateInput {
            space_id: space_id.clone(),
            name: None,
        };
        async move { duplicate_app(id.get_value(), input).await }
    });
    let relocate = Action::new(move |space_id: &String| {
        let space_id = space_id.clone();
        async move { move_app(id.get_value(), space_id).await }
    });
    let remove = Action::new(move |_: &()| async move { delete_app(id.get_value()).await });
    Effect::new(move || {
        let saved = matches!(save.value().get(), Some(Ok(_)));
        let republished = matches!(republish.value().get(), Some(Ok(_)));
        let moved = matches!(relocate.value().get(), Some(Ok(_)));
        if saved || republished || moved {
            on_change();
        }
    });
    // A new app (published copy or duplicate) opens on its own page.
    Effect::new(move || {
        let made = match (publish.value().get(), duplicate.value().get()) {
            (Some(Ok(app)), _) | (_, Some(Ok(app))) => Some(app.id),
            _ => None,
        };
        if let Some(id) = made {
            let navigate = leptos_router::hooks::use_navigate();
            navigate(&format!("/apps/{id}"), Default::default());
        }
    });
    let space_id = StoredValue::new(app.space_id.clone());
    Effect::new(move || {
        if let Some(Ok(())) = remove.value().get() {
            let navigate = leptos_router::hooks::use_navigate();
            navigate(
                &format!("/spaces/{}", space_id.get_value()),
                Default::default(),
            );
        }
    });
    let can_publish = app.can(AppAction::Publish) && app.space_type != SpaceType::Managed;
    let publish_to = RwSignal::new(String::new());
    let copy_to = RwSignal::new(String::new());
    let move_to = RwSignal::new(String::new());
    // Loaded in the browser once the page is live (effects run only there): a resource nested
    // in the page's own would not hydrate.
    let targets = RwSignal::new(None::<(Vec<Space>, Vec<Space>)>);
    Effect::new(move || {
        leptos::task::spawn_local(async move {
            targets.set(Some((
                list_publish_targets().await.unwrap_or_default(),
                list_app_targets().await.unwrap_or_default(),
            )));
        });
    });
    let published = detail.published_copies.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.dispatch(AppChanges {
            name: Some(name.get()),
            description: Some(description.get()),
        });
    };
    let current_space = app.space_id.clone();
    let can_contribute = app.can(AppAction::Contribute);
    let can_move = app.can(AppAction::Delete) && app.space_type != SpaceType::Managed;
    view! {
        <section class="card">
            <h2>"Manage"</h2>
            {app.can(AppAction::Edit).then(|| view! {
                <form class="form" on:submit=submit>
                    <label for="app-name">"Name"</label>
                    <input id="app-name" type="text" required maxlength="200" bind:value=name/>
                    <label for="app-description">"Description"</label>
                    <textarea id="app-description" maxlength="1000" prop:value=description on:input=move |ev| description.set(event_target_value(&ev))></textarea>
                    <ActionError result=save.value().into()/>
                    {move || matches!(save.value().get(), Some(Ok(_))).then(|| view! { <Notice>"Saved."</Notice> })}
                    <button type="submit" class="button primary" disabled=move || save.pending().get()>"Save changes"</button>
                </form>
            })}
            {move || {
                    let published = published.clone();
                    let current_space = current_space.clone();
                    let Some((managed, writable)) = targets.get() else { return view! { <Loading/> }.into_any() };
                    let writable: Vec<Space> = writable.into_iter().filter(|s| s.id != current_space).collect();
                    view! {
                        {can_publish.then(|| view! {
                            <h3>"Publish"</h3>
                            {if managed.is_empty() {
                                view! { <p class="muted">"There is no managed space you may publish to."</p> }.into_any()
                            } else {
                                view! {
                                    <div class="form-inline">
                                        <select aria-label="Managed space to publish to" on:change=move |ev| publish_to.set(event_target_value(&ev))>
                                            <option value="">"Choose a managed space"</option>
                                            {managed.iter().map(|s| view! { <option value=s.id.clone()>{s.name.clone()}</option> }).collect_view()}
                                        </select>
                                        <button type="button" class="button" disabled=move || publish_to.get().is_empty() || publish.pending().get()
                                            on:click=move |_| { publish.dispatch(publish_to.get()); }>"Publish"</button>
                                    </div>
                                }.into_any()
                            }}
                            <ActionError result=publish.value().into()/>
                            {published.into_iter().map(|copy| {
                                let target = copy.id.clone();
                                view! {
                                    <p>
                                        {format!("Published to {}. ", copy.space_name)}
                                        <button type="button" class="button small" disabled=move || republish.pending().get()
                                            on:click=move |_| { republish.dispatch(target.clone()); }>"Republish"</button>
                                    </p>
                                }
                            }).collect_view()}
                            <ActionError result=republish.value().into()/>
                            {move || matches!(republish.value().get(), Some(Ok(_))).then(|| view! { <Notice>"Republished: people see the new version, and the app's shares stay."</Notice> })}
                        })}
                        {can_contribute.then(|| view! {
                            <h3>"Duplicate"</h3>
                            <div class="form-inline">
                                <select aria-label="Space for the copy" on:change=move |ev| copy_to.set(event_target_value(&ev))>
                                    <option value="">"Your personal space"</option>
                                    {writable.iter().filter(|s| s.space_type != SpaceType::Personal).map(|s| view! { <option value=s.id.clone()>{s.name.clone()}</option> }).collect_view()}
                                </select>
                                <button type="button" class="button" disabled=move || duplicate.pending().get()
                                    on:click=move |_| { duplicate.dispatch(copy_to.get()); }>"Duplicate"</button>
                            </div>
                            <p class="hint">"The copy is a new app: nobody it was shared with can see it."</p>
                            <ActionError result=duplicate.value().into()/>
                        })}
                        {(can_move && !writable.is_empty()).then(|| view! {
                            <h3>"Move"</h3>
                            <div class="form-inline">
                                <select aria-label="Space to move to" on:change=move |ev| move_to.set(event_target_value(&ev))>
                                    <option value="">"Choose a space"</option>
                                    {writable.iter().map(|s| view! { <option value=s.id.clone()>{s.name.clone()}</option> }).collect_view()}
                                </select>
                                <button type="button" class="button" disabled=move || move_to.get().is_empty() || relocate.pending().get()
                                    on:click=move |_| { relocate.dispatch(move_to.get()); }>"Move"</button>
                            </div>
                            <p class="hint">"Moving removes the app's shares: people it was shared with lose access."</p>
                            <ActionError result=relocate.value().into()/>
                        })}
                    }.into_any()
            }}
            {app.can(AppAction::Delete).then(|| view! {
                <ConfirmDelete what="app" consequence="Everyone it is shared with loses access. Published copies stay." action=remove/>
            })}
        </section>
    }
}
