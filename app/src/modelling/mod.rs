//! An app's data model, before and after it loads: each file's columns with their type and why,
//! the missing values found, a few values; the tables' associations with how their key values
//! match; warnings with one-click fixes. What the editors choose is the app's *load plan*
//! (renames, drops, types, qualification, missing-value texts), stored with the app: the one
//! input of the loader, replayed by every reload.

pub mod api;
pub mod model;
pub mod rules;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;
pub mod ui;
