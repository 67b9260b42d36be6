//! The files of a backup: the staging directory the data directory is linked into, the archive
//! written from it, and an archive unpacked for a restore.

use std::collections::BTreeSet;
use std::fs::{self, File};
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use flate2::Compression;

use super::rules::{self, Manifest, ROOT};

fn say(what: &str, path: &Path, error: std::io::Error) -> String {
    format!("{what} {}: {error}", path.display())
}

/// A backup's staging directory inside the data directory: `data/` holds hard links to the data
/// directory's files (copies where the file system refuses links), beside the database's copy.
/// Removed when dropped.
pub struct Stage {
    root: PathBuf,
    files: BTreeSet<String>,
}

/// What an archive holds.
pub struct Written {
    pub files: usize,
    pub bytes: u64,
    pub archive_bytes: u64,
}

impl Stage {
    pub fn new(data_dir: &Path) -> Result<Stage, String> {
        let root = super::staging_dir(data_dir);
        fs::create_dir_all(root.join("data"))
            .map_err(|e| say("Cannot make the staging directory", &root, e))?;
        Ok(Stage {
            root,
            files: BTreeSet::new(),
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Whether the data directory's `relative` path is staged.
    pub fn has(&self, relative: &str) -> bool {
        self.files.contains(relative)
    }

    /// Stages `missing` as a link to the staged file that is the same file under another name
    /// (`rules::adopted_as`); whether there was one.
    pub fn stand_in(&mut self, missing: &str) -> Result<bool, String> {
        let Some(same) = rules::adopted_as(missing, &self.files).cloned() else {
            return Ok(false);
        };
        let (from, to) = (
            self.root.join("data").join(&same),
            self.root.join("data").join(missing),
        );
        if let Some(parent) = to.parent() {
            fs::create_dir_all(parent).map_err(|e| say("Cannot make", parent, e))?;
        }
        fs::hard_link(&from, &to)
            .or_else(|_| fs::copy(&from, &to).map(|_| ()))
            .map_err(|e| say("Cannot copy", &from, e))?;
        self.files.insert(missing.to_string());
        Ok(true)
    }

    pub fn file_count(&self) -> usize {
        self.files.len()
    }

    /// Links every file of `data_dir` not staged yet, but for `skip` (the SQLite database's
    /// own files) and what `rules::keep_in_backup` leaves out. A file removed meanwhile is
    /// passed over: the check against the database decides whether it mattered.
    pub fn link_data(&mut self, data_dir: &Path, skip: &[PathBuf]) -> Result<(), String> {
        let mut pending = vec![PathBuf::new()];
        while let Some(relative) = pending.pop() {
            let dir = data_dir.join(&relative);
            let entries = match fs::read_dir(&dir) {
                Ok(entries) => entries,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(say("Cannot read", &dir, e)),
            };
            for entry in entries.flatten() {
                let path = relative.join(entry.file_name());
                if !rules::keep_in_backup(&path) || skip.contains(&entry.path()) {
                    continue;
                }
                let Ok(kind) = entry.file_type() else {
                    continue;
                };
                if kind.is_dir() {
                    pending.push(path);
                    continue;
                }
                let name = path.to_string_lossy().replace('\\', "/");
                if !kind.is_file() || self.files.contains(&name) {
                    continue;
                }
                let to = self.root.join("data").join(&path);
                if let Some(parent) = to.parent() {
                    fs::create_dir_all(parent).map_err(|e| say("Cannot make", parent, e))?;
                }
                let linked = fs::hard_link(entry.path(), &to)
                    .or_else(|_| fs::copy(entry.path(), &to).map(|_| ()));
                match linked {
                    Ok(()) => {
                        self.files.insert(name);
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(say("Cannot copy", &entry.path(), e)),
                }
            }
        }
        Ok(())
    }

    /// Writes the archive: to a temporary name beside `target`, then renamed, so that an
    /// archive at `target` is always a whole one.
    pub fn write_archive(&self, manifest: &Manifest, target: &Path) -> Result<Written, String> {
        let partial = PathBuf::from(format!("{}.partial", target.display()));
        let file = File::create(&partial).map_err(|e| say("Cannot write", &partial, e))?;
        let written = self.write_to(manifest, file).map_err(|e| {
            let _ = fs::remove_file(&partial);
            say("Cannot write", &partial, e)
        })?;
        fs::rename(&partial, target).map_err(|e| say("Cannot write", target, e))?;
        let archive_bytes = fs::metadata(target).map_or(0, |m| m.len());
        Ok(Written {
            archive_bytes,
            ..written
        })
    }

    fn write_to(&self, manifest: &Manifest, file: File) -> std::io::Result<Written> {
        let gzip = GzEncoder::new(BufWriter::with_capacity(1 << 20, file), Compression::fast());
        let mut tar = tar::Builder::new(gzip);
        // Real times: housekeeping tells an old staged upload by its file's time.
        tar.mode(tar::HeaderMode::Complete);
        let text = serde_json::to_vec_pretty(manifest).map_err(std::io::Error::other)?;
        let mut header = tar::Header::new_gnu();
        header.set_size(text.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        tar.append_data(
            &mut header,
            format!("{ROOT}/manifest.json"),
            text.as_slice(),
        )?;
        let mut bytes = 0;
        for entry in fs::read_dir(&self.root)?.flatten() {
            let database = entry.file_name().to_string_lossy().starts_with("database.");
            if database && entry.file_type()?.is_file() {
                bytes += entry.metadata()?.len();
                let name = format!("{ROOT}/{}", entry.file_name().to_string_lossy());
                tar.append_path_with_name(entry.path(), name)?;
            }
        }
        for name in &self.files {
            let path = self.root.join("data").join(name);
            bytes += fs::metadata(&path)?.len();
            tar.append_path_with_name(&path, format!("{ROOT}/data/{name}"))?;
        }
        let gzip = tar.into_inner()?;
        let file = gzip.finish()?.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        Ok(Written {
            files: self.files.len(),
            bytes,
            archive_bytes: 0,
        })
    }
}

impl Drop for Stage {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.root);
    }
}

/// An archive unpacked beside the data directory it is restored into. Removed when dropped.
pub struct Unpacked {
    root: PathBuf,
    pub manifest: Manifest,
    database: PathBuf,
}

type Entry<'a> = tar::Entry<'a, GzDecoder<BufReader<File>>>;

/// Why `source` is refused, and what to give instead.
fn not_a_backup(source: &Path, why: &str) -> String {
    format!(
        "{} is not a Sightline backup ({why}). Give the file `sightline backup` wrote.",
        source.display()
    )
}

/// Walks an archive's files, reading its manifest where it comes and handing every other file
/// to `each` (which answers whether to go on); the manifest, once checked, if there was one.
fn walk(
    source: &Path,
    mut each: impl FnMut(&Path, &mut Entry) -> Result<bool, String>,
) -> Result<Option<Manifest>, String> {
    let refused = |why: &str| not_a_backup(source, why);
    let file = File::open(source).map_err(|e| say("Cannot read", source, e))?;
    let mut archive = tar::Archive::new(GzDecoder::new(BufReader::new(file)));
    let entries = archive
        .entries()
        .map_err(|_| refused("not a gzipped tar"))?;
    let mut manifest = None;
    for entry in entries {
        let mut entry = entry.map_err(|e| refused(&e.to_string()))?;
        let path = entry
            .path()
            .map_err(|e| refused(&e.to_string()))?
            .into_owned();
        if entry.header().entry_type().is_dir() {
            continue;
        }
        if !entry.header().entry_type().is_file() {
            return Err(refused(&format!("{} is not a file", path.display())));
        }
        if path == Path::new(ROOT).join("manifest.json") {
            let mut text = String::new();
            entry
                .read_to_string(&mut text)
                .map_err(|e| refused(&e.to_string()))?;
            let read: Manifest =
                serde_json::from_str(&text).map_err(|e| refused(&format!("manifest.json: {e}")))?;
            read.check()?;
            manifest = Some(read);
        }
        if !each(&path, &mut entry)? {
            break;
        }
    }
    Ok(manifest)
}

/// The archive's manifest alone (its first file): what it holds, before anything is unpacked.
pub fn manifest_of(source: &Path) -> Result<Manifest, String> {
    let mut found = false;
    walk(source, |path, _| {
        found = path.ends_with("manifest.json");
        Ok(!found)
    })?
    .ok_or_else(|| not_a_backup(source, "no manifest.json"))
}

impl Unpacked {
    pub fn read(source: &Path, data_dir: &Path) -> Result<Unpacked, String> {
        let root = data_dir.join(format!(".restore-{}", &app::ids::new_id()[..12]));
        fs::create_dir_all(root.join("data")).map_err(|e| say("Cannot make", &root, e))?;
        // Removed when dropped, whatever goes wrong below.
        let mut unpacked = Unpacked {
            root,
            manifest: Manifest::new(rules::DatabaseKind::Sqlite, 0, 0),
            database: PathBuf::new(),
        };
        let manifest = walk(source, |path, entry| {
            if path.ends_with("manifest.json") && path.parent() == Some(Path::new(ROOT)) {
                return Ok(true);
            }
            let to = if let Some(relative) = rules::data_member(path) {
                unpacked.root.join("data").join(relative)
            } else if path.parent() == Some(Path::new(ROOT))
                && path
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("database."))
            {
                unpacked.database = unpacked.root.join(path.file_name().unwrap_or_default());
                unpacked.database.clone()
            } else {
                return Err(not_a_backup(
                    source,
                    &format!("{} has no place in one", path.display()),
                ));
            };
            if let Some(parent) = to.parent() {
                fs::create_dir_all(parent).map_err(|e| say("Cannot make", parent, e))?;
            }
            let mut out = File::create(&to).map_err(|e| say("Cannot write", &to, e))?;
            std::io::copy(entry, &mut out)
                .and_then(|_| out.flush())
                .map_err(|e| not_a_backup(source, &format!("{}: {e}", path.display())))?;
            Ok(true)
        })?;
        unpacked.manifest = manifest.ok_or_else(|| not_a_backup(source, "no manifest.json"))?;
        if unpacked.database.as_os_str().is_empty() {
            return Err(not_a_backup(source, "no database"));
        }
        Ok(unpacked)
    }

    pub fn database_file(&self) -> PathBuf {
        self.database.clone()
    }

    /// Moves the archive's data directory into `data_dir`, replacing what was there of the
    /// same names and the apps' data. Returns the number of files.
    pub fn move_data(&self, data_dir: &Path) -> Result<usize, String> {
        let from = self.root.join("data");
        let mut names: BTreeSet<std::ffi::OsString> = ["apps", "staging", "incoming"]
            .iter()
            .map(Into::into)
            .collect();
        let entries: Vec<_> = fs::read_dir(&from)
            .map_err(|e| say("Cannot read", &from, e))?
            .flatten()
            .collect();
        names.extend(entries.iter().map(|e| e.file_name()));
        for name in &names {
            let old = data_dir.join(name);
            let removed = if old.is_dir() {
                fs::remove_dir_all(&old)
            } else {
                fs::remove_file(&old)
            };
            match removed {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(say("Cannot replace", &old, e))
                }
                _ => {}
            }
        }
        for entry in &entries {
            let to = data_dir.join(entry.file_name());
            fs::rename(entry.path(), &to).map_err(|e| say("Cannot move into", &to, e))?;
        }
        Ok(self.manifest.files)
    }
}

impl Drop for Unpacked {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.root);
    }
}

/// Whether the data directory holds any app's data.
pub fn has_apps(data_dir: &Path) -> bool {
    fs::read_dir(data_dir.join("apps")).is_ok_and(|mut entries| entries.next().is_some())
}
