//! SQL for connections (the apps each client has open) and Session CAL holds.

use super::*;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ConnectionRow {
    pub id: String,
    pub user_id: String,
    pub app_id: String,
    pub client: String,
    pub kind: String,
    pub opened_at: i64,
    pub last_seen_at: i64,
    pub ended_at: Option<i64>,
    pub wait_until: Option<i64>,
    pub started_at: Option<i64>,
}

pub(super) const CONNECTION_COLUMNS: &str =
    "id, user_id, app_id, client, kind, opened_at, last_seen_at, ended_at, wait_until, started_at";

pub async fn open_connection(
    conn: &mut AnyConnection,
    client: &str,
    app_id: &str,
) -> sqlx::Result<Option<ConnectionRow>> {
    sqlx::query_as(&format!(
        "SELECT {CONNECTION_COLUMNS} FROM licence_connections
         WHERE client = $1 AND app_id = $2 AND ended_at IS NULL"
    ))
    .bind(client)
    .bind(app_id)
    .fetch_optional(conn)
    .await
}

/// A person's open connections, and those that ended with a wait still running at `now`.
pub async fn connections_of(
    conn: &mut AnyConnection,
    tenant_id: &str,
    user_id: &str,
    now: i64,
) -> sqlx::Result<Vec<ConnectionRow>> {
    sqlx::query_as(&format!(
        "SELECT {CONNECTION_COLUMNS} FROM licence_connections
         WHERE tenant_id = $1 AND user_id = $2 AND (ended_at IS NULL OR wait_until > $3)
         ORDER BY opened_at"
    ))
    .bind(tenant_id)
    .bind(user_id)
    .bind(now)
    .fetch_all(conn)
    .await
}

pub async fn insert_connection(
    conn: &mut AnyConnection,
    tenant_id: &str,
    row: &ConnectionRow,
) -> sqlx::Result<()> {
    sqlx::query(&format!(
        "INSERT INTO licence_connections (tenant_id, {CONNECTION_COLUMNS})
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
    ))
    .bind(tenant_id)
    .bind(&row.id)
    .bind(&row.user_id)
    .bind(&row.app_id)
    .bind(&row.client)
    .bind(&row.kind)
    .bind(row.opened_at)
    .bind(row.last_seen_at)
    .bind(row.ended_at)
    .bind(row.wait_until)
    .bind(row.started_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn touch_connection(
    conn: &mut AnyConnection,
    id: &str,
    now: i64,
    started_at: Option<i64>,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE licence_connections SET last_seen_at = $2, started_at = COALESCE($3, started_at)
         WHERE id = $1",
    )
    .bind(id)
    .bind(now)
    .bind(started_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn end_connection(
    conn: &mut AnyConnection,
    id: &str,
    ended_at: i64,
    wait_until: Option<i64>,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE licence_connections SET ended_at = $2, wait_until = $3 WHERE id = $1")
        .bind(id)
        .bind(ended_at)
        .bind(wait_until)
        .execute(conn)
        .await?;
    Ok(())
}

/// Connections of the tenant idle since before `idle_before`: they end when they were last seen.
pub async fn idle_connections(
    conn: &mut AnyConnection,
    tenant_id: &str,
    idle_before: i64,
) -> sqlx::Result<Vec<ConnectionRow>> {
    sqlx::query_as(&format!(
        "SELECT {CONNECTION_COLUMNS} FROM licence_connections
         WHERE tenant_id = $1 AND ended_at IS NULL AND last_seen_at < $2"
    ))
    .bind(tenant_id)
    .bind(idle_before)
    .fetch_all(conn)
    .await
}

/// A client's open connections (for ending all of a browser session's on sign-out).
pub async fn connections_of_client(
    conn: &mut AnyConnection,
    client: &str,
) -> sqlx::Result<Vec<ConnectionRow>> {
    sqlx::query_as(&format!(
        "SELECT {CONNECTION_COLUMNS} FROM licence_connections WHERE client = $1 AND ended_at IS NULL"
    ))
    .bind(client)
    .fetch_all(conn)
    .await
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct HoldRow {
    pub id: String,
    pub client: String,
    pub started_at: i64,
    pub ended_at: Option<i64>,
    pub frees_at: Option<i64>,
}

/// Session CAL holds not yet free at `now`.
pub async fn active_holds(
    conn: &mut AnyConnection,
    tenant_id: &str,
    now: i64,
) -> sqlx::Result<Vec<HoldRow>> {
    sqlx::query_as(
        "SELECT id, client, started_at, ended_at, frees_at FROM session_cal_holds
         WHERE tenant_id = $1 AND (frees_at IS NULL OR frees_at > $2)",
    )
    .bind(tenant_id)
    .bind(now)
    .fetch_all(conn)
    .await
}

pub async fn insert_hold(
    conn: &mut AnyConnection,
    id: &str,
    tenant_id: &str,
    client: &str,
    user_id: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO session_cal_holds (id, tenant_id, client, user_id, started_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(tenant_id)
    .bind(client)
    .bind(user_id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Ends (`Some`) or reopens (`None`) a hold.
pub async fn set_hold_end(
    conn: &mut AnyConnection,
    id: &str,
    ended_at: Option<i64>,
    frees_at: Option<i64>,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE session_cal_holds SET ended_at = $2, frees_at = $3 WHERE id = $1")
        .bind(id)
        .bind(ended_at)
        .bind(frees_at)
        .execute(conn)
        .await?;
    Ok(())
}
