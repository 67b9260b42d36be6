//! Collaborative sessions, one function per operation. The session's row holds its state; each
//! change runs in one transaction under that row's lock, raises the version, and is announced
//! to every process (`announce`), whose connections then read and render it for their
//! participant (`view`).

use sqlx::AnyConnection;

use super::model::*;
use super::rules::{self, close, SharedState};
use super::store::{self, ParticipantRow, SessionRow};
use crate::access::{caller_data_access, load_app};
use crate::audit::model::AuditAction;
use crate::audit::service::{record, Actor, Target};
use crate::auth::principal::{load_principal, Credential, Principal};
use crate::content::model::SelectionChange;
use crate::content::service::{render_sheet, SheetRequest, SheetViewer};
use crate::error::AppError;
use crate::ids::{digest, new_id, new_secret};
use crate::sharing::rules::AppAction;
use crate::sql::{lock_row, Parent};
use crate::state::AppState;

/// The cookie that carries an attendee's participant secret (an attendee has no account).
pub const PARTICIPANT_COOKIE: &str = "sightline_collab";

fn not_found() -> AppError {
    AppError::not_found("There is no such collaborative session. It may have ended long ago.")
}

fn invalid_link() -> AppError {
    AppError::not_found(
        "This invitation link is not valid. Check that it was copied whole, or ask for a new one.",
    )
}

fn join_path(token: &str) -> String {
    format!("/collab/join/{token}")
}

fn parse_state(row: &SessionRow) -> SharedState {
    serde_json::from_str(&row.state).unwrap_or_default()
}

fn mode_of(row: &SessionRow) -> Mode {
    Mode::parse(&row.mode).unwrap_or(Mode::Open)
}

/// Tells this process's connections, and (on PostgreSQL) every other process, that the
/// session reached `version`. Call after the change committed.
pub async fn announce(state: &AppState, session_id: &str, version: i64) {
    state.collab.announce(session_id, version);
    let Ok(mut conn) = state.db.acquire().await else {
        return;
    };
    if conn.backend_name() == "PostgreSQL" {
        let payload = format!("{session_id}:{version}");
        if let Err(error) = sqlx::query("SELECT pg_notify($1, $2)")
            .bind(super::runtime::NOTIFY_CHANNEL)
            .bind(payload)
            .execute(&mut *conn)
            .await
        {
            tracing::warn!(%error, "announcing a collaborative change failed");
        }
    }
}

/// Whether sessions are allowed on an app, and whether the caller may change that.
pub async fn collab_settings(
    state: &AppState,
    principal: &Principal,
    app_id: &str,
) -> Result<CollabSwitches, AppError> {
    let mut conn = state.db.acquire().await?;
    let (app, _, access) = load_app(&mut conn, principal, app_id).await?;
    Ok(CollabSwitches {
        tenant_enabled: store::tenant_enabled(&mut conn, &principal.tenant_id).await?,
        app_enabled: store::app_enabled(&mut conn, &app.id).await?,
        can_change_app: access.can(AppAction::Share),
    })
}

/// Turns collaborative sessions on or off for the tenant (tenant admins).
pub async fn set_tenant_collab(
    state: &AppState,
    principal: &Principal,
    on: bool,
) -> Result<(), AppError> {
    if !principal.is_tenant_admin {
        return Err(AppError::forbidden(
            "Only a tenant admin can turn collaborative sessions on or off for the tenant.",
        ));
    }
    let mut tx = state.db.begin().await?;
    store::set_tenant_enabled(&mut tx, &principal.tenant_id, on).await?;
    record(
        &mut tx,
        state.now(),
        &principal.actor(),
        AuditAction::CollabSettings,
        Target {
            kind: "tenant",
            id: &principal.tenant_id,
            name: &principal.tenant_name,
        },
        if on { "on" } else { "off" },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Turns collaborative sessions on or off for one app (those who manage it).
pub async fn set_app_collab(
    state: &AppState,
    principal: &Principal,
    app_id: &str,
    on: bool,
) -> Result<(), AppError> {
    let mut tx = state.db.begin().await?;
    let (app, _, access) = load_app(&mut tx, principal, app_id).await?;
    if !access.can(AppAction::Share) {
        return Err(AppError::forbidden(
            "Only the app's owner and those who can manage it can turn collaborative sessions on or off for it.",
        ));
    }
    store::set_app_enabled(&mut tx, &app.id, on).await?;
    record(
        &mut tx,
        state.now(),
        &principal.actor(),
        AuditAction::CollabSettings,
        Target {
            kind: "app",
            id: &app.id,
            name: &app.name,
        },
        if on { "on" } else { "off" },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Starts a session on an app the caller has open, on `sheet_id`, with its first invitation.
pub async fn start_session(
    state: &AppState,
    principal: &Principal,
    app_id: &str,
    sheet_id: Option<&str>,
    mode: Mode,
) -> Result<Started, AppError> {
    let Credential::Session { id_hash } = &principal.credential else {
        return Err(AppError::forbidden(
            "A collaborative session is started from the portal in a browser, where its initiator takes part.",
        ));
    };
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let (app, _, _) = load_app(&mut tx, principal, app_id).await?;
    rules::check_may_start(
        store::tenant_enabled(&mut tx, &principal.tenant_id).await?,
        store::app_enabled(&mut tx, &app.id).await?,
    )?;
    let mut shared = SharedState {
        sheet: sheet_id.filter(|s| !s.is_empty()).map(str::to_string),
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
    let token = new_secret();
    store::insert_invitation(
        &mut tx,
        &new_id(),
        &row.id,
        &digest(&token),
        now,
        now + rules::INVITATION_MS,
    )
    .await?;
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

/// The session, locked for a change by its initiator (anyone else: not found).
async fn initiators_session(
    conn: &mut AnyConnection,
    principal: &Principal,
    session_id: &str,
) -> Result<SessionRow, AppError> {
    if !crate::ids::is_id(session_id) {
        return Err(not_found());
    }
    lock_row(conn, Parent::CollabSession, session_id).await?;
    let row = store::session(conn, session_id)
        .await?
        .filter(|s| s.tenant_id == principal.tenant_id)
        .ok_or_else(not_found)?;
    if row.initiator_id != principal.user_id {
        return Err(AppError::forbidden(
            "Only the person who started this collaborative session can do this.",
        ));
    }
    if row.ended_at.is_some() {
        return Err(AppError::Gone(
            "This collaborative session has ended.".into(),
        ));
    }
    Ok(row)
}

/// Notes an event in the session's state and saves it; returns the new version.
async fn note(
    conn: &mut AnyConnection,
    row: &SessionRow,
    now: i64,
    text: String,
) -> Result<i64, AppError> {
    let mut shared = parse_state(row);
    shared.note(now, text);
    let text = serde_json::to_string(&shared).map_err(AppError::internal)?;
    Ok(store::save_state(conn, &row.id, &text).await?)
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
    let token = new_secret();
    store::insert_invitation(
        &mut tx,
        &new_id(),
        &row.id,
        &digest(&token),
        now,
        now + rules::INVITATION_MS,
    )
    .await?;
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

async fn app_name(conn: &mut AnyConnection, app_id: &str) -> Result<String, AppError> {
    Ok(
        sqlx::query_scalar::<_, String>("SELECT name FROM apps WHERE id = $1")
            .bind(app_id)
            .fetch_optional(conn)
            .await?
            .unwrap_or_default(),
    )
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
    let (email, name, user_id) = match (mode, principal) {
        (Mode::SignedIn, Some(p)) => {
            // A signed-in attendee sees the app through their own access: they must reach it.
            load_app(&mut tx, p, &row.app_id).await.map_err(|_| {
                AppError::forbidden(
                    "You have no access to this app, so you cannot join its session. Ask its owner to share it with you.",
                )
            })?;
            (p.email.clone(), p.name.clone(), Some(p.user_id.clone()))
        }
        _ => {
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
        id: new_id(),
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
    record(
        &mut tx,
        now,
        &Actor {
            tenant_id: &row.tenant_id,
            id: participant.user_id.as_deref(),
            name: &email,
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
    let text = match standing {
        Standing::In => format!("{} was admitted", participant.name),
        Standing::Refused => format!("{} was not admitted", participant.name),
        _ => format!("{} was removed", participant.name),
    };
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

/// Ends the session for everyone with `message`; the audit names the actor.
async fn end(
    state: &AppState,
    row: &SessionRow,
    actor: &Actor<'_>,
    message: &str,
) -> Result<(), AppError> {
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let Some(version) = store::end_session(&mut tx, &row.id, message, now).await? else {
        return Ok(());
    };
    store::end_invitations(&mut tx, &row.id).await?;
    let app = app_name(&mut tx, &row.app_id).await?;
    record(
        &mut tx,
        now,
        actor,
        AuditAction::CollabEnd,
        Target {
            kind: "app",
            id: &row.app_id,
            name: &app,
        },
        format!("session {}: {message}", row.id),
    )
    .await?;
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

/// The initiator's principal while their portal session lives.
async fn initiator_principal(
    conn: &mut AnyConnection,
    state: &AppState,
    row: &SessionRow,
) -> Result<Option<Principal>, AppError> {
    use crate::auth::rules::{session_verdict, SessionVerdict};
    let Some(session) = crate::auth::store::find_session(conn, &row.initiator_session).await?
    else {
        return Ok(None);
    };
    let verdict = session_verdict(
        session.created_at,
        session.last_seen_at,
        state.settings.session,
        state.now(),
    );
    if session.user_id != row.initiator_id || matches!(verdict, SessionVerdict::Expired) {
        return Ok(None);
    }
    load_principal(
        conn,
        &row.initiator_id,
        Credential::Session {
            id_hash: row.initiator_session.clone(),
        },
    )
    .await
}

/// Who a connection is: the initiator (by their portal session) or an attendee (by the secret
/// in their cookie).
pub enum Who<'a> {
    Person(&'a Principal),
    Secret(&'a str),
}

/// The participant a connection speaks for, checked against the session.
pub async fn participant(
    state: &AppState,
    session_id: &str,
    who: Who<'_>,
) -> Result<ParticipantRow, AppError> {
    if !crate::ids::is_id(session_id) {
        return Err(not_found());
    }
    let mut conn = state.db.acquire().await?;
    let found = match who {
        Who::Secret(secret) if !secret.is_empty() => {
            store::participant_by_secret(&mut conn, &digest(secret)).await?
        }
        Who::Person(principal) => store::participants(&mut conn, session_id)
            .await?
            .into_iter()
            .find(|p| p.initiator == 1 && p.user_id.as_deref() == Some(&principal.user_id)),
        Who::Secret(_) => None,
    };
    found
        .filter(|p| p.session_id == session_id)
        .ok_or_else(|| {
            AppError::forbidden(
                "You are not in this collaborative session. Follow the invitation you were sent to join it.",
            )
        })
}

/// A connection opened or says it is still alive (`alive`), or closed (`!alive`).
pub async fn mark_seen(state: &AppState, participant: &ParticipantRow, alive: bool) {
    let at = if alive { state.now() } else { 0 };
    let Ok(mut conn) = state.db.acquire().await else {
        return;
    };
    if let Err(error) = store::set_seen(&mut conn, &participant.id, at).await {
        tracing::warn!(%error, "recording a collaborative connection failed");
    }
}

/// The participant's own view of the session, or the message that ends their part.
/// `looking`: a sheet they look at alone instead of following.
pub async fn view(
    state: &AppState,
    participant_id: &str,
    looking: Option<&str>,
) -> Result<ServerMessage, AppError> {
    let now = state.now();
    let mut conn = state.db.acquire().await?;
    let Some(me) =
        sqlx::query_scalar::<_, String>("SELECT session_id FROM collab_participants WHERE id = $1")
            .bind(participant_id)
            .fetch_optional(&mut *conn)
            .await?
    else {
        return Ok(closed(
            close::UNKNOWN,
            "You are not in this session any more.",
        ));
    };
    let row = store::session(&mut conn, &me)
        .await?
        .ok_or_else(not_found)?;
    if row.ended_at.is_some() {
        return Ok(closed(close::ENDED, &row.end_message));
    }
    let participants = store::participants(&mut conn, &row.id).await?;
    let me = participants
        .iter()
        .find(|p| p.id == participant_id)
        .cloned()
        .ok_or_else(not_found)?;
    match Standing::parse(&me.standing) {
        Standing::Removed => return Ok(closed(close::REMOVED, rules::REMOVED)),
        Standing::Refused => return Ok(closed(close::REFUSED, rules::REFUSED)),
        Standing::Waiting => {
            return Ok(ServerMessage::Waiting {
                message: "Waiting for the person who started the session to let you in…".into(),
            })
        }
        Standing::In => {}
    }
    let mode = mode_of(&row);
    let shared = parse_state(&row);
    let Some(initiator) = initiator_principal(&mut conn, state, &row).await? else {
        drop(conn);
        end_if_due(state, &row.id).await?;
        return Ok(closed(
            close::ENDED,
            "The session ended: the person who started it signed out.",
        ));
    };
    // Attendees act with the initiator's rights and data, except in signed-in mode, where each
    // reads the shared state through their own access.
    let own;
    let person = match (mode, &me.user_id) {
        (Mode::SignedIn, Some(user_id)) if me.initiator == 0 => {
            own = load_principal(
                &mut conn,
                user_id,
                Credential::Session {
                    id_hash: String::new(),
                },
            )
            .await?
            .ok_or_else(|| AppError::forbidden("Your account is no longer active."))?;
            &own
        }
        _ => &initiator,
    };
    let (app, space, access) = load_app(&mut conn, person, &row.app_id).await?;
    let data_access = caller_data_access(&mut conn, person, &app, space.kind(), &access).await?;
    let values = shared.values();
    let viewer = SheetViewer {
        key: format!("collab:{}", me.id),
        person: Some((person, &access)),
        data_access,
        engines: &state.content.engines,
    };
    let following = looking.is_none() || looking == shared.sheet.as_deref();
    let wanted = if following {
        shared.sheet.as_deref()
    } else {
        looking
    };
    let invitation = if me.initiator == 1 {
        store::live_invitation(&mut conn, &row.id, now)
            .await?
            .map(|i| Invitation {
                path: None,
                expires_at: i.expires_at,
            })
    } else {
        None
    };
    let space_name = space.display_name();
    let request = |sheet_id| SheetRequest {
        sheet_id,
        changes: Vec::new(),
        only_field: None,
        shared: Some(&values),
    };
    let mut sheet =
        match render_sheet(state, conn, &app, &space_name, &viewer, request(wanted)).await {
            Ok(sheet) => sheet,
            // A sheet this participant cannot see (a private one): their first sheet instead.
            Err(AppError::NotFound(_)) => {
                let conn = state.db.acquire().await?;
                render_sheet(state, conn, &app, &space_name, &viewer, request(None)).await?
            }
            Err(error) => return Err(error),
        };
    sheet.can_edit_sheet = false;
    sheet.can_add_sheet = false;
    let chips = shared
        .selections
        .iter()
        .map(|held| {
            let seen = sheet
                .selections
                .iter()
                .find(|c| c.field.eq_ignore_ascii_case(&held.field));
            SharedChip {
                field: held.field.clone(),
                values: seen.map(|c| c.values.clone()).unwrap_or_default(),
                count: seen.map(|c| c.count).unwrap_or(0),
                by: held.by.clone(),
                filtered: sheet
                    .filtered_by_others
                    .iter()
                    .any(|f| f.eq_ignore_ascii_case(&held.field)),
            }
        })
        .collect();
    let initiator_name = participants
        .iter()
        .find(|p| p.initiator == 1)
        .map(|p| p.name.clone())
        .unwrap_or_default();
    Ok(ServerMessage::View(Box::new(SessionView {
        session_id: row.id.clone(),
        version: row.version,
        mode,
        initiator_name,
        you: me.id.clone(),
        is_initiator: me.initiator == 1,
        shared_sheet: shared
            .sheet
            .clone()
            .or_else(|| sheet.sheet.as_ref().map(|s| s.id.clone())),
        following,
        chips,
        can_back: !shared.back.is_empty(),
        can_forward: !shared.forward.is_empty(),
        participants: participants
            .iter()
            .filter(|p| {
                matches!(
                    Standing::parse(&p.standing),
                    Standing::In | Standing::Waiting
                )
            })
            .map(|p| Participant {
                id: p.id.clone(),
                name: p.name.clone(),
                email: p.email.clone(),
                initiator: p.initiator == 1,
                standing: Standing::parse(&p.standing),
                joined_at: p.joined_at,
                connected: p.seen_at > 0 && now - p.seen_at < rules::CONNECTED_MS,
            })
            .collect(),
        invitation,
        events: shared.events.clone(),
        sheet,
    })))
}

fn closed(code: u16, message: &str) -> ServerMessage {
    ServerMessage::Closed {
        code,
        message: message.to_string(),
    }
}

/// A participant's selection, clear, back, forward or sheet change, for everyone.
pub async fn act(
    state: &AppState,
    participant_id: &str,
    message: &ClientMessage,
) -> Result<(), AppError> {
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let me: ParticipantRow = sqlx::query_as(
        "SELECT id, session_id, user_id, name, email, email_key, initiator, standing, joined_at, seen_at FROM collab_participants WHERE id = $1",
    )
    .bind(participant_id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(not_found)?;
    lock_row(&mut tx, Parent::CollabSession, &me.session_id).await?;
    let row = store::session(&mut tx, &me.session_id)
        .await?
        .ok_or_else(not_found)?;
    if row.ended_at.is_some() || Standing::parse(&me.standing) != Standing::In {
        return Err(AppError::forbidden(
            "You cannot change this session any more.",
        ));
    }
    let mode = mode_of(&row);
    let mut shared = parse_state(&row);
    let initiator = initiator_principal(&mut tx, state, &row)
        .await?
        .ok_or_else(|| AppError::Gone("This collaborative session has ended.".into()))?;
    let own;
    let person = match (mode, &me.user_id) {
        (Mode::SignedIn, Some(user_id)) if me.initiator == 0 => {
            own = load_principal(
                &mut tx,
                user_id,
                Credential::Session {
                    id_hash: String::new(),
                },
            )
            .await?
            .ok_or_else(|| AppError::forbidden("Your account is no longer active."))?;
            &own
        }
        _ => &initiator,
    };
    let (app, space, access) = load_app(&mut tx, person, &row.app_id).await?;
    let detail;
    let changed = match message {
        ClientMessage::Select(SelectionChange::Back) => {
            detail = "back".to_string();
            shared.back()
        }
        ClientMessage::Select(SelectionChange::Forward) => {
            detail = "forward".to_string();
            shared.forward()
        }
        ClientMessage::Select(change) => {
            let data_access =
                caller_data_access(&mut tx, person, &app, space.kind(), &access).await?;
            let value_change = crate::content::service::value_change(
                state,
                &mut tx,
                &app,
                &data_access,
                &shared.values(),
                change,
            )
            .await?;
            detail = describe(&value_change);
            shared.apply(&value_change, &me.name)
        }
        ClientMessage::Sheet(sheet_id) => {
            let known: Option<String> = sqlx::query_scalar(
                "SELECT id FROM sheets WHERE id = $1 AND app_id = $2 AND owner_id IS NULL",
            )
            .bind(sheet_id)
            .bind(&app.id)
            .fetch_optional(&mut *tx)
            .await?;
            if known.is_none() {
                return Err(AppError::not_found(
                    "This app has no such public sheet to move everyone to.",
                ));
            }
            detail = format!("sheet {sheet_id}");
            shared.move_to(sheet_id)
        }
        ClientMessage::Look(_) | ClientMessage::Follow => return Ok(()),
    };
    if !changed {
        return Ok(());
    }
    let text = serde_json::to_string(&shared).map_err(AppError::internal)?;
    let version = store::save_state(&mut tx, &row.id, &text).await?;
    // As in the seed, selections are logged under the initiator's name; the detail says which
    // participant made each change.
    if !matches!(message, ClientMessage::Sheet(_)) {
        record(
            &mut tx,
            now,
            &initiator.actor(),
            AuditAction::CollabSelect,
            Target {
                kind: "app",
                id: &app.id,
                name: &app.name,
            },
            format!("by {}: {detail}", me.email),
        )
        .await?;
    }
    tx.commit().await?;
    announce(state, &row.id, version).await;
    Ok(())
}

fn describe(change: &crate::content::model::ValueChange) -> String {
    use crate::content::model::ValueChange;
    match change {
        ValueChange::Set { field, values } => format!("{field} = {}", values.join(", ")),
        ValueChange::Toggle { field, value } => format!("{field} ± {value}"),
        ValueChange::Clear { field } => format!("cleared {field}"),
        ValueChange::ClearAll => "cleared all".into(),
    }
}

/// The session's version in the database (the fallback when an announcement was missed).
pub async fn current_version(state: &AppState, session_id: &str) -> Result<i64, AppError> {
    let mut conn = state.db.acquire().await?;
    Ok(store::version(&mut conn, session_id).await?.unwrap_or(0))
}

/// A connection opened (`left` none) or closed: the version goes up so that everyone's list of
/// who is connected is redrawn; an attendee's leaving is told to all.
pub async fn presence(state: &AppState, session_id: &str, left: Option<&ParticipantRow>) {
    let now = state.now();
    let result: Result<Option<i64>, AppError> = async {
        let mut tx = state.db.begin().await?;
        lock_row(&mut tx, Parent::CollabSession, session_id).await?;
        let Some(row) = store::session(&mut tx, session_id).await? else {
            return Ok(None);
        };
        if row.ended_at.is_some() {
            return Ok(None);
        }
        let mut shared = parse_state(&row);
        if let Some(who) =
            left.filter(|p| p.initiator == 0 && Standing::parse(&p.standing) == Standing::In)
        {
            // A removed attendee's standing was read when they connected: read it again.
            let standing: Option<String> =
                sqlx::query_scalar("SELECT standing FROM collab_participants WHERE id = $1")
                    .bind(&who.id)
                    .fetch_optional(&mut *tx)
                    .await?;
            if standing.as_deref() == Some(Standing::In.as_str()) {
                shared.note(now, format!("{} left", who.name));
            }
        }
        let text = serde_json::to_string(&shared).map_err(AppError::internal)?;
        let version = store::save_state(&mut tx, &row.id, &text).await?;
        tx.commit().await?;
        Ok(Some(version))
    }
    .await;
    match result {
        Ok(Some(version)) => announce(state, session_id, version).await,
        Ok(None) => {}
        Err(error) => tracing::warn!(%error, "recording a collaborative presence failed"),
    }
}
