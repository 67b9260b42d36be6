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
            let row = store::session(&mut conn, session_id)
                .await?
                .ok_or_else(not_found)?;
            let participants = store::participants(&mut conn, &row.id).await?;
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
    own: Option<&str>,
    wanted: Option<&str>,
) -> Result<Arc<SheetView>, AppError> {
    let key = format!(
        "{}/{}",
        own.map(|u| format!("user:{u}"))
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
                    Some(user_id) => {
                        loaded = load_principal(
                            &mut conn,
                            user_id,
                            Credential::Session {
                                id_hash: String::new(),
                            },
                        )
                        .await?
                        .ok_or_else(|| AppError::forbidden("Your account is no longer active."))?;
                        &loaded
                    }
                    None => initiator,
                };
                let (app, space, access) =
                    open_app(&state.grants, &mut conn, person, &frame.row.app_id).await?;
                let data_access =
                    caller_data_access(&mut conn, person, &app, space.kind(), &access).await?;
                let values = frame.shared.values();
                let viewer = SheetViewer {
                    key: format!("collab:{}", frame.row.id),
                    person: Some((person, &access)),
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
                        // A sheet this participant cannot see (a private one): their first sheet.
                        Err(AppError::NotFound(_)) => {
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
        (Mode::SignedIn, Some(user_id)) if me.initiator == 0 => Some(user_id.as_str()),
        _ => None,
    };
    let following = looking.is_none() || looking == shared.sheet.as_deref();
    let wanted = if following {
        shared.sheet.as_deref()
    } else {
        looking
    };
    let sheet = shared_sheet(state, &frame, initiator, own, wanted).await?;
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
        participants: frame
            .participants
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
        sheet: (*sheet).clone(),
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
            let now_in = store::participant(&mut tx, &who.id)
                .await?
                .is_some_and(|p| Standing::parse(&p.standing) == Standing::In);
            if now_in {
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
