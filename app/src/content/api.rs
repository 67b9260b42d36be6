//! Server functions for app content. Thin: caller and state in, service call out.

use leptos::prelude::*;
use server_fn::codec::Json;

use super::model::*;
use crate::apps::model::{App, NewApp};
use crate::error::AppError;

/// An open sheet under the caller's selections, after applying `change` to them. A stable
/// endpoint (`/api/open_sheet`): scripts and embeds call it too.
#[server(input = Json, endpoint = "open_sheet")]
pub async fn open_sheet(
    app_id: String,
    sheet_id: Option<String>,
    change: Option<SelectionChange>,
) -> Result<SheetView, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(
        super::service::open_sheet(&state, &principal, &app_id, sheet_id.as_deref(), change).await,
    )
}

#[server(input = Json)]
pub async fn create_app_from_uploads(
    input: NewApp,
    file_ids: Vec<String>,
    plan: Option<crate::modelling::model::Plan>,
) -> Result<App, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::create_app_with_plan(&state, &principal, input, file_ids, plan).await)
}

#[server(input = Json)]
pub async fn add_sheet(app_id: String, title: String) -> Result<SheetInfo, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::add_sheet(&state, &principal, &app_id, &title).await)
}

#[server(input = Json)]
pub async fn rename_sheet(sheet_id: String, title: String) -> Result<SheetInfo, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::rename_sheet(&state, &principal, &sheet_id, &title).await)
}

#[server(input = Json)]
pub async fn delete_sheet(sheet_id: String) -> Result<(), AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::delete_sheet(&state, &principal, &sheet_id).await)
}

#[server(input = Json)]
pub async fn move_sheet(sheet_id: String, position: usize) -> Result<(), AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::move_sheet(&state, &principal, &sheet_id, position).await)
}

#[server(input = Json)]
pub async fn save_chart(
    sheet_id: String,
    chart_id: Option<String>,
    spec: ChartSpec,
) -> Result<String, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(
        super::service::save_chart(&state, &principal, &sheet_id, chart_id.as_deref(), spec).await,
    )
}

#[server(input = Json)]
pub async fn delete_chart(chart_id: String) -> Result<(), AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::delete_chart(&state, &principal, &chart_id).await)
}

#[server(input = Json)]
pub async fn move_chart(chart_id: String, position: usize) -> Result<(), AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::move_chart(&state, &principal, &chart_id, position).await)
}

#[server(input = Json)]
pub async fn list_section_access(app_id: String) -> Result<Vec<AccessRule>, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::list_section_access(&state, &principal, &app_id).await)
}

#[server(input = Json)]
pub async fn add_section_access(
    app_id: String,
    input: NewAccessRule,
) -> Result<AccessRule, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::add_section_access(&state, &principal, &app_id, input).await)
}

#[server(input = Json)]
pub async fn delete_section_access(rule_id: String) -> Result<(), AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::delete_section_access(&state, &principal, &rule_id).await)
}
