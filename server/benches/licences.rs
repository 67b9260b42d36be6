//! Licence decisions on the demo tenant, on SQLite and on PostgreSQL: decisions per second when
//! 200 people open an app at once against 6 Session CALs (each open is one transaction under the
//! tenant's lock), and the latency the licence check adds to an app open (p50, p99), beside the
//! whole open it is part of.

mod common;

use common::percentile_us as percentile;

use std::sync::Arc;
use std::time::{Duration, Instant};

use app::apps::store::get_app;
use app::auth::principal::{load_principal, Credential, Principal};
use app::content::service as content;
use app::licences::model::{LicenceSettings, Scheme};
use app::licences::service as licences;
use app::settings::Settings;
use app::state::{AppState, ManualClock};
use server::config::Config;

const OPENS_AT_ONCE: usize = 200;
const ROUNDS: usize = 5;
const SAMPLES: usize = 400;

fn report(label: &str, mut times: Vec<Duration>) {
    times.sort();
    println!(
        "{label:<58} p50 {:>8.1} µs   p99 {:>8.1} µs   ({} opens)",
        percentile(&times, 0.50),
        percentile(&times, 0.99),
        times.len()
    );
}

async fn person(state: &AppState, email: &str, browser: &str) -> Principal {
    let id: String = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(&state.db)
        .await
        .unwrap();
    let mut conn = state.db.acquire().await.unwrap();
    load_principal(
        &mut conn,
        &id,
        Credential::Session {
            id_hash: format!("{id}-{browser}"),
        },
    )
    .await
    .unwrap()
    .unwrap()
}

async fn settings(state: &AppState, admin: &Principal, s: LicenceSettings) {
    licences::set_licence_settings(state, admin, s)
        .await
        .unwrap();
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
    let admin = person(&state, server::demo::ADMIN_EMAIL, "admin").await;
    let app_id: String = sqlx::query_scalar(
        "SELECT id FROM apps WHERE name = 'Sales dashboard' ORDER BY created_at DESC",
    )
    .fetch_one(&state.db)
    .await
    .unwrap();
    let app = {
        let mut conn = state.db.acquire().await.unwrap();
        get_app(&mut conn, &admin.tenant_id, &app_id)
            .await
            .unwrap()
            .unwrap()
    };

    // 1. The added latency: Dana holds a Named CAL; each open is from a new browser, so each
    //    makes a connection. Beside it, the same opens with no licence scheme, and whole opens.
    settings(
        &state,
        &admin,
        LicenceSettings {
            scheme: Some(Scheme::Cals),
            named_cals: 10,
            dynamic_named: true,
            ..Default::default()
        },
    )
    .await;
    content::open_sheet(&state, &admin, &app_id, None, None)
        .await
        .unwrap();
    let mut check = Vec::with_capacity(SAMPLES);
    for i in 0..SAMPLES {
        let who = person(&state, server::demo::ADMIN_EMAIL, &format!("b{i}")).await;
        let mut conn = state.db.acquire().await.unwrap();
        let start = Instant::now();
        licences::connect(&mut conn, &state, &who, &app, false)
            .await
            .unwrap();
        check.push(start.elapsed());
    }
    report(
        &format!("{name}: licence check, new connection (Named CAL)"),
        check,
    );
    let mut again = Vec::with_capacity(SAMPLES);
    for _ in 0..SAMPLES {
        let mut conn = state.db.acquire().await.unwrap();
        let start = Instant::now();
        licences::connect(&mut conn, &state, &admin, &app, true)
            .await
            .unwrap();
        again.push(start.elapsed());
    }
    report(
        &format!("{name}: licence check, activity on an open connection"),
        again,
    );
    let mut whole = Vec::with_capacity(SAMPLES / 4);
    for _ in 0..SAMPLES / 4 {
        let start = Instant::now();
        content::open_sheet(&state, &admin, &app_id, None, None)
            .await
            .unwrap();
        whole.push(start.elapsed());
    }
    report(
        &format!("{name}: the whole open_sheet it is part of, for scale"),
        whole,
    );

    // 2. 200 opens at once against 6 Session CALs, from 200 browsers.
    settings(
        &state,
        &admin,
        LicenceSettings {
            scheme: Some(Scheme::Cals),
            session_cals: 6,
            ..Default::default()
        },
    )
    .await;
    let ali = "ali@demo.sightline.dev";
    let mut decided = 0;
    let mut granted = 0;
    let mut elapsed = Duration::ZERO;
    for round in 0..ROUNDS {
        // Each round an hour later: the previous round's Session CALs have freed.
        clock.advance_ms(60 * 60 * 1000);
        let mut people = Vec::with_capacity(OPENS_AT_ONCE);
        for i in 0..OPENS_AT_ONCE {
            people.push(person(&state, ali, &format!("r{round}-{i}")).await);
        }
        let start = Instant::now();
        let tasks: Vec<_> = people
            .into_iter()
            .map(|who| {
                let (state, app) = (state.clone(), app.clone());
                tokio::spawn(async move {
                    let mut conn = state.db.acquire().await.unwrap();
                    licences::connect(&mut conn, &state, &who, &app, false)
                        .await
                        .is_ok()
                })
            })
            .collect();
        for task in tasks {
            granted += usize::from(task.await.unwrap());
            decided += 1;
        }
        elapsed += start.elapsed();
    }
    println!(
        "{name}: {decided} decisions, 200 at once against 6 Session CALs, {ROUNDS} rounds: {:.0} decisions/s ({granted} granted, {} denied; exactly {} expected granted)",
        decided as f64 / elapsed.as_secs_f64(),
        decided - granted,
        6 * ROUNDS
    );
}

fn main() {
    common::on_both_databases("licences", |label, url, dir| async move {
        measure(label, &url, &dir).await
    });
}
