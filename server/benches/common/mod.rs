//! What the benchmarks share: each measures on a fresh SQLite database, then on a fresh
//! PostgreSQL database (`SIGHTLINE_TEST_POSTGRES`, else the local server), dropped afterwards.

use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

/// The `p` quantile of sorted durations, in microseconds.
pub fn percentile_us(sorted: &[Duration], p: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index].as_secs_f64() * 1e6
}

/// Runs `measure(label, database url, scratch directory)` on SQLite, then on PostgreSQL when a
/// server answers; `name` tells this benchmark's scratch directory and database apart.
pub fn on_both_databases<F, Fut>(name: &str, measure: F)
where
    F: Fn(&'static str, String, PathBuf) -> Fut,
    Fut: Future<Output = ()>,
{
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        sqlx::any::install_default_drivers();
        let dir =
            std::env::temp_dir().join(format!("sightline-bench-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let sqlite = format!("sqlite://{}?mode=rwc", dir.join("bench.db").display());
        measure("SQLite", sqlite, dir.clone()).await;
        let admin = std::env::var("SIGHTLINE_TEST_POSTGRES")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        match <sqlx::AnyConnection as sqlx::Connection>::connect(&admin).await {
            Ok(mut conn) => {
                let database = format!("sl_bench_{name}_{}", std::process::id());
                sqlx::Executor::execute(&mut conn, format!("CREATE DATABASE {database}").as_str())
                    .await
                    .unwrap();
                let base = admin.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap();
                measure("PostgreSQL", format!("{base}/{database}"), dir.clone()).await;
                let _ = sqlx::Executor::execute(
                    &mut conn,
                    format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)").as_str(),
                )
                .await;
            }
            Err(error) => println!("PostgreSQL: not measured, no server at {admin} ({error})"),
        }
        let _ = std::fs::remove_dir_all(&dir);
    });
}
