//! SQL for roles and their permissions.

use super::*;

#[derive(sqlx::FromRow, Clone)]
pub struct RoleRow {
    pub id: String,
    pub kind: String,
    pub name: String,
    pub description: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub user_count: i64,
    pub group_count: i64,
}

pub(super) const ROLE_COLUMNS: &str =
    "r.id, r.kind, r.name, r.description, r.created_at, r.updated_at,
    (SELECT COUNT(*) FROM user_roles ur WHERE ur.role_id = r.id) AS user_count,
    (SELECT COUNT(*) FROM group_roles gr WHERE gr.role_id = r.id) AS group_count";

pub async fn insert_role(
    conn: &mut AnyConnection,
    id: &str,
    tenant_id: &str,
    kind: RoleKind,
    name: &str,
    description: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO roles (id, tenant_id, kind, name, name_key, description, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
    )
    .bind(id)
    .bind(tenant_id)
    .bind(kind.as_str())
    .bind(name)
    .bind(crate::directory::rules::unique_key(name))
    .bind(description)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn list_roles(conn: &mut AnyConnection, tenant_id: &str) -> sqlx::Result<Vec<RoleRow>> {
    sqlx::query_as(&format!(
        "SELECT {ROLE_COLUMNS} FROM roles r WHERE r.tenant_id = $1
         ORDER BY CASE r.kind WHEN 'tenant_admin' THEN 0 WHEN 'analytics_admin' THEN 1 WHEN 'user_default' THEN 2 ELSE 3 END, r.name_key"
    ))
    .bind(tenant_id)
    .fetch_all(conn)
    .await
}

pub async fn get_role(
    conn: &mut AnyConnection,
    tenant_id: &str,
    id: &str,
) -> sqlx::Result<Option<RoleRow>> {
    sqlx::query_as(&format!(
        "SELECT {ROLE_COLUMNS} FROM roles r WHERE r.tenant_id = $1 AND r.id = $2"
    ))
    .bind(tenant_id)
    .bind(id)
    .fetch_optional(conn)
    .await
}

pub async fn role_id_of_kind(
    conn: &mut AnyConnection,
    tenant_id: &str,
    kind: RoleKind,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(
        "SELECT id FROM roles WHERE tenant_id = $1 AND kind = $2 ORDER BY created_at LIMIT 1",
    )
    .bind(tenant_id)
    .bind(kind.as_str())
    .fetch_optional(conn)
    .await
}

pub async fn role_permissions(
    conn: &mut AnyConnection,
    role_id: &str,
) -> sqlx::Result<Vec<Permission>> {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT permission FROM role_permissions WHERE role_id = $1 ORDER BY permission",
    )
    .bind(role_id)
    .fetch_all(conn)
    .await?;
    Ok(names
        .iter()
        .filter_map(|n| Permission::parse(n).ok())
        .collect())
}

pub async fn set_role_permissions(
    conn: &mut AnyConnection,
    role_id: &str,
    permissions: &[Permission],
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM role_permissions WHERE role_id = $1")
        .bind(role_id)
        .execute(&mut *conn)
        .await?;
    for permission in permissions {
        sqlx::query("INSERT INTO role_permissions (role_id, permission) VALUES ($1, $2)")
            .bind(role_id)
            .bind(permission.as_str())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Active users who are tenant admins, directly or through a group.
pub async fn count_active_tenant_admins(
    conn: &mut AnyConnection,
    tenant_id: &str,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM users u WHERE u.tenant_id = $1 AND u.status = 'active' AND (
             u.id IN (SELECT ur.user_id FROM user_roles ur JOIN roles r ON r.id = ur.role_id WHERE r.kind = 'tenant_admin')
          OR u.id IN (SELECT gm.user_id FROM group_members gm JOIN group_roles gr ON gr.group_id = gm.group_id
                      JOIN roles r ON r.id = gr.role_id WHERE r.kind = 'tenant_admin'))",
    )
    .bind(tenant_id)
    .fetch_one(conn)
    .await
}

pub async fn counts(conn: &mut AnyConnection, tenant_id: &str) -> sqlx::Result<DirectoryCounts> {
    let count = |sql: &'static str| sqlx::query_scalar::<_, i64>(sql).bind(tenant_id.to_string());
    Ok(DirectoryCounts {
        active_users: count(
            "SELECT COUNT(*) FROM users WHERE tenant_id = $1 AND status = 'active'",
        )
        .fetch_one(&mut *conn)
        .await?,
        invited_users: count(
            "SELECT COUNT(*) FROM users WHERE tenant_id = $1 AND status = 'invited'",
        )
        .fetch_one(&mut *conn)
        .await?,
        disabled_users: count(
            "SELECT COUNT(*) FROM users WHERE tenant_id = $1 AND status = 'disabled'",
        )
        .fetch_one(&mut *conn)
        .await?,
        groups: count("SELECT COUNT(*) FROM user_groups WHERE tenant_id = $1")
            .fetch_one(&mut *conn)
            .await?,
        custom_roles: count("SELECT COUNT(*) FROM roles WHERE tenant_id = $1 AND kind = 'custom'")
            .fetch_one(&mut *conn)
            .await?,
    })
}
