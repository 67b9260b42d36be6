//! The browser's side: the websocket, reconnecting with the latest state, and small helpers.

use leptos::prelude::*;

use super::Link;
#[cfg(feature = "hydrate")]
use crate::collab::model::ServerMessage;
use crate::collab::model::{ClientMessage, SessionView};

/// The close codes after which reconnecting would only be refused again.
#[cfg(feature = "hydrate")]
const FINAL: [u16; 7] = [4000, 4001, 4003, 4004, 4402, 4404, 4429];

#[cfg(feature = "hydrate")]
pub fn connect(
    session_id: String,
    current: RwSignal<Option<SessionView>>,
    waiting: RwSignal<Option<String>>,
    problem: RwSignal<Option<String>>,
    link: RwSignal<Link>,
) -> Callback<ClientMessage> {
    use wasm_bindgen::prelude::*;
    use web_sys::{CloseEvent, MessageEvent, WebSocket};
    let socket = StoredValue::new_local(None::<WebSocket>);
    fn open(
        session_id: String,
        socket: StoredValue<Option<WebSocket>, LocalStorage>,
        current: RwSignal<Option<SessionView>>,
        waiting: RwSignal<Option<String>>,
        problem: RwSignal<Option<String>>,
        link: RwSignal<Link>,
        attempt: u32,
    ) {
        let location = window().location();
        let scheme = if location.protocol().unwrap_or_default() == "https:" {
            "wss"
        } else {
            "ws"
        };
        let host = location.host().unwrap_or_default();
        let Ok(ws) = WebSocket::new(&format!("{scheme}://{host}/collab/{session_id}/socket"))
        else {
            link.set(Link::Over(
                "Your browser could not open the session's connection.".into(),
            ));
            return;
        };
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let Some(text) = event.data().as_string() else {
                return;
            };
            // From bytes, as server functions read (see components::Json): one deserializer
            // per type in the bundle.
            match serde_json::from_slice::<ServerMessage>(text.as_bytes()) {
                Ok(ServerMessage::View(view)) => {
                    link.set(Link::Live);
                    waiting.set(None);
                    problem.set(None);
                    current.set(Some(*view));
                }
                Ok(ServerMessage::Waiting { message }) => {
                    link.set(Link::Live);
                    waiting.set(Some(message));
                }
                Ok(ServerMessage::Problem { message }) => problem.set(Some(message)),
                Ok(ServerMessage::Presence { participants }) => current.update(|view| {
                    if let Some(view) = view {
                        view.participants = participants;
                    }
                }),
                Ok(ServerMessage::Closed { message, .. }) => link.set(Link::Over(message)),
                Err(_) => {}
            }
        });
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        on_message.forget();
        let again = session_id.clone();
        let on_close = Closure::<dyn FnMut(CloseEvent)>::new(move |event: CloseEvent| {
            if matches!(link.get_untracked(), Link::Over(_)) {
                return;
            }
            if FINAL.contains(&event.code()) {
                let reason = event.reason();
                link.set(Link::Over(if reason.is_empty() {
                    "The session closed this connection.".into()
                } else {
                    reason
                }));
                return;
            }
            // Dropped: reconnect, a little later each time, and resume from a full view.
            link.set(Link::Reconnecting);
            let wait = (500 * 2u32.pow(attempt.min(4))).min(8_000);
            let again = again.clone();
            super::socket::after(wait, move || {
                open(again, socket, current, waiting, problem, link, attempt + 1)
            });
        });
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        on_close.forget();
        socket.set_value(Some(ws));
    }
    Effect::new(move || {
        open(
            session_id.clone(),
            socket,
            current,
            waiting,
            problem,
            link,
            0,
        );
    });
    on_cleanup(move || {
        link.set(Link::Over("You left the session.".into()));
        socket.with_value(|ws| {
            if let Some(ws) = ws {
                let _ = ws.close();
            }
        });
    });
    Callback::new(move |message: ClientMessage| {
        let Ok(text) = serde_json::to_string(&message) else {
            return;
        };
        socket.with_value(|ws| {
            if let Some(ws) = ws {
                let _ = ws.send_with_str(&text);
            }
        });
    })
}

#[cfg(not(feature = "hydrate"))]
pub fn connect(
    _: String,
    _: RwSignal<Option<SessionView>>,
    _: RwSignal<Option<String>>,
    _: RwSignal<Option<String>>,
    _: RwSignal<Link>,
) -> Callback<ClientMessage> {
    Callback::new(|_| {})
}

/// Runs `then` after `ms` milliseconds (in the browser; never on the server).
pub fn after(ms: u32, then: impl FnOnce() + 'static) {
    #[cfg(feature = "hydrate")]
    leptos::task::spawn_local(async move {
        gloo_timers::future::TimeoutFuture::new(ms).await;
        then();
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = (ms, then);
}

/// The invitation path the start put in the address (`#invite=/collab/join/…`): the
/// fragment never reaches a server or a log.
pub fn invitation_from_address() -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        let hash = window().location().hash().ok()?;
        hash.strip_prefix("#invite=").map(str::to_string)
    }
    #[cfg(not(feature = "hydrate"))]
    None
}

pub(crate) fn absolute(path: &str) -> String {
    #[cfg(feature = "hydrate")]
    {
        format!("{}{path}", window().location().origin().unwrap_or_default())
    }
    #[cfg(not(feature = "hydrate"))]
    path.to_string()
}
