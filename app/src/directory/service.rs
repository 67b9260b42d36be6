//! Directory operations: users, groups, roles and tenants. Each function authorizes, validates,
//! writes in one transaction and records what it did in the audit log.

use std::collections::{BTreeMap, BTreeSet};

use sqlx::AnyConnection;

use super::model::*;
use super::rules::{
    clean_description, clean_email, clean_name, unique_key, Permission, RoleKind, UserStatus,
    MAX_NAME_CHARS,
};
use super::store::{self, GroupRow, RoleRow, UserFilter, UserRow};
use crate::audit::service::{record, Actor, Target};
use crate::auth::principal::{Credential, Principal};
use crate::auth::service as auth;
use crate::error::AppError;
use crate::ids::new_id;
use crate::paging::{decode_cursor, encode_cursor, page_size, paginate, Page};
use crate::state::AppState;

// ---- tenants ----

/// Creates a tenant with its built-in roles: TenantAdmin, AnalyticsAdmin and User Default.
pub async fn create_tenant(
    conn: &mut AnyConnection,
    name: &str,
    hostname: Option<&str>,
    now: i64,
) -> Result<String, AppError> {
    let name = clean_name("tenant name", name, MAX_NAME_CHARS)?;
    let tenant_id = new_id();
    store::insert_tenant(conn, &tenant_id, &name, hostname, now).await?;
    for kind in [
        RoleKind::TenantAdmin,
        RoleKind::AnalyticsAdmin,
        RoleKind::UserDefault,
    ] {
        let role_id = new_id();
        store::insert_role(
            conn,
            &role_id,
            &tenant_id,
            kind,
            kind.builtin_name(),
            builtin_description(kind),
            now,
        )
        .await?;
        if kind == RoleKind::UserDefault {
            store::set_role_permissions(conn, &role_id, RoleKind::initial_user_default()).await?;
        }
    }
    Ok(tenant_id)
}

fn builtin_description(kind: RoleKind) -> &'static str {
    match kind {
        RoleKind::TenantAdmin => {
            "Manages users, groups, roles, security settings and the audit log."
        }
        RoleKind::AnalyticsAdmin => "Manages spaces and content; reads the audit log.",
        RoleKind::UserDefault => "Applies to every user of the tenant.",
        RoleKind::Custom => "",
    }
}

/// The principal of the server's own command line: every permission, in the first tenant.
pub async fn console_principal(state: &AppState) -> Result<Principal, AppError> {
    let mut conn = state.db.acquire().await?;
    let tenant = store::first_tenant(&mut conn).await?.ok_or_else(|| {
        AppError::not_found(
            "There is no tenant yet: run `sightline demo` or `sightline create-admin` first.",
        )
    })?;
    Ok(Principal {
        user_id: String::new(),
        tenant_id: tenant.id,
        tenant_name: tenant.name,
        name: "console".into(),
        email: String::new(),
        permissions: Permission::ALL.into_iter().collect(),
        is_tenant_admin: true,
        credential: Credential::Console,
    })
}

/// `create-admin`: makes the first tenant if there is none, then an active tenant admin with
/// this password (or gives an existing user the role and the password).
pub async fn create_admin(
    state: &AppState,
    tenant_name: &str,
    email: &str,
    name: &str,
    password: &str,
) -> Result<User, AppError> {
    crate::auth::rules::check_password_policy(password)?;
    let email = clean_email(email)?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let tenant_id = match store::first_tenant(&mut tx).await? {
        Some(tenant) => tenant.id,
        None => create_tenant(&mut tx, tenant_name, None, now).await?,
    };
    let admin_role = store::role_id_of_kind(&mut tx, &tenant_id, RoleKind::TenantAdmin)
        .await?
        .ok_or_else(|| AppError::internal("tenant has no TenantAdmin role"))?;
    let user_id = match store::email_owner(&mut tx, &tenant_id, &unique_key(&email)).await? {
        Some(id) => id,
        None => {
            let id = new_id();
            let name = clean_name(
                "name",
                if name.trim().is_empty() { &email } else { name },
                MAX_NAME_CHARS,
            )?;
            store::insert_user(
                &mut tx,
                &id,
                &tenant_id,
                &name,
                &email,
                UserStatus::Active,
                now,
            )
            .await?;
            crate::spaces::service::create_personal_space(&mut tx, &tenant_id, &id, now).await?;
            id
        }
    };
    let mut roles: Vec<String> = store::roles_of_users(&mut tx, std::slice::from_ref(&user_id))
        .await?
        .into_iter()
        .map(|(_, r)| r.id)
        .collect();
    if !roles.contains(&admin_role) {
        roles.push(admin_role);
    }
    store::set_user_roles(&mut tx, &user_id, &roles).await?;
    let row = store::get_user(&mut tx, &tenant_id, &user_id)
        .await?
        .ok_or_else(|| AppError::internal("user vanished"))?;
    store::update_user(&mut tx, &user_id, &row.name, UserStatus::Active, now).await?;
    let actor = Actor {
        tenant_id: &tenant_id,
        id: None,
        name: "console",
    };
    record(
        &mut tx,
        now,
        &actor,
        "role.assign",
        Target {
            kind: "user",
            id: &user_id,
            name: &row.name,
        },
        "TenantAdmin, from the command line",
    )
    .await?;
    tx.commit().await?;
    auth::set_password_from_console(state, &tenant_id, &email, password).await?;
    let mut conn = state.db.acquire().await?;
    let row = store::get_user(&mut conn, &tenant_id, &user_id)
        .await?
        .ok_or_else(|| AppError::internal("user vanished"))?;
    Ok(users_from_rows(&mut conn, vec![row]).await?.remove(0))
}

// ---- users ----

async fn users_from_rows(
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

async fn user_row(
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

/// Checks that every id names an assignable role of the tenant.
async fn resolve_roles(
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

async fn resolve_groups(
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
async fn ensure_an_admin_remains(
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
fn names<T>(items: &[T], name: impl Fn(&T) -> &str) -> String {
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
    store::set_user_roles(
        &mut tx,
        &id,
        &roles.iter().map(|r| r.id.clone()).collect::<Vec<_>>(),
    )
    .await?;
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
        "user.create",
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
        "user.invite_reissued",
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
        if status == UserStatus::Active && !store::user_has_password(&mut tx, id).await? {
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
        let roles = resolve_roles(&mut tx, &principal.tenant_id, role_ids).await?;
        store::set_user_roles(
            &mut tx,
            id,
            &roles.iter().map(|r| r.id.clone()).collect::<Vec<_>>(),
        )
        .await?;
        said.push(format!("roles: {}", names(&roles, |r| &r.name)));
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
            "user.update",
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
    // Their personal space and its apps go with them; shared and managed spaces they own stay,
    // ownerless, until an admin gives them a new owner.
    crate::spaces::store::delete_personal_space(&mut tx, id).await?;
    store::delete_user(&mut tx, id).await?;
    ensure_an_admin_remains(&mut tx, &principal.tenant_id).await?;
    record(
        &mut tx,
        state.now(),
        &principal.actor(),
        "user.delete",
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

// ---- groups ----

async fn groups_from_rows(
    conn: &mut AnyConnection,
    rows: Vec<GroupRow>,
) -> Result<Vec<Group>, AppError> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let mut roles: BTreeMap<String, Vec<RoleRef>> = BTreeMap::new();
    for (group_id, role) in store::roles_of_groups(conn, &ids).await? {
        roles.entry(group_id).or_default().push(role);
    }
    Ok(rows
        .into_iter()
        .map(|r| Group {
            roles: roles.remove(&r.id).unwrap_or_default(),
            id: r.id,
            tenant_id: r.tenant_id,
            name: r.name,
            description: r.description,
            created_at: r.created_at,
            updated_at: r.updated_at,
            member_count: r.member_count,
        })
        .collect())
}

async fn group_row(
    conn: &mut AnyConnection,
    principal: &Principal,
    id: &str,
) -> Result<GroupRow, AppError> {
    store::get_group(conn, &principal.tenant_id, id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("There is no group with id {id}.")))
}

pub async fn list_groups(
    state: &AppState,
    principal: &Principal,
    query: GroupQuery,
) -> Result<Page<Group>, AppError> {
    principal.require(Permission::ManageDirectory)?;
    let limit = page_size(query.limit);
    let after = query.after.as_deref().map(decode_cursor).transpose()?;
    let mut conn = state.db.acquire().await?;
    let rows = store::list_groups(
        &mut conn,
        &principal.tenant_id,
        query.search.trim(),
        after,
        limit,
    )
    .await?;
    let page = paginate(
        rows,
        limit,
        |r| encode_cursor(&r.name_key, &r.id),
        |rows| rows,
    );
    let items = groups_from_rows(&mut conn, page.items).await?;
    Ok(Page {
        items,
        next: page.next,
    })
}

pub async fn get_group(
    state: &AppState,
    principal: &Principal,
    id: &str,
) -> Result<GroupDetail, AppError> {
    principal.require(Permission::ManageDirectory)?;
    let mut conn = state.db.acquire().await?;
    let row = group_row(&mut conn, principal, id).await?;
    let group = groups_from_rows(&mut conn, vec![row]).await?.remove(0);
    let member_rows = store::group_members(&mut conn, id).await?;
    let members = users_from_rows(&mut conn, member_rows).await?;
    Ok(GroupDetail { group, members })
}

async fn ensure_group_name_free(
    conn: &mut AnyConnection,
    tenant_id: &str,
    name: &str,
    except: Option<&str>,
) -> Result<(), AppError> {
    match store::group_name_owner(conn, tenant_id, &unique_key(name)).await? {
        Some(owner) if Some(owner.as_str()) != except => Err(AppError::conflict(format!(
            "A group named \"{name}\" already exists."
        ))),
        _ => Ok(()),
    }
}

pub async fn create_group(
    state: &AppState,
    principal: &Principal,
    input: NewGroup,
) -> Result<Group, AppError> {
    principal.require(Permission::ManageDirectory)?;
    let name = clean_name("name", &input.name, MAX_NAME_CHARS)?;
    let description = clean_description(&input.description)?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    ensure_group_name_free(&mut tx, &principal.tenant_id, &name, None).await?;
    let roles = resolve_roles(&mut tx, &principal.tenant_id, &input.role_ids).await?;
    let id = new_id();
    store::insert_group(&mut tx, &id, &principal.tenant_id, &name, &description, now).await?;
    store::set_group_roles(
        &mut tx,
        &id,
        &roles.iter().map(|r| r.id.clone()).collect::<Vec<_>>(),
    )
    .await?;
    record(
        &mut tx,
        now,
        &principal.actor(),
        "group.create",
        Target {
            kind: "group",
            id: &id,
            name: &name,
        },
        format!("roles: {}", names(&roles, |r| &r.name)),
    )
    .await?;
    let row = group_row(&mut tx, principal, &id).await?;
    let group = groups_from_rows(&mut tx, vec![row]).await?.remove(0);
    tx.commit().await?;
    Ok(group)
}

pub async fn update_group(
    state: &AppState,
    principal: &Principal,
    id: &str,
    changes: GroupChanges,
) -> Result<Group, AppError> {
    principal.require(Permission::ManageDirectory)?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let row = group_row(&mut tx, principal, id).await?;
    let mut said = Vec::new();
    let name = match &changes.name {
        Some(name) => {
            let name = clean_name("name", name, MAX_NAME_CHARS)?;
            ensure_group_name_free(&mut tx, &principal.tenant_id, &name, Some(id)).await?;
            if name != row.name {
                said.push(format!("name: {} -> {name}", row.name));
            }
            name
        }
        None => row.name.clone(),
    };
    let description = match &changes.description {
        Some(d) => clean_description(d)?,
        None => row.description.clone(),
    };
    if description != row.description {
        said.push("description changed".to_string());
    }
    store::update_group(&mut tx, id, &name, &description, now).await?;
    if let Some(role_ids) = &changes.role_ids {
        let roles = resolve_roles(&mut tx, &principal.tenant_id, role_ids).await?;
        store::set_group_roles(
            &mut tx,
            id,
            &roles.iter().map(|r| r.id.clone()).collect::<Vec<_>>(),
        )
        .await?;
        said.push(format!("roles: {}", names(&roles, |r| &r.name)));
        ensure_an_admin_remains(&mut tx, &principal.tenant_id).await?;
    }
    if !said.is_empty() {
        record(
            &mut tx,
            now,
            &principal.actor(),
            "group.update",
            Target {
                kind: "group",
                id,
                name: &name,
            },
            said.join("; "),
        )
        .await?;
    }
    let row = group_row(&mut tx, principal, id).await?;
    let group = groups_from_rows(&mut tx, vec![row]).await?.remove(0);
    tx.commit().await?;
    Ok(group)
}

pub async fn delete_group(
    state: &AppState,
    principal: &Principal,
    id: &str,
) -> Result<(), AppError> {
    principal.require(Permission::ManageDirectory)?;
    let mut tx = state.db.begin().await?;
    let row = group_row(&mut tx, principal, id).await?;
    store::delete_group(&mut tx, id).await?;
    ensure_an_admin_remains(&mut tx, &principal.tenant_id).await?;
    record(
        &mut tx,
        state.now(),
        &principal.actor(),
        "group.delete",
        Target {
            kind: "group",
            id,
            name: &row.name,
        },
        format!("{} members", row.member_count),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn add_member(
    state: &AppState,
    principal: &Principal,
    group_id: &str,
    user_id: &str,
) -> Result<(), AppError> {
    principal.require(Permission::ManageDirectory)?;
    let mut tx = state.db.begin().await?;
    let group = group_row(&mut tx, principal, group_id).await?;
    let user = user_row(&mut tx, principal, user_id).await?;
    if store::is_member(&mut tx, group_id, user_id).await? {
        return Err(AppError::conflict(format!(
            "{} is already a member of {}.",
            user.name, group.name
        )));
    }
    let now = state.now();
    store::add_member(&mut tx, group_id, user_id).await?;
    store::touch_user(&mut tx, user_id, now).await?;
    record(
        &mut tx,
        now,
        &principal.actor(),
        "group.member_add",
        Target {
            kind: "group",
            id: group_id,
            name: &group.name,
        },
        format!("added {} ({})", user.name, user.email),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn remove_member(
    state: &AppState,
    principal: &Principal,
    group_id: &str,
    user_id: &str,
) -> Result<(), AppError> {
    principal.require(Permission::ManageDirectory)?;
    let mut tx = state.db.begin().await?;
    let group = group_row(&mut tx, principal, group_id).await?;
    let user = user_row(&mut tx, principal, user_id).await?;
    if !store::is_member(&mut tx, group_id, user_id).await? {
        return Err(AppError::not_found(format!(
            "{} is not a member of {}.",
            user.name, group.name
        )));
    }
    let now = state.now();
    store::remove_member(&mut tx, group_id, user_id).await?;
    store::touch_user(&mut tx, user_id, now).await?;
    ensure_an_admin_remains(&mut tx, &principal.tenant_id).await?;
    record(
        &mut tx,
        now,
        &principal.actor(),
        "group.member_remove",
        Target {
            kind: "group",
            id: group_id,
            name: &group.name,
        },
        format!("removed {} ({})", user.name, user.email),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

// ---- roles ----

async fn role_from_row(conn: &mut AnyConnection, row: RoleRow) -> Result<Role, AppError> {
    let kind = RoleKind::parse(&row.kind).unwrap_or(RoleKind::Custom);
    let permissions = match kind.fixed_permissions() {
        Some(fixed) => fixed.to_vec(),
        None => store::role_permissions(conn, &row.id).await?,
    };
    Ok(Role {
        id: row.id,
        kind,
        name: row.name,
        description: row.description,
        permissions,
        created_at: row.created_at,
        updated_at: row.updated_at,
        user_count: row.user_count,
        group_count: row.group_count,
    })
}

/// Every role of the tenant. Any signed-in user may read them: they are what the pages name.
pub async fn list_roles(state: &AppState, principal: &Principal) -> Result<Vec<Role>, AppError> {
    let mut conn = state.db.acquire().await?;
    let rows = store::list_roles(&mut conn, &principal.tenant_id).await?;
    let mut roles = Vec::with_capacity(rows.len());
    for row in rows {
        roles.push(role_from_row(&mut conn, row).await?);
    }
    Ok(roles)
}

async fn role_row(
    conn: &mut AnyConnection,
    principal: &Principal,
    id: &str,
) -> Result<RoleRow, AppError> {
    store::get_role(conn, &principal.tenant_id, id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("There is no role with id {id}.")))
}

pub async fn get_role(state: &AppState, principal: &Principal, id: &str) -> Result<Role, AppError> {
    let mut conn = state.db.acquire().await?;
    let row = role_row(&mut conn, principal, id).await?;
    role_from_row(&mut conn, row).await
}

async fn ensure_role_name_free(
    conn: &mut AnyConnection,
    tenant_id: &str,
    name: &str,
    except: Option<&str>,
) -> Result<(), AppError> {
    match store::role_name_owner(conn, tenant_id, &unique_key(name)).await? {
        Some(owner) if Some(owner.as_str()) != except => Err(AppError::conflict(format!(
            "A role named \"{name}\" already exists."
        ))),
        _ => Ok(()),
    }
}

fn permission_list(permissions: &[Permission]) -> String {
    if permissions.is_empty() {
        return "none".into();
    }
    permissions
        .iter()
        .map(|p| p.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

pub async fn create_role(
    state: &AppState,
    principal: &Principal,
    input: RoleInput,
) -> Result<Role, AppError> {
    principal.require(Permission::ManageDirectory)?;
    let name = clean_name("name", &input.name, MAX_NAME_CHARS)?;
    let description = clean_description(&input.description)?;
    let permissions: Vec<Permission> = input
        .permissions
        .iter()
        .copied()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let now = state.now();
    let mut tx = state.db.begin().await?;
    ensure_role_name_free(&mut tx, &principal.tenant_id, &name, None).await?;
    let id = new_id();
    store::insert_role(
        &mut tx,
        &id,
        &principal.tenant_id,
        RoleKind::Custom,
        &name,
        &description,
        now,
    )
    .await?;
    store::set_role_permissions(&mut tx, &id, &permissions).await?;
    record(
        &mut tx,
        now,
        &principal.actor(),
        "role.create",
        Target {
            kind: "role",
            id: &id,
            name: &name,
        },
        format!("permissions: {}", permission_list(&permissions)),
    )
    .await?;
    let row = role_row(&mut tx, principal, &id).await?;
    let role = role_from_row(&mut tx, row).await?;
    tx.commit().await?;
    Ok(role)
}

/// Changes a custom role, or the permissions of User Default. Admin roles are fixed.
pub async fn update_role(
    state: &AppState,
    principal: &Principal,
    id: &str,
    input: RoleInput,
) -> Result<Role, AppError> {
    principal.require(Permission::ManageDirectory)?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let row = role_row(&mut tx, principal, id).await?;
    let kind = RoleKind::parse(&row.kind).unwrap_or(RoleKind::Custom);
    if kind.fixed_permissions().is_some() {
        return Err(AppError::forbidden(format!(
            "{} is a built-in admin role; its permissions cannot be changed.",
            row.name
        )));
    }
    let (name, description) = if kind == RoleKind::UserDefault {
        (row.name.clone(), row.description.clone())
    } else {
        let name = clean_name("name", &input.name, MAX_NAME_CHARS)?;
        ensure_role_name_free(&mut tx, &principal.tenant_id, &name, Some(id)).await?;
        (name, clean_description(&input.description)?)
    };
    let permissions: Vec<Permission> = input
        .permissions
        .iter()
        .copied()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    store::update_role(&mut tx, id, &name, &description, now).await?;
    store::set_role_permissions(&mut tx, id, &permissions).await?;
    record(
        &mut tx,
        now,
        &principal.actor(),
        "role.update",
        Target {
            kind: "role",
            id,
            name: &name,
        },
        format!("permissions: {}", permission_list(&permissions)),
    )
    .await?;
    let row = role_row(&mut tx, principal, id).await?;
    let role = role_from_row(&mut tx, row).await?;
    tx.commit().await?;
    Ok(role)
}

pub async fn delete_role(
    state: &AppState,
    principal: &Principal,
    id: &str,
) -> Result<(), AppError> {
    principal.require(Permission::ManageDirectory)?;
    let mut tx = state.db.begin().await?;
    let row = role_row(&mut tx, principal, id).await?;
    if row.kind != RoleKind::Custom.as_str() {
        return Err(AppError::forbidden(format!(
            "{} is built in and cannot be deleted.",
            row.name
        )));
    }
    store::delete_role(&mut tx, id).await?;
    let detail = format!(
        "was given to {} users and {} groups",
        row.user_count, row.group_count
    );
    record(
        &mut tx,
        state.now(),
        &principal.actor(),
        "role.delete",
        Target {
            kind: "role",
            id,
            name: &row.name,
        },
        detail,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn counts(state: &AppState, principal: &Principal) -> Result<DirectoryCounts, AppError> {
    principal.require(Permission::ManageDirectory)?;
    let mut conn = state.db.acquire().await?;
    Ok(store::counts(&mut conn, &principal.tenant_id).await?)
}

/// Checks a role's permission names from outside (REST, forms) and names any unknown one.
pub fn parse_permissions(names: &[String]) -> Result<Vec<Permission>, AppError> {
    names.iter().map(|n| Permission::parse(n)).collect()
}
