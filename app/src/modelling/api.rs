//! Server functions of the data-model page.

use leptos::prelude::*;
use server_fn::codec::Json;

use super::model::*;
use crate::error::AppError;

#[server(input = Json)]
pub async fn get_data_model(app_id: String) -> Result<DataModelPage, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::get_data_model(&state, &principal, &app_id).await)
}

#[server(input = Json)]
pub async fn set_load_plan(app_id: String, plan: Plan) -> Result<DataModelPage, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(crate::reloads::service::set_load_plan(&state, &principal, &app_id, plan).await)
}

/// The data-model step before an app is made: the caller's uploads as `plan` would load them.
#[server(input = Json)]
pub async fn preview_uploads(
    file_ids: Vec<String>,
    plan: Option<Plan>,
) -> Result<DataModelPage, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::preview_uploads(&state, &principal, &file_ids, plan).await)
}
