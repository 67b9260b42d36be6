//! SQL for the append-only ledger, and whom a denied person asks.

use super::*;

#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct LedgerRow {
    pub id: String,
    pub at: i64,
    pub event: String,
    pub kind: String,
    pub user_id: String,
    pub user_name: String,
    pub app_id: String,
    pub units: i64,
    pub reason: String,
}

pub async fn append(
    conn: &mut AnyConnection,
    tenant_id: &str,
    row: &LedgerRow,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO licence_ledger (id, tenant_id, at, event, kind, user_id, user_name, app_id, units, reason)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&row.id)
    .bind(tenant_id)
    .bind(row.at)
    .bind(&row.event)
    .bind(&row.kind)
    .bind(&row.user_id)
    .bind(&row.user_name)
    .bind(&row.app_id)
    .bind(row.units)
    .bind(&row.reason)
    .execute(conn)
    .await?;
    Ok(())
}

/// Times of `kind` consumed since `since`, oldest first, for one person and app when given.
pub async fn consumed(
    conn: &mut AnyConnection,
    tenant_id: &str,
    kind: &str,
    since: i64,
    user_id: Option<&str>,
) -> sqlx::Result<Vec<(i64, i64)>> {
    sqlx::query_as(
        "SELECT at, units FROM licence_ledger
         WHERE tenant_id = $1 AND kind = $2 AND event = 'consume' AND at >= $3
           AND ($4 = '' OR user_id = $4)
         ORDER BY at",
    )
    .bind(tenant_id)
    .bind(kind)
    .bind(since)
    .bind(user_id.unwrap_or(""))
    .fetch_all(conn)
    .await
}

/// When this person last started a `kind` for this app, from `since` on.
pub async fn last_started(
    conn: &mut AnyConnection,
    tenant_id: &str,
    kind: &str,
    user_id: &str,
    app_id: &str,
    since: i64,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "SELECT MAX(at) FROM licence_ledger
         WHERE tenant_id = $1 AND kind = $2 AND event = 'consume' AND user_id = $3 AND app_id = $4
           AND at >= $5",
    )
    .bind(tenant_id)
    .bind(kind)
    .bind(user_id)
    .bind(app_id)
    .bind(since)
    .fetch_one(conn)
    .await
}

/// The ledger of the tenant from `since`, newest first, at most `limit` rows.
pub async fn ledger(
    conn: &mut AnyConnection,
    tenant_id: &str,
    since: i64,
    limit: i64,
) -> sqlx::Result<Vec<LedgerRow>> {
    sqlx::query_as(
        "SELECT id, at, event, kind, user_id, user_name, app_id, units, reason FROM licence_ledger
         WHERE tenant_id = $1 AND at >= $2 ORDER BY at DESC, id DESC LIMIT $3",
    )
    .bind(tenant_id)
    .bind(since)
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// The names of the tenant's active admins: whom a denied person asks.
pub async fn admin_names(conn: &mut AnyConnection, tenant_id: &str) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "SELECT u.name FROM users u WHERE u.tenant_id = $1 AND u.status = 'active' AND (
             u.id IN (SELECT ur.user_id FROM user_roles ur JOIN roles r ON r.id = ur.role_id WHERE r.kind = 'tenant_admin')
          OR u.id IN (SELECT gm.user_id FROM group_members gm JOIN group_roles gr ON gr.group_id = gm.group_id
                      JOIN roles r ON r.id = gr.role_id WHERE r.kind = 'tenant_admin'))
         ORDER BY u.name LIMIT 5",
    )
    .bind(tenant_id)
    .fetch_all(conn)
    .await
}
