//! Server functions of collaborative sessions. The live part (selections, presence) goes over
//! the session's websocket (`/collab/<id>/socket`, served by the server crate); these are the
//! clicks around it.

use leptos::prelude::*;
use server_fn::codec::Json;

use super::model::*;
use crate::error::AppError;

#[server(input = Json)]
pub async fn collab_settings(app_id: String) -> Result<CollabSwitches, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::collab_settings(&state, &principal, &app_id).await)
}

#[server(input = Json)]
pub async fn set_app_collab(app_id: String, on: bool) -> Result<(), AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::set_app_collab(&state, &principal, &app_id, on).await)
}

#[server(input = Json)]
pub async fn get_tenant_collab() -> Result<TenantCollab, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::get_tenant_collab(&state, &principal).await)
}

#[server(input = Json)]
pub async fn set_tenant_collab(switches: TenantCollab) -> Result<(), AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::set_tenant_collab(&state, &principal, switches).await)
}

#[server(input = Json)]
pub async fn start_session(
    app_id: String,
    sheet_id: Option<String>,
    mode: Mode,
) -> Result<Started, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(
        super::service::start_session(&state, &principal, &app_id, sheet_id.as_deref(), mode).await,
    )
}

#[server(input = Json)]
pub async fn invite(session_id: String) -> Result<String, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::invite(&state, &principal, &session_id).await)
}

#[server(input = Json)]
pub async fn expire_invitation(session_id: String) -> Result<(), AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::expire_invitation(&state, &principal, &session_id).await)
}

/// What the join page says; anyone with the link may ask.
#[server(input = Json)]
pub async fn invitation_info(token: String) -> Result<InvitationPage, AppError> {
    use crate::server_support::*;
    let state = state()?;
    respond(super::service::invitation_info(&state, principal().as_ref(), &token).await)
}

/// Joins with an email (or, in signed-in mode, the caller's account); sets the participant
/// cookie and returns the session's id.
#[server(input = Json)]
pub async fn join_session(token: String, email: String) -> Result<String, AppError> {
    use crate::server_support::*;
    let state = state()?;
    let result = super::service::join_session(&state, principal().as_ref(), &token, &email).await;
    if let Ok((session_id, secret)) = &result {
        let secure = if state.settings.secure_cookies {
            "; Secure"
        } else {
            ""
        };
        set_cookie(format!(
            "{}={session_id}.{secret}; Path=/collab/; HttpOnly; SameSite=Lax; Max-Age=86400{secure}",
            super::service::PARTICIPANT_COOKIE
        ));
    }
    respond(result.map(|(session_id, _)| session_id))
}

#[server(input = Json)]
pub async fn set_standing(
    session_id: String,
    participant_id: String,
    standing: Standing,
) -> Result<(), AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(
        super::service::set_standing(&state, &principal, &session_id, &participant_id, standing)
            .await,
    )
}

#[server(input = Json)]
pub async fn stop_session(session_id: String) -> Result<(), AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::stop_session(&state, &principal, &session_id).await)
}
