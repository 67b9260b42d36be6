//! The data side of the server that lives in memory and on disk: app files and snapshots
//! (`Storage`) and the models loaded from them (`Engines`). `state.rs` holds one.

use super::engines::Engines;
use super::storage::Storage;

/// The data side of the server: files on disk and models in memory.
pub struct Content {
    pub storage: Storage,
    pub engines: Engines,
    /// Turns to run a reload on this process (`reloads::MAX_RUNNING`): loads are large, and the
    /// process keeps serving while they run.
    pub reload_turns: tokio::sync::Semaphore,
}

impl Content {
    pub fn new(data_dir: &std::path::Path, budget_bytes: usize) -> Self {
        Content {
            storage: Storage::new(data_dir),
            engines: Engines::new(budget_bytes),
            reload_turns: tokio::sync::Semaphore::new(crate::reloads::MAX_RUNNING),
        }
    }
}
