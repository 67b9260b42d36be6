//! A session's life: starting it, its invitations, joining, the initiator's answer to each
//! attendee, and its end.

use super::*;

/// A new invitation to the session, good for 15 minutes: its token, which only its digest keeps.
async fn new_invitation(
    conn: &mut AnyConnection,
    session_id: &str,
    now: i64,
) -> Result<String, AppError> {
    let token = new_secret();
    store::insert_invitation(
        conn,
        &new_id(),
        session_id,
        &digest(&token),
        now,
        now + rules::INVITATION_MS,
    )
    .await?;
    Ok(token)
}

/// Starts a session on an app the caller has open, on `sheet_id`, with its first invitation.
pub async fn start_session(
    state: &AppState,
    principal: &Principal,
    app_id: &str,
    sheet_id: Option<&str>,
    mode: Mode,
) -> Result<Started, AppError> {
    crate::access::refuse_narrowed(principal, "start a collaborative session")?;
    let Credential::Session { id_hash } = &principal.credential else {
        return Err(AppError::forbidden(
            "A collaborative session is started from the portal in a browser, where its initiator takes part.",
        ));
    };
    let now = state.now();
    let sheet_id = sheet_id.filter(|s| !s.is_empty());
    {
        // The initiator sees the app as `open_sheet` would let them: sharing, then the licence
        // (their page's connection is touched, or one is opened as the sheet would open it).
        let mut conn = state.db.acquire().await?;
        let (app, _, _) = open_app(&state.grants, &mut conn, principal, app_id).await?;
        crate::licences::service::connect(&mut conn, state, principal, &app, false).await?;
    }
    let mut tx = state.db.begin().await?;
    // The switches are read under the tenant's lock, which turning them off takes too: a
    // session starts before the switch (and is ended by it) or after it (and is refused).
    lock_row(&mut tx, Parent::Tenant, &principal.tenant_id).await?;
    let (app, _, _) = load_app(&mut tx, principal, app_id).await?;
    rules::check_may_start(
        store::tenant_enabled(&mut tx, &principal.tenant_id).await?,
        store::app_enabled(&mut tx, &app.id).await?,
        mode,
        rules::Outsiders {
            tenant_allows: store::tenant_outsiders(&mut tx, &principal.tenant_id).await?,
            permitted: principal.has(Permission::CollabOutsiders),
        },
    )?;
    if let Some(sheet) = sheet_id {
        // Everyone follows the session's sheet: it must be one of the app's public sheets.
        if !store::is_public_sheet(&mut tx, &app.id, sheet).await? {
            return Err(AppError::not_found(
                "A session starts on one of the app's public sheets; this is not one. Start it from a public sheet.",
            ));
        }
    }
    let mut shared = SharedState {
        sheet: sheet_id.map(str::to_string),
        ..Default::default()
    };
    shared.note(now, format!("{} started the session", principal.name));
    let row = SessionRow {
        id: new_id(),
        tenant_id: principal.tenant_id.clone(),
        app_id: app.id.clone(),
        initiator_id: principal.user_id.clone(),
        initiator_session: id_hash.clone(),
        mode: mode.as_str().to_string(),
        state: serde_json::to_string(&shared).map_err(AppError::internal)?,
        version: 1,
        started_at: now,
        ended_at: None,
        end_message: String::new(),
    };
    store::insert_session(&mut tx, &row).await?;
    let initiator = ParticipantRow {
        id: new_id(),
        session_id: row.id.clone(),
        user_id: Some(principal.user_id.clone()),
        name: principal.name.clone(),
        email: principal.email.clone(),
        email_key: principal.email.to_lowercase(),
        initiator: 1,
        standing: Standing::In.as_str().into(),
        joined_at: now,
        seen_at: now,
    };
    store::insert_participant(&mut tx, &initiator, &digest(&new_secret())).await?;
    let token = new_invitation(&mut tx, &row.id, now).await?;
    record(
        &mut tx,
        now,
        &principal.actor(),
        AuditAction::CollabStart,
        Target {
            kind: "app",
            id: &app.id,
            name: &app.name,
        },
        format!("session {} ({})", row.id, mode.as_str()),
    )
    .await?;
    tx.commit().await?;
    Ok(Started {
        session_id: row.id,
        invitation: join_path(&token),
    })
}

/// A new invitation (the earlier ones stop letting people in): its path, shown once.
pub async fn invite(
    state: &AppState,
    principal: &Principal,
    session_id: &str,
) -> Result<String, AppError> {
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let row = initiators_session(&mut tx, principal, session_id).await?;
    store::end_invitations(&mut tx, &row.id).await?;
    let token = new_invitation(&mut tx, &row.id, now).await?;
    let version = note(&mut tx, &row, now, "A new invitation was made".into()).await?;
    tx.commit().await?;
    announce(state, &row.id, version).await;
    Ok(join_path(&token))
}

/// "Expire now": the invitation stops letting anyone in; those in stay.
pub async fn expire_invitation(
    state: &AppState,
    principal: &Principal,
    session_id: &str,
) -> Result<(), AppError> {
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let row = initiators_session(&mut tx, principal, session_id).await?;
    store::end_invitations(&mut tx, &row.id).await?;
    let version = note(&mut tx, &row, now, "The invitation was ended".into()).await?;
    tx.commit().await?;
    announce(state, &row.id, version).await;
    Ok(())
}

/// The session an invitation leads to, checked.
async fn invited_session(
    conn: &mut AnyConnection,
    token: &str,
    now: i64,
) -> Result<SessionRow, AppError> {
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(invalid_link());
    }
    let invitation = store::invitation(conn, &digest(token))
        .await?
        .ok_or_else(invalid_link)?;
    let row = store::session(conn, &invitation.session_id)
        .await?
        .ok_or_else(invalid_link)?;
    rules::check_invitation(
        invitation.expires_at,
        invitation.ended_early != 0,
        row.ended_at.is_some(),
        now,
    )?;
    Ok(row)
}

/// What the join page says before anyone joins.
pub async fn invitation_info(
    state: &AppState,
    principal: Option<&Principal>,
    token: &str,
) -> Result<InvitationPage, AppError> {
    let now = state.now();
    let mut conn = state.db.acquire().await?;
    let row = invited_session(&mut conn, token, now).await?;
    let initiator = store::initiator_of(&mut conn, &row.id)
        .await?
        .ok_or_else(invalid_link)?;
    let invitation = store::live_invitation(&mut conn, &row.id, now).await?;
    let mode = mode_of(&row);
    Ok(InvitationPage {
        app_name: app_name(&mut conn, &row.app_id).await?,
        initiator_name: initiator.name.clone(),
        mode,
        explanation: mode.explanation(&initiator.name),
        expires_at: invitation.map(|i| i.expires_at).unwrap_or(now),
        signed_in_as: principal
            .filter(|p| p.tenant_id == row.tenant_id)
            .map(|p| p.email.clone()),
    })
}

/// Someone follows an invitation and types their email (signed-in mode: their account's).
/// Returns the session and the secret for their cookie.
pub async fn join_session(
    state: &AppState,
    principal: Option<&Principal>,
    token: &str,
    email: &str,
) -> Result<(String, String), AppError> {
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let row = invited_session(&mut tx, token, now).await?;
    lock_row(&mut tx, Parent::CollabSession, &row.id).await?;
    let mode = mode_of(&row);
    let principal = principal.filter(|p| p.tenant_id == row.tenant_id);
    let participant_id = new_id();
    let (email, name, user_id) = match (mode, principal) {
        (Mode::SignedIn, Some(p)) => {
            // A signed-in attendee sees the app through their own access: they must reach it,
            // and a licence of their own must let them open it.
            let (app, _, _) = load_app(&mut tx, p, &row.app_id).await.map_err(|_| {
                AppError::forbidden(
                    "You have no access to this app, so you cannot join its session. Ask its owner to share it with you.",
                )
            })?;
            let attendee = attendee_principal(p.clone(), &participant_id);
            crate::licences::service::connect(&mut tx, state, &attendee, &app, false).await?;
            (p.email.clone(), p.name.clone(), Some(p.user_id.clone()))
        }
        (Mode::SignedIn, None) => return Err(AppError::Unauthenticated),
        _ => {
            // An outsider sees what the initiator sees, on the initiator's licence: the tenant
            // must still allow outsiders, and the initiator's licence must still hold.
            let initiator = initiator_principal(&mut tx, state, &row)
                .await?
                .ok_or_else(|| AppError::Gone(rules::INITIATOR_GONE.into()))?;
            rules::check_may_start(
                true,
                true,
                mode,
                rules::Outsiders {
                    tenant_allows: store::tenant_outsiders(&mut tx, &row.tenant_id).await?,
                    permitted: initiator.has(Permission::CollabOutsiders),
                },
            )?;
            let (app, _, _) = load_app(&mut tx, &initiator, &row.app_id).await?;
            crate::licences::service::connect(&mut tx, state, &initiator, &app, false).await?;
            // Someone without an account takes an anonymous seat, as a link's visitor does.
            let capacity = crate::anonymous::store::capacity(&mut tx, &row.tenant_id).await?;
            let visitors =
                crate::anonymous::service::live_sessions(state, &row.tenant_id).await? as i64;
            let outsiders = store::live_outsiders(&mut tx, &row.tenant_id).await?;
            rules::check_anonymous_seat(visitors + outsiders, capacity)?;
            let email = crate::directory::rules::clean_email(email)?;
            (email.clone(), email, None)
        }
    };
    let email_key = email.to_lowercase();
    let participants = store::participants(&mut tx, &row.id).await?;
    let removed_before = participants.iter().any(|p| {
        matches!(
            Standing::parse(&p.standing),
            Standing::Removed | Standing::Refused
        ) && (p.email_key == email_key || (user_id.is_some() && p.user_id == user_id))
    });
    if user_id.is_none()
        && participants.iter().any(|p| {
            p.email_key == email_key
                && matches!(
                    Standing::parse(&p.standing),
                    Standing::In | Standing::Waiting
                )
        })
    {
        return Err(AppError::Conflict(
            "Someone in this session joined with this email already. Type your own email.".into(),
        ));
    }
    let present = participants
        .iter()
        .filter(|p| {
            matches!(
                Standing::parse(&p.standing),
                Standing::In | Standing::Waiting
            )
        })
        .count();
    let standing = rules::check_join(mode, principal.is_some(), removed_before, present)?;
    let secret = new_secret();
    let participant = ParticipantRow {
        id: participant_id,
        session_id: row.id.clone(),
        user_id,
        name: name.clone(),
        email: email.clone(),
        email_key,
        initiator: 0,
        standing: standing.as_str().into(),
        joined_at: now,
        seen_at: 0,
    };
    store::insert_participant(&mut tx, &participant, &digest(&secret)).await?;
    let text = match standing {
        Standing::Waiting => format!("{name} asks to join"),
        _ => format!("{name} joined"),
    };
    let version = note(&mut tx, &row, now, text).await?;
    let app = app_name(&mut tx, &row.app_id).await?;
    // A typed email identifies nobody: the audit log says so.
    let actor_name = match participant.user_id {
        Some(_) => email.clone(),
        None => format!("unverified: {email}"),
    };
    record(
        &mut tx,
        now,
        &Actor {
            tenant_id: &row.tenant_id,
            id: participant.user_id.as_deref(),
            name: &actor_name,
        },
        AuditAction::CollabJoin,
        Target {
            kind: "app",
            id: &row.app_id,
            name: &app,
        },
        format!("session {} ({})", row.id, standing.as_str()),
    )
    .await?;
    tx.commit().await?;
    announce(state, &row.id, version).await;
    Ok((row.id, secret))
}

/// The initiator removes an attendee (`Standing::Removed`) or answers a lobby request.
pub async fn set_standing(
    state: &AppState,
    principal: &Principal,
    session_id: &str,
    participant_id: &str,
    standing: Standing,
) -> Result<(), AppError> {
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let row = initiators_session(&mut tx, principal, session_id).await?;
    let participant = store::participants(&mut tx, &row.id)
        .await?
        .into_iter()
        .find(|p| p.id == participant_id && p.initiator == 0)
        .ok_or_else(|| AppError::not_found("This session has no such attendee."))?;
    let was = Standing::parse(&participant.standing);
    let allowed = match standing {
        Standing::Removed => matches!(was, Standing::In | Standing::Waiting),
        Standing::In | Standing::Refused => was == Standing::Waiting,
        Standing::Waiting => false,
    };
    if !allowed {
        return Err(AppError::Conflict(format!(
            "{} is {} already.",
            participant.name,
            match was {
                Standing::In => "in the session",
                Standing::Waiting => "waiting",
                Standing::Refused => "refused",
                Standing::Removed => "removed",
            }
        )));
    }
    store::set_standing(&mut tx, &participant.id, standing.as_str()).await?;
    let mut text = match standing {
        Standing::In => format!("{} was admitted", participant.name),
        Standing::Refused => format!("{} was not admitted", participant.name),
        _ => format!("{} was removed", participant.name),
    };
    // Someone without an account is known only by the invitation they hold, and could come
    // back under another email: removing or refusing them ends that invitation.
    if participant.user_id.is_none()
        && matches!(standing, Standing::Removed | Standing::Refused)
        && store::end_invitations(&mut tx, &row.id).await? > 0
    {
        text.push_str("; the invitation was ended, make a new one to invite others");
    }
    let version = note(&mut tx, &row, now, text).await?;
    if standing == Standing::Removed {
        let app = app_name(&mut tx, &row.app_id).await?;
        record(
            &mut tx,
            now,
            &principal.actor(),
            AuditAction::CollabRemove,
            Target {
                kind: "app",
                id: &row.app_id,
                name: &app,
            },
            format!("session {}: removed {}", row.id, participant.email),
        )
        .await?;
    }
    tx.commit().await?;
    announce(state, &row.id, version).await;
    Ok(())
}

/// The initiator stops the session for everyone.
pub async fn stop_session(
    state: &AppState,
    principal: &Principal,
    session_id: &str,
) -> Result<(), AppError> {
    let row = {
        let mut tx = state.db.begin().await?;
        let row = initiators_session(&mut tx, principal, session_id).await?;
        tx.commit().await?;
        row
    };
    end(state, &row, &principal.actor(), rules::STOPPED).await
}

/// Ends a session whose initiator signed out or left; true when it ended now.
pub async fn end_if_due(state: &AppState, session_id: &str) -> Result<bool, AppError> {
    let now = state.now();
    let mut conn = state.db.acquire().await?;
    let Some(row) = store::session(&mut conn, session_id).await? else {
        return Ok(false);
    };
    if row.ended_at.is_some() {
        return Ok(false);
    }
    let alive = initiator_principal(&mut conn, state, &row).await?.is_some();
    let seen = store::initiator_of(&mut conn, &row.id)
        .await?
        .map(|p| {
            if p.seen_at == 0 {
                row.started_at.max(p.joined_at)
            } else {
                p.seen_at
            }
        })
        .unwrap_or(0);
    let Some(message) = rules::end_reason(alive, seen.max(row.started_at), now) else {
        return Ok(false);
    };
    drop(conn);
    end(
        state,
        &row,
        &Actor {
            tenant_id: &row.tenant_id,
            id: None,
            name: "Sightline",
        },
        message,
    )
    .await?;
    Ok(true)
}

/// Ends every live session that is due (housekeeping: no connection may be left to notice).
pub async fn end_due_sessions(state: &AppState) -> Result<usize, AppError> {
    let live = {
        let mut conn = state.db.acquire().await?;
        store::live_sessions(&mut conn).await?
    };
    let mut ended = 0;
    for row in live {
        if end_if_due(state, &row.id).await? {
            ended += 1;
        }
    }
    Ok(ended)
}
