//! Signing in and out: the password check under its limits, the session it opens, signing out
//! (everywhere), and the sessions a person has.

use super::*;

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
    if !may_use_password(&mut tx, &tenant.id, &login.id).await? {
        return Err(AppError::forbidden(
            "This tenant signs people in through its single sign-on provider, not with passwords: use the sign-in button above.",
        ));
    }
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

/// Whether this user may sign in with a password (and ask for a link to choose one): the
/// tenant's policy, set on the Identity providers page.
pub async fn may_use_password(
    conn: &mut AnyConnection,
    tenant_id: &str,
    user_id: &str,
) -> Result<bool, AppError> {
    let (on, break_glass) = store::password_policy(conn, tenant_id).await?;
    Ok(on != 0 || break_glass == user_id)
}

/// Whom a new session is for.
pub(super) struct SessionOwner<'a> {
    pub(super) tenant_id: &'a str,
    pub(super) user_id: &'a str,
    pub(super) name: &'a str,
}

/// Opens a browser session for someone who has just proved who they are (a password, an
/// invitation), records `action` in the audit log, and returns their principal with the
/// session's secret; `None` if the user cannot act (not active).
pub(super) async fn open_session(
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
