//! What collaborative sessions keep in memory: for each session this process holds connections
//! of, the newest version it has heard of. A change made here, or announced by another process
//! (PostgreSQL NOTIFY, which the server's listener passes to `announce`), wakes every connection
//! of the session; each then reads the state from the database. A watch channel holds one
//! value, so a slow connection finds the latest version when it is ready, never a queue.

use std::collections::HashMap;
use std::sync::Mutex;

use tokio::sync::watch;

/// The channel on which processes announce changes to each other: `<session id>:<version>`.
pub const NOTIFY_CHANNEL: &str = "sightline_collab";

#[derive(Default)]
pub struct Hub {
    sessions: Mutex<HashMap<String, watch::Sender<i64>>>,
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
        self.lock().retain(|_, sender| sender.receiver_count() > 0);
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
        assert_eq!(Hub::parse("abc:12"), Some(("abc", 12)));
        assert_eq!(Hub::parse("abc"), None);
    }
}
