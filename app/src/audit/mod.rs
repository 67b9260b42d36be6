//! The audit log: every directory and security change, with who did it, when, and to what.
//! Events are written by the service that makes the change, in the same transaction.

pub mod api;
pub mod model;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;
pub mod ui;
