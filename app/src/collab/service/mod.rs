//! Collaborative sessions, one function per operation. The session's row holds its state; each
//! change runs in one transaction under that row's lock, raises the version, and is announced
//! to every process (`announce`), whose connections then read and render it for their
//! participant (`view`).
//!
//! `settings`: the tenant's and an app's switch. `sessions`: starting, invitations, joining,
//! removal and the end. `live`: what a connection sees and does (views, changes, presence).
//! Below: what they share.

mod live;
mod sessions;
mod settings;

pub use live::*;
pub use sessions::*;
pub use settings::*;

use sqlx::AnyConnection;

use super::model::*;
use super::rules::{self, close, SharedState};
use super::store::{self, ParticipantRow, SessionRow};
use crate::access::{caller_data_access, load_app, open_app};
use crate::audit::model::AuditAction;
use crate::audit::service::{record, Actor, Target};
use crate::auth::principal::{load_principal, Credential, Principal};
use crate::content::model::SelectionChange;
use crate::content::service::{render_sheet, SheetRequest, SheetViewer};
use crate::directory::rules::Permission;
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
    let payload = format!("{session_id}:{version}");
    crate::sql::notify(&state.db, super::runtime::NOTIFY_CHANNEL, &payload).await;
}

/// The app's data was loaded again: each of its live sessions notes it and moves to a new
/// version, so every participant's sheet is rendered again from the new data at once (the
/// shared selections are kept by value: those whose values remain still select them).
pub async fn new_data(state: &AppState, tenant_id: &str, app_id: &str) -> Result<usize, AppError> {
    let sessions = {
        let mut conn = state.db.acquire().await?;
        store::live_sessions_of(&mut conn, tenant_id, Some(app_id)).await?
    };
    let now = state.now();
    let mut told = 0;
    for session in sessions {
        let mut tx = state.db.begin().await?;
        lock_row(&mut tx, Parent::CollabSession, &session.id).await?;
        let Some(row) = store::session(&mut tx, &session.id).await? else {
            continue;
        };
        if row.ended_at.is_some() {
            continue;
        }
        let mut shared = parse_state(&row);
        shared.note(now, rules::NEW_DATA_NOTE);
        let text = shared.fit(rules::MAX_STATE_BYTES)?;
        let version = store::save_state(&mut tx, &row.id, &text).await?;
        tx.commit().await?;
        announce(state, &row.id, version).await;
        told += 1;
    }
    Ok(told)
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

async fn app_name(conn: &mut AnyConnection, app_id: &str) -> Result<String, AppError> {
    Ok(store::app_name(conn, app_id).await?)
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
    let participants = store::participants(&mut tx, &row.id).await?;
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
    // Signed-in attendees held licence connections of their own for the session: they end.
    for p in participants.iter().filter(|p| p.initiator == 0) {
        let Some(user_id) = &p.user_id else { continue };
        let person = {
            let mut conn = state.db.acquire().await?;
            attendee(&mut conn, user_id, &p.id).await
        };
        if let Ok(person) = person {
            crate::licences::service::disconnect(state, &person, &row.app_id).await?;
        }
    }
    Ok(())
}

/// A signed-in attendee as their licence sees them: a client of their own in this session, so
/// that their connection is theirs and ends with their part in it.
fn attendee_principal(person: Principal, participant_id: &str) -> Principal {
    Principal {
        credential: Credential::Session {
            id_hash: format!("collab:{participant_id}"),
        },
        ..person
    }
}

/// A signed-in attendee's principal, loaded again (their account may have changed).
async fn attendee(
    conn: &mut AnyConnection,
    user_id: &str,
    participant_id: &str,
) -> Result<Principal, AppError> {
    let person = load_principal(
        conn,
        user_id,
        Credential::Session {
            id_hash: String::new(),
        },
    )
    .await?
    .ok_or_else(|| AppError::forbidden("Your account is no longer active."))?;
    Ok(attendee_principal(person, participant_id))
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
