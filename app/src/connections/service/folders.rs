//! The server folders the operator allows: a path inside one resolved on disk and checked to
//! stay inside it (a link pointing out is refused too), and the files a folder offers.

use std::path::{Path, PathBuf};

use super::super::rules::{self, file_kind};
use super::super::MAX_TABLES_LISTED;
use crate::error::AppError;
use crate::state::AppState;

fn refused(message: impl Into<String>) -> AppError {
    AppError::invalid("path", message)
}

/// `path` inside the operator's folder `folder`, on disk.
pub fn resolve(state: &AppState, folder: &str, path: &str) -> Result<PathBuf, AppError> {
    let (_, root) = state
        .settings
        .sources
        .folders
        .iter()
        .find(|(name, _)| name == folder)
        .ok_or_else(|| {
            refused(format!(
                "The server folder \"{folder}\" is no longer among those the operator allows (data_folders)."
            ))
        })?;
    inside(Path::new(root), path)
}

/// `path` (relative) inside `root`, checked on disk when it exists: no part of it may lead out.
pub fn inside(root: &Path, path: &str) -> Result<PathBuf, AppError> {
    let mut joined = root.to_path_buf();
    for part in rules::relative_path(path)? {
        joined.push(part);
    }
    let root = root.canonicalize().map_err(|_| {
        refused(format!(
            "The server folder {} is not there: ask the operator.",
            root.display()
        ))
    })?;
    match joined.canonicalize() {
        Ok(real) if real.starts_with(&root) => Ok(real),
        Ok(_) => Err(refused(format!(
            "\"{path}\" leads outside its folder (through a link): name a file inside it."
        ))),
        Err(_) => Err(refused(format!("There is no \"{path}\" in the folder."))),
    }
}

/// The loadable files under `dir` (CSV, TSV, Excel), as paths relative to it, at most a few
/// levels down.
pub fn list(dir: &Path) -> Result<Vec<String>, AppError> {
    if !dir.is_dir() {
        return Err(refused("The connection's path is not a folder."));
    }
    let root = dir.canonicalize().map_err(AppError::internal)?;
    let mut found = Vec::new();
    walk(&root, &root, 0, &mut found);
    found.sort();
    found.truncate(MAX_TABLES_LISTED);
    Ok(found)
}

fn walk(root: &Path, dir: &Path, depth: usize, found: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if found.len() >= MAX_TABLES_LISTED {
            return;
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let Ok(real) = entry.path().canonicalize() else {
            continue;
        };
        if !real.starts_with(root) {
            continue;
        }
        if real.is_dir() && depth < 3 {
            walk(root, &real, depth + 1, found);
        } else if real.is_file() && file_kind(&name).is_some() {
            if let Ok(relative) = entry.path().strip_prefix(root) {
                found.push(relative.to_string_lossy().into_owned());
            }
        }
    }
}
