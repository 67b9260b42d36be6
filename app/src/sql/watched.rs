//! Entries read from the database and kept while nothing they were read from has changed.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use sqlx::AnyConnection;

use super::Counter;

/// How a process hears that the rows behind a cache changed.
#[derive(Clone)]
pub enum Changes {
    /// PostgreSQL: every process hears each change at commit (`CHANGES_CHANNEL`) and forgets
    /// everything; nothing is kept while it cannot hear.
    Notified,
    /// SQLite: the `changes` row of the cache's name, read on the process's own connection
    /// beside sqlx's pools on each check (`Counter`).
    Counted(Arc<Counter>),
    /// SQLite in memory, which no second connection can open: the same row read through the
    /// caller's connection.
    Queried,
}

/// Entries read from the database and kept while nothing they were read from has changed (see
/// `Changes`). At most `max` entries: past it the cache starts again empty.
pub struct Watched<K, V> {
    name: &'static str,
    changes: Changes,
    max: usize,
    generation: AtomicU64,
    listening: AtomicBool,
    entries: Mutex<HashMap<K, (u64, Arc<V>)>>,
}

impl<K: std::hash::Hash + Eq, V> Watched<K, V> {
    pub fn new(name: &'static str, changes: Changes, max: usize) -> Self {
        Watched {
            name,
            changes,
            max,
            generation: Default::default(),
            listening: Default::default(),
            entries: Default::default(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<K, (u64, Arc<V>)>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A change was announced (PostgreSQL): forget everything.
    pub fn changed(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.lock().clear();
    }

    /// The listener connected or lost its connection: a change may have gone unheard either way.
    pub fn listening(&self, listening: bool) {
        self.listening.store(listening, Ordering::SeqCst);
        self.changed();
    }

    /// What stamps an entry made now, read before what the entry is made of: a change committed
    /// after this moves the stamp on. `None`: nothing may be kept now.
    pub async fn stamp(&self, conn: &mut AnyConnection) -> sqlx::Result<Option<u64>> {
        match &self.changes {
            Changes::Notified => {
                let generation = self.generation.load(Ordering::SeqCst);
                Ok(self.listening.load(Ordering::SeqCst).then_some(generation))
            }
            Changes::Counted(counter) => match counter.version(self.name) {
                Ok(version) => Ok(Some(version as u64)),
                // Nothing kept, nothing refused: the callers read the database instead.
                Err(error) => {
                    tracing::warn!(%error, "not caching");
                    Ok(None)
                }
            },
            Changes::Queried => {
                let version: i64 =
                    sqlx::query_scalar("SELECT version FROM changes WHERE name = $1")
                        .bind(self.name)
                        .fetch_one(conn)
                        .await?;
                Ok(Some(version as u64))
            }
        }
    }

    /// The entry of `key`, if it was kept under `stamp`.
    pub fn get<Q>(&self, key: &Q, stamp: u64) -> Option<Arc<V>>
    where
        K: std::borrow::Borrow<Q>,
        Q: std::hash::Hash + Eq + ?Sized,
    {
        self.lock()
            .get(key)
            .filter(|(at, _)| *at == stamp)
            .map(|(_, value)| value.clone())
    }

    pub fn keep(&self, key: K, stamp: u64, value: Arc<V>) {
        let mut entries = self.lock();
        if entries.len() >= self.max {
            entries.clear();
        }
        entries.insert(key, (stamp, value));
    }
}
