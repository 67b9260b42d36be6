//! Collaborative sessions on the demo's sales app (120,000 rows): the time from one
//! participant's selection until every other participant has the new state, with 2, 10 and 50
//! participants on loopback, all on one server process and split over two processes sharing
//! PostgreSQL (p50 and p99 over every receiver of every change), and the memory each connected
//! participant costs the process. Also one process on SQLite, the default.

use std::sync::Arc;
use std::time::{Duration, Instant};

use app::auth::principal::RequestInfo;
use app::collab::model::{Mode, ServerMessage};
use app::settings::Settings;
use app::state::{AppState, ManualClock};
use futures_util::{SinkExt, StreamExt};
use server::config::Config;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

const SIZES: [usize; 3] = [2, 10, 50];
const CHANGES: usize = 20;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

fn rss_bytes() -> usize {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<usize>().ok())
        })
        .unwrap_or(0)
        * 1024
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index].as_secs_f64() * 1e3
}

async fn process(url: &str, dir: &std::path::Path, clock: Arc<ManualClock>) -> (String, AppState) {
    let mut config = Config::load_with(std::path::Path::new("/nonexistent/Leptos.toml"), |_| None)
        .expect("default config");
    config.database_url = url.to_string();
    config.data_dir = dir.to_path_buf();
    config.settings = Settings::default();
    let state = server::build_state(&config, clock).await.expect("database");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("ws://{}", listener.local_addr().unwrap());
    server::spawn_listener(state.clone(), url);
    tokio::spawn(server::serve(
        listener,
        state.clone(),
        server::security::LayerSettings::default(),
        std::future::pending(),
    ));
    (base, state)
}

async fn connect(base: &str, session: &str, cookie: &str) -> Socket {
    let mut request = format!("{base}/collab/{session}/socket")
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("cookie", cookie.parse().unwrap());
    // Browsers send websocket messages without Nagle's delay; so does this client.
    tokio_tungstenite::connect_async_with_config(request, None, true)
        .await
        .unwrap()
        .0
}

/// Reads views until one shows `region` selected; returns when it came.
async fn until_selected(socket: &mut Socket, region: &str) -> Instant {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(30), socket.next())
            .await
            .expect("a view within 30 s")
            .expect("open")
            .unwrap();
        if let Message::Text(text) = message {
            if let Ok(ServerMessage::View(view)) = serde_json::from_str::<ServerMessage>(&text) {
                if view.chips.iter().any(|c| c.values == [region.to_string()]) {
                    return Instant::now();
                }
            }
        }
    }
}

async fn measure(label: &str, url: &str, dir: &std::path::Path, processes: usize) {
    let clock = Arc::new(ManualClock::new(1_800_000_000_000));
    let mut bases = Vec::new();
    let (base, state) = process(url, &dir.join(label), clock.clone()).await;
    bases.push(base);
    server::demo::load(&state).await.expect("the demo tenant");
    for _ in 1..processes {
        bases.push(process(url, &dir.join(label), clock.clone()).await.0);
    }
    let app_id: String = sqlx::query_scalar(
        "SELECT id FROM apps WHERE name = 'Sales dashboard' ORDER BY created_at DESC",
    )
    .fetch_one(&state.db)
    .await
    .unwrap();
    for size in SIZES {
        let (admin, secret) = app::auth::service::sign_in(
            &state,
            &RequestInfo::default(),
            server::demo::ADMIN_EMAIL,
            server::demo::PASSWORD,
        )
        .await
        .unwrap();
        let started =
            app::collab::service::start_session(&state, &admin, &app_id, None, Mode::Open)
                .await
                .unwrap();
        let session = started.session_id.clone();
        let token = started.invitation.rsplit('/').next().unwrap().to_string();
        let before = rss_bytes();
        let mut sockets =
            vec![connect(&bases[0], &session, &format!("sightline_session={secret}")).await];
        for i in 1..size {
            let (_, attendee) = app::collab::service::join_session(
                &state,
                None,
                &token,
                &format!("p{i}@example.com"),
            )
            .await
            .unwrap();
            let base = &bases[i % bases.len()];
            sockets.push(
                connect(
                    base,
                    &session,
                    &format!("sightline_collab={session}.{attendee}"),
                )
                .await,
            );
        }
        // Let every join and presence change settle, then drain what they sent.
        tokio::time::sleep(Duration::from_millis(500 + 20 * size as u64)).await;
        for socket in sockets.iter_mut() {
            while let Ok(Some(_)) =
                tokio::time::timeout(Duration::from_millis(20), socket.next()).await
            {}
        }
        let per_participant = rss_bytes().saturating_sub(before) / size;
        let mut times = Vec::new();
        for change in 0..CHANGES {
            let region = if change % 2 == 0 { "North" } else { "South" };
            let from = change % size;
            let sent = Instant::now();
            let message = format!(
                r#"{{"select":{{"SelectValues":{{"field":"Region","values":["{region}"]}}}}}}"#
            );
            sockets[from]
                .send(Message::Text(message.into()))
                .await
                .unwrap();
            let mut waits = Vec::new();
            for (i, socket) in sockets.iter_mut().enumerate() {
                waits.push(async move { (i, until_selected(socket, region).await) });
            }
            for (i, at) in futures_util::future::join_all(waits).await {
                if i != from {
                    times.push(at - sent);
                }
            }
        }
        times.sort();
        println!(
            "{label:<34} {size:>2} participants: every other one has the change  p50 {:>7.1} ms  p99 {:>7.1} ms  (target p99 <= 50 ms at 50)   memory {:>6.1} KiB per participant",
            percentile(&times, 0.50),
            percentile(&times, 0.99),
            per_participant as f64 / 1024.0,
        );
        app::collab::service::stop_session(&state, &admin, &session)
            .await
            .unwrap();
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        sqlx::any::install_default_drivers();
        let dir =
            std::env::temp_dir().join(format!("sightline-bench-collab-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        measure(
            "SQLite, one process",
            &format!("sqlite://{}?mode=rwc", dir.join("bench.db").display()),
            &dir,
            1,
        )
        .await;
        let admin = std::env::var("SIGHTLINE_TEST_POSTGRES")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        match <sqlx::AnyConnection as sqlx::Connection>::connect(&admin).await {
            Ok(mut conn) => {
                let base = admin.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap();
                let mut made = Vec::new();
                for (label, processes) in [
                    ("PostgreSQL, one process", 1),
                    ("PostgreSQL, two processes", 2),
                ] {
                    let name = format!("sl_bench_collab_{processes}_{}", std::process::id());
                    sqlx::Executor::execute(&mut conn, format!("CREATE DATABASE {name}").as_str())
                        .await
                        .unwrap();
                    measure(label, &format!("{base}/{name}"), &dir, processes).await;
                    made.push(name);
                }
                for name in made {
                    let _ = sqlx::Executor::execute(
                        &mut conn,
                        format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str(),
                    )
                    .await;
                }
            }
            Err(error) => println!("PostgreSQL: not measured, no server at {admin} ({error})"),
        }
        let _ = std::fs::remove_dir_all(&dir);
        // The servers still run: end here rather than wait for them.
        std::process::exit(0);
    });
}
