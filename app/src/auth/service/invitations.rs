//! Invitations: issued with an account, followed to choose a password, and the console's way
//! of setting one.

use super::*;

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

pub(super) fn invalid_invite() -> AppError {
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
    let reset = invite.status == UserStatus::Active.as_str();
    if reset {
        // A new password ends the sessions the old one opened: whoever knew it is out.
        store::delete_user_sessions(&mut tx, &invite.user_id).await?;
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
        if reset {
            "new password chosen through a reset link".to_string()
        } else {
            "invitation accepted".to_string()
        },
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
