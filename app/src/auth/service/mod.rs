//! Sign-in, sessions, invitations and API keys: one function per operation.

mod api_keys;
mod hashing;
mod housekeeping;
mod invitations;
mod resets;
mod sessions;

pub use api_keys::*;
pub use hashing::hash_password;
pub use housekeeping::*;
pub use invitations::*;
pub use resets::*;
pub use sessions::*;

use sqlx::AnyConnection;

use super::model::{ApiKeyInfo, NewApiKey, SessionInfo};
use super::principal::{load_principal, Credential, Principal, RequestInfo};
use super::rules::{self, SessionVerdict, API_KEY_PREFIX, TOUCH_EVERY_MS};
use super::store;
use crate::audit::model::AuditAction;
use crate::audit::service::{record, Actor, Target};
use crate::directory::rules::{
    clean_email, clean_name, unique_key, Permission, UserStatus, MAX_NAME_CHARS,
};
use crate::error::AppError;
use crate::ids::{digest, new_id, new_secret};
use crate::state::AppState;
use hashing::verify_password;

/// Resolves the caller from a bearer API key or the session cookie. Unknown, revoked or
/// expired credentials resolve to nobody.
pub async fn authenticate(
    state: &AppState,
    cookie_header: Option<&str>,
    authorization: Option<&str>,
) -> Result<Option<Principal>, AppError> {
    let now = state.now();
    let token = authorization.and_then(rules::bearer_token);
    let secret = cookie_header.and_then(|h| rules::cookie_value(h, super::SESSION_COOKIE));
    if token.is_none() && secret.is_none() {
        // A visitor with no credentials costs the database nothing.
        return Ok(None);
    }
    let mut conn = state.db.acquire().await?;
    if let Some(token) = token {
        if token.starts_with(crate::idps::EMBED_TOKEN_PREFIX) {
            return session_principal(state, &mut conn, token, "embed", now).await;
        }
        if !token.starts_with(API_KEY_PREFIX) {
            return Ok(None);
        }
        let Some(key) = store::find_api_key(&mut conn, &digest(token)).await? else {
            return Ok(None);
        };
        if key.last_used_at.is_none_or(|at| now - at >= TOUCH_EVERY_MS) {
            store::touch_api_key(&mut conn, &key.id, now).await?;
        }
        return load_principal(
            &mut conn,
            &key.user_id,
            Credential::ApiKey { key_id: key.id },
        )
        .await;
    }
    let Some(secret) = secret else {
        return Ok(None);
    };
    session_principal(state, &mut conn, secret, "portal", now).await
}

/// The principal of a session of `kind` (a portal's cookie, an embed's header): a session is
/// known only by the way it was given, ends as the settings say, and a session a token opened
/// ends with the token at the latest.
async fn session_principal(
    state: &AppState,
    conn: &mut AnyConnection,
    secret: &str,
    kind: &str,
    now: i64,
) -> Result<Option<Principal>, AppError> {
    let id_hash = digest(secret);
    let Some(session) = store::find_session(conn, &id_hash).await? else {
        return Ok(None);
    };
    if session.kind != kind {
        return Ok(None);
    }
    let verdict = match session.expires_at {
        Some(end) if end <= now => SessionVerdict::Expired,
        _ => rules::session_verdict(
            session.created_at,
            session.last_seen_at,
            state.settings.session,
            now,
        ),
    };
    match verdict {
        SessionVerdict::Expired => {
            store::delete_session(conn, &id_hash).await?;
            Ok(None)
        }
        SessionVerdict::Valid { touch } => {
            if touch {
                store::touch_session(conn, &id_hash, now).await?;
            }
            let principal =
                load_principal(conn, &session.user_id, Credential::Session { id_hash }).await?;
            if session.narrowing.is_empty() {
                return Ok(principal);
            }
            // A narrowing that cannot be read ends the session rather than show more.
            let Ok(narrowing) = serde_json::from_str(&session.narrowing) else {
                return Ok(None);
            };
            Ok(principal.map(|p| Principal { narrowing, ..p }))
        }
    }
}

fn wrong_credentials() -> AppError {
    AppError::Invalid {
        field: None,
        message:
            "That email and password do not match an active account. Check both and try again."
                .into(),
    }
}

fn account_subject(email_key: &str) -> String {
    format!("account:{email_key}")
}

fn address_subject(request: &RequestInfo) -> String {
    format!("address:{}", rules::address_bucket(&request.client_addr))
}

/// The longest email a sign-in looks up; longer is no account's, and is not written anywhere.
const MAX_EMAIL_CHARS: usize = 320;
