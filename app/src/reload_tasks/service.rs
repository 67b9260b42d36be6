//! Reload schedules: made, changed and removed by those who may reload the app; run by the
//! scheduler (`run_due_tasks`, every few seconds on every process), each run taken by one
//! process only. A run reloads the app as the schedule's owner, with the owner's access and
//! licence as they are at that moment.

use sqlx::AnyConnection;

use super::model::*;
use super::rules::recurrence::{describe, Civil};
use super::rules::schedule::Schedule;
use super::store::{self, TaskRow, Written};
use crate::access::load_app;
use crate::audit::model::AuditAction;
use crate::audit::service::{record, Target};
use crate::auth::principal::{load_principal, Credential, Principal};
use crate::error::AppError;
use crate::ids::new_id;
use crate::notices::service::send;
use crate::paging::{decode_time_cursor, encode_cursor, page_size};
use crate::reloads::model::ReloadKind;
use crate::reloads::service::ended::{turn_schedule_off, Off};
use crate::sharing::rules::{Access, AppAction};
use crate::state::AppState;

fn check_editor(access: &Access) -> Result<(), AppError> {
    if access.can(AppAction::Reload) {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "Reload schedules are for those who may reload the app: its editors, and for a published app those who Can manage or Can operate its space.",
        ))
    }
}

fn invalid(message: String) -> AppError {
    AppError::invalid("schedule", message)
}

/// A schedule as a person set it, read and checked, as it is written: the start defaults to
/// now (to the minute), and one that is on needs a run to come.
fn written(input: &TaskInput, now: i64) -> Result<Written, AppError> {
    let start = if input.start.trim().is_empty() {
        let probe = Schedule::new(
            &input.recurrence,
            &input.time_zone,
            "2000-01-01T00:00:00",
            "",
        )
        .map_err(invalid)?;
        let local = probe.local(now);
        Civil {
            days: local.days,
            seconds: local.seconds - local.seconds % 60,
        }
        .iso()
    } else {
        input.start.clone()
    };
    let schedule =
        Schedule::new(&input.recurrence, &input.time_zone, &start, &input.end).map_err(invalid)?;
    let next = schedule.next_after(now);
    if input.enabled && next.is_none() {
        return Err(invalid(
            "This schedule has no run after now: its end, COUNT or UNTIL has passed, or its rules name no day that exists. Change the rule or the end.".into(),
        ));
    }
    Ok(Written {
        recurrence: serde_json::to_string(&input.recurrence).map_err(AppError::internal)?,
        time_zone: schedule.zone_name().to_string(),
        start_local: schedule.start().iso(),
        end_local: schedule.end().map(Civil::iso).unwrap_or_default(),
        enabled: input.enabled,
        next_at: next.filter(|_| input.enabled),
    })
}

/// A task as it is shown, with its schedule in words and its next runs.
pub fn to_task(row: &TaskRow) -> ReloadTask {
    let recurrence = row.recurrence();
    let schedule = Schedule::new(
        &recurrence,
        &row.time_zone,
        &row.start_local,
        &row.end_local,
    )
    .ok();
    let words = match &schedule {
        Some(s) => format!(
            "{} ({})",
            s.rules()
                .iter()
                .map(|r| describe(r, s.start()))
                .collect::<Vec<_>>()
                .join("; "),
            s.zone_name()
        ),
        None => "A schedule that can no longer be read".into(),
    };
    let then = match (&schedule, row.next_at, row.state()) {
        (Some(s), Some(next), TaskState::Enabled) => s.upcoming(next, 3),
        _ => Vec::new(),
    };
    ReloadTask {
        id: row.id.clone(),
        app_id: row.app_id.clone(),
        app_name: row.app_name.clone(),
        tenant_id: row.tenant_id.clone(),
        user_id: row.user_id.clone(),
        user_name: row.user_name.clone().unwrap_or_default(),
        recurrence,
        time_zone: row.time_zone.clone(),
        start: row.start_local.clone(),
        end: row.end_local.clone(),
        state: row.state(),
        disabled_code: super::model::DisabledCode::parse(&row.disabled_code),
        words,
        note: row.note.clone(),
        failures: row.failures.max(0) as u32,
        last_run_at: row.last_run_at,
        next_run_at: row.next_at.filter(|_| row.state() == TaskState::Enabled),
        then,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

async fn audit(
    conn: &mut AnyConnection,
    now: i64,
    principal: &Principal,
    action: AuditAction,
    (id, name): (&str, &str),
    detail: String,
) -> Result<(), AppError> {
    let target = Target {
        kind: "app",
        id,
        name,
    };
    record(conn, now, &principal.actor(), action, target, detail).await
}

/// Makes a schedule for an app; its owner is the caller, whose reloads its runs are.
pub async fn create_reload_task(
    state: &AppState,
    principal: &Principal,
    app_id: &str,
    input: TaskInput,
) -> Result<ReloadTask, AppError> {
    let now = state.now();
    let written = written(&input, now)?;
    let mut tx = state.db.begin().await?;
    let (app, _, access) = load_app(&mut tx, principal, app_id).await?;
    check_editor(&access)?;
    crate::sql::lock_row(&mut tx, crate::sql::Parent::App, &app.id).await?;
    if store::count_of_app(&mut tx, &app.id).await? >= super::MAX_TASKS_PER_APP {
        return Err(AppError::conflict(format!(
            "This app has {} reload schedules, the most it may have: change one, or remove one first.",
            super::MAX_TASKS_PER_APP
        )));
    }
    let id = new_id();
    store::insert(
        &mut tx,
        &id,
        &app.tenant_id,
        &app.id,
        &principal.user_id,
        &written,
        now,
    )
    .await?;
    let row = store::get(&mut tx, &id)
        .await?
        .ok_or_else(|| AppError::internal("the schedule just made"))?;
    let task = to_task(&row);
    audit(
        &mut tx,
        now,
        principal,
        AuditAction::ReloadTaskCreate,
        (&app.id, &app.name),
        task.words.clone(),
    )
    .await?;
    tx.commit().await?;
    Ok(task)
}

/// A schedule the caller may see: one of an app they may open.
async fn visible(
    conn: &mut AnyConnection,
    principal: &Principal,
    id: &str,
) -> Result<(TaskRow, Access), AppError> {
    let not_found =
        || AppError::not_found("There is no such reload schedule, or you cannot see its app.");
    let row = store::get(conn, id).await?.ok_or_else(not_found)?;
    if row.tenant_id != principal.tenant_id {
        return Err(not_found());
    }
    let (_, _, access) = load_app(conn, principal, &row.app_id)
        .await
        .map_err(|_| not_found())?;
    Ok((row, access))
}

pub async fn get_reload_task(
    state: &AppState,
    principal: &Principal,
    id: &str,
) -> Result<ReloadTask, AppError> {
    let mut conn = state.db.acquire().await?;
    Ok(to_task(&visible(&mut conn, principal, id).await?.0))
}

/// Changes a schedule (its rule, zone, start, end, or whether it is on). Turning it on again
/// clears its failures in a row.
pub async fn update_reload_task(
    state: &AppState,
    principal: &Principal,
    id: &str,
    input: TaskInput,
) -> Result<ReloadTask, AppError> {
    let now = state.now();
    let written = written(&input, now)?;
    let mut tx = state.db.begin().await?;
    let (row, access) = visible(&mut tx, principal, id).await?;
    check_editor(&access)?;
    store::rewrite(&mut tx, id, &written, now).await?;
    let row_after = store::get(&mut tx, id)
        .await?
        .ok_or_else(|| AppError::internal("the schedule just changed"))?;
    let task = to_task(&row_after);
    let detail = if input.enabled {
        task.words.clone()
    } else {
        format!("turned off: {}", task.words)
    };
    audit(
        &mut tx,
        now,
        principal,
        AuditAction::ReloadTaskUpdate,
        (&row.app_id, &row.app_name),
        detail,
    )
    .await?;
    tx.commit().await?;
    Ok(task)
}

pub async fn delete_reload_task(
    state: &AppState,
    principal: &Principal,
    id: &str,
) -> Result<(), AppError> {
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let (row, access) = visible(&mut tx, principal, id).await?;
    check_editor(&access)?;
    store::delete(&mut tx, id).await?;
    let words = to_task(&row).words;
    audit(
        &mut tx,
        now,
        principal,
        AuditAction::ReloadTaskDelete,
        (&row.app_id, &row.app_name),
        words,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// One app's schedules (for those who may open it), or the tenant's (for those who manage the
/// spaces), oldest first.
pub async fn list_reload_tasks(
    state: &AppState,
    principal: &Principal,
    app_id: Option<&str>,
    limit: u32,
    next: Option<&str>,
) -> Result<TaskPage, AppError> {
    let mut conn = state.db.acquire().await?;
    let can_edit = match app_id {
        Some(app_id) => load_app(&mut conn, principal, app_id)
            .await?
            .2
            .can(AppAction::Reload),
        None => {
            principal.require(crate::directory::rules::Permission::ManageSpaces).map_err(|_| {
                AppError::forbidden("The schedules of every app are shown to those who manage the spaces: ask for one app's schedules with appId.")
            })?;
            false
        }
    };
    let after = next.map(decode_time_cursor).transpose()?;
    let limit = page_size(limit);
    let rows = store::list(&mut conn, &principal.tenant_id, app_id, after, limit).await?;
    let page = crate::paging::paginate(
        rows,
        limit,
        |r| encode_cursor(&r.created_at.to_string(), &r.id),
        |rows| rows.iter().map(to_task).collect(),
    );
    Ok(TaskPage {
        tasks: page.items,
        next: page.next,
        can_edit,
    })
}

/// The scheduler's tick: every schedule whose run has come is taken (by one process only) and
/// its reload started as its owner. A run missed while no process was up runs once, late.
/// Returns how many runs this process took.
pub async fn run_due_tasks(state: &AppState) -> Result<usize, AppError> {
    let now = state.now();
    let mut conn = state.db.acquire().await?;
    let due = store::due(&mut conn, now, 20).await?;
    let mut taken = Vec::new();
    for task in due {
        let Some(was) = task.next_at else { continue };
        let next = Schedule::new(
            &task.recurrence(),
            &task.time_zone,
            &task.start_local,
            &task.end_local,
        )
        .ok()
        .and_then(|s| s.next_after(now));
        if store::take_run(&mut conn, &task.id, was, next, now).await? {
            taken.push(task);
        }
    }
    drop(conn);
    let count = taken.len();
    for task in taken {
        if let Err(error) = run_task(state, &task).await {
            tracing::error!(task = %task.id, %error, "a scheduled reload did not start");
        }
    }
    Ok(count)
}

async fn run_task(state: &AppState, task: &TaskRow) -> Result<(), AppError> {
    let mut conn = state.db.acquire().await?;
    let owner = load_principal(
        &mut conn,
        &task.user_id,
        Credential::Schedule {
            task_id: task.id.clone(),
        },
    )
    .await?;
    let Some(owner) = owner else {
        let exists = crate::notices::store::user_exists(&mut conn, &task.user_id).await?;
        drop(conn);
        return owner_gone(
            state,
            task,
            if exists {
                DisabledCode::OwnerDisabled
            } else {
                DisabledCode::OwnerDeleted
            },
        )
        .await;
    };
    drop(conn);
    match crate::reloads::service::create_reload(
        state,
        &owner,
        &task.app_id,
        Vec::new(),
        ReloadKind::Chronos,
    )
    .await
    {
        Ok(_) => Ok(()),
        // Already reloading, or the tenant's reloads are all busy: this run is skipped.
        Err(AppError::Conflict(message)) | Err(AppError::TooManyRequests { message, .. }) => {
            let mut conn = state.db.acquire().await?;
            let note = format!(
                "Skipped the run of {}: {message}",
                crate::timefmt::short(state.now())
            );
            store::set_outcome(
                &mut conn,
                &task.id,
                task.failures.max(0) as u32,
                None,
                &note,
                state.now(),
            )
            .await?;
            Ok(())
        }
        Err(error) => crate::reloads::service::refused(state, task, &error.to_string()).await,
    }
}

/// The owner is gone or disabled: the schedule turns off, and the app's owner is told.
async fn owner_gone(state: &AppState, task: &TaskRow, code: DisabledCode) -> Result<(), AppError> {
    let owner = task.user_name.clone().unwrap_or_else(|| "its owner".into());
    let why = match code {
        DisabledCode::OwnerDeleted => {
            format!("Turned off: {owner}, whose reloads these were, was removed.")
        }
        _ => format!("Turned off: {owner}, whose reloads these were, is no longer active."),
    };
    let mut tx = state.db.begin().await?;
    let app_owner = crate::apps::store::get_app_by_id(&mut tx, &task.app_id)
        .await?
        .and_then(|a| a.owner_id)
        .unwrap_or_default();
    let off = Off {
        failures: task.failures.max(0) as u32,
        code,
        note: &why,
        people: &[app_owner.as_str()],
        told: &format!("{why} Make a new schedule for the app if it should go on reloading."),
    };
    let outgoing = turn_schedule_off(&mut tx, state, task, off).await?;
    tx.commit().await?;
    send(state, outgoing);
    Ok(())
}
