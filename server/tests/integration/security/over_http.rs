//! The findings over HTTP, against the real server: a flood without an account, other hosts and
//! page exits, and a server killed in the middle of its work.

use super::*;

// --- Over HTTP: the real server on port 0 ------------------------------------------------------

/// A process's resident memory, in MB.
fn resident_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0.0);
    kb / 1024.0
}

async fn a_flood_without_an_account_leaves_the_server_answering_in_bounded_memory(t: TestDb) {
    // The real binary in a process of its own, so that its memory is measured alone.
    t.acme().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    // Without the per-address limit, as a flood from many addresses would come: every wrong
    // sign-in reaches the password check, and the bound on hashing alone must hold the memory.
    let mut server = spawn_server_with(
        &t,
        port,
        &[("SIGHTLINE_LOGIN_FAILURES_PER_ADDRESS", "100000")],
    );
    wait_until_up(&base).await;
    let before = resident_mb(server.id());
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(60))
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let invites = (0..300).map(|i| {
        let (client, url) = (client.clone(), format!("{base}/api/accept_invite"));
        async move {
            let form = [
                ("token", format!("made-up-{i}")),
                ("password", "0123456789abc".to_string()),
                ("confirm", "0123456789abc".to_string()),
            ];
            client
                .post(url)
                .header("accept", "application/json")
                .form(&form)
                .send()
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or(0)
        }
    });
    let sign_ins = (0..300).map(|i| {
        let (client, url) = (client.clone(), format!("{base}/api/sign_in"));
        async move {
            let form = [
                ("email", format!("nobody{i}@acme.test")),
                ("password", "not the password".to_string()),
            ];
            client
                .post(url)
                .header("accept", "application/json")
                .form(&form)
                .send()
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or(0)
        }
    });
    let (invite_statuses, sign_in_statuses) = tokio::join!(all(invites), all(sign_ins));
    let flood = started.elapsed();
    let after_flood = resident_mb(server.id());
    assert!(
        invite_statuses.iter().all(|s| *s == 404),
        "made-up invitations: {:?}",
        invite_statuses
            .iter()
            .filter(|s| **s != 404)
            .take(5)
            .collect::<Vec<_>>()
    );
    assert!(
        sign_in_statuses.iter().all(|s| [400, 429, 503].contains(s)),
        "{:?}",
        sign_in_statuses
            .iter()
            .filter(|s| ![400, 429, 503].contains(*s))
            .take(5)
            .collect::<Vec<_>>()
    );
    // 2,000 embed addresses naming no app, each with a 15 KB id, 50 at a time.
    let mut embed_statuses = Vec::new();
    for batch in 0..40 {
        let embeds = (0..50).map(|i| {
            let (client, url) = (
                client.clone(),
                format!("{base}/embed/{batch}x{i}{}/app", "x".repeat(15_000)),
            );
            async move {
                client
                    .get(url)
                    .send()
                    .await
                    .map(|r| r.status().as_u16())
                    .unwrap_or(0)
            }
        });
        embed_statuses.extend(all(embeds).await);
    }
    assert!(
        embed_statuses.iter().all(|s| *s != 0 && *s < 500),
        "every embed answered"
    );
    let health = client.get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(
        health.status(),
        reqwest::StatusCode::OK,
        "the server still answers"
    );
    let after = resident_mb(server.id());
    let limited = sign_in_statuses.iter().filter(|s| **s != 400).count();
    println!(
        "flood ({}): 300 made-up invitations and 300 wrong sign-ins at once ({limited} of the sign-ins limited or busy) in {flood:?}: server memory {before:.0} MB -> {after_flood:.0} MB; then 2,000 embeds of no app: {after:.0} MB (+{:.0} MB in all; the review measured +5,700 MB for the invitations alone)",
        t.url.split(':').next().unwrap_or(""),
        after - before
    );
    server.kill().unwrap();
    server.wait().unwrap();
    assert!(
        after - before < 300.0,
        "resident memory grew by {:.0} MB",
        after - before
    );
}

async fn requests_for_another_host_and_page_exits_over_http(t: TestDb) {
    let live = crate::common::live::start(t).await;
    let client = live.client();
    let rebound = client
        .get(live.url("/api/v1/users/me"))
        .header("host", "evil.example:3000")
        .bearer_auth(&live.key)
        .send()
        .await
        .unwrap();
    assert_eq!(
        rebound.status(),
        reqwest::StatusCode::MISDIRECTED_REQUEST,
        "a rebinding site's name is refused"
    );
    assert!(rebound
        .text()
        .await
        .unwrap()
        .contains("not as evil.example"));
    let own = client
        .get(live.url("/api/v1/users/me"))
        .bearer_auth(&live.key)
        .send()
        .await
        .unwrap();
    assert_eq!(
        own.status(),
        reqwest::StatusCode::OK,
        "the loopback address is answered"
    );
    let end = client
        .post(live.url(app::anonymous::rules::END_SESSION_PATH))
        .body("not a token")
        .send()
        .await
        .unwrap();
    assert_eq!(
        end.status(),
        reqwest::StatusCode::NO_CONTENT,
        "a page going away is answered the same whatever it sends"
    );
}

/// The server binary as a child process on this test's database and data directory.
pub(crate) fn spawn_server(t: &TestDb, port: u16) -> std::process::Child {
    spawn_server_with(t, port, &[])
}

fn spawn_server_with(t: &TestDb, port: u16, settings: &[(&str, &str)]) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_sightline"))
        .arg("serve")
        .envs(settings.iter().copied())
        .env("SIGHTLINE_DATABASE_URL", &t.url)
        .env("SIGHTLINE_DATA_DIR", t.data_dir())
        .env("SIGHTLINE_LISTEN", format!("127.0.0.1:{port}"))
        .env("SIGHTLINE_PUBLIC_URL", "http://sightline.test")
        .env("SIGHTLINE_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("the sightline binary starts")
}

pub(crate) async fn wait_until_up(base: &str) {
    for _ in 0..200 {
        if reqwest::get(format!("{base}/healthz"))
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the server did not come up at {base}");
}

async fn a_server_killed_mid_work_keeps_every_app_it_reported_and_nothing_half_made(t: TestDb) {
    let root = t.acme().await;
    let key = auth::create_api_key(&t.state, &root, "crash test")
        .await
        .unwrap()
        .secret;
    let space = spaces::create_space(
        &t.state,
        &root,
        NewSpace {
            space_type: SpaceType::Shared,
            name: "Crash".into(),
            description: String::new(),
        },
    )
    .await
    .unwrap();
    let group = directory::create_group(
        &t.state,
        &root,
        NewGroup {
            name: "Readers".into(),
            ..Default::default()
        },
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

    // Apps from uploads and shares, in a loop, until the server dies under it.
    let reported = std::sync::Arc::new(std::sync::Mutex::new((
        Vec::<String>::new(),
        Vec::<String>::new(),
    )));
    let work = {
        let (reported, base, key, space, group) = (
            reported.clone(),
            base.clone(),
            key.clone(),
            space.id.clone(),
            group.id.clone(),
        );
        tokio::spawn(async move {
            let client = reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(10))
                .build()
                .unwrap();
            for i in 0.. {
                let Ok(upload) = client
                    .post(format!("{base}/api/v1/data-files?name=orders.csv"))
                    .bearer_auth(&key)
                    .body(crate::common::world::ORDERS)
                    .send()
                    .await
                else {
                    break;
                };
                let Ok(file) = upload.json::<serde_json::Value>().await else {
                    break;
                };
                let body = serde_json::json!({"attributes": {"name": format!("App {i}"), "spaceId": space, "dataFiles": [file["id"]]}});
                let Ok(made) = client
                    .post(format!("{base}/api/v1/apps"))
                    .bearer_auth(&key)
                    .json(&body)
                    .send()
                    .await
                else {
                    break;
                };
                if made.status() != reqwest::StatusCode::OK {
                    break;
                }
                let Ok(app) = made.json::<serde_json::Value>().await else {
                    break;
                };
                let app_id = app["attributes"]["id"].as_str().unwrap().to_string();
                reported.lock().unwrap().0.push(app_id.clone());
                let share = serde_json::json!({"resourceId": app_id, "resourceType": "app", "type": "group", "assigneeId": group, "roles": ["consumer"]});
                let Ok(shared) = client
                    .post(format!("{base}/api/v1/spaces/{space}/shares"))
                    .bearer_auth(&key)
                    .json(&share)
                    .send()
                    .await
                else {
                    break;
                };
                if shared.status() != reqwest::StatusCode::CREATED {
                    break;
                }
                let Ok(share) = shared.json::<serde_json::Value>().await else {
                    break;
                };
                reported
                    .lock()
                    .unwrap()
                    .1
                    .push(share["id"].as_str().unwrap().to_string());
            }
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    server.kill().expect("kill -9");
    server.wait().unwrap();
    work.await.unwrap();
    let (apps, shares) = reported.lock().unwrap().clone();
    assert!(
        apps.len() >= 2,
        "the loop made apps before the kill: {}",
        apps.len()
    );

    let mut server = spawn_server(&t, port);
    wait_until_up(&base).await;
    let in_space: Vec<String> = sqlx::query_scalar("SELECT id FROM apps WHERE space_id = $1")
        .bind(&space.id)
        .fetch_all(&t.state.db)
        .await
        .unwrap();
    for id in &apps {
        assert!(
            in_space.contains(id),
            "the app the API reported is there after the restart"
        );
    }
    for id in &in_space {
        // Every app there opens with its data: none half-made.
        let view = content::open_sheet(&t.state, &root, id, None, None)
            .await
            .unwrap_or_else(|e| panic!("app {id} does not open: {e}"));
        assert_eq!(kpi(&view), Some(ALL), "app {id} opens with its data");
    }
    for id in &shares {
        assert_eq!(
            t.count(&format!(
                "SELECT COUNT(*) FROM app_shares WHERE id = '{id}'"
            ))
            .await,
            1,
            "the share the API reported is there"
        );
    }
    println!("crash test ({}): {} apps and {} shares reported before kill -9; {} apps in the space after the restart, every one opens with its data", t.url.split(':').next().unwrap_or(""), apps.len(), shares.len(), in_space.len());
    server.kill().unwrap();
    server.wait().unwrap();
}

on_both_databases!(
    a_flood_without_an_account_leaves_the_server_answering_in_bounded_memory,
    requests_for_another_host_and_page_exits_over_http,
    a_server_killed_mid_work_keeps_every_app_it_reported_and_nothing_half_made,
);
