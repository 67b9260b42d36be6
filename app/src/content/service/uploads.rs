//! Uploads: staging CSV files, and making an app from them.

use super::*;
use crate::audit::model::AuditAction;

/// Where an upload goes before it is checked: a new file id and its staging path.
pub fn upload_target(
    state: &AppState,
    name: &str,
) -> Result<(String, String, std::path::PathBuf), AppError> {
    let name = rules::check_file_name(name)?;
    let id = new_id();
    let path = state.content.storage.staging_file(&id);
    std::fs::create_dir_all(path.parent().unwrap_or(std::path::Path::new(".")))
        .map_err(AppError::internal)?;
    Ok((id, name, path))
}

/// The upload limit in words, for the error that names it.
pub fn upload_limit_error(state: &AppState) -> AppError {
    AppError::TooLarge(format!("The file is larger than the upload limit of {} MB. Split it, or ask an administrator to raise max_upload_mb.", state.settings.max_upload_bytes / (1024 * 1024)))
}

/// Bytes the caller may still upload before their staged uploads reach `max_staged_bytes`.
pub async fn staging_left(state: &AppState, principal: &Principal) -> Result<u64, AppError> {
    let mut conn = state.db.acquire().await?;
    let staged = store::staged_bytes(&mut conn, &principal.user_id)
        .await?
        .max(0) as u64;
    Ok(state.settings.max_staged_bytes.saturating_sub(staged))
}

/// The staged-upload quota in words.
pub fn staging_quota_error(state: &AppState) -> AppError {
    AppError::TooLarge(format!(
        "Your uploads waiting to become apps would pass {} MB. Make an app from them, or wait: uploads no app was made from are removed after a day.",
        state.settings.max_staged_bytes / (1024 * 1024)
    ))
}

/// Stages a whole file held in memory, as the upload route does with a streamed one (the demo
/// tenant's generated data; service tests).
pub async fn stage_file(
    state: &AppState,
    principal: &Principal,
    name: &str,
    bytes: &[u8],
) -> Result<DataFile, AppError> {
    let (id, name, path) = upload_target(state, name)?;
    if bytes.len() as u64 > state.settings.max_upload_bytes {
        return Err(upload_limit_error(state));
    }
    if bytes.len() as u64 > staging_left(state, principal).await? {
        return Err(staging_quota_error(state));
    }
    tokio::fs::write(&path, bytes)
        .await
        .map_err(AppError::internal)?;
    register_upload(state, principal, &id, &name, bytes.len() as u64).await
}

/// Records a staged upload once its bytes are on disk.
pub async fn register_upload(
    state: &AppState,
    principal: &Principal,
    id: &str,
    name: &str,
    size: u64,
) -> Result<DataFile, AppError> {
    if size == 0 {
        state.content.storage.remove_staged(id);
        return Err(AppError::invalid(
            "file",
            format!("{name} is empty: a CSV file needs a header row and at least one row of data."),
        ));
    }
    // The quota is checked again as the upload is counted, under a lock: uploads sent side by
    // side each passed the check made before their bytes arrived, and together may not fit.
    let mut tx = state.db.begin().await?;
    crate::sql::lock_row(&mut tx, crate::sql::Parent::Tenant, &principal.tenant_id).await?;
    let staged = store::staged_bytes(&mut tx, &principal.user_id)
        .await?
        .max(0) as u64;
    if staged + size > state.settings.max_staged_bytes {
        drop(tx);
        state.content.storage.remove_staged(id);
        return Err(staging_quota_error(state));
    }
    store::insert_file(
        &mut tx,
        id,
        &principal.tenant_id,
        &principal.user_id,
        name,
        size as i64,
        state.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(DataFile {
        id: id.to_string(),
        name: name.to_string(),
        size_bytes: size as i64,
    })
}

/// How long an upload waits for an app to be made from it.
pub const STAGED_UPLOAD_MS: i64 = 24 * 60 * 60 * 1000;

/// Housekeeping: forgets uploads nobody made an app from within a day; returns how many.
pub async fn forget_stale_uploads(state: &AppState) -> Result<usize, AppError> {
    let mut conn = state.db.acquire().await?;
    let stale = store::stale_staged_files(&mut conn, state.now() - STAGED_UPLOAD_MS).await?;
    for id in &stale {
        store::delete_file(&mut conn, id).await?;
        state.content.storage.remove_staged(id);
    }
    Ok(stale.len())
}

/// How long an app's data may wait under `incoming/` for its transaction to commit before
/// housekeeping takes it for the leftover of a failed one.
pub const INCOMING_MS: u64 = 60 * 60 * 1000;

/// Housekeeping: removes the data of apps that are gone without passing through `delete_app`
/// (a personal space's apps go with their user's account by cascade), finishes moving the data
/// of committed apps out of `incoming/` (a crash between commit and move), and removes incoming
/// data left by transactions that failed over an hour ago. Returns how many apps' data went.
pub async fn forget_orphaned_app_data(state: &AppState) -> Result<usize, AppError> {
    let mut conn = state.db.acquire().await?;
    let storage = &state.content.storage;
    let mut removed = 0;
    for (app_id, age) in storage.incoming() {
        if store::app_exists(&mut conn, &app_id).await? {
            storage.promote(&app_id).map_err(AppError::internal)?;
        } else if age.as_millis() as u64 > INCOMING_MS {
            storage.remove_incoming(&app_id);
            removed += 1;
        }
    }
    for app_id in storage.app_ids() {
        if !store::app_exists(&mut conn, &app_id).await? {
            forget_app(state, &app_id);
            removed += 1;
        }
    }
    Ok(removed)
}

/// Loads an app's CSV files again under its plan, when its snapshot cannot be read (`models`):
/// the engine's one load (`engine::load`); errors name the file, line and column.
pub(super) fn load_files(
    files: Vec<(String, Vec<u8>)>,
    plan: Option<engine::LoadPlan>,
) -> Result<(DataModel, engine::LoadPlan), AppError> {
    let named: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let plan = plan.unwrap_or_else(|| {
        crate::modelling::service::default_plan(&named.iter().map(|(n, _)| *n).collect::<Vec<_>>())
    });
    DataModel::load(&plan, &named)
        .map(|loaded| (loaded.model, plan))
        .map_err(|e| AppError::invalid("files", e.to_string()))
}

/// Makes an app from staged uploads. The files load first; only when every one loads is the
/// app created, with its data, a snapshot and a first sheet, in one transaction: a bad file
/// leaves no app behind, and the uploads stay staged to try again.
pub async fn create_app_from_uploads(
    state: &AppState,
    principal: &Principal,
    input: NewApp,
    file_ids: Vec<String>,
) -> Result<App, AppError> {
    create_app_with_plan(state, principal, input, file_ids, None).await
}

/// `create_app_from_uploads` with the load plan its maker chose on the data-model step (none:
/// the default one).
pub async fn create_app_with_plan(
    state: &AppState,
    principal: &Principal,
    input: NewApp,
    file_ids: Vec<String>,
    plan: Option<crate::modelling::model::Plan>,
) -> Result<App, AppError> {
    if file_ids.is_empty() && plan.as_ref().is_none_or(|p| p.sources.is_empty()) {
        return Err(AppError::invalid(
            "files",
            "Upload at least one CSV file, or pick a table of a data connection.",
        ));
    }
    if file_ids.len() > rules::MAX_FILES_PER_APP {
        return Err(AppError::invalid(
            "files",
            format!(
                "An app loads at most {} files; {} were given.",
                rules::MAX_FILES_PER_APP,
                file_ids.len()
            ),
        ));
    }
    let mut files = Vec::new();
    {
        let mut conn = state.db.acquire().await?;
        for id in &file_ids {
            let file = store::staged_file(&mut conn, &principal.user_id, id)
                .await?
                .ok_or_else(|| {
                    AppError::invalid(
                        "files",
                        "An upload is no longer there. Upload the file again.",
                    )
                })?;
            if files.iter().any(|f: &store::FileRow| {
                rules::table_name(&f.name).eq_ignore_ascii_case(&rules::table_name(&file.name))
            }) {
                return Err(AppError::invalid("files", format!("Two files are named {}: each file becomes a table, so give each its own name.", file.name)));
            }
            files.push(file);
        }
    }
    let names: Vec<String> = files.iter().map(|f| f.name.clone()).collect();
    let plan = match plan {
        Some(plan) => {
            crate::modelling::rules::check_plan(&plan, &names)?;
            crate::modelling::service::to_engine(&plan)?
        }
        None => crate::modelling::service::default_plan(
            &names.iter().map(String::as_str).collect::<Vec<_>>(),
        ),
    };
    let storage = state.content.storage.clone();
    let to_read: Vec<(String, std::path::PathBuf)> = files
        .iter()
        .map(|f| (f.name.clone(), storage.staging_file(&f.id)))
        .collect();
    let (loaded, plan) =
        crate::connections::service::sources::read_and_load(state, principal, to_read, plan, 0)
            .await?;
    let model = loaded.model;

    let now = state.now();
    let mut tx = state.db.begin().await?;
    let row = crate::apps::service::insert_new_app(&mut tx, principal, &input, now).await?;
    for file in &files {
        store::attach_file(&mut tx, &file.id, &row.id).await?;
    }
    store::set_app_data(&mut tx, &row.id, 1, model.rows() as i64, now).await?;
    let plan_text = serde_json::to_string(&plan).map_err(AppError::internal)?;
    crate::modelling::store::set_load_plan(&mut tx, &row.id, &plan_text).await?;
    add_first_sheet(&mut tx, &row.id, &model, now).await?;
    let detail = format!(
        "{} rows from {}",
        model.rows(),
        files
            .iter()
            .map(|f| f.name.as_str())
            .chain(plan.sources.iter().map(|s| s.name.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    record(
        &mut tx,
        now,
        &principal.actor(),
        AuditAction::AppLoad,
        Target {
            kind: "app",
            id: &row.id,
            name: &row.name,
        },
        detail,
    )
    .await?;
    let app = crate::apps::service::app_summary(&mut tx, principal, &row.id).await?;
    let written = write_app_files(state, &row.id, &files, model).await;
    if let Err(error) = written {
        abandon(state, &row.id);
        return Err(error);
    }
    if let Err(error) = tx.commit().await {
        abandon(state, &row.id);
        return Err(error.into());
    }
    promote(state, &row.id);
    for file in &files {
        state.content.storage.remove_staged(&file.id);
    }
    Ok(app)
}

pub(super) async fn write_app_files(
    state: &AppState,
    app_id: &str,
    files: &[store::FileRow],
    model: DataModel,
) -> Result<(), AppError> {
    let storage = state.content.storage.clone();
    let app_id = app_id.to_string();
    let ids: Vec<String> = files.iter().map(|f| f.id.clone()).collect();
    blocking(move || {
        let dir = storage.incoming_dir(&app_id);
        storage.write_snapshot_in(&dir, 1, &model)?;
        for id in ids {
            storage.adopt_into(&id, &dir)?;
        }
        Ok::<_, std::io::Error>(())
    })
    .await?
    .map_err(AppError::internal)
}

pub(super) async fn add_first_sheet(
    conn: &mut AnyConnection,
    app_id: &str,
    model: &DataModel,
    now: i64,
) -> Result<(), AppError> {
    let sheet = SheetRow {
        id: new_id(),
        app_id: app_id.to_string(),
        title: "Overview".into(),
        position: 0,
        owner_id: None,
    };
    store::insert_sheet(conn, &sheet, now).await?;
    for (position, spec) in rules::first_sheet(&fields_info(model))
        .into_iter()
        .enumerate()
    {
        store::insert_chart(
            conn,
            &new_id(),
            &sheet.id,
            position as i64,
            &serde_json::to_string(&spec).map_err(AppError::internal)?,
            now,
        )
        .await?;
    }
    Ok(())
}
