//! Every setting of the `[sightline]` section of `Leptos.toml`, with its default, in one place.
//! The server reads them (`SIGHTLINE_<KEY>` overrides the file), `Settings::default()` is built
//! from the same defaults for the tests, and a test checks that `Leptos.toml` and the README's
//! table list each one with this default.

use crate::auth::rules::{LoginLimits, SessionLifetimes};

/// One setting: its key in `[sightline]` (`SIGHTLINE_<KEY IN CAPITALS>` in the environment), its
/// default, and what it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Setting {
    pub key: &'static str,
    pub default: Value,
    pub about: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value {
    Number(i64),
    Text(&'static str),
}

impl Setting {
    /// The name of the environment variable that overrides it.
    pub fn variable(&self) -> String {
        format!("SIGHTLINE_{}", self.key.to_uppercase())
    }

    pub const fn number(&self) -> i64 {
        match self.default {
            Value::Number(n) => n,
            Value::Text(_) => panic!("a text setting has no number"),
        }
    }

    pub const fn text(&self) -> &'static str {
        match self.default {
            Value::Text(text) => text,
            Value::Number(_) => panic!("a number setting has no text"),
        }
    }
}

const fn number(key: &'static str, default: i64, about: &'static str) -> Setting {
    Setting {
        key,
        default: Value::Number(default),
        about,
    }
}

const fn text(key: &'static str, default: &'static str, about: &'static str) -> Setting {
    Setting {
        key,
        default: Value::Text(default),
        about,
    }
}

pub const DATA_DIR: Setting = text("data_dir", "data", "where the database and app data live");
pub const DATABASE_URL: Setting = text(
    "database_url",
    "",
    "empty: SQLite at `<data dir>/sightline.db`; `postgres://…` selects PostgreSQL",
);
pub const LISTEN: Setting = text(
    "listen",
    "",
    "listen address; empty: Leptos' `site-addr` (`127.0.0.1:3000`)",
);
pub const PUBLIC_URL: Setting = text(
    "public_url",
    "",
    "the address people use (links; https makes cookies Secure); empty: `http://<listen>`",
);
pub const SESSION_IDLE_MINUTES: Setting = number(
    "session_idle_minutes",
    120,
    "a session ends after this many idle minutes",
);
pub const SESSION_ABSOLUTE_HOURS: Setting = number(
    "session_absolute_hours",
    12,
    "and in any case after this many hours",
);
pub const INVITE_DAYS: Setting = number("invite_days", 7, "invitation links stay valid");
pub const LOGIN_FAILURES_PER_ACCOUNT: Setting = number(
    "login_failures_per_account",
    5,
    "failed sign-ins tolerated per account within the window",
);
pub const LOGIN_FAILURES_PER_ADDRESS: Setting = number(
    "login_failures_per_address",
    20,
    "failed sign-ins tolerated per client address (IPv6: per /64) within the window",
);
pub const LOGIN_WINDOW_MINUTES: Setting = number(
    "login_window_minutes",
    15,
    "the window of the sign-in limits",
);
pub const TRUSTED_PROXIES: Setting = number(
    "trusted_proxies",
    0,
    "reverse proxies in front that append to `X-Forwarded-For`; the client is that many entries from the right (`SIGHTLINE_TRUST_PROXY=true` means 1)",
);
pub const LOG_FORMAT: Setting = text(
    "log_format",
    "pretty",
    "`pretty` or `json`; `SIGHTLINE_LOG` sets the filter",
);
pub const SHUTDOWN_DRAIN_SECONDS: Setting = number(
    "shutdown_drain_seconds",
    10,
    "on SIGTERM, `/readyz` answers 503 this long while requests go on being served (a balancer's time to notice); then the requests under way finish and the process exits",
);
pub const MAX_UPLOAD_MB: Setting = number(
    "max_upload_mb",
    200,
    "the largest CSV file one upload may be",
);
pub const MAX_STAGED_MB: Setting = number(
    "max_staged_mb",
    1024,
    "uploads one user may have waiting to become an app",
);
pub const MEMORY_BUDGET_MB: Setting = number(
    "memory_budget_mb",
    1024,
    "memory the loaded apps share; past it the least recently used go",
);
pub const ANONYMOUS_SESSION_SECONDS: Setting = number(
    "anonymous_session_seconds",
    crate::anonymous::rules::DEFAULT_SESSION_MS / 1000,
    "how long an anonymous session lasts",
);
pub const ANONYMOUS_SESSIONS_PER_ADDRESS_PER_MINUTE: Setting = number(
    "anonymous_sessions_per_address_per_minute",
    30,
    "new anonymous sessions one client address may start",
);
pub const ANONYMOUS_SESSIONS_PER_ADDRESS: Setting = number(
    "anonymous_sessions_per_address",
    5,
    "anonymous sessions one client address may hold at once",
);
pub const ANONYMOUS_MEMORY_BUDGET_MB: Setting = number(
    "anonymous_memory_budget_mb",
    256,
    "memory apps opened anonymously share, apart from tenant users'",
);

pub const METRICS_TOKEN: Setting = text(
    "metrics_token",
    "",
    "`/metrics` answers a request with `Authorization: Bearer <this>`; empty: `/metrics` is off",
);
pub const SMTP_SERVER: Setting = text(
    "smtp_server",
    "",
    "`host:port` of an SMTP server (plain SMTP, as a local relay speaks it) for notices by email; empty: notices in the portal only",
);
pub const MAIL_FROM: Setting = text(
    "mail_from",
    "sightline@localhost",
    "the sender of notices by email",
);

pub const CONNECTION_KEY: Setting = text(
    "connection_key",
    "",
    "32 random bytes in base64 (`openssl rand -base64 32`) that seal data connections' passwords; empty: a key made at first start in `<data dir>/connection.key`",
);
pub const CONNECTION_KEYS_PREVIOUS: Setting = text(
    "connection_keys_previous",
    "",
    "keys that sealed passwords before the current one, separated by commas: at start every password is sealed again under `connection_key`",
);
pub const DATA_FOLDERS: Setting = text(
    "data_folders",
    "",
    "server folders data connections may read, `name=/absolute/path` separated by commas; empty: none",
);
pub const SOURCE_QUERY_SECONDS: Setting = number(
    "source_query_seconds",
    600,
    "the longest a data connection's query may run in a load",
);
pub const SOURCE_MAX_ROWS: Setting = number(
    "source_max_rows",
    50_000_000,
    "the most rows one query or file of a data connection may give",
);

/// Every setting, in the order `Leptos.toml` and the README list them.
pub const ALL: [Setting; 28] = [
    DATA_DIR,
    DATABASE_URL,
    LISTEN,
    PUBLIC_URL,
    SESSION_IDLE_MINUTES,
    SESSION_ABSOLUTE_HOURS,
    INVITE_DAYS,
    LOGIN_FAILURES_PER_ACCOUNT,
    LOGIN_FAILURES_PER_ADDRESS,
    LOGIN_WINDOW_MINUTES,
    TRUSTED_PROXIES,
    LOG_FORMAT,
    SHUTDOWN_DRAIN_SECONDS,
    MAX_UPLOAD_MB,
    MAX_STAGED_MB,
    MEMORY_BUDGET_MB,
    ANONYMOUS_SESSION_SECONDS,
    ANONYMOUS_SESSIONS_PER_ADDRESS_PER_MINUTE,
    ANONYMOUS_SESSIONS_PER_ADDRESS,
    ANONYMOUS_MEMORY_BUDGET_MB,
    METRICS_TOKEN,
    SMTP_SERVER,
    MAIL_FROM,
    CONNECTION_KEY,
    CONNECTION_KEYS_PREVIOUS,
    DATA_FOLDERS,
    SOURCE_QUERY_SECONDS,
    SOURCE_MAX_ROWS,
];

pub const MINUTE_MS: i64 = 60 * 1000;
pub const MB: u64 = 1024 * 1024;

/// The product's own settings, as services use them (the server reads them from `Leptos.toml`
/// and the environment).
#[derive(Debug, Clone, PartialEq, Eq)]
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
    pub mail: MailSettings,
    pub sources: SourceSettings,
}

/// How data connections are read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceSettings {
    /// The key that seals passwords (base64); the server fills it in when the setting is empty.
    pub key: String,
    /// Keys that sealed passwords before, separated by commas.
    pub previous_keys: String,
    /// The operator's folders: `(name, absolute path)`.
    pub folders: Vec<(String, String)>,
    pub query_ms: u64,
    pub max_rows: u64,
}

impl Default for SourceSettings {
    fn default() -> Self {
        SourceSettings {
            key: String::new(),
            previous_keys: String::new(),
            folders: Vec::new(),
            query_ms: SOURCE_QUERY_SECONDS.number() as u64 * 1000,
            max_rows: SOURCE_MAX_ROWS.number() as u64,
        }
    }
}

/// Where notices by email go out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailSettings {
    /// `host:port`; empty: no email, notices in the portal only.
    pub smtp_server: String,
    pub from: String,
}

impl Default for MailSettings {
    fn default() -> Self {
        MailSettings {
            smtp_server: SMTP_SERVER.text().into(),
            from: MAIL_FROM.text().into(),
        }
    }
}

/// How anonymous visitors are served.
#[derive(Debug, Clone, PartialEq, Eq)]
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
            session_ms: ANONYMOUS_SESSION_SECONDS.number() * 1000,
            starts_per_minute: ANONYMOUS_SESSIONS_PER_ADDRESS_PER_MINUTE.number() as u32,
            sessions_per_address: ANONYMOUS_SESSIONS_PER_ADDRESS.number() as u32,
            memory_budget_bytes: (ANONYMOUS_MEMORY_BUDGET_MB.number() as u64 * MB) as usize,
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            session: SessionLifetimes {
                idle_ms: SESSION_IDLE_MINUTES.number() * MINUTE_MS,
                absolute_ms: SESSION_ABSOLUTE_HOURS.number() * 60 * MINUTE_MS,
            },
            login_limits: LoginLimits {
                per_account: LOGIN_FAILURES_PER_ACCOUNT.number() as usize,
                per_address: LOGIN_FAILURES_PER_ADDRESS.number() as usize,
                window_ms: LOGIN_WINDOW_MINUTES.number() * MINUTE_MS,
            },
            invite_lifetime_ms: INVITE_DAYS.number() * 24 * 60 * MINUTE_MS,
            secure_cookies: false,
            public_url: "http://127.0.0.1:3000".into(),
            max_upload_bytes: MAX_UPLOAD_MB.number() as u64 * MB,
            max_staged_bytes: MAX_STAGED_MB.number() as u64 * MB,
            memory_budget_bytes: (MEMORY_BUDGET_MB.number() as u64 * MB) as usize,
            anonymous: AnonymousSettings::default(),
            mail: MailSettings::default(),
            sources: SourceSettings::default(),
        }
    }
}
