//! Data connections: where an app's data is read from besides uploaded files. A connection
//! belongs to a space, as Qlik's do, and the space's roles say who may make, use and see it. It
//! reaches a PostgreSQL or MySQL/MariaDB database, a SQLite file, or a server folder of CSV,
//! TSV and Excel files that the operator allows. A database's password is sealed at rest with
//! the settings' key and never leaves the server again. Its tables and queries become sources
//! of the one load plan; reloads read them again.

pub mod api;
pub mod model;
pub mod rules;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;

/// Connections one space may hold.
pub const MAX_PER_SPACE: usize = 50;
/// How long connecting may take before it is given up, in seconds.
pub const CONNECT_SECONDS: u64 = 5;
/// Rows a preview shows.
pub const PREVIEW_ROWS: usize = 20;
/// The longest query text.
pub const MAX_QUERY_CHARS: usize = 20_000;
/// Tables listed for picking, at most.
pub const MAX_TABLES_LISTED: usize = 2_000;
/// Bytes of text a batch of rows holds before it is handed to the load.
pub const BATCH_BYTES: usize = 1 << 20;
/// Rows a batch holds at most.
pub const BATCH_ROWS: usize = 8_192;
/// Databases one process reads from at once (tests, table lists, previews, loads): more wait
/// their turn, so that requests cannot open connections without bound.
pub const MAX_READS: usize = 8;
