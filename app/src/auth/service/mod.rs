//! Sign-in, sessions, invitations and API keys: one function per operation.

mod api_keys;
mod housekeeping;
mod invitations;
mod sessions;

pub use api_keys::*;
pub use housekeeping::*;
pub use invitations::*;
pub use sessions::*;

use std::sync::OnceLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
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
    let id_hash = digest(secret);
    let Some(session) = store::find_session(&mut conn, &id_hash).await? else {
        return Ok(None);
    };
    match rules::session_verdict(
        session.created_at,
        session.last_seen_at,
        state.settings.session,
        now,
    ) {
        SessionVerdict::Expired => {
            store::delete_session(&mut conn, &id_hash).await?;
            Ok(None)
        }
        SessionVerdict::Valid { touch } => {
            if touch {
                store::touch_session(&mut conn, &id_hash, now).await?;
            }
            load_principal(&mut conn, &session.user_id, Credential::Session { id_hash }).await
        }
    }
}

/// A valid hash of nothing anyone knows: verifying against it when the account does not exist
/// makes a wrong email cost as long as a wrong password, so timing does not reveal accounts.
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| {
        hash_password_now(&new_secret()).expect("hashing a random password cannot fail")
    })
}

fn hash_password_now(password: &str) -> Result<String, AppError> {
    let mut salt_bytes = [0u8; 16];
    getrandom::getrandom(&mut salt_bytes).map_err(AppError::internal)?;
    let salt = SaltString::encode_b64(&salt_bytes).map_err(AppError::internal)?;
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(AppError::internal)?
        .to_string())
}

/// Every Argon2 computation in the process runs under one bound, as many at once as there are
/// cores: each takes 19 MiB and a core for tens of milliseconds, so without a bound a crowd of
/// requests (no account needed to send them) would take all memory and every core.
fn hashing() -> &'static tokio::sync::Semaphore {
    static HASHING: OnceLock<tokio::sync::Semaphore> = OnceLock::new();
    HASHING.get_or_init(|| {
        tokio::sync::Semaphore::new(
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2),
        )
    })
}

/// How long a request waits for a turn at hashing before it is told to come back.
const HASHING_WAIT: std::time::Duration = std::time::Duration::from_secs(3);

/// Runs an Argon2 computation off the async threads, under the process's bound; past the wait,
/// 503 with Retry-After.
async fn under_hashing_bound<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    let busy = || AppError::Unavailable {
        message: "Sightline is checking many passwords right now. Try again in a few seconds."
            .into(),
        retry_after_secs: 5,
    };
    let _permit = tokio::time::timeout(HASHING_WAIT, hashing().acquire())
        .await
        .map_err(|_| busy())?
        .map_err(|_| busy())?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(AppError::internal)
}

/// Argon2id with its default parameters, off the async threads.
pub async fn hash_password(password: String) -> Result<String, AppError> {
    under_hashing_bound(move || hash_password_now(&password)).await?
}

async fn verify_password(password: String, hash: Option<String>) -> Result<bool, AppError> {
    under_hashing_bound(move || {
        let hash = hash.unwrap_or_else(|| decoy_hash().to_string());
        PasswordHash::new(&hash).is_ok_and(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
    })
    .await
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
