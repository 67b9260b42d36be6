//! Running a reload: a turn on this process, the load through the app's plan on one core, the
//! new data put in place in one transaction, and the record's end; the claim renewed meanwhile.

use std::sync::Arc;

use super::{prepare, store};
use crate::audit::model::AuditAction;
use crate::audit::service::{record, Actor, Target};
use crate::content::store as content_store;
use crate::reloads::model::*;
use crate::reloads::rules;
use crate::reloads::{LEASE_MS, MAX_DURATION_MS, MAX_LOG_CHARS};
use crate::sql::{lock_row, Parent};
use crate::state::AppState;

/// What a finished reload loaded.
struct Loaded {
    tables: Vec<TableRows>,
    log: Vec<String>,
}

/// Why a reload ended without new data.
enum Stopped {
    Failed(String),
    Canceled,
}

/// Runs a queued reload: waits for a turn, loads, swaps the data in, records the end. Its claim
/// on the reload is renewed while it runs.
pub async fn run(state: AppState, id: String) {
    let Ok(_turn) = state.content.reload_turns.acquire().await else {
        return;
    };
    let renewing = {
        let state = state.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(std::time::Duration::from_millis(LEASE_MS as u64 / 3)).await;
                if let Ok(mut conn) = state.db.acquire().await {
                    let _ = store::renew(
                        &mut conn,
                        &state.lifecycle.process_id,
                        state.now() + LEASE_MS,
                    )
                    .await;
                }
            }
        })
    };
    let started = state.now();
    let moved = match state.db.acquire().await {
        Ok(mut conn) => store::transition(
            &mut conn,
            &id,
            &[ReloadStatus::Queued],
            ReloadStatus::Reloading,
            started,
        )
        .await
        .unwrap_or(false),
        Err(_) => false,
    };
    if moved {
        let outcome = tokio::time::timeout(
            std::time::Duration::from_millis(MAX_DURATION_MS as u64),
            reload(&state, &id),
        )
        .await;
        let now = state.now();
        let (status, log, error, tables) = match outcome {
            Ok(Ok(loaded)) => (ReloadStatus::Succeeded, loaded.log, String::new(), loaded.tables),
            Ok(Err((Stopped::Canceled, log))) => (ReloadStatus::Canceled, log, String::new(), Vec::new()),
            Ok(Err((Stopped::Failed(error), log))) => (ReloadStatus::Failed, log, error, Vec::new()),
            Err(_) => (
                ReloadStatus::ExceededLimit,
                Vec::new(),
                format!("The reload took longer than {} minutes and was stopped. The app still shows the data it had.", MAX_DURATION_MS / 60_000),
                Vec::new(),
            ),
        };
        let mut log = log;
        log.push(format!(
            "{} after {:.1} s",
            status.label(),
            (now - started) as f64 / 1000.0
        ));
        let log = rules::bounded_log(&log.join("\n"), MAX_LOG_CHARS);
        super::ended(
            &state,
            &id,
            Some(super::ended::End {
                status,
                log: &log,
                error: &error,
                tables: &tables,
            }),
        )
        .await;
    }
    renewing.abort();
}

/// The reload itself; its log either way.
async fn reload(state: &AppState, id: &str) -> Result<Loaded, (Stopped, Vec<String>)> {
    let mut log = Vec::new();
    match reload_steps(state, id, &mut log).await {
        Ok(tables) => Ok(Loaded { tables, log }),
        Err(stopped) => Err((stopped, log)),
    }
}

fn failed(error: impl std::fmt::Display) -> Stopped {
    Stopped::Failed(error.to_string())
}

async fn reload_steps(
    state: &AppState,
    id: &str,
    log: &mut Vec<String>,
) -> Result<Vec<TableRows>, Stopped> {
    let mut conn = state.db.acquire().await.map_err(failed)?;
    let row = store::get(&mut conn, id)
        .await
        .map_err(failed)?
        .ok_or_else(|| failed("The app was deleted."))?;
    let changes: Vec<DataChange> = serde_json::from_str(&row.changes).unwrap_or_default();
    let prepared = prepare(&mut conn, &row.app_id, &row.user_id, &changes)
        .await
        .map_err(failed)?;
    if prepared.uploads.len() != changes.len() {
        return Err(failed(
            "An upload of this reload is no longer there. Upload the file again.",
        ));
    }
    drop(conn);
    let storage = state.content.storage.clone();
    let mut paths = Vec::new();
    for file in &prepared.kept {
        paths.push((file.name.clone(), storage.app_file(&row.app_id, &file.id)));
        log.push(format!("Reading {} ({} bytes)", file.name, file.size_bytes));
    }
    for file in &prepared.uploads {
        paths.push((file.name.clone(), storage.staging_file(&file.id)));
        log.push(format!(
            "Reading {} ({} bytes, new)",
            file.name, file.size_bytes
        ));
    }
    let plan: engine::LoadPlan =
        crate::modelling::service::to_engine(&prepared.plan).map_err(failed)?;
    let plan_text = serde_json::to_string(&plan).map_err(failed)?;
    storage.promote(&row.app_id).map_err(failed)?;
    // One core: the others keep answering the people looking at apps meanwhile.
    let (loaded, _) = crate::modelling::service::read_and_load(paths, plan, 1)
        .await
        .map_err(failed)?;
    let tables: Vec<TableRows> = loaded
        .report
        .tables
        .iter()
        .map(|t| TableRows {
            table: t.name.clone(),
            rows: t.rows as i64,
        })
        .collect();
    for table in &tables {
        log.push(format!("{}: {} rows", table.table, table.rows));
    }
    for warning in &loaded.report.warnings {
        log.push(format!("Warning: {}", warning.message));
    }
    let model = Arc::new(loaded.model);

    let now = state.now();
    let mut tx = state.db.begin().await.map_err(failed)?;
    lock_row(&mut tx, Parent::App, &row.app_id)
        .await
        .map_err(failed)?;
    let current = store::get(&mut tx, id).await.map_err(failed)?;
    if current.is_none_or(|r| r.status() != ReloadStatus::Reloading) {
        log.push("Cancelled before the new data was put in place: the app keeps its data.".into());
        return Err(Stopped::Canceled);
    }
    let (version, _) = content_store::app_data(&mut tx, &row.app_id)
        .await
        .map_err(failed)?;
    let version = version + 1;
    let (snapshot_app, snapshot_model) = (row.app_id.clone(), model.clone());
    let writer = storage.clone();
    tokio::task::spawn_blocking(move || {
        writer.write_snapshot(&snapshot_app, version, &snapshot_model)
    })
    .await
    .map_err(failed)?
    .map_err(failed)?;
    content_store::set_app_data(&mut tx, &row.app_id, version, model.rows() as i64, now)
        .await
        .map_err(failed)?;
    crate::modelling::store::set_load_plan(&mut tx, &row.app_id, &plan_text)
        .await
        .map_err(failed)?;
    for file in &prepared.uploads {
        content_store::attach_file(&mut tx, &file.id, &row.app_id)
            .await
            .map_err(failed)?;
        storage
            .adopt_into(&file.id, &storage.app_dir(&row.app_id))
            .map_err(failed)?;
    }
    for file_id in &prepared.dropped {
        content_store::delete_app_file(&mut tx, &row.app_id, file_id)
            .await
            .map_err(failed)?;
    }
    let actor = Actor {
        tenant_id: &row.tenant_id,
        id: (!row.user_id.is_empty()).then_some(row.user_id.as_str()),
        name: row.user_name.as_deref().unwrap_or("a schedule"),
    };
    record(
        &mut tx,
        now,
        &actor,
        AuditAction::AppLoad,
        Target {
            kind: "app",
            id: &row.app_id,
            name: &row.app_name,
        },
        format!("reloaded: {} rows", model.rows()),
    )
    .await
    .map_err(failed)?;
    tx.commit().await.map_err(failed)?;
    log.push(format!("The new data is in place (load {version})."));
    for file in &prepared.uploads {
        storage.remove_staged(&file.id);
    }
    for file_id in &prepared.dropped {
        storage.remove_app_file(&row.app_id, file_id);
    }
    // The new model is served from memory at once, to signed-in viewers and visitors alike:
    // their next request needs no snapshot read.
    let key = crate::content::engines::ModelKey {
        app_id: row.app_id.clone(),
        data_version: version,
        access: String::new(),
    };
    state.content.engines.insert(key.clone(), model.clone());
    state.anonymous.engines.insert(key, model.clone());
    state.content.engines.new_data(&row.app_id, version);
    state.anonymous.engines.new_data(&row.app_id, version);
    Ok(tables)
}
