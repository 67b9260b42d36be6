//! SQL for users, their roles and their groups.

use super::*;

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

pub(super) const USER_COLUMNS: &str = "u.id, u.tenant_id, u.name, u.email, u.status, u.created_at, u.updated_at, lower(u.name) AS sort_key";

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
    let email_key = crate::directory::rules::unique_key(email);
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
pub(super) struct OwnedRoleRow {
    owner_id: String,
    id: String,
    name: String,
    kind: String,
}

pub(super) fn role_ref(id: String, name: String, kind: &str) -> RoleRef {
    RoleRef {
        id,
        name,
        kind: RoleKind::parse(kind).unwrap_or(RoleKind::Custom),
    }
}

pub(super) async fn owned_roles(
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
pub(super) struct UserGroupRow {
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
