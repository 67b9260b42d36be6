//! Spaces: personal (one per user, made with the account), shared and managed; their space
//! roles, and the assignments that make users and groups members. Who may do what in a space is
//! decided in `sharing::rules`.

pub mod api;
pub mod model;
pub mod rules;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;
pub mod ui;
