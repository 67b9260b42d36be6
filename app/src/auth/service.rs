//! Sign-in, sessions, invitations and API keys: one function per operation.

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

/// Signs in with email and password. Returns the principal and the new session's secret, which
/// goes into the cookie and nowhere else.
///
/// The attempt is written as a failure *before* the password is checked, and the limits are
/// then counted with it: of any number of parallel guesses, only as many as the limit allows see
/// a count within it (each counts every attempt committed before its count, its own included).
/// A right password takes its attempt back.
pub async fn sign_in(
    state: &AppState,
    request: &RequestInfo,
    email: &str,
    password: &str,
) -> Result<(Principal, String), AppError> {
    let now = state.now();
    let email_key = unique_key(email);
    if email_key.is_empty() || password.is_empty() {
        return Err(AppError::invalid("email", "Enter your email and password."));
    }
    if email.chars().count() > MAX_EMAIL_CHARS
        || password.chars().count() > rules::MAX_PASSWORD_CHARS
    {
        return Err(wrong_credentials());
    }
    let account_subject = account_subject(&email_key);
    let address_subject = address_subject(request);
    let attempt = new_id();
    let tenant = {
        let mut tx = state.db.begin().await?;
        let tenant = store::tenant_for_host(&mut tx, &request.host)
            .await?
            .ok_or_else(|| AppError::not_found("This server has no tenant yet. Run `sightline demo` or `sightline create-admin` first."))?;
        store::record_failure(&mut tx, &tenant.id, &account_subject, now, &attempt).await?;
        store::record_failure(&mut tx, &tenant.id, &address_subject, now, &attempt).await?;
        tx.commit().await?;
        tenant
    };
    // Reads on a connection released before any write: SQLite has a single connection.
    let (allowed, login) = {
        let mut conn = state.db.acquire().await?;
        let since = now - state.settings.login_limits.window_ms;
        let account_attempts =
            store::recent_failures(&mut conn, &tenant.id, &account_subject, since).await?;
        let address_attempts =
            store::recent_failures(&mut conn, &tenant.id, &address_subject, since).await?;
        (
            rules::check_attempt_allowed(
                &account_attempts,
                &address_attempts,
                state.settings.login_limits,
                now,
            ),
            store::find_login(&mut conn, &tenant.id, &email_key).await?,
        )
    };
    if let Err(refusal) = allowed {
        // A refused attempt is no guess: it does not prolong the wait.
        let mut conn = state.db.acquire().await?;
        store::take_back_attempt(&mut conn, &tenant.id, &attempt).await?;
        return Err(refusal);
    }
    let hash = login.as_ref().and_then(|l| l.password_hash.clone());
    let matches = match verify_password(password.to_string(), hash).await {
        Ok(matches) => matches,
        Err(busy) => {
            let mut conn = state.db.acquire().await?;
            store::take_back_attempt(&mut conn, &tenant.id, &attempt).await?;
            return Err(busy);
        }
    };
    let Some(login) = login.filter(|_| matches) else {
        let mut tx = state.db.begin().await?;
        let actor = Actor {
            tenant_id: &tenant.id,
            id: None,
            name: email.trim(),
        };
        let target = Target {
            kind: "user",
            id: "",
            name: email.trim(),
        };
        record(
            &mut tx,
            now,
            &actor,
            AuditAction::AuthSignInFailed,
            target,
            format!("from {}", request.client_addr),
        )
        .await?;
        tx.commit().await?;
        return Err(wrong_credentials());
    };
    if login.status == UserStatus::Disabled.as_str() {
        return Err(AppError::forbidden(
            "This account is disabled. Ask a tenant admin to enable it.",
        ));
    }
    let mut tx = state.db.begin().await?;
    store::take_back_attempt(&mut tx, &tenant.id, &attempt).await?;
    store::clear_failures(&mut tx, &tenant.id, &account_subject).await?;
    let signed_in = open_session(
        &mut tx,
        SessionOwner {
            tenant_id: &tenant.id,
            user_id: &login.id,
            name: &login.name,
        },
        request,
        now,
        AuditAction::AuthSignIn,
        format!("from {}", request.client_addr),
    )
    .await?
    .ok_or_else(wrong_credentials)?;
    tx.commit().await?;
    Ok(signed_in)
}

/// Whom a new session is for.
struct SessionOwner<'a> {
    tenant_id: &'a str,
    user_id: &'a str,
    name: &'a str,
}

/// Opens a browser session for someone who has just proved who they are (a password, an
/// invitation), records `action` in the audit log, and returns their principal with the
/// session's secret; `None` if the user cannot act (not active).
async fn open_session(
    conn: &mut AnyConnection,
    owner: SessionOwner<'_>,
    request: &RequestInfo,
    now: i64,
    action: AuditAction,
    detail: String,
) -> Result<Option<(Principal, String)>, AppError> {
    let secret = new_secret();
    let id_hash = digest(&secret);
    store::insert_session(
        conn,
        &id_hash,
        owner.tenant_id,
        owner.user_id,
        now,
        &request.client_addr,
        &request.user_agent,
    )
    .await?;
    let actor = Actor {
        tenant_id: owner.tenant_id,
        id: Some(owner.user_id),
        name: owner.name,
    };
    let target = Target {
        kind: "user",
        id: owner.user_id,
        name: owner.name,
    };
    record(conn, now, &actor, action, target, detail).await?;
    let principal = load_principal(conn, owner.user_id, Credential::Session { id_hash }).await?;
    Ok(principal.map(|p| (p, secret)))
}

/// Ends the session the principal signed in with.
pub async fn sign_out(state: &AppState, principal: &Principal) -> Result<(), AppError> {
    let Credential::Session { id_hash } = &principal.credential else {
        return Ok(());
    };
    // Signing out ends the session's open apps for licensing.
    crate::licences::service::disconnect(state, principal, "").await?;
    let mut tx = state.db.begin().await?;
    store::delete_session(&mut tx, id_hash).await?;
    let target = Target {
        kind: "user",
        id: &principal.user_id,
        name: &principal.name,
    };
    record(
        &mut tx,
        state.now(),
        &principal.actor(),
        AuditAction::AuthSignOut,
        target,
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Ends every session of the principal's account, on every device.
pub async fn sign_out_everywhere(state: &AppState, principal: &Principal) -> Result<u64, AppError> {
    let mut tx = state.db.begin().await?;
    let ended = store::delete_user_sessions(&mut tx, &principal.user_id).await?;
    let target = Target {
        kind: "user",
        id: &principal.user_id,
        name: &principal.name,
    };
    record(
        &mut tx,
        state.now(),
        &principal.actor(),
        AuditAction::AuthSignOutEverywhere,
        target,
        format!("{ended} sessions ended"),
    )
    .await?;
    tx.commit().await?;
    Ok(ended)
}

pub async fn list_sessions(
    state: &AppState,
    principal: &Principal,
) -> Result<Vec<SessionInfo>, AppError> {
    let current = match &principal.credential {
        Credential::Session { id_hash } => Some(id_hash.as_str()),
        _ => None,
    };
    let mut conn = state.db.acquire().await?;
    Ok(store::list_sessions(&mut conn, &principal.user_id, current).await?)
}

/// Creates a personal API key. The secret is returned once; only its digest is kept.
pub async fn create_api_key(
    state: &AppState,
    principal: &Principal,
    name: &str,
) -> Result<NewApiKey, AppError> {
    principal.require(Permission::CreateApiKeys)?;
    let name = clean_name("name", name, MAX_NAME_CHARS)?;
    let now = state.now();
    let secret = format!("{API_KEY_PREFIX}{}", new_secret());
    let info = ApiKeyInfo {
        id: new_id(),
        name,
        prefix: secret[..API_KEY_PREFIX.len() + 6].to_string(),
        created_at: now,
        last_used_at: None,
        revoked_at: None,
    };
    let mut tx = state.db.begin().await?;
    store::insert_api_key(
        &mut tx,
        &principal.tenant_id,
        &principal.user_id,
        &info,
        &digest(&secret),
    )
    .await?;
    let target = Target {
        kind: "api_key",
        id: &info.id,
        name: &info.name,
    };
    record(
        &mut tx,
        now,
        &principal.actor(),
        AuditAction::ApiKeyCreate,
        target,
        format!("for {}", principal.email),
    )
    .await?;
    tx.commit().await?;
    Ok(NewApiKey { info, secret })
}

/// A user's keys: their own, or anyone's for a directory admin.
pub async fn list_api_keys(
    state: &AppState,
    principal: &Principal,
    user_id: &str,
) -> Result<Vec<ApiKeyInfo>, AppError> {
    if user_id != principal.user_id {
        principal.require(Permission::ManageDirectory)?;
    }
    let mut conn = state.db.acquire().await?;
    Ok(store::list_api_keys(&mut conn, &principal.tenant_id, user_id).await?)
}

pub async fn revoke_api_key(
    state: &AppState,
    principal: &Principal,
    key_id: &str,
) -> Result<(), AppError> {
    let mut tx = state.db.begin().await?;
    let key = store::get_api_key(&mut tx, &principal.tenant_id, key_id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("There is no API key with id {key_id}.")))?;
    if key.user_id != principal.user_id {
        principal.require(Permission::ManageDirectory)?;
    }
    if key.revoked_at.is_some() {
        return Err(AppError::conflict(format!(
            "The API key \"{}\" is already revoked.",
            key.name
        )));
    }
    let now = state.now();
    store::revoke_api_key(&mut tx, key_id, now).await?;
    record(
        &mut tx,
        now,
        &principal.actor(),
        AuditAction::ApiKeyRevoke,
        Target {
            kind: "api_key",
            id: key_id,
            name: &key.name,
        },
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Issues a new invitation for a user (replacing any earlier one) and returns its token.
pub async fn issue_invite(
    conn: &mut AnyConnection,
    state: &AppState,
    user_id: &str,
) -> Result<String, AppError> {
    let now = state.now();
    let token = new_secret();
    store::insert_invite(
        conn,
        &digest(&token),
        user_id,
        now,
        now + state.settings.invite_lifetime_ms,
    )
    .await?;
    Ok(token)
}

/// The address a person opens to accept an invitation.
pub fn invite_url(state: &AppState, token: &str) -> String {
    format!(
        "{}/invite/{token}",
        state.settings.public_url.trim_end_matches('/')
    )
}

fn invalid_invite() -> AppError {
    AppError::not_found("This invitation link is not valid: it was already used, replaced by a newer one, or has expired. Ask your administrator for a new one.")
}

/// Who an invitation is for, so the page can greet them.
pub async fn invite_details(state: &AppState, token: &str) -> Result<(String, String), AppError> {
    let mut conn = state.db.acquire().await?;
    let invite = store::find_invite(&mut conn, &digest(token))
        .await?
        .ok_or_else(invalid_invite)?;
    if invite.expires_at <= state.now() || invite.status == UserStatus::Disabled.as_str() {
        return Err(invalid_invite());
    }
    Ok((invite.name, invite.email))
}

/// Sets the password of an invited user, activates the account and signs them in.
pub async fn accept_invite(
    state: &AppState,
    request: &RequestInfo,
    token: &str,
    password: &str,
) -> Result<(Principal, String), AppError> {
    rules::check_password_policy(password)?;
    let now = state.now();
    // The invitation first: a made-up token costs one indexed read, never a hash.
    invite_details(state, token).await?;
    let hash = hash_password(password.to_string()).await?;
    let mut tx = state.db.begin().await?;
    let invite = store::find_invite(&mut tx, &digest(token))
        .await?
        .ok_or_else(invalid_invite)?;
    if invite.expires_at <= now || invite.status == UserStatus::Disabled.as_str() {
        return Err(invalid_invite());
    }
    store::set_password_hash(&mut tx, &invite.user_id, &hash, now).await?;
    store::delete_invites(&mut tx, &invite.user_id).await?;
    let signed_in = open_session(
        &mut tx,
        SessionOwner {
            tenant_id: &invite.tenant_id,
            user_id: &invite.user_id,
            name: &invite.name,
        },
        request,
        now,
        AuditAction::AuthPasswordSet,
        "invitation accepted".to_string(),
    )
    .await?
    .ok_or_else(invalid_invite)?;
    tx.commit().await?;
    Ok(signed_in)
}

/// Sets a user's password from the server's command line (`create-admin`).
pub async fn set_password_from_console(
    state: &AppState,
    tenant_id: &str,
    email: &str,
    password: &str,
) -> Result<(), AppError> {
    rules::check_password_policy(password)?;
    let email = clean_email(email)?;
    let hash = hash_password(password.to_string()).await?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let login = store::find_login(&mut tx, tenant_id, &unique_key(&email))
        .await?
        .ok_or_else(|| AppError::not_found(format!("No user has the email {email}.")))?;
    store::set_password_hash(&mut tx, &login.id, &hash, now).await?;
    store::delete_invites(&mut tx, &login.id).await?;
    let actor = Actor {
        tenant_id,
        id: None,
        name: "console",
    };
    record(
        &mut tx,
        now,
        &actor,
        AuditAction::AuthPasswordSet,
        Target {
            kind: "user",
            id: &login.id,
            name: &login.name,
        },
        "set from the command line",
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Drops failed sign-ins that no longer count, so the table stays small.
pub async fn forget_old_failures(state: &AppState) -> Result<u64, AppError> {
    let mut conn = state.db.acquire().await?;
    Ok(store::forget_failures_before(
        &mut conn,
        state.now() - state.settings.login_limits.window_ms,
    )
    .await?)
}
