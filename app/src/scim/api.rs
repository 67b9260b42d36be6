//! Server functions of provisioning's admin card: its status, a new token, turning it off.

use leptos::prelude::*;
use server_fn::codec::Json;

use super::model::*;
use crate::error::AppError;

#[server(input = Json, endpoint = "get_scim_status")]
pub async fn get_scim_status() -> Result<ScimStatus, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::get_scim_status(&state, &principal).await)
}

#[server(input = Json, endpoint = "make_scim_token")]
pub async fn make_scim_token() -> Result<NewScimToken, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::make_scim_token(&state, &principal).await)
}

#[server(input = Json, endpoint = "revoke_scim_token")]
pub async fn revoke_scim_token() -> Result<(), AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::revoke_scim_token(&state, &principal).await)
}
