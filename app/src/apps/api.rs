//! Server functions for apps. Thin: caller and state in, service call out.

use leptos::prelude::*;
use server_fn::codec::Json;

use super::model::*;
use crate::error::AppError;

#[server(input = Json)]
pub async fn list_apps(space_id: String) -> Result<Vec<App>, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::list_apps(&state, &principal, &space_id).await)
}

#[server(input = Json)]
pub async fn get_app(id: String) -> Result<AppDetail, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::get_app(&state, &principal, &id).await)
}

#[server(input = Json)]
pub async fn create_app(input: NewApp) -> Result<App, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::create_app(&state, &principal, input).await)
}

#[server(input = Json)]
pub async fn update_app(id: String, changes: AppChanges) -> Result<App, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::update_app(&state, &principal, &id, changes).await)
}

#[server(input = Json)]
pub async fn delete_app(id: String) -> Result<(), AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::delete_app(&state, &principal, &id).await)
}

#[server(input = Json)]
pub async fn publish_app(id: String, input: PublishInput) -> Result<App, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::publish_app(&state, &principal, &id, input).await)
}

#[server(input = Json)]
pub async fn republish_app(id: String, target_id: String) -> Result<App, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::republish_app(&state, &principal, &id, &target_id).await)
}

#[server(input = Json)]
pub async fn move_app(id: String, space_id: String) -> Result<App, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::move_app(&state, &principal, &id, &space_id).await)
}

#[server(input = Json)]
pub async fn duplicate_app(id: String, input: DuplicateInput) -> Result<App, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::duplicate_app(&state, &principal, &id, input).await)
}
