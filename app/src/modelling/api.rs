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
    respond(super::service::set_load_plan(&state, &principal, &app_id, plan).await)
}
