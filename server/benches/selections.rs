//! What saving each viewer's selections in the database costs (the scale-out issue): on the
//! demo's sales dashboard, one viewer's selections one after another; the time of the write
//! alone (the upsert of `viewer_selections`) and of the read every sheet view makes, beside the
//! whole selection they are part of (p50, p99), on SQLite and on PostgreSQL.

mod common;

use common::percentile_us as percentile;

use std::sync::Arc;
use std::time::{Duration, Instant};

use app::auth::principal::{load_principal, Credential, Principal};
use app::content::model::SelectionChange;
use app::content::service as content;
use app::settings::Settings;
use app::state::{AppState, Clock, ManualClock};
use server::config::Config;

const SAMPLES: usize = 300;

fn report(label: &str, mut times: Vec<Duration>) {
    times.sort();
    println!(
        "{label:<62} p50 {:>9.1} µs   p99 {:>9.1} µs   ({} samples)",
        percentile(&times, 0.50),
        percentile(&times, 0.99),
        times.len()
    );
}

async fn admin(state: &AppState) -> Principal {
    let id: String = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(server::demo::ADMIN_EMAIL)
        .fetch_one(&state.db)
        .await
        .unwrap();
    let mut conn = state.db.acquire().await.unwrap();
    load_principal(
        &mut conn,
        &id,
        Credential::Session {
            id_hash: format!("{id}-bench"),
        },
    )
    .await
    .unwrap()
    .unwrap()
}

async fn measure(name: &str, url: &str, dir: &std::path::Path) {
    let mut config = Config::load_with(std::path::Path::new("/nonexistent/Leptos.toml"), |_| None)
        .expect("default config");
    config.database_url = url.to_string();
    config.data_dir = dir.join(name);
    config.settings = Settings::default();
    let clock = Arc::new(ManualClock::new(1_800_000_000_000));
    let state = server::build_state(&config, clock.clone())
        .await
        .expect("database");
    server::demo::load(&state).await.expect("the demo tenant");
    let dana = admin(&state).await;
    let app_id: String = sqlx::query_scalar(
        "SELECT id FROM apps WHERE name = 'Sales dashboard' ORDER BY created_at DESC",
    )
    .fetch_one(&state.db)
    .await
    .unwrap();
    // The first open loads the model: not part of what is measured.
    content::open_sheet(&state, &dana, &app_id, None, None)
        .await
        .unwrap();
    let regions = ["North", "South", "East", "West"];

    println!("{name}:");
    // Whole selections: a change, the saved state read and written, the sheet computed.
    let mut whole = Vec::new();
    for i in 0..SAMPLES {
        let change = SelectionChange::SelectValues {
            field: "Region".into(),
            values: vec![regions[i % regions.len()].to_string()],
        };
        let started = Instant::now();
        content::open_sheet(&state, &dana, &app_id, None, Some(change))
            .await
            .unwrap();
        whole.push(started.elapsed());
        clock.advance_ms(1_000);
    }
    report(
        "  a selection (whole: read, apply, write, compute the sheet)",
        whole,
    );

    // The write alone, with the state a viewer of 100 steps of history holds.
    let mut viewer = engine::ViewerState::new();
    for i in 0..100u32 {
        viewer.select(0, vec![i % 4]);
    }
    let state_bytes = viewer.encode();
    let mut writes = Vec::new();
    let mut reads = Vec::new();
    let mut conn = state.db.acquire().await.unwrap();
    for i in 0..SAMPLES {
        let viewer_key = format!("bench-{}", i % 20);
        let started = Instant::now();
        app::content::store::save_viewer_state(
            &mut conn,
            &viewer_key,
            &app_id,
            "model",
            &state_bytes,
            clock.now_ms(),
        )
        .await
        .unwrap();
        writes.push(started.elapsed());
        let started = Instant::now();
        app::content::store::viewer_state(&mut conn, &viewer_key, &app_id)
            .await
            .unwrap();
        reads.push(started.elapsed());
    }
    report(
        &format!(
            "  the write of one viewer's state ({} bytes, 100 steps)",
            state_bytes.len()
        ),
        writes,
    );
    report("  the read each sheet view makes", reads);
    let mut bare = Vec::new();
    for _ in 0..SAMPLES {
        let started = Instant::now();
        sqlx::query("SELECT 1").execute(&mut *conn).await.unwrap();
        bare.push(started.elapsed());
    }
    report("  SELECT 1, for scale", bare);
}

fn main() {
    common::on_both_databases("selections", |label, url, dir| async move {
        measure(label, &url, &dir).await
    });
}
