//! Fine-grained sharing: app shares with users, groups and everyone in the tenant; effective
//! access (`rules::effective_access`, the one function that decides what a person may do with an
//! app, and `rules::space_access` for spaces); the members list and the share dialog.

pub mod api;
pub mod model;
pub mod rules;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;
pub mod ui;
