//! Reloads: an app's data loaded again in place, from its kept files or from new ones (a file
//! that replaces a table's, a month appended to a table, a new table), under the app's load plan.
//! The app keeps its id, sheets, shares, links and section access; viewers keep the selections
//! whose values still exist. Every reload is a record (queued, reloading, succeeded, failed,
//! cancelled), in Qlik Cloud's `/api/v1/reloads` shapes.

pub mod api;
pub mod model;
pub mod rules;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;
pub mod ui;

/// Reloads one process runs at once; more wait their turn, queued.
pub const MAX_RUNNING: usize = 2;
/// Reloads one tenant may have queued or running at once: each holds a large load to come.
pub const MAX_ACTIVE_PER_TENANT: i64 = 20;
/// The longest a reload may take before it is stopped and marked failed.
pub const MAX_DURATION_MS: i64 = 30 * 60 * 1000;
/// How long a process's claim on a running reload lasts unless renewed; a reload whose claim ran
/// out (its process was killed) is marked failed, and the old data keeps serving.
pub const LEASE_MS: i64 = 30_000;
/// The longest log kept with a reload.
pub const MAX_LOG_CHARS: usize = 20_000;
