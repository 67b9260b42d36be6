//! Components that every feature's pages share. A leaf of the UI: it uses models, server
//! functions and the error type, never a feature's pages (see docs/ARCHITECTURE.md).

mod basics;
mod person_picker;
mod space;

pub use basics::*;
pub use person_picker::PersonPicker;
pub use space::{type_badge, SpaceTabs};
