//! SQL for tenants, users, groups and roles. No rules here: callers have decided.

use sqlx::AnyConnection;

use super::model::{DirectoryCounts, GroupRef, RoleRef};
use super::rules::{Permission, RoleKind, UserStatus};

/// `$first, $first+1, …` for an IN list of `count` values.
pub fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

pub async fn insert_tenant(
    conn: &mut AnyConnection,
    id: &str,
    name: &str,
    hostname: Option<&str>,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO tenants (id, name, hostname, created_at) VALUES ($1, $2, $3, $4)")
        .bind(id)
        .bind(name)
        .bind(hostname)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
pub struct TenantRow {
    pub id: String,
    pub name: String,
}

pub async fn first_tenant(conn: &mut AnyConnection) -> sqlx::Result<Option<TenantRow>> {
    sqlx::query_as("SELECT id, name FROM tenants ORDER BY created_at, id LIMIT 1")
        .fetch_optional(conn)
        .await
}

// ---- users ----

#[derive(sqlx::FromRow, Clone)]
pub struct UserRow {
    pub id: String,
    pub tenant_id: String,
    pub name: String,
    pub email: String,
    pub status: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub sort_key: String,
}

const USER_COLUMNS: &str = "u.id, u.tenant_id, u.name, u.email, u.status, u.created_at, u.updated_at, lower(u.name) AS sort_key";

/// Inserts a user; the email's lookup key (`rules::unique_key`) is derived from it here, so that
/// no caller can store a key that does not match the email.
pub async fn insert_user(
    conn: &mut AnyConnection,
    id: &str,
    tenant_id: &str,
    name: &str,
    email: &str,
    status: UserStatus,
    now: i64,
) -> sqlx::Result<()> {
    let email_key = super::rules::unique_key(email);
    sqlx::query(
        "INSERT INTO users (id, tenant_id, name, email, email_key, status, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
    )
    .bind(id)
    .bind(tenant_id)
    .bind(name)
    .bind(email)
    .bind(&email_key)
    .bind(status.as_str())
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn get_user(
    conn: &mut AnyConnection,
    tenant_id: &str,
    id: &str,
) -> sqlx::Result<Option<UserRow>> {
    sqlx::query_as(&format!(
        "SELECT {USER_COLUMNS} FROM users u WHERE u.tenant_id = $1 AND u.id = $2"
    ))
    .bind(tenant_id)
    .bind(id)
    .fetch_optional(conn)
    .await
}

pub async fn user_has_password(conn: &mut AnyConnection, id: &str) -> sqlx::Result<bool> {
    let hash: Option<String> = sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
        .bind(id)
        .fetch_one(conn)
        .await?;
    Ok(hash.is_some())
}

pub async fn email_owner(
    conn: &mut AnyConnection,
    tenant_id: &str,
    email_key: &str,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT id FROM users WHERE tenant_id = $1 AND email_key = $2")
        .bind(tenant_id)
        .bind(email_key)
        .fetch_optional(conn)
        .await
}

/// The filters of a user listing, already resolved by the service.
pub struct UserFilter<'a> {
    pub search: &'a str,
    pub email_key: &'a str,
    pub status: &'a str,
    pub role_id: &'a str,
    pub group_id: &'a str,
    /// (sort key, id) of the last row of the previous page.
    pub after: Option<(String, String)>,
}

/// Users by name, one more than `limit` so the caller knows whether a next page exists.
pub async fn list_users(
    conn: &mut AnyConnection,
    tenant_id: &str,
    filter: &UserFilter<'_>,
    limit: u32,
) -> sqlx::Result<Vec<UserRow>> {
    let (after_key, after_id) = filter.after.clone().unwrap_or_default();
    sqlx::query_as(&format!(
        "SELECT {USER_COLUMNS} FROM users u
         WHERE u.tenant_id = $1
           AND ($2 = '' OR lower(u.name) LIKE $3 OR u.email_key LIKE $3)
           AND ($4 = '' OR u.email_key = $4)
           AND ($5 = '' OR u.status = $5)
           AND ($6 = ''
                OR u.id IN (SELECT user_id FROM user_roles WHERE role_id = $6)
                OR u.id IN (SELECT gm.user_id FROM group_members gm JOIN group_roles gr ON gr.group_id = gm.group_id
                            WHERE gr.role_id = $6))
           AND ($7 = '' OR u.id IN (SELECT user_id FROM group_members WHERE group_id = $7))
           AND ($8 = '' OR lower(u.name) > $9 OR (lower(u.name) = $9 AND u.id > $8))
         ORDER BY lower(u.name), u.id
         LIMIT $10"
    ))
    .bind(tenant_id)
    .bind(filter.search)
    .bind(format!("%{}%", crate::audit::store::like_escape(&filter.search.to_lowercase())))
    .bind(filter.email_key)
    .bind(filter.status)
    .bind(filter.role_id)
    .bind(filter.group_id)
    .bind(after_id)
    .bind(after_key)
    .bind(i64::from(limit) + 1)
    .fetch_all(conn)
    .await
}

pub async fn update_user(
    conn: &mut AnyConnection,
    id: &str,
    name: &str,
    status: UserStatus,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET name = $2, status = $3, updated_at = $4 WHERE id = $1")
        .bind(id)
        .bind(name)
        .bind(status.as_str())
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn touch_user(conn: &mut AnyConnection, id: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET updated_at = $2 WHERE id = $1")
        .bind(id)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn delete_user(conn: &mut AnyConnection, id: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM users WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct OwnedRoleRow {
    owner_id: String,
    id: String,
    name: String,
    kind: String,
}

fn role_ref(id: String, name: String, kind: &str) -> RoleRef {
    RoleRef {
        id,
        name,
        kind: RoleKind::parse(kind).unwrap_or(RoleKind::Custom),
    }
}

async fn owned_roles(
    conn: &mut AnyConnection,
    sql: &str,
    owner_ids: &[String],
) -> sqlx::Result<Vec<(String, RoleRef)>> {
    if owner_ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = sql.replace("{ids}", &placeholders(1, owner_ids.len()));
    let mut query = sqlx::query_as::<_, OwnedRoleRow>(&sql);
    for id in owner_ids {
        query = query.bind(id);
    }
    Ok(query
        .fetch_all(conn)
        .await?
        .into_iter()
        .map(|r| (r.owner_id, role_ref(r.id, r.name, &r.kind)))
        .collect())
}

/// (user id, role) for the roles given directly to these users.
pub async fn roles_of_users(
    conn: &mut AnyConnection,
    user_ids: &[String],
) -> sqlx::Result<Vec<(String, RoleRef)>> {
    owned_roles(
        conn,
        "SELECT ur.user_id AS owner_id, r.id, r.name, r.kind FROM user_roles ur JOIN roles r ON r.id = ur.role_id
         WHERE ur.user_id IN ({ids}) ORDER BY r.name",
        user_ids,
    )
    .await
}

/// (group id, role) for the roles given to these groups.
pub async fn roles_of_groups(
    conn: &mut AnyConnection,
    group_ids: &[String],
) -> sqlx::Result<Vec<(String, RoleRef)>> {
    owned_roles(
        conn,
        "SELECT gr.group_id AS owner_id, r.id, r.name, r.kind FROM group_roles gr JOIN roles r ON r.id = gr.role_id
         WHERE gr.group_id IN ({ids}) ORDER BY r.name",
        group_ids,
    )
    .await
}

#[derive(sqlx::FromRow)]
struct UserGroupRow {
    user_id: String,
    id: String,
    name: String,
}

/// (user id, group) for the groups these users belong to.
pub async fn groups_of_users(
    conn: &mut AnyConnection,
    user_ids: &[String],
) -> sqlx::Result<Vec<(String, GroupRef)>> {
    if user_ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT gm.user_id, g.id, g.name FROM group_members gm JOIN user_groups g ON g.id = gm.group_id
         WHERE gm.user_id IN ({}) ORDER BY g.name",
        placeholders(1, user_ids.len())
    );
    let mut query = sqlx::query_as::<_, UserGroupRow>(&sql);
    for id in user_ids {
        query = query.bind(id);
    }
    Ok(query
        .fetch_all(conn)
        .await?
        .into_iter()
        .map(|r| {
            (
                r.user_id,
                GroupRef {
                    id: r.id,
                    name: r.name,
                },
            )
        })
        .collect())
}

pub async fn set_user_roles(
    conn: &mut AnyConnection,
    user_id: &str,
    role_ids: &[String],
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM user_roles WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    for role_id in role_ids {
        sqlx::query("INSERT INTO user_roles (user_id, role_id) VALUES ($1, $2)")
            .bind(user_id)
            .bind(role_id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

pub async fn set_user_groups(
    conn: &mut AnyConnection,
    user_id: &str,
    group_ids: &[String],
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM group_members WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    for group_id in group_ids {
        add_member(conn, group_id, user_id).await?;
    }
    Ok(())
}

// ---- groups ----

#[derive(sqlx::FromRow, Clone)]
pub struct GroupRow {
    pub id: String,
    pub tenant_id: String,
    pub name: String,
    pub description: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub member_count: i64,
    pub name_key: String,
}

const GROUP_COLUMNS: &str =
    "g.id, g.tenant_id, g.name, g.description, g.created_at, g.updated_at, g.name_key,
    (SELECT COUNT(*) FROM group_members gm WHERE gm.group_id = g.id) AS member_count";

pub async fn insert_group(
    conn: &mut AnyConnection,
    id: &str,
    tenant_id: &str,
    name: &str,
    description: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO user_groups (id, tenant_id, name, name_key, description, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $6)",
    )
    .bind(id)
    .bind(tenant_id)
    .bind(name)
    .bind(super::rules::unique_key(name))
    .bind(description)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn get_group(
    conn: &mut AnyConnection,
    tenant_id: &str,
    id: &str,
) -> sqlx::Result<Option<GroupRow>> {
    sqlx::query_as(&format!(
        "SELECT {GROUP_COLUMNS} FROM user_groups g WHERE g.tenant_id = $1 AND g.id = $2"
    ))
    .bind(tenant_id)
    .bind(id)
    .fetch_optional(conn)
    .await
}

pub async fn group_name_owner(
    conn: &mut AnyConnection,
    tenant_id: &str,
    name_key: &str,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT id FROM user_groups WHERE tenant_id = $1 AND name_key = $2")
        .bind(tenant_id)
        .bind(name_key)
        .fetch_optional(conn)
        .await
}

/// Groups by name, one more than `limit`.
pub async fn list_groups(
    conn: &mut AnyConnection,
    tenant_id: &str,
    search: &str,
    after: Option<(String, String)>,
    limit: u32,
) -> sqlx::Result<Vec<GroupRow>> {
    let (after_key, after_id) = after.unwrap_or_default();
    sqlx::query_as(&format!(
        "SELECT {GROUP_COLUMNS} FROM user_groups g
         WHERE g.tenant_id = $1 AND ($2 = '' OR g.name_key LIKE $3)
           AND ($4 = '' OR g.name_key > $5 OR (g.name_key = $5 AND g.id > $4))
         ORDER BY g.name_key, g.id LIMIT $6"
    ))
    .bind(tenant_id)
    .bind(search)
    .bind(format!(
        "%{}%",
        crate::audit::store::like_escape(&search.to_lowercase())
    ))
    .bind(after_id)
    .bind(after_key)
    .bind(i64::from(limit) + 1)
    .fetch_all(conn)
    .await
}

pub async fn update_group(
    conn: &mut AnyConnection,
    id: &str,
    name: &str,
    description: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE user_groups SET name = $2, name_key = $3, description = $4, updated_at = $5 WHERE id = $1")
        .bind(id)
        .bind(name)
        .bind(super::rules::unique_key(name))
        .bind(description)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn delete_group(conn: &mut AnyConnection, id: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM user_groups WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_group_roles(
    conn: &mut AnyConnection,
    group_id: &str,
    role_ids: &[String],
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM group_roles WHERE group_id = $1")
        .bind(group_id)
        .execute(&mut *conn)
        .await?;
    for role_id in role_ids {
        sqlx::query("INSERT INTO group_roles (group_id, role_id) VALUES ($1, $2)")
            .bind(group_id)
            .bind(role_id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

pub async fn is_member(
    conn: &mut AnyConnection,
    group_id: &str,
    user_id: &str,
) -> sqlx::Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM group_members WHERE group_id = $1 AND user_id = $2",
    )
    .bind(group_id)
    .bind(user_id)
    .fetch_one(conn)
    .await?;
    Ok(n > 0)
}

pub async fn add_member(
    conn: &mut AnyConnection,
    group_id: &str,
    user_id: &str,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO group_members (group_id, user_id) VALUES ($1, $2)")
        .bind(group_id)
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn remove_member(
    conn: &mut AnyConnection,
    group_id: &str,
    user_id: &str,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM group_members WHERE group_id = $1 AND user_id = $2")
        .bind(group_id)
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn group_members(conn: &mut AnyConnection, group_id: &str) -> sqlx::Result<Vec<UserRow>> {
    sqlx::query_as(&format!(
        "SELECT {USER_COLUMNS} FROM users u JOIN group_members gm ON gm.user_id = u.id
         WHERE gm.group_id = $1 ORDER BY lower(u.name), u.id"
    ))
    .bind(group_id)
    .fetch_all(conn)
    .await
}

#[derive(sqlx::FromRow)]
struct GroupRoleRow {
    role_id: String,
    role_name: String,
    kind: String,
    group_id: String,
    group_name: String,
}

/// Roles that reach a user through their groups, with the group each comes from.
pub async fn roles_through_groups(
    conn: &mut AnyConnection,
    user_id: &str,
) -> sqlx::Result<Vec<(RoleRef, GroupRef)>> {
    let rows: Vec<GroupRoleRow> = sqlx::query_as(
        "SELECT r.id AS role_id, r.name AS role_name, r.kind, g.id AS group_id, g.name AS group_name
         FROM group_members gm JOIN user_groups g ON g.id = gm.group_id
         JOIN group_roles gr ON gr.group_id = g.id JOIN roles r ON r.id = gr.role_id
         WHERE gm.user_id = $1 ORDER BY r.name, g.name",
    )
    .bind(user_id)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                role_ref(r.role_id, r.role_name, &r.kind),
                GroupRef {
                    id: r.group_id,
                    name: r.group_name,
                },
            )
        })
        .collect())
}

// ---- roles ----

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

const ROLE_COLUMNS: &str = "r.id, r.kind, r.name, r.description, r.created_at, r.updated_at,
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
    .bind(super::rules::unique_key(name))
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

pub async fn role_name_owner(
    conn: &mut AnyConnection,
    tenant_id: &str,
    name_key: &str,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT id FROM roles WHERE tenant_id = $1 AND name_key = $2")
        .bind(tenant_id)
        .bind(name_key)
        .fetch_optional(conn)
        .await
}

pub async fn update_role(
    conn: &mut AnyConnection,
    id: &str,
    name: &str,
    description: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE roles SET name = $2, name_key = $3, description = $4, updated_at = $5 WHERE id = $1")
        .bind(id)
        .bind(name)
        .bind(super::rules::unique_key(name))
        .bind(description)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn delete_role(conn: &mut AnyConnection, id: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM roles WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
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
