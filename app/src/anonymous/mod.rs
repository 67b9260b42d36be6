//! Anonymous access: links with access codes, 15-minute anonymous sessions, capacity, embed
//! pages, allowed origins. See the seed "Sharing app content with anonymous access".

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
