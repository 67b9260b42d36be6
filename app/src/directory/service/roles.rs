//! Roles: custom roles and their permissions, the built-in roles, and the directory's counts.

use super::*;
use crate::audit::model::AuditAction;

pub(super) async fn role_from_row(
    conn: &mut AnyConnection,
    row: RoleRow,
) -> Result<Role, AppError> {
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

pub(super) async fn role_row(
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

pub(super) fn permission_list(permissions: &[Permission]) -> String {
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
    ensure_name_free(&mut tx, Named::Role, &principal.tenant_id, &name, None).await?;
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
        AuditAction::RoleCreate,
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
        ensure_name_free(&mut tx, Named::Role, &principal.tenant_id, &name, Some(id)).await?;
        (name, clean_description(&input.description)?)
    };
    let permissions: Vec<Permission> = input
        .permissions
        .iter()
        .copied()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    store::update_named(&mut tx, Named::Role, id, &name, &description, now).await?;
    store::set_role_permissions(&mut tx, id, &permissions).await?;
    record(
        &mut tx,
        now,
        &principal.actor(),
        AuditAction::RoleUpdate,
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
    store::delete_named(&mut tx, Named::Role, id).await?;
    let detail = format!(
        "was given to {} users and {} groups",
        row.user_count, row.group_count
    );
    record(
        &mut tx,
        state.now(),
        &principal.actor(),
        AuditAction::RoleDelete,
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

pub async fn get_directory_counts(
    state: &AppState,
    principal: &Principal,
) -> Result<DirectoryCounts, AppError> {
    principal.require(Permission::ManageDirectory)?;
    let mut conn = state.db.acquire().await?;
    Ok(store::counts(&mut conn, &principal.tenant_id).await?)
}

/// Checks a role's permission names from outside (REST, forms) and names any unknown one.
pub fn parse_permissions(names: &[String]) -> Result<Vec<Permission>, AppError> {
    names.iter().map(|n| Permission::parse(n)).collect()
}
