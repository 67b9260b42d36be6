//! The data-model page's operations: the model an app's files make under its plan, and who may
//! load it under a new one (that load is a reload: `reloads::service::set_load_plan`).
//!
//! The page shows the data's values (a few per column), so it is for those who may edit the app
//! and see all of its rows (no section access reduces them), and it is licensed as a sheet is.

use engine::associate;
use sqlx::AnyConnection;

use super::model::*;
use super::{rules, store};
use crate::access::{caller_data_access, load_app, open_app};
use crate::apps::store::AppRow;
use crate::auth::principal::Principal;
use crate::content::rules::DataAccess;
use crate::content::store as content_store;
use crate::error::AppError;
use crate::sharing::rules::{Access, AppAction};
use crate::spaces::rules::SpaceType;
use crate::state::AppState;

/// The engine's value in its wire form, or the other way (the shapes are the same).
pub fn convert<T: serde::de::DeserializeOwned>(
    value: &impl serde::Serialize,
) -> Result<T, AppError> {
    serde_json::to_value(value)
        .and_then(serde_json::from_value)
        .map_err(AppError::internal)
}

/// The plan a new app loads its files with: each a table named after its file, every column as
/// it is. The data-model step changes it; the app keeps it.
pub fn default_plan(file_names: &[&str]) -> engine::LoadPlan {
    let mut plan = engine::LoadPlan::for_sources(file_names);
    for table in &mut plan.tables {
        table.name = crate::content::rules::table_name(&table.source);
    }
    plan
}

/// A plan from the page, as the engine takes it.
pub fn to_engine(plan: &Plan) -> Result<engine::LoadPlan, AppError> {
    convert(plan).map_err(|_| AppError::invalid("plan", "The load plan could not be read."))
}

/// Who may see and change an app's model: its editors, who see every row of it.
async fn check_modeller(
    conn: &mut AnyConnection,
    principal: &Principal,
    app: &AppRow,
    space: SpaceType,
    access: &Access,
) -> Result<(), AppError> {
    if !access.can(AppAction::Edit) {
        return Err(AppError::forbidden(
            "The data model is shown to the app's editors (its owner, and those who Can edit).",
        ));
    }
    if caller_data_access(conn, principal, app, space, access).await? != DataAccess::All {
        return Err(AppError::forbidden(
            "Section access limits which rows of this app you see, and the data model shows values from every row: ask the app's owner.",
        ));
    }
    Ok(())
}

/// The app's plan as stored, or the default one for its files.
pub async fn plan_of(
    conn: &mut AnyConnection,
    app_id: &str,
    files: &[content_store::FileRow],
) -> Result<engine::LoadPlan, AppError> {
    let text = store::load_plan(conn, app_id).await?;
    if !text.is_empty() {
        return serde_json::from_str(&text).map_err(AppError::internal);
    }
    let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
    Ok(default_plan(&names))
}

/// Loads the app's stored files and its plan's other sources under `plan`, as the caller.
async fn load(
    state: &AppState,
    principal: &Principal,
    app_id: &str,
    files: &[content_store::FileRow],
    plan: engine::LoadPlan,
) -> Result<(engine::Loaded, engine::LoadPlan), AppError> {
    let storage = state.content.storage.clone();
    storage.promote(app_id).map_err(AppError::internal)?;
    let paths: Vec<(String, std::path::PathBuf)> = files
        .iter()
        .map(|f| (f.name.clone(), storage.app_file(app_id, &f.id)))
        .collect();
    crate::connections::service::sources::read_and_load(state, principal, paths, plan, 0).await
}

/// The page of an app's model, or of uploads not made into an app yet (`app` none).
pub fn page(
    app: Option<&AppRow>,
    plan: &engine::LoadPlan,
    model: &engine::DataModel,
    report: &engine::LoadReport,
) -> Result<DataModelPage, AppError> {
    let links = associate::links(model);
    Ok(DataModelPage {
        app_id: app.map(|a| a.id.clone()).unwrap_or_default(),
        app_name: app.map(|a| a.name.clone()).unwrap_or_default(),
        plan: convert(plan)?,
        tables: convert(&report.tables)?,
        warnings: convert(&report.warnings)?,
        links: convert(&links)?,
        synthetic: synthetic_tables(model),
    })
}

/// The tables the load made for synthetic keys, with the fields each holds.
fn synthetic_tables(model: &engine::DataModel) -> Vec<SyntheticTable> {
    model
        .tables
        .iter()
        .filter(|t| t.name.starts_with("$Syn "))
        .map(|t| SyntheticTable {
            name: t.name.clone(),
            rows: t.rows,
            fields: t
                .columns
                .iter()
                .map(|c| model.fields[c.field].name.clone())
                .filter(|f| !f.starts_with("$Syn "))
                .collect(),
        })
        .collect()
}

/// The app's data model as its plan loads it.
pub async fn get_data_model(
    state: &AppState,
    principal: &Principal,
    app_id: &str,
) -> Result<DataModelPage, AppError> {
    let mut conn = state.db.acquire().await?;
    let (app, space, access) = open_app(&state.grants, &mut conn, principal, app_id).await?;
    check_modeller(&mut conn, principal, &app, space.kind(), &access).await?;
    crate::licences::service::connect(&mut conn, state, principal, &app, false).await?;
    let files = content_store::files_of_app(&mut conn, &app.id).await?;
    let plan = plan_of(&mut conn, &app.id, &files).await?;
    if files.is_empty() && plan.sources.is_empty() {
        return Err(AppError::not_found(
            "This app has no data to model: make an app from files or a data connection first.",
        ));
    }
    drop(conn);
    let (loaded, plan) = load(state, principal, &app.id, &files, plan).await?;
    page(Some(&app), &plan, &loaded.model, &loaded.report)
}

/// The app, when the caller may load it under a changed plan (the data-model page's "Load
/// again", which runs as a reload): its editors, who see every row.
pub async fn check_modeller_of(
    state: &AppState,
    principal: &Principal,
    app_id: &str,
) -> Result<AppRow, AppError> {
    let mut conn = state.db.acquire().await?;
    let (app, space, access) = load_app(&mut conn, principal, app_id).await?;
    check_modeller(&mut conn, principal, &app, space.kind(), &access).await?;
    Ok(app)
}

/// The data-model step before an app is made: the caller's staged uploads as `plan` (none: the
/// default) would load them. Their own files, no app yet: nothing to license.
pub async fn preview_uploads(
    state: &AppState,
    principal: &Principal,
    file_ids: &[String],
    plan: Option<Plan>,
) -> Result<DataModelPage, AppError> {
    let sourced = plan.as_ref().is_some_and(|p| !p.sources.is_empty());
    if (file_ids.is_empty() && !sourced)
        || file_ids.len() > crate::content::rules::MAX_FILES_PER_APP
    {
        return Err(AppError::invalid(
            "files",
            format!(
                "Choose up to {} uploaded files, or tables of a data connection.",
                crate::content::rules::MAX_FILES_PER_APP
            ),
        ));
    }
    let mut files = Vec::new();
    {
        let mut conn = state.db.acquire().await?;
        for id in file_ids {
            files.push(
                content_store::staged_file(&mut conn, &principal.user_id, id)
                    .await?
                    .ok_or_else(|| {
                        AppError::invalid(
                            "files",
                            "An upload is no longer there. Upload the file again.",
                        )
                    })?,
            );
        }
    }
    let names: Vec<String> = files.iter().map(|f| f.name.clone()).collect();
    let plan = match plan {
        Some(plan) => {
            rules::check_plan(&plan, &names)?;
            to_engine(&plan)?
        }
        None => default_plan(&names.iter().map(String::as_str).collect::<Vec<_>>()),
    };
    let storage = state.content.storage.clone();
    let paths: Vec<(String, std::path::PathBuf)> = files
        .iter()
        .map(|f| (f.name.clone(), storage.staging_file(&f.id)))
        .collect();
    let (loaded, plan) =
        crate::connections::service::sources::read_and_load(state, principal, paths, plan, 0)
            .await?;
    page(None, &plan, &loaded.model, &loaded.report)
}
