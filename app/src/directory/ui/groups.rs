//! The groups list (search, create) and one group's page (members, roles, rename, delete).

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use super::users::{role_options, status_badge};
use super::CheckList;
use crate::components::{
    load, ActionError, ConfirmDelete, EmptyState, ErrorBox, Loaded, Loading, Notice, PageHeader,
    RoleChips,
};
use crate::directory::api::*;
use crate::directory::model::*;

#[component]
pub fn GroupsPage() -> impl IntoView {
    let search = RwSignal::new(String::new());
    let version = RwSignal::new(0);
    let groups = load(
        move || (search.get(), version.get()),
        |(search, _)| {
            list_groups(GroupQuery {
                search,
                limit: 100,
                ..Default::default()
            })
        },
    );
    let roles = load(|| (), |_| list_roles());
    let name = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let chosen_roles = RwSignal::new(Vec::<String>::new());
    let create = Action::new(|input: &NewGroup| {
        let input = input.clone();
        async move { create_group(input).await }
    });
    Effect::new(move || {
        if let Some(Ok(_)) = create.value().get() {
            name.set(String::new());
            description.set(String::new());
            chosen_roles.set(Vec::new());
            version.update(|v| *v += 1);
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        create.dispatch(NewGroup {
            name: name.get(),
            description: description.get(),
            role_ids: chosen_roles.get(),
        });
    };
    view! {
        <PageHeader title="Groups".to_string() subtitle="Groups gather users so that roles and, later, app shares can be given to many at once.".to_string()/>
        <div class="columns">
            <section>
                <div class="filters" role="search">
                    <input type="search" placeholder="Search groups" aria-label="Search groups" prop:value=search on:input=move |ev| search.set(event_target_value(&ev))/>
                </div>
                <Loaded resource=groups view=move |value| match value {
                    page if page.items.is_empty() => view! {
                        <EmptyState title="No groups yet" hint="Create a group with the form, then add members from the group's page.".into()/>
                    }.into_any(),
                    page => view! {
                        <table class="table">
                            <thead><tr><th>"Group"</th><th>"Members"</th><th>"Roles"</th></tr></thead>
                            <tbody>
                                {page.items.into_iter().map(|g| view! {
                                    <tr>
                                        <td><A href=format!("/admin/groups/{}", g.id)>{g.name.clone()}</A><div class="hint">{g.description.clone()}</div></td>
                                        <td>{g.member_count}</td>
                                        <td><RoleChips roles=g.roles.clone()/></td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                }/>
            </section>
            <section class="card">
                <h2>"Create a group"</h2>
                <form class="form" on:submit=submit>
                    <label for="group-name">"Name"</label>
                    <input id="group-name" type="text" required maxlength="200" bind:value=name/>
                    <label for="group-description">"Description"</label>
                    <textarea id="group-description" maxlength="1000" prop:value=description on:input=move |ev| description.set(event_target_value(&ev))></textarea>
                    <Transition fallback=|| ()>
                        {move || Suspend::new(async move {
                            let roles = roles.await.unwrap_or_default();
                            view! { <CheckList legend="Roles for every member" options=role_options(&roles) selected=chosen_roles/> }
                        })}
                    </Transition>
                    <ActionError result=create.value().into()/>
                    <button type="submit" class="button primary" disabled=move || create.pending().get()>"Create group"</button>
                </form>
            </section>
        </div>
    }
}

#[component]
pub fn GroupPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let version = RwSignal::new(0);
    let detail = load(move || (id(), version.get()), |(id, _)| get_group(id));
    let roles = load(|| (), |_| list_roles());
    view! {
        <Suspense fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(detail) => {
                        let roles = roles.await.unwrap_or_default();
                        view! { <GroupEditor detail roles on_change=move || version.update(|v| *v += 1)/> }.into_any()
                    }
                    Err(error) => view! { <PageHeader title="Group".to_string()/><ErrorBox error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn GroupEditor(
    detail: GroupDetail,
    roles: Vec<Role>,
    on_change: impl Fn() + Send + Sync + Copy + 'static,
) -> impl IntoView {
    let group = detail.group.clone();
    let id = StoredValue::new(group.id.clone());
    let name = RwSignal::new(group.name.clone());
    let description = RwSignal::new(group.description.clone());
    let chosen_roles = RwSignal::new(group.roles.iter().map(|r| r.id.clone()).collect::<Vec<_>>());
    let save = Action::new(move |changes: &GroupChanges| {
        let changes = changes.clone();
        async move { update_group(id.get_value(), changes).await }
    });
    let add = Action::new(move |user_id: &String| {
        let user_id = user_id.clone();
        async move { add_group_member(id.get_value(), user_id).await }
    });
    let remove_member = Action::new(move |user_id: &String| {
        let user_id = user_id.clone();
        async move { remove_group_member(id.get_value(), user_id).await }
    });
    let remove = Action::new(move |_: &()| async move { delete_group(id.get_value()).await });
    Effect::new(move || {
        // Read every action before combining: `a || b` would stop tracking `b` once `a` holds.
        let saved = matches!(save.value().get(), Some(Ok(_)));
        let added = matches!(add.value().get(), Some(Ok(_)));
        let removed = matches!(remove_member.value().get(), Some(Ok(_)));
        if saved || added || removed {
            on_change();
        }
    });
    Effect::new(move || {
        if let Some(Ok(())) = remove.value().get() {
            let navigate = leptos_router::hooks::use_navigate();
            navigate("/admin/groups", Default::default());
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.dispatch(GroupChanges {
            name: Some(name.get()),
            description: Some(description.get()),
            role_ids: Some(chosen_roles.get()),
        });
    };
    let member_ids: Vec<String> = detail.members.iter().map(|m| m.id.clone()).collect();
    view! {
        <PageHeader title=group.name.clone() subtitle=format!("{} members", group.member_count)/>
        <div class="columns">
            <section class="card">
                <h2>"Members"</h2>
                <AddMember exclude=member_ids add/>
                <ActionError result=add.value().into()/>
                <ActionError result=remove_member.value().into()/>
                {if detail.members.is_empty() {
                    view! { <EmptyState title="No members yet" hint="Find a user above and add them.".into()/> }.into_any()
                } else {
                    view! {
                        <table class="table">
                            <thead><tr><th>"Name"</th><th>"Email"</th><th>"Status"</th><th></th></tr></thead>
                            <tbody>
                                {detail.members.into_iter().map(|m| {
                                    let user_id = m.id.clone();
                                    view! {
                                        <tr>
                                            <td><A href=format!("/admin/users/{}", m.id)>{m.name.clone()}</A></td>
                                            <td>{m.email.clone()}</td>
                                            <td>{status_badge(m.status)}</td>
                                            <td class="actions"><button type="button" class="button small" on:click=move |_| { remove_member.dispatch(user_id.clone()); }>"Remove"</button></td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any()
                }}
            </section>
            <section class="card">
                <h2>"Settings"</h2>
                <form class="form" on:submit=submit>
                    <label for="group-name">"Name"</label>
                    <input id="group-name" type="text" required maxlength="200" bind:value=name/>
                    <label for="group-description">"Description"</label>
                    <textarea id="group-description" maxlength="1000" prop:value=description on:input=move |ev| description.set(event_target_value(&ev))></textarea>
                    <CheckList legend="Roles for every member" options=role_options(&roles) selected=chosen_roles/>
                    <ActionError result=save.value().into()/>
                    {move || matches!(save.value().get(), Some(Ok(_))).then(|| view! { <Notice>"Saved."</Notice> })}
                    <button type="submit" class="button primary" disabled=move || save.pending().get()>"Save changes"</button>
                </form>
                <ConfirmDelete what="group" consequence="Members keep their accounts; they lose the roles the group gave them." action=remove/>
            </section>
        </div>
    }
}

/// Finds users by name or email and adds the chosen one.
#[component]
fn AddMember(
    exclude: Vec<String>,
    add: Action<String, Result<(), crate::error::AppError>>,
) -> impl IntoView {
    let search = RwSignal::new(String::new());
    let chosen = RwSignal::new(String::new());
    // While the people matching a new search load, the list shown is the last search's: adding
    // waits, so that the person added is one of those searched for.
    let searching = RwSignal::new(false);
    let candidates = load(
        move || search.get(),
        |search| {
            list_users(UserQuery {
                search,
                limit: 20,
                ..Default::default()
            })
        },
    );
    let exclude = StoredValue::new(exclude);
    view! {
        <div class="form-inline">
            <input type="search" placeholder="Find a user by name or email" aria-label="Find a user" prop:value=search on:input=move |ev| search.set(event_target_value(&ev))/>
            <Transition fallback=|| () set_pending=searching>
                {move || Suspend::new(async move {
                    let users: Vec<User> = candidates.await.map(|p| p.items).unwrap_or_default()
                        .into_iter().filter(|u| !exclude.read_value().contains(&u.id)).collect();
                    if let Some(first) = users.first() {
                        chosen.set(first.id.clone());
                    } else {
                        chosen.set(String::new());
                    }
                    view! {
                        <select aria-label="User to add" prop:value=chosen on:change=move |ev| chosen.set(event_target_value(&ev))>
                            {users.into_iter().map(|u| view! { <option value=u.id.clone()>{format!("{} ({})", u.name, u.email)}</option> }).collect_view()}
                        </select>
                    }
                })}
            </Transition>
            <button type="button" class="button primary" disabled=move || chosen.get().is_empty() || add.pending().get() || searching.get()
                on:click=move |_| { add.dispatch(chosen.get()); }>"Add member"</button>
        </div>
    }
}
