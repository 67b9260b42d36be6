//! What every server-side operation is given: the database, the clock, the settings and the
//! runtimes of content and anonymous access.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use leptos::config::LeptosOptions;

use crate::settings::Settings;

/// Every rule takes `now` as a parameter; services read it here so that tests can move time.
pub trait Clock: Send + Sync {
    /// Unix milliseconds, UTC.
    fn now_ms(&self) -> i64;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        let elapsed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        elapsed.as_millis() as i64
    }
}

/// A clock that tests set and advance by hand.
pub struct ManualClock(AtomicI64);

impl ManualClock {
    pub fn new(start_ms: i64) -> Self {
        ManualClock(AtomicI64::new(start_ms))
    }

    pub fn advance_ms(&self, ms: i64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// This process among those that share the database: its id (leases name it), and whether it
/// takes requests or is draining them before it stops. Connections that outlive a request (the
/// websockets of collaborative sessions) watch it, to close with a code that says "reconnect".
pub struct Lifecycle {
    pub process_id: String,
    draining: tokio::sync::watch::Sender<bool>,
}

impl Default for Lifecycle {
    fn default() -> Self {
        Lifecycle {
            process_id: crate::ids::new_id(),
            draining: tokio::sync::watch::channel(false).0,
        }
    }
}

impl Lifecycle {
    /// From now on the process is stopping: readiness fails, live connections are told.
    pub fn drain(&self) {
        self.draining.send_replace(true);
    }

    pub fn is_draining(&self) -> bool {
        *self.draining.borrow()
    }

    /// Changes once, when draining starts.
    pub fn watch(&self) -> tokio::sync::watch::Receiver<bool> {
        self.draining.subscribe()
    }
}

#[derive(Clone)]
pub struct AppState {
    pub db: sqlx::AnyPool,
    /// For reads that need not queue behind writes (a visit's): SQLite's readers beside its one
    /// writer; on PostgreSQL the same pool as `db`. Never for a read that must see a write of
    /// the same request before it commits.
    pub reader: sqlx::AnyPool,
    pub clock: Arc<dyn Clock>,
    pub settings: Arc<Settings>,
    /// App data: files on disk, models and viewers' selections in memory.
    pub content: Arc<crate::content::runtime::Content>,
    /// Anonymous sessions, their models and counters.
    pub anonymous: Arc<crate::anonymous::runtime::Anonymous>,
    /// Collaborative sessions' versions, to wake this process's connections.
    pub collab: Arc<crate::collab::runtime::Hub>,
    /// Who may open which app, cached until a grant changes (on any process).
    pub grants: Arc<crate::access::Grants>,
    pub lifecycle: Arc<Lifecycle>,
    pub leptos_options: LeptosOptions,
    /// The stylesheet's address, named by its contents when the build did (`stylesheet_href`).
    pub stylesheet: Arc<str>,
}

/// The stylesheet's address: `/pkg/<name>.<hash>.css` as the build's list of names
/// (`hash.txt`, which Leptos reads for the scripts) gives it, else `/pkg/<name>.css`.
pub fn stylesheet_href(options: &LeptosOptions) -> String {
    let pkg = options.site_pkg_dir.trim_matches('/');
    let listed = options
        .hash_files
        .then(|| std::fs::read_to_string(&*options.hash_file).ok())
        .flatten();
    match listed
        .as_deref()
        .and_then(|names| hashed_name(names, "css"))
    {
        Some(hash) => format!("/{pkg}/{}.{hash}.css", options.output_name),
        None => format!("/{pkg}/{}.css", options.output_name),
    }
}

/// A file's hash in the build's list of names: lines of `kind: hash`.
pub fn hashed_name<'a>(names: &'a str, kind: &str) -> Option<&'a str> {
    names.lines().find_map(|line| {
        let (name, hash) = line.split_once(':')?;
        (name.trim() == kind)
            .then(|| hash.trim())
            .filter(|h| !h.is_empty())
    })
}

impl AppState {
    pub fn now(&self) -> i64 {
        self.clock.now_ms()
    }
}

impl axum::extract::FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::hashed_name;

    #[test]
    fn the_build_lists_each_file_hash_by_kind() {
        let names = "js: 00aa\nwasm: 11bb\nsplit: 00aa\nmanifest: 22cc\ncss: 33dd\n";
        assert_eq!(hashed_name(names, "css"), Some("33dd"));
        assert_eq!(hashed_name(names, "wasm"), Some("11bb"));
        assert_eq!(hashed_name(names, "font"), None);
        assert_eq!(hashed_name("css:\n", "css"), None);
    }
}
