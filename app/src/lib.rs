#![recursion_limit = "512"]
//! Sightline's isomorphic app: the pages and server functions of every feature, and (with the
//! `ssr` feature) the services, rules and storage behind them. See docs/ARCHITECTURE.md.

#[cfg(feature = "ssr")]
pub mod access;
pub mod anonymous;
pub mod apps;
pub mod audit;
pub mod auth;
pub mod collab;
pub mod components;
pub mod connections;
pub mod content;
pub mod directory;
pub mod error;
pub mod idps;
pub mod licences;
pub mod modelling;
pub mod notices;
pub mod paging;
pub mod reload_tasks;
pub mod reloads;
pub mod scim;
pub mod sharing;
pub mod shell;
pub mod spaces;
pub mod timefmt;
pub mod url;

#[cfg(feature = "ssr")]
pub mod ids;
#[cfg(feature = "ssr")]
pub mod server_support;
#[cfg(feature = "ssr")]
pub mod settings;
#[cfg(feature = "ssr")]
pub mod sql;
#[cfg(feature = "ssr")]
pub mod state;

pub use shell::{shell, visitor_shell, App, VisitorApp};

#[cfg(test)]
mod layering;
