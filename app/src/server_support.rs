//! What server functions need from the request they run in: the state, the caller, and a way
//! to answer errors with the right HTTP status. Server-only.

use http::request::Parts;
use leptos::prelude::*;
use leptos_axum::ResponseOptions;

use crate::auth::principal::{Principal, RequestInfo};
use crate::error::AppError;
use crate::state::AppState;

/// A CSP nonce minted per request by the server's security-header layer and rendered into the
/// page's scripts, so that the CSP needs no `unsafe-inline`.
#[derive(Debug, Clone)]
pub struct CspNonce(pub String);

pub fn state() -> Result<AppState, AppError> {
    use_context::<AppState>()
        .ok_or_else(|| AppError::internal("AppState missing from the Leptos context"))
}

pub fn parts() -> Option<Parts> {
    use_context::<Parts>()
}

/// The signed-in caller, or `None`.
pub fn principal() -> Option<Principal> {
    parts().and_then(|p| p.extensions.get::<Principal>().cloned())
}

/// The signed-in caller; an error asking to sign in otherwise.
pub fn require_principal() -> Result<Principal, AppError> {
    principal()
        .ok_or(AppError::Unauthenticated)
        .inspect_err(set_status)
}

pub fn request_info() -> RequestInfo {
    parts()
        .and_then(|p| p.extensions.get::<RequestInfo>().cloned())
        .unwrap_or_default()
}

/// Gives the response the error's HTTP status (server functions answer 500 otherwise).
pub fn set_status(error: &AppError) {
    if let Some(response) = use_context::<ResponseOptions>() {
        response.set_status(
            http::StatusCode::from_u16(error.status())
                .unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR),
        );
        if let Some(retry_after_secs) = error.retry_after_secs() {
            if let Ok(value) = http::HeaderValue::from_str(&retry_after_secs.to_string()) {
                response.insert_header(http::header::RETRY_AFTER, value);
            }
        }
    }
}

/// Passes a service result through, setting the HTTP status when it is an error.
pub fn respond<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    result.inspect_err(set_status)
}

/// The state and the signed-in caller: the start of nearly every server function.
pub fn context() -> Result<(AppState, Principal), AppError> {
    Ok((state()?, require_principal()?))
}

pub fn set_cookie(value: String) {
    if let (Some(response), Ok(value)) = (
        use_context::<ResponseOptions>(),
        http::HeaderValue::from_str(&value),
    ) {
        response.append_header(http::header::SET_COOKIE, value);
    }
}

/// The session cookie: HttpOnly, SameSite=Lax, Secure behind https, living no longer than the
/// session's absolute lifetime.
pub fn session_cookie(state: &AppState, secret: &str) -> String {
    let max_age = state.settings.session.absolute_ms / 1000;
    let secure = if state.settings.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    format!(
        "{}={secret}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}",
        crate::auth::SESSION_COOKIE
    )
}

pub fn clear_session_cookie(state: &AppState) -> String {
    let secure = if state.settings.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    format!(
        "{}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}",
        crate::auth::SESSION_COOKIE
    )
}
