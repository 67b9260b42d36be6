//! The users list (search, filters, paging, add) and one user's page.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::CheckList;
use crate::auth::ui::ApiKeys;
use crate::components::{
    load, ActionError, Badge, ConfirmDelete, EmptyState, ErrorBox, Loadable, Loaded, Loading,
    Notice, PageHeader, RoleChips, SecretOnce, Time,
};
use crate::directory::api::*;
use crate::directory::model::*;
use crate::directory::rules::{Permission, UserStatus};
use crate::paging::Page;

pub fn status_badge(status: UserStatus) -> impl IntoView {
    let tone = match status {
        UserStatus::Active => "ok",
        UserStatus::Invited => "warn",
        UserStatus::Disabled => "muted",
    };
    view! { <Badge text=status.as_str().to_string() tone/> }
}

/// Assignable roles as checklist options.
pub fn role_options(roles: &[Role]) -> Vec<(String, String, String)> {
    roles
        .iter()
        .filter(|r| r.kind.is_assignable())
        .map(|r| (r.id.clone(), r.name.clone(), r.description.clone()))
        .collect()
}

#[component]
pub fn UsersPage() -> impl IntoView {
    let query = use_query_map();
    let initial = |key: &str| query.read_untracked().get(key).unwrap_or_default();
    let search = RwSignal::new(initial("search"));
    let status = RwSignal::new(initial("status"));
    let role_id = RwSignal::new(initial("role"));
    let group_id = RwSignal::new(initial("group"));
    let cursor = RwSignal::new(None::<String>);
    let version = RwSignal::new(0);

    let roles = load(|| (), |_| list_roles());
    let groups = load(
        || (),
        |_| {
            list_groups(GroupQuery {
                limit: 100,
                ..Default::default()
            })
        },
    );
    let users = load(
        move || {
            (
                search.get(),
                status.get(),
                role_id.get(),
                group_id.get(),
                cursor.get(),
                version.get(),
            )
        },
        |(search, status, role_id, group_id, after, _)| {
            list_users(UserQuery {
                search,
                status: UserStatus::parse(&status).ok(),
                role_id,
                group_id,
                after,
                limit: 25,
                ..Default::default()
            })
        },
    );
    // Any filter change starts again from the first page.
    Effect::new(move || {
        let _ = (search.get(), status.get(), role_id.get(), group_id.get());
        cursor.set(None);
    });
    let adding = RwSignal::new(false);

    view! {
        <PageHeader title="Users".to_string() subtitle="Everyone in this tenant, with their roles and groups.".to_string()/>
        <div class="page-actions">
            <button type="button" class="button primary" on:click=move |_| adding.update(|a| *a = !*a)>
                {move || if adding.get() { "Close" } else { "Add user" }}
            </button>
        </div>
        <Show when=move || adding.get()>
            <AddUser roles groups on_added=move || version.update(|v| *v += 1)/>
        </Show>
        <div class="filters" role="search">
            <input type="search" placeholder="Search by name or email" aria-label="Search users"
                prop:value=search on:input=move |ev| search.set(event_target_value(&ev))/>
            <select aria-label="Status" prop:value=status on:change=move |ev| status.set(event_target_value(&ev))>
                <option value="">"Any status"</option>
                <option value="active">"Active"</option>
                <option value="invited">"Invited"</option>
                <option value="disabled">"Disabled"</option>
            </select>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let roles = roles.await.unwrap_or_default();
                    let groups = groups.await.map(|p| p.items).unwrap_or_default();
                    view! {
                        <select aria-label="Role" prop:value=role_id on:change=move |ev| role_id.set(event_target_value(&ev))>
                            <option value="">"Any role"</option>
                            {roles.into_iter().filter(|r| r.kind.is_assignable()).map(|r| view! { <option value=r.id>{r.name}</option> }).collect_view()}
                        </select>
                        <select aria-label="Group" prop:value=group_id on:change=move |ev| group_id.set(event_target_value(&ev))>
                            <option value="">"Any group"</option>
                            {groups.into_iter().map(|g| view! { <option value=g.id>{g.name}</option> }).collect_view()}
                        </select>
                    }
                })}
            </Transition>
        </div>
        <Loaded resource=users view=move |value| match value {
            page if page.items.is_empty() => view! {
                <EmptyState title="No users match" hint="Clear the search or the filters, or add a user.".into()/>
            }.into_any(),
            page => {
                let next = page.next.clone();
                view! {
                    <UserTable users=page.items/>
                    <div class="pager">
                        <button type="button" class="button" disabled=move || cursor.get().is_none() on:click=move |_| cursor.set(None)>"First page"</button>
                        {next.map(|n| view! { <button type="button" class="button" on:click=move |_| cursor.set(Some(n.clone()))>"Next page"</button> })}
                    </div>
                }.into_any()
            }
        }/>
    }
}

#[component]
fn UserTable(users: Vec<User>) -> impl IntoView {
    view! {
        <table class="table">
            <thead><tr><th>"Name"</th><th>"Email"</th><th>"Status"</th><th>"Roles"</th><th>"Groups"</th><th>"Added"</th></tr></thead>
            <tbody>
                {users.into_iter().map(|u| view! {
                    <tr>
                        <td><A href=format!("/admin/users/{}", u.id)>{u.name.clone()}</A></td>
                        <td>{u.email.clone()}</td>
                        <td>{status_badge(u.status)}</td>
                        <td><RoleChips roles=u.roles.clone()/></td>
                        <td>{if u.groups.is_empty() { "—".to_string() } else { u.groups.iter().map(|g| g.name.as_str()).collect::<Vec<_>>().join(", ") }}</td>
                        <td><Time ms=u.created_at/></td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn AddUser(
    roles: Loadable<Vec<Role>>,
    groups: Loadable<Page<Group>>,
    on_added: impl Fn() + Send + Sync + Copy + 'static,
) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let chosen_roles = RwSignal::new(Vec::<String>::new());
    let chosen_groups = RwSignal::new(Vec::<String>::new());
    let create = Action::new(|input: &NewUser| {
        let input = input.clone();
        async move { create_user(input).await }
    });
    Effect::new(move || {
        if let Some(Ok(_)) = create.value().get() {
            name.set(String::new());
            email.set(String::new());
            on_added();
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        create.dispatch(NewUser {
            name: name.get(),
            email: email.get(),
            role_ids: chosen_roles.get(),
            group_ids: chosen_groups.get(),
        });
    };
    view! {
        <section class="card">
            <h2>"Add a user"</h2>
            <p class="muted">"The new user is invited: send them the link Sightline gives you, and they choose their password."</p>
            <form class="form" on:submit=submit>
                <div class="form-row">
                    <div>
                        <label for="new-name">"Name"</label>
                        <input id="new-name" type="text" required maxlength="200" bind:value=name/>
                    </div>
                    <div>
                        <label for="new-email">"Email"</label>
                        <input id="new-email" type="email" required maxlength="254" bind:value=email/>
                    </div>
                </div>
                <Transition fallback=|| view! { <Loading/> }>
                    {move || Suspend::new(async move {
                        let roles = roles.await.unwrap_or_default();
                        let groups = groups.await.map(|p| p.items).unwrap_or_default();
                        view! {
                            <div class="form-row">
                                <CheckList legend="Roles" options=role_options(&roles) selected=chosen_roles/>
                                <CheckList legend="Groups" options=groups.iter().map(|g| (g.id.clone(), g.name.clone(), String::new())).collect() selected=chosen_groups/>
                            </div>
                        }
                    })}
                </Transition>
                <ActionError result=create.value().into()/>
                <button type="submit" class="button primary" disabled=move || create.pending().get()>"Add and get invitation link"</button>
            </form>
            {move || create.value().get().and_then(Result::ok).map(|created| view! {
                <Notice>{format!("{} was added.", created.user.name)}</Notice>
                <SecretOnce label="Invitation link" value=created.invite_url/>
            })}
        </section>
    }
}

#[component]
pub fn UserPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let version = RwSignal::new(0);
    let detail = load(move || (id(), version.get()), |(id, _)| get_user(id));
    let roles = load(|| (), |_| list_roles());
    let groups = load(
        || (),
        |_| {
            list_groups(GroupQuery {
                limit: 100,
                ..Default::default()
            })
        },
    );
    view! {
        <Suspense fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                let detail = match detail.await {
                    Ok(d) => d,
                    Err(error) => return view! { <PageHeader title="User".to_string()/><ErrorBox error/> }.into_any(),
                };
                let roles = roles.await.unwrap_or_default();
                let groups = groups.await.map(|p| p.items).unwrap_or_default();
                view! { <UserEditor detail roles groups on_saved=move || version.update(|v| *v += 1)/> }.into_any()
            })}
        </Suspense>
    }
}

#[component]
fn UserEditor(
    detail: UserDetail,
    roles: Vec<Role>,
    groups: Vec<Group>,
    on_saved: impl Fn() + Send + Sync + Copy + 'static,
) -> impl IntoView {
    let user = detail.user.clone();
    let id = StoredValue::new(user.id.clone());
    let name = RwSignal::new(user.name.clone());
    let status = RwSignal::new(user.status.as_str().to_string());
    let chosen_roles = RwSignal::new(user.roles.iter().map(|r| r.id.clone()).collect::<Vec<_>>());
    let chosen_groups = RwSignal::new(user.groups.iter().map(|g| g.id.clone()).collect::<Vec<_>>());
    let save = Action::new(move |changes: &UserChanges| {
        let changes = changes.clone();
        async move { update_user(id.get_value(), changes).await }
    });
    let invite = Action::new(move |_: &()| async move { reissue_invite(id.get_value()).await });
    let reset = Action::new(move |_: &()| async move { reset_user_password(id.get_value()).await });
    let remove = Action::new(move |_: &()| async move { delete_user(id.get_value()).await });
    Effect::new(move || {
        if let Some(Ok(_)) = save.value().get() {
            on_saved();
        }
    });
    Effect::new(move || {
        if let Some(Ok(())) = remove.value().get() {
            let navigate = leptos_router::hooks::use_navigate();
            navigate("/admin/users", Default::default());
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.dispatch(UserChanges {
            name: Some(name.get()),
            status: UserStatus::parse(&status.get()).ok(),
            role_ids: Some(chosen_roles.get()),
            group_ids: Some(chosen_groups.get()),
        });
    };
    let invited = user.status == UserStatus::Invited;
    let permissions: Vec<&'static str> = Permission::ALL
        .iter()
        .filter(|p| detail.permissions.iter().any(|x| x == p.as_str()))
        .map(|p| p.label())
        .collect();
    view! {
        <PageHeader title=user.name.clone() subtitle=user.email.clone()/>
        <p class="page-actions">{status_badge(user.status)}</p>
        <div class="columns">
            <section class="card">
                <h2>"Profile and access"</h2>
                <form class="form" on:submit=submit>
                    <label for="user-name">"Name"</label>
                    <input id="user-name" type="text" required maxlength="200" bind:value=name/>
                    <label for="user-status">"Status"</label>
                    <select id="user-status" prop:value=status on:change=move |ev| status.set(event_target_value(&ev))>
                        {invited.then(|| view! { <option value="invited">"Invited (has not set a password)"</option> })}
                        <option value="active">"Active"</option>
                        <option value="disabled">"Disabled (cannot sign in; API keys stop working)"</option>
                    </select>
                    <CheckList legend="Roles" options=role_options(&roles) selected=chosen_roles/>
                    <CheckList legend="Groups" options=groups.iter().map(|g| (g.id.clone(), g.name.clone(), g.description.clone())).collect() selected=chosen_groups/>
                    <ActionError result=save.value().into()/>
                    {move || matches!(save.value().get(), Some(Ok(_))).then(|| view! { <Notice>"Saved."</Notice> })}
                    <button type="submit" class="button primary" disabled=move || save.pending().get()>"Save changes"</button>
                </form>
            </section>
            <section class="card">
                <h2>"What they can do"</h2>
                {if detail.group_roles.is_empty() {
                    view! { <p class="muted">"No roles reach them through groups."</p> }.into_any()
                } else {
                    view! {
                        <p>"Through groups:"</p>
                        <ul class="plain">
                            {detail.group_roles.clone().into_iter().map(|(role, group)| view! {
                                <li><Badge text=role.name/>" from "<A href=format!("/admin/groups/{}", group.id)>{group.name}</A></li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
                <p>"Permissions, User Default included:"</p>
                {if permissions.is_empty() {
                    view! { <p class="muted">"None."</p> }.into_any()
                } else {
                    view! { <ul class="checklist">{permissions.into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}</ul> }.into_any()
                }}
                {invited.then(|| view! {
                    <h3>"Invitation"</h3>
                    <p class="muted">"They have not set a password yet. A new link replaces the old one."</p>
                    <button type="button" class="button" on:click=move |_| { invite.dispatch(()); }>"New invitation link"</button>
                    {move || match invite.value().get() {
                        Some(Ok(url)) => view! { <SecretOnce label="Invitation link" value=url/> }.into_any(),
                        Some(Err(error)) => view! { <ErrorBox error/> }.into_any(),
                        None => ().into_any(),
                    }}
                })}
                {(user.status == UserStatus::Active).then(|| view! {
                    <h3>"Password"</h3>
                    <p class="muted">"A reset stops their password at once and signs them out everywhere; they choose a new one through the link."</p>
                    <button type="button" class="button" on:click=move |_| { reset.dispatch(()); } disabled=move || reset.pending().get()>"Reset password"</button>
                    {move || match reset.value().get() {
                        Some(Ok(done)) => view! {
                            <SecretOnce label="Link to choose a new password" value=done.url/>
                            <p class="muted">{if done.emailed { "The link was emailed to them too." } else { "This server sends no email: pass the link on to them yourself." }}</p>
                        }.into_any(),
                        Some(Err(error)) => view! { <ErrorBox error/> }.into_any(),
                        None => ().into_any(),
                    }}
                })}
                <ConfirmDelete what="user" consequence="Deleting removes the user, their sessions and API keys. This cannot be undone." action=remove/>
            </section>
        </div>
        <ApiKeys user_id=Some(user.id.clone()) can_create=false/>
    }
}
