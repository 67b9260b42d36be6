//! Viewing: a sheet as one viewer sees it, with their selections, back and forward.

use super::*;
use crate::content::results::ResultKey;

pub(super) fn sheet_info(row: &SheetRow) -> SheetInfo {
    SheetInfo {
        id: row.id.clone(),
        title: row.title.clone(),
        private: row.owner_id.is_some(),
    }
}

/// A saved chart, or why it cannot be read (shown in its place, so the rest of the sheet works).
pub(super) fn parse_spec(text: &str) -> (ChartSpec, Option<String>) {
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
                hide_missing: false,
            };
            (
                unreadable,
                Some("This chart could not be read. Remove it and add it again.".into()),
            )
        }
    }
}

/// Applies a change to the viewer's selections, by field name; an unknown field is the caller's error.
pub(super) fn apply(
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
    /// Only the app's public sheets are listed and opened, never the person's own private ones
    /// (a collaborative session, where others borrow the person's rights).
    pub public_sheets_only: bool,
    pub data_access: DataAccess,
    pub engines: &'a Engines,
}

impl SheetViewer<'_> {
    fn user_id(&self) -> &str {
        match self.person {
            Some((p, _)) if !self.public_sheets_only => p.user_id.as_str(),
            _ => "",
        }
    }
}

/// An open sheet as the viewer sees it, after applying `change` to their selections. Without a
/// sheet id, the app's first sheet the viewer can see.
pub async fn open_sheet(
    state: &AppState,
    principal: &Principal,
    app_id: &str,
    sheet_id: Option<&str>,
    change: Option<SelectionChange>,
) -> Result<SheetView, AppError> {
    let request = SheetRequest {
        sheet_id,
        changes: change.into_iter().collect(),
        only_field: None,
        shared: None,
    };
    open_sheet_request(state, principal, app_id, request).await
}

/// `open_sheet` with the whole request: a host user's embed of one field asks for that
/// field's pane alone (`only_field`), as an anonymous embed does.
pub async fn open_sheet_request(
    state: &AppState,
    principal: &Principal,
    app_id: &str,
    request: SheetRequest<'_>,
) -> Result<SheetView, AppError> {
    let mut conn = state.db.acquire().await?;
    let (app, space, access) = open_app(&state.grants, &mut conn, principal, app_id).await?;
    let data_access = caller_data_access(&mut conn, principal, &app, space.kind(), &access).await?;
    // Sharing and section access said yes; now the licence. The first view opens a connection;
    // every later one (a selection, a sheet change) is activity on it.
    crate::licences::service::connect(&mut conn, state, principal, &app, true).await?;
    let viewer = SheetViewer {
        key: principal.client_key(),
        person: Some((principal, &access)),
        public_sheets_only: false,
        data_access,
        engines: &state.content.engines,
    };
    render_sheet(state, conn, &app, &space.display_name(), &viewer, request).await
}

/// Which sheet, after which selection changes; `only_field` shows that field's filter pane
/// instead of the sheet's charts (an embedded field).
pub struct SheetRequest<'a> {
    pub sheet_id: Option<&'a str>,
    pub changes: Vec<SelectionChange>,
    pub only_field: Option<&'a str>,
    /// Selections held by value and shared with others (a collaborative session's): shown as
    /// this viewer's data holds them, in place of the viewer's own selections and `changes`.
    pub shared: Option<&'a [ValueField]>,
}

pub(super) fn field_pane(field: &str) -> ChartSpec {
    ChartSpec {
        kind: ChartKind::FilterPane,
        title: field.to_string(),
        dimensions: vec![field.to_string()],
        measures: vec![],
        sort_by: SortBy::Dimension,
        descending: false,
        top: None,
        hide_missing: false,
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
        shared,
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
        filtered_by_others: Vec::new(),
        data_version: app.data_version,
        data_loaded_at: app.data_loaded_at,
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
    let (selections, can_back, can_forward, nothing_left) = match shared {
        Some(shared) => {
            let seen = on_model(&model, shared);
            view.filtered_by_others = seen.filtered;
            (seen.selections, false, false, seen.nothing_left)
        }
        None => {
            // The viewer's selections as the database has them: their last request may have
            // been served by another process (one indexed read).
            let saved = store::viewer_state(&mut conn, &viewer.key, &app.id)
                .await?
                .map(|(model, version, state)| SavedViewer {
                    model,
                    version,
                    state,
                });
            let (result, to_save) = viewer.engines.with_saved_viewer(
                &viewer.key,
                &key,
                &model,
                saved.as_ref(),
                state.now(),
                |state| {
                    for change in &changes {
                        apply(state, &model, change)?;
                    }
                    Ok::<_, AppError>((
                        state.selections().clone(),
                        state.can_go_back(),
                        state.can_go_forward(),
                        false,
                    ))
                },
            );
            if let Some(save) = to_save {
                let version = store::save_viewer_state(
                    &mut conn,
                    &viewer.key,
                    &app.id,
                    &save.model,
                    &save.state,
                    state.now(),
                )
                .await?;
                viewer.engines.saved_as(&viewer.key, &app.id, version);
            }
            result?
        }
    };
    drop(conn);
    let reduced = viewer.data_access != DataAccess::All;
    // Charts already computed for this model and these selections are taken as they are
    // (`results`); the rest are computed below, on one evaluation, and kept.
    let results = &viewer.engines.results;
    let charts: Vec<(ChartView, Option<ResultKey>)> = specs
        .into_iter()
        .map(|(id, (spec, unreadable))| {
            let (data, result) = match unreadable {
                Some(problem) => (ChartData::Problem(problem), None),
                None if nothing_left => (ChartData::Problem(
                    "Another participant selected values you may not see, so nothing here is left for you. It shows again when they clear that selection.".into(),
                ), None),
                None => {
                    let result = ResultKey {
                        model: key.label(),
                        selections: selections.clone(),
                        spec: serde_json::to_string(&spec).unwrap_or_default(),
                    };
                    match results.get(&result) {
                        Some(kept) => ((*kept).clone(), None),
                        None => (ChartData::Problem(String::new()), Some(result)),
                    }
                }
            };
            (ChartView { id, data, spec }, result)
        })
        .collect();
    // All kept: what is left (the summary, the chips) is cheap, and needs no other thread.
    let all_kept = charts.iter().all(|(_, result)| result.is_none());
    let work = move || {
        let mut evaluation = None;
        let charts: Vec<(ChartView, Option<(ResultKey, usize)>)> = charts
            .into_iter()
            .map(|(mut chart, result)| {
                let result = result.map(|result| {
                    let evaluation =
                        evaluation.get_or_insert_with(|| engine::evaluate(&model, &selections));
                    chart.data = chart_data(&model, evaluation, &selections, &chart.spec);
                    let bytes = serde_json::to_vec(&chart.data).map_or(0, |b| b.len());
                    (result, bytes)
                });
                (chart, result)
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
                        rows: 0,
                        missing: 0,
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
    };
    let computed = if all_kept {
        work()
    } else {
        blocking(work).await?
    };
    view.charts = computed
        .0
        .into_iter()
        .map(|(chart, result)| {
            if let Some((result, bytes)) = result {
                results.insert(result, Arc::new(chart.data.clone()), bytes);
            }
            chart
        })
        .collect();
    (view.selections, view.data) = (computed.1, Some(computed.2));
    view.can_back = can_back;
    view.can_forward = can_forward;
    Ok(view)
}

/// Housekeeping: forgets saved selections untouched for as long as a signed-in session may sit
/// idle (anonymous sessions are shorter still); returns how many.
pub async fn forget_idle_selections(state: &AppState) -> Result<u64, AppError> {
    let mut conn = state.db.acquire().await?;
    let cutoff = state.now() - state.settings.session.idle_ms;
    Ok(store::forget_idle_viewer_states(&mut conn, cutoff).await?)
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

/// A viewer's change to selections held by value (a collaborative session's), worked out on the
/// data they see: the codes they clicked name values of their own reduction.
pub async fn value_change(
    state: &AppState,
    conn: &mut AnyConnection,
    app: &AppRow,
    data_access: &DataAccess,
    current: &[ValueField],
    change: &SelectionChange,
) -> Result<ValueChange, AppError> {
    if app.data_version == 0 {
        return Err(AppError::invalid(
            "change",
            "This app has no data yet: there is nothing to select.",
        ));
    }
    let (_, model) = viewer_model(state, &state.content.engines, conn, app, data_access).await?;
    super::super::compute::value_change(&model, current, change)
}
