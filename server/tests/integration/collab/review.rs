//! The second security review's findings on collaborative sessions, each as the review
//! reproduced it: a person the licence refuses starts a session and reads the app; an
//! attendee's flood of searches grows the database and slows everyone; the initiator's private
//! sheets reach the attendees; a typed email passes for an identity.

use super::*;
use app::licences::model::{LicenceKind, LicenceSettings, Scheme};
use app::licences::service as licences;

/// One professional entitlement, given automatically to the first who opens an app.
async fn one_professional(t: &TestDb, root: &Principal) {
    licences::set_licence_settings(
        &t.state,
        root,
        LicenceSettings {
            scheme: Some(Scheme::UserBased),
            professional: 1,
            auto_professional: true,
            ..Default::default()
        },
    )
    .await
    .unwrap();
}

fn is_no_licence(result: &Result<impl std::fmt::Debug, AppError>) -> bool {
    matches!(result, Err(AppError::NoLicence { .. }))
}

/// Alice holds the one licence; Ali, a member of her space, is refused by `open_sheet`, and so
/// by every way into a session: starting one, joining one signed in. When Alice's licence ends,
/// her session ends with it.
async fn a_person_the_licence_refuses_can_neither_start_nor_join_nor_keep_a_session(t: TestDb) {
    let live = live::start(t).await;
    let t = &live.t;
    let root = t.principal("root@acme.test").await;
    t.active_user(&root, "Alice").await;
    allow_outsiders(t, &root, "alice@acme.test").await;
    let ali = t.active_user(&root, "Ali").await;
    allow_outsiders(t, &root, "ali@acme.test").await;
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
    one_professional(t, &root).await;
    content::open_sheet(&t.state, &alice, &app_id, None, None)
        .await
        .unwrap();
    let (ali, _) = signed_in(t, "ali@acme.test").await;
    assert!(is_no_licence(
        &content::open_sheet(&t.state, &ali, &app_id, None, None).await
    ));
    for mode in [Mode::Open, Mode::SignedIn, Mode::Lobby] {
        let started = collab::start_session(&t.state, &ali, &app_id, None, mode).await;
        assert!(is_no_licence(&started), "{mode:?}: {started:?}");
    }
    let ali_sessions = t
        .count("SELECT COUNT(*) FROM collab_sessions WHERE initiator_id IN (SELECT id FROM users WHERE email_key = 'ali@acme.test')")
        .await;
    assert_eq!(ali_sessions, 0);

    // Alice, licensed, starts one; Ali cannot join it signed in: he would read it through his
    // own access, on his own licence.
    let started = collab::start_session(&t.state, &alice, &app_id, None, Mode::SignedIn)
        .await
        .unwrap();
    let joined =
        collab::join_session(&t.state, Some(&ali), &token_of(&started.invitation), "").await;
    assert!(is_no_licence(&joined), "{joined:?}");
    let mut a = connect(
        &live,
        &session_of(&started),
        &format!("sightline_session={alice_secret}"),
    )
    .await;
    view_where(&mut a, |v| v.is_initiator).await;
    let initiator = initiator_row(t, &session_of(&started)).await;
    assert_eq!(
        collab::keep_licensed(&t.state, &initiator).await.unwrap(),
        None,
        "her licence holds: the heartbeat touches her connection"
    );

    // Her licence ends (the admin takes the entitlement back and gives none, her page's
    // connection ends): the next heartbeat ends the session for everyone.
    licences::set_licence_settings(
        &t.state,
        &root,
        LicenceSettings {
            scheme: Some(Scheme::UserBased),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    licences::remove_licence(
        &t.state,
        &root,
        LicenceKind::Professional,
        &alice.user_id,
        "",
    )
    .await
    .unwrap();
    licences::disconnect(&t.state, &alice, &app_id)
        .await
        .unwrap();
    let ended = collab::keep_licensed(&t.state, &initiator).await.unwrap();
    assert!(
        matches!(&ended, Some(ServerMessage::Closed { code, .. }) if *code == close::ENDED),
        "{ended:?}"
    );
    assert_eq!(closed_with(&mut a).await, close::ENDED);
    let message: String =
        sqlx::query_scalar("SELECT end_message FROM collab_sessions WHERE id = $1")
            .bind(session_of(&started))
            .fetch_one(&t.state.db)
            .await
            .unwrap();
    assert!(message.contains("no longer has a licence"), "{message}");
}

fn session_of(started: &app::collab::model::Started) -> String {
    started.session_id.clone()
}

async fn initiator_row(t: &TestDb, session: &str) -> app::collab::store::ParticipantRow {
    let mut conn = t.state.db.acquire().await.unwrap();
    app::collab::store::initiator_of(&mut conn, session)
        .await
        .unwrap()
        .unwrap()
}

/// Orders enough that one search matches thousands of values.
fn many_orders(count: usize) -> String {
    let mut csv = String::from("OrderId,CustomerId,Product,Amount,Month\n");
    for i in 1..=count {
        csv.push_str(&format!(
            "{i},{},Bike,{},2026-01\n",
            10 + (i % 4) * 10,
            i % 97
        ));
    }
    csv
}

/// Milliseconds of each of `n` authenticated requests that have nothing to do with the session.
async fn unrelated_requests(live: &Live, cookie: &str, n: usize) -> Vec<f64> {
    let client = live.client();
    let mut times = Vec::new();
    for _ in 0..n {
        let began = std::time::Instant::now();
        let response = client
            .get(live.url("/api/v1/users/me"))
            .header("cookie", cookie)
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "{}", response.status());
        times.push(began.elapsed().as_secs_f64() * 1000.0);
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    times.sort_by(f64::total_cmp);
    times
}

/// The review's flood: an attendee with no account opens three sockets and sends, on each,
/// about ten messages a second that alternate a search matching thousands of values and "clear
/// all". A third socket is refused; the searches are refused by name, not written; the sockets
/// that go on past the participant's budget are closed; the session's state, the audit log and
/// an unrelated request stay where they were.
async fn an_attendees_flood_costs_the_server_a_bounded_amount(t: TestDb) {
    let live = live::start(t).await;
    let t = &live.t;
    let root = t.principal("root@acme.test").await;
    t.active_user(&root, "Alice").await;
    allow_outsiders(t, &root, "alice@acme.test").await;
    let (alice, alice_secret) = signed_in(t, "alice@acme.test").await;
    let (space, _) = sales(t, &alice).await;
    let orders = content::stage_file(
        &t.state,
        &alice,
        "orders.csv",
        many_orders(20_000).as_bytes(),
    )
    .await
    .unwrap()
    .id;
    let app = content::create_app_from_uploads(
        &t.state,
        &alice,
        app::apps::model::NewApp {
            name: "Orders".into(),
            space_id: space,
            ..Default::default()
        },
        vec![orders],
    )
    .await
    .unwrap();
    let started = collab::start_session(&t.state, &alice, &app.id, None, Mode::Open)
        .await
        .unwrap();
    let session = session_of(&started);
    let alice_cookie = format!("sightline_session={alice_secret}");
    let mut a = connect(&live, &session, &alice_cookie).await;
    view_where(&mut a, |v| v.is_initiator).await;
    let (_, secret) = collab::join_session(
        &t.state,
        None,
        &token_of(&started.invitation),
        "m@evil.example",
    )
    .await
    .unwrap();
    let cookie = format!("sightline_collab={session}.{secret}");
    let audit_bytes = || {
        t.count(
            "SELECT CAST(COALESCE(SUM(LENGTH(detail)), 0) AS BIGINT) FROM audit_events WHERE action = 'collab.select'",
        )
    };
    let state_bytes =
        || t.count("SELECT CAST(COALESCE(SUM(LENGTH(state)), 0) AS BIGINT) FROM collab_sessions");
    let before = unrelated_requests(&live, &alice_cookie, 20).await;
    let (audit_before, state_before) = (audit_bytes().await, state_bytes().await);

    let mut sockets = [
        connect(&live, &session, &cookie).await,
        connect(&live, &session, &cookie).await,
    ];
    let url = format!(
        "{}/collab/{session}/socket",
        live.base.replacen("http", "ws", 1)
    );
    let mut third = url.clone().into_client_request().unwrap();
    third
        .headers_mut()
        .insert("cookie", cookie.parse().unwrap());
    third
        .headers_mut()
        .insert("origin", live.base.parse().unwrap());
    assert!(
        tokio_tungstenite::connect_async(third).await.is_err(),
        "a third socket of one participant is refused"
    );
    let flood = async {
        let search = r#"{"select":{"Search":{"field":"OrderId","text":"1"}}}"#;
        let narrow = r#"{"select":{"Search":{"field":"OrderId","text":"123"}}}"#;
        let clear = r#"{"select":"ClearAll"}"#;
        let mut sent = 0;
        let mut problems = Vec::new();
        let mut closed = Vec::new();
        for round in 0..60 {
            for socket in sockets.iter_mut() {
                let text = match round % 3 {
                    0 => search,
                    1 => narrow,
                    _ => clear,
                };
                if socket.send(Message::Text(text.into())).await.is_ok() {
                    sent += text.len();
                }
            }
            tokio::time::sleep(std::time::Duration::from_millis(105)).await;
            for socket in sockets.iter_mut() {
                while let Ok(Some(Ok(message))) =
                    tokio::time::timeout(std::time::Duration::from_millis(1), socket.next()).await
                {
                    match message {
                        Message::Text(text) => {
                            if let Ok(ServerMessage::Problem { message }) =
                                serde_json::from_str(&text)
                            {
                                problems.push(message);
                            }
                        }
                        Message::Close(Some(frame)) => closed.push(u16::from(frame.code)),
                        _ => {}
                    }
                }
            }
        }
        (sent, problems, closed)
    };
    let during = unrelated_requests(&live, &alice_cookie, 40);
    let ((sent, problems, closed), during) = tokio::join!(flood, during);
    let (audit_after, state_after) = (audit_bytes().await, state_bytes().await);
    let median = |v: &[f64]| v[v.len() / 2];
    println!(
        "flood: {sent} bytes sent; audit detail {audit_before} -> {audit_after} bytes; session state {state_before} -> {state_after} bytes; GET /api/v1/users/me median {:.1} ms before, {:.1} ms during (max {:.1}); sockets closed with {closed:?}",
        median(&before),
        median(&during),
        during.last().unwrap()
    );
    assert!(
        problems
            .iter()
            .any(|p| p.contains("at most 1000 selected values")),
        "the wide search is refused by name: {problems:?}"
    );
    assert!(
        closed.contains(&close::TOO_FREQUENT),
        "two sockets sharing one budget past ten a second are closed: {closed:?}"
    );
    assert!(
        state_after <= app::collab::rules::MAX_STATE_BYTES as i64,
        "{state_after}"
    );
    assert!(
        audit_after - audit_before < 20_000,
        "the audit keeps summaries: {} bytes added",
        audit_after - audit_before
    );
    assert!(
        median(&during) < 100.0,
        "an unrelated request stays fast: {:.1} ms",
        median(&during)
    );
}

/// Attendees borrow the initiator's rights, not her private sheets: the session shows public
/// sheets only, refuses to look at a private one or to start on it, and marks the typed emails
/// as unverified, showing attendees names and never addresses.
async fn attendees_see_public_sheets_only_and_typed_emails_are_marked_unverified(t: TestDb) {
    let live = live::start(t).await;
    let t = &live.t;
    let root = t.principal("root@acme.test").await;
    t.active_user(&root, "Alice").await;
    let ali = t.active_user(&root, "Ali").await;
    allow_outsiders(t, &root, "ali@acme.test").await;
    let (alice, _) = signed_in(t, "alice@acme.test").await;
    let (space, app_id) = sales(t, &alice).await;
    spaces::create_assignment(
        &t.state,
        &alice,
        &space,
        NewAssignment {
            assignee_type: AssigneeType::User,
            assignee_id: ali.user_id.clone(),
            // Can manage: contributes sheets of his own, which are private.
            roles: vec![SpaceRole::Facilitator],
        },
    )
    .await
    .unwrap();
    let (ali, ali_secret) = signed_in(t, "ali@acme.test").await;
    let private = content::add_sheet(&t.state, &ali, &app_id, "Ali's notes")
        .await
        .unwrap();
    let on_private =
        collab::start_session(&t.state, &ali, &app_id, Some(&private.id), Mode::Open).await;
    assert!(
        matches!(&on_private, Err(AppError::NotFound(m)) if m.contains("public sheets")),
        "{on_private:?}"
    );
    let started = collab::start_session(&t.state, &ali, &app_id, None, Mode::Open)
        .await
        .unwrap();
    let session = session_of(&started);
    let mut a = connect(&live, &session, &format!("sightline_session={ali_secret}")).await;
    view_where(&mut a, |v| v.is_initiator).await;
    let (_, secret) = collab::join_session(
        &t.state,
        None,
        &token_of(&started.invitation),
        "ceo@company.example",
    )
    .await
    .unwrap();
    let twice = collab::join_session(
        &t.state,
        None,
        &token_of(&started.invitation),
        "CEO@company.example",
    )
    .await;
    assert!(matches!(twice, Err(AppError::Conflict(_))), "{twice:?}");
    // Outsiders take anonymous seats: at a capacity of one, the next is refused.
    app::anonymous::service::set_anonymous_capacity(&t.state, &root, 1)
        .await
        .unwrap();
    let full = collab::join_session(
        &t.state,
        None,
        &token_of(&started.invitation),
        "cfo@company.example",
    )
    .await;
    assert!(
        matches!(&full, Err(AppError::Unavailable { message, .. }) if message.contains("anonymous seat")),
        "{full:?}"
    );
    let mut m = connect(
        &live,
        &session,
        &format!("sightline_collab={session}.{secret}"),
    )
    .await;
    let seen = view_where(&mut m, |v| !v.is_initiator && v.participants.len() == 2).await;
    let titles: Vec<&str> = seen.sheet.sheets.iter().map(|s| s.title.as_str()).collect();
    assert!(!titles.contains(&"Ali's notes"), "{titles:?}");
    assert!(
        seen.participants.iter().all(|p| p.email.is_empty()),
        "attendees see names, not addresses"
    );
    let typed = seen.participants.iter().find(|p| !p.initiator).unwrap();
    assert!(!typed.verified && typed.name == "ceo@company.example");
    assert!(
        seen.participants
            .iter()
            .find(|p| p.initiator)
            .unwrap()
            .verified
    );
    send(&mut m, &format!(r#"{{"look":"{}"}}"#, private.id)).await;
    match next(&mut m).await {
        ServerMessage::Problem { message } => assert!(message.contains("no such public sheet")),
        other => panic!("looking at a private sheet is refused: {other:?}"),
    }
    let actor: String = sqlx::query_scalar(
        "SELECT actor_name FROM audit_events WHERE action = 'collab.join' ORDER BY at DESC LIMIT 1",
    )
    .fetch_one(&t.state.db)
    .await
    .unwrap();
    assert_eq!(actor, "unverified: ceo@company.example");
}

/// The review's finding 3: sessions that people without an account join are anonymous access.
/// A new tenant has them off; on, they still need the `collab_outsiders` permission, which no
/// role has by default; signed-in sessions need neither.
async fn outsiders_are_off_by_default_and_need_a_permission(t: TestDb) {
    let root = t.acme().await;
    t.active_user(&root, "Alice").await;
    let (alice, _) = signed_in(&t, "alice@acme.test").await;
    let (_, app_id) = sales(&t, &alice).await;
    let switches = collab::get_tenant_collab(&t.state, &root).await.unwrap();
    assert!(switches.enabled && !switches.outsiders, "{switches:?}");
    let settings = collab::collab_settings(&t.state, &alice, &app_id)
        .await
        .unwrap();
    assert!(
        !settings.outsiders,
        "the page offers signed-in sessions only"
    );
    for mode in [Mode::Open, Mode::Lobby] {
        let refused = collab::start_session(&t.state, &alice, &app_id, None, mode)
            .await
            .unwrap_err();
        assert!(
            refused.to_string().contains("off for this tenant"),
            "{refused}"
        );
    }
    collab::set_tenant_collab(
        &t.state,
        &root,
        app::collab::model::TenantCollab {
            enabled: true,
            outsiders: true,
        },
    )
    .await
    .unwrap();
    let refused = collab::start_session(&t.state, &alice, &app_id, None, Mode::Open)
        .await
        .unwrap_err();
    assert!(
        refused.to_string().contains("collab_outsiders"),
        "{refused}"
    );
    collab::start_session(&t.state, &alice, &app_id, None, Mode::SignedIn)
        .await
        .expect("signed-in sessions stay on");
}

on_both_databases!(
    outsiders_are_off_by_default_and_need_a_permission,
    a_person_the_licence_refuses_can_neither_start_nor_join_nor_keep_a_session,
    an_attendees_flood_costs_the_server_a_bounded_amount,
    attendees_see_public_sheets_only_and_typed_emails_are_marked_unverified,
);
