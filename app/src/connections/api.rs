//! Server functions of data connections, each named as its operation is everywhere (service,
//! REST, audit).

use leptos::prelude::*;
use server_fn::codec::Json;

use super::model::*;
use crate::error::AppError;

#[server(input = Json, endpoint = "list_connections")]
pub async fn list_connections(space_id: Option<String>) -> Result<ConnectionsPage, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::list_connections(&state, &principal, space_id.as_deref()).await)
}

#[server(input = Json, endpoint = "create_connection")]
pub async fn create_connection(input: ConnectionInput) -> Result<Connection, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::create_connection(&state, &principal, input).await)
}

#[server(input = Json, endpoint = "update_connection")]
pub async fn update_connection(id: String, input: ConnectionInput) -> Result<Connection, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::update_connection(&state, &principal, &id, input).await)
}

#[server(input = Json, endpoint = "delete_connection")]
pub async fn delete_connection(id: String) -> Result<(), AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::delete_connection(&state, &principal, &id).await)
}

#[server(input = Json, endpoint = "test_connection")]
pub async fn test_connection(
    id: Option<String>,
    input: ConnectionInput,
) -> Result<String, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::test_connection(&state, &principal, id.as_deref(), input).await)
}

#[server(input = Json, endpoint = "connection_tables")]
pub async fn connection_tables(id: String) -> Result<Vec<SourceTable>, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::connection_tables(&state, &principal, &id).await)
}

#[server(input = Json, endpoint = "preview_source")]
pub async fn preview_source(id: String, source: SourceTable) -> Result<Preview, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::preview_source(&state, &principal, &id, source).await)
}

#[server(input = Json, endpoint = "get_connection_hosts")]
pub async fn get_connection_hosts() -> Result<ConnectionHosts, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::get_connection_hosts(&state, &principal).await)
}

#[server(input = Json, endpoint = "set_connection_hosts")]
pub async fn set_connection_hosts(hosts: String) -> Result<String, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::set_connection_hosts(&state, &principal, &hosts).await)
}
