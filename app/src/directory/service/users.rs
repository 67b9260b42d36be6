//! Users: inviting, listing, changing and removing them, with their roles and groups.

use super::*;
use crate::audit::model::AuditAction;

pub(super) async fn users_from_rows(
    conn: &mut AnyConnection,
    rows: Vec<UserRow>,
) -> Result<Vec<User>, AppError> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let mut roles: BTreeMap<String, Vec<RoleRef>> = BTreeMap::new();
    for (user_id, role) in store::roles_of_users(conn, &ids).await? {
        roles.entry(user_id).or_default().push(role);
    }
    let mut groups: BTreeMap<String, Vec<GroupRef>> = BTreeMap::new();
    for (user_id, group) in store::groups_of_users(conn, &ids).await? {
        groups.entry(user_id).or_default().push(group);
    }
    Ok(rows
        .into_iter()
        .map(|r| User {
            roles: roles.remove(&r.id).unwrap_or_default(),
            groups: groups.remove(&r.id).unwrap_or_default(),
            status: UserStatus::parse(&r.status).unwrap_or(UserStatus::Disabled),
            id: r.id,
            tenant_id: r.tenant_id,
            name: r.name,
            email: r.email,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
        .collect())
}

pub(super) async fn user_row(
    conn: &mut AnyConnection,
    principal: &Principal,
    id: &str,
) -> Result<UserRow, AppError> {
    store::get_user(conn, &principal.tenant_id, id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("There is no user with id {id}.")))
}

pub async fn list_users(
    state: &AppState,
    principal: &Principal,
    query: UserQuery,
) -> Result<Page<User>, AppError> {
    principal.require(Permission::ManageDirectory)?;
    let limit = page_size(query.limit);
    let mut conn = state.db.acquire().await?;
    let mut role_id = query.role_id.clone();
    if !role_id.is_empty() {
        // User Default applies to everyone: filtering by it filters nothing.
        let role = store::get_role(&mut conn, &principal.tenant_id, &role_id).await?;
        match role {
            None => {
                return Err(AppError::invalid(
                    "role",
                    format!("There is no role with id {role_id}."),
                ))
            }
            Some(r) if r.kind == RoleKind::UserDefault.as_str() => role_id.clear(),
            Some(_) => {}
        }
    }
    let email_key = unique_key(&query.email);
    let filter = UserFilter {
        search: query.search.trim(),
        email_key: &email_key,
        status: query.status.map(UserStatus::as_str).unwrap_or(""),
        role_id: &role_id,
        group_id: &query.group_id,
        after: query.after.as_deref().map(decode_cursor).transpose()?,
    };
    let rows = store::list_users(&mut conn, &principal.tenant_id, &filter, limit).await?;
    let page = paginate(
        rows,
        limit,
        |r| encode_cursor(&r.sort_key, &r.id),
        |rows| rows,
    );
    let items = users_from_rows(&mut conn, page.items).await?;
    Ok(Page {
        items,
        next: page.next,
    })
}

/// One user: anyone may read themselves; directory admins read everyone.
pub async fn get_user(
    state: &AppState,
    principal: &Principal,
    id: &str,
) -> Result<UserDetail, AppError> {
    if id != principal.user_id {
        principal.require(Permission::ManageDirectory)?;
    }
    let mut conn = state.db.acquire().await?;
    let row = user_row(&mut conn, principal, id).await?;
    let user = users_from_rows(&mut conn, vec![row]).await?.remove(0);
    let group_roles = store::roles_through_groups(&mut conn, id).await?;
    let has_password = store::user_has_password(&mut conn, id).await?;
    let (permissions, _) =
        crate::auth::principal::permissions_of(&mut conn, &principal.tenant_id, id).await?;
    let permissions = permissions.iter().map(|p| p.as_str().to_string()).collect();
    Ok(UserDetail {
        user,
        group_roles,
        permissions,
        has_password,
    })
}

/// Gives a user or group exactly the roles `role_ids` name (each checked as `resolve_roles`
/// does), and says so in `said` for the audit log.
pub(super) async fn replace_roles(
    conn: &mut AnyConnection,
    principal: &Principal,
    holder: RoleHolder,
    id: &str,
    role_ids: &[String],
    said: &mut Vec<String>,
) -> Result<(), AppError> {
    let roles = resolve_roles(conn, &principal.tenant_id, role_ids).await?;
    store::set_roles(conn, holder, id, &ids_of(&roles)).await?;
    said.push(format!("roles: {}", names(&roles, |r| &r.name)));
    Ok(())
}

pub(super) fn ids_of(roles: &[RoleRow]) -> Vec<String> {
    roles.iter().map(|r| r.id.clone()).collect()
}

/// Checks that every id names an assignable role of the tenant.
pub(super) async fn resolve_roles(
    conn: &mut AnyConnection,
    tenant_id: &str,
    ids: &[String],
) -> Result<Vec<RoleRow>, AppError> {
    let mut roles = Vec::new();
    for id in ids.iter().collect::<BTreeSet<_>>() {
        let role = store::get_role(conn, tenant_id, id)
            .await?
            .ok_or_else(|| AppError::invalid("roles", format!("There is no role with id {id}.")))?;
        if !RoleKind::parse(&role.kind).is_some_and(RoleKind::is_assignable) {
            return Err(AppError::invalid(
                "roles",
                format!(
                    "\"{}\" applies to every user and cannot be assigned.",
                    role.name
                ),
            ));
        }
        roles.push(role);
    }
    Ok(roles)
}

pub(super) async fn resolve_groups(
    conn: &mut AnyConnection,
    tenant_id: &str,
    ids: &[String],
) -> Result<Vec<GroupRow>, AppError> {
    let mut groups = Vec::new();
    for id in ids.iter().collect::<BTreeSet<_>>() {
        groups.push(
            store::get_group(conn, tenant_id, id)
                .await?
                .ok_or_else(|| {
                    AppError::invalid("groups", format!("There is no group with id {id}."))
                })?,
        );
    }
    Ok(groups)
}

/// Refuses a change that would leave the tenant without an active tenant admin. Called after
/// the change, inside its transaction, so that the check sees exactly what would be committed.
///
/// The count runs under the tenant row's lock: two admins removing each other at once commit one
/// after the other, and the second one's count sees the first one's change (on PostgreSQL's READ
/// COMMITTED each statement sees what was committed before it).
pub(super) async fn ensure_an_admin_remains(
    conn: &mut AnyConnection,
    tenant_id: &str,
) -> Result<(), AppError> {
    crate::sql::lock_row(conn, crate::sql::Parent::Tenant, tenant_id).await?;
    if store::count_active_tenant_admins(conn, tenant_id).await? == 0 {
        return Err(AppError::conflict(
            "This would leave the tenant without an active tenant admin. Make someone else a tenant admin first.",
        ));
    }
    Ok(())
}

/// "A, B" for the audit log's details; "none" for an empty list.
pub(super) fn names<T>(items: &[T], name: impl Fn(&T) -> &str) -> String {
    if items.is_empty() {
        return "none".into();
    }
    items.iter().map(name).collect::<Vec<_>>().join(", ")
}

/// Creates an invited user and returns the invitation link (shown once).
pub async fn create_user(
    state: &AppState,
    principal: &Principal,
    input: NewUser,
) -> Result<CreatedUser, AppError> {
    principal.require(Permission::ManageDirectory)?;
    let name = clean_name("name", &input.name, MAX_NAME_CHARS)?;
    let email = clean_email(&input.email)?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    if store::email_owner(&mut tx, &principal.tenant_id, &unique_key(&email))
        .await?
        .is_some()
    {
        return Err(AppError::conflict(format!(
            "A user with the email {email} already exists."
        )));
    }
    let roles = resolve_roles(&mut tx, &principal.tenant_id, &input.role_ids).await?;
    let groups = resolve_groups(&mut tx, &principal.tenant_id, &input.group_ids).await?;
    let id = new_id();
    store::insert_user(
        &mut tx,
        &id,
        &principal.tenant_id,
        &name,
        &email,
        UserStatus::Invited,
        now,
    )
    .await?;
    crate::spaces::service::create_personal_space(&mut tx, &principal.tenant_id, &id, now).await?;
    store::set_roles(&mut tx, RoleHolder::User, &id, &ids_of(&roles)).await?;
    store::set_user_groups(
        &mut tx,
        &id,
        &groups.iter().map(|g| g.id.clone()).collect::<Vec<_>>(),
    )
    .await?;
    let token = auth::issue_invite(&mut tx, state, &id).await?;
    let detail = format!(
        "{email}; roles: {}; groups: {}",
        names(&roles, |r| &r.name),
        names(&groups, |g| &g.name)
    );
    record(
        &mut tx,
        now,
        &principal.actor(),
        AuditAction::UserCreate,
        Target {
            kind: "user",
            id: &id,
            name: &name,
        },
        detail,
    )
    .await?;
    let row = user_row(&mut tx, principal, &id).await?;
    let user = users_from_rows(&mut tx, vec![row]).await?.remove(0);
    tx.commit().await?;
    Ok(CreatedUser {
        user,
        invite_url: auth::invite_url(state, &token),
    })
}

/// A fresh invitation link for a user who has not set a password yet.
pub async fn reissue_invite(
    state: &AppState,
    principal: &Principal,
    id: &str,
) -> Result<String, AppError> {
    principal.require(Permission::ManageDirectory)?;
    let mut tx = state.db.begin().await?;
    let row = user_row(&mut tx, principal, id).await?;
    if row.status != UserStatus::Invited.as_str() {
        return Err(AppError::conflict(format!(
            "{} is not waiting for an invitation: their status is {}.",
            row.name, row.status
        )));
    }
    let token = auth::issue_invite(&mut tx, state, id).await?;
    record(
        &mut tx,
        state.now(),
        &principal.actor(),
        AuditAction::UserInviteReissued,
        Target {
            kind: "user",
            id,
            name: &row.name,
        },
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(auth::invite_url(state, &token))
}

/// Resets an active user's password: whoever resets must already hold everything the user may
/// do (`rules::may_reset_password`), since the link signs in as them.
pub async fn reset_user_password(
    state: &AppState,
    principal: &Principal,
    id: &str,
) -> Result<PasswordReset, AppError> {
    principal.require(Permission::ManageDirectory)?;
    let mut tx = state.db.begin().await?;
    let row = user_row(&mut tx, principal, id).await?;
    if row.status != UserStatus::Active.as_str() {
        return Err(AppError::conflict(format!(
            "{} is {}: only an active account's password is reset (an invited one gets a new invitation link; a disabled one is enabled first).",
            row.name, row.status
        )));
    }
    let (target, target_admin) =
        crate::auth::principal::permissions_of(&mut tx, &principal.tenant_id, id).await?;
    crate::directory::rules::may_reset_password(
        (&principal.permissions, principal.is_tenant_admin),
        (&target, target_admin),
    )?;
    let url = auth::reset_password_link(&mut tx, state, id).await?;
    record(
        &mut tx,
        state.now(),
        &principal.actor(),
        AuditAction::UserPasswordReset,
        Target {
            kind: "user",
            id,
            name: &row.name,
        },
        "old password and sessions ended",
    )
    .await?;
    tx.commit().await?;
    auth::email_reset_link(state, &row.email, &row.name, &url);
    Ok(PasswordReset {
        url,
        emailed: !state.settings.mail.smtp_server.is_empty(),
    })
}

pub async fn update_user(
    state: &AppState,
    principal: &Principal,
    id: &str,
    changes: UserChanges,
) -> Result<User, AppError> {
    principal.require(Permission::ManageDirectory)?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let row = user_row(&mut tx, principal, id).await?;
    let mut said = Vec::new();
    let name = match &changes.name {
        Some(name) => {
            let name = clean_name("name", name, MAX_NAME_CHARS)?;
            if name != row.name {
                said.push(format!("name: {} -> {name}", row.name));
            }
            name
        }
        None => row.name.clone(),
    };
    let old_status = UserStatus::parse(&row.status)?;
    let status = changes.status.unwrap_or(old_status);
    if status != old_status {
        if status == UserStatus::Invited {
            return Err(AppError::invalid(
                "status",
                "A user cannot be put back to invited; disable them instead.",
            ));
        }
        // Someone invited becomes active by choosing a password; a disabled person may come
        // back without one (they sign in through single sign-on).
        if status == UserStatus::Active
            && old_status == UserStatus::Invited
            && !store::user_has_password(&mut tx, id).await?
        {
            return Err(AppError::invalid(
                "status",
                format!(
                    "{} has not accepted the invitation yet; reissue the invitation instead.",
                    row.name
                ),
            ));
        }
        said.push(format!(
            "status: {} -> {}",
            old_status.as_str(),
            status.as_str()
        ));
    }
    store::update_user(&mut tx, id, &name, status, now).await?;
    if status == UserStatus::Disabled && old_status != UserStatus::Disabled {
        // A disabled user is signed out at once; their API keys stop working with their status.
        crate::auth::store::delete_user_sessions(&mut tx, id).await?;
    }
    if let Some(role_ids) = &changes.role_ids {
        replace_roles(
            &mut tx,
            principal,
            RoleHolder::User,
            id,
            role_ids,
            &mut said,
        )
        .await?;
    }
    if let Some(group_ids) = &changes.group_ids {
        let groups = resolve_groups(&mut tx, &principal.tenant_id, group_ids).await?;
        store::set_user_groups(
            &mut tx,
            id,
            &groups.iter().map(|g| g.id.clone()).collect::<Vec<_>>(),
        )
        .await?;
        said.push(format!("groups: {}", names(&groups, |g| &g.name)));
    }
    ensure_an_admin_remains(&mut tx, &principal.tenant_id).await?;
    if !said.is_empty() {
        record(
            &mut tx,
            now,
            &principal.actor(),
            AuditAction::UserUpdate,
            Target {
                kind: "user",
                id,
                name: &name,
            },
            said.join("; "),
        )
        .await?;
    }
    let row = user_row(&mut tx, principal, id).await?;
    let user = users_from_rows(&mut tx, vec![row]).await?.remove(0);
    tx.commit().await?;
    Ok(user)
}

pub async fn delete_user(
    state: &AppState,
    principal: &Principal,
    id: &str,
) -> Result<(), AppError> {
    principal.require(Permission::ManageDirectory)?;
    if id == principal.user_id {
        return Err(AppError::conflict(
            "You cannot delete your own account. Ask another tenant admin.",
        ));
    }
    let mut tx = state.db.begin().await?;
    let row = user_row(&mut tx, principal, id).await?;
    // Their licences go back as an admin's removal sends them back: quarantine included.
    crate::licences::service::release_deleted_user(&mut tx, principal, id, state.now()).await?;
    // Their personal space and its apps go with them; shared and managed spaces they own stay,
    // ownerless, until an admin gives them a new owner.
    crate::spaces::store::delete_personal_space(&mut tx, id).await?;
    store::delete_user(&mut tx, id).await?;
    ensure_an_admin_remains(&mut tx, &principal.tenant_id).await?;
    record(
        &mut tx,
        state.now(),
        &principal.actor(),
        AuditAction::UserDelete,
        Target {
            kind: "user",
            id,
            name: &row.name,
        },
        row.email,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
