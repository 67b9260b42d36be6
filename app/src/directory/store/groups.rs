//! SQL for groups and their members.

use super::*;

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

pub(super) const GROUP_COLUMNS: &str =
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
    .bind(crate::directory::rules::unique_key(name))
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
pub(super) struct GroupRoleRow {
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
