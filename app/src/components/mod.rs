//! Components that every feature's pages share. A leaf of the UI: it uses models, server
//! functions and the error type, never a feature's pages (see docs/ARCHITECTURE.md).

mod basics;
mod person_picker;
mod resource;
mod space;
pub mod upload;

pub use basics::*;
pub use person_picker::PersonPicker;
pub use resource::{load, Json, Loadable};
pub use space::{type_badge, SpaceTabs};

#[cfg(feature = "hydrate")]
use leptos::prelude::window;

/// A full page load rather than a router navigation: every part of the next page renders again
/// on the server (a new session after sign-in, a fresh socket on a collaborative session's
/// page), and nothing of this page's reactive owner outlives it.
pub fn go_to(path: &str) {
    #[cfg(feature = "hydrate")]
    let _ = window().location().set_href(path);
    #[cfg(not(feature = "hydrate"))]
    let _ = path;
}
