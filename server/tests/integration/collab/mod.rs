//! Collaborative sessions over the real websocket, as the seed tells them: Alice starts a
//! session and sends the link; Bob types his email and is in; his selection reaches Alice at
//! once, her sheet change reaches him; she removes Carol, who cannot come back, and stops the
//! session, and everyone is told. Then what QlikView never had: signed-in attendees who see the
//! shared selections through their own section access, and participants on two processes.
//!
//! `story`: the seed's session, signed-in attendees, two processes. `control`: what the
//! initiator and the admins decide (a lobby, the switches). Below: the socket helpers they share.

mod control;
mod new_data;
mod review;
mod story;

use app::apps::model::NewApp;
use app::auth::principal::{Principal, RequestInfo};
use app::collab::model::{Mode, ServerMessage, SessionView, Standing};
use app::collab::rules::{close, INVITATION_MS};
use app::collab::service as collab;
use app::content::model::NewAccessRule;
use app::content::service as content;
use app::error::AppError;
use app::spaces::model::{AssigneeType, NewAssignment, NewSpace};
use app::spaces::rules::{SpaceRole, SpaceType};
use app::spaces::service as spaces;
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

use crate::common::live::{self, Live};
use crate::common::world::{CUSTOMERS, ORDERS};
use crate::common::{TestDb, PASSWORD};

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A signed-in person with their portal session's secret (the initiator's socket sends it).
async fn signed_in(t: &TestDb, email: &str) -> (Principal, String) {
    app::auth::service::sign_in(&t.state, &RequestInfo::default(), email, PASSWORD)
        .await
        .unwrap()
}

/// Sessions that people without an account join are anonymous access: the tenant admin
/// turns them on and gives `email` a role that allows starting them.
async fn allow_outsiders(t: &TestDb, root: &Principal, email: &str) {
    use app::directory::model::{RoleInput, UserChanges};
    use app::directory::rules::Permission;
    use app::directory::service as directory;
    collab::set_tenant_collab(
        &t.state,
        root,
        app::collab::model::TenantCollab {
            enabled: true,
            outsiders: true,
        },
    )
    .await
    .unwrap();
    let role = directory::create_role(
        &t.state,
        root,
        RoleInput {
            name: format!("Hosts of {email}"),
            description: String::new(),
            permissions: vec![Permission::CollabOutsiders],
        },
    )
    .await
    .unwrap();
    let user = t.principal(email).await;
    directory::update_user(
        &t.state,
        root,
        &user.user_id,
        UserChanges {
            role_ids: Some(vec![role.id]),
            ..Default::default()
        },
    )
    .await
    .unwrap();
}

/// Alice's app, "Sales", in a shared space, with two public sheets.
async fn sales(t: &TestDb, alice: &Principal) -> (String, String) {
    let space = spaces::create_space(
        &t.state,
        alice,
        NewSpace {
            space_type: SpaceType::Shared,
            name: "Team".into(),
            description: String::new(),
        },
    )
    .await
    .unwrap();
    let mut files = Vec::new();
    for (name, csv) in [("orders.csv", ORDERS), ("customers.csv", CUSTOMERS)] {
        files.push(
            content::stage_file(&t.state, alice, name, csv.as_bytes())
                .await
                .unwrap()
                .id,
        );
    }
    let app = content::create_app_from_uploads(
        &t.state,
        alice,
        NewApp {
            name: "Sales".into(),
            space_id: space.id.clone(),
            ..Default::default()
        },
        files,
    )
    .await
    .unwrap();
    content::add_sheet(&t.state, alice, &app.id, "Details")
        .await
        .unwrap();
    (space.id, app.id)
}

async fn connect(live: &Live, session: &str, cookie: &str) -> Socket {
    connect_to(&live.base, session, cookie).await
}

async fn connect_to(base: &str, session: &str, cookie: &str) -> Socket {
    let url = format!("{}/collab/{session}/socket", base.replacen("http", "ws", 1));
    let mut request = url.into_client_request().unwrap();
    request
        .headers_mut()
        .insert("cookie", cookie.parse().unwrap());
    // As a browser does: the page's origin, which the server checks.
    request
        .headers_mut()
        .insert("origin", base.parse().unwrap());
    tokio_tungstenite::connect_async(request).await.unwrap().0
}

/// The next message from the server, within five seconds.
async fn next(socket: &mut Socket) -> ServerMessage {
    loop {
        let message = tokio::time::timeout(std::time::Duration::from_secs(5), socket.next())
            .await
            .expect("the server said something within five seconds")
            .expect("the socket is open")
            .unwrap();
        if let Message::Text(text) = message {
            return serde_json::from_str(&text).unwrap();
        }
    }
}

/// The last view each socket received, as the page keeps it: a presence message updates its
/// participants (nothing else is sent again for it). Keyed by the socket's place in memory,
/// which a test does not move while it reads from it; a socket's first message is a view.
fn last_views() -> &'static std::sync::Mutex<std::collections::HashMap<usize, SessionView>> {
    static LAST: std::sync::OnceLock<
        std::sync::Mutex<std::collections::HashMap<usize, SessionView>>,
    > = std::sync::OnceLock::new();
    LAST.get_or_init(Default::default)
}

/// Views until one satisfies `want`, presence messages applied to the last view.
async fn view_where(socket: &mut Socket, want: impl Fn(&SessionView) -> bool) -> SessionView {
    let key = socket as *const Socket as usize;
    for _ in 0..30 {
        let message = next(socket).await;
        let mut last = last_views().lock().unwrap();
        match message {
            ServerMessage::View(view) => {
                last.insert(key, *view);
            }
            ServerMessage::Presence { participants } => match last.get_mut(&key) {
                Some(view) => view.participants = participants,
                None => continue,
            },
            other => panic!("expected a view, got {other:?}"),
        }
        if let Some(view) = last.get(&key).filter(|v| want(v)) {
            return view.clone();
        }
    }
    panic!("no view came that satisfied the test")
}

/// The close code the server ends the socket with.
async fn closed_with(socket: &mut Socket) -> u16 {
    loop {
        let message = tokio::time::timeout(std::time::Duration::from_secs(5), socket.next())
            .await
            .expect("the server closed within five seconds");
        match message {
            Some(Ok(Message::Close(Some(frame)))) => return u16::from(frame.code),
            Some(Ok(_)) => continue,
            other => panic!("expected a close frame, got {other:?}"),
        }
    }
}

fn token_of(path: &str) -> String {
    path.rsplit('/').next().unwrap().to_string()
}

async fn send(socket: &mut Socket, text: &str) {
    socket.send(Message::Text(text.into())).await.unwrap();
}
