//! Models: an app's data model, loaded from its snapshot, and reduced to what a viewer may see.

use super::*;

/// The app's whole model: from memory, else its snapshot, else its files (writing a new snapshot).
pub(super) async fn base_model(
    state: &AppState,
    engines: &Engines,
    conn: &mut AnyConnection,
    app: &AppRow,
) -> Result<Arc<DataModel>, AppError> {
    let key = ModelKey {
        app_id: app.id.clone(),
        data_version: app.data_version,
        access: String::new(),
    };
    if let Some(model) = engines.cached(&key) {
        return Ok(model);
    }
    let gate = engines.load_gate(&key);
    let _loading = gate.lock().await;
    if let Some(model) = engines.cached(&key) {
        return Ok(model);
    }
    let files = store::files_of_app(conn, &app.id).await?;
    // Rebuilt from its files, the app loads as its plan says (none stored: the default one).
    let plan_text = crate::modelling::store::load_plan(conn, &app.id).await?;
    let plan: Option<engine::LoadPlan> = match plan_text.as_str() {
        "" => None,
        text => Some(serde_json::from_str(text).map_err(AppError::internal)?),
    };
    let storage = state.content.storage.clone();
    let (app_id, version) = (app.id.clone(), app.data_version);
    let (model, rebuilt) = blocking(move || -> Result<(DataModel, bool), AppError> {
        // A crash between an app's commit and the move of its data leaves it under incoming/.
        storage.promote(&app_id).map_err(AppError::internal)?;
        match storage.read_snapshot(&app_id, version) {
            Ok(model) => Ok((model, false)),
            Err(error) if files.is_empty() => {
                // Rebuilding from no files would write an empty model over the data: refuse.
                Err(AppError::internal(format!("app {app_id}: snapshot {version} unreadable ({error}) and no data files recorded to rebuild it from")))
            }
            Err(error) => {
                tracing::warn!(%app_id, %error, "snapshot unreadable; loading the app's files again");
                let mut contents = Vec::new();
                for file in &files {
                    contents.push((file.name.clone(), std::fs::read(storage.app_file(&app_id, &file.id)).map_err(AppError::internal)?));
                }
                let (model, _) = load_files(contents, plan)?;
                storage.write_snapshot(&app_id, version, &model).map_err(AppError::internal)?;
                Ok((model, true))
            }
        }
    })
    .await??;
    if rebuilt {
        // Values loaded from the files anew may be numbered otherwise than in the lost snapshot:
        // saved selections (codes) of this data would point at other values.
        store::forget_app_viewer_states(conn, &app.id).await?;
    }
    Ok(engines.insert(key, Arc::new(model)))
}

/// The model a viewer sees: the whole one, or its section-access reduction (made once per
/// reduction and shared by everyone it applies to).
pub(super) async fn viewer_model(
    state: &AppState,
    engines: &Engines,
    conn: &mut AnyConnection,
    app: &AppRow,
    access: &DataAccess,
) -> Result<(ModelKey, Arc<DataModel>), AppError> {
    let key = ModelKey {
        app_id: app.id.clone(),
        data_version: app.data_version,
        access: access.key(),
    };
    let DataAccess::Reduced(fields) = access else {
        return Ok((key, base_model(state, engines, conn, app).await?));
    };
    // A reduction in memory serves without its whole model (which may have been evicted).
    if let Some(model) = engines.cached(&key) {
        return Ok((key, model));
    }
    let gate = engines.load_gate(&key);
    let _reducing = gate.lock().await;
    if let Some(model) = engines.cached(&key) {
        return Ok((key, model));
    }
    let base = base_model(state, engines, conn, app).await?;
    let mut reductions: Vec<Reduction> = fields
        .iter()
        .map(|(field, allowed)| Reduction {
            field: field.clone(),
            allowed: allowed.clone(),
        })
        .collect();
    if reductions.iter().any(|r| base.field(&r.field).is_none()) {
        // A rule names a field the data lacks: show nothing rather than everything.
        reductions = vec![Reduction {
            field: base
                .fields
                .first()
                .map(|f| f.name.clone())
                .unwrap_or_default(),
            allowed: vec![],
        }];
    }
    let reduced = blocking(move || {
        reduce(&base, &reductions).unwrap_or_else(|_| DataModel {
            fields: Vec::new(),
            tables: Vec::new(),
        })
    })
    .await?;
    Ok((key.clone(), engines.insert(key, Arc::new(reduced))))
}
