//! Several processes behave as one: a viewer's selections (back and forward included) follow
//! them to any process and survive a restart; housekeeping runs on one process at a time; a
//! process that stops says so to the balancer and to its websockets; `/metrics` is there for the
//! operator who holds its token, and for nobody else.

use std::sync::Arc;

use app::content::model::SelectionChange;
use app::content::service as content;
use app::state::AppState;
use tokio_tungstenite::tungstenite::Message;

use crate::common::world::world;
use crate::common::TestDb;

mod operators;
mod seats;

/// Another process on the same database and data directory: its own memory, its own models.
async fn another_process(t: &TestDb) -> AppState {
    let mut config = crate::common::test_config(&t.url, t.data_dir());
    config.settings = (*t.state.settings).clone();
    server::build_state(&config, t.clock.clone()).await.unwrap()
}

/// Anonymous access turned on for the world's app: its link's access code.
async fn public_code(t: &TestDb, w: &crate::common::world::World) -> String {
    app::anonymous::service::set_anonymous_access(&t.state, &w.anna, &w.app.id, true)
        .await
        .unwrap()
        .links
        .remove(0)
        .code
        .unwrap()
}

/// A visitor from `addr` opens the app's public link on `state`'s process.
async fn visit(
    state: AppState,
    app_id: String,
    code: String,
    addr: String,
) -> Result<app::anonymous::model::AnonymousSession, app::error::AppError> {
    app::anonymous::service::start_anonymous_session(
        &state,
        app::anonymous::service::Visit {
            client_addr: &addr,
            page: None,
        },
        &app_id,
        &code,
        None,
        None,
        None,
        "",
    )
    .await
}

fn regions(view: &app::content::model::SheetView) -> Vec<String> {
    view.selections
        .iter()
        .filter(|chip| chip.field == "Region")
        .flat_map(|chip| chip.values.clone())
        .collect()
}

async fn a_viewers_selections_follow_them_to_another_process_and_survive_a_restart(t: TestDb) {
    let w = world(&t).await;
    let north = SelectionChange::SelectValues {
        field: "Region".into(),
        values: vec!["North".into()],
    };
    let one = &t.state;
    let two = another_process(&t).await;
    // Ali selects the North on process one; his next request lands on process two.
    let view = content::open_sheet(one, &w.ali, &w.app.id, None, Some(north))
        .await
        .unwrap();
    assert_eq!(regions(&view), ["North"]);
    let there = content::open_sheet(&two, &w.ali, &w.app.id, None, None)
        .await
        .unwrap();
    assert_eq!(regions(&there), ["North"], "process two sees his selection");
    assert!(there.can_back);
    // Back on process two, forward on process one: one history, wherever it is served.
    let back = content::open_sheet(&two, &w.ali, &w.app.id, None, Some(SelectionChange::Back))
        .await
        .unwrap();
    assert!(regions(&back).is_empty());
    assert!(back.can_forward);
    let forward = content::open_sheet(one, &w.ali, &w.app.id, None, Some(SelectionChange::Forward))
        .await
        .unwrap();
    assert_eq!(
        regions(&forward),
        ["North"],
        "process one took the step back into account"
    );
    // Another viewer's selections are their own.
    let anna = content::open_sheet(&two, &w.anna, &w.app.id, None, None)
        .await
        .unwrap();
    assert!(regions(&anna).is_empty());
    // A process started afresh (a restart) finds them too.
    let restarted = another_process(&t).await;
    let after = content::open_sheet(&restarted, &w.ali, &w.app.id, None, None)
        .await
        .unwrap();
    assert_eq!(regions(&after), ["North"]);
    assert_eq!(
        t.count("SELECT COUNT(*) FROM viewer_selections").await,
        1,
        "one row per viewer and app; views without a change write nothing"
    );
    // Saved selections of viewers idle past the session's idle time are forgotten.
    t.clock.advance_ms(t.state.settings.session.idle_ms + 1);
    assert_eq!(content::forget_idle_selections(&t.state).await.unwrap(), 1);
}

async fn housekeeping_runs_on_one_process_at_a_time(t: TestDb) {
    let db = &t.state.db;
    let ttl = 60_000;
    let now = t.state.now();
    assert!(app::sql::try_lease(db, "housekeeping", "one", now, ttl)
        .await
        .unwrap());
    assert!(!app::sql::try_lease(db, "housekeeping", "two", now, ttl)
        .await
        .unwrap());
    assert!(
        app::sql::try_lease(db, "housekeeping", "one", now + 1_000, ttl)
            .await
            .unwrap(),
        "the holder renews"
    );
    assert!(
        !app::sql::try_lease(db, "housekeeping", "two", now + ttl, ttl)
            .await
            .unwrap(),
        "renewed: not expired yet"
    );
    // Process one stopped renewing: once the lease expired, process two takes it over.
    assert!(
        app::sql::try_lease(db, "housekeeping", "two", now + 1_000 + ttl, ttl)
            .await
            .unwrap()
    );
    assert!(
        !app::sql::try_lease(db, "housekeeping", "one", now + 2_000 + ttl, ttl)
            .await
            .unwrap()
    );
    assert!(
        app::sql::try_lease(db, "other work", "one", now, ttl)
            .await
            .unwrap(),
        "leases are by name"
    );
}

/// A process on port 0 with a metrics token; returns its address and a way to stop it.
async fn serve(state: AppState, token: &str) -> (String, tokio::sync::oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server::serve(
        listener,
        state,
        server::security::LayerSettings {
            trusted_proxies: 0,
            metrics_token: Arc::from(token),
        },
        async {
            let _ = stopped.await;
        },
    ));
    (base, stop)
}

/// A collaborative session's websocket on a process that stops closes with 4012, the code on
/// which the page reconnects (to another process, through the balancer).
async fn a_stopping_process_closes_websockets_with_the_reconnect_code(t: TestDb) {
    let w = world(&t).await;
    let (anna, secret) = app::auth::service::sign_in(
        &t.state,
        &app::auth::principal::RequestInfo::default(),
        "anna@acme.test",
        crate::common::PASSWORD,
    )
    .await
    .unwrap();
    let started = app::collab::service::start_session(
        &t.state,
        &anna,
        &w.app.id,
        None,
        app::collab::model::Mode::SignedIn,
    )
    .await
    .unwrap();
    let (base, _stop) = serve(t.state.clone(), "").await;
    let url = format!(
        "{}/collab/{}/socket",
        base.replacen("http", "ws", 1),
        started.session_id
    );
    let mut request =
        tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(url)
            .unwrap();
    request.headers_mut().insert(
        "cookie",
        format!("sightline_session={secret}").parse().unwrap(),
    );
    request
        .headers_mut()
        .insert("host", "sightline.test".parse().unwrap());
    request
        .headers_mut()
        .insert("origin", "http://sightline.test".parse().unwrap());
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    use futures_util::StreamExt;
    assert!(matches!(socket.next().await, Some(Ok(Message::Text(_)))));
    t.state.lifecycle.drain();
    let code = loop {
        match tokio::time::timeout(std::time::Duration::from_secs(5), socket.next())
            .await
            .expect("closed within five seconds")
        {
            Some(Ok(Message::Close(Some(frame)))) => break u16::from(frame.code),
            Some(Ok(_)) => continue,
            other => panic!("expected a close frame, got {other:?}"),
        }
    };
    assert_eq!(code, app::collab::rules::close::RESTARTING);
}

/// Anonymous capacity of 10 across three processes on one PostgreSQL: the 11th visitor at once
/// is refused whichever process they reach, and a seat given back on one process is free on all.
#[test]
fn anonymous_capacity_holds_across_three_processes() {
    crate::common::run(async {
        use app::anonymous::service as anonymous;
        let t = TestDb::new(crate::common::Backend::Postgres).await;
        let w = world(&t).await;
        let code = public_code(&t, &w).await;
        anonymous::set_anonymous_capacity(&t.state, &w.admin, 10)
            .await
            .unwrap();
        let processes = [
            t.state.clone(),
            another_process(&t).await,
            another_process(&t).await,
        ];
        let visit = |state: &AppState, n: usize| {
            visit(
                state.clone(),
                w.app.id.clone(),
                code.clone(),
                format!("203.0.113.{n}"),
            )
        };
        let mut sessions = Vec::new();
        for n in 0..10 {
            sessions.push(visit(&processes[n % 3], n).await.expect("a seat is free"));
        }
        for (i, process) in processes.iter().enumerate() {
            match visit(process, 100 + i).await {
                Err(app::error::AppError::Unavailable { message, .. }) => {
                    assert!(
                        message.contains("every anonymous seat is taken"),
                        "{message}"
                    )
                }
                other => panic!("an 11th visitor on process {i}: {other:?}"),
            }
            assert_eq!(
                anonymous::live_sessions(process, &w.app.tenant_id)
                    .await
                    .unwrap(),
                10
            );
        }
        // A visitor on process two leaves: process three admits the next one.
        anonymous::end_session(&processes[1], &sessions[1].token).await;
        visit(&processes[2], 200)
            .await
            .expect("the seat given back is free everywhere");
        assert!(visit(&processes[0], 201).await.is_err());
        // The token whose seat was given back stops working on every process at once.
        for process in &processes {
            let used = anonymous::anonymous_sheet(process, &sessions[1].token, None, None, None);
            assert!(used.await.is_err(), "a seat given back is gone");
            anonymous::anonymous_sheet(process, &sessions[2].token, None, None, None)
                .await
                .expect("the others still work");
        }
    });
}

/// 64 visitors at once against a pool of 16 connections: every one is admitted (a visit that
/// held one connection while waiting for a second, for its seat, could leave the pool to
/// visitors all waiting on each other until the pool's timeout).
#[test]
fn a_crowd_of_visitors_never_holds_every_connection() {
    crate::common::run(async {
        use app::anonymous::service as anonymous;
        let t = TestDb::new(crate::common::Backend::Postgres).await;
        let w = world(&t).await;
        let code = public_code(&t, &w).await;
        anonymous::set_anonymous_capacity(&t.state, &w.admin, 1_000)
            .await
            .unwrap();
        let visits = (0..64).map(|n| {
            tokio::spawn(visit(
                t.state.clone(),
                w.app.id.clone(),
                code.clone(),
                format!("203.0.113.{n}"),
            ))
        });
        for visit in futures_util::future::join_all(visits).await {
            visit.unwrap().expect("every visitor is admitted");
        }
        assert_eq!(
            anonymous::live_sessions(&t.state, &w.app.tenant_id)
                .await
                .unwrap(),
            64
        );
    });
}

/// New sessions one address may start per minute count every process's: six allowed, the
/// seventh refused wherever it lands, and allowed again a minute later.
#[test]
fn an_address_starts_no_more_sessions_a_minute_across_processes() {
    crate::common::run(async {
        use app::anonymous::service as anonymous;
        let t = TestDb::with_settings(crate::common::Backend::Postgres, |s| {
            s.anonymous.starts_per_minute = 6;
            s.anonymous.sessions_per_address = 100;
        })
        .await;
        let w = world(&t).await;
        let code = public_code(&t, &w).await;
        let processes = [
            t.state.clone(),
            another_process(&t).await,
            another_process(&t).await,
        ];
        let visit = |state: &AppState| {
            visit(
                state.clone(),
                w.app.id.clone(),
                code.clone(),
                "198.51.100.9".to_string(),
            )
        };
        for n in 0..6 {
            let session = visit(&processes[n % 3]).await.expect("within the rate");
            // Ended at once: the rate counts starts, not seats held.
            anonymous::end_session(&processes[n % 3], &session.token).await;
        }
        for process in &processes {
            match visit(process).await {
                Err(app::error::AppError::TooManyRequests { message, .. }) => {
                    assert!(message.contains("Too many new sessions"), "{message}")
                }
                other => panic!("a seventh start within the minute: {other:?}"),
            }
        }
        t.clock.advance_ms(61_000);
        visit(&processes[1]).await.expect("a minute later");
    });
}

/// A cached `frame-ancestors` directive is forgotten on every process within a second of an
/// admin's change on another (NOTIFY), not only when it is 30 seconds old.
#[test]
fn an_allowed_origin_added_on_one_process_frames_on_another_at_once() {
    crate::common::run(async {
        use app::anonymous::model::NewOrigin;
        use app::anonymous::service as anonymous;
        let t = TestDb::new(crate::common::Backend::Postgres).await;
        let w = world(&t).await;
        anonymous::set_anonymous_access(&t.state, &w.anna, &w.app.id, true)
            .await
            .unwrap();
        let two = another_process(&t).await;
        server::spawn_listener(two.clone(), &t.url);
        let before = anonymous::frame_ancestors_for(&two, &w.app.id).await;
        assert!(!before.contains("https://partner.example"), "{before}");
        // Give the listener a moment to connect before the change it must hear.
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        anonymous::save_allowed_origin(
            &t.state,
            &w.admin,
            None,
            NewOrigin {
                name: "Partner".into(),
                origin: "https://partner.example".into(),
                description: String::new(),
                frame_ancestors: true,
            },
        )
        .await
        .unwrap();
        let started = std::time::Instant::now();
        loop {
            let now = anonymous::frame_ancestors_for(&two, &w.app.id).await;
            if now.contains("https://partner.example") {
                break;
            }
            assert!(
                started.elapsed() < std::time::Duration::from_secs(1),
                "process two still frames with {now}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    });
}

/// Who may open an app is cached on each process (`access::Grants`); a share removed on one
/// process is refused on another within a second, never served from the cache until it ages
/// out: PostgreSQL's triggers NOTIFY at commit; SQLite's count the change, which the next check
/// reads, so there it is refused at once. A share deleted behind the services' back (an
/// operator's SQL) is refused the same way: the database itself counts the change.
async fn a_share_removed_on_one_process_is_refused_on_another_at_once(t: TestDb) {
    use app::sharing::model::{NewShare, ShareAssignee};
    use app::spaces::rules::SpaceRole;
    let postgres = !t.url.starts_with("sqlite");
    let w = world(&t).await;
    let bea = t.active_user(&w.admin, "Bea").await;
    let two = another_process(&t).await;
    if postgres {
        server::spawn_listener(two.clone(), &t.url);
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    }
    let share_with_bea = async || {
        let share = app::sharing::service::create_share(
            &t.state,
            &w.anna,
            &w.public_space,
            NewShare {
                app_id: w.app.id.clone(),
                assignee_type: ShareAssignee::User,
                assignee_id: bea.user_id.clone(),
                roles: vec![SpaceRole::Consumer],
            },
        )
        .await
        .unwrap();
        // Process two may have kept Bea's refusal from the round before: the new share reaches
        // it within a second too (at once on SQLite). Then a second open, from its cache.
        let started = std::time::Instant::now();
        while let Err(error) = app::apps::service::get_app(&two, &bea, &w.app.id).await {
            assert!(
                postgres && started.elapsed() < std::time::Duration::from_secs(1),
                "Bea opens the app shared with her on process two: {error}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        app::apps::service::get_app(&two, &bea, &w.app.id)
            .await
            .expect("Bea opens it again, from the cache");
        share.id
    };
    let refused_after = async || {
        let started = std::time::Instant::now();
        while app::apps::service::get_app(&two, &bea, &w.app.id)
            .await
            .is_ok()
        {
            assert!(
                postgres && started.elapsed() < std::time::Duration::from_secs(1),
                "process two still opens the app for Bea after her share was removed ({:?})",
                started.elapsed()
            );
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        started.elapsed()
    };

    let share = share_with_bea().await;
    app::sharing::service::delete_share(&t.state, &w.anna, &w.public_space, &share)
        .await
        .unwrap();
    println!("refused on process two after {:?}", refused_after().await);

    let share = share_with_bea().await;
    sqlx::query("DELETE FROM app_shares WHERE id = $1")
        .bind(&share)
        .execute(&t.state.db)
        .await
        .unwrap();
    println!(
        "deleted by SQL: refused on process two after {:?}",
        refused_after().await
    );
}

/// A reload on one process: the other serves the new data at its viewer's next request, with
/// their selection kept (it still holds the old model to read the old codes by).
async fn a_reload_on_one_process_is_served_by_another_with_the_selection_kept(t: TestDb) {
    let w = world(&t).await;
    let two = another_process(&t).await;
    let north = SelectionChange::SelectValues {
        field: "Region".into(),
        values: vec!["North".into()],
    };
    let before = content::open_sheet(&two, &w.ali, &w.app.id, None, Some(north))
        .await
        .unwrap();
    let reload = app::reloads::service::create_reload(
        &t.state,
        &w.anna,
        &w.app.id,
        vec![],
        app::reloads::model::ReloadKind::Hub,
    )
    .await
    .unwrap();
    let mut status = reload.status;
    for _ in 0..400 {
        status = app::reloads::service::get_reload(&t.state, &w.anna, &reload.id)
            .await
            .unwrap()
            .status;
        if !status.is_active() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert_eq!(status, app::reloads::model::ReloadStatus::Succeeded);
    let after = content::open_sheet(&two, &w.ali, &w.app.id, None, None)
        .await
        .unwrap();
    assert_eq!(after.data_version, before.data_version + 1, "the new data");
    assert_eq!(
        regions(&after),
        ["North"],
        "the selection kept on process two"
    );
}

on_both_databases!(
    a_reload_on_one_process_is_served_by_another_with_the_selection_kept,
    a_viewers_selections_follow_them_to_another_process_and_survive_a_restart,
    housekeeping_runs_on_one_process_at_a_time,
    a_stopping_process_closes_websockets_with_the_reconnect_code,
    a_share_removed_on_one_process_is_refused_on_another_at_once,
);
