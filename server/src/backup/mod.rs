//! `sightline backup` and `sightline restore`: one archive holding a consistent copy of the
//! database and of the data directory, taken while the server runs and serves.
//!
//! An archive is a gzipped tar:
//!
//! ```text
//! sightline-backup/manifest.json      what made it: Sightline's version, the database's kind
//!                                     and schema, when, how many files and bytes
//! sightline-backup/database.sqlite    SQLite: the database as of one moment (VACUUM INTO)
//! sightline-backup/database.pgdump    PostgreSQL: pg_dump's custom format, of one snapshot
//! sightline-backup/data/...           the data directory: apps' files and snapshots, staged
//!                                     uploads, the connection key
//! ```
//!
//! The database and the files must agree: every app's snapshot and every file the database names
//! must be in the archive, although apps keep reloading meanwhile (a reload writes a new snapshot
//! and removes the one two loads back, and the files it replaced). So the data directory is
//! linked (hard links: no copy, a moment each) into a staging directory before the database is
//! copied and again after, and the archive is written from the staging directory at leisure.
//! Files that existed when the copy began are in the first set, files made until it ended in the
//! second; the archive is then checked against the copied database, and in the rare case that a
//! file named there was made and removed within the copy, the backup is taken again.

mod archive;
mod database;
pub mod rules;

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::config::Config;

pub use rules::Manifest;

/// What a backup wrote.
#[derive(Debug, Clone)]
pub struct BackupReport {
    pub database: &'static str,
    /// Files of the data directory in the archive.
    pub files: usize,
    /// Their bytes, and the database copy's, before compression.
    pub bytes: u64,
    /// The archive's size on disk.
    pub archive_bytes: u64,
    pub seconds: f64,
    /// Files the database names that were already missing from the data directory before the
    /// backup began (see `rules::Verdict`): the archive is as whole as the installation was.
    pub lost: Vec<String>,
}

/// What a restore put back.
#[derive(Debug, Clone)]
pub struct RestoreReport {
    pub manifest: Manifest,
    pub files: usize,
    pub seconds: f64,
}

/// How many times a backup is taken again when the data changed under it (see the module).
const ATTEMPTS: usize = 3;

/// Writes the archive of the installation `config` describes to `target` (a new file; an
/// existing one is replaced only once the new archive is complete).
pub async fn backup(config: &Config, target: &Path) -> Result<BackupReport, String> {
    let started = Instant::now();
    let kind = rules::DatabaseKind::of(&config.database_url)?;
    let skip = database::own_files(config)?;
    let mut previous: Option<Vec<String>> = None;
    for _ in 0..ATTEMPTS {
        let mut stage = archive::Stage::new(&config.data_dir)?;
        stage.link_data(&config.data_dir, &skip)?;
        let references = database::copy(config, kind, stage.root()).await?;
        stage.link_data(&config.data_dir, &skip)?;
        // An upload an app took meanwhile is in the archive under its app's name: staged under
        // the name the copied database gives it too.
        for path in rules::missing(&references, |path| stage.has(path)) {
            stage.stand_in(&path)?;
        }
        let missing = rules::missing(&references, |path| stage.has(path));
        let lost = match rules::verdict(missing.clone(), previous.as_deref()) {
            rules::Verdict::Whole => Vec::new(),
            rules::Verdict::AlreadyLost(lost) => lost,
            rules::Verdict::Again => {
                previous = Some(missing);
                continue;
            }
        };
        let manifest = Manifest::new(kind, references.schema, stage.file_count());
        let written = stage.write_archive(&manifest, target)?;
        return Ok(BackupReport {
            database: kind.name(),
            files: written.files,
            bytes: written.bytes,
            archive_bytes: written.archive_bytes,
            seconds: started.elapsed().as_secs_f64(),
            lost,
        });
    }
    Err(format!(
        "The data changed faster than it could be copied: files the database named were made and \
         removed while the backup ran ({}), {ATTEMPTS} times. Run the backup again when fewer \
         apps are reloading.",
        previous.unwrap_or_default().join(", ")
    ))
}

/// Puts an archive back into the installation `config` describes. It must be empty (no tenant in
/// its database, no app in its data directory) unless `force`, which replaces what is there;
/// the server must not be running meanwhile. The database is then brought up to this binary's
/// schema, as `migrate` does: an archive made by an earlier Sightline is upgraded.
pub async fn restore(config: &Config, source: &Path, force: bool) -> Result<RestoreReport, String> {
    let started = Instant::now();
    let kind = rules::DatabaseKind::of(&config.database_url)?;
    // What the archive is, and whether it may go here, before it is unpacked (a large one
    // takes as long to unpack as to copy).
    let manifest = archive::manifest_of(source)?;
    if manifest.database != kind.name() {
        return Err(format!(
            "{} holds a {} database, and this installation's is {} \
             (SIGHTLINE_DATABASE_URL). Restore it into a {} installation.",
            source.display(),
            manifest.database,
            kind.name(),
            manifest.database
        ));
    }
    let data_in_use = archive::has_apps(&config.data_dir);
    let database_in_use = database::has_tenants(config).await?;
    if (data_in_use || database_in_use) && !force {
        return Err(format!(
            "This installation is not empty ({}). Restore into an empty one, or add --force to \
             replace what it holds (stop the server first; take a backup of it before).",
            rules::what_is_there(database_in_use, data_in_use)
        ));
    }
    let unpacked = archive::Unpacked::read(source, &config.data_dir)?;
    database::restore(config, kind, &unpacked.database_file()).await?;
    let files = unpacked.move_data(&config.data_dir)?;
    let pool = crate::db::connect(&config.database_url, &config.data_dir).await?;
    crate::db::migrate(&pool, &config.database_url).await?;
    // Reloads that ran when the backup was taken ran on a server that is not this one: their
    // claims end now, so the first process started fails them ("reload it again") at once,
    // rather than when the claims would have run out.
    sqlx::query(
        "UPDATE reloads SET lease_until = 0 WHERE status IN ('QUEUED', 'RELOADING', 'CANCELING')",
    )
    .execute(&pool)
    .await
    .map_err(|e| format!("Cannot end the restored database's running reloads: {e}"))?;
    pool.close().await;
    Ok(RestoreReport {
        manifest,
        files,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Where a staging directory for `data_dir` goes: inside it, so that hard links work.
fn staging_dir(data_dir: &Path) -> PathBuf {
    data_dir.join(format!(".backup-{}", &app::ids::new_id()[..12]))
}
