//! Server functions for sign-in, sign-out, invitations, sessions and API keys.

use leptos::prelude::*;

use super::model::{ApiKeyInfo, CurrentUser, NewApiKey, SessionInfo};
use crate::error::AppError;

/// The signed-in user, or `None` for a visitor.
#[server(endpoint = "get_current_user")]
pub async fn get_current_user() -> Result<Option<CurrentUser>, AppError> {
    Ok(crate::server_support::principal().map(|p| p.current_user()))
}

#[server(endpoint = "sign_in")]
pub async fn sign_in(email: String, password: String) -> Result<CurrentUser, AppError> {
    use crate::server_support::*;
    let state = state()?;
    let (principal, secret) =
        respond(super::service::sign_in(&state, &request_info(), &email, &password).await)?;
    set_cookie(session_cookie(&state, &secret));
    Ok(principal.current_user())
}

#[server(endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    use crate::server_support::*;
    let state = state()?;
    if let Some(principal) = principal() {
        respond(super::service::sign_out(&state, &principal).await)?;
    }
    set_cookie(clear_session_cookie(&state));
    Ok(())
}

/// Ends every session of the caller's account, this one included.
#[server(endpoint = "sign_out_everywhere")]
pub async fn sign_out_everywhere() -> Result<u64, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    let ended = respond(super::service::sign_out_everywhere(&state, &principal).await)?;
    set_cookie(clear_session_cookie(&state));
    Ok(ended)
}

#[server]
pub async fn list_sessions() -> Result<Vec<SessionInfo>, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::list_sessions(&state, &principal).await)
}

/// Who an invitation is for: (name, email).
#[server]
pub async fn invite_details(token: String) -> Result<(String, String), AppError> {
    use crate::server_support::*;
    respond(super::service::invite_details(&state()?, &token).await)
}

#[server(endpoint = "accept_invite")]
pub async fn accept_invite(
    token: String,
    password: String,
    confirm: String,
) -> Result<CurrentUser, AppError> {
    use crate::server_support::*;
    if password != confirm {
        return respond(Err(AppError::invalid(
            "confirm",
            "The two passwords differ. Type the same password twice.",
        )));
    }
    let state = state()?;
    let (principal, secret) =
        respond(super::service::accept_invite(&state, &request_info(), &token, &password).await)?;
    set_cookie(session_cookie(&state, &secret));
    Ok(principal.current_user())
}

/// "Forgot password": a link to choose a new one, emailed when the address is an account's.
#[server(endpoint = "request_password_reset")]
pub async fn request_password_reset(email: String) -> Result<(), AppError> {
    use crate::server_support::*;
    respond(super::service::request_password_reset(&state()?, &request_info(), &email).await)
}

#[server]
pub async fn list_api_keys(user_id: Option<String>) -> Result<Vec<ApiKeyInfo>, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    let user_id = user_id.unwrap_or_else(|| principal.user_id.clone());
    respond(super::service::list_api_keys(&state, &principal, &user_id).await)
}

#[server]
pub async fn create_api_key(name: String) -> Result<NewApiKey, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::create_api_key(&state, &principal, &name).await)
}

#[server]
pub async fn revoke_api_key(key_id: String) -> Result<(), AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::revoke_api_key(&state, &principal, &key_id).await)
}
