//! SQL for Document CAL pools, user-pass rules, login groups and their windows.

use super::*;

pub async fn document_pool(conn: &mut AnyConnection, app_id: &str) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("SELECT size FROM document_pools WHERE app_id = $1")
        .bind(app_id)
        .fetch_optional(conn)
        .await
}

pub async fn set_document_pool(
    conn: &mut AnyConnection,
    tenant_id: &str,
    app_id: &str,
    size: i64,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM document_pools WHERE app_id = $1")
        .bind(app_id)
        .execute(&mut *conn)
        .await?;
    if size > 0 {
        sqlx::query("INSERT INTO document_pools (app_id, tenant_id, size) VALUES ($1, $2, $3)")
            .bind(app_id)
            .bind(tenant_id)
            .bind(size)
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// Whether a group rule gives this person a user access pass on first use.
pub async fn rule_gives_pass(
    conn: &mut AnyConnection,
    tenant_id: &str,
    user_id: &str,
) -> sqlx::Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM user_pass_rules r JOIN group_members m ON m.group_id = r.group_id
         WHERE r.tenant_id = $1 AND m.user_id = $2",
    )
    .bind(tenant_id)
    .bind(user_id)
    .fetch_one(conn)
    .await?;
    Ok(n > 0)
}

pub async fn add_pass_rule(
    conn: &mut AnyConnection,
    tenant_id: &str,
    group_id: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM user_pass_rules WHERE tenant_id = $1 AND group_id = $2")
        .bind(tenant_id)
        .bind(group_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO user_pass_rules (tenant_id, group_id, created_at) VALUES ($1, $2, $3)",
    )
    .bind(tenant_id)
    .bind(group_id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LoginGroupRow {
    pub id: String,
    pub group_id: Option<String>,
    pub group_name: String,
    pub tokens: i64,
    pub deleted_at: Option<i64>,
}

/// Every login group of the tenant, deleted ones included (they hold tokens until their passes
/// return).
pub async fn login_groups(
    conn: &mut AnyConnection,
    tenant_id: &str,
) -> sqlx::Result<Vec<LoginGroupRow>> {
    sqlx::query_as(
        "SELECT id, group_id, group_name, tokens, deleted_at FROM login_groups
         WHERE tenant_id = $1 ORDER BY created_at, id",
    )
    .bind(tenant_id)
    .fetch_all(conn)
    .await
}

pub async fn insert_login_group(
    conn: &mut AnyConnection,
    id: &str,
    tenant_id: &str,
    group_id: &str,
    group_name: &str,
    tokens: i64,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO login_groups (id, tenant_id, group_id, group_name, tokens, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(tenant_id)
    .bind(group_id)
    .bind(group_name)
    .bind(tokens)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// The login groups a person is a member of (not deleted).
pub async fn login_groups_of(
    conn: &mut AnyConnection,
    tenant_id: &str,
    user_id: &str,
) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "SELECT l.id FROM login_groups l JOIN group_members m ON m.group_id = l.group_id
         WHERE l.tenant_id = $1 AND m.user_id = $2 AND l.deleted_at IS NULL
         ORDER BY l.created_at, l.id",
    )
    .bind(tenant_id)
    .bind(user_id)
    .fetch_all(conn)
    .await
}

/// The windows of a login group that started at or after `since`: (user, start).
pub async fn login_windows(
    conn: &mut AnyConnection,
    login_group_id: &str,
    since: i64,
) -> sqlx::Result<Vec<(String, i64)>> {
    sqlx::query_as(
        "SELECT user_id, started_at FROM login_windows
         WHERE login_group_id = $1 AND started_at >= $2 ORDER BY started_at",
    )
    .bind(login_group_id)
    .bind(since)
    .fetch_all(conn)
    .await
}

pub async fn insert_login_window(
    conn: &mut AnyConnection,
    id: &str,
    login_group_id: &str,
    user_id: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO login_windows (id, login_group_id, user_id, started_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(id)
    .bind(login_group_id)
    .bind(user_id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn delete_login_group(conn: &mut AnyConnection, id: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE login_groups SET deleted_at = $2 WHERE id = $1")
        .bind(id)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn remove_pass_rule(
    conn: &mut AnyConnection,
    tenant_id: &str,
    group_id: &str,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM user_pass_rules WHERE tenant_id = $1 AND group_id = $2")
        .bind(tenant_id)
        .bind(group_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The pass rules' groups: (id, name).
pub async fn pass_rules(
    conn: &mut AnyConnection,
    tenant_id: &str,
) -> sqlx::Result<Vec<(String, String)>> {
    sqlx::query_as(
        "SELECT g.id, g.name FROM user_pass_rules r JOIN user_groups g ON g.id = r.group_id
         WHERE r.tenant_id = $1 ORDER BY g.name",
    )
    .bind(tenant_id)
    .fetch_all(conn)
    .await
}

/// Apps with Document CALs: (app id, name, size).
pub async fn document_pools(
    conn: &mut AnyConnection,
    tenant_id: &str,
) -> sqlx::Result<Vec<(String, String, i64)>> {
    sqlx::query_as(
        "SELECT a.id, a.name, p.size FROM document_pools p JOIN apps a ON a.id = p.app_id
         WHERE p.tenant_id = $1 ORDER BY a.name",
    )
    .bind(tenant_id)
    .fetch_all(conn)
    .await
}

/// The tenant's apps, by name (the first 500): what Document CALs can be given to.
pub async fn app_names(
    conn: &mut AnyConnection,
    tenant_id: &str,
) -> sqlx::Result<Vec<(String, String)>> {
    sqlx::query_as("SELECT id, name FROM apps WHERE tenant_id = $1 ORDER BY name, id LIMIT 500")
        .bind(tenant_id)
        .fetch_all(conn)
        .await
}
