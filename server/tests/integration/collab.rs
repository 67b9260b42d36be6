//! Collaborative sessions over the real websocket, as the seed tells them: Alice starts a
//! session and sends the link; Bob types his email and is in; his selection reaches Alice at
//! once, her sheet change reaches him; she removes Carol, who cannot come back, and stops the
//! session, and everyone is told. Then what QlikView never had: signed-in attendees who see the
//! shared selections through their own section access, and participants on two processes.

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

/// Views until one satisfies `want` (earlier ones may be presence updates).
async fn view_where(socket: &mut Socket, want: impl Fn(&SessionView) -> bool) -> SessionView {
    for _ in 0..20 {
        match next(socket).await {
            ServerMessage::View(view) if want(&view) => return *view,
            ServerMessage::View(_) => continue,
            other => panic!("expected a view, got {other:?}"),
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

async fn alice_bob_and_carol_explore_one_app_until_alice_stops(t: TestDb) {
    let live = live::start(t).await;
    let t = &live.t;
    let root = t.principal("root@acme.test").await;
    t.active_user(&root, "Alice").await;
    let (alice, alice_secret) = signed_in(t, "alice@acme.test").await;
    let (_, app_id) = sales(t, &alice).await;
    let started = collab::start_session(&t.state, &alice, &app_id, None, Mode::Open)
        .await
        .unwrap();
    let session = started.session_id.clone();
    assert!(
        token_of(&started.invitation).len() >= 32,
        "at least 128 random bits"
    );
    let mut a = connect(
        &live,
        &session,
        &format!("sightline_session={alice_secret}"),
    )
    .await;
    let first = view_where(&mut a, |v| v.is_initiator).await;
    assert_eq!(first.participants.len(), 1);
    assert!(first.invitation.is_some(), "Alice sees her live invitation");

    // Bob follows the link and types his email: no account, no licence.
    let info = collab::invitation_info(&t.state, None, &token_of(&started.invitation))
        .await
        .unwrap();
    assert!(info.explanation.contains("Alice"), "{}", info.explanation);
    let refused = collab::join_session(&t.state, None, &token_of(&started.invitation), "bob")
        .await
        .unwrap_err();
    assert!(
        refused.to_string().contains("not a valid email"),
        "{refused}"
    );
    let (_, bob_secret) = collab::join_session(
        &t.state,
        None,
        &token_of(&started.invitation),
        "bob@example.com",
    )
    .await
    .unwrap();
    let joined = view_where(&mut a, |v| {
        v.events
            .last()
            .is_some_and(|e| e.text == "bob@example.com joined")
    })
    .await;
    assert_eq!(joined.participants.len(), 2, "Alice sees Bob joined");
    let mut b = connect(
        &live,
        &session,
        &format!("sightline_collab={session}.{bob_secret}"),
    )
    .await;
    let bob_first = view_where(&mut b, |v| !v.is_initiator).await;
    assert!(
        !bob_first.sheet.can_edit_sheet && !bob_first.sheet.can_add_sheet,
        "attendees never author"
    );

    // Bob's selection reaches Alice, with his name on it.
    send(
        &mut b,
        r#"{"select":{"SelectValues":{"field":"Region","values":["North"]}}}"#,
    )
    .await;
    let selected = view_where(&mut a, |v| !v.chips.is_empty()).await;
    assert_eq!(selected.chips[0].field, "Region");
    assert_eq!(selected.chips[0].values, vec!["North".to_string()]);
    assert_eq!(selected.chips[0].by, "bob@example.com");
    assert!(selected.can_back);

    // Alice moves to the other sheet; Bob, following, moves with her.
    let details = selected
        .sheet
        .sheets
        .iter()
        .find(|s| s.title == "Details")
        .unwrap()
        .id
        .clone();
    send(&mut a, &format!(r#"{{"sheet":"{details}"}}"#)).await;
    let followed = view_where(&mut b, |v| {
        v.sheet.sheet.as_ref().is_some_and(|s| s.id == details)
    })
    .await;
    assert!(followed.following);
    assert_eq!(followed.chips.len(), 1, "a late state keeps the selections");

    // Carol joins; Alice removes her; Carol is told and cannot come back.
    let (carol_id, carol_secret) = collab::join_session(
        &t.state,
        None,
        &token_of(&started.invitation),
        "carol@example.com",
    )
    .await
    .unwrap();
    assert_eq!(carol_id, session);
    let mut c = connect(
        &live,
        &session,
        &format!("sightline_collab={session}.{carol_secret}"),
    )
    .await;
    let carol = view_where(&mut c, |v| v.participants.len() == 3).await;
    collab::set_standing(&t.state, &alice, &session, &carol.you, Standing::Removed)
        .await
        .unwrap();
    assert_eq!(closed_with(&mut c).await, close::REMOVED);
    let again = collab::join_session(
        &t.state,
        None,
        &token_of(&started.invitation),
        "Carol@Example.com",
    )
    .await
    .unwrap_err();
    assert!(again.to_string().contains("removed"), "{again}");
    let bob_id = followed.you.clone();
    assert!(
        collab::set_standing(&t.state, &root, &session, &bob_id, Standing::Removed)
            .await
            .is_err(),
        "only the initiator removes"
    );

    // Bad messages close only the connection that sent them, each with its code.
    let (_, dan) = collab::join_session(
        &t.state,
        None,
        &token_of(&started.invitation),
        "dan@example.com",
    )
    .await
    .unwrap();
    let dan_cookie = format!("sightline_collab={session}.{dan}");
    let mut d = connect(&live, &session, &dan_cookie).await;
    send(&mut d, "{nope").await;
    assert_eq!(closed_with(&mut d).await, close::MALFORMED);
    let mut d = connect(&live, &session, &dan_cookie).await;
    send(&mut d, &format!(r#"{{"sheet":"{}"}}"#, "x".repeat(10_000))).await;
    assert_eq!(closed_with(&mut d).await, close::TOO_BIG);
    let mut d = connect(&live, &session, &dan_cookie).await;
    for _ in 0..40 {
        if d.send(Message::Text(r#""follow""#.into())).await.is_err() {
            break;
        }
    }
    assert_eq!(closed_with(&mut d).await, close::TOO_FREQUENT);
    // A stranger without a participant's cookie is refused before any socket opens.
    let url = format!(
        "{}/collab/{session}/socket",
        live.base.replacen("http", "ws", 1)
    );
    assert!(tokio_tungstenite::connect_async(url).await.is_err());

    // "Expire now" ends the invitation; a new one works; past 15 minutes it is gone.
    collab::expire_invitation(&t.state, &alice, &session)
        .await
        .unwrap();
    let ended = collab::join_session(
        &t.state,
        None,
        &token_of(&started.invitation),
        "eve@example.com",
    )
    .await
    .unwrap_err();
    assert!(
        ended
            .to_string()
            .contains("ended by the person who sent it"),
        "{ended}"
    );
    let fresh = collab::invite(&t.state, &alice, &session).await.unwrap();
    t.clock.advance_ms(INVITATION_MS);
    let expired = collab::invitation_info(&t.state, None, &token_of(&fresh))
        .await
        .unwrap_err();
    assert!(
        matches!(&expired, AppError::Gone(m) if m.contains("15 minutes")),
        "{expired}"
    );

    // Alice stops: everyone is told, and the audit log has the story.
    collab::stop_session(&t.state, &alice, &session)
        .await
        .unwrap();
    assert_eq!(closed_with(&mut b).await, close::ENDED);
    assert_eq!(closed_with(&mut a).await, close::ENDED);
    for (action, detail) in [
        ("collab.start", "open"),
        ("collab.join", ""),
        ("collab.remove", "carol@example.com"),
        ("collab.select", "by bob@example.com: Region = North"),
        ("collab.end", "stopped"),
    ] {
        let found = t
            .count(&format!(
                "SELECT COUNT(*) FROM audit_events WHERE action = '{action}' AND detail LIKE '%{detail}%'"
            ))
            .await;
        assert!(found >= 1, "the audit log records {action} ({detail})");
    }
    let selections_by: String =
        sqlx::query_scalar("SELECT actor_name FROM audit_events WHERE action = 'collab.select'")
            .fetch_one(&t.state.db)
            .await
            .unwrap();
    assert_eq!(
        selections_by, "Alice",
        "selections are logged under the initiator's name"
    );
}

async fn a_signed_in_attendee_sees_shared_selections_through_their_own_access(t: TestDb) {
    let live = live::start(t).await;
    let t = &live.t;
    let root = t.principal("root@acme.test").await;
    t.active_user(&root, "Alice").await;
    let ali = t.active_user(&root, "Ali").await;
    let (alice, alice_secret) = signed_in(t, "alice@acme.test").await;
    let (space, app_id) = sales(t, &alice).await;
    spaces::create_assignment(
        &t.state,
        &alice,
        &space,
        NewAssignment {
            assignee_type: AssigneeType::User,
            assignee_id: ali.user_id.clone(),
            roles: vec![SpaceRole::Consumer],
        },
    )
    .await
    .unwrap();
    content::add_section_access(
        &t.state,
        &alice,
        &app_id,
        NewAccessRule {
            assignee_type: "user".into(),
            assignee_id: ali.user_id.clone(),
            field: "Region".into(),
            allowed: "South".into(),
        },
    )
    .await
    .unwrap();
    let started = collab::start_session(&t.state, &alice, &app_id, None, Mode::SignedIn)
        .await
        .unwrap();
    let session = started.session_id;
    let token = token_of(&started.invitation);
    let unsigned = collab::join_session(&t.state, None, &token, "ali@acme.test")
        .await
        .unwrap_err();
    assert_eq!(
        unsigned,
        AppError::Unauthenticated,
        "signed-in mode needs an account"
    );
    let (ali, _) = signed_in(t, "ali@acme.test").await;
    let (_, ali_secret) = collab::join_session(&t.state, Some(&ali), &token, "")
        .await
        .unwrap();
    let mut a = connect(
        &live,
        &session,
        &format!("sightline_session={alice_secret}"),
    )
    .await;
    view_where(&mut a, |v| v.is_initiator).await;
    let mut b = connect(
        &live,
        &session,
        &format!("sightline_collab={session}.{ali_secret}"),
    )
    .await;
    view_where(&mut b, |v| !v.is_initiator).await;

    send(
        &mut a,
        r#"{"select":{"SelectValues":{"field":"Region","values":["North"]}}}"#,
    )
    .await;
    let alice_sees = view_where(&mut a, |v| !v.chips.is_empty()).await;
    assert_eq!(alice_sees.chips[0].values, vec!["North".to_string()]);
    let ali_sees = view_where(&mut b, |v| !v.chips.is_empty()).await;
    assert!(
        ali_sees.chips[0].filtered,
        "filtered by another participant"
    );
    assert!(ali_sees.chips[0].values.is_empty(), "never the value");
    let shown = serde_json::to_string(&ali_sees).unwrap();
    assert!(
        !shown.contains("North"),
        "North reaches Ali nowhere: {shown}"
    );
    assert!(ali_sees.sheet.charts.iter().all(|c| matches!(
        &c.data,
        app::content::model::ChartData::Problem(p) if p.contains("Another participant")
    )));
}

/// Another server process on the same PostgreSQL database and data directory, with its own
/// memory (its own hub of sessions), listening for the others' announcements.
async fn second_process(live: &Live) -> String {
    let config = crate::common::test_config(&live.t.url, live.t.data_dir());
    let state = server::build_state(&config, live.t.clock.clone())
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    server::spawn_listener(state.clone(), &live.t.url);
    tokio::spawn(server::serve(
        listener,
        state,
        server::security::LayerSettings::default(),
        std::future::pending(),
    ));
    base
}

#[test]
fn participants_on_two_processes_share_one_session() {
    crate::common::run(async {
        let live = live::start(TestDb::new(crate::common::Backend::Postgres).await).await;
        server::spawn_listener(live.t.state.clone(), &live.t.url);
        let other = second_process(&live).await;
        let t = &live.t;
        let root = t.principal("root@acme.test").await;
        t.active_user(&root, "Alice").await;
        let (alice, alice_secret) = signed_in(t, "alice@acme.test").await;
        let (_, app_id) = sales(t, &alice).await;
        let started = collab::start_session(&t.state, &alice, &app_id, None, Mode::Open)
            .await
            .unwrap();
        let session = started.session_id.clone();
        let (_, bob_secret) = collab::join_session(
            &t.state,
            None,
            &token_of(&started.invitation),
            "bob@example.com",
        )
        .await
        .unwrap();
        // A on process 1, B on process 2.
        let mut a = connect(
            &live,
            &session,
            &format!("sightline_session={alice_secret}"),
        )
        .await;
        view_where(&mut a, |v| v.is_initiator).await;
        let mut b = connect_to(
            &other,
            &session,
            &format!("sightline_collab={session}.{bob_secret}"),
        )
        .await;
        view_where(&mut b, |v| !v.is_initiator).await;
        // Listening takes a moment to begin: wait until B's presence has reached A.
        view_where(&mut a, |v| {
            v.participants.iter().any(|p| !p.initiator && p.connected)
        })
        .await;

        let sent = std::time::Instant::now();
        send(
            &mut b,
            r#"{"select":{"SelectValues":{"field":"Region","values":["North"]}}}"#,
        )
        .await;
        let seen = view_where(&mut a, |v| !v.chips.is_empty()).await;
        assert_eq!(seen.chips[0].by, "bob@example.com");
        assert!(
            sent.elapsed() < std::time::Duration::from_secs(rules_heartbeat_secs()),
            "it came by announcement, not by the heartbeat's fallback: {:?}",
            sent.elapsed()
        );
        let details = seen
            .sheet
            .sheets
            .iter()
            .find(|s| s.title == "Details")
            .unwrap()
            .id
            .clone();
        send(&mut a, &format!(r#"{{"sheet":"{details}"}}"#)).await;
        view_where(&mut b, |v| {
            v.sheet.sheet.as_ref().is_some_and(|s| s.id == details)
        })
        .await;
        collab::stop_session(&t.state, &alice, &session)
            .await
            .unwrap();
        assert_eq!(
            closed_with(&mut b).await,
            close::ENDED,
            "the end reaches process 2"
        );
    })
}

/// A lobby: each joiner waits until the initiator admits them; one refused is told and stays out.
async fn in_a_lobby_the_initiator_admits_or_refuses_each_joiner(t: TestDb) {
    let live = live::start(t).await;
    let t = &live.t;
    let root = t.principal("root@acme.test").await;
    t.active_user(&root, "Alice").await;
    let (alice, alice_secret) = signed_in(t, "alice@acme.test").await;
    let (_, app_id) = sales(t, &alice).await;
    let started = collab::start_session(&t.state, &alice, &app_id, None, Mode::Lobby)
        .await
        .unwrap();
    let session = started.session_id.clone();
    let token = token_of(&started.invitation);
    let info = collab::invitation_info(&t.state, None, &token)
        .await
        .unwrap();
    assert!(
        info.explanation.contains("admits each person"),
        "{}",
        info.explanation
    );
    let mut a = connect(
        &live,
        &session,
        &format!("sightline_session={alice_secret}"),
    )
    .await;
    view_where(&mut a, |v| v.is_initiator).await;

    // Erin asks to join: she waits, and sees nothing of the app meanwhile.
    let (_, erin) = collab::join_session(&t.state, None, &token, "erin@example.com")
        .await
        .unwrap();
    let mut e = connect(
        &live,
        &session,
        &format!("sightline_collab={session}.{erin}"),
    )
    .await;
    match next(&mut e).await {
        ServerMessage::Waiting { message } => assert!(message.contains("let you in"), "{message}"),
        other => panic!("a waiting joiner sees only that they wait: {other:?}"),
    }
    let asking = view_where(&mut a, |v| {
        v.participants
            .iter()
            .any(|p| p.standing == Standing::Waiting)
    })
    .await;
    let erin_id = asking
        .participants
        .iter()
        .find(|p| p.email == "erin@example.com")
        .unwrap()
        .id
        .clone();
    assert_eq!(
        asking.events.last().unwrap().text,
        "erin@example.com asks to join"
    );

    // Alice admits her: Erin's view arrives.
    collab::set_standing(&t.state, &alice, &session, &erin_id, Standing::In)
        .await
        .unwrap();
    let admitted = loop {
        match next(&mut e).await {
            // Presence changes while she waited may still be on their way.
            ServerMessage::Waiting { .. } => continue,
            ServerMessage::View(view) => break *view,
            other => panic!("an admitted joiner gets the session: {other:?}"),
        }
    };
    assert_eq!(admitted.sheet.app_name, "Sales");

    // Frank asks too; Alice refuses: his connection closes, and he cannot ask again.
    let (_, frank) = collab::join_session(&t.state, None, &token, "frank@example.com")
        .await
        .unwrap();
    let mut f = connect(
        &live,
        &session,
        &format!("sightline_collab={session}.{frank}"),
    )
    .await;
    assert!(matches!(next(&mut f).await, ServerMessage::Waiting { .. }));
    let frank_id = view_where(&mut a, |v| {
        v.participants
            .iter()
            .any(|p| p.email == "frank@example.com")
    })
    .await
    .participants
    .into_iter()
    .find(|p| p.email == "frank@example.com")
    .unwrap()
    .id;
    collab::set_standing(&t.state, &alice, &session, &frank_id, Standing::Refused)
        .await
        .unwrap();
    assert_eq!(closed_with(&mut f).await, close::REFUSED);
    let again = collab::join_session(&t.state, None, &token, "frank@example.com")
        .await
        .unwrap_err();
    assert!(
        again.to_string().contains("cannot join it again"),
        "{again}"
    );
}

/// The switches: an app's managers turn sessions off for it, a tenant admin for everyone; off
/// ends the running sessions at once and refuses new ones, saying who can turn them on.
async fn turning_sessions_off_ends_the_running_ones_and_refuses_new_ones(t: TestDb) {
    let live = live::start(t).await;
    let t = &live.t;
    let root = t.principal("root@acme.test").await;
    t.active_user(&root, "Alice").await;
    let (alice, alice_secret) = signed_in(t, "alice@acme.test").await;
    let (_, app_id) = sales(t, &alice).await;
    let cookie = format!("sightline_session={alice_secret}");

    // Alice manages her app: she turns sessions off for it, and her running session ends.
    let session = collab::start_session(&t.state, &alice, &app_id, None, Mode::Open)
        .await
        .unwrap()
        .session_id;
    let mut a = connect(&live, &session, &cookie).await;
    view_where(&mut a, |v| v.is_initiator).await;
    assert!(
        collab::collab_settings(&t.state, &alice, &app_id)
            .await
            .unwrap()
            .can_change_app
    );
    collab::set_app_collab(&t.state, &alice, &app_id, false)
        .await
        .unwrap();
    assert_eq!(closed_with(&mut a).await, close::ENDED);
    let refused = collab::start_session(&t.state, &alice, &app_id, None, Mode::Open)
        .await
        .unwrap_err();
    assert!(
        refused.to_string().contains("turned off for this app"),
        "{refused}"
    );
    collab::set_app_collab(&t.state, &alice, &app_id, true)
        .await
        .unwrap();

    // Only a tenant admin switches the tenant; off ends every session and names who can help.
    let session = collab::start_session(&t.state, &alice, &app_id, None, Mode::Open)
        .await
        .unwrap()
        .session_id;
    let mut a = connect(&live, &session, &cookie).await;
    view_where(&mut a, |v| v.is_initiator).await;
    assert!(matches!(
        collab::set_tenant_collab(&t.state, &alice, false).await,
        Err(AppError::Forbidden(_))
    ));
    assert!(matches!(
        collab::get_tenant_collab(&t.state, &alice).await,
        Err(AppError::Forbidden(_))
    ));
    collab::set_tenant_collab(&t.state, &root, false)
        .await
        .unwrap();
    assert!(!collab::get_tenant_collab(&t.state, &root).await.unwrap());
    assert_eq!(closed_with(&mut a).await, close::ENDED);
    let refused = collab::start_session(&t.state, &alice, &app_id, None, Mode::Open)
        .await
        .unwrap_err();
    assert!(
        refused.to_string().contains("Admin, Embedding"),
        "{refused}"
    );
    let audited = t
        .count("SELECT COUNT(*) FROM audit_events WHERE action = 'collab.settings'")
        .await;
    assert_eq!(audited, 3, "each switch is in the audit log");
}

fn rules_heartbeat_secs() -> u64 {
    (app::collab::rules::HEARTBEAT_MS / 1000) as u64
}

on_both_databases!(
    alice_bob_and_carol_explore_one_app_until_alice_stops,
    turning_sessions_off_ends_the_running_ones_and_refuses_new_ones,
    in_a_lobby_the_initiator_admits_or_refuses_each_joiner,
    a_signed_in_attendee_sees_shared_selections_through_their_own_access,
);
