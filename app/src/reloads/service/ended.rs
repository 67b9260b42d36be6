//! After a reload ends: its schedule's failed runs in a row (at the limit the schedule turns
//! itself off and says why), and, when it failed, the app's owner and whoever started it (a
//! schedule's owner) told in the portal and by email.

use sqlx::AnyConnection;

use super::store::{self, NewReload};
use crate::apps::store::get_app_by_id;
use crate::audit::model::AuditAction;
use crate::audit::service::{record, Actor, Target};
use crate::error::AppError;
use crate::ids::new_id;
use crate::notices::model::NoticeKind;
use crate::notices::service::{notify, send, Outgoing, Tell};
use crate::reload_tasks::model::DisabledCode;
use crate::reload_tasks::rules::{streak, MAX_CONSECUTIVE_FAILURES};
use crate::reload_tasks::store as tasks;
use crate::reloads::model::*;
use crate::state::AppState;

/// How a reload ended, to record with what follows from it.
pub struct End<'a> {
    pub status: ReloadStatus,
    pub log: &'a str,
    pub error: &'a str,
    pub tables: &'a [TableRows],
}

/// Settles what follows a reload's end (recording the end itself first, when given, in the same
/// transaction: whoever sees the reload ended sees its schedule's count too). Errors are
/// logged.
pub async fn ended(state: &AppState, id: &str, end: Option<End<'_>>) {
    if let Err(error) = settle(state, id, end).await {
        tracing::error!(%id, %error, "recording a reload's end failed");
    }
}

async fn settle(state: &AppState, id: &str, end: Option<End<'_>>) -> Result<(), AppError> {
    let now = state.now();
    let mut tx = state.db.begin().await?;
    if let Some(end) = end {
        store::finish(&mut tx, id, end.status, end.log, end.error, end.tables, now).await?;
    }
    let Some(row) = store::get(&mut tx, id).await? else {
        return Ok(());
    };
    let status = row.status();
    let failed = matches!(status, ReloadStatus::Failed | ReloadStatus::ExceededLimit);
    let when = crate::timefmt::short(row.created_at);
    let task = match row.task_id.as_str() {
        "" => None,
        task_id => tasks::get(&mut tx, task_id).await?,
    };
    // The schedule's failures in a row, and what it says: its last failure, or nothing once a
    // run succeeds (a cancelled run leaves both as they were).
    let mut off = None;
    if let Some(task) = &task {
        let (failures, turns_off) = streak(task.failures.max(0) as u32, status);
        let note = match status {
            _ if failed => format!("The run of {when} failed: {}", row.error),
            ReloadStatus::Succeeded => String::new(),
            _ => task.note.clone(),
        };
        if turns_off {
            off = Some((task, failures, note));
        } else {
            tasks::set_outcome(&mut tx, &task.id, failures, None, &note, now).await?;
        }
    }
    let mut outgoing = Vec::new();
    if failed {
        let owner = get_app_by_id(&mut tx, &row.app_id)
            .await?
            .and_then(|app| app.owner_id)
            .unwrap_or_default();
        let people = [owner.as_str(), row.user_id.as_str()];
        let app = &row.app_name;
        let by = if row.task_id.is_empty() {
            ""
        } else {
            "scheduled "
        };
        outgoing.extend(
            notify(
                &mut tx,
                state,
                &people,
                Tell {
                    kind: NoticeKind::ReloadFailed,
                    app_id: &row.app_id,
                    title: &format!("Reload failed: {app}"),
                    body: &format!(
                        "The {by}reload of {app} started {when} failed: {} The app still shows the data it had.",
                        row.error
                    ),
                },
            )
            .await?,
        );
        if let Some((task, failures, note)) = off {
            let off = Off {
                failures,
                code: DisabledCode::ConsecutiveFailures,
                note: &format!("Turned off after {MAX_CONSECUTIVE_FAILURES} failed runs in a row. {note}"),
                people: &people,
                told: &format!(
                    "The reload schedule of {app} failed {MAX_CONSECUTIVE_FAILURES} times in a row and turned itself off. The last error: {} Mend the cause, then turn the schedule on again on the app's page.",
                    row.error
                ),
            };
            outgoing.extend(turn_schedule_off(&mut tx, state, task, off).await?);
        }
    }
    tx.commit().await?;
    send(state, outgoing);
    Ok(())
}

/// Why a schedule turns off, and whom it tells.
pub struct Off<'a> {
    /// Its failures in a row, as they now are.
    pub failures: u32,
    pub code: DisabledCode,
    /// What the schedule says, on its page and in the audit log.
    pub note: &'a str,
    pub people: &'a [&'a str],
    /// What they are told.
    pub told: &'a str,
}

/// A schedule turned off (failed runs in a row, an owner gone): recorded with its reason,
/// audited, and the people told. Returns the emails to send once the transaction commits.
pub async fn turn_schedule_off(
    tx: &mut AnyConnection,
    state: &AppState,
    task: &tasks::TaskRow,
    off: Off<'_>,
) -> Result<Vec<Outgoing>, AppError> {
    let now = state.now();
    tasks::set_outcome(tx, &task.id, off.failures, Some(off.code), off.note, now).await?;
    let actor = Actor {
        tenant_id: &task.tenant_id,
        id: None,
        name: "a schedule",
    };
    let target = Target {
        kind: "app",
        id: &task.app_id,
        name: &task.app_name,
    };
    record(
        tx,
        now,
        &actor,
        AuditAction::ReloadTaskDisable,
        target,
        off.note,
    )
    .await?;
    let tell = Tell {
        kind: NoticeKind::ScheduleOff,
        app_id: &task.app_id,
        title: &format!("Reload schedule turned off: {}", task.app_name),
        body: off.told,
    };
    notify(tx, state, off.people, tell).await
}

/// A scheduled run that could not start (its owner may no longer reload the app, no licence):
/// a failed reload in the history, counted against the schedule, with its owner told.
pub async fn refused(state: &AppState, task: &tasks::TaskRow, error: &str) -> Result<(), AppError> {
    let now = state.now();
    let id = new_id();
    let mut conn = state.db.acquire().await?;
    store::insert(
        &mut conn,
        NewReload {
            id: &id,
            tenant_id: &task.tenant_id,
            app_id: &task.app_id,
            user_id: &task.user_id,
            kind: ReloadKind::Chronos,
            changes: "[]",
            plan: "",
            now,
            process: "",
            task_id: &task.id,
        },
    )
    .await?;
    drop(conn);
    ended(
        state,
        &id,
        Some(End {
            status: ReloadStatus::Failed,
            log: "The schedule's run could not start.",
            error,
            tables: &[],
        }),
    )
    .await;
    Ok(())
}
