//! Sightline's associative data engine.
//!
//! Pure Rust: no web, no database, no knowledge of users or tenants. `csv` reads files, `load`
//! turns sources into a model as a `plan` says (names, types, missing values), `types` infers
//! each column's type, `model` keeps fields (each distinct value once) and tables (rows of
//! compact codes) associated through shared field names, `associate` makes synthetic keys and
//! cuts loops, `selection` works out what a selection leaves possible in every table (the
//! definition is `docs/ASSOCIATIVE-MODEL.md`), and `cube` aggregates measures by dimensions
//! under the selections.

pub mod associate;
pub mod codes;
pub mod csv;
pub mod cube;
pub mod forest;
pub mod load;
pub mod model;
pub mod parallel;
pub mod plan;
pub mod reduce;
pub mod seeded;
pub mod selection;
pub mod session;
pub mod snapshot;
pub mod source;
pub mod types;
pub mod values;

pub use cube::{compute, Aggregation, Cube, CubeRequest, CubeRow, Measure, Sort};
pub use load::{LoadReport, Loaded};
pub use model::{DataModel, LoadError};
pub use plan::LoadPlan;
pub use reduce::{reduce, Reduction};
pub use selection::{evaluate, states, Selections, State};
pub use session::ViewerState;
pub use source::{Batch, RowSource, Source};
