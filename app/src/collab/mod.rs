//! Collaborative sessions: several people explore one live app together, as QlikView 11 did
//! (seed "Collaborative Sessions"): one sheet and one set of selections shared by everyone,
//! an invitation link that lasts 15 minutes, presence, removal, and the initiator's control of
//! when it ends. Two safer modes than QlikView's: signed-in attendees (each through their own
//! section access) and a lobby (the initiator admits each joiner).

pub mod api;
pub mod model;
pub mod rules;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod runtime;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;
