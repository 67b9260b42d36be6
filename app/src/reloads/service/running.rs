//! Running a reload: a turn on this process, the load through the app's plan on one core, the
//! new data put in place in one transaction, and the record's end; the claim renewed meanwhile.

use std::sync::Arc;

use super::store::{self, ReloadRow};
use super::{prepare, Prepared};
use crate::audit::model::AuditAction;
use crate::audit::service::{record, Actor, Target};
use crate::content::store as content_store;
use crate::modelling::model::Plan;
use crate::reloads::model::*;
use crate::reloads::rules;
use crate::reloads::{LEASE_MS, MAX_DURATION_MS, MAX_LOG_CHARS};
use crate::sql::{lock_row, Parent};
use crate::state::AppState;

/// The data a successful reload put in place, under the plan it loaded with: the data-model
/// page shows it.
pub struct NewModel {
    pub model: Arc<engine::DataModel>,
    pub report: engine::LoadReport,
    pub plan: engine::LoadPlan,
}

/// What a finished reload loaded.
struct Loaded {
    tables: Vec<TableRows>,
    log: Vec<String>,
    new: NewModel,
}

/// Why a reload ended without new data.
enum Stopped {
    Failed(String),
    Canceled,
}

/// Runs a queued reload: waits for a turn, loads, swaps the data in, records the end. Its claim
/// on the reload is renewed while it runs. Returns the new data when it succeeded.
pub async fn run(state: AppState, id: String) -> Option<NewModel> {
    let Ok(_turn) = state.content.reload_turns.acquire().await else {
        return None;
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
    let mut new = None;
    if moved {
        let outcome = tokio::time::timeout(
            std::time::Duration::from_millis(MAX_DURATION_MS as u64),
            reload(&state, &id),
        )
        .await;
        let now = state.now();
        let (status, log, error, tables) = match outcome {
            Ok(Ok(loaded)) => {
                new = Some(loaded.new);
                (ReloadStatus::Succeeded, loaded.log, String::new(), loaded.tables)
            }
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
    new
}

/// The reload itself; its log either way.
async fn reload(state: &AppState, id: &str) -> Result<Loaded, (Stopped, Vec<String>)> {
    let mut log = Vec::new();
    match reload_steps(state, id, &mut log).await {
        Ok((tables, new)) => Ok(Loaded { tables, log, new }),
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
) -> Result<(Vec<TableRows>, NewModel), Stopped> {
    let mut conn = state.db.acquire().await.map_err(failed)?;
    let row = store::get(&mut conn, id)
        .await
        .map_err(failed)?
        .ok_or_else(|| failed("The app was deleted."))?;
    let changes: Vec<DataChange> = serde_json::from_str(&row.changes).unwrap_or_default();
    let asked: Option<Plan> = match row.plan.as_str() {
        "" => None,
        text => Some(serde_json::from_str(text).map_err(failed)?),
    };
    let prepared = prepare(&mut conn, &row.app_id, &row.user_id, &changes, asked)
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
    for source in &plan.sources {
        log.push(match (&source.query, &source.file) {
            (Some(query), _) => format!(
                "Reading {} (query: {})",
                source.name,
                query.split_whitespace().collect::<Vec<_>>().join(" ")
            ),
            (None, Some(file)) => format!("Reading {} ({file})", source.name),
            _ => format!("Reading {}", source.name),
        });
    }
    storage.promote(&row.app_id).map_err(failed)?;
    // The reload reads as the person who asked for it (a schedule: its owner), whose space
    // roles must still let them use the app's data connections.
    let principal = {
        let mut conn = state.db.acquire().await.map_err(failed)?;
        crate::auth::principal::load_principal(
            &mut conn,
            &row.user_id,
            crate::auth::principal::Credential::Console,
        )
        .await
        .map_err(failed)?
        .ok_or_else(|| {
            failed("The person who asked for this reload has no active account any more.")
        })?
    };
    // One core: the others keep answering the people looking at apps meanwhile.
    let (loaded, plan) =
        crate::connections::service::sources::read_and_load(state, &principal, paths, plan, 1)
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
    let version = match put_in_place(state, &row, &prepared, &plan, &model).await {
        Ok(version) => version,
        Err(Stopped::Canceled) => {
            log.push(
                "Cancelled before the new data was put in place: the app keeps its data.".into(),
            );
            return Err(Stopped::Canceled);
        }
        Err(failure) => return Err(failure),
    };
    log.push(format!("The new data is in place (load {version})."));
    for file in &prepared.uploads {
        storage.remove_staged(&file.id);
    }
    for file_id in &prepared.dropped {
        storage.remove_app_file(&row.app_id, file_id);
    }
    state.content.engines.new_data(&row.app_id, version);
    state.anonymous.engines.new_data(&row.app_id, version);
    // Collaborative sessions of the app move everyone to the new data at once.
    match crate::collab::service::new_data(state, &row.tenant_id, &row.app_id).await {
        Ok(0) => {}
        Ok(n) => log.push(format!(
            "{n} collaborative session{} moved to the new data.",
            if n == 1 { "" } else { "s" }
        )),
        Err(error) => log.push(format!(
            "Collaborative sessions were not told of the new data ({error}): they see it at their next change."
        )),
    }
    let new = NewModel {
        model,
        report: loaded.report,
        plan,
    };
    Ok((tables, new))
}

/// Puts the new data in place and returns its load's number. Its snapshot is written and its
/// model put in memory first (under the next load's number, which nothing reads yet); then one
/// short transaction makes it the app's: the app's lock (on SQLite, the one writer that every
/// visitor's new session waits for) is held for a rename, not for the write, and the first
/// request on the new data finds it in memory. Undone when the transaction does not commit.
async fn put_in_place(
    state: &AppState,
    row: &ReloadRow,
    prepared: &Prepared,
    plan: &engine::LoadPlan,
    model: &Arc<engine::DataModel>,
) -> Result<i64, Stopped> {
    let storage = state.content.storage.clone();
    let (current, _) = {
        let mut conn = state.db.acquire().await.map_err(failed)?;
        content_store::app_data(&mut conn, &row.app_id)
            .await
            .map_err(failed)?
    };
    let version = current + 1;
    let (app_id, tag, written) = (row.app_id.clone(), row.id.clone(), model.clone());
    let writer = storage.clone();
    let file =
        tokio::task::spawn_blocking(move || writer.prepare_snapshot(&app_id, &tag, &written))
            .await
            .map_err(failed)?
            .map_err(failed)?;
    let key = crate::content::engines::ModelKey {
        app_id: row.app_id.clone(),
        data_version: version,
        access: String::new(),
    };
    state.content.engines.insert(key.clone(), model.clone());
    state.anonymous.engines.insert(key.clone(), model.clone());
    let committed = commit(state, row, prepared, plan, model, &file, version).await;
    if committed.is_err() {
        let _ = std::fs::remove_file(&file);
        state.content.engines.forget(&key);
        state.anonymous.engines.forget(&key);
    }
    committed.map(|()| version)
}

/// The transaction that makes the prepared load `version` the app's: refused when the reload
/// was cancelled meanwhile, or when the app's data changed under it.
async fn commit(
    state: &AppState,
    row: &ReloadRow,
    prepared: &Prepared,
    plan: &engine::LoadPlan,
    model: &engine::DataModel,
    file: &std::path::Path,
    version: i64,
) -> Result<(), Stopped> {
    let storage = &state.content.storage;
    let plan_text = serde_json::to_string(plan).map_err(failed)?;
    let now = state.now();
    let mut tx = state.db.begin().await.map_err(failed)?;
    lock_row(&mut tx, Parent::App, &row.app_id)
        .await
        .map_err(failed)?;
    let current = store::get(&mut tx, &row.id).await.map_err(failed)?;
    if current.is_none_or(|r| r.status() != ReloadStatus::Reloading) {
        return Err(Stopped::Canceled);
    }
    let (now_version, _) = content_store::app_data(&mut tx, &row.app_id)
        .await
        .map_err(failed)?;
    if now_version + 1 != version {
        return Err(failed(
            "The app's data was replaced while this reload ran (it was published again): reload it again to load its files.",
        ));
    }
    content_store::set_app_data(&mut tx, &row.app_id, version, model.rows() as i64, now)
        .await
        .map_err(failed)?;
    crate::modelling::store::set_load_plan(&mut tx, &row.app_id, &plan_text)
        .await
        .map_err(failed)?;
    for upload in &prepared.uploads {
        content_store::attach_file(&mut tx, &upload.id, &row.app_id)
            .await
            .map_err(failed)?;
        storage
            .adopt_into(&upload.id, &storage.app_dir(&row.app_id))
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
    storage
        .place_snapshot(&row.app_id, file, version)
        .map_err(failed)?;
    tx.commit().await.map_err(failed)
}
