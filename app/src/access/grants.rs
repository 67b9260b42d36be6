//! The grants behind `open_app`, kept in memory: an app open by someone who opened it a moment
//! ago asks the database nothing about who may. Nothing stale is served: the database itself
//! counts every change to spaces, space assignments, group memberships and app shares (triggers,
//! migration 0009), whichever code path makes it, and `sql::Watched` keeps the grants only while
//! nothing has changed.

use std::sync::Arc;

use sqlx::AnyConnection;

use crate::sharing::store::{self as share_store, GrantRow};
use crate::sql::{Changes, Watched};

/// Entries kept at most (about 200 bytes each).
const MAX_ENTRIES: usize = 100_000;

/// Grants by (user, space, app).
pub type Grants = Watched<(String, String, String), Vec<GrantRow>>;

pub fn new(changes: Changes) -> Grants {
    Watched::new("grants", changes, MAX_ENTRIES)
}

impl Grants {
    /// `share_store::app_grants`, from memory when nothing has changed since.
    pub async fn app_grants(
        &self,
        conn: &mut AnyConnection,
        user_id: &str,
        space_id: &str,
        app_id: &str,
    ) -> sqlx::Result<Arc<Vec<GrantRow>>> {
        let stamp = self.stamp(conn).await?;
        let key = (
            user_id.to_string(),
            space_id.to_string(),
            app_id.to_string(),
        );
        if let Some(rows) = stamp.and_then(|stamp| self.get(&key, stamp)) {
            return Ok(rows);
        }
        let rows = Arc::new(share_store::app_grants(conn, user_id, space_id, app_id).await?);
        if let Some(stamp) = stamp {
            self.keep(key, stamp, rows.clone());
        }
        Ok(rows)
    }
}
