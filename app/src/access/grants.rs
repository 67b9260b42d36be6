//! The grants behind `open_app`, kept in memory: an app open by someone who opened it a moment
//! ago asks the database nothing about who may. Nothing stale is served: the database itself
//! counts every change to spaces, space assignments, group memberships and app shares (triggers,
//! migration 0009), whichever code path makes it, and `sql::Watched` tells the cache: SQLite's
//! one process reads the count on each check; on PostgreSQL every process hears each change at
//! commit and forgets what it held, and caches nothing while it cannot hear.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use sqlx::AnyConnection;

use crate::sharing::store::{self as share_store, GrantRow};
use crate::sql::Watched;

/// Entries kept at most (about 200 bytes each): past it the cache starts again empty.
const MAX_ENTRIES: usize = 100_000;

type Key = (String, String, String);

pub struct Grants {
    pub watched: Watched,
    entries: Mutex<HashMap<Key, (u64, Arc<Vec<GrantRow>>)>>,
}

impl Grants {
    pub fn new(sqlite: bool) -> Self {
        Grants {
            watched: Watched::new("grants", sqlite),
            entries: Mutex::default(),
        }
    }

    /// A grant changed somewhere (a notification): forget everything.
    pub fn changed(&self) {
        self.watched.changed();
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, (u64, Arc<Vec<GrantRow>>)>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `share_store::app_grants`, from memory when nothing has changed since.
    pub async fn app_grants(
        &self,
        conn: &mut AnyConnection,
        user_id: &str,
        space_id: &str,
        app_id: &str,
    ) -> sqlx::Result<Arc<Vec<GrantRow>>> {
        let Some(stamp) = self.watched.stamp(conn).await? else {
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
