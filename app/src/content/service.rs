//! App content: uploads, loading data into apps, sheets and charts, each viewer's selections,
//! and section access. Access to the app comes from `sharing` (one decision for everything);
//! what may be changed by whom comes from `rules`.

use std::sync::Arc;

use engine::{reduce, DataModel, Reduction};
use sqlx::AnyConnection;

use super::compute::{chart_data, chips, fields_info, tables_info};
use super::data::{abandon, forget_app, promote};
use super::engines::{Engines, ModelKey};
use super::model::*;
use super::rules::{self, DataAccess};
use super::store::{self, RuleRow, SheetRow};
use crate::access::{caller_data_access, editable_app, editable_chart, editable_sheet, load_app};
use crate::apps::model::{App, NewApp};
use crate::apps::store::AppRow;
use crate::audit::service::{record, Target};
use crate::auth::principal::{Credential, Principal};
use crate::error::AppError;
use crate::ids::new_id;
use crate::sharing::rules::Access;
use crate::sql::{lock_row, Parent};
use crate::state::AppState;

/// Whose selections these are: one state per browser session (an API key's requests share one).
fn viewer_key(principal: &Principal) -> String {
    match &principal.credential {
        Credential::Session { id_hash } => format!("session:{id_hash}"),
        _ => format!("user:{}", principal.user_id),
    }
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(AppError::internal)
}

// --- Uploads ----------------------------------------------------------------------------------

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
    let mut conn = state.db.acquire().await?;
    store::insert_file(
        &mut conn,
        id,
        &principal.tenant_id,
        &principal.user_id,
        name,
        size as i64,
        state.now(),
    )
    .await?;
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

/// Loads CSV files into a model, named after their files; errors name the file, line and column.
fn load_files(files: Vec<(String, Vec<u8>)>) -> Result<DataModel, AppError> {
    let named: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let mut model =
        DataModel::from_csv(&named).map_err(|e| AppError::invalid("files", e.to_string()))?;
    for (table, (name, _)) in model.tables.iter_mut().zip(&files) {
        table.name = rules::table_name(name);
    }
    Ok(model)
}

/// Makes an app from staged uploads. The files load first; only when every one loads is the
/// app created, with its data, a snapshot and a first sheet, in one transaction: a bad file
/// leaves no app behind, and the uploads stay staged to try again.
pub async fn create_app_from_files(
    state: &AppState,
    principal: &Principal,
    input: NewApp,
    file_ids: Vec<String>,
) -> Result<App, AppError> {
    if file_ids.is_empty() {
        return Err(AppError::invalid("files", "Upload at least one CSV file."));
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
    let storage = state.content.storage.clone();
    let to_read: Vec<(String, std::path::PathBuf)> = files
        .iter()
        .map(|f| (f.name.clone(), storage.staging_file(&f.id)))
        .collect();
    let model = blocking(move || {
        let mut contents = Vec::new();
        for (name, path) in to_read {
            contents.push((name, std::fs::read(&path).map_err(AppError::internal)?));
        }
        load_files(contents)
    })
    .await??;

    let now = state.now();
    let mut tx = state.db.begin().await?;
    let row = crate::apps::service::insert_new_app(&mut tx, principal, &input, now).await?;
    for file in &files {
        store::attach_file(&mut tx, &file.id, &row.id).await?;
    }
    store::set_app_data(&mut tx, &row.id, 1, model.rows() as i64, now).await?;
    add_first_sheet(&mut tx, &row.id, &model, now).await?;
    let detail = format!(
        "{} rows from {}",
        model.rows(),
        files
            .iter()
            .map(|f| f.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    record(
        &mut tx,
        now,
        &principal.actor(),
        "app.load",
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

async fn write_app_files(
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

async fn add_first_sheet(
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

// --- Models -----------------------------------------------------------------------------------

/// The app's whole model: from memory, else its snapshot, else its files (writing a new snapshot).
async fn base_model(
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
    let files = store::files_of_app(conn, &app.id).await?;
    let storage = state.content.storage.clone();
    let (app_id, version) = (app.id.clone(), app.data_version);
    let model = blocking(move || -> Result<DataModel, AppError> {
        // A crash between an app's commit and the move of its data leaves it under incoming/.
        storage.promote(&app_id).map_err(AppError::internal)?;
        match storage.read_snapshot(&app_id, version) {
            Ok(model) => Ok(model),
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
                let model = load_files(contents)?;
                storage.write_snapshot(&app_id, version, &model).map_err(AppError::internal)?;
                Ok(model)
            }
        }
    })
    .await??;
    Ok(engines.insert(key, Arc::new(model)))
}

/// The model a viewer sees: the whole one, or its section-access reduction (made once per
/// reduction and shared by everyone it applies to).
async fn viewer_model(
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

// --- Viewing ----------------------------------------------------------------------------------

fn sheet_info(row: &SheetRow) -> SheetInfo {
    SheetInfo {
        id: row.id.clone(),
        title: row.title.clone(),
        private: row.owner_id.is_some(),
    }
}

/// A saved chart, or why it cannot be read (shown in its place, so the rest of the sheet works).
fn parse_spec(text: &str) -> (ChartSpec, Option<String>) {
    match serde_json::from_str(text) {
        Ok(spec) => (spec, None),
        Err(error) => {
            tracing::warn!(%error, "a saved chart could not be read");
            let unreadable = ChartSpec {
                kind: ChartKind::Table,
                title: "Unreadable chart".into(),
                dimensions: vec![],
                measures: vec![],
                sort_by: SortBy::Dimension,
                descending: false,
                top: None,
            };
            (
                unreadable,
                Some("This chart could not be read. Remove it and add it again.".into()),
            )
        }
    }
}

/// Applies a change to the viewer's selections, by field name; an unknown field is the caller's error.
fn apply(
    state: &mut engine::ViewerState,
    model: &DataModel,
    change: &SelectionChange,
) -> Result<(), AppError> {
    let field = |name: &str| {
        model
            .field(name)
            .ok_or_else(|| AppError::invalid("field", format!("The data has no field \"{name}\".")))
    };
    let in_range = |field: usize, code: u32| -> Result<u32, AppError> {
        if (code as usize) < model.fields[field].values.len() {
            Ok(code)
        } else {
            Err(AppError::invalid(
                "code",
                format!("{} has no value number {code}.", model.fields[field].name),
            ))
        }
    };
    match change {
        SelectionChange::Toggle { field: name, code } => {
            let f = field(name)?;
            state.toggle(f, in_range(f, *code)?);
        }
        SelectionChange::Select { field: name, codes } => {
            rules::check_selection_size(codes.len())?;
            let f = field(name)?;
            let codes = codes
                .iter()
                .map(|c| in_range(f, *c))
                .collect::<Result<Vec<_>, _>>()?;
            state.select(f, codes);
        }
        SelectionChange::SelectValues {
            field: name,
            values,
        } => {
            rules::check_selection_size(values.len())?;
            let f = field(name)?;
            let codes = values
                .iter()
                .map(|v| {
                    model.code_of(f, v).ok_or_else(|| {
                        AppError::invalid(
                            "select",
                            format!("{} has no value \"{v}\".", model.fields[f].name),
                        )
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            state.select(f, codes);
        }
        SelectionChange::Search { field: name, text } => {
            let f = field(name)?;
            if state.select_by_search(model, f, text) == 0 {
                return Err(AppError::invalid(
                    "text",
                    format!(
                        "No possible value of {} contains \"{}\".",
                        model.fields[f].name,
                        text.trim()
                    ),
                ));
            }
        }
        SelectionChange::Clear { field: name } => state.clear(field(name)?),
        SelectionChange::ClearAll => state.clear_all(),
        SelectionChange::Back => {
            state.back();
        }
        SelectionChange::Forward => {
            state.forward();
        }
    }
    Ok(())
}

/// Who is looking at a sheet: a tenant user with their access, or an anonymous visitor (public
/// sheets only, nothing to edit), with the data they may see and where their selections live.
pub struct SheetViewer<'a> {
    /// Whose selections: one state per browser session or anonymous session.
    pub key: String,
    pub person: Option<(&'a Principal, &'a Access)>,
    pub data_access: DataAccess,
    pub engines: &'a Engines,
}

impl SheetViewer<'_> {
    fn user_id(&self) -> &str {
        self.person.map(|(p, _)| p.user_id.as_str()).unwrap_or("")
    }
}

/// An open sheet as the viewer sees it, after applying `change` to their selections. Without a
/// sheet id, the app's first sheet the viewer can see.
pub async fn sheet_view(
    state: &AppState,
    principal: &Principal,
    app_id: &str,
    sheet_id: Option<&str>,
    change: Option<SelectionChange>,
) -> Result<SheetView, AppError> {
    let mut conn = state.db.acquire().await?;
    let (app, space, access) = load_app(&mut conn, principal, app_id).await?;
    let data_access = caller_data_access(&mut conn, principal, &app, space.kind(), &access).await?;
    let viewer = SheetViewer {
        key: viewer_key(principal),
        person: Some((principal, &access)),
        data_access,
        engines: &state.content.engines,
    };
    let request = SheetRequest {
        sheet_id,
        changes: change.into_iter().collect(),
        only_field: None,
    };
    render_sheet(state, conn, &app, &space.display_name(), &viewer, request).await
}

/// Which sheet, after which selection changes; `only_field` shows that field's filter pane
/// instead of the sheet's charts (an embedded field).
pub struct SheetRequest<'a> {
    pub sheet_id: Option<&'a str>,
    pub changes: Vec<SelectionChange>,
    pub only_field: Option<&'a str>,
}

fn field_pane(field: &str) -> ChartSpec {
    ChartSpec {
        kind: ChartKind::FilterPane,
        title: field.to_string(),
        dimensions: vec![field.to_string()],
        measures: vec![],
        sort_by: SortBy::Dimension,
        descending: false,
        top: None,
    }
}

/// The sheet for any viewer: visible sheets, the open one's charts computed over the viewer's
/// model under their selections after `changes`.
pub async fn render_sheet(
    state: &AppState,
    mut conn: sqlx::pool::PoolConnection<sqlx::Any>,
    app: &AppRow,
    space_name: &str,
    viewer: &SheetViewer<'_>,
    request: SheetRequest<'_>,
) -> Result<SheetView, AppError> {
    let SheetRequest {
        sheet_id,
        changes,
        only_field,
    } = request;
    let user_id = viewer.user_id();
    // A visitor reaches only the fields the public sheets show: no other field can be listed,
    // searched or selected, and no other field, table or file name is sent.
    let public_fields = match viewer.person {
        Some(_) => None,
        None => {
            let specs: Vec<ChartSpec> = store::public_chart_specs(&mut conn, &app.id)
                .await?
                .iter()
                .map(|text| parse_spec(text).0)
                .collect();
            let public = rules::public_fields(&specs);
            for field in only_field
                .into_iter()
                .chain(changes.iter().filter_map(SelectionChange::field))
            {
                rules::check_public_field(field, &public)?;
            }
            Some(public)
        }
    };
    let visible: Vec<SheetRow> = store::sheets_of_app(&mut conn, &app.id)
        .await?
        .into_iter()
        .filter(|s| rules::may_see_sheet(s.owner_id.as_deref(), user_id))
        .collect();
    let sheet = match sheet_id.filter(|s| !s.is_empty()) {
        Some(id) => Some(
            visible
                .iter()
                .find(|s| s.id == id)
                .cloned()
                .ok_or_else(|| {
                    AppError::not_found("This app has no such sheet. It may have been deleted.")
                })?,
        ),
        None => visible.first().cloned(),
    };
    let specs: Vec<(String, (ChartSpec, Option<String>))> = match (&sheet, only_field) {
        (_, Some(field)) => vec![("field".to_string(), (field_pane(field), None))],
        (Some(sheet), None) => store::charts_of_sheet(&mut conn, &sheet.id)
            .await?
            .into_iter()
            .map(|c| (c.id, parse_spec(&c.spec)))
            .collect(),
        (None, None) => Vec::new(),
    };
    let public = match viewer.person {
        // A visitor came in through a live link: no query on every selection to learn it.
        None => true,
        Some(_) => crate::anonymous::store::live_link_counts(
            &mut conn,
            std::slice::from_ref(&app.id),
            state.now(),
        )
        .await?
        .first()
        .is_some_and(|(_, n)| *n > 0),
    };
    let mut view = SheetView {
        app_id: app.id.clone(),
        app_name: app.name.clone(),
        space_id: app.space_id.clone(),
        space_name: space_name.to_string(),
        sheets: visible.iter().map(sheet_info).collect(),
        sheet: sheet.as_ref().map(sheet_info),
        charts: Vec::new(),
        selections: Vec::new(),
        can_back: false,
        can_forward: false,
        can_edit_sheet: viewer
            .person
            .zip(sheet.as_ref())
            .is_some_and(|((p, access), s)| {
                rules::may_edit_sheet(s.owner_id.as_deref(), &p.user_id, access)
            }),
        can_add_sheet: viewer
            .person
            .is_some_and(|(_, access)| rules::new_sheet_is_private(access).is_ok()),
        data: None,
        public,
    };
    if app.data_version == 0 {
        view.charts = specs
            .into_iter()
            .map(|(id, (spec, _))| ChartView {
                id,
                spec,
                data: ChartData::Problem("This app has no data yet.".into()),
            })
            .collect();
        return Ok(view);
    }
    let (key, model) =
        viewer_model(state, viewer.engines, &mut conn, app, &viewer.data_access).await?;
    let files = match public_fields {
        Some(_) => Vec::new(),
        None => store::files_of_app(&mut conn, &app.id)
            .await?
            .into_iter()
            .map(|f| f.name)
            .collect(),
    };
    drop(conn);
    let (selections, can_back, can_forward) =
        viewer
            .engines
            .with_viewer(&viewer.key, &key, state.now(), |state| {
                for change in &changes {
                    apply(state, &model, change)?;
                }
                Ok::<_, AppError>((
                    state.selections().clone(),
                    state.can_go_back(),
                    state.can_go_forward(),
                ))
            })?;
    let reduced = viewer.data_access != DataAccess::All;
    let computed = blocking(move || {
        let evaluation = engine::evaluate(&model, &selections);
        let charts: Vec<ChartView> = specs
            .into_iter()
            .map(|(id, (spec, unreadable))| {
                let data = match unreadable {
                    Some(problem) => ChartData::Problem(problem),
                    None => chart_data(&model, &evaluation, &selections, &spec),
                };
                ChartView { id, data, spec }
            })
            .collect();
        let summary = match &public_fields {
            None => DataSummary {
                tables: tables_info(&model),
                fields: fields_info(&model),
                files,
                reduced,
            },
            Some(public) => {
                let fields = fields_info(&model)
                    .into_iter()
                    .filter(|f| public.iter().any(|p| p.eq_ignore_ascii_case(&f.name)))
                    .map(|f| FieldInfo {
                        tables: Vec::new(),
                        ..f
                    })
                    .collect();
                DataSummary {
                    tables: Vec::new(),
                    fields,
                    files,
                    reduced,
                }
            }
        };
        (charts, chips(&model, &selections), summary)
    })
    .await?;
    (view.charts, view.selections, view.data) = (computed.0, computed.1, Some(computed.2));
    view.can_back = can_back;
    view.can_forward = can_forward;
    Ok(view)
}

/// The field names of an app's data (empty before it has data), for link reductions.
pub async fn field_names(
    state: &AppState,
    conn: &mut AnyConnection,
    app: &AppRow,
) -> Result<Vec<String>, AppError> {
    if app.data_version == 0 {
        return Ok(Vec::new());
    }
    Ok(base_model(state, &state.content.engines, conn, app)
        .await?
        .fields
        .iter()
        .map(|f| f.name.clone())
        .collect())
}

/// The first field section access rules name, when the app has rules.
pub async fn section_access_field(
    conn: &mut AnyConnection,
    app_id: &str,
) -> Result<Option<String>, AppError> {
    Ok(store::rules_of_app(conn, app_id)
        .await?
        .into_iter()
        .next()
        .map(|r| r.field))
}

// --- Authoring --------------------------------------------------------------------------------

pub async fn add_sheet(
    state: &AppState,
    principal: &Principal,
    app_id: &str,
    title: &str,
) -> Result<SheetInfo, AppError> {
    let title = rules::check_sheet_title(title)?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let (app, _, access) = load_app(&mut tx, principal, app_id).await?;
    let private = rules::new_sheet_is_private(&access)?;
    lock_row(&mut tx, Parent::App, &app.id).await?;
    let sheets = store::sheets_of_app(&mut tx, &app.id).await?;
    if sheets.len() >= rules::MAX_SHEETS_PER_APP {
        return Err(AppError::invalid(
            "title",
            format!(
                "An app has at most {} sheets. Delete one first.",
                rules::MAX_SHEETS_PER_APP
            ),
        ));
    }
    let row = SheetRow {
        id: new_id(),
        app_id: app.id.clone(),
        title,
        position: sheets.iter().map(|s| s.position + 1).max().unwrap_or(0),
        owner_id: private.then(|| principal.user_id.clone()),
    };
    store::insert_sheet(&mut tx, &row, now).await?;
    record(
        &mut tx,
        now,
        &principal.actor(),
        "sheet.create",
        Target {
            kind: "app",
            id: &app.id,
            name: &app.name,
        },
        format!(
            "{}sheet \"{}\"",
            if private { "private " } else { "" },
            row.title
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(sheet_info(&row))
}

pub async fn rename_sheet(
    state: &AppState,
    principal: &Principal,
    sheet_id: &str,
    title: &str,
) -> Result<SheetInfo, AppError> {
    let title = rules::check_sheet_title(title)?;
    let mut tx = state.db.begin().await?;
    let (mut sheet, _) = editable_sheet(&mut tx, principal, sheet_id).await?;
    store::rename_sheet(&mut tx, sheet_id, &title, state.now()).await?;
    tx.commit().await?;
    sheet.title = title;
    Ok(sheet_info(&sheet))
}

pub async fn delete_sheet(
    state: &AppState,
    principal: &Principal,
    sheet_id: &str,
) -> Result<(), AppError> {
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let (sheet, app) = editable_sheet(&mut tx, principal, sheet_id).await?;
    store::delete_sheet(&mut tx, sheet_id).await?;
    record(
        &mut tx,
        now,
        &principal.actor(),
        "sheet.delete",
        Target {
            kind: "app",
            id: &app.id,
            name: &app.name,
        },
        format!("sheet \"{}\"", sheet.title),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Moves a sheet to `position` among the sheets of its app (0 is first).
pub async fn move_sheet(
    state: &AppState,
    principal: &Principal,
    sheet_id: &str,
    position: usize,
) -> Result<(), AppError> {
    let mut tx = state.db.begin().await?;
    let (sheet, app) = editable_sheet(&mut tx, principal, sheet_id).await?;
    let mut ids: Vec<String> = store::sheets_of_app(&mut tx, &app.id)
        .await?
        .into_iter()
        .map(|s| s.id)
        .filter(|id| *id != sheet.id)
        .collect();
    ids.insert(position.min(ids.len()), sheet.id.clone());
    for (i, id) in ids.iter().enumerate() {
        store::set_sheet_position(&mut tx, id, i as i64).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The fields a chart may use: the app's whole data (authors see everything).
async fn app_fields(
    state: &AppState,
    conn: &mut AnyConnection,
    app: &AppRow,
) -> Result<Vec<FieldInfo>, AppError> {
    if app.data_version == 0 {
        return Err(AppError::invalid(
            "spec",
            "This app has no data yet: load data before adding charts.",
        ));
    }
    Ok(fields_info(
        &*base_model(state, &state.content.engines, conn, app).await?,
    ))
}

/// Adds a chart to a sheet, or changes one (`chart_id`). Returns the chart's id.
pub async fn save_chart(
    state: &AppState,
    principal: &Principal,
    sheet_id: &str,
    chart_id: Option<&str>,
    spec: ChartSpec,
) -> Result<String, AppError> {
    let now = state.now();
    let mut conn = state.db.acquire().await?;
    let (_, app) = editable_sheet(&mut conn, principal, sheet_id).await?;
    let spec = rules::check_chart(spec, &app_fields(state, &mut conn, &app).await?)?;
    drop(conn);
    let text = serde_json::to_string(&spec).map_err(AppError::internal)?;
    let mut tx = state.db.begin().await?;
    lock_row(&mut tx, Parent::App, &app.id).await?;
    let charts = store::charts_of_sheet(&mut tx, sheet_id).await?;
    let id = match chart_id {
        Some(id) => {
            if !charts.iter().any(|c| c.id == id) {
                return Err(AppError::not_found(
                    "That chart is not on this sheet any more.",
                ));
            }
            store::update_chart(&mut tx, id, &text, now).await?;
            id.to_string()
        }
        None => {
            if charts.len() >= rules::MAX_CHARTS_PER_SHEET {
                return Err(AppError::invalid(
                    "spec",
                    format!(
                        "A sheet holds at most {} charts. Add another sheet.",
                        rules::MAX_CHARTS_PER_SHEET
                    ),
                ));
            }
            let id = new_id();
            store::insert_chart(
                &mut tx,
                &id,
                sheet_id,
                charts.iter().map(|c| c.position + 1).max().unwrap_or(0),
                &text,
                now,
            )
            .await?;
            id
        }
    };
    tx.commit().await?;
    Ok(id)
}

pub async fn delete_chart(
    state: &AppState,
    principal: &Principal,
    chart_id: &str,
) -> Result<(), AppError> {
    let mut tx = state.db.begin().await?;
    editable_chart(&mut tx, principal, chart_id).await?;
    store::delete_chart(&mut tx, chart_id).await?;
    tx.commit().await?;
    Ok(())
}

/// Moves a chart to `position` on its sheet (0 is first).
pub async fn move_chart(
    state: &AppState,
    principal: &Principal,
    chart_id: &str,
    position: usize,
) -> Result<(), AppError> {
    let mut tx = state.db.begin().await?;
    let chart = editable_chart(&mut tx, principal, chart_id).await?;
    let mut ids: Vec<String> = store::charts_of_sheet(&mut tx, &chart.sheet_id)
        .await?
        .into_iter()
        .map(|c| c.id)
        .filter(|id| *id != chart.id)
        .collect();
    ids.insert(position.min(ids.len()), chart.id.clone());
    for (i, id) in ids.iter().enumerate() {
        store::set_chart_position(&mut tx, id, i as i64).await?;
    }
    tx.commit().await?;
    Ok(())
}

// --- Section access ---------------------------------------------------------------------------

fn rule_from(row: RuleRow) -> AccessRule {
    let names_nobody = row.user_id.is_none() && row.group_id.is_none();
    AccessRule {
        id: row.id,
        assignee_type: row.assignee_type,
        assignee_id: row.user_id.or(row.group_id).unwrap_or_default(),
        assignee_name: row.assignee_name,
        names_nobody,
        field: row.field,
        allowed: serde_json::from_str(&row.allowed).unwrap_or_default(),
    }
}

pub async fn list_rules(
    state: &AppState,
    principal: &Principal,
    app_id: &str,
) -> Result<Vec<AccessRule>, AppError> {
    let mut conn = state.db.acquire().await?;
    let app = editable_app(&mut conn, principal, app_id).await?;
    Ok(store::rules_of_app(&mut conn, &app.id)
        .await?
        .into_iter()
        .map(rule_from)
        .collect())
}

pub async fn add_rule(
    state: &AppState,
    principal: &Principal,
    app_id: &str,
    input: NewAccessRule,
) -> Result<AccessRule, AppError> {
    let allowed = rules::parse_allowed(&input.allowed)?;
    let now = state.now();
    let mut conn = state.db.acquire().await?;
    let app = editable_app(&mut conn, principal, app_id).await?;
    let fields = app_fields(state, &mut conn, &app).await?;
    drop(conn);
    let field = fields
        .iter()
        .find(|f| f.name.eq_ignore_ascii_case(input.field.trim()))
        .map(|f| f.name.clone())
        .ok_or_else(|| {
            AppError::invalid(
                "field",
                format!("The data has no field \"{}\".", input.field.trim()),
            )
        })?;
    let mut tx = state.db.begin().await?;
    let (user_id, group_id, who) = match input.assignee_type.as_str() {
        "user" => {
            let user = crate::directory::store::get_user(
                &mut tx,
                &principal.tenant_id,
                &input.assignee_id,
            )
            .await?
            .ok_or_else(|| {
                AppError::invalid("assigneeId", "There is no such user in this tenant.")
            })?;
            (Some(user.id), None, user.name)
        }
        "group" => {
            let group = crate::directory::store::get_group(
                &mut tx,
                &principal.tenant_id,
                &input.assignee_id,
            )
            .await?
            .ok_or_else(|| {
                AppError::invalid("assigneeId", "There is no such group in this tenant.")
            })?;
            (None, Some(group.id), group.name)
        }
        other => {
            return Err(AppError::invalid(
                "assigneeType",
                format!("A rule is for a \"user\" or a \"group\", not \"{other}\"."),
            ))
        }
    };
    lock_row(&mut tx, Parent::App, &app.id).await?;
    if store::rules_of_app(&mut tx, &app.id).await?.len() >= rules::MAX_RULES_PER_APP {
        return Err(AppError::invalid(
            "field",
            format!(
                "An app has at most {} section access rules.",
                rules::MAX_RULES_PER_APP
            ),
        ));
    }
    let id = new_id();
    let allowed_text = serde_json::to_string(&allowed).map_err(AppError::internal)?;
    let new_rule = store::NewRule {
        user_id: user_id.as_deref(),
        group_id: group_id.as_deref(),
        assignee_type: &input.assignee_type,
        assignee_name: &who,
        field: &field,
        allowed: &allowed_text,
    };
    store::insert_rule(&mut tx, &id, &app.id, new_rule, now).await?;
    record(
        &mut tx,
        now,
        &principal.actor(),
        "app.section_access",
        Target {
            kind: "app",
            id: &app.id,
            name: &app.name,
        },
        format!("{who} may see {field} = {}", allowed.join(", ")),
    )
    .await?;
    let rule = store::get_rule(&mut tx, &id)
        .await?
        .map(rule_from)
        .ok_or_else(|| AppError::internal("rule vanished"))?;
    tx.commit().await?;
    Ok(rule)
}

pub async fn delete_rule(
    state: &AppState,
    principal: &Principal,
    rule_id: &str,
) -> Result<(), AppError> {
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let rule = store::get_rule(&mut tx, rule_id)
        .await?
        .ok_or_else(|| AppError::not_found("There is no such rule. It may have been removed."))?;
    let app = editable_app(&mut tx, principal, &rule.app_id).await?;
    store::delete_rule(&mut tx, rule_id).await?;
    record(
        &mut tx,
        now,
        &principal.actor(),
        "app.section_access",
        Target {
            kind: "app",
            id: &app.id,
            name: &app.name,
        },
        format!("rule on {} removed", rule.field),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
