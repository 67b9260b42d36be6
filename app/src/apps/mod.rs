//! Apps and their lifecycle: create, rename, delete, publish to a managed space, republish,
//! move and duplicate. Content (sheets and charts) comes with the engine.

pub mod api;
pub mod model;
pub mod rules;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;
pub mod ui;
