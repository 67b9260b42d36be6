//! Server functions of the admin center's identity providers.

use leptos::prelude::*;
use server_fn::codec::Json;

use super::model::*;
use crate::error::AppError;

#[server(input = Json, endpoint = "list_identity_providers")]
pub async fn list_identity_providers() -> Result<Vec<IdentityProvider>, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::list_identity_providers(&state, &principal).await)
}

#[server(input = Json, endpoint = "create_identity_provider")]
pub async fn create_identity_provider(input: ProviderInput) -> Result<IdentityProvider, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::create_identity_provider(&state, &principal, input).await)
}

#[server(input = Json, endpoint = "update_identity_provider")]
pub async fn update_identity_provider(
    id: String,
    input: ProviderInput,
) -> Result<IdentityProvider, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::update_identity_provider(&state, &principal, &id, input).await)
}

#[server(input = Json, endpoint = "delete_identity_provider")]
pub async fn delete_identity_provider(id: String) -> Result<(), AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::delete_identity_provider(&state, &principal, &id).await)
}
