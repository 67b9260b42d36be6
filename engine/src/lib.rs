//! Sightline's associative data engine.
//!
//! Pure Rust: no web, no database, no knowledge of users or tenants. `csv` reads files, `types`
//! infers each column's type, `model` keeps fields (each distinct value once) and tables (rows
//! of compact codes) associated through shared field names, and `selection` works out what a
//! selection makes selected, possible or excluded everywhere; `cube` aggregates measures by dimensions under
//! the selections.

pub mod codes;
pub mod csv;
pub mod cube;
mod load;
pub mod model;
pub mod parallel;
pub mod reduce;
pub mod seeded;
pub mod selection;
pub mod session;
pub mod snapshot;
pub mod types;
pub mod values;

pub use cube::{compute, Aggregation, Cube, CubeRequest, CubeRow, Measure, Sort};
pub use model::{DataModel, LoadError};
pub use reduce::{reduce, Reduction};
pub use selection::{evaluate, states, Selections, State};
pub use session::ViewerState;
