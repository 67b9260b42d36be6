//! The `reload_tasks` table: one row per schedule, with its next run, which a process takes by
//! moving it on (so a run happens once across the processes).

use sqlx::AnyConnection;

use super::model::*;

#[derive(sqlx::FromRow, Clone, Debug)]
pub struct TaskRow {
    pub id: String,
    pub tenant_id: String,
    pub app_id: String,
    pub app_name: String,
    pub user_id: String,
    pub user_name: Option<String>,
    pub recurrence: String,
    pub time_zone: String,
    pub start_local: String,
    pub end_local: String,
    pub state: String,
    pub disabled_code: String,
    pub note: String,
    pub failures: i64,
    pub next_at: Option<i64>,
    pub last_run_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl TaskRow {
    pub fn state(&self) -> TaskState {
        TaskState::parse(&self.state).unwrap_or(TaskState::Disabled)
    }

    pub fn recurrence(&self) -> Vec<String> {
        serde_json::from_str(&self.recurrence).unwrap_or_default()
    }
}

const SELECT: &str = "SELECT t.id, t.tenant_id, t.app_id, a.name AS app_name, t.user_id, u.name AS user_name, t.recurrence, t.time_zone, t.start_local, t.end_local, t.state, t.disabled_code, t.note, t.failures, t.next_at, t.last_run_at, t.created_at, t.updated_at FROM reload_tasks t JOIN apps a ON a.id = t.app_id LEFT JOIN users u ON u.id = t.user_id";

/// A schedule as a person sets it, checked, with its next run. One set off is off
/// `MANUALLY`; writing it clears its note and its failures in a row.
pub struct Written {
    /// RRULE lines, as JSON.
    pub recurrence: String,
    pub time_zone: String,
    pub start_local: String,
    pub end_local: String,
    pub enabled: bool,
    pub next_at: Option<i64>,
}

impl Written {
    fn state(&self) -> TaskState {
        if self.enabled {
            TaskState::Enabled
        } else {
            TaskState::Disabled
        }
    }

    fn disabled_code(&self) -> &'static str {
        if self.enabled {
            ""
        } else {
            DisabledCode::Manually.as_str()
        }
    }
}

pub async fn insert(
    conn: &mut AnyConnection,
    id: &str,
    tenant_id: &str,
    app_id: &str,
    user_id: &str,
    written: &Written,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO reload_tasks (id, tenant_id, app_id, user_id, recurrence, time_zone, start_local, end_local, state, disabled_code, note, failures, next_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, '', 0, $11, $12, $12)")
        .bind(id)
        .bind(tenant_id)
        .bind(app_id)
        .bind(user_id)
        .bind(&written.recurrence)
        .bind(&written.time_zone)
        .bind(&written.start_local)
        .bind(&written.end_local)
        .bind(written.state().as_str())
        .bind(written.disabled_code())
        .bind(written.next_at)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// A schedule changed by a person: its failures in a row start again from none.
pub async fn rewrite(
    conn: &mut AnyConnection,
    id: &str,
    written: &Written,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE reload_tasks SET recurrence = $2, time_zone = $3, start_local = $4, end_local = $5, state = $6, disabled_code = $7, note = '', next_at = $8, failures = 0, updated_at = $9 WHERE id = $1")
        .bind(id)
        .bind(&written.recurrence)
        .bind(&written.time_zone)
        .bind(&written.start_local)
        .bind(&written.end_local)
        .bind(written.state().as_str())
        .bind(written.disabled_code())
        .bind(written.next_at)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn get(conn: &mut AnyConnection, id: &str) -> sqlx::Result<Option<TaskRow>> {
    sqlx::query_as(&format!("{SELECT} WHERE t.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

pub async fn delete(conn: &mut AnyConnection, id: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM reload_tasks WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn count_of_app(conn: &mut AnyConnection, app_id: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM reload_tasks WHERE app_id = $1")
        .bind(app_id)
        .fetch_one(conn)
        .await
}

/// One app's schedules, or the tenant's (leaving out personal spaces' apps), oldest first,
/// after a cursor; one more than the limit.
pub async fn list(
    conn: &mut AnyConnection,
    tenant_id: &str,
    app_id: Option<&str>,
    after: Option<(i64, String)>,
    limit: u32,
) -> sqlx::Result<Vec<TaskRow>> {
    let (after_at, after_id) = after.unwrap_or((i64::MIN, String::new()));
    sqlx::query_as(&format!(
        "{SELECT} WHERE t.tenant_id = $1 AND ($2 = '' OR t.app_id = $2)
         AND ($2 <> '' OR a.space_id IN (SELECT id FROM spaces WHERE type <> 'personal'))
         AND (t.created_at > $3 OR (t.created_at = $3 AND t.id > $4) OR $4 = '')
         ORDER BY t.created_at, t.id LIMIT $5"
    ))
    .bind(tenant_id)
    .bind(app_id.unwrap_or(""))
    .bind(after_at)
    .bind(after_id)
    .bind(i64::from(limit) + 1)
    .fetch_all(conn)
    .await
}

/// Enabled schedules whose next run has come, oldest first.
pub async fn due(conn: &mut AnyConnection, now: i64, limit: i64) -> sqlx::Result<Vec<TaskRow>> {
    sqlx::query_as(&format!(
        "{SELECT} WHERE t.state = 'Enabled' AND t.next_at IS NOT NULL AND t.next_at <= $1 ORDER BY t.next_at LIMIT $2"
    ))
    .bind(now)
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// Takes a due run: moves the next run on from `was` to `next` (none: the schedule ended, and
/// it is marked completed). False when another process took it first.
pub async fn take_run(
    conn: &mut AnyConnection,
    id: &str,
    was: i64,
    next: Option<i64>,
    now: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE reload_tasks SET next_at = $3, last_run_at = $4, state = CASE WHEN $3 IS NULL THEN 'Completed' ELSE state END, updated_at = $4 WHERE id = $1 AND next_at = $2 AND state = 'Enabled'",
    )
    .bind(id)
    .bind(was)
    .bind(next)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A run's outcome: the failures in a row, and (when it turned off) why.
pub async fn set_outcome(
    conn: &mut AnyConnection,
    id: &str,
    failures: u32,
    turned_off: Option<DisabledCode>,
    note: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE reload_tasks SET failures = $2, note = $3, updated_at = $4,
         state = CASE WHEN $5 = '' THEN state ELSE 'Disabled' END,
         next_at = CASE WHEN $5 = '' THEN next_at ELSE NULL END,
         disabled_code = CASE WHEN $5 = '' THEN disabled_code ELSE $5 END
         WHERE id = $1",
    )
    .bind(id)
    .bind(i64::from(failures))
    .bind(note)
    .bind(now)
    .bind(turned_off.map_or("", DisabledCode::as_str))
    .execute(conn)
    .await?;
    Ok(())
}
