//! A space's members list: members and shared-app users in one list, with every role's source.
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use super::{parse_role, role_select};
use crate::components::SpaceTabs;
use crate::components::{
    load, ActionError, Badge, EmptyState, ErrorBox, Loading, PageHeader, PersonPicker,
};
use crate::error::AppError;
use crate::sharing::api::*;
use crate::sharing::model::*;
use crate::spaces::api::{create_assignment, delete_assignment, get_space, update_assignment};
use crate::spaces::model::{AssigneeType, NewAssignment};
use crate::spaces::rules::{ui_names, SpaceRole, SpaceType};

fn access_label(access: AccessKind) -> &'static str {
    match access {
        AccessKind::Member => "Space member",
        AccessKind::AppAccess => "App access",
        AccessKind::Both => "Member, and app access",
    }
}

/// The members list: space members and shared-app users in one list, each row expanding into
/// every role from every source.
#[component]
pub fn MembersPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let search = RwSignal::new(String::new());
    let role = RwSignal::new(String::new());
    let access = RwSignal::new(String::new());
    let version = RwSignal::new(0);
    let space = load(id, get_space);
    let members = load(
        move || (id(), search.get(), role.get(), access.get(), version.get()),
        |(id, search, role, access, _)| {
            let access = match access.as_str() {
                "member" => Some(AccessKind::Member),
                "app" => Some(AccessKind::AppAccess),
                _ => None,
            };
            list_members(
                id,
                MemberQuery {
                    search,
                    role,
                    access,
                },
            )
        },
    );
    let refresh = move || version.update(|v| *v += 1);
    // Which rows are expanded survives the list reloading after a change.
    let open = RwSignal::new(Vec::<String>::new());
    view! {
        <Suspense fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                let space = match space.await {
                    Ok(space) => space,
                    Err(error) => return view! { <PageHeader title="Members".to_string()/><ErrorBox error/> }.into_any(),
                };
                let allowed = space.space_type.allowed_roles().to_vec();
                let filter_roles = allowed.clone();
                view! {
                    <PageHeader title=format!("Members of {}", space.name) subtitle="Space members and the people and groups apps are shared with.".to_string()/>
                    <SpaceTabs space=space.clone() current="Members"/>
                    <div class="filters" role="search">
                        <input type="search" placeholder="Search by name or email" aria-label="Search members" prop:value=search on:input=move |ev| search.set(event_target_value(&ev))/>
                        <select aria-label="Filter by role" prop:value=role on:change=move |ev| role.set(event_target_value(&ev))>
                            <option value="">"Any role"</option>
                            <option value="owner">"Owner"</option>
                            {filter_roles.iter().map(|r| view! { <option value=r.api_name()>{r.ui_name()}</option> }).collect_view()}
                        </select>
                        <select aria-label="Filter by access" prop:value=access on:change=move |ev| access.set(event_target_value(&ev))>
                            <option value="">"Any access"</option>
                            <option value="member">"Space members"</option>
                            <option value="app">"App access"</option>
                        </select>
                    </div>
                    <Transition fallback=|| view! { <Loading/> }>
                        {move || {
                            let allowed = allowed.clone();
                            Suspend::new(async move {
                            match members.await {
                                Ok(page) => {
                                    let can_manage = page.can_manage;
                                    let kind = page.space_type;
                                    let space_id = page.space_id.clone();
                                    view! {
                                        {can_manage.then(|| view! { <AddMember space_id=space_id.clone() roles=allowed.clone() on_change=refresh/> })}
                                        <p class="muted">{format!("{} of {} shown", page.rows.len(), page.total)}</p>
                                        {if page.rows.is_empty() {
                                            view! { <EmptyState title="Nobody matches" hint="Clear the search or the filters to see everyone.".into()/> }.into_any()
                                        } else {
                                            view! {
                                                <ul class="member-list">
                                                    {page.rows.into_iter().map(|row| view! {
                                                        <MemberItem row space_id=space_id.clone() space_type=kind allowed=allowed.clone() can_manage open on_change=refresh/>
                                                    }).collect_view()}
                                                    {(!page.anonymous_apps.is_empty()).then(|| view! { <AnonymousMember apps=page.anonymous_apps.clone() on_change=refresh/> })}
                                                </ul>
                                            }.into_any()
                                        }}
                                    }.into_any()
                                }
                                Err(error) => view! { <ErrorBox error/> }.into_any(),
                            }
                        })}}
                    </Transition>
                }.into_any()
            })}
        </Suspense>
    }
}

#[component]
fn AddMember(
    space_id: String,
    roles: Vec<SpaceRole>,
    on_change: impl Fn() + Send + Sync + Copy + 'static,
) -> impl IntoView {
    let person = RwSignal::new(None::<Candidate>);
    let role = RwSignal::new(
        roles
            .iter()
            .find(|r| **r == SpaceRole::Consumer)
            .unwrap_or(&roles[0])
            .api_name()
            .to_string(),
    );
    let space_id = StoredValue::new(space_id);
    let add = Action::new(move |input: &NewAssignment| {
        let input = input.clone();
        async move {
            create_assignment(space_id.get_value(), input)
                .await
                .map(|_| ())
        }
    });
    Effect::new(move || {
        if let Some(Ok(())) = add.value().get() {
            person.set(None);
            on_change();
        }
    });
    let submit = move |_| {
        if let Some(p) = person.get() {
            let assignee_type = if p.assignee_type == ShareAssignee::Group {
                AssigneeType::Group
            } else {
                AssigneeType::User
            };
            add.dispatch(NewAssignment {
                assignee_type,
                assignee_id: p.id,
                roles: parse_role(&role.get()),
            });
        }
    };
    view! {
        <details class="card add-member">
            <summary>"Add a member"</summary>
            <PersonPicker label="Member" chosen=person/>
            <div class="form-inline">
                {role_select(&roles, role, "Role of the new member".into())}
                <button type="button" class="button primary" disabled=move || person.get().is_none() || add.pending().get() on:click=submit>"Add member"</button>
            </div>
            <ActionError result=add.value().into()/>
        </details>
    }
}

/// "Anonymous access" as a member of the space: the apps live links reach, each with "Turn off".
#[component]
fn AnonymousMember(
    apps: Vec<(String, String)>,
    on_change: impl Fn() + Send + Sync + Copy + 'static,
) -> impl IntoView {
    let turn_off = Action::new(move |app_id: &String| {
        let app_id = app_id.clone();
        async move {
            crate::anonymous::api::set_anonymous_access(app_id, false)
                .await
                .map(|_| ())
        }
    });
    Effect::new(move || {
        if matches!(turn_off.value().get(), Some(Ok(()))) {
            untrack(on_change);
        }
    });
    let count = apps.len();
    view! {
        <li class="member-row anonymous-member" data-member="Anonymous access">
            <div class="member-summary">
                <span class="icon icon-everyone" role="img" aria-label="Anonymous visitors"></span>
                <span class="member-name">"Anonymous access"<span class="muted">{format!(" anyone with a link · {count} app{}", if count == 1 { "" } else { "s" })}</span></span>
                <Badge text="Can view".to_string()/>
            </div>
            <div class="member-detail">
                <ul class="share-list">
                    {apps.into_iter().map(|(app_id, name)| {
                        let id = app_id.clone();
                        view! {
                            <li>
                                <span class="icon icon-app" aria-hidden="true"></span>
                                <a class="share-name" href=format!("/apps/{app_id}#anonymous-access")>{name.clone()}</a>
                                <button type="button" class="button small" aria-label=format!("Turn off anonymous access to {name}") on:click=move |_| { turn_off.dispatch(id.clone()); }>"Turn off"</button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
                <ActionError result=turn_off.value().into()/>
            </div>
        </li>
    }
}

#[component]
fn MemberItem(
    row: MemberRow,
    space_id: String,
    space_type: SpaceType,
    allowed: Vec<SpaceRole>,
    can_manage: bool,
    open: RwSignal<Vec<String>>,
    on_change: impl Fn() + Send + Sync + Copy + 'static,
) -> impl IntoView {
    let key = StoredValue::new(format!(
        "{}:{}",
        row.assignee_type.api_name(),
        row.assignee_id
    ));
    let expanded = Signal::derive(move || open.read().contains(&key.get_value()));
    let toggle = move |_| {
        let key = key.get_value();
        open.update(|o| {
            if let Some(i) = o.iter().position(|k| *k == key) {
                o.remove(i);
            } else {
                o.push(key);
            }
        });
    };
    let space_id = StoredValue::new(space_id);
    let icon = match (row.assignee_type, row.access) {
        (ShareAssignee::Group, _) => "group",
        (ShareAssignee::Everyone, _) => "everyone",
        (_, AccessKind::AppAccess) => "app",
        _ => "space",
    };
    let icon_label = match icon {
        "group" => "Group",
        "everyone" => "Everyone in the tenant",
        "app" => "App access",
        _ => "Space member",
    };
    let done = move |result: &Option<Result<(), AppError>>| matches!(result, Some(Ok(())));
    let remove_share = Action::new(move |id: &String| {
        let id = id.clone();
        async move { delete_share(space_id.get_value(), id).await }
    });
    let change_share = Action::new(move |(id, role): &(String, String)| {
        let (id, roles) = (id.clone(), parse_role(role));
        async move {
            update_share(
                space_id.get_value(),
                id,
                ShareChanges {
                    roles: Some(roles),
                    disabled: None,
                },
            )
            .await
            .map(|_| ())
        }
    });
    let kind = row.assignee_type;
    let assignee = StoredValue::new(row.assignee_id.clone());
    let remove_all = Action::new(move |_: &()| async move {
        remove_app_access(space_id.get_value(), kind, assignee.get_value())
            .await
            .map(|_| ())
    });
    let assignment = StoredValue::new(row.assignment_id.clone());
    let remove_member = Action::new(move |_: &()| async move {
        delete_assignment(
            space_id.get_value(),
            assignment.get_value().unwrap_or_default(),
        )
        .await
    });
    let member_role = RwSignal::new(
        row.assignment_roles
            .first()
            .map(|r| r.api_name().to_string())
            .unwrap_or_else(|| SpaceRole::Consumer.api_name().to_string()),
    );
    let set_member = Action::new(move |role: &String| {
        let roles = parse_role(role);
        async move {
            match assignment.get_value() {
                Some(id) => update_assignment(space_id.get_value(), id, roles)
                    .await
                    .map(|_| ()),
                None => {
                    let assignee_type = if kind == ShareAssignee::Group {
                        AssigneeType::Group
                    } else {
                        AssigneeType::User
                    };
                    create_assignment(
                        space_id.get_value(),
                        NewAssignment {
                            assignee_type,
                            assignee_id: assignee.get_value(),
                            roles,
                        },
                    )
                    .await
                    .map(|_| ())
                }
            }
        }
    });
    Effect::new(move || {
        let a = done(&remove_share.value().get());
        let b = done(&change_share.value().get());
        let c = done(&remove_all.value().get());
        let d = done(&remove_member.value().get());
        let e = done(&set_member.value().get());
        if a || b || c || d || e {
            on_change();
        }
    });
    let member = row.assignment_id.is_some();
    let person = kind != ShareAssignee::Everyone;
    let share_roles = space_type.share_roles().to_vec();
    let editable_shares = can_manage && share_roles.len() > 1;
    let detail_id = format!("member-{}", row.assignee_id);
    let has_shares = !row.shared_apps.is_empty();
    view! {
        <li class="member-row" data-member=row.name.clone()>
            <button type="button" class="member-summary" aria-expanded=move || expanded.get().to_string() aria-controls=detail_id.clone() on:click=toggle>
                <span class=format!("icon icon-{icon}") role="img" aria-label=icon_label></span>
                <span class="member-name">{row.name.clone()}<span class="muted">{format!(" {}", row.email)}</span></span>
                {has_shares.then(|| view! { <span class="icon icon-app small" role="img" aria-label=format!("{} shared apps", row.shared_apps.len())></span> })}
                <span class="member-access muted">{access_label(row.access)}</span>
                <Badge text=row.highest.clone() tone=if row.owner { "accent" } else { "neutral" }/>
                <span class="chevron" aria-hidden="true"></span>
            </button>
            <div class="member-detail" id=detail_id hidden=move || !expanded.get()>
                <h3>"Roles"</h3>
                <ul class="role-lines">
                    {row.roles.iter().map(|r| view! { <li><strong>{r.role.clone()}</strong><span class="muted">{format!(" · {}", r.sources.join("; "))}</span></li> }).collect_view()}
                </ul>
                {has_shares.then(|| view! {
                    <h3>"Apps shared with them"</h3>
                    <ul class="share-list">
                        {row.shared_apps.iter().map(|app| {
                            let share_id = app.share_id.clone();
                            let change_id = app.share_id.clone();
                            let current = RwSignal::new(app.roles.first().map(|r| r.api_name().to_string()).unwrap_or_default());
                            let share_roles = share_roles.clone();
                            view! {
                                <li>
                                    <span class="icon icon-app" aria-hidden="true"></span>
                                    <a class="share-name" href=format!("/apps/{}", app.app_id)>{app.app_name.clone()}</a>
                                    {app.disabled.then(|| view! { <Badge text="Turned off".to_string() tone="warn"/> })}
                                    {if editable_shares {
                                        view! {
                                            <select aria-label=format!("Role on {}", app.app_name) prop:value=current
                                                on:change=move |ev| { let v = event_target_value(&ev); current.set(v.clone()); change_share.dispatch((change_id.clone(), v)); }>
                                                {share_roles.iter().map(|r| view! { <option value=r.api_name()>{r.ui_name()}</option> }).collect_view()}
                                            </select>
                                        }.into_any()
                                    } else {
                                        view! { <span>{ui_names(&app.roles)}</span> }.into_any()
                                    }}
                                    {can_manage.then(|| view! {
                                        <button type="button" class="button small" on:click=move |_| { remove_share.dispatch(share_id.clone()); }>"Remove access"</button>
                                    })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                })}
                {(can_manage && !row.owner && person).then(|| view! {
                    <div class="button-row">
                        <div class="form-inline">
                            {role_select(&allowed, member_role, format!("Space role of {}", row.name))}
                            <button type="button" class="button" disabled=move || set_member.pending().get() on:click=move |_| { set_member.dispatch(member_role.get()); }>
                                {if member { "Change space role" } else { "Add as space member" }}
                            </button>
                        </div>
                        {member.then(|| view! { <button type="button" class="button" on:click=move |_| { remove_member.dispatch(()); }>{if has_shares { "Remove as member, keep app access" } else { "Remove as member" }}</button> })}
                        {(has_shares).then(|| view! { <button type="button" class="button" on:click=move |_| { remove_all.dispatch(()); }>"Remove access to all apps"</button> })}
                    </div>
                })}
                <ActionError result=remove_share.value().into()/>
                <ActionError result=change_share.value().into()/>
                <ActionError result=remove_all.value().into()/>
                <ActionError result=remove_member.value().into()/>
                <ActionError result=set_member.value().into()/>
            </div>
        </li>
    }
}
