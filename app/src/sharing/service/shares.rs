//! Shares of one app with users, groups or everyone, and removing an app access.

use super::*;

pub(super) fn share_from_row(row: ShareRow, tenant_name: &str) -> Share {
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
pub(super) async fn resolve_assignee(
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
pub(super) async fn link_in_space(
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
