//! What a connection sees and does: who it speaks for, the participant's own view, a change
//! for everyone, and presence.

use std::sync::Arc;

use super::*;
use crate::collab::runtime::Frame;
use crate::content::model::SheetView;

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

/// What every participant's view of the session's current version shares, read once (see
/// `runtime::Renders`).
async fn frame(state: &AppState, session_id: &str, version: i64) -> Result<Arc<Frame>, AppError> {
    let place = state.collab.frame(session_id, version);
    let frame = place
        .get_or_try_init(|| async {
            let mut conn = state.db.acquire().await?;
            // The row and its participants are two reads: a change committed between them
            // (someone joining writes both) would show a participant without the note of their
            // joining. Every such change bumps the version, so an unchanged version after both
            // reads says they belong together.
            let mut tries = 0;
            let (row, participants) = loop {
                let row = store::session(&mut conn, session_id)
                    .await?
                    .ok_or_else(not_found)?;
                let participants = store::participants(&mut conn, &row.id).await?;
                tries += 1;
                let now = store::version(&mut conn, session_id).await?;
                if now == Some(row.version) || tries == 5 {
                    break (row, participants);
                }
            };
            let initiator = initiator_principal(&mut conn, state, &row).await?;
            Ok::<_, AppError>(Arc::new(Frame {
                shared: parse_state(&row),
                row,
                participants,
                initiator,
            }))
        })
        .await?;
    Ok(frame.clone())
}

/// The sheet `wanted` as `person` sees it under the shared selections, rendered once per
/// version for everyone who sees it alike. `own`: a signed-in attendee, who sees it through their
/// own access; otherwise the initiator's rights and data.
async fn shared_sheet(
    state: &AppState,
    frame: &Frame,
    initiator: &Principal,
    own: Option<(&str, &str)>,
    wanted: Option<&str>,
    following: bool,
) -> Result<Arc<SheetView>, AppError> {
    let key = format!(
        "{}/{}",
        own.map(|(u, _)| format!("user:{u}"))
            .unwrap_or_else(|| "initiator".into()),
        wanted.unwrap_or("")
    );
    let place = state.collab.sheet(&frame.row.id, frame.row.version, &key);
    let sheet =
        place
            .get_or_try_init(|| async {
                let mut conn = state.db.acquire().await?;
                let loaded;
                let person = match own {
                    Some((user_id, participant_id)) => {
                        loaded = attendee(&mut conn, user_id, participant_id).await?;
                        &loaded
                    }
                    None => initiator,
                };
                let (app, space, access) =
                    open_app(&state.grants, &mut conn, person, &frame.row.app_id).await?;
                let data_access =
                    caller_data_access(&mut conn, person, &app, space.kind(), &access).await?;
                let values = frame.shared.values();
                // In a session everyone sees the app's public sheets only: never the
                // initiator's private ones, whose rights the attendees borrow.
                let viewer = SheetViewer {
                    key: format!("collab:{}", frame.row.id),
                    person: Some((person, &access)),
                    public_sheets_only: true,
                    data_access,
                    engines: &state.content.engines,
                };
                let space_name = space.display_name();
                let request = |sheet_id| SheetRequest {
                    sheet_id,
                    changes: Vec::new(),
                    only_field: None,
                    shared: Some(&values),
                };
                let mut sheet =
                    match render_sheet(state, conn, &app, &space_name, &viewer, request(wanted))
                        .await
                    {
                        Ok(sheet) => sheet,
                        // The shared sheet was deleted since: the app's first public sheet.
                        // A sheet looked at alone was checked before (`check_look`).
                        Err(AppError::NotFound(_)) if following => {
                            let conn = state.db.acquire().await?;
                            render_sheet(state, conn, &app, &space_name, &viewer, request(None))
                                .await?
                        }
                        Err(error) => return Err(error),
                    };
                // Attendees, and the initiator in the session, never author.
                sheet.can_edit_sheet = false;
                sheet.can_add_sheet = false;
                Ok(Arc::new(sheet))
            })
            .await?;
    Ok(sheet.clone())
}

/// The participant's own view of the session, or the message that ends their part.
/// `looking`: a sheet they look at alone instead of following.
pub async fn view(
    state: &AppState,
    participant_id: &str,
    looking: Option<&str>,
) -> Result<ServerMessage, AppError> {
    let now = state.now();
    let (session_id, version) = {
        let mut conn = state.db.acquire().await?;
        let Some(session_id) = store::participant(&mut conn, participant_id)
            .await?
            .map(|p| p.session_id)
        else {
            return Ok(closed(
                close::UNKNOWN,
                "You are not in this session any more.",
            ));
        };
        let version = store::version(&mut conn, &session_id)
            .await?
            .ok_or_else(not_found)?;
        (session_id, version)
    };
    let frame = frame(state, &session_id, version).await?;
    let row = &frame.row;
    if row.ended_at.is_some() {
        return Ok(closed(close::ENDED, &row.end_message));
    }
    let me = frame
        .participants
        .iter()
        .find(|p| p.id == participant_id)
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
    let mode = mode_of(row);
    let shared = &frame.shared;
    let Some(initiator) = &frame.initiator else {
        end_if_due(state, &row.id).await?;
        return Ok(closed(
            close::ENDED,
            "The session ended: the person who started it signed out.",
        ));
    };
    // Attendees act with the initiator's rights and data, except in signed-in mode, where each
    // reads the shared state through their own access.
    let own = match (mode, &me.user_id) {
        (Mode::SignedIn, Some(user_id)) if me.initiator == 0 => {
            Some((user_id.as_str(), me.id.as_str()))
        }
        _ => None,
    };
    let following = looking.is_none() || looking == shared.sheet.as_deref();
    let wanted = if following {
        shared.sheet.as_deref()
    } else {
        looking
    };
    let sheet = shared_sheet(state, &frame, initiator, own, wanted, following).await?;
    let invitation = if me.initiator == 1 {
        let mut conn = state.db.acquire().await?;
        store::live_invitation(&mut conn, &row.id, now)
            .await?
            .map(|i| Invitation {
                path: None,
                expires_at: i.expires_at,
            })
    } else {
        None
    };
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
                kind: seen.map(|c| c.kind).unwrap_or_default(),
                by: held.by.clone(),
                filtered: sheet
                    .filtered_by_others
                    .iter()
                    .any(|f| f.eq_ignore_ascii_case(&held.field)),
            }
        })
        .collect();
    let initiator_name = frame
        .participants
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
        participants: people(&frame.participants, me.initiator == 1, now),
        invitation,
        events: shared.events.clone(),
        sheet: (*sheet).clone(),
    })))
}

/// Who is in or waiting, as `viewer_is_initiator` may see them: only the initiator sees the
/// addresses; everyone sees whether a name comes from an account or was typed.
fn people(
    participants: &[ParticipantRow],
    viewer_is_initiator: bool,
    now: i64,
) -> Vec<Participant> {
    participants
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
            email: if viewer_is_initiator {
                p.email.clone()
            } else {
                String::new()
            },
            verified: p.user_id.is_some(),
            initiator: p.initiator == 1,
            standing: Standing::parse(&p.standing),
            joined_at: p.joined_at,
            connected: p.seen_at > 0 && now - p.seen_at < rules::CONNECTED_MS,
        })
        .collect()
}

/// Who is in and connected now, for a presence beat: one read, nothing rendered.
pub async fn presence_view(
    state: &AppState,
    participant: &ParticipantRow,
) -> Result<ServerMessage, AppError> {
    let mut conn = state.db.acquire().await?;
    let participants = store::participants(&mut conn, &participant.session_id).await?;
    Ok(ServerMessage::Presence {
        participants: people(&participants, participant.initiator == 1, state.now()),
    })
}

/// A sheet a participant asks to look at alone: one of the app's public sheets, or refused
/// (nothing is rendered for an id that is not).
pub async fn check_look(
    state: &AppState,
    participant: &ParticipantRow,
    sheet_id: &str,
) -> Result<(), AppError> {
    let mut conn = state.db.acquire().await?;
    let row = store::session(&mut conn, &participant.session_id)
        .await?
        .ok_or_else(not_found)?;
    if !crate::ids::is_id(sheet_id)
        || !store::is_public_sheet(&mut conn, &row.app_id, sheet_id).await?
    {
        return Err(AppError::not_found(
            "This app has no such public sheet to look at. It may have been deleted.",
        ));
    }
    Ok(())
}

/// A connection's heartbeat: the licence that lets it see the app is still held. The
/// initiator's connection is touched (the session ends when it is refused); a signed-in
/// attendee's own is touched (their part ends when it is refused). Outsiders ride on the
/// initiator's. `Some`: the message that ends this connection's part.
pub async fn keep_licensed(
    state: &AppState,
    participant: &ParticipantRow,
) -> Result<Option<ServerMessage>, AppError> {
    let (row, person, initiator) = {
        let mut conn = state.db.acquire().await?;
        let Some(row) = store::session(&mut conn, &participant.session_id).await? else {
            return Ok(None);
        };
        if row.ended_at.is_some() {
            return Ok(None);
        }
        let person = match (&participant.user_id, participant.initiator == 1) {
            (_, true) => initiator_principal(&mut conn, state, &row).await?,
            (Some(user_id), false) if mode_of(&row) == Mode::SignedIn => {
                Some(attendee(&mut conn, user_id, &participant.id).await?)
            }
            _ => return Ok(None),
        };
        let Some(person) = person else {
            return Ok(None);
        };
        (row, person, participant.initiator == 1)
    };
    let mut conn = state.db.acquire().await?;
    let licensed = match open_app(&state.grants, &mut conn, &person, &row.app_id).await {
        Ok((app, _, _)) => {
            crate::licences::service::connect(&mut conn, state, &person, &app, false).await
        }
        Err(error) => Err(error),
    };
    drop(conn);
    match licensed {
        Ok(()) => Ok(None),
        Err(AppError::NoLicence { .. } | AppError::NotFound(_) | AppError::Forbidden(_)) => {
            if initiator {
                let system = Actor {
                    tenant_id: &row.tenant_id,
                    id: None,
                    name: "Sightline",
                };
                end(state, &row, &system, rules::NO_LICENCE).await?;
                Ok(Some(closed(close::ENDED, rules::NO_LICENCE)))
            } else {
                Ok(Some(closed(close::NO_LICENCE, rules::YOUR_LICENCE)))
            }
        }
        Err(error) => Err(error),
    }
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
    if matches!(message, ClientMessage::Look(_) | ClientMessage::Follow) {
        return Ok(());
    }
    let now = state.now();
    // Whose rights and licence the change uses: the initiator's, or a signed-in attendee's own.
    // The licence is touched as `open_sheet` touches it for a selection, before the session's
    // lock is taken.
    let (initiator, own) = {
        let mut conn = state.db.acquire().await?;
        let me = store::participant(&mut conn, participant_id)
            .await?
            .ok_or_else(not_found)?;
        // The session's budget first: a change past it costs no licence work and no write.
        if !state.collab.take_change(&me.session_id, now) {
            return Err(AppError::TooManyRequests {
                message: "Too many changes in this session at once: wait a moment and try again."
                    .into(),
                retry_after_secs: 1,
            });
        }
        let row = store::session(&mut conn, &me.session_id)
            .await?
            .ok_or_else(not_found)?;
        let initiator = initiator_principal(&mut conn, state, &row)
            .await?
            .ok_or_else(|| AppError::Gone("This collaborative session has ended.".into()))?;
        let own = match (mode_of(&row), &me.user_id) {
            (Mode::SignedIn, Some(user_id)) if me.initiator == 0 => {
                Some(attendee(&mut conn, user_id, &me.id).await?)
            }
            _ => None,
        };
        let person = own.as_ref().unwrap_or(&initiator);
        let (app, _, _) = open_app(&state.grants, &mut conn, person, &row.app_id).await?;
        crate::licences::service::connect(&mut conn, state, person, &app, true).await?;
        (initiator, own)
    };
    let person = own.as_ref().unwrap_or(&initiator);
    let mut tx = state.db.begin().await?;
    let me = store::participant(&mut tx, participant_id)
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
    let mut shared = parse_state(&row);
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
            rules::check_shared_change(&shared, &value_change)?;
            detail = rules::audit_detail(&value_change);
            shared.apply(&value_change, &me.name)
        }
        ClientMessage::Sheet(sheet_id) => {
            if !store::is_public_sheet(&mut tx, &app.id, sheet_id).await? {
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
    let text = shared.fit(rules::MAX_STATE_BYTES)?;
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
            format!(
                "by {}{}: {detail}",
                if me.user_id.is_some() {
                    ""
                } else {
                    "unverified "
                },
                me.email
            ),
        )
        .await?;
    }
    tx.commit().await?;
    announce(state, &row.id, version).await;
    Ok(())
}

/// The session's version in the database (the fallback when an announcement was missed).
pub async fn current_version(state: &AppState, session_id: &str) -> Result<i64, AppError> {
    let mut conn = state.db.acquire().await?;
    Ok(store::version(&mut conn, session_id).await?.unwrap_or(0))
}

/// A connection opened or closed: every connection of the session sends who is connected now
/// (`presence_view`). Nothing is written and the version stays: no sheet is rendered again.
pub async fn presence(state: &AppState, session_id: &str) {
    state.collab.beat(session_id);
    let payload = format!("{session_id}:{}", crate::collab::runtime::PRESENCE);
    crate::sql::notify(&state.db, crate::collab::runtime::NOTIFY_CHANNEL, &payload).await;
}
