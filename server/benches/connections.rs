//! Loading a large table from PostgreSQL into an app (the data-connections issue): rows per
//! second through a data connection (sqlx's PostgreSQL driver, the rows streamed a batch at a
//! time into the one load), beside `psql`'s `COPY … TO STDOUT` of the same table into
//! /dev/null in the same run (the ceiling of reading it), and beside loading the same rows from
//! a CSV file through the same load. `SIGHTLINE_BENCH_ROWS` sets the rows (10 million unless
//! set); the table is made once per run in a database of its own and dropped after.

use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use app::auth::principal::{load_principal, Credential};
use app::connections::model::ConnectionInput;
use app::connections::service as connections;
use app::settings::Settings;
use app::state::ManualClock;
use server::config::Config;

fn psql(url: &str, sql: &str) {
    let status = Command::new("psql")
        .args([url, "-qAtc", sql])
        .status()
        .expect("psql");
    assert!(status.success(), "psql {sql}");
}

fn line(label: &str, rows: u64, seconds: f64, copy: f64) {
    println!(
        "{label:<52} {seconds:>7.2} s  {:>11.0} rows/s  {:>5.2}x COPY",
        rows as f64 / seconds,
        copy / seconds
    );
}

fn main() {
    let rows: u64 = std::env::var("SIGHTLINE_BENCH_ROWS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(10_000_000);
    let admin = std::env::var("SIGHTLINE_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let base = admin.rsplit_once('/').unwrap().0.to_string();
    let database = format!("sl_bench_src_{}", std::process::id());
    let source = format!("{base}/{database}");
    psql(&admin, &format!("CREATE DATABASE {database}"));
    let made = Instant::now();
    psql(
        &source,
        &format!(
            "CREATE TABLE orders AS SELECT g AS order_id, (g % 100000) AS customer_id, \
             round((random() * 1000)::numeric, 2) AS amount, \
             DATE '2020-01-01' + (g % 2000) AS ordered, \
             (ARRAY['North','South','East','West','Central'])[1 + g % 5] AS region \
             FROM generate_series(1, {rows}) AS g; ANALYZE orders"
        ),
    );
    println!(
        "{rows} rows of orders (order_id, customer_id, amount numeric, ordered date, region text) made in {:.1} s",
        made.elapsed().as_secs_f64()
    );

    // The ceiling: PostgreSQL's fastest way out, into nothing.
    let started = Instant::now();
    let status = Command::new("sh")
        .args([
            "-c",
            &format!("psql '{source}' -qc 'COPY orders TO STDOUT' > /dev/null"),
        ])
        .status()
        .unwrap();
    assert!(status.success());
    let copy = started.elapsed().as_secs_f64();

    // The same rows as a CSV file, for the load from a file.
    let dir = std::env::temp_dir().join(format!("sl-bench-conn-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let csv = dir.join("orders.csv");
    let status = Command::new("sh")
        .args([
            "-c",
            &format!(
                "psql '{source}' -qc 'COPY orders TO STDOUT WITH (FORMAT csv, HEADER)' > {}",
                csv.display()
            ),
        ])
        .status()
        .unwrap();
    assert!(status.success());

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut config =
            Config::load_with(std::path::Path::new("/nonexistent/Leptos.toml"), |_| None)
                .expect("default config");
        config.database_url = format!("sqlite://{}?mode=rwc", dir.join("sightline.db").display());
        config.data_dir = dir.clone();
        config.settings = Settings::default();
        config.settings.sources.max_rows = rows + 1;
        let state = server::build_state(&config, Arc::new(ManualClock::new(1_800_000_000_000)))
            .await
            .expect("state");
        app::directory::service::create_admin(
            &state,
            "Bench",
            "root@bench.test",
            "Root",
            "correct horse battery",
        )
        .await
        .unwrap();
        let id: String =
            sqlx::query_scalar("SELECT id FROM users WHERE email_key = 'root@bench.test'")
                .fetch_one(&state.db)
                .await
                .unwrap();
        let mut conn = state.db.acquire().await.unwrap();
        let root = load_principal(&mut conn, &id, Credential::Console)
            .await
            .unwrap()
            .unwrap();
        drop(conn);
        connections::set_connection_hosts(&state, &root, "127.0.0.1\nlocalhost")
            .await
            .unwrap();
        let url = url_parts(&source);
        let made = connections::create_connection(
            &state,
            &root,
            ConnectionInput {
                space_id: String::new(),
                name: "Bench".into(),
                kind: "postgres".into(),
                host: url.0,
                port: Some(url.1),
                database: database.clone(),
                username: url.2,
                password: Some(url.3),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let mut plan = engine::LoadPlan::for_sources(&["orders"]);
        plan.sources.push(engine::plan::SourcePlan {
            name: "orders".into(),
            connection: Some(made.id.clone()),
            query: Some("SELECT * FROM orders".into()),
            ..Default::default()
        });

        println!("\nLoading {rows} rows (2 cores):");
        line("psql COPY orders TO STDOUT > /dev/null", rows, copy, copy);
        let started = Instant::now();
        let (loaded, _) = connections::sources::read_and_load(&state, &root, Vec::new(), plan, 0)
            .await
            .unwrap();
        let from_connection = started.elapsed().as_secs_f64();
        assert_eq!(loaded.model.rows() as u64, rows);
        line(
            "data connection: query, stream, load into a model",
            rows,
            from_connection,
            copy,
        );
        drop(loaded);

        let started = Instant::now();
        let (loaded, _) = connections::sources::read_and_load(
            &state,
            &root,
            vec![("orders.csv".into(), csv.clone())],
            engine::LoadPlan::for_sources(&["orders.csv"]),
            0,
        )
        .await
        .unwrap();
        let from_csv = started.elapsed().as_secs_f64();
        assert_eq!(loaded.model.rows() as u64, rows);
        line(
            "CSV file of the same rows: read and load",
            rows,
            from_csv,
            copy,
        );
        println!("target: the data connection at least 0.5x COPY");
    });
    let _ = std::fs::remove_dir_all(&dir);
    psql(
        &admin,
        &format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)"),
    );
}

/// Host, port, user and password of a `postgres://` URL.
fn url_parts(url: &str) -> (String, u16, String, String) {
    let rest = url
        .trim_start_matches("postgres://")
        .trim_start_matches("postgresql://");
    let (credentials, location) = rest.rsplit_once('@').unwrap_or(("postgres", rest));
    let (user, password) = credentials
        .split_once(':')
        .unwrap_or((credentials, "unused-with-trust"));
    let host_port = location.split('/').next().unwrap();
    let (host, port) = host_port.split_once(':').unwrap_or((host_port, "5432"));
    (
        host.into(),
        port.parse().unwrap(),
        user.into(),
        password.into(),
    )
}
