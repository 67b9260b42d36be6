//! App data as files in the data directory. Server-only.
//!
//! ```text
//! staging/<file id>.csv              an upload not yet made into an app
//! apps/<app id>/files/<file id>.csv  the files an app was loaded from
//! apps/<app id>/model-<n>.snap       the model of load n, which opens without parsing
//! incoming/<app id>/…                the same, for an app whose transaction has not committed
//! ```
//! Snapshots are written to a temporary name and renamed, so a crash never leaves half a one.
//! A new app's data is written under `incoming/` and moved to `apps/` once its row is
//! committed: housekeeping, which removes the `apps/` directories of apps that are gone, never
//! sees the data of an app still being made (on PostgreSQL other connections cannot see its
//! row yet), and a crash between the commit and the move is mended on the next open.

use std::fs;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use engine::DataModel;

#[derive(Debug, Clone)]
pub struct Storage {
    root: PathBuf,
}

impl Storage {
    pub fn new(data_dir: &Path) -> Self {
        Storage {
            root: data_dir.to_path_buf(),
        }
    }

    pub fn staging_file(&self, file_id: &str) -> PathBuf {
        self.root.join("staging").join(format!("{file_id}.csv"))
    }

    pub fn app_dir(&self, app_id: &str) -> PathBuf {
        self.root.join("apps").join(app_id)
    }

    /// Where a new app's data is written until its transaction commits.
    pub fn incoming_dir(&self, app_id: &str) -> PathBuf {
        self.root.join("incoming").join(app_id)
    }

    pub fn app_file(&self, app_id: &str, file_id: &str) -> PathBuf {
        Self::file_in(&self.app_dir(app_id), file_id)
    }

    pub fn file_in(dir: &Path, file_id: &str) -> PathBuf {
        dir.join("files").join(format!("{file_id}.csv"))
    }

    pub fn snapshot(&self, app_id: &str, version: i64) -> PathBuf {
        Self::snapshot_in(&self.app_dir(app_id), version)
    }

    pub fn snapshot_in(dir: &Path, version: i64) -> PathBuf {
        dir.join(format!("model-{version}.snap"))
    }

    pub fn write_snapshot(
        &self,
        app_id: &str,
        version: i64,
        model: &DataModel,
    ) -> std::io::Result<()> {
        self.write_snapshot_in(&self.app_dir(app_id), version, model)
    }

    pub fn write_snapshot_in(
        &self,
        dir: &Path,
        version: i64,
        model: &DataModel,
    ) -> std::io::Result<()> {
        let written = Self::prepare_snapshot_in(dir, &format!("{version}.partial"), model)?;
        Self::place_snapshot_in(dir, &written, version)
    }

    /// Writes a model to a file of its own beside the app's loads (`tag` names it), to be put
    /// in place later: a reload writes its snapshot before it takes the app's lock, so the
    /// lock is held for a rename, not for the write.
    pub fn prepare_snapshot(
        &self,
        app_id: &str,
        tag: &str,
        model: &DataModel,
    ) -> std::io::Result<PathBuf> {
        Self::prepare_snapshot_in(&self.app_dir(app_id), tag, model)
    }

    fn prepare_snapshot_in(dir: &Path, tag: &str, model: &DataModel) -> std::io::Result<PathBuf> {
        fs::create_dir_all(dir)?;
        let path = dir.join(format!("model.snap.{tag}"));
        let mut out = BufWriter::new(fs::File::create(&path)?);
        engine::snapshot::write(model, &mut out)?;
        out.flush()?;
        out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        Ok(path)
    }

    /// Makes a prepared snapshot the app's load `version`.
    pub fn place_snapshot(
        &self,
        app_id: &str,
        prepared: &Path,
        version: i64,
    ) -> std::io::Result<()> {
        Self::place_snapshot_in(&self.app_dir(app_id), prepared, version)
    }

    fn place_snapshot_in(dir: &Path, prepared: &Path, version: i64) -> std::io::Result<()> {
        fs::rename(prepared, Self::snapshot_in(dir, version))?;
        // Older loads of this app are no longer needed, but for the one just before: a request
        // that read the app's version before this load committed may still be opening it.
        for entry in fs::read_dir(dir)?.flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            let older = name
                .strip_prefix("model-")
                .and_then(|n| n.strip_suffix(".snap"))
                .and_then(|n| n.parse::<i64>().ok())
                .is_some_and(|n| n < version - 1);
            if older {
                let _ = fs::remove_file(entry.path());
            }
        }
        Ok(())
    }

    pub fn read_snapshot(&self, app_id: &str, version: i64) -> std::io::Result<DataModel> {
        let mut input =
            BufReader::with_capacity(1 << 20, fs::File::open(self.snapshot(app_id, version))?);
        engine::snapshot::read(&mut input)
    }

    /// Gives a new app (in `dir`) a staged upload, which stays staged until the app is committed.
    pub fn adopt_into(&self, file_id: &str, dir: &Path) -> std::io::Result<()> {
        self.link(&self.staging_file(file_id), &Self::file_in(dir, file_id))
    }

    /// Moves a committed app's data from `incoming/` to `apps/`. Nothing to move is no error.
    pub fn promote(&self, app_id: &str) -> std::io::Result<()> {
        let from = self.incoming_dir(app_id);
        if !from.exists() {
            return Ok(());
        }
        fs::create_dir_all(self.root.join("apps"))?;
        fs::rename(from, self.app_dir(app_id))
    }

    /// The apps with data under `incoming/`, and how long ago each was written.
    pub fn incoming(&self) -> Vec<(String, std::time::Duration)> {
        match fs::read_dir(self.root.join("incoming")) {
            Ok(entries) => entries
                .flatten()
                .filter(|e| e.path().is_dir())
                .map(|e| {
                    (
                        e.file_name().to_string_lossy().to_string(),
                        e.metadata()
                            .and_then(|m| m.modified())
                            .ok()
                            .and_then(|t| t.elapsed().ok())
                            .unwrap_or_default(),
                    )
                })
                .collect(),
            Err(_) => Vec::new(),
        }
    }

    pub fn remove_incoming(&self, app_id: &str) {
        let _ = fs::remove_dir_all(self.incoming_dir(app_id));
    }

    /// Gives another app the same files and snapshot: hard links where the file system allows
    /// (no second copy on disk), copies where it does not.
    pub fn link(&self, from: &Path, to: &Path) -> std::io::Result<()> {
        fs::create_dir_all(to.parent().unwrap_or(&self.root))?;
        let _ = fs::remove_file(to);
        fs::hard_link(from, to).or_else(|_| fs::copy(from, to).map(|_| ()))
    }

    /// The ids of every app that has a directory.
    pub fn app_ids(&self) -> Vec<String> {
        match fs::read_dir(self.root.join("apps")) {
            Ok(entries) => entries
                .flatten()
                .filter(|e| e.path().is_dir())
                .map(|e| e.file_name().to_string_lossy().to_string())
                .collect(),
            Err(_) => Vec::new(),
        }
    }

    pub fn remove_app(&self, app_id: &str) {
        let _ = fs::remove_dir_all(self.app_dir(app_id));
    }

    /// Removes a file the app no longer reads (replaced by a reload).
    pub fn remove_app_file(&self, app_id: &str, file_id: &str) {
        let _ = fs::remove_file(self.app_file(app_id, file_id));
    }

    pub fn remove_staged(&self, file_id: &str) {
        let _ = fs::remove_file(self.staging_file(file_id));
    }
}
