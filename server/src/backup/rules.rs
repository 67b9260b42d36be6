//! What a backup archive is and what it must hold: pure rules, table-tested below.

use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The archive's format; a later Sightline reads every earlier one.
pub const FORMAT: u32 = 1;

/// The directory every member of an archive is under.
pub const ROOT: &str = "sightline-backup";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatabaseKind {
    Sqlite,
    Postgres,
}

impl DatabaseKind {
    pub fn of(url: &str) -> Result<DatabaseKind, String> {
        if crate::db::is_sqlite(url) {
            Ok(DatabaseKind::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(DatabaseKind::Postgres)
        } else {
            Err("SIGHTLINE_DATABASE_URL must start with sqlite: or postgres://.".into())
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            DatabaseKind::Sqlite => "sqlite",
            DatabaseKind::Postgres => "postgres",
        }
    }

    /// The database copy's name in the archive.
    pub fn file_name(self) -> &'static str {
        match self {
            DatabaseKind::Sqlite => "database.sqlite",
            DatabaseKind::Postgres => "database.pgdump",
        }
    }
}

/// `manifest.json`: what made the archive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    /// The Sightline that took it (`sightline --version`).
    pub sightline: String,
    /// `sqlite` or `postgres`.
    pub database: String,
    /// The last migration the database had.
    pub schema: i64,
    /// When, in milliseconds since 1970 (UTC).
    pub created_at: i64,
    /// Files of the data directory.
    pub files: usize,
}

impl Manifest {
    pub fn new(kind: DatabaseKind, schema: i64, files: usize) -> Manifest {
        Manifest {
            format: FORMAT,
            sightline: env!("CARGO_PKG_VERSION").to_string(),
            database: kind.name().to_string(),
            schema,
            created_at: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as i64),
            files,
        }
    }

    /// Refuses an archive this Sightline cannot read, saying what to do.
    pub fn check(&self) -> Result<(), String> {
        if self.format > FORMAT {
            return Err(format!(
                "This archive was made by Sightline {} (archive format {}); this one reads format \
                 {FORMAT} and earlier. Restore it with that version or a newer one.",
                self.sightline, self.format
            ));
        }
        Ok(())
    }
}

/// What the copied database names in the data directory.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct References {
    /// The last migration applied.
    pub schema: i64,
    /// Paths relative to the data directory.
    pub files: Vec<String>,
}

/// The files the database names that the archive lacks.
pub fn missing(references: &References, in_archive: impl Fn(&str) -> bool) -> Vec<String> {
    let mut missing: Vec<String> = references
        .files
        .iter()
        .filter(|path| !in_archive(path))
        .cloned()
        .collect();
    missing.sort();
    missing
}

/// The staged file that stands in for a missing staged upload: an upload an app took while the
/// database was copied is named by the copy as `staging/<id>.csv`, but by then it was linked into
/// the app as `apps/<app>/files/<id>.csv` (the same file: `Storage::adopt_into` links it) and
/// removed from `staging/`. None for any other missing file.
pub fn adopted_as<'a>(
    missing: &str,
    staged: impl IntoIterator<Item = &'a String>,
) -> Option<&'a String> {
    let name = missing.strip_prefix("staging/")?;
    if name.is_empty() || name.contains('/') {
        return None;
    }
    staged.into_iter().find(|path| {
        let mut parts = path.split('/');
        matches!(
            (parts.next(), parts.next(), parts.next(), parts.next(), parts.next()),
            (Some("apps"), Some(app), Some("files"), Some(file), None) if !app.is_empty() && file == name
        )
    })
}

/// What a backup attempt's check says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every file the database names is in the archive.
    Whole,
    /// A file was made and removed while the database was copied: take the backup again.
    Again,
    /// The same files are missing as at the previous attempt, whose database copy was of an
    /// earlier moment: they were missing from the installation before the backup began (a race
    /// misses another file each time, as each copy names the newer loads). The archive is kept,
    /// and these are named.
    AlreadyLost(Vec<String>),
}

pub fn verdict(missing: Vec<String>, previous: Option<&[String]>) -> Verdict {
    if missing.is_empty() {
        Verdict::Whole
    } else if previous == Some(missing.as_slice()) {
        Verdict::AlreadyLost(missing)
    } else {
        Verdict::Again
    }
}

/// Words for a refusal to restore over something.
pub fn what_is_there(database: bool, data: bool) -> &'static str {
    match (database, data) {
        (true, true) => "its database has a tenant and its data directory has apps",
        (true, false) => "its database has a tenant",
        (false, true) => "its data directory has apps",
        (false, false) => "nothing",
    }
}

/// Where an archive member under `data/` goes, relative to the data directory; `None` for a
/// member that would land outside it (an absolute path, `..`) or is not under `data/`.
pub fn data_member(member: &Path) -> Option<PathBuf> {
    let relative = member.strip_prefix(ROOT).ok()?.strip_prefix("data").ok()?;
    let mut clean = PathBuf::new();
    for part in relative.components() {
        match part {
            Component::Normal(name) => clean.push(name),
            Component::CurDir => {}
            _ => return None,
        }
    }
    (!clean.as_os_str().is_empty()).then_some(clean)
}

/// Whether a path of the data directory belongs in a backup: not the staging directories of
/// backups and restores, not the data of apps whose creation has not committed (`incoming/`,
/// which housekeeping removes), not partial snapshots.
pub fn keep_in_backup(relative: &Path) -> bool {
    let mut parts = relative.components();
    let first = match parts.next() {
        Some(Component::Normal(name)) => name.to_string_lossy(),
        _ => return false,
    };
    if first.starts_with(".backup-") || first.starts_with(".restore-") || first == "incoming" {
        return false;
    }
    !relative.to_string_lossy().ends_with(".partial")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_upload_an_app_took_during_the_copy_stands_in_for_its_staged_name() {
        let staged: Vec<String> = [
            "apps/a1/files/f1.csv",
            "apps/a1/model-2.snap",
            "apps/a2/files/f2.csv",
            "staging/f3.csv",
            "apps/a3/files/sub/f4.csv",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let cases: &[(&str, Option<&str>)] = &[
            ("staging/f2.csv", Some("apps/a2/files/f2.csv")),
            ("staging/f1.csv", Some("apps/a1/files/f1.csv")),
            ("staging/f9.csv", None),
            ("staging/f4.csv", None),
            ("apps/a1/files/f1.csv", None),
            ("apps/a9/model-1.snap", None),
            ("staging/", None),
            ("staging/x/f1.csv", None),
        ];
        for (missing, stand_in) in cases {
            assert_eq!(
                adopted_as(missing, &staged).map(String::as_str),
                *stand_in,
                "{missing}"
            );
        }
    }

    #[test]
    fn members_land_inside_the_data_directory_or_nowhere() {
        let cases: &[(&str, Option<&str>)] = &[
            (
                "sightline-backup/data/apps/a1/model-3.snap",
                Some("apps/a1/model-3.snap"),
            ),
            (
                "sightline-backup/data/connection.key",
                Some("connection.key"),
            ),
            (
                "sightline-backup/data/./staging/f.csv",
                Some("staging/f.csv"),
            ),
            ("sightline-backup/data/../../etc/passwd", None),
            ("sightline-backup/data/apps/../../x", None),
            ("/sightline-backup/data/x", None),
            ("sightline-backup/manifest.json", None),
            ("sightline-backup/data", None),
            ("other/data/x", None),
        ];
        for (member, expected) in cases {
            assert_eq!(
                data_member(Path::new(member)),
                expected.map(PathBuf::from),
                "{member}"
            );
        }
    }

    #[test]
    fn a_backup_keeps_what_a_restored_server_reads() {
        let cases: &[(&str, bool)] = &[
            ("apps/a1/model-3.snap", true),
            ("apps/a1/files/f1.csv", true),
            ("staging/f2.csv", true),
            ("connection.key", true),
            ("apps/a1/model-4.partial", false),
            ("incoming/a2/model-1.snap", false),
            (".backup-123/data/x", false),
            (".restore-123/x", false),
        ];
        for (path, kept) in cases {
            assert_eq!(keep_in_backup(Path::new(path)), *kept, "{path}");
        }
    }

    #[test]
    fn a_backup_is_taken_again_until_what_is_missing_is_what_was_missing_before() {
        let references = References {
            schema: 18,
            files: vec![
                "apps/b/model-2.snap".into(),
                "apps/a/files/f.csv".into(),
                "apps/a/model-1.snap".into(),
            ],
        };
        let archive = ["apps/a/model-1.snap"];
        let missing = missing(&references, |p| archive.contains(&p));
        assert_eq!(missing, vec!["apps/a/files/f.csv", "apps/b/model-2.snap"]);
        let lost = vec!["apps/a/files/f.csv".to_string()];
        let cases: &[(Vec<String>, Option<&[String]>, Verdict)] = &[
            (vec![], None, Verdict::Whole),
            (vec![], Some(&lost), Verdict::Whole),
            (missing.clone(), None, Verdict::Again),
            (missing.clone(), Some(&lost), Verdict::Again),
            (lost.clone(), Some(&missing), Verdict::Again),
            (
                lost.clone(),
                Some(&lost),
                Verdict::AlreadyLost(lost.clone()),
            ),
        ];
        for (now, before, expected) in cases {
            assert_eq!(
                &verdict(now.clone(), *before),
                expected,
                "{now:?} after {before:?}"
            );
        }
    }

    #[test]
    fn an_archive_from_a_later_format_is_refused_with_what_to_do() {
        let mut manifest = Manifest::new(DatabaseKind::Sqlite, 18, 3);
        assert_eq!(manifest.check(), Ok(()));
        manifest.format = FORMAT + 1;
        assert!(manifest.check().unwrap_err().contains("newer one"));
    }

    #[test]
    fn database_kinds_follow_the_url() {
        assert_eq!(
            DatabaseKind::of("sqlite:data/x.db"),
            Ok(DatabaseKind::Sqlite)
        );
        assert_eq!(
            DatabaseKind::of("postgres://u@h/db"),
            Ok(DatabaseKind::Postgres)
        );
        assert!(DatabaseKind::of("mysql://x").is_err());
    }
}
