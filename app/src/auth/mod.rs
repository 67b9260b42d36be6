//! Sign-in, sessions, invitations and personal API keys.
//!
//! A browser signs in with email and password and holds an HttpOnly session cookie; a REST
//! client sends a personal API key as `Authorization: Bearer`. Both become the same
//! [`Principal`](principal::Principal), which every operation is given.

pub mod api;
pub mod model;
#[cfg(feature = "ssr")]
pub mod principal;
pub mod rules;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;
pub mod ui;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "sightline_session";
