//! Reload tasks: an app's reload on a schedule (RFC 5545 recurrence rules in a time zone, from a
//! start to an end), in Qlik Cloud's `/api/v1/reload-tasks` shapes.

pub mod api;
pub mod model;
pub mod rules;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;
pub mod ui;

/// Reload schedules one app may have.
pub const MAX_TASKS_PER_APP: i64 = 5;
/// How often each process looks for schedules whose run has come.
pub const TICK_MS: u64 = 5_000;
