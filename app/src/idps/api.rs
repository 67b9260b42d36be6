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

#[server(input = Json, endpoint = "list_oidc_providers")]
pub async fn list_oidc_providers() -> Result<Vec<OidcProvider>, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::list_oidc_providers(&state, &principal).await)
}

#[server(input = Json, endpoint = "create_oidc_provider")]
pub async fn create_oidc_provider(input: OidcInput) -> Result<OidcProvider, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::create_oidc_provider(&state, &principal, input).await)
}

#[server(input = Json, endpoint = "update_oidc_provider")]
pub async fn update_oidc_provider(id: String, input: OidcInput) -> Result<OidcProvider, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::update_oidc_provider(&state, &principal, &id, input).await)
}

#[server(input = Json, endpoint = "delete_oidc_provider")]
pub async fn delete_oidc_provider(id: String) -> Result<(), AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::delete_oidc_provider(&state, &principal, &id).await)
}

#[server(input = Json, endpoint = "promote_oidc_provider")]
pub async fn promote_oidc_provider(id: String) -> Result<OidcProvider, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::promote_oidc_provider(&state, &principal, &id).await)
}

#[server(input = Json, endpoint = "get_password_policy")]
pub async fn get_password_policy() -> Result<PasswordPolicy, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::get_password_policy(&state, &principal).await)
}

#[server(input = Json, endpoint = "set_password_policy")]
pub async fn set_password_policy(policy: PasswordPolicy) -> Result<PasswordPolicy, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::set_password_policy(&state, &principal, policy).await)
}

/// What the sign-in page offers: single sign-on buttons, passwords, a forgotten password.
#[server(endpoint = "get_sign_in_options")]
pub async fn get_sign_in_options() -> Result<SignInOptions, AppError> {
    use crate::server_support::*;
    respond(super::service::sign_in_options(&state()?, &request_info()).await)
}
