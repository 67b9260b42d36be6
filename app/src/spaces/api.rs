//! Server functions for spaces and their members. Thin: caller and state in, service call out.

use leptos::prelude::*;
use server_fn::codec::Json;

use super::model::*;
use super::rules::SpaceRole;
use crate::error::AppError;
use crate::paging::Page;

#[server(input = Json)]
pub async fn list_spaces(query: SpaceQuery) -> Result<Page<Space>, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::list_spaces(&state, &principal, query).await)
}

/// Managed spaces the caller may publish into, filtered on the server.
#[server(input = Json)]
pub async fn list_publish_targets() -> Result<Vec<Space>, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::list_publish_targets(&state, &principal).await)
}

/// Spaces the caller may put apps in, filtered on the server.
#[server(input = Json)]
pub async fn list_app_targets() -> Result<Vec<Space>, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::list_app_targets(&state, &principal).await)
}

#[server(input = Json)]
pub async fn get_space(id: String) -> Result<Space, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::get_space(&state, &principal, &id).await)
}

/// A space and the apps in it the caller can open: what the space's page shows, in one call
/// (two calls in one resource lose the request's context on the server after the first await).
#[server(input = Json)]
pub async fn get_space_page(id: String) -> Result<(Space, Vec<crate::apps::model::App>), AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    let space = respond(super::service::get_space(&state, &principal, &id).await)?;
    let apps = respond(crate::apps::service::list_apps(&state, &principal, &id).await)?;
    Ok((space, apps))
}

#[server(input = Json)]
pub async fn create_space(input: NewSpace) -> Result<Space, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::create_space(&state, &principal, input).await)
}

#[server(input = Json)]
pub async fn update_space(id: String, changes: SpaceChanges) -> Result<Space, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::update_space(&state, &principal, &id, changes).await)
}

#[server(input = Json)]
pub async fn delete_space(id: String) -> Result<(), AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::delete_space(&state, &principal, &id).await)
}

#[server(input = Json)]
pub async fn create_assignment(
    space_id: String,
    input: NewAssignment,
) -> Result<Assignment, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::create_assignment(&state, &principal, &space_id, input).await)
}

#[server(input = Json)]
pub async fn update_assignment(
    space_id: String,
    id: String,
    roles: Vec<SpaceRole>,
) -> Result<Assignment, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::update_assignment(&state, &principal, &space_id, &id, roles).await)
}

#[server(input = Json)]
pub async fn delete_assignment(space_id: String, id: String) -> Result<(), AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::delete_assignment(&state, &principal, &space_id, &id).await)
}
