//! The seed's session over the real websocket, signed-in attendees, and two processes.

use super::*;

async fn alice_bob_and_carol_explore_one_app_until_alice_stops(t: TestDb) {
    let live = live::start(t).await;
    let t = &live.t;
    let root = t.principal("root@acme.test").await;
    t.active_user(&root, "Alice").await;
    allow_outsiders(t, &root, "alice@acme.test").await;
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
    // Removing someone without an account ends the invitation that let them in: under another
    // email too (the review's reproduction), the link no longer works.
    for email in ["Carol@Example.com", "carol+2@example.com"] {
        let again = collab::join_session(&t.state, None, &token_of(&started.invitation), email)
            .await
            .unwrap_err();
        assert!(again.to_string().contains("ended"), "{email}: {again}");
    }
    let second = collab::invite(&t.state, &alice, &session).await.unwrap();
    let again = collab::join_session(&t.state, None, &token_of(&second), "Carol@Example.com")
        .await
        .unwrap_err();
    assert!(again.to_string().contains("removed"), "{again}");
    // Her socket is not even opened again.
    let url = format!(
        "{}/collab/{session}/socket",
        live.base.replacen("http", "ws", 1)
    );
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert(
        "cookie",
        format!("sightline_collab={session}.{carol_secret}")
            .parse()
            .unwrap(),
    );
    request
        .headers_mut()
        .insert("origin", live.base.parse().unwrap());
    assert!(tokio_tungstenite::connect_async(request).await.is_err());
    let bob_id = followed.you.clone();
    assert!(
        collab::set_standing(&t.state, &root, &session, &bob_id, Standing::Removed)
            .await
            .is_err(),
        "only the initiator removes"
    );

    // Bad messages close only the connection that sent them, each with its code.
    let (_, dan) = collab::join_session(&t.state, None, &token_of(&second), "dan@example.com")
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
    let ended = collab::join_session(&t.state, None, &token_of(&second), "eve@example.com")
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
        (
            "collab.select",
            "by unverified bob@example.com: Region = North",
        ),
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
    allow_outsiders(t, &root, "alice@acme.test").await;
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
        allow_outsiders(t, &root, "alice@acme.test").await;
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

fn rules_heartbeat_secs() -> u64 {
    (app::collab::rules::HEARTBEAT_MS / 1000) as u64
}

on_both_databases!(
    alice_bob_and_carol_explore_one_app_until_alice_stops,
    a_signed_in_attendee_sees_shared_selections_through_their_own_access,
);
