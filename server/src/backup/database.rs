//! The database's half of a backup and a restore: SQLite copied by `VACUUM INTO` (one read
//! transaction, while the server writes beside it), PostgreSQL by `pg_dump` from a snapshot that
//! this process holds open and reads the data directory's references from, so that both halves
//! describe one moment.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{AnyConnection, Connection, Executor};

use super::rules::{DatabaseKind, References};
use crate::config::Config;

/// The SQLite database's file, from the URL.
fn sqlite_file(url: &str) -> Result<PathBuf, String> {
    let options = SqliteConnectOptions::from_str(url)
        .map_err(|e| format!("The database URL is not valid: {e}"))?;
    Ok(options.get_filename().to_path_buf())
}

/// The files the database itself keeps in the data directory (SQLite's, with its journal),
/// which the data directory's half of a backup leaves to the database's.
pub fn own_files(config: &Config) -> Result<Vec<PathBuf>, String> {
    if !crate::db::is_sqlite(&config.database_url) {
        return Ok(Vec::new());
    }
    let file = sqlite_file(&config.database_url)?;
    let file = std::path::absolute(&file).unwrap_or(file);
    let data_dir = std::path::absolute(&config.data_dir).unwrap_or(config.data_dir.clone());
    Ok(["", "-wal", "-shm", "-journal"]
        .iter()
        .filter_map(|suffix| {
            let own = PathBuf::from(format!("{}{suffix}", file.display()));
            // As `link_data` names them: under the data directory as given.
            own.strip_prefix(&data_dir)
                .ok()
                .map(|relative| config.data_dir.join(relative))
        })
        .collect())
}

/// Copies the database into `stage` (as `rules::DatabaseKind::file_name`) and reads what the
/// copy names in the data directory.
pub async fn copy(config: &Config, kind: DatabaseKind, stage: &Path) -> Result<References, String> {
    let to = stage.join(kind.file_name());
    match kind {
        DatabaseKind::Sqlite => copy_sqlite(&config.database_url, &to).await,
        DatabaseKind::Postgres => copy_postgres(&config.database_url, &to).await,
    }
}

async fn copy_sqlite(url: &str, to: &Path) -> Result<References, String> {
    let options = SqliteConnectOptions::from_str(url)
        .map_err(|e| format!("The database URL is not valid: {e}"))?
        .busy_timeout(std::time::Duration::from_secs(30));
    let mut conn = SqliteConnection::connect_with(&options)
        .await
        .map_err(|e| format!("Cannot open the database: {e}"))?;
    sqlx::query("VACUUM INTO $1")
        .bind(to.to_string_lossy().to_string())
        .execute(&mut conn)
        .await
        .map_err(|e| format!("Cannot copy the database (VACUUM INTO): {e}"))?;
    conn.close().await.ok();
    // The copy, read where it lies, unchanged (no journal beside it).
    sqlx::any::install_default_drivers();
    let copy = std::path::absolute(to).unwrap_or(to.to_path_buf());
    let mut conn = AnyConnection::connect(&format!(
        "sqlite://{}?mode=ro&immutable=true",
        copy.display()
    ))
    .await
    .map_err(|e| format!("Cannot read the database's copy: {e}"))?;
    let references = references(&mut conn).await;
    conn.close().await.ok();
    references
}

async fn copy_postgres(url: &str, to: &Path) -> Result<References, String> {
    sqlx::any::install_default_drivers();
    let mut conn = AnyConnection::connect(url)
        .await
        .map_err(|e| format!("Cannot connect to the database: {e}"))?;
    conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .await
        .map_err(|e| e.to_string())?;
    let snapshot: String = sqlx::query_scalar("SELECT pg_export_snapshot()")
        .fetch_one(&mut conn)
        .await
        .map_err(|e| e.to_string())?;
    let references = references(&mut conn).await?;
    // pg_dump reads the snapshot this transaction holds: the same moment as the references.
    let mut dump = std::process::Command::new("pg_dump");
    dump.arg("--format=custom")
        .arg(format!("--snapshot={snapshot}"))
        .arg("--no-owner")
        .arg(format!("--file={}", to.display()))
        .arg(format!("--dbname={url}"));
    let output = run_tool(dump).await.map_err(|e| tool_error("pg_dump", e))?;
    conn.execute("COMMIT").await.map_err(|e| e.to_string())?;
    if !output.status.success() {
        return Err(format!(
            "pg_dump failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(references)
}

/// Runs one of PostgreSQL's tools to its end, off the async threads.
async fn run_tool(mut command: std::process::Command) -> std::io::Result<std::process::Output> {
    tokio::task::spawn_blocking(move || command.output())
        .await
        .map_err(std::io::Error::other)?
}

fn tool_error(tool: &str, error: std::io::Error) -> String {
    if error.kind() == std::io::ErrorKind::NotFound {
        format!(
            "{tool} is not installed, and a PostgreSQL backup needs it. Install PostgreSQL's \
             client tools of the server's major version or later (Debian: apt-get install \
             postgresql-client), or put them on PATH."
        )
    } else {
        format!("Cannot run {tool}: {error}")
    }
}

/// What the database names in the data directory: every app's current snapshot, every app's
/// files and every staged upload; and its schema.
async fn references(conn: &mut AnyConnection) -> Result<References, String> {
    let failed = |e: sqlx::Error| format!("Cannot read the database's copy: {e}");
    let storage = app::content::storage::Storage::new(Path::new(""));
    let name = |path: PathBuf| path.to_string_lossy().replace('\\', "/");
    let mut files = Vec::new();
    let apps: Vec<(String, i64)> =
        sqlx::query_as("SELECT id, data_version FROM apps WHERE data_version > 0")
            .fetch_all(&mut *conn)
            .await
            .map_err(failed)?;
    for (app_id, version) in apps {
        files.push(name(storage.snapshot(&app_id, version)));
    }
    let data_files: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT id, app_id FROM data_files")
            .fetch_all(&mut *conn)
            .await
            .map_err(failed)?;
    for (file_id, app_id) in data_files {
        files.push(name(match app_id {
            Some(app_id) => storage.app_file(&app_id, &file_id),
            None => storage.staging_file(&file_id),
        }));
    }
    let (schema,): (i64,) =
        sqlx::query_as("SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations")
            .fetch_one(&mut *conn)
            .await
            .map_err(failed)?;
    Ok(References { schema, files })
}

/// Whether the installation's database has a tenant (no schema yet is none).
pub async fn has_tenants(config: &Config) -> Result<bool, String> {
    let url = &config.database_url;
    if crate::db::is_sqlite(url) && !sqlite_file(url)?.exists() {
        return Ok(false);
    }
    let pool = crate::db::connect(url, &config.data_dir).await?;
    let tenants: Result<i64, _> = sqlx::query_scalar("SELECT COUNT(*) FROM tenants")
        .fetch_one(&pool)
        .await;
    pool.close().await;
    Ok(tenants.is_ok_and(|n| n > 0))
}

/// Replaces the installation's database with the archive's copy.
pub async fn restore(config: &Config, kind: DatabaseKind, copy: &Path) -> Result<(), String> {
    let url = &config.database_url;
    match kind {
        DatabaseKind::Sqlite => {
            let file = sqlite_file(url)?;
            if let Some(parent) = file.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent)
                    .map_err(|e| format!("Cannot make {}: {e}", parent.display()))?;
            }
            for suffix in ["-wal", "-shm", "-journal"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
            }
            std::fs::copy(copy, &file)
                .map(|_| ())
                .map_err(|e| format!("Cannot write {}: {e}", file.display()))
        }
        DatabaseKind::Postgres => {
            // Whatever the database holds of Sightline's goes first (an empty installation
            // that ran `migrate` has the schema already).
            let mut restore = std::process::Command::new("pg_restore");
            restore
                .args([
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--single-transaction",
                ])
                .arg(format!("--dbname={url}"))
                .arg(copy);
            let output = run_tool(restore)
                .await
                .map_err(|e| tool_error("pg_restore", e))?;
            if output.status.success() {
                Ok(())
            } else {
                Err(format!(
                    "pg_restore failed, and the database is as it was: {}",
                    String::from_utf8_lossy(&output.stderr).trim()
                ))
            }
        }
    }
}
