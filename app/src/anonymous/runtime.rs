//! The anonymous side of the server that lives in memory: the signing key, the seats of live
//! sessions, the new-session rate per address, counters not yet written, and the first views and
//! models that visitors share. `state.rs` holds one; the anonymous service reads and changes it.

use std::collections::HashMap;
use std::sync::Mutex;

use super::rules::RateWindow;
use crate::content::engines::Engines;
use crate::content::model::SheetView;

#[derive(Debug, Clone, Copy, Default)]
pub(super) struct HourCounts {
    pub(super) peak: i64,
    pub(super) started: i64,
    pub(super) refused: i64,
}

/// A live session's seat: until when, which client address holds it, through which link.
#[derive(Debug, Clone)]
pub(super) struct Seat {
    pub(super) expires_at: i64,
    pub(super) address: String,
    pub(super) link_id: String,
}

#[derive(Default)]
pub(super) struct Live {
    /// tenant -> session id -> seat: the sessions this process issued that have not expired.
    pub(super) sessions: HashMap<String, HashMap<String, Seat>>,
    /// client address -> new sessions this minute.
    pub(super) starts: HashMap<String, RateWindow>,
    /// (link, day) -> views not yet written.
    pub(super) views: HashMap<(String, i64), i64>,
    /// (tenant, hour) -> use not yet written.
    pub(super) usage: HashMap<(String, i64), HourCounts>,
    /// app -> (when read, frame-ancestors directive).
    pub(super) frame_ancestors: HashMap<String, (i64, String)>,
}

/// The channel on which processes tell each other that an app's `frame-ancestors` changed:
/// the app's id, or `*` for every app of a tenant whose allowed origins changed.
pub const CACHE_CHANNEL: &str = "sightline_frame_ancestors";

/// How many first views are kept (see `Anonymous::first_views`).
const FIRST_VIEWS_KEPT: usize = 256;

/// The anonymous side of the server, shared by every request.
pub struct Anonymous {
    pub(super) key: Vec<u8>,
    /// The first view of a link (no selections yet) is the same for every visitor of one app
    /// version through one reduction: computed once, not per visit. Public sheets of an app in a
    /// managed space change only by republishing, which changes the versions in the key.
    pub(super) first_views: Mutex<HashMap<String, SheetView>>,
    /// Models opened anonymously, under their own memory budget: a crowd of visitors cannot
    /// push the tenant's own users' apps out of memory.
    pub engines: Engines,
    pub(super) live: Mutex<Live>,
}

impl Anonymous {
    pub fn new(key: &str, budget_bytes: usize) -> Self {
        Anonymous {
            key: key.as_bytes().to_vec(),
            first_views: Mutex::new(HashMap::new()),
            engines: Engines::new(budget_bytes),
            live: Mutex::new(Live::default()),
        }
    }

    pub(super) fn first_view(&self, key: &str) -> Option<SheetView> {
        self.first_views
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(key)
            .cloned()
    }

    pub(super) fn keep_first_view(&self, key: String, view: &SheetView) {
        let mut views = self.first_views.lock().unwrap_or_else(|p| p.into_inner());
        if views.len() >= FIRST_VIEWS_KEPT {
            // Old app versions' views are never asked for again; starting over is simplest.
            views.clear();
        }
        views.insert(key, view.clone());
    }

    pub(super) fn lock(&self) -> std::sync::MutexGuard<'_, Live> {
        self.live
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Gives back the seats of a link's sessions: its code was reset, or it was paused or
    /// deleted, so none of them can take another step.
    pub(super) fn release_link(&self, link_id: &str) {
        let mut live = self.lock();
        for sessions in live.sessions.values_mut() {
            sessions.retain(|_, seat| seat.link_id != link_id);
        }
    }

    /// Live sessions of every tenant that this process admitted, at `now`.
    pub fn total(&self, now: i64) -> usize {
        let live = self.lock();
        live.sessions
            .values()
            .map(|s| s.values().filter(|seat| seat.expires_at > now).count())
            .sum()
    }

    /// Live sessions of the tenant at `now` (dropping the expired).
    pub fn current(&self, tenant_id: &str, now: i64) -> usize {
        let mut live = self.lock();
        live.sessions
            .get_mut(tenant_id)
            .map(|s| {
                s.retain(|_, seat| seat.expires_at > now);
                s.len()
            })
            .unwrap_or(0)
    }
}
