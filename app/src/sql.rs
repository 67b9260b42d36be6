//! SQL helpers every feature's store may use, on SQLite and PostgreSQL alike. Server-only.

use sqlx::AnyConnection;

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

/// Entries read from the database and kept while nothing they were read from has changed: the
/// `changes` row named `name` on SQLite (its one process reads it on each check), notifications on
/// PostgreSQL (every process hears each change at commit and forgets everything; nothing is kept
/// while it cannot hear). At most `max` entries: past it the cache starts again empty.
pub struct Watched<K, V> {
    name: &'static str,
    sqlite: bool,
    max: usize,
    generation: std::sync::atomic::AtomicU64,
    listening: std::sync::atomic::AtomicBool,
    entries: std::sync::Mutex<std::collections::HashMap<K, (u64, std::sync::Arc<V>)>>,
}

impl<K: std::hash::Hash + Eq, V> Watched<K, V> {
    pub fn new(name: &'static str, sqlite: bool, max: usize) -> Self {
        Watched {
            name,
            sqlite,
            max,
            generation: Default::default(),
            listening: Default::default(),
            entries: Default::default(),
        }
    }

    fn lock(
        &self,
    ) -> std::sync::MutexGuard<'_, std::collections::HashMap<K, (u64, std::sync::Arc<V>)>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A change was announced (PostgreSQL): forget everything.
    pub fn changed(&self) {
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.lock().clear();
    }

    /// The listener connected or lost its connection: a change may have gone unheard either way.
    pub fn listening(&self, listening: bool) {
        self.listening
            .store(listening, std::sync::atomic::Ordering::SeqCst);
        self.changed();
    }

    /// What stamps an entry made now, read before what the entry is made of: a change committed
    /// after this moves the stamp on. `None`: nothing may be kept now.
    pub async fn stamp(&self, conn: &mut AnyConnection) -> sqlx::Result<Option<u64>> {
        use std::sync::atomic::Ordering;
        if self.sqlite {
            let version: i64 = sqlx::query_scalar("SELECT version FROM changes WHERE name = $1")
                .bind(self.name)
                .fetch_one(conn)
                .await?;
            return Ok(Some(version as u64));
        }
        let generation = self.generation.load(Ordering::SeqCst);
        Ok(self.listening.load(Ordering::SeqCst).then_some(generation))
    }

    /// The entry of `key`, if it was kept under `stamp`.
    pub fn get<Q>(&self, key: &Q, stamp: u64) -> Option<std::sync::Arc<V>>
    where
        K: std::borrow::Borrow<Q>,
        Q: std::hash::Hash + Eq + ?Sized,
    {
        self.lock()
            .get(key)
            .filter(|(at, _)| *at == stamp)
            .map(|(_, value)| value.clone())
    }

    pub fn keep(&self, key: K, stamp: u64, value: std::sync::Arc<V>) {
        let mut entries = self.lock();
        if entries.len() >= self.max {
            entries.clear();
        }
        entries.insert(key, (stamp, value));
    }
}
