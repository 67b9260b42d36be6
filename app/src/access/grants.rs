//! The grants behind `open_app`, kept in memory: an app open by someone who opened it a moment
//! ago asks the database nothing about who may. Nothing stale is served: the database itself
//! counts every change to spaces, space assignments, group memberships and app shares (triggers,
//! migration 0009), whichever code path makes it.
//!
//! - SQLite (one process): each check reads the change counter (one row by primary key) and
//!   uses the cached grants only if it has not moved.
//! - PostgreSQL (any number of processes): the triggers notify every process at commit (LISTEN
//!   `sightline_grants`, `server::spawn_listener`); a notification forgets every cached grant.
//!   While the listener is not connected nothing is cached, since a change could go unheard.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use sqlx::AnyConnection;

use crate::sharing::store::{self as share_store, GrantRow};

/// The channel the triggers notify on PostgreSQL.
pub const CHANNEL: &str = "sightline_grants";

/// Entries kept at most (about 200 bytes each): past it the cache starts again empty.
const MAX_ENTRIES: usize = 100_000;

type Key = (String, String, String);

pub struct Grants {
    sqlite: bool,
    /// PostgreSQL: moved by every notification, and when the listener connects or drops.
    generation: AtomicU64,
    listening: AtomicBool,
    entries: Mutex<HashMap<Key, (u64, Arc<Vec<GrantRow>>)>>,
}

impl Grants {
    pub fn new(sqlite: bool) -> Self {
        Grants {
            sqlite,
            generation: AtomicU64::new(0),
            listening: AtomicBool::new(false),
            entries: Mutex::default(),
        }
    }

    /// A grant changed somewhere (a notification): forget everything.
    pub fn changed(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.lock().clear();
    }

    /// The listener connected (`true`) or lost its connection (`false`): what was cached before
    /// may have missed a change either way.
    pub fn listening(&self, listening: bool) {
        self.listening.store(listening, Ordering::SeqCst);
        self.changed();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, (u64, Arc<Vec<GrantRow>>)>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// What stamps an entry now; `None` when nothing may be cached.
    async fn stamp(&self, conn: &mut AnyConnection) -> sqlx::Result<Option<u64>> {
        if self.sqlite {
            return Ok(Some(share_store::grant_changes(conn).await? as u64));
        }
        // Read before the grants: a change committed after this moves the generation past the
        // entry's stamp, even if its notification arrives after the entry is stored.
        let generation = self.generation.load(Ordering::SeqCst);
        Ok(self.listening.load(Ordering::SeqCst).then_some(generation))
    }

    /// `share_store::app_grants`, from memory when nothing has changed since.
    pub async fn app_grants(
        &self,
        conn: &mut AnyConnection,
        user_id: &str,
        space_id: &str,
        app_id: &str,
    ) -> sqlx::Result<Arc<Vec<GrantRow>>> {
        let Some(stamp) = self.stamp(conn).await? else {
            return Ok(Arc::new(
                share_store::app_grants(conn, user_id, space_id, app_id).await?,
            ));
        };
        let key = (
            user_id.to_string(),
            space_id.to_string(),
            app_id.to_string(),
        );
        if let Some((at, rows)) = self.lock().get(&key) {
            if *at == stamp {
                return Ok(rows.clone());
            }
        }
        let rows = Arc::new(share_store::app_grants(conn, user_id, space_id, app_id).await?);
        let mut entries = self.lock();
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(key, (stamp, rows.clone()));
        Ok(rows)
    }
}
