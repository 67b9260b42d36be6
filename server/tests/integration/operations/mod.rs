//! Running Sightline for real, as an operator does with docs/OPERATING.md alone: backups taken
//! while people work and restored elsewhere, an upgrade from an archive of an earlier release,
//! stopping behind a balancer, logs a collector can read, and the files in `deploy/`.

mod backup;
mod deploy;
mod logs;
mod stopping;
mod upgrade;

use app::auth::principal::{load_principal, Credential, Principal};
use app::state::AppState;

use crate::common::TestDb;

/// An active user of a restored installation, as if they had signed in there.
pub(crate) async fn principal_in(state: &AppState, email: &str) -> Principal {
    let id: String = sqlx::query_scalar("SELECT id FROM users WHERE email_key = $1")
        .bind(email)
        .fetch_one(&state.db)
        .await
        .unwrap();
    let mut conn = state.db.acquire().await.unwrap();
    load_principal(&mut conn, &id, Credential::Console)
        .await
        .unwrap()
        .expect("an active user")
}

/// What a visitor through the link sees on the first sheet's KPI: the link opens, with data.
pub(crate) async fn visitor_kpi(state: &AppState, app_id: &str, code: &str) -> Option<f64> {
    let session = app::anonymous::service::start_anonymous_session(
        state,
        app::anonymous::service::Visit {
            client_addr: "203.0.113.7",
            page: None,
        },
        app_id,
        code,
        None,
        None,
        None,
        "",
    )
    .await
    .expect("the link opens");
    Some(crate::content::kpi(&session.view))
}

/// Every app with data opens from its snapshot with the rows its record says it has; how many.
pub(crate) async fn every_app_opens_with_its_rows(state: &AppState) -> usize {
    let apps: Vec<(String, i64, i64)> =
        sqlx::query_as("SELECT id, data_version, data_rows FROM apps WHERE data_version > 0")
            .fetch_all(&state.db)
            .await
            .unwrap();
    for (id, version, rows) in &apps {
        let model = state
            .content
            .storage
            .read_snapshot(id, *version)
            .unwrap_or_else(|e| panic!("app {id}'s snapshot {version} is there: {e}"));
        assert_eq!(model.rows() as i64, *rows, "app {id} opens with its rows");
    }
    apps.len()
}

/// A port nothing listens on yet.
pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The server binary on this test's database and data directory, with `settings`, its standard
/// error (the log) kept in a file.
pub(crate) fn spawn(
    t: &TestDb,
    port: u16,
    settings: &[(&str, &str)],
    log: &std::path::Path,
) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_sightline"))
        .arg("serve")
        .env("SIGHTLINE_DATABASE_URL", &t.url)
        .env("SIGHTLINE_DATA_DIR", t.data_dir())
        .env("SIGHTLINE_LISTEN", format!("127.0.0.1:{port}"))
        .env("SIGHTLINE_PUBLIC_URL", "http://sightline.test")
        .env("SIGHTLINE_LOG", "info")
        .envs(settings.iter().copied())
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .expect("the sightline binary starts")
}

/// Sends SIGTERM, as systemd and container runtimes stop a service.
pub(crate) fn terminate(child: &std::process::Child) {
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// Waits up to `seconds` for the process to exit; its status.
pub(crate) async fn exited(
    child: &mut std::process::Child,
    seconds: u64,
) -> Option<std::process::ExitStatus> {
    for _ in 0..seconds * 20 {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    None
}
