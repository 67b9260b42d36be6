//! What the initiator and the admins decide: who gets in from a lobby, and the switches.

use super::*;
use app::collab::model::TenantCollab;

/// A lobby: each joiner waits until the initiator admits them; one refused is told and stays out.
async fn in_a_lobby_the_initiator_admits_or_refuses_each_joiner(t: TestDb) {
    let live = live::start(t).await;
    let t = &live.t;
    let root = t.principal("root@acme.test").await;
    t.active_user(&root, "Alice").await;
    allow_outsiders(t, &root, "alice@acme.test").await;
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
    // Alice sees Erin waiting, with the note that she asks to join (a view may arrive between
    // the two: waited for, not taken at a moment).
    let asking = view_where(&mut a, |v| {
        v.participants
            .iter()
            .any(|p| p.standing == Standing::Waiting)
            && v.events.last().map(|e| e.text.as_str()) == Some("erin@example.com asks to join")
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
    // The refusal ended the invitation: he cannot ask again, under any email.
    for email in ["frank@example.com", "frank2@example.com"] {
        let again = collab::join_session(&t.state, None, &token, email)
            .await
            .unwrap_err();
        assert!(again.to_string().contains("ended"), "{again}");
    }
    let token = token_of(&collab::invite(&t.state, &alice, &session).await.unwrap());
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
    allow_outsiders(t, &root, "alice@acme.test").await;
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

    // Turning off sessions that people without an account join ends those, and only those.
    let off = |enabled, outsiders| TenantCollab { enabled, outsiders };
    let open = collab::start_session(&t.state, &alice, &app_id, None, Mode::Open)
        .await
        .unwrap()
        .session_id;
    let mut o = connect(&live, &open, &cookie).await;
    view_where(&mut o, |v| v.is_initiator).await;
    let signed_in_only = collab::start_session(&t.state, &alice, &app_id, None, Mode::SignedIn)
        .await
        .unwrap()
        .session_id;
    collab::set_tenant_collab(&t.state, &root, off(true, false))
        .await
        .unwrap();
    assert_eq!(closed_with(&mut o).await, close::ENDED);
    let refused = collab::start_session(&t.state, &alice, &app_id, None, Mode::Lobby)
        .await
        .unwrap_err();
    assert!(
        refused.to_string().contains("Signed-in people only"),
        "{refused}"
    );

    // Only a tenant admin switches the tenant; off ends every session and names who can help.
    let mut a = connect(&live, &signed_in_only, &cookie).await;
    view_where(&mut a, |v| v.is_initiator).await;
    assert!(matches!(
        collab::set_tenant_collab(&t.state, &alice, off(false, false)).await,
        Err(AppError::Forbidden(_))
    ));
    assert!(matches!(
        collab::get_tenant_collab(&t.state, &alice).await,
        Err(AppError::Forbidden(_))
    ));
    collab::set_tenant_collab(&t.state, &root, off(false, false))
        .await
        .unwrap();
    assert!(
        !collab::get_tenant_collab(&t.state, &root)
            .await
            .unwrap()
            .enabled
    );
    assert_eq!(closed_with(&mut a).await, close::ENDED);
    let refused = collab::start_session(&t.state, &alice, &app_id, None, Mode::SignedIn)
        .await
        .unwrap_err();
    assert!(
        refused.to_string().contains("Admin, Embedding"),
        "{refused}"
    );
    let audited = t
        .count("SELECT COUNT(*) FROM audit_events WHERE action = 'collab.settings'")
        .await;
    assert_eq!(audited, 5, "each switch is in the audit log");
}

on_both_databases!(
    turning_sessions_off_ends_the_running_ones_and_refuses_new_ones,
    in_a_lobby_the_initiator_admits_or_refuses_each_joiner,
);
