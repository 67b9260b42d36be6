//! What every server-side operation is given: the database, the clock and the settings.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use leptos::config::LeptosOptions;

use crate::auth::rules::{LoginLimits, SessionLifetimes};

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

/// The product's own settings (the `[sightline]` section of Leptos.toml, overridden by
/// `SIGHTLINE_*` variables; the server reads them).
#[derive(Debug, Clone)]
pub struct Settings {
    pub session: SessionLifetimes,
    pub login_limits: LoginLimits,
    pub invite_lifetime_ms: i64,
    /// Mark cookies `Secure`: on when the public URL is https.
    pub secure_cookies: bool,
    /// The address people reach Sightline at, for links in invitations and REST `links`.
    pub public_url: String,
    /// The largest CSV file one upload may be.
    pub max_upload_bytes: u64,
    /// The most bytes of uploads one user may have waiting to become an app.
    pub max_staged_bytes: u64,
    /// Memory the loaded app models may use together; past it, the least recently used go.
    pub memory_budget_bytes: usize,
    pub anonymous: AnonymousSettings,
}

/// How anonymous visitors are served.
#[derive(Debug, Clone)]
pub struct AnonymousSettings {
    /// How long an anonymous session lasts; a refresh starts a new one.
    pub session_ms: i64,
    /// New sessions one client address may start per minute.
    pub starts_per_minute: u32,
    /// Sessions one client address may hold at once, so that one client cannot take every seat.
    pub sessions_per_address: u32,
    /// Memory the apps opened anonymously may use together (apart from tenant users' apps).
    pub memory_budget_bytes: usize,
}

impl Default for AnonymousSettings {
    fn default() -> Self {
        AnonymousSettings {
            session_ms: crate::anonymous::rules::DEFAULT_SESSION_MS,
            starts_per_minute: 30,
            sessions_per_address: 5,
            memory_budget_bytes: 256 * 1024 * 1024,
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            session: SessionLifetimes {
                idle_ms: 2 * 60 * 60 * 1000,
                absolute_ms: 12 * 60 * 60 * 1000,
            },
            login_limits: LoginLimits::default(),
            invite_lifetime_ms: 7 * 24 * 60 * 60 * 1000,
            secure_cookies: false,
            public_url: "http://127.0.0.1:3000".into(),
            max_upload_bytes: 200 * 1024 * 1024,
            max_staged_bytes: 1024 * 1024 * 1024,
            memory_budget_bytes: 1024 * 1024 * 1024,
            anonymous: AnonymousSettings::default(),
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub db: sqlx::AnyPool,
    pub clock: Arc<dyn Clock>,
    pub settings: Arc<Settings>,
    /// App data: files on disk, models and viewers' selections in memory.
    pub content: Arc<crate::content::runtime::Content>,
    /// Anonymous sessions, their models and counters.
    pub anonymous: Arc<crate::anonymous::runtime::Anonymous>,
    pub leptos_options: LeptosOptions,
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
