//! The database: SQLite by default, PostgreSQL for a `postgres://` URL; one migration set each,
//! with the same schema and the same names.

use std::path::Path;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, ConnectOptions, Executor};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/postgres");

pub fn is_sqlite(url: &str) -> bool {
    url.starts_with("sqlite:")
}

/// Opens the pool. SQLite gets one connection: it admits one writer at a time anyway, and a
/// single connection turns would-be "database is locked" failures into a short wait.
pub async fn connect(url: &str, data_dir: &Path) -> Result<AnyPool, String> {
    sqlx::any::install_default_drivers();
    let sqlite = is_sqlite(url);
    if sqlite {
        std::fs::create_dir_all(data_dir).map_err(|e| {
            format!(
                "Cannot create the data directory {}: {e}",
                data_dir.display()
            )
        })?;
    }
    let options: AnyConnectOptions = url
        .parse()
        .map_err(|e| format!("The database URL is not valid: {e}"))?;
    let options = options.log_statements(tracing::log::LevelFilter::Trace);
    AnyPoolOptions::new()
        .max_connections(if sqlite { 1 } else { 16 })
        .acquire_timeout(Duration::from_secs(15))
        .after_connect(move |conn, _| {
            Box::pin(async move {
                if sqlite {
                    conn.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;").await?;
                }
                Ok(())
            })
        })
        .connect_with(options)
        .await
        .map_err(|e| format!("Cannot connect to the database ({}): {e}", redact(url)))
}

/// Readers beside the writer. SQLite in WAL mode lets readers read while the one writer writes:
/// visitors' reads (`AppState::reader`) take one of these connections (read-only, so a write
/// sent here by mistake fails loudly) instead of queueing behind writes on the writer's one
/// connection. PostgreSQL's pool already serves many at once: the same pool. So does an
/// in-memory SQLite database, which another connection would not see.
pub async fn connect_readers(url: &str, writer: &AnyPool) -> Result<AnyPool, String> {
    if !is_sqlite(url) || in_memory(url) {
        return Ok(writer.clone());
    }
    let options: AnyConnectOptions = url
        .parse()
        .map_err(|e| format!("The database URL is not valid: {e}"))?;
    let options = options.log_statements(tracing::log::LevelFilter::Trace);
    AnyPoolOptions::new()
        .max_connections(READERS)
        .acquire_timeout(Duration::from_secs(15))
        .after_connect(|conn, _| {
            Box::pin(async move {
                conn.execute(
                    "PRAGMA query_only = ON; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;",
                )
                .await?;
                Ok(())
            })
        })
        .connect_with(options)
        .await
        .map_err(|e| format!("Cannot open readers of the database ({}): {e}", redact(url)))
}

/// How caches of what the database holds hear that it changed (`app::sql::Changes`): PostgreSQL
/// notifies; an SQLite file is read by a connection of this process's own; an in-memory SQLite
/// database, which no other connection sees, is asked through the caller's connection.
pub fn changes(url: &str) -> Result<app::sql::Changes, String> {
    use app::sql::{Changes, Counter};
    if !is_sqlite(url) {
        return Ok(Changes::Notified);
    }
    if in_memory(url) {
        return Ok(Changes::Queried);
    }
    let options: sqlx::sqlite::SqliteConnectOptions = url
        .parse()
        .map_err(|e| format!("The database URL is not valid: {e}"))?;
    Ok(Changes::Counted(std::sync::Arc::new(Counter::open(
        options.get_filename(),
    )?)))
}

fn in_memory(url: &str) -> bool {
    url.contains(":memory:") || url.contains("mode=memory")
}

/// SQLite readers: the machine's cores are what they share.
const READERS: u32 = 4;

/// The newest schema this binary knows: its last migration (the same number on both databases).
pub fn latest_schema() -> i64 {
    POSTGRES_MIGRATIONS
        .iter()
        .map(|m| m.version)
        .max()
        .unwrap_or(0)
}

/// Brings the schema up to date.
pub async fn migrate(pool: &AnyPool, url: &str) -> Result<(), String> {
    let migrator = if is_sqlite(url) {
        &SQLITE_MIGRATIONS
    } else {
        &POSTGRES_MIGRATIONS
    };
    migrator.run(pool).await.map_err(|e| match e {
        sqlx::migrate::MigrateError::VersionMissing(version) => format!(
            "The database was brought to schema {version} or later by a newer Sightline, and \
                 this one knows schema {} at most (sightline --version). Run the newer \
                 version, or, to go back to this one, restore the backup taken before the \
                 upgrade (docs/OPERATING.md, \"Upgrading\").",
            latest_schema()
        ),
        e => format!("Database migration failed: {e}"),
    })
}

/// A URL fit for logs: no password.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            let user = credentials.split(':').next().unwrap_or("");
            format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..])
        }
        _ => url.to_string(),
    }
}

/// Is the database answering?
pub async fn ping(pool: &AnyPool) -> bool {
    sqlx::query_scalar::<_, i32>("SELECT 1")
        .fetch_one(pool)
        .await
        .is_ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_never_reach_the_log() {
        assert_eq!(
            super::redact("postgres://ana:secret@db:5432/x"),
            "postgres://ana:***@db:5432/x"
        );
        assert_eq!(super::redact("sqlite://data/s.db"), "sqlite://data/s.db");
    }
}
