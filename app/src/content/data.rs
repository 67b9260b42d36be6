//! App data that the apps service changes too: copying it with an app (duplicate, publish,
//! republish), forgetting it with a deleted app, and moving a new app's data into place once
//! its row is committed. Above `state`, below every service.

use sqlx::AnyConnection;

use super::storage::Storage;
use super::store;
use crate::apps::store::AppRow;
use crate::error::AppError;
use crate::ids::new_id;
use crate::state::AppState;

/// Moves a new app's data into place once its row is committed. A failure here leaves the data
/// under `incoming/`, from where the next open or housekeeping moves it.
pub fn promote(state: &AppState, app_id: &str) {
    if let Err(error) = state.content.storage.promote(app_id) {
        tracing::warn!(%app_id, %error, "moving a new app's data into place failed; the next open retries");
    }
}

/// Undoes what a new app's failed transaction wrote to disk.
pub fn abandon(state: &AppState, app_id: &str) {
    state.content.storage.remove_incoming(app_id);
}

/// Copies an app's content into another app (publish, duplicate) or over it (republish): the
/// data files and snapshot (linked, not copied, on disk), public sheets and section access. A
/// new app's data goes under `incoming/`: call `promote` after the commit, `abandon` on failure.
pub async fn copy_content(
    conn: &mut AnyConnection,
    state: &AppState,
    from: &AppRow,
    to_id: &str,
    replace: bool,
    now: i64,
) -> Result<(), AppError> {
    if replace {
        store::delete_public_sheets(conn, to_id).await?;
        store::delete_files_of_app(conn, to_id).await?;
        store::delete_rules_of_app(conn, to_id).await?;
    }
    store::copy_sheets(conn, &from.id, to_id, now).await?;
    crate::modelling::store::copy_load_plan(conn, &from.id, to_id).await?;
    store::copy_rules(conn, &from.id, to_id, now).await?;
    let (version, rows) = store::app_data(conn, &from.id).await?;
    let storage = &state.content.storage;
    storage.promote(&from.id).map_err(AppError::internal)?;
    let dir = if replace {
        storage.app_dir(to_id)
    } else {
        storage.incoming_dir(to_id)
    };
    for file in store::files_of_app(conn, &from.id).await? {
        let id = new_id();
        store::insert_app_file(conn, &id, &from.tenant_id, to_id, &file, now).await?;
        storage
            .link(
                &storage.app_file(&from.id, &file.id),
                &Storage::file_in(&dir, &id),
            )
            .map_err(AppError::internal)?;
    }
    if version > 0 {
        let to_version = store::app_data(conn, to_id).await?.0 + 1;
        storage
            .link(
                &storage.snapshot(&from.id, version),
                &Storage::snapshot_in(&dir, to_version),
            )
            .map_err(AppError::internal)?;
        store::set_app_data(conn, to_id, to_version, rows, now).await?;
    }
    state.content.engines.forget_app(to_id);
    state.anonymous.engines.forget_app(to_id);
    Ok(())
}

/// Frees what an app held once it is deleted.
pub fn forget_app(state: &AppState, app_id: &str) {
    state.content.engines.forget_app(app_id);
    state.anonymous.engines.forget_app(app_id);
    state.content.storage.remove_app(app_id);
}
