//! Talking to a connection's database with sqlx's own drivers: connecting within a time limit
//! (after checking the host against the tenant's list), the tables it offers, and a query's
//! rows streamed a batch at a time as text, read-only. PostgreSQL and MySQL send their rows as
//! text already (the simple query protocol), so a cell is copied, never parsed; SQLite's typed
//! values are written as text. Errors are the database's own words where it has them.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use futures_util::{Stream, StreamExt};
use sqlx::mysql::{MySqlConnectOptions, MySqlConnection, MySqlSslMode};
use sqlx::postgres::{PgConnectOptions, PgConnection, PgSslMode};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{Column, Connection, Executor, Row, Statement, TypeInfo, ValueRef};

use super::super::model::ConnectionKind;
use super::super::rules::{self, HostPattern};
use super::super::{BATCH_BYTES, BATCH_ROWS, CONNECT_SECONDS};
use crate::error::AppError;
use engine::Batch;

static READS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(super::super::MAX_READS);

/// A turn to read from a database: at most `MAX_READS` at once in this process; one waits a
/// few seconds for a turn, then is told to try again.
pub async fn turn() -> Result<tokio::sync::SemaphorePermit<'static>, AppError> {
    tokio::time::timeout(Duration::from_secs(2 * CONNECT_SECONDS), READS.acquire())
        .await
        .map_err(|_| {
            AppError::conflict(format!(
                "Sightline is reading from {} data connections already: try again in a moment.",
                super::super::MAX_READS
            ))
        })?
        .map_err(AppError::internal)
}

/// Where a connection reads, with its password opened.
#[derive(Clone)]
pub struct Target {
    pub kind: ConnectionKind,
    pub host: String,
    pub port: u16,
    pub database: String,
    pub username: String,
    pub password: String,
    /// A SQLite file, or a folder, on this server (already checked to be inside its folder).
    pub path: PathBuf,
    /// The hosts the tenant allows.
    pub hosts: Vec<HostPattern>,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}:{}/{}",
            self.kind.as_str(),
            self.host,
            self.port,
            self.database
        )
    }
}

/// An open connection to a database.
pub enum Db {
    Postgres(PgConnection),
    Mysql(MySqlConnection),
    Sqlite(SqliteConnection),
}

fn unreachable(message: String) -> AppError {
    AppError::invalid("connection", message)
}

/// A driver's error in words a person can act on.
pub fn explain(target: &Target, error: &sqlx::Error) -> String {
    let at = format!("{}:{}", target.host, target.port);
    match error {
        sqlx::Error::Database(db) => db.message().to_string(),
        sqlx::Error::Io(io) => match io.kind() {
            std::io::ErrorKind::ConnectionRefused => format!("The database server at {at} refused the connection: is it running, and is the port right?"),
            std::io::ErrorKind::TimedOut => format!("The host {} is not reachable in {CONNECT_SECONDS} s.", target.host),
            _ => format!("The database server at {at} could not be reached: {io}."),
        },
        sqlx::Error::Tls(tls) => format!("The secure connection to {at} failed: {tls}."),
        sqlx::Error::Protocol(text) => format!("The server at {at} did not answer as {} does: {text}.", target.kind.label()),
        other => other.to_string(),
    }
}

/// The address to connect to: the host resolved, and every address it has checked against the
/// tenant's list (the connection goes to the address checked, not to a second lookup's).
async fn checked_address(target: &Target) -> Result<IpAddr, AppError> {
    let lookup = tokio::time::timeout(
        Duration::from_secs(CONNECT_SECONDS),
        tokio::net::lookup_host((target.host.as_str(), target.port)),
    )
    .await
    .map_err(|_| {
        unreachable(format!(
            "The host {} is not reachable in {CONNECT_SECONDS} s (its name did not resolve).",
            target.host
        ))
    })?
    .map_err(|_| {
        unreachable(format!(
            "The host {} is not known: check its name.",
            target.host
        ))
    })?;
    let addresses: Vec<IpAddr> = lookup.map(|a| a.ip()).collect();
    rules::check_host(&target.hosts, &target.host, &addresses).map_err(AppError::forbidden)?;
    Ok(addresses[0])
}

/// Connects within `CONNECT_SECONDS`.
pub async fn connect(target: &Target) -> Result<Db, AppError> {
    let limit = Duration::from_secs(CONNECT_SECONDS);
    let timed_out = || {
        unreachable(format!(
            "The host {} is not reachable in {CONNECT_SECONDS} s.",
            target.host
        ))
    };
    let failed = |e: sqlx::Error| unreachable(explain(target, &e));
    match target.kind {
        ConnectionKind::Postgres => {
            let address = checked_address(target).await?.to_string();
            let options = PgConnectOptions::new_without_pgpass()
                .host(&address)
                .port(target.port)
                .username(&target.username)
                .password(&target.password)
                .database(&target.database)
                .ssl_mode(PgSslMode::Prefer)
                .application_name("sightline");
            let conn = tokio::time::timeout(limit, PgConnection::connect_with(&options))
                .await
                .map_err(|_| timed_out())?
                .map_err(failed)?;
            Ok(Db::Postgres(conn))
        }
        ConnectionKind::Mysql => {
            let address = checked_address(target).await?.to_string();
            let options = MySqlConnectOptions::new()
                .host(&address)
                .port(target.port)
                .username(&target.username)
                .password(&target.password)
                .database(&target.database)
                .ssl_mode(MySqlSslMode::Preferred)
                .charset("utf8mb4");
            let conn = tokio::time::timeout(limit, MySqlConnection::connect_with(&options))
                .await
                .map_err(|_| timed_out())?
                .map_err(failed)?;
            Ok(Db::Mysql(conn))
        }
        ConnectionKind::Sqlite => {
            if !target.path.is_file() {
                return Err(unreachable(
                    "There is no such SQLite file in the folder: check its name.".into(),
                ));
            }
            let options = SqliteConnectOptions::new()
                .filename(&target.path)
                .read_only(true)
                .create_if_missing(false);
            let mut conn = tokio::time::timeout(limit, SqliteConnection::connect_with(&options))
                .await
                .map_err(|_| timed_out())?
                .map_err(failed)?;
            // Opening does not read the file: a file that is not a database fails here.
            conn.execute("SELECT COUNT(*) FROM sqlite_master")
                .await
                .map_err(|e| {
                    unreachable(format!(
                        "The file is not a SQLite database: {}",
                        explain(target, &e)
                    ))
                })?;
            Ok(Db::Sqlite(conn))
        }
        ConnectionKind::Folder => Err(unreachable("A folder is not a database.".into())),
    }
}

/// What the server says it is, for the form's "connected" message.
pub async fn version(db: &mut Db) -> Result<String, sqlx::Error> {
    let (sql, name) = match db {
        Db::Postgres(_) => ("SHOW server_version", "PostgreSQL"),
        Db::Mysql(_) => ("SELECT VERSION()", "MySQL"),
        Db::Sqlite(_) => ("SELECT sqlite_version()", "SQLite"),
    };
    let rows = text_rows(db, sql, 1).await?;
    let version = rows
        .first()
        .and_then(|r| r.first().cloned().flatten())
        .unwrap_or_default();
    let name = if version.contains("MariaDB") {
        "MariaDB"
    } else {
        name
    };
    Ok(format!(
        "{name} {}",
        version.split('-').next().unwrap_or(&version)
    ))
}

/// Rows of a catalog query as text (at most `limit`).
pub async fn text_rows(
    db: &mut Db,
    sql: &'static str,
    limit: usize,
) -> Result<Vec<Vec<Option<String>>>, sqlx::Error> {
    let mut out: Vec<Vec<Option<String>>> = Vec::new();
    macro_rules! each {
        ($conn:expr, $cell:expr) => {{
            let mut rows = sqlx::raw_sql(sql).fetch($conn);
            while let Some(row) = rows.next().await {
                let row = row?;
                let mut batch = Batch::new(row.columns().len());
                for at in 0..row.columns().len() {
                    $cell(&row, at, &mut batch);
                }
                out.push(
                    (0..batch.width())
                        .map(|c| batch.text(0, c).map(str::to_string))
                        .collect(),
                );
                if out.len() >= limit {
                    break;
                }
            }
        }};
    }
    match db {
        Db::Postgres(conn) => each!(&mut *conn, |r, at, b| pg_cell(r, at, false, b)),
        Db::Mysql(conn) => each!(&mut *conn, mysql_cell),
        Db::Sqlite(conn) => each!(&mut *conn, sqlite_cell),
    }
    Ok(out)
}

/// A PostgreSQL cell as the server wrote it (text); a time with a zone (`zoned`: the column is
/// a `timestamptz`, the session's zone UTC) without its `+00`.
fn pg_cell(row: &sqlx::postgres::PgRow, at: usize, zoned: bool, batch: &mut Batch) {
    match row.try_get_raw(at) {
        Ok(value) if !value.is_null() => {
            let bytes = value.as_bytes().unwrap_or_default();
            let bytes = match zoned {
                true => bytes.strip_suffix(b"+00").unwrap_or(bytes),
                false => bytes,
            };
            batch.push_bytes(Some(bytes));
        }
        _ => batch.push(None),
    }
}

/// A MySQL cell as the server wrote it (the text protocol).
fn mysql_cell(row: &sqlx::mysql::MySqlRow, at: usize, batch: &mut Batch) {
    batch.push_bytes(row.try_get_unchecked::<Option<&[u8]>, _>(at).ok().flatten());
}

/// A SQLite value written as text: integers and reals as numbers, text as it is.
fn sqlite_cell(row: &sqlx::sqlite::SqliteRow, at: usize, batch: &mut Batch) {
    use std::fmt::Write;
    let kind = match row.try_get_raw(at) {
        Ok(value) if !value.is_null() => value.type_info().name().to_string(),
        _ => return batch.push(None),
    };
    match kind.as_str() {
        "INTEGER" => match row.try_get_unchecked::<i64, _>(at) {
            Ok(n) => batch.push_with(|t| write!(t, "{n}").expect("a string")),
            Err(_) => batch.push(None),
        },
        "REAL" => match row.try_get_unchecked::<f64, _>(at) {
            Ok(x) if x.is_finite() => batch.push_with(|t| write!(t, "{x}").expect("a string")),
            _ => batch.push(None),
        },
        _ => batch.push_bytes(row.try_get_unchecked::<Option<&[u8]>, _>(at).ok().flatten()),
    }
}

/// Makes the session read-only and bounds its statements' time, where the database allows.
async fn guard(db: &mut Db, limit: Duration) -> Result<(), sqlx::Error> {
    // A little past the load's own limit: the load stops first and says which limit it was;
    // the server stops the statement soon after, rather than running on unread.
    let ms = (limit + Duration::from_secs(2)).as_millis();
    match db {
        Db::Postgres(conn) => {
            conn.execute(format!("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY; SET statement_timeout = {ms}; SET TimeZone = 'UTC'").as_str()).await?;
        }
        Db::Mysql(conn) => {
            conn.execute("SET SESSION TRANSACTION READ ONLY").await?;
            // MySQL's limit, then MariaDB's: each refuses the other's.
            let _ = conn
                .execute(format!("SET SESSION max_execution_time = {ms}").as_str())
                .await;
            let _ = conn
                .execute(
                    format!("SET SESSION max_statement_time = {}", ms as f64 / 1000.0).as_str(),
                )
                .await;
        }
        Db::Sqlite(_) => {}
    }
    Ok(())
}

/// The query's columns, from preparing it (which also refuses more than one statement, and a
/// statement that gives no rows): each one's name, and whether it is a time with a zone.
async fn columns(db: &mut Db, query: &str) -> Result<Vec<(String, bool)>, String> {
    let columns: Result<Vec<(String, bool)>, sqlx::Error> = match db {
        Db::Postgres(conn) => (&mut *conn)
            .prepare(query)
            .await
            .map(|s| names(s.columns())),
        Db::Mysql(conn) => (&mut *conn)
            .prepare(query)
            .await
            .map(|s| names(s.columns())),
        Db::Sqlite(conn) => (&mut *conn)
            .prepare(query)
            .await
            .map(|s| names(s.columns())),
    };
    let columns = columns.map_err(|e| match e {
        sqlx::Error::Database(db) => format!("The query was refused: {}", db.message()),
        other => format!("The query was refused: {other}"),
    })?;
    if columns.is_empty() {
        return Err(
            "The query gives no columns: write one SELECT (or WITH … SELECT) that reads the table."
                .into(),
        );
    }
    Ok(columns)
}

fn names<C: Column>(columns: &[C]) -> Vec<(String, bool)> {
    columns
        .iter()
        .map(|c| (c.name().to_string(), c.type_info().name() == "TIMESTAMPTZ"))
        .collect()
}

/// What a query's reading sends the load: its column names, then batches of rows, or why it
/// stopped.
pub enum Message {
    Headers(Vec<String>),
    Rows(Batch),
    Failed(String),
}

/// The bounds of one query's reading.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub time: Duration,
    pub max_rows: u64,
}

/// Runs `query` read-only on an open database and sends its rows to `send` a batch at a time,
/// within `limits`. Stops quietly when the receiver is gone (the load failed elsewhere).
pub async fn read(
    mut db: Db,
    query: String,
    limits: Limits,
    send: tokio::sync::mpsc::Sender<Message>,
) {
    // The timeout stops a query that is still running; the deadline, checked before every batch
    // is handed on, stops one whose rows came late while this task could not run (a busy
    // machine), which a timeout polled only then would let through.
    let deadline = std::time::Instant::now() + limits.time;
    let outcome = tokio::time::timeout(limits.time, async {
        guard(&mut db, limits.time)
            .await
            .map_err(|e| e.to_string())?;
        let (headers, zoned): (Vec<String>, Vec<bool>) =
            columns(&mut db, &query).await?.into_iter().unzip();
        let width = headers.len();
        if send.send(Message::Headers(headers)).await.is_err() {
            return Ok(());
        }
        match &mut db {
            Db::Postgres(conn) => {
                conn.execute("BEGIN READ ONLY")
                    .await
                    .map_err(|e| e.to_string())?;
                pump(
                    sqlx::raw_sql(&query).fetch(&mut *conn),
                    width,
                    |row, at, batch| pg_cell(row, at, zoned[at], batch),
                    &send,
                    (limits, deadline),
                )
                .await
            }
            Db::Mysql(conn) => {
                conn.execute("START TRANSACTION READ ONLY")
                    .await
                    .map_err(|e| e.to_string())?;
                pump(
                    sqlx::raw_sql(&query).fetch(&mut *conn),
                    width,
                    mysql_cell,
                    &send,
                    (limits, deadline),
                )
                .await
            }
            Db::Sqlite(conn) => {
                pump(
                    sqlx::query(&query).fetch(&mut *conn),
                    width,
                    sqlite_cell,
                    &send,
                    (limits, deadline),
                )
                .await
            }
        }
    })
    .await;
    let failure = match outcome {
        Ok(Ok(())) => return,
        Ok(Err(message)) => message,
        Err(_) => too_long(limits),
    };
    let _ = send.send(Message::Failed(failure)).await;
}

fn too_long(limits: Limits) -> String {
    format!("The query ran longer than {} s, the limit (source_query_seconds): make it read less, or ask the operator to raise the limit.", limits.time.as_secs())
}

/// Sends a stream's rows on in batches; a message when they pass the row limit or the deadline,
/// or fail.
async fn pump<R, S>(
    mut rows: S,
    width: usize,
    cell: impl Fn(&R, usize, &mut Batch),
    send: &tokio::sync::mpsc::Sender<Message>,
    (limits, deadline): (Limits, std::time::Instant),
) -> Result<(), String>
where
    S: Stream<Item = Result<R, sqlx::Error>> + Unpin,
    R: Row,
{
    let mut batch = Batch::new(width);
    let mut count: u64 = 0;
    while let Some(row) = rows.next().await {
        let row = row.map_err(|e| match e {
            sqlx::Error::Database(db) => db.message().to_string(),
            other => other.to_string(),
        })?;
        count += 1;
        if count > limits.max_rows {
            return Err(format!("The query gives more than {} rows, the limit (source_max_rows): make it read fewer (a WHERE, or an aggregation), or ask the operator to raise the limit.", limits.max_rows));
        }
        for at in 0..width {
            cell(&row, at, &mut batch);
        }
        if batch.rows() >= BATCH_ROWS || batch.text_bytes() >= BATCH_BYTES {
            if std::time::Instant::now() > deadline {
                return Err(too_long(limits));
            }
            let full = std::mem::replace(&mut batch, Batch::new(width));
            if send.send(Message::Rows(full)).await.is_err() {
                return Ok(());
            }
        }
    }
    if std::time::Instant::now() > deadline {
        return Err(too_long(limits));
    }
    if batch.rows() > 0 {
        let _ = send.send(Message::Rows(batch)).await;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_process_reads_from_at_most_a_few_databases_at_once() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        runtime.block_on(async {
            let mut held = Vec::new();
            for _ in 0..super::super::super::MAX_READS {
                held.push(super::turn().await.unwrap());
            }
            let refused = super::turn().await.unwrap_err().to_string();
            assert!(refused.contains("try again in a moment"), "{refused}");
            held.pop();
            assert!(super::turn().await.is_ok(), "a turn given back is taken");
        });
    }
}
