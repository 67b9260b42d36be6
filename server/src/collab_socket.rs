//! The websocket of a collaborative session, `/collab/{id}/socket`: the participant's view is
//! sent whenever the session's version grows (announced on this process or, through
//! PostgreSQL's NOTIFY, by another), and their selections come back as messages. Every message
//! is bounded (size and rate); a bad one closes the connection with its 4000-4999 code.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use app::auth::principal::Principal;
use app::collab::model::Standing;
use app::collab::model::{ClientMessage, ServerMessage};
use app::collab::rules::{self, close};
use app::collab::runtime::{SocketRefusal, Subscription};
use app::collab::service::{self, Who};
use app::collab::store::ParticipantRow;
use app::state::AppState;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use http::{HeaderMap, StatusCode};

use crate::metrics::Metrics;

/// Frames past this size are cut off by the websocket layer itself; below it, messages past
/// `rules::MAX_MESSAGE_BYTES` close with `close::TOO_BIG`.
const FRAME_LIMIT: usize = 64 * 1024;

pub async fn socket(
    ws: WebSocketUpgrade,
    State(state): State<AppState>,
    Path(session_id): Path<String>,
    principal: Option<Extension<Principal>>,
    Extension(metrics): Extension<Arc<Metrics>>,
    headers: HeaderMap,
) -> Response {
    // A page of another site must not open a participant's socket with their cookies: a socket
    // that brings a cookie must say where its page came from (browsers always do), and that must
    // be Sightline's own address (the public one, or the host the request was sent to).
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if !same_origin(
        header("origin"),
        header("host"),
        &state.settings.public_url,
        header("cookie").is_some(),
    ) {
        return (
            StatusCode::FORBIDDEN,
            "A collaborative session opens from its own pages only.",
        )
            .into_response();
    }
    let secret = header("cookie")
        .and_then(|c| app::auth::rules::cookie_value(c, service::PARTICIPANT_COOKIE))
        .and_then(|v| v.split_once('.'))
        .filter(|(id, _)| *id == session_id)
        .map(|(_, secret)| secret.to_string());
    let who = match (&secret, &principal) {
        (Some(secret), _) => Who::Secret(secret),
        (None, Some(Extension(principal))) => Who::Person(principal),
        (None, None) => Who::Secret(""),
    };
    let me = match service::participant(&state, &session_id, who).await {
        Ok(me) => me,
        Err(error) => return (StatusCode::FORBIDDEN, error.to_string()).into_response(),
    };
    // A removed or refused participant's part is over: their socket is not opened at all (it
    // would only announce their presence to everyone).
    if matches!(
        Standing::parse(&me.standing),
        Standing::Removed | Standing::Refused
    ) {
        let message = match Standing::parse(&me.standing) {
            Standing::Removed => rules::REMOVED,
            _ => rules::REFUSED,
        };
        return (StatusCode::FORBIDDEN, message).into_response();
    }
    // Each participant holds at most two connections here, and connecting draws on the same
    // budget as their messages.
    let place = match state.collab.open_socket(&me.id, state.now()) {
        Ok(place) => place,
        Err(SocketRefusal::TooMany) => {
            return (
                StatusCode::TOO_MANY_REQUESTS,
                "You have this session open twice already: close another tab or window first.",
            )
                .into_response()
        }
        Err(SocketRefusal::TooFrequent) => {
            return (
                StatusCode::TOO_MANY_REQUESTS,
                "Too many connections in a short time: wait a few seconds.",
            )
                .into_response()
        }
    };
    ws.max_message_size(FRAME_LIMIT)
        .max_frame_size(FRAME_LIMIT)
        .on_upgrade(move |socket| async move {
            metrics.websockets.fetch_add(1, Ordering::Relaxed);
            run(socket, state, me).await;
            drop(place);
            metrics.websockets.fetch_sub(1, Ordering::Relaxed);
        })
}

/// Whether a socket's request comes from Sightline's own pages: an `Origin` equal to the public
/// address or naming the requested host; none at all only without a cookie (nothing to abuse).
fn same_origin(origin: Option<&str>, host: Option<&str>, public_url: &str, cookie: bool) -> bool {
    let Some(origin) = origin else {
        return !cookie;
    };
    let public = public_url.trim_end_matches('/');
    origin.eq_ignore_ascii_case(public)
        || host.is_some_and(|host| origin.split("://").nth(1) == Some(host))
}

async fn close_with(socket: &mut WebSocket, code: u16, reason: &str) {
    let mut reason = reason.to_string();
    // A close reason holds at most 123 bytes.
    while reason.len() > 123 {
        reason.pop();
    }
    let _ = socket
        .send(Message::Close(Some(CloseFrame {
            code,
            reason: reason.into(),
        })))
        .await;
}

/// Sends the participant's view; false when their part is over (the socket is closed then).
async fn send_view(
    socket: &mut WebSocket,
    state: &AppState,
    me: &ParticipantRow,
    looking: Option<&str>,
    sent: &mut i64,
) -> bool {
    let message = match service::view(state, &me.id, looking).await {
        Ok(message) => message,
        Err(error) => ServerMessage::Problem {
            message: error.to_string(),
        },
    };
    if let ServerMessage::View(view) = &message {
        *sent = view.version;
    }
    let text = serde_json::to_string(&message).unwrap_or_default();
    if socket.send(Message::Text(text.into())).await.is_err() {
        return false;
    }
    if let ServerMessage::Closed { code, message } = &message {
        close_with(socket, *code, message).await;
        return false;
    }
    true
}

/// Sends who is connected now; false when the socket is gone.
async fn send_presence(socket: &mut WebSocket, state: &AppState, me: &ParticipantRow) -> bool {
    let Ok(message) = service::presence_view(state, me).await else {
        return true;
    };
    let text = serde_json::to_string(&message).unwrap_or_default();
    socket.send(Message::Text(text.into())).await.is_ok()
}

async fn send_problem(socket: &mut WebSocket, error: &app::error::AppError) -> bool {
    let problem = ServerMessage::Problem {
        message: error.to_string(),
    };
    let text = serde_json::to_string(&problem).unwrap_or_default();
    socket.send(Message::Text(text.into())).await.is_ok()
}

async fn run(mut socket: WebSocket, state: AppState, me: ParticipantRow) {
    let Subscription {
        mut versions,
        presence: mut beats,
    } = state.collab.subscribe(&me.session_id, 0);
    let mut draining = state.lifecycle.watch();
    service::mark_seen(&state, &me, true).await;
    service::presence(&state, &me.session_id).await;
    beats.mark_unchanged();
    let mut looking: Option<String> = None;
    let mut sent = 0;
    let mut heartbeat = tokio::time::interval(Duration::from_millis(rules::HEARTBEAT_MS as u64));
    heartbeat.tick().await;
    let mut open = send_view(&mut socket, &state, &me, None, &mut sent).await;
    while open {
        tokio::select! {
            incoming = socket.recv() => {
                let text = match incoming {
                    Some(Ok(Message::Text(text))) => text,
                    Some(Ok(Message::Binary(_))) => {
                        close_with(&mut socket, close::MALFORMED, "Messages are JSON text.").await;
                        break;
                    }
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                    Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                };
                if !state.collab.take_message(&me.id, state.now()) {
                    close_with(&mut socket, close::TOO_FREQUENT, "Too many messages: at most 10 a second.").await;
                    break;
                }
                let message = match rules::parse_message(text.as_str()) {
                    Ok(message) => message,
                    Err((code, reason)) => {
                        close_with(&mut socket, code, &reason).await;
                        break;
                    }
                };
                match &message {
                    ClientMessage::Look(sheet) => match service::check_look(&state, &me, sheet).await {
                        Ok(()) => looking = Some(sheet.clone()),
                        Err(error) => {
                            open = send_problem(&mut socket, &error).await;
                            continue;
                        }
                    },
                    ClientMessage::Follow | ClientMessage::Sheet(_) => looking = None,
                    ClientMessage::Select(_) => {}
                }
                if matches!(message, ClientMessage::Look(_) | ClientMessage::Follow) {
                    open = send_view(&mut socket, &state, &me, looking.as_deref(), &mut sent).await;
                    continue;
                }
                if let Err(error) = service::act(&state, &me.id, &message).await {
                    open = send_problem(&mut socket, &error).await;
                }
            }
            beat = beats.changed() => {
                if beat.is_err() {
                    break;
                }
                beats.mark_unchanged();
                open = send_presence(&mut socket, &state, &me).await;
            }
            changed = versions.changed() => {
                if changed.is_err() {
                    break;
                }
                let version = *versions.borrow_and_update();
                if version > sent {
                    open = send_view(&mut socket, &state, &me, looking.as_deref(), &mut sent).await;
                }
            }
            _ = draining.changed() => {
                // This process is stopping: the page reconnects, through the balancer, to
                // another one, and resumes from the session's state in the database.
                close_with(&mut socket, close::RESTARTING, "This server is restarting: reconnecting.").await;
                break;
            }
            _ = heartbeat.tick() => {
                service::mark_seen(&state, &me, true).await;
                match service::keep_licensed(&state, &me).await {
                    Ok(Some(message)) => {
                        let text = serde_json::to_string(&message).unwrap_or_default();
                        let _ = socket.send(Message::Text(text.into())).await;
                        if let ServerMessage::Closed { code, message } = &message {
                            close_with(&mut socket, *code, message).await;
                        }
                        break;
                    }
                    Ok(None) => {}
                    Err(error) => tracing::warn!(%error, "checking a collaborative licence failed"),
                }
                if let Err(error) = service::end_if_due(&state, &me.session_id).await {
                    tracing::warn!(%error, "checking a collaborative session's end failed");
                }
                // An announcement missed (a listener reconnecting) is caught here.
                if service::current_version(&state, &me.session_id).await.unwrap_or(0) > sent {
                    open = send_view(&mut socket, &state, &me, looking.as_deref(), &mut sent).await;
                }
            }
        }
    }
    drop(versions);
    drop(beats);
    state.collab.release(state.now());
    service::mark_seen(&state, &me, false).await;
    service::presence(&state, &me.session_id).await;
}

#[cfg(test)]
mod tests {
    use super::same_origin;

    #[test]
    fn a_socket_with_cookies_opens_from_sightlines_own_pages_only() {
        let public = "https://bi.example.com";
        // (Origin, Host, cookie, allowed)
        let cases = [
            (
                Some("https://bi.example.com"),
                Some("10.0.0.5:3000"),
                true,
                true,
            ),
            (Some("https://BI.example.com"), None, true, true),
            (
                Some("http://127.0.0.1:3000"),
                Some("127.0.0.1:3000"),
                true,
                true,
            ),
            (
                Some("https://evil.example"),
                Some("bi.example.com"),
                true,
                false,
            ),
            (
                Some("https://bi.example.com.evil.example"),
                None,
                true,
                false,
            ),
            (None, Some("bi.example.com"), true, false),
            (None, Some("bi.example.com"), false, true),
        ];
        for (origin, host, cookie, allowed) in cases {
            assert_eq!(
                same_origin(origin, host, public, cookie),
                allowed,
                "{origin:?} {host:?} {cookie}"
            );
        }
    }
}
