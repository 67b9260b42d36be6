//! Choosing a new password: "forgot password" (a link by email to whoever holds the address)
//! and an admin's reset (the directory's). Both give a link of the invitation's kind: following
//! it sets the password, ends the account's other sessions and signs in.

use super::*;

/// Where a reset link goes: the account's own email, sent after the request has committed (in
/// the background, so that how long the request takes says nothing about the account).
pub fn email_reset_link(state: &AppState, to: &str, name: &str, url: &str) {
    let server = state.settings.mail.smtp_server.clone();
    if server.is_empty() {
        return;
    }
    let (state, to) = (state.clone(), to.to_string());
    let body = format!(
        "Hello {name},\n\nSomeone asked to choose a new password for your Sightline account. Follow this link to choose one; it works once, for a limited time:\n\n{url}\n\nIf you did not ask, ignore this message: your password stays as it is.\n\nSightline"
    );
    tokio::spawn(async move {
        let message = crate::notices::service::mail::Message {
            from: &state.settings.mail.from,
            to: &to,
            subject: "Choose a new Sightline password",
            body: &body,
            date_ms: state.now(),
        };
        if let Err(error) = crate::notices::service::mail::send(&server, &message).await {
            tracing::warn!(%server, %to, %error, "a password reset link was not sent");
        }
    });
}

/// "Forgot password": sends a link to choose a new one to the email, when it is an active
/// account's of this tenant. The answer is the same whether or not it is, so that nobody learns
/// who has an account; requests are limited per email and per address
/// (`rules::reset_allowed`), and each replaces the account's earlier link.
pub async fn request_password_reset(
    state: &AppState,
    request: &RequestInfo,
    email: &str,
) -> Result<(), AppError> {
    let email_key = unique_key(email);
    if email_key.is_empty() || !email_key.contains('@') || email.chars().count() > MAX_EMAIL_CHARS {
        return Err(AppError::invalid(
            "email",
            "Enter the email address of your account.",
        ));
    }
    if state.settings.mail.smtp_server.is_empty() {
        return Err(AppError::conflict(
            "This server sends no email, so it cannot send you a link: ask a tenant admin to reset your password.",
        ));
    }
    let now = state.now();
    let account = format!("reset:{email_key}");
    let address = format!("reset-{}", address_subject(request));
    let tenant = {
        let mut tx = state.db.begin().await?;
        let tenant = store::tenant_for_host(&mut tx, &request.host)
            .await?
            .ok_or_else(|| AppError::not_found("This server has no tenant for this address."))?;
        store::record_failure(&mut tx, &tenant.id, &account, now, &new_id()).await?;
        store::record_failure(&mut tx, &tenant.id, &address, now, &new_id()).await?;
        tx.commit().await?;
        tenant
    };
    let mut tx = state.db.begin().await?;
    let since = now - state.settings.login_limits.window_ms;
    let allowed = rules::reset_allowed(
        store::recent_failures(&mut tx, &tenant.id, &account, since)
            .await?
            .len(),
        store::recent_failures(&mut tx, &tenant.id, &address, since)
            .await?
            .len(),
    );
    let login = store::find_login(&mut tx, &tenant.id, &email_key).await?;
    let Some(login) = login.filter(|l| allowed && l.status == UserStatus::Active.as_str()) else {
        return Ok(());
    };
    if !may_use_password(&mut tx, &tenant.id, &login.id).await? {
        // Password sign-in is off for them: a link would set a password nothing accepts.
        return Ok(());
    }
    let token = issue_invite(&mut tx, state, &login.id).await?;
    let who = Actor {
        tenant_id: &tenant.id,
        id: Some(&login.id),
        name: &login.name,
    };
    let target = Target {
        kind: "user",
        id: &login.id,
        name: &login.name,
    };
    let detail = format!("link emailed, asked from {}", request.client_addr);
    record(
        &mut tx,
        now,
        &who,
        AuditAction::AuthPasswordResetRequest,
        target,
        detail,
    )
    .await?;
    tx.commit().await?;
    email_reset_link(state, email.trim(), &login.name, &invite_url(state, &token));
    Ok(())
}

/// An admin's reset of an active account: the old password stops working and every session
/// ends at once; the returned link (also emailed, when the server sends email) chooses a new
/// one. Who may reset whom is the directory's to decide.
pub async fn reset_password_link(
    conn: &mut AnyConnection,
    state: &AppState,
    user_id: &str,
) -> Result<String, AppError> {
    let now = state.now();
    store::clear_password_hash(conn, user_id, now).await?;
    store::delete_user_sessions(conn, user_id).await?;
    let token = issue_invite(conn, state, user_id).await?;
    Ok(invite_url(state, &token))
}
