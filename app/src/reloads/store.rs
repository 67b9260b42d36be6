//! The `reloads` table: one row per reload, with a process's claim (lease) while it runs.

use sqlx::AnyConnection;

use super::model::*;

#[derive(sqlx::FromRow, Clone, Debug)]
pub struct ReloadRow {
    pub id: String,
    pub tenant_id: String,
    pub app_id: String,
    pub app_name: String,
    pub user_id: String,
    pub user_name: Option<String>,
    pub kind: String,
    pub status: String,
    pub changes: String,
    /// The plan it loads under (engine JSON); empty: the app's own.
    pub plan: String,
    pub created_at: i64,
    pub started_at: Option<i64>,
    pub ended_at: Option<i64>,
    pub log: String,
    pub error: String,
    pub tables: String,
    /// The schedule that started it; empty: none.
    pub task_id: String,
}

impl ReloadRow {
    pub fn status(&self) -> ReloadStatus {
        ReloadStatus::parse(&self.status).unwrap_or(ReloadStatus::Failed)
    }

    pub fn to_reload(&self) -> Reload {
        Reload {
            id: self.id.clone(),
            app_id: self.app_id.clone(),
            app_name: self.app_name.clone(),
            tenant_id: self.tenant_id.clone(),
            user_id: self.user_id.clone(),
            user_name: self.user_name.clone().unwrap_or_default(),
            kind: ReloadKind::parse(&self.kind).unwrap_or(ReloadKind::Hub),
            status: self.status(),
            created_at: self.created_at,
            started_at: self.started_at,
            ended_at: self.ended_at,
            log: self.log.clone(),
            error: self.error.clone(),
            tables: serde_json::from_str(&self.tables).unwrap_or_default(),
        }
    }
}

const SELECT: &str = "SELECT r.id, r.tenant_id, r.app_id, a.name AS app_name, r.user_id, u.name AS user_name, r.kind, r.status, r.changes, r.plan, r.created_at, r.started_at, r.ended_at, r.log, r.error, r.tables, r.task_id FROM reloads r JOIN apps a ON a.id = r.app_id LEFT JOIN users u ON u.id = r.user_id";

pub struct NewReload<'a> {
    pub id: &'a str,
    pub tenant_id: &'a str,
    pub app_id: &'a str,
    pub user_id: &'a str,
    pub kind: ReloadKind,
    pub changes: &'a str,
    pub plan: &'a str,
    pub now: i64,
    pub process: &'a str,
    pub task_id: &'a str,
}

/// A reload, queued and claimed by the process that will run it.
pub async fn insert(conn: &mut AnyConnection, new: NewReload<'_>) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO reloads (id, tenant_id, app_id, user_id, kind, status, changes, created_at, lease_owner, lease_until, task_id, plan) VALUES ($1, $2, $3, $4, $5, 'QUEUED', $6, $7, $8, $9, $10, $11)")
        .bind(new.id)
        .bind(new.tenant_id)
        .bind(new.app_id)
        .bind(new.user_id)
        .bind(new.kind.as_str())
        .bind(new.changes)
        .bind(new.now)
        .bind(new.process)
        .bind(new.now + super::LEASE_MS)
        .bind(new.task_id)
        .bind(new.plan)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn get(conn: &mut AnyConnection, id: &str) -> sqlx::Result<Option<ReloadRow>> {
    sqlx::query_as(&format!("{SELECT} WHERE r.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// The app's reload that is queued or running, if any.
pub async fn active_of_app(
    conn: &mut AnyConnection,
    app_id: &str,
) -> sqlx::Result<Option<ReloadRow>> {
    sqlx::query_as(&format!(
        "{SELECT} WHERE r.app_id = $1 AND r.status IN ('QUEUED', 'RELOADING', 'CANCELING') ORDER BY r.created_at DESC LIMIT 1"
    ))
    .bind(app_id)
    .fetch_optional(conn)
    .await
}

/// How many reloads of a tenant are queued or running.
pub async fn active_in_tenant(conn: &mut AnyConnection, tenant_id: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM reloads WHERE tenant_id = $1 AND status IN ('QUEUED', 'RELOADING', 'CANCELING')",
    )
    .bind(tenant_id)
    .fetch_one(conn)
    .await
}

/// Which reloads a list shows: one app's, or the tenant's; with a status; after a cursor.
pub struct ListQuery<'a> {
    pub tenant_id: &'a str,
    pub app_id: Option<&'a str>,
    pub status: Option<ReloadStatus>,
    pub kind: Option<ReloadKind>,
    /// Leave out the apps of personal spaces (a tenant-wide list: theirs are their owners').
    pub shared_spaces_only: bool,
    /// The last row of the page before: its creation time and id.
    pub after: Option<(i64, String)>,
    pub limit: u32,
}

/// Newest first; one more row than the limit, to tell whether a next page exists.
pub async fn list(conn: &mut AnyConnection, q: &ListQuery<'_>) -> sqlx::Result<Vec<ReloadRow>> {
    let (after_at, after_id) = q.after.clone().unwrap_or((i64::MAX, String::new()));
    sqlx::query_as(&format!(
        "{SELECT} WHERE r.tenant_id = $1 AND ($2 = '' OR r.app_id = $2)
         AND ($8 = 0 OR a.space_id IN (SELECT id FROM spaces WHERE type <> 'personal')) AND ($3 = '' OR r.status = $3) AND ($4 = '' OR r.kind = $4)
         AND (r.created_at < $5 OR (r.created_at = $5 AND r.id < $6) OR $6 = '')
         ORDER BY r.created_at DESC, r.id DESC LIMIT $7"
    ))
    .bind(q.tenant_id)
    .bind(q.app_id.unwrap_or(""))
    .bind(q.status.map_or("", ReloadStatus::as_str))
    .bind(q.kind.map_or("", ReloadKind::as_str))
    .bind(after_at)
    .bind(after_id)
    .bind(i64::from(q.limit) + 1)
    .bind(i64::from(q.shared_spaces_only))
    .fetch_all(conn)
    .await
}

/// Moves a reload from one status to another; false when it was no longer in `from` (cancelled
/// meanwhile, or another process's).
pub async fn transition(
    conn: &mut AnyConnection,
    id: &str,
    from: &[ReloadStatus],
    to: ReloadStatus,
    now: i64,
) -> sqlx::Result<bool> {
    let from: Vec<&str> = from.iter().map(|s| s.as_str()).collect();
    let started = if to == ReloadStatus::Reloading {
        "started_at = $3,"
    } else {
        ""
    };
    let ended = if to.is_active() { "" } else { "ended_at = $3," };
    let done = sqlx::query(&format!(
        "UPDATE reloads SET {started} {ended} status = $2 WHERE id = $1 AND status IN ('{}')",
        from.join("', '")
    ))
    .bind(id)
    .bind(to.as_str())
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A reload's end: its status, log, error and rows per table.
pub async fn finish(
    conn: &mut AnyConnection,
    id: &str,
    status: ReloadStatus,
    log: &str,
    error: &str,
    tables: &[TableRows],
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE reloads SET status = $2, log = $3, error = $4, tables = $5, ended_at = $6, lease_owner = '' WHERE id = $1")
        .bind(id)
        .bind(status.as_str())
        .bind(log)
        .bind(error)
        .bind(serde_json::to_string(tables).unwrap_or_default())
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// Renews this process's claim on the reloads it runs.
pub async fn renew(conn: &mut AnyConnection, process: &str, until: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE reloads SET lease_until = $2 WHERE lease_owner = $1 AND status IN ('QUEUED', 'RELOADING', 'CANCELING')")
        .bind(process)
        .bind(until)
        .execute(conn)
        .await?;
    Ok(())
}

/// Reloads whose process stopped claiming them (killed): failed, with the reason. Returns their
/// ids.
pub async fn fail_abandoned(conn: &mut AnyConnection, now: i64) -> sqlx::Result<Vec<String>> {
    let ids: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM reloads WHERE status IN ('QUEUED', 'RELOADING', 'CANCELING') AND lease_until < $1",
    )
    .bind(now)
    .fetch_all(&mut *conn)
    .await?;
    for id in &ids {
        sqlx::query("UPDATE reloads SET status = 'FAILED', ended_at = $2, lease_owner = '', error = $3 WHERE id = $1 AND status IN ('QUEUED', 'RELOADING', 'CANCELING')")
            .bind(id)
            .bind(now)
            .bind("The server running this reload stopped before it finished. The app still shows the data it had: reload it again.")
            .execute(&mut *conn)
            .await?;
    }
    Ok(ids)
}
