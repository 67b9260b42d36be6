//! A server killed (kill -9) in the middle of a reload: the app keeps serving the data it had,
//! from a restarted server, and the reload is marked failed once its claim runs out, with words
//! that say what happened.

use app::state::Clock;

use crate::common::TestDb;
use crate::security::over_http::{spawn_server, wait_until_up};

on_both_databases!(a_server_killed_during_a_reload_keeps_the_old_data_and_fails_the_reload,);

async fn a_server_killed_during_a_reload_keeps_the_old_data_and_fails_the_reload(t: TestDb) {
    let root = t.acme().await;
    let key = app::auth::service::create_api_key(&t.state, &root, "kill test")
        .await
        .unwrap()
        .secret;
    // Enough rows that the reload is still loading when the server dies.
    let mut csv = String::from("Id,Region,Amount\n");
    for i in 0..600_000 {
        csv.push_str(&format!("{i},R{},{}.{:02}\n", i % 97, i % 1000, i % 100));
    }
    let file = app::content::service::stage_file(&t.state, &root, "big.csv", csv.as_bytes())
        .await
        .unwrap()
        .id;
    let made = app::content::service::create_app_from_uploads(
        &t.state,
        &root,
        app::apps::model::NewApp {
            name: "Big".into(),
            ..Default::default()
        },
        vec![file],
    )
    .await
    .unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = spawn_server(&t, port);
    wait_until_up(&base).await;
    let client = reqwest::Client::new();
    let queued: serde_json::Value = client
        .post(format!("{base}/api/v1/reloads"))
        .bearer_auth(&key)
        .json(&serde_json::json!({"appId": made.id}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = queued["id"].as_str().unwrap().to_string();
    // kill -9 as soon as it is loading.
    let mut seen = String::new();
    for _ in 0..400 {
        let reload: serde_json::Value = client
            .get(format!("{base}/api/v1/reloads/{id}"))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        seen = reload["status"].as_str().unwrap().to_string();
        if seen != "QUEUED" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    server.kill().expect("kill -9");
    let _ = server.wait();
    if seen != "RELOADING" {
        println!("the reload was {seen} when the server died: nothing to check mid-load");
        return;
    }

    // A restarted server serves the old data at once.
    let mut again = spawn_server(&t, port);
    wait_until_up(&base).await;
    let app: serde_json::Value = client
        .get(format!("{base}/api/v1/apps/{}", made.id))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(app["attributes"]["id"], serde_json::json!(made.id));
    let sheet = app::content::service::open_sheet(&t.state, &root, &made.id, None, None)
        .await
        .unwrap();
    assert_eq!(sheet.data_version, 1, "the data it had");
    // Once the dead process's claim has run out, the reload is marked failed.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let behind = now + app::reloads::LEASE_MS + 1 - t.clock.now_ms();
    t.clock.advance_ms(behind.max(0));
    assert_eq!(
        app::reloads::service::fail_abandoned_reloads(&t.state)
            .await
            .unwrap(),
        1
    );
    let failed = app::reloads::service::get_reload(&t.state, &root, &id)
        .await
        .unwrap();
    assert_eq!(failed.status, app::reloads::model::ReloadStatus::Failed);
    assert!(
        failed.error.contains("stopped before it finished"),
        "{}",
        failed.error
    );
    again.kill().unwrap();
    let _ = again.wait();
}
