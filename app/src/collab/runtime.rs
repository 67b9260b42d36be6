//! What collaborative sessions keep in memory: for each session this process holds connections
//! of, the newest version it has heard of. A change made here, or announced by another process
//! (PostgreSQL NOTIFY, which the server's listener passes to `announce`), wakes every connection
//! of the session; each then reads the state from the database. A watch channel holds one
//! value, so a slow connection finds the latest version when it is ready, never a queue.
//!
//! Woken together, the connections of one session would each read the session and render the
//! same sheet: `Renders` keeps, for the newest version only, what they share (the session's
//! frame, and each sheet as one kind of viewer sees it), made by the first to ask while the
//! others wait for it. Nothing older than the newest version is kept, so nothing is served stale.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::{watch, OnceCell};

use super::rules::SharedState;
use super::store::{ParticipantRow, SessionRow};
use crate::auth::principal::Principal;
use crate::content::model::SheetView;

/// What every participant's view of one version of a session shares.
pub struct Frame {
    pub row: SessionRow,
    pub shared: SharedState,
    pub participants: Vec<ParticipantRow>,
    /// The initiator while their portal session lives.
    pub initiator: Option<Principal>,
}

pub type Shared<T> = Arc<OnceCell<Arc<T>>>;

/// What is shared for one session at its newest version.
struct Renders {
    version: i64,
    frame: Shared<Frame>,
    /// (who the sheet is rendered for, which sheet) -> the sheet.
    sheets: HashMap<String, Shared<SheetView>>,
}

/// The most sheets kept for one version: one per kind of viewer and sheet; past it (many
/// signed-in attendees looking at many sheets) a request renders for itself.
const SHEETS_KEPT: usize = 64;

/// The channel on which processes announce changes to each other: `<session id>:<version>`.
pub const NOTIFY_CHANNEL: &str = "sightline_collab";

#[derive(Default)]
pub struct Hub {
    sessions: Mutex<HashMap<String, watch::Sender<i64>>>,
    renders: Mutex<HashMap<String, Renders>>,
}

impl Hub {
    pub fn new() -> Self {
        Hub::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, watch::Sender<i64>>> {
        self.sessions.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A receiver that changes whenever the session's version grows.
    pub fn subscribe(&self, session_id: &str, version: i64) -> watch::Receiver<i64> {
        let mut sessions = self.lock();
        let sender = sessions
            .entry(session_id.to_string())
            .or_insert_with(|| watch::channel(version).0);
        sender.send_if_modified(|v| {
            let newer = version > *v;
            if newer {
                *v = version;
            }
            newer
        });
        sender.subscribe()
    }

    /// A session reached `version`: wakes its connections here (no-op when there are none).
    pub fn announce(&self, session_id: &str, version: i64) {
        if let Some(sender) = self.lock().get(session_id) {
            sender.send_if_modified(|v| {
                let newer = version > *v;
                if newer {
                    *v = version;
                }
                newer
            });
        }
    }

    /// Forgets sessions no connection here listens to any more.
    pub fn release(&self) {
        let mut sessions = self.lock();
        sessions.retain(|_, sender| sender.receiver_count() > 0);
        self.renders
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|id, _| sessions.contains_key(id));
    }

    /// The place of a session's frame at `version`: filled by the first who asks. An older
    /// version than the newest known gets a place of its own, kept nowhere.
    pub fn frame(&self, session_id: &str, version: i64) -> Shared<Frame> {
        self.with_renders(session_id, version, |r| r.frame.clone())
            .unwrap_or_default()
    }

    /// The place of a sheet at `version`, for one kind of viewer (`key`).
    pub fn sheet(&self, session_id: &str, version: i64, key: &str) -> Shared<SheetView> {
        self.with_renders(session_id, version, |r| {
            if r.sheets.len() >= SHEETS_KEPT && !r.sheets.contains_key(key) {
                return Shared::default();
            }
            r.sheets.entry(key.to_string()).or_default().clone()
        })
        .unwrap_or_default()
    }

    fn with_renders<T>(
        &self,
        session_id: &str,
        version: i64,
        then: impl FnOnce(&mut Renders) -> T,
    ) -> Option<T> {
        let mut renders = self.renders.lock().unwrap_or_else(|e| e.into_inner());
        let entry = renders
            .entry(session_id.to_string())
            .or_insert_with(|| Renders {
                version,
                frame: Shared::default(),
                sheets: HashMap::new(),
            });
        if version > entry.version {
            *entry = Renders {
                version,
                frame: Shared::default(),
                sheets: HashMap::new(),
            };
        }
        (entry.version == version).then(|| then(entry))
    }

    /// Sessions with connections on this process.
    pub fn sessions(&self) -> usize {
        self.lock().len()
    }

    /// A parsed announcement from another process.
    pub fn parse(payload: &str) -> Option<(&str, i64)> {
        let (id, version) = payload.split_once(':')?;
        Some((id, version.parse().ok()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slow_connection_sees_only_the_latest_version() {
        let hub = Hub::new();
        let mut rx = hub.subscribe("s", 1);
        for v in 2..=50 {
            hub.announce("s", v);
        }
        hub.announce("s", 10);
        assert!(rx.has_changed().unwrap());
        assert_eq!(*rx.borrow_and_update(), 50, "one value, the newest");
        assert!(!rx.has_changed().unwrap());
        hub.announce("other", 3);
        assert_eq!(hub.sessions(), 1, "announcing to nobody keeps nothing");
        drop(rx);
        hub.release();
        assert_eq!(hub.sessions(), 0);
        // Renders: one place per version, the newest only.
        let first = hub.sheet("s", 3, "initiator");
        assert!(Arc::ptr_eq(&first, &hub.sheet("s", 3, "initiator")));
        assert!(!Arc::ptr_eq(&first, &hub.sheet("s", 3, "user:u1")));
        let newer = hub.sheet("s", 4, "initiator");
        assert!(!Arc::ptr_eq(&first, &newer), "a new version renders anew");
        assert!(!Arc::ptr_eq(&hub.sheet("s", 3, "initiator"), &newer));
        assert!(
            !Arc::ptr_eq(
                &hub.sheet("s", 3, "initiator"),
                &hub.sheet("s", 3, "initiator")
            ),
            "an old version is kept nowhere"
        );
        hub.release();
        assert!(
            hub.renders.lock().unwrap().is_empty(),
            "no connection, nothing kept"
        );
        assert_eq!(Hub::parse("abc:12"), Some(("abc", 12)));
        assert_eq!(Hub::parse("abc"), None);
    }
}
