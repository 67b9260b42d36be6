//! The spaces list (filters, create) and one space's page: its apps (only those the visitor can
//! open), what they may do with each, and the space's settings.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use super::api::*;
use super::model::*;
use super::rules::SpaceType;
use crate::apps::ui::AppsList;
use crate::auth::model::CurrentUser;
use crate::components::{
    load, type_badge, ActionError, ConfirmDelete, EmptyState, ErrorBox, Loaded, Loading, Notice,
    PageHeader, PersonPicker, SpaceTabs,
};
use crate::directory::rules::Permission;
use crate::sharing::rules::SpaceAction;

/// What the visitor is in a space, in a few words.
fn standing(space: &Space) -> String {
    if space.space_type == SpaceType::Personal {
        return "Yours".into();
    }
    if space.owner {
        return "Owner".into();
    }
    match space.roles.first() {
        Some(role) => role.ui_name().into(),
        None if space.can(SpaceAction::ManageMembers) => "Admin".into(),
        None => "Shared apps only".into(),
    }
}

#[component]
pub fn SpacesPage() -> impl IntoView {
    let user = expect_context::<CurrentUser>();
    let can_create =
        user.has(Permission::CreateSharedSpaces) || user.has(Permission::CreateManagedSpaces);
    let name = RwSignal::new(String::new());
    let space_type = RwSignal::new(String::new());
    let version = RwSignal::new(0);
    let spaces = load(
        move || (name.get(), space_type.get(), version.get()),
        |(name, kind, _)| {
            list_spaces(SpaceQuery {
                name,
                space_type: SpaceType::parse(&kind).ok(),
                limit: 100,
                ..Default::default()
            })
        },
    );
    view! {
        <PageHeader title="Spaces".to_string() subtitle="Personal, shared and managed spaces you work in, and those with apps shared with you.".to_string()/>
        <div class="columns">
            <section>
                <div class="filters" role="search">
                    <input type="search" placeholder="Search spaces by name" aria-label="Search spaces" prop:value=name on:input=move |ev| name.set(event_target_value(&ev))/>
                    <select aria-label="Space type" prop:value=space_type on:change=move |ev| space_type.set(event_target_value(&ev))>
                        <option value="">"All types"</option>
                        <option value="personal">"Personal"</option>
                        <option value="shared">"Shared"</option>
                        <option value="managed">"Managed"</option>
                    </select>
                </div>
                <Loaded resource=spaces view=move |value| match value {
                    page if page.items.is_empty() => view! {
                        <EmptyState title="No spaces match" hint="Clear the search, or create a space to work with others.".into()/>
                    }.into_any(),
                    page => view! {
                        <table class="table">
                            <thead><tr><th>"Space"</th><th>"Type"</th><th>"Owner"</th><th>"Apps"</th><th>"You"</th></tr></thead>
                            <tbody>
                                {page.items.into_iter().map(|s| { let name = s.name.clone(); view! {
                                    <tr data-space=s.name.clone()>
                                        <td><A href=format!("/spaces/{}", s.id)>{name}</A><div class="hint">{s.description.clone()}</div></td>
                                        <td>{type_badge(s.space_type)}</td>
                                        <td>{s.owner_name.clone().unwrap_or_else(|| "No owner".into())}</td>
                                        <td>{s.app_count}</td>
                                        <td>{standing(&s)}</td>
                                    </tr>
                                }}).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                }/>
            </section>
            {can_create.then(|| view! { <CreateSpace user=user.clone() on_created=move || version.update(|v| *v += 1)/> })}
        </div>
    }
}

#[component]
fn CreateSpace(
    user: CurrentUser,
    on_created: impl Fn() + Send + Sync + Copy + 'static,
) -> impl IntoView {
    let shared = user.has(Permission::CreateSharedSpaces);
    let managed = user.has(Permission::CreateManagedSpaces);
    let name = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let kind = RwSignal::new(if shared {
        "shared".to_string()
    } else {
        "managed".to_string()
    });
    let create = Action::new(|input: &NewSpace| {
        let input = input.clone();
        async move { create_space(input).await }
    });
    Effect::new(move || {
        if let Some(Ok(space)) = create.value().get() {
            on_created();
            let navigate = leptos_router::hooks::use_navigate();
            navigate(&format!("/spaces/{}", space.id), Default::default());
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let space_type = SpaceType::parse(&kind.get()).unwrap_or(SpaceType::Shared);
        create.dispatch(NewSpace {
            space_type,
            name: name.get(),
            description: description.get(),
        });
    };
    view! {
        <section class="card">
            <h2>"Create a space"</h2>
            <form class="form" on:submit=submit>
                <label for="space-name">"Name"</label>
                <input id="space-name" type="text" required maxlength="200" bind:value=name/>
                <label for="space-type">"Type"</label>
                <select id="space-type" prop:value=kind on:change=move |ev| kind.set(event_target_value(&ev))>
                    {shared.then(|| view! { <option value="shared">"Shared: build apps together"</option> })}
                    {managed.then(|| view! { <option value="managed">"Managed: publish apps to consumers"</option> })}
                </select>
                <label for="space-description">"Description"</label>
                <textarea id="space-description" maxlength="1000" prop:value=description on:input=move |ev| description.set(event_target_value(&ev))></textarea>
                <ActionError result=create.value().into()/>
                <button type="submit" class="button primary" disabled=move || create.pending().get()>"Create space"</button>
            </form>
        </section>
    }
}

fn your_roles(space: &Space) -> String {
    let mut roles: Vec<&str> = space.roles.iter().map(|r| r.ui_name()).collect();
    if space.owner {
        roles.insert(0, "Owner");
    }
    if roles.is_empty() {
        return if space.can(SpaceAction::ManageMembers) {
            "None: you manage it as an admin".into()
        } else {
            "None: apps are shared with you".into()
        };
    }
    roles.join(", ")
}

fn space_subtitle(space: &Space) -> String {
    let owner = space
        .owner_name
        .clone()
        .unwrap_or_else(|| "no owner".into());
    let kind = match space.space_type {
        SpaceType::Personal => "Personal space".to_string(),
        SpaceType::Shared => format!("Shared space of {owner}"),
        SpaceType::Managed => format!("Managed space of {owner}"),
    };
    if space.description.is_empty() {
        kind
    } else {
        format!("{kind} · {}", space.description)
    }
}

#[component]
pub fn SpacePage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let version = RwSignal::new(0);
    // The space and its apps in one resource: a second, nested one would not hydrate.
    let space = load(move || (id(), version.get()), |(id, _)| get_space_page(id));
    view! {
        <Suspense fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match space.await {
                    Ok((space, apps)) => view! {
                        <PageHeader title=space.name.clone() subtitle=space_subtitle(&space)/>
                        <div class="space-meta">{type_badge(space.space_type)}" "<span class="muted">{format!("{} app{} you can open", space.app_count, if space.app_count == 1 { "" } else { "s" })}</span></div>
                        <SpaceTabs space=space.clone() current="Apps"/>
                        <div class="columns">
                            <section>
                                <AppsList space=space.clone() apps on_change=move || version.update(|v| *v += 1)/>
                            </section>
                            <SpaceSettings space on_change=move || version.update(|v| *v += 1)/>
                        </div>
                    }.into_any(),
                    Err(error) => view! { <PageHeader title="Space".to_string()/><ErrorBox error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// Details, owner and deletion, for those who may change them; the details for everyone else.
#[component]
fn SpaceSettings(
    space: Space,
    on_change: impl Fn() + Send + Sync + Copy + 'static,
) -> impl IntoView {
    let id = StoredValue::new(space.id.clone());
    let name = RwSignal::new(space.name.clone());
    let description = RwSignal::new(space.description.clone());
    let save = Action::new(move |changes: &SpaceChanges| {
        let changes = changes.clone();
        async move { update_space(id.get_value(), changes).await }
    });
    let remove = Action::new(move |_: &()| async move { delete_space(id.get_value()).await });
    let new_owner = RwSignal::new(None::<crate::sharing::model::Candidate>);
    Effect::new(move || {
        if let Some(Ok(_)) = save.value().get() {
            on_change();
        }
    });
    Effect::new(move || {
        if let Some(Ok(())) = remove.value().get() {
            let navigate = leptos_router::hooks::use_navigate();
            navigate("/spaces", Default::default());
        }
    });
    let edit = space.can(SpaceAction::EditDetails) && space.space_type != SpaceType::Personal;
    let change_owner =
        space.can(SpaceAction::ChangeOwner) && space.space_type != SpaceType::Personal;
    let deletable = space.can(SpaceAction::Delete) && space.space_type != SpaceType::Personal;
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.dispatch(SpaceChanges {
            name: Some(name.get()),
            description: Some(description.get()),
            owner_id: None,
        });
    };
    view! {
        <section class="card">
            <h2>"About this space"</h2>
            <dl class="facts">
                <dt>"Type"</dt><dd>{type_badge(space.space_type)}</dd>
                <dt>"Owner"</dt><dd>{space.owner_name.clone().unwrap_or_else(|| "No owner: an admin can give it one".into())}</dd>
                <dt>"Your roles"</dt><dd>{your_roles(&space)}</dd>
            </dl>
            {edit.then(|| view! {
                <form class="form" on:submit=submit>
                    <label for="space-name">"Name"</label>
                    <input id="space-name" type="text" required maxlength="200" bind:value=name/>
                    <label for="space-description">"Description"</label>
                    <textarea id="space-description" maxlength="1000" prop:value=description on:input=move |ev| description.set(event_target_value(&ev))></textarea>
                    <ActionError result=save.value().into()/>
                    {move || matches!(save.value().get(), Some(Ok(_))).then(|| view! { <Notice>"Saved."</Notice> })}
                    <button type="submit" class="button primary" disabled=move || save.pending().get()>"Save changes"</button>
                </form>
            })}
            {change_owner.then(|| view! {
                <h3>"Change the owner"</h3>
                <PersonPicker label="New owner" users_only=true chosen=new_owner/>
                <button type="button" class="button" disabled=move || new_owner.get().is_none() || save.pending().get()
                    on:click=move |_| { if let Some(person) = new_owner.get() { save.dispatch(SpaceChanges { owner_id: Some(person.id), ..Default::default() }); } }>
                    "Make owner"
                </button>
            })}
            {deletable.then(|| view! {
                <ConfirmDelete what="space" consequence="Only an empty space can be deleted: move or delete its apps first." action=remove/>
            })}
        </section>
    }
}
