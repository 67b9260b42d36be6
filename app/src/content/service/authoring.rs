//! Authoring: adding, renaming, moving and removing sheets and charts.

use super::*;
use crate::audit::model::AuditAction;

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
        AuditAction::SheetCreate,
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
        AuditAction::SheetDelete,
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
pub(super) async fn app_fields(
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
