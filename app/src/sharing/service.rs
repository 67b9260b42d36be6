//! Access and sharing: how a person's access to a space or app is loaded (and decided by
//! `rules`), app shares, the members list and the share dialog.

use std::collections::{BTreeMap, BTreeSet};

use sqlx::AnyConnection;

use super::model::*;
use super::rules::{
    self, effective_access, Grant, ShareCounts, SharerPermissions, Source, SpaceAction,
};
use super::store::{self, NewShareRow, ShareFilter, ShareRow};
use crate::access::{
    ensure_can_see_shares, load_app, load_space, managed_share, shareable_app, sharer,
};
use crate::apps::store::{self as app_store};
use crate::audit::model::AuditAction;
use crate::audit::service::{record, Target};
use crate::auth::principal::Principal;
use crate::directory::rules::{Permission, UserStatus};
use crate::error::AppError;
use crate::ids::new_id;
use crate::spaces::rules::{roles_from_text, roles_to_text, ui_names, SpaceRole, SpaceType};
use crate::spaces::store::{self as space_store, AssignmentRow, SpaceRow};
use crate::state::AppState;

// ---- shares ----

fn share_from_row(row: ShareRow, tenant_name: &str) -> Share {
    let assignee_type = ShareAssignee::parse(&row.assignee_type).unwrap_or(ShareAssignee::User);
    let assignee_name = match assignee_type {
        ShareAssignee::Everyone => format!("Anyone at {tenant_name}"),
        ShareAssignee::Link => "Anonymous access".to_string(),
        _ => row.assignee_name,
    };
    Share {
        id: row.id,
        tenant_id: row.tenant_id,
        space_id: row.space_id,
        app_id: row.app_id,
        app_name: row.app_name,
        assignee_type,
        assignee_id: row.user_id.or(row.group_id).unwrap_or_default(),
        assignee_name,
        assignee_email: row.assignee_email,
        roles: roles_from_text(&row.roles),
        disabled: row.disabled != 0,
        created_at: row.created_at,
        created_by: row.created_by,
        updated_at: row.updated_at,
    }
}

pub async fn list_shares(
    state: &AppState,
    principal: &Principal,
    space_id: &str,
    query: ShareQuery,
) -> Result<Vec<Share>, AppError> {
    let mut conn = state.db.acquire().await?;
    let (space, access) = load_space(&mut conn, principal, space_id).await?;
    ensure_can_see_shares(&mut conn, principal, &space, &access, &query.app_id).await?;
    let filter = ShareFilter {
        app_id: &query.app_id,
        user_id: &query.user_id,
        group_id: &query.group_id,
    };
    let rows = store::list_shares(&mut conn, space_id, &filter).await?;
    Ok(rows
        .into_iter()
        .map(|r| share_from_row(r, &principal.tenant_name))
        .collect())
}

pub async fn get_share(
    state: &AppState,
    principal: &Principal,
    space_id: &str,
    id: &str,
) -> Result<Share, AppError> {
    let mut conn = state.db.acquire().await?;
    let (space, access) = load_space(&mut conn, principal, space_id).await?;
    let row = store::get_share(&mut conn, space_id, id)
        .await?
        .ok_or_else(|| {
            AppError::not_found(format!("There is no share with id {id} in this space."))
        })?;
    ensure_can_see_shares(&mut conn, principal, &space, &access, &row.app_id).await?;
    Ok(share_from_row(row, &principal.tenant_name))
}

/// The assignee's display name, checked to exist in the tenant.
async fn resolve_assignee(
    conn: &mut AnyConnection,
    principal: &Principal,
    kind: ShareAssignee,
    id: &str,
) -> Result<String, AppError> {
    match kind {
        ShareAssignee::Everyone => {
            if !id.is_empty() {
                return Err(AppError::invalid(
                    "assigneeId",
                    "A share with everyone in the tenant has no assignee id.",
                ));
            }
            Ok(format!("Anyone at {}", principal.tenant_name))
        }
        ShareAssignee::User => {
            let user = crate::directory::store::get_user(conn, &principal.tenant_id, id).await?;
            match user {
                Some(u) if u.status != UserStatus::Disabled.as_str() => Ok(u.name),
                Some(u) => Err(AppError::invalid(
                    "assigneeId",
                    format!(
                        "{} is disabled; enable them before sharing with them.",
                        u.name
                    ),
                )),
                None => Err(AppError::invalid(
                    "assigneeId",
                    format!("There is no user with id {id}."),
                )),
            }
        }
        ShareAssignee::Group => crate::directory::store::get_group(conn, &principal.tenant_id, id)
            .await?
            .map(|g| g.name)
            .ok_or_else(|| {
                AppError::invalid("assigneeId", format!("There is no group with id {id}."))
            }),
        ShareAssignee::Link => Err(AppError::internal(
            "link shares are made by the anonymous service",
        )),
    }
}

/// A link share of this space, if `id` is one.
async fn link_in_space(
    state: &AppState,
    space_id: &str,
    id: &str,
) -> Result<Option<crate::anonymous::store::LinkRow>, AppError> {
    let mut conn = state.db.acquire().await?;
    Ok(crate::anonymous::store::get_link(&mut conn, id)
        .await?
        .filter(|l| l.space_id == space_id))
}

pub async fn create_share(
    state: &AppState,
    principal: &Principal,
    space_id: &str,
    input: NewShare,
) -> Result<Share, AppError> {
    if input.assignee_type == ShareAssignee::Link {
        // An anonymous link: the anonymous service makes it (its rules differ from sharing's).
        {
            let mut conn = state.db.acquire().await?;
            let (space, _) = load_space(&mut conn, principal, space_id).await?;
            if app_store::get_app(&mut conn, &principal.tenant_id, &input.app_id)
                .await?
                .is_none_or(|a| a.space_id != space.id)
            {
                return Err(AppError::invalid(
                    "resourceId",
                    format!("There is no app with id {} in this space.", input.app_id),
                ));
            }
        }
        let link = crate::anonymous::service::create_link(
            state,
            principal,
            &input.app_id,
            "Anyone with the link",
        )
        .await?;
        return get_share(state, principal, space_id, &link.id).await;
    }
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let (space, _) = load_space(&mut tx, principal, space_id).await?;
    // Every limit counts shares of this space: under its row lock, parallel shares cannot pass
    // a count together.
    crate::sql::lock_row(&mut tx, crate::sql::Parent::Space, &space.id).await?;
    let app = shareable_app(&mut tx, principal, &space, &input.app_id).await?;
    rules::check_share_roles(space.kind(), &input.roles)?;
    let assignee_name =
        resolve_assignee(&mut tx, principal, input.assignee_type, &input.assignee_id).await?;
    let kind = input.assignee_type.api_name();
    if store::share_of(&mut tx, &app.id, kind, &input.assignee_id)
        .await?
        .is_some()
    {
        return Err(AppError::conflict(format!(
            "\"{}\" is already shared with {assignee_name}. Change that share's role instead.",
            app.name
        )));
    }
    let (app_count, assignee_count, space_count) =
        store::share_counts(&mut tx, &space.id, &app.id, kind, &input.assignee_id).await?;
    let counts = ShareCounts {
        app: app_count as usize,
        assignee: assignee_count as usize,
        space: space_count as usize,
    };
    rules::check_share_limits(counts)?;
    let id = new_id();
    let (user_id, group_id) = match input.assignee_type {
        ShareAssignee::User => (Some(input.assignee_id.as_str()), None),
        ShareAssignee::Group => (None, Some(input.assignee_id.as_str())),
        ShareAssignee::Everyone | ShareAssignee::Link => (None, None),
    };
    let roles = roles_to_text(&input.roles);
    store::insert_share(
        &mut tx,
        NewShareRow {
            id: &id,
            tenant_id: &principal.tenant_id,
            space_id: &space.id,
            app_id: &app.id,
            assignee_type: kind,
            user_id,
            group_id,
            roles: &roles,
            created_by: &principal.user_id,
            now,
        },
    )
    .await?;
    let detail = format!(
        "shared with {assignee_name} ({kind}) as {}",
        ui_names(&input.roles)
    );
    record(
        &mut tx,
        now,
        &principal.actor(),
        AuditAction::ShareCreate,
        Target {
            kind: "app",
            id: &app.id,
            name: &app.name,
        },
        detail,
    )
    .await?;
    let row = store::get_share(&mut tx, &space.id, &id)
        .await?
        .ok_or_else(|| AppError::internal("share vanished"))?;
    tx.commit().await?;
    Ok(share_from_row(row, &principal.tenant_name))
}

pub async fn update_share(
    state: &AppState,
    principal: &Principal,
    space_id: &str,
    id: &str,
    changes: ShareChanges,
) -> Result<Share, AppError> {
    if link_in_space(state, space_id, id).await?.is_some() {
        if changes.roles.is_some() {
            return Err(AppError::invalid("roles", "An anonymous link always gives Can view; change its disabled flag to pause or resume it."));
        }
        crate::anonymous::service::update_link(
            state,
            principal,
            id,
            crate::anonymous::model::LinkChanges {
                disabled: changes.disabled,
                ..Default::default()
            },
        )
        .await?;
        return get_share(state, principal, space_id, id).await;
    }
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let (space, row) = managed_share(&mut tx, principal, space_id, id).await?;
    let roles = match &changes.roles {
        Some(roles) => {
            rules::check_share_roles(space.kind(), roles)?;
            roles.clone()
        }
        None => roles_from_text(&row.roles),
    };
    let disabled = changes.disabled.unwrap_or(row.disabled != 0);
    store::update_share(&mut tx, id, &roles_to_text(&roles), disabled, now).await?;
    let share = share_from_row(row, &principal.tenant_name);
    let detail = format!(
        "{}: {}{}",
        share.assignee_name,
        ui_names(&roles),
        if disabled { " (disabled)" } else { "" }
    );
    record(
        &mut tx,
        now,
        &principal.actor(),
        AuditAction::ShareUpdate,
        Target {
            kind: "app",
            id: &share.app_id,
            name: &share.app_name,
        },
        detail,
    )
    .await?;
    let row = store::get_share(&mut tx, space_id, id)
        .await?
        .ok_or_else(|| AppError::internal("share vanished"))?;
    tx.commit().await?;
    Ok(share_from_row(row, &principal.tenant_name))
}

pub async fn delete_share(
    state: &AppState,
    principal: &Principal,
    space_id: &str,
    id: &str,
) -> Result<(), AppError> {
    if link_in_space(state, space_id, id).await?.is_some() {
        return crate::anonymous::service::delete_link(state, principal, id).await;
    }
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let (_, row) = managed_share(&mut tx, principal, space_id, id).await?;
    store::delete_share(&mut tx, id).await?;
    let share = share_from_row(row, &principal.tenant_name);
    record(
        &mut tx,
        now,
        &principal.actor(),
        AuditAction::ShareDelete,
        Target {
            kind: "app",
            id: &share.app_id,
            name: &share.app_name,
        },
        format!("no longer shared with {}", share.assignee_name),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Removes every app share of one user, group or everyone in a space ("remove access to all
/// apps"), keeping any space membership. Returns how many shares went.
pub async fn remove_app_access(
    state: &AppState,
    principal: &Principal,
    space_id: &str,
    assignee_type: ShareAssignee,
    assignee_id: &str,
) -> Result<usize, AppError> {
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let (space, _) = load_space(&mut tx, principal, space_id).await?;
    let filter = match assignee_type {
        ShareAssignee::User => ShareFilter { user_id: assignee_id, ..Default::default() },
        ShareAssignee::Group => ShareFilter { group_id: assignee_id, ..Default::default() },
        ShareAssignee::Everyone => ShareFilter::default(),
        ShareAssignee::Link => return Err(AppError::invalid("type", "Turn anonymous access off app by app: the members list's \"Anonymous access\" row has a Turn off for each.")),
    };
    let rows: Vec<ShareRow> = store::list_shares(&mut tx, &space.id, &filter)
        .await?
        .into_iter()
        .filter(|r| r.assignee_type == assignee_type.api_name())
        .collect();
    if rows.is_empty() {
        return Err(AppError::not_found(
            "No app in this space is shared with them.",
        ));
    }
    for row in &rows {
        shareable_app(&mut tx, principal, &space, &row.app_id).await?;
        store::delete_share(&mut tx, &row.id).await?;
    }
    let name = share_from_row(rows[0].clone(), &principal.tenant_name).assignee_name;
    let apps = rows
        .iter()
        .map(|r| r.app_name.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    record(
        &mut tx,
        now,
        &principal.actor(),
        AuditAction::ShareDeleteAll,
        Target {
            kind: "space",
            id: &space.id,
            name: &space.name,
        },
        format!("{name} no longer reaches: {apps}"),
    )
    .await?;
    tx.commit().await?;
    Ok(rows.len())
}

/// What the share dialog shows for one app: its shares and the roles it can be shared with.
pub async fn load_share_dialog(
    state: &AppState,
    principal: &Principal,
    app_id: &str,
) -> Result<ShareDialog, AppError> {
    let mut conn = state.db.acquire().await?;
    let (app, space, access) = load_app(&mut conn, principal, app_id).await?;
    rules::check_can_share(space.kind(), &access, sharer(principal))?;
    // Links have their own card on the app page.
    let rows: Vec<ShareRow> = store::list_shares(
        &mut conn,
        &space.id,
        &ShareFilter {
            app_id,
            ..Default::default()
        },
    )
    .await?
    .into_iter()
    .filter(|r| r.assignee_type != ShareAssignee::Link.api_name())
    .collect();
    Ok(ShareDialog {
        app_id: app.id,
        app_name: app.name,
        space_id: space.id.clone(),
        space_type: space.kind(),
        tenant_name: principal.tenant_name.clone(),
        roles: space.kind().share_roles().to_vec(),
        shares: rows
            .into_iter()
            .map(|r| share_from_row(r, &principal.tenant_name))
            .collect(),
    })
}

/// Users and groups whose name or email contains `search`, for the share dialog, the members
/// list and section access. Open to directory and space admins, and to whoever builds or
/// manages something (owns a space with apps or a shared or managed one, or can manage or edit
/// in one): a person who only views apps, or reaches one only through a share, cannot page
/// through the tenant's names and emails.
pub async fn find_candidates(
    state: &AppState,
    principal: &Principal,
    search: &str,
) -> Result<Vec<Candidate>, AppError> {
    let search = search.trim();
    if search.chars().count() > 200 {
        return Err(AppError::invalid(
            "search",
            "Search for at most 200 characters.",
        ));
    }
    let mut conn = state.db.acquire().await?;
    let admin =
        principal.has(Permission::ManageDirectory) || principal.has(Permission::ManageSpaces);
    if !admin
        && !store::builds_or_manages(&mut conn, &principal.tenant_id, &principal.user_id).await?
    {
        return Err(AppError::forbidden("Finding people is for those who build apps or manage a space's members: ask a space owner to share for you."));
    }
    Ok(
        store::candidates(&mut conn, &principal.tenant_id, search, 8)
            .await?
            .into_iter()
            .map(|(kind, id, name, detail)| Candidate {
                assignee_type: if kind == "group" {
                    ShareAssignee::Group
                } else {
                    ShareAssignee::User
                },
                id,
                name,
                detail: if kind == "group" {
                    format!("Group, {detail} members")
                } else {
                    detail
                },
            })
            .collect(),
    )
}

// ---- members list ----

/// The rows of the members list before filtering: the owner, every assignment and every share
/// assignee, each with every role from every source.
fn member_rows(
    space: &SpaceRow,
    tenant_name: &str,
    assignments: &[AssignmentRow],
    shares: &[ShareRow],
    memberships: &[(String, String, String)],
) -> Vec<MemberRow> {
    let space_type = space.kind();
    let group_name: BTreeMap<&str, &str> = memberships
        .iter()
        .map(|(_, g, n)| (g.as_str(), n.as_str()))
        .collect();
    let groups_of = |user: &str| -> BTreeSet<&str> {
        memberships
            .iter()
            .filter(|(u, _, _)| u == user)
            .map(|(_, g, _)| g.as_str())
            .collect()
    };

    // (assignee type, id) -> (name, email)
    let mut people: BTreeMap<(ShareAssignee, String), (String, String)> = BTreeMap::new();
    if let (Some(owner), Some(name)) = (&space.owner_id, &space.owner_name) {
        people.insert(
            (ShareAssignee::User, owner.clone()),
            (name.clone(), String::new()),
        );
    }
    for a in assignments {
        let key = match (&a.user_id, &a.group_id) {
            (Some(u), _) => (ShareAssignee::User, u.clone()),
            (_, Some(g)) => (ShareAssignee::Group, g.clone()),
            _ => continue,
        };
        people.insert(key, (a.assignee_name.clone(), a.assignee_email.clone()));
    }
    for s in shares {
        let share = share_from_row(s.clone(), tenant_name);
        people
            .entry((share.assignee_type, share.assignee_id.clone()))
            .or_insert((share.assignee_name, share.assignee_email));
    }

    let shared_directly = |s: &ShareRow, kind: ShareAssignee, id: &str| match kind {
        ShareAssignee::User => s.user_id.as_deref() == Some(id),
        ShareAssignee::Group => s.group_id.as_deref() == Some(id),
        ShareAssignee::Everyone => s.assignee_type == "everyone",
        // Links are left out of the people (see `members`).
        ShareAssignee::Link => false,
    };

    let mut rows = Vec::new();
    for ((kind, id), (name, email)) in people {
        let mut grants: Vec<(Grant, String)> = Vec::new();
        let owner = kind == ShareAssignee::User && space.owner_id.as_deref() == Some(id.as_str());
        if owner {
            grants.push((
                Grant {
                    source: Source::SpaceOwner,
                    roles: vec![],
                },
                "Space owner".into(),
            ));
        }
        let own_assignment = assignments.iter().find(|a| match kind {
            ShareAssignee::User => a.user_id.as_deref() == Some(id.as_str()),
            ShareAssignee::Group => a.group_id.as_deref() == Some(id.as_str()),
            ShareAssignee::Everyone | ShareAssignee::Link => false,
        });
        if let Some(a) = own_assignment {
            grants.push((
                Grant {
                    source: Source::SpaceMember,
                    roles: roles_from_text(&a.roles),
                },
                "Space member".into(),
            ));
        }
        let user_groups = if kind == ShareAssignee::User {
            groups_of(&id)
        } else {
            BTreeSet::new()
        };
        for a in assignments.iter().filter(|a| {
            a.group_id
                .as_deref()
                .is_some_and(|g| user_groups.contains(g))
        }) {
            let g = a.group_id.clone().unwrap_or_default();
            let label = format!(
                "Space member through group {}",
                group_name.get(g.as_str()).unwrap_or(&"")
            );
            grants.push((
                Grant {
                    source: Source::SpaceGroup { group_id: g },
                    roles: roles_from_text(&a.roles),
                },
                label,
            ));
        }
        let mut shared_apps = Vec::new();
        for s in shares.iter().filter(|s| s.disabled == 0) {
            let direct = shared_directly(s, kind, &id);
            let roles = roles_from_text(&s.roles);
            if direct {
                shared_apps.push(SharedApp {
                    share_id: s.id.clone(),
                    app_id: s.app_id.clone(),
                    app_name: s.app_name.clone(),
                    roles: roles.clone(),
                    disabled: false,
                });
                let source = match kind {
                    ShareAssignee::User => Source::ShareToUser,
                    ShareAssignee::Group => Source::ShareToGroup {
                        group_id: id.clone(),
                    },
                    ShareAssignee::Everyone | ShareAssignee::Link => Source::ShareToEveryone,
                };
                grants.push((
                    Grant { source, roles },
                    format!("App \"{}\", shared directly", s.app_name),
                ));
            } else if kind == ShareAssignee::User {
                if let Some(g) = s.group_id.as_deref().filter(|g| user_groups.contains(g)) {
                    let label = format!(
                        "App \"{}\", shared with group {}",
                        s.app_name,
                        group_name.get(g).unwrap_or(&"")
                    );
                    grants.push((
                        Grant {
                            source: Source::ShareToGroup {
                                group_id: g.to_string(),
                            },
                            roles,
                        },
                        label,
                    ));
                } else if s.assignee_type == "everyone" {
                    grants.push((
                        Grant {
                            source: Source::ShareToEveryone,
                            roles,
                        },
                        format!(
                            "App \"{}\", shared with everyone at {tenant_name}",
                            s.app_name
                        ),
                    ));
                }
            }
        }
        // Disabled shares are listed (they can be turned back on) but give nothing.
        for s in shares.iter().filter(|s| s.disabled != 0) {
            if shared_directly(s, kind, &id) {
                shared_apps.push(SharedApp {
                    share_id: s.id.clone(),
                    app_id: s.app_id.clone(),
                    app_name: s.app_name.clone(),
                    roles: roles_from_text(&s.roles),
                    disabled: true,
                });
            }
        }

        let plain: Vec<Grant> = grants.iter().map(|(g, _)| g.clone()).collect();
        let access = effective_access(space_type, &plain, SharerPermissions::default());
        let mut roles: Vec<HeldRole> = Vec::new();
        if owner {
            roles.push(HeldRole {
                role: "Owner".into(),
                api_name: "owner".into(),
                sources: vec!["Space owner".into()],
            });
        }
        for (role, _) in &access.roles {
            let sources = grants
                .iter()
                .filter(|(g, _)| g.roles.contains(role))
                .map(|(_, label)| label.clone())
                .collect();
            roles.push(HeldRole {
                role: role.ui_name().into(),
                api_name: role.api_name().into(),
                sources,
            });
        }
        let member = owner || own_assignment.is_some();
        let access_kind = match (member, shared_apps.is_empty()) {
            (true, true) => AccessKind::Member,
            (true, false) => AccessKind::Both,
            (false, _) => AccessKind::AppAccess,
        };
        rows.push(MemberRow {
            assignee_type: kind,
            assignee_id: id,
            name,
            email,
            owner,
            access: access_kind,
            assignment_id: own_assignment.map(|a| a.id.clone()),
            assignment_roles: own_assignment
                .map(|a| roles_from_text(&a.roles))
                .unwrap_or_default(),
            shared_apps,
            highest: access.highest().unwrap_or("No access").to_string(),
            roles,
        });
    }
    // Owner first, then by name.
    rows.sort_by_key(|r| {
        (
            !r.owner,
            r.assignee_type == ShareAssignee::Everyone,
            r.name.to_lowercase(),
        )
    });
    rows
}

fn matches(row: &MemberRow, query: &MemberQuery) -> bool {
    let search = query.search.trim().to_lowercase();
    let found = search.is_empty()
        || row.name.to_lowercase().contains(&search)
        || row.email.to_lowercase().contains(&search);
    let role = query.role.is_empty() || row.roles.iter().any(|r| r.api_name == query.role);
    let access = match query.access {
        None => true,
        Some(AccessKind::Member) => matches!(row.access, AccessKind::Member | AccessKind::Both),
        Some(AccessKind::AppAccess) => {
            matches!(row.access, AccessKind::AppAccess | AccessKind::Both)
        }
        Some(AccessKind::Both) => row.access == AccessKind::Both,
    };
    found && role && access
}

/// "Anonymous access" is app access with Can view, and is found by its name.
fn anonymous_row_matches(query: &MemberQuery) -> bool {
    let search = query.search.trim().to_lowercase();
    (search.is_empty() || "anonymous access".contains(&search))
        && (query.role.is_empty() || query.role == SpaceRole::Consumer.api_name())
        && matches!(query.access, None | Some(AccessKind::AppAccess))
}

/// The members list: space members and shared-app users in one list. Shared-app users who are
/// not members never see it.
pub async fn list_members(
    state: &AppState,
    principal: &Principal,
    space_id: &str,
    query: MemberQuery,
) -> Result<MembersPage, AppError> {
    if !query.role.is_empty() && query.role != "owner" {
        SpaceRole::parse(&query.role)?;
    }
    let mut conn = state.db.acquire().await?;
    let (space, access) = load_space(&mut conn, principal, space_id).await?;
    if space.kind() == SpaceType::Personal {
        return Err(AppError::invalid(
            "space",
            "A personal space has no members.",
        ));
    }
    if !access.can(SpaceAction::ViewMembers) {
        return Err(AppError::forbidden(
            "Only space members see the members of a space.",
        ));
    }
    let assignments = space_store::list_assignments(&mut conn, &space.id).await?;
    // Anonymous links are one member of their own ("Anonymous access"), not people.
    let shares: Vec<ShareRow> = store::list_shares(&mut conn, &space.id, &ShareFilter::default())
        .await?
        .into_iter()
        .filter(|s| s.assignee_type != ShareAssignee::Link.api_name())
        .collect();
    let group_ids: Vec<String> = assignments
        .iter()
        .filter_map(|a| a.group_id.clone())
        .chain(shares.iter().filter_map(|s| s.group_id.clone()))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let memberships = store::memberships(&mut conn, &group_ids).await?;
    let all = member_rows(
        &space,
        &principal.tenant_name,
        &assignments,
        &shares,
        &memberships,
    );
    let total = all.len();
    let can_manage = access.can(SpaceAction::ManageMembers);
    let anonymous_apps = if can_manage && anonymous_row_matches(&query) {
        crate::anonymous::service::apps_with_live_links(&mut conn, &space.id, state.now()).await?
    } else {
        Vec::new()
    };
    Ok(MembersPage {
        anonymous_apps,
        space_id: space.id.clone(),
        space_name: space.name.clone(),
        space_type: space.kind(),
        tenant_name: principal.tenant_name.clone(),
        can_manage: access.can(SpaceAction::ManageMembers),
        rows: all.into_iter().filter(|r| matches(r, &query)).collect(),
        total,
    })
}
