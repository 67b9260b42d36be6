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

use super::rules::{self, MessageBudget, SharedState};
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

/// What one session's connections on this process listen to: its version (a change: views are
/// rendered again) and a presence beat (someone connected or left: only the list of who is
/// there is sent, nothing is rendered).
struct Channels {
    versions: watch::Sender<i64>,
    presence: watch::Sender<u64>,
}

/// A session's connection listens to both.
pub struct Subscription {
    pub versions: watch::Receiver<i64>,
    pub presence: watch::Receiver<u64>,
}

/// One participant's connections on this process and the message budget they share.
struct Sockets {
    open: usize,
    budget: MessageBudget,
}

/// An open connection counted against its participant: dropping it gives the place back.
pub struct SocketPlace {
    hub: Arc<Hub>,
    participant: String,
}

impl Drop for SocketPlace {
    fn drop(&mut self) {
        let mut sockets = self.hub.sockets.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(entry) = sockets.get_mut(&self.participant) {
            entry.open = entry.open.saturating_sub(1);
        }
    }
}

/// Why a connection was not let in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SocketRefusal {
    /// The participant holds `SOCKETS_PER_PARTICIPANT` connections here already.
    TooMany,
    /// They connect faster than their message budget allows.
    TooFrequent,
}

#[derive(Default)]
pub struct Hub {
    sessions: Mutex<HashMap<String, Channels>>,
    renders: Mutex<HashMap<String, Renders>>,
    /// Participant id -> their connections here and their shared budget.
    sockets: Mutex<HashMap<String, Sockets>>,
    /// Session id -> the budget of changes it may write.
    changes: Mutex<HashMap<String, MessageBudget>>,
}

/// What another process announced on `NOTIFY_CHANNEL`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Announcement {
    Version(i64),
    Presence,
}

impl Hub {
    pub fn new() -> Self {
        Hub::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Channels>> {
        self.sessions.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Receivers that change whenever the session's version grows, and at each presence beat.
    pub fn subscribe(&self, session_id: &str, version: i64) -> Subscription {
        let mut sessions = self.lock();
        let channels = sessions
            .entry(session_id.to_string())
            .or_insert_with(|| Channels {
                versions: watch::channel(version).0,
                presence: watch::channel(0).0,
            });
        raise(&channels.versions, version);
        Subscription {
            versions: channels.versions.subscribe(),
            presence: channels.presence.subscribe(),
        }
    }

    /// A session reached `version`: wakes its connections here (no-op when there are none).
    pub fn announce(&self, session_id: &str, version: i64) {
        if let Some(channels) = self.lock().get(session_id) {
            raise(&channels.versions, version);
        }
    }

    /// Someone connected to or left the session: its connections here send who is there.
    pub fn beat(&self, session_id: &str) {
        if let Some(channels) = self.lock().get(session_id) {
            channels.presence.send_modify(|beat| *beat += 1);
        }
    }

    /// Counts a new connection of `participant` in, or refuses it: at most
    /// `SOCKETS_PER_PARTICIPANT` at once, and each connect costs a message of their budget.
    pub fn open_socket(
        self: &Arc<Self>,
        participant: &str,
        now: i64,
    ) -> Result<SocketPlace, SocketRefusal> {
        let mut sockets = self.sockets.lock().unwrap_or_else(|e| e.into_inner());
        let entry = sockets.entry(participant.to_string()).or_insert(Sockets {
            open: 0,
            budget: MessageBudget::new(now),
        });
        if entry.open >= rules::SOCKETS_PER_PARTICIPANT {
            return Err(SocketRefusal::TooMany);
        }
        if !entry.budget.take(now) {
            return Err(SocketRefusal::TooFrequent);
        }
        entry.open += 1;
        Ok(SocketPlace {
            hub: self.clone(),
            participant: participant.to_string(),
        })
    }

    /// One message from the budget that all of `participant`'s connections share.
    pub fn take_message(&self, participant: &str, now: i64) -> bool {
        let mut sockets = self.sockets.lock().unwrap_or_else(|e| e.into_inner());
        sockets
            .entry(participant.to_string())
            .or_insert(Sockets {
                open: 0,
                budget: MessageBudget::new(now),
            })
            .budget
            .take(now)
    }

    /// One change from the session's budget, whoever makes it.
    pub fn take_change(&self, session_id: &str, now: i64) -> bool {
        let mut changes = self.changes.lock().unwrap_or_else(|e| e.into_inner());
        changes
            .entry(session_id.to_string())
            .or_insert_with(|| MessageBudget::for_changes(now))
            .take(now)
    }

    /// Forgets sessions no connection here listens to any more, and the budgets of
    /// participants with no connection whose budget has filled again.
    pub fn release(&self, now: i64) {
        let mut sessions = self.lock();
        sessions.retain(|_, c| c.versions.receiver_count() > 0);
        self.renders
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|id, _| sessions.contains_key(id));
        self.changes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|id, budget| sessions.contains_key(id) || !budget.is_full(now));
        self.sockets
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|_, s| s.open > 0 || !s.budget.is_full(now));
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

    /// A parsed announcement from another process: `<id>:<version>` or `<id>:presence`.
    pub fn parse(payload: &str) -> Option<(&str, Announcement)> {
        let (id, what) = payload.split_once(':')?;
        if what == PRESENCE {
            return Some((id, Announcement::Presence));
        }
        Some((id, Announcement::Version(what.parse().ok()?)))
    }
}

/// The payload's word for a presence beat.
pub const PRESENCE: &str = "presence";

fn raise(sender: &watch::Sender<i64>, version: i64) {
    sender.send_if_modified(|v| {
        let newer = version > *v;
        if newer {
            *v = version;
        }
        newer
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slow_connection_sees_only_the_latest_version() {
        let hub = Hub::new();
        let mut rx = hub.subscribe("s", 1).versions;
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
        hub.release(0);
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
        hub.release(0);
        assert!(
            hub.renders.lock().unwrap().is_empty(),
            "no connection, nothing kept"
        );
        assert_eq!(
            Hub::parse("abc:12"),
            Some(("abc", Announcement::Version(12)))
        );
        assert_eq!(
            Hub::parse("abc:presence"),
            Some(("abc", Announcement::Presence))
        );
        assert_eq!(Hub::parse("abc"), None);
    }

    #[test]
    fn a_participant_holds_two_connections_and_one_budget() {
        let hub = Arc::new(Hub::new());
        let now = 1_800_000_000_000;
        let first = hub.open_socket("p", now).unwrap();
        let second = hub.open_socket("p", now).unwrap();
        assert_eq!(
            hub.open_socket("p", now).err(),
            Some(SocketRefusal::TooMany)
        );
        assert!(
            hub.open_socket("q", now).is_ok(),
            "another participant is not counted"
        );
        drop(second);
        // Two connects took two of twenty; their messages share what is left.
        let sent = (0..100).take_while(|_| hub.take_message("p", now)).count();
        assert_eq!(sent, rules::MESSAGE_BURST as usize - 2);
        drop(first);
        assert_eq!(
            hub.open_socket("p", now).err(),
            Some(SocketRefusal::TooFrequent),
            "reconnecting does not refill the budget"
        );
        let changes = (0..100).take_while(|_| hub.take_change("s", now)).count();
        assert_eq!(changes, rules::SESSION_CHANGE_BURST as usize);
        assert!(
            hub.take_change("s", now + 200),
            "five a second after the burst"
        );
    }
}
