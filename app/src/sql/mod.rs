//! SQL helpers every feature's store may use, on SQLite and PostgreSQL alike. Server-only.

use sqlx::AnyConnection;

mod counter;
mod watched;

pub use counter::Counter;
pub use watched::{Changes, Watched};

/// The tables whose rows `lock_row` takes: the parents that count limits and invariants are
/// checked under.
#[derive(Debug, Clone, Copy)]
pub enum Parent {
    Tenant,
    Space,
    App,
    Share,
    CollabSession,
}

impl Parent {
    fn table(self) -> &'static str {
        match self {
            Parent::Tenant => "tenants",
            Parent::Space => "spaces",
            Parent::App => "apps",
            Parent::Share => "app_shares",
            Parent::CollabSession => "collab_sessions",
        }
    }
}

/// Takes the row's write lock for the rest of the transaction, by writing it unchanged: on
/// PostgreSQL a second transaction that does the same waits here until the first commits, so a
/// "count, then insert" or "check, then change" under the lock cannot interleave (READ COMMITTED
/// would otherwise let both pass). On SQLite the one connection serialises writers already; the
/// statement is the same there, so both dialects run one code path.
pub async fn lock_row(conn: &mut AnyConnection, parent: Parent, id: &str) -> sqlx::Result<()> {
    sqlx::query(&format!(
        "UPDATE {} SET id = id WHERE id = $1",
        parent.table()
    ))
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Takes or renews the lease `name` for `holder` until `now + ttl_ms`: true when `holder` holds
/// it now. Work that must run on one process at a time (housekeeping) asks first; when the
/// holder stops renewing, another process takes the lease once it has expired. One statement,
/// the same on SQLite and PostgreSQL.
pub async fn try_lease(
    db: &sqlx::AnyPool,
    name: &str,
    holder: &str,
    now: i64,
    ttl_ms: i64,
) -> sqlx::Result<bool> {
    let held: Option<String> = sqlx::query_scalar(
        "INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, $3) \
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at \
         WHERE leases.holder = excluded.holder OR leases.expires_at <= $4 \
         RETURNING holder",
    )
    .bind(name)
    .bind(holder)
    .bind(now + ttl_ms)
    .bind(now)
    .fetch_optional(db)
    .await?;
    Ok(held.as_deref() == Some(holder))
}

/// Whether the pool is PostgreSQL's: several server processes may share it, so what they must
/// agree on (anonymous seats) is kept in it rather than in one process's memory.
pub fn is_postgres(db: &sqlx::AnyPool) -> bool {
    db.connect_options()
        .database_url
        .scheme()
        .starts_with("postgres")
}

/// Tells every process listening on `channel` (PostgreSQL's NOTIFY; nothing on SQLite, where one
/// process is all there is). Call after the change committed.
pub async fn notify(db: &sqlx::AnyPool, channel: &str, payload: &str) {
    if !is_postgres(db) {
        return;
    }
    let sent = match db.acquire().await {
        Ok(mut conn) => sqlx::query("SELECT pg_notify($1, $2)")
            .bind(channel)
            .bind(payload)
            .execute(&mut *conn)
            .await
            .map(|_| ()),
        Err(error) => Err(error),
    };
    if let Err(error) = sent {
        tracing::warn!(%error, channel, "telling the other processes failed");
    }
}

/// The channel on which the database announces that what a cache was made from changed (the
/// cache's name as payload; triggers of migration 0009).
pub const CHANGES_CHANNEL: &str = "sightline_changes";
