//! Notices: what a person is told in the portal (a reload that failed, a schedule that turned
//! itself off), and by email when the server has an SMTP server (`smtp_server`).

pub mod api;
pub mod model;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;
pub mod ui;

/// Notices kept per person; older ones go.
pub const MAX_KEPT: i64 = 200;
/// Notices one page shows.
pub const PAGE: i64 = 50;
