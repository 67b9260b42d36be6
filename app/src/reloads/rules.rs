//! What a reload may do, decided without a database: a plan changed by new files, cancelling,
//! and the words and durations the records show.

use super::model::*;
use crate::error::AppError;
use crate::modelling::model::{Plan, TablePlan};

/// A file as a reload sees it: its id and name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileName {
    pub id: String,
    pub name: String,
}

/// The plan a reload loads, and the app's files it no longer reads (replaced).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changed {
    pub plan: Plan,
    pub dropped: Vec<String>,
}

/// The app's plan with new files in their places. Each new file (`uploads`, the caller's) goes
/// where its change says: in place of a table's files, after a table's rows, or as a new table
/// named after the file. A name the app's files already have is refused: sources are named by
/// their file.
pub fn apply_changes(
    plan: &Plan,
    files: &[FileName],
    uploads: &[FileName],
    changes: &[DataChange],
    table_name: impl Fn(&str) -> String,
) -> Result<Changed, AppError> {
    let mut plan = plan.clone();
    let mut dropped: Vec<String> = Vec::new();
    let mut used: Vec<&str> = Vec::new();
    for change in changes {
        let upload = uploads
            .iter()
            .find(|u| u.id == change.file_id())
            .ok_or_else(|| {
                AppError::invalid(
                    "changes",
                    "An upload is no longer there. Upload the file again.",
                )
            })?;
        if used.contains(&upload.id.as_str()) {
            return Err(AppError::invalid(
                "changes",
                format!(
                    "{} is given twice: each new file goes into one place.",
                    upload.name
                ),
            ));
        }
        used.push(&upload.id);
        let kept = files
            .iter()
            .filter(|f| !dropped.contains(&f.id))
            .any(|f| f.name.eq_ignore_ascii_case(&upload.name));
        let replaced_here = match change {
            DataChange::Replace { table, .. } => plan
                .tables
                .iter()
                .find(|t| &t.name == table)
                .is_some_and(|t| t.sources().any(|s| s.eq_ignore_ascii_case(&upload.name))),
            _ => false,
        };
        if kept && !replaced_here {
            return Err(AppError::invalid(
                "changes",
                format!("The app already has a file named {}: rename the new one (such as {}) to add it, or replace that table's data with it.", upload.name, another_name(&upload.name)),
            ));
        }
        match change {
            DataChange::Replace { table, .. } | DataChange::Append { table, .. } => {
                let Some(target) = plan.tables.iter_mut().find(|t| &t.name == table) else {
                    return Err(AppError::invalid(
                        "changes",
                        format!("The app has no table {table}: pick one of its tables, or add the file as a new table."),
                    ));
                };
                if matches!(change, DataChange::Replace { .. }) {
                    for source in target.sources() {
                        if let Some(file) = files.iter().find(|f| f.name == source) {
                            dropped.push(file.id.clone());
                        }
                    }
                    target.source = upload.name.clone();
                    target.appended.clear();
                } else {
                    target.appended.push(upload.name.clone());
                }
            }
            DataChange::Add { .. } => {
                let name = table_name(&upload.name);
                if plan
                    .tables
                    .iter()
                    .any(|t| t.name.eq_ignore_ascii_case(&name))
                {
                    return Err(AppError::invalid(
                        "changes",
                        format!("The app already has a table {name}: append the file to it, replace its data, or rename the file."),
                    ));
                }
                plan.tables.push(TablePlan {
                    source: upload.name.clone(),
                    name,
                    ..TablePlan::default()
                });
            }
        }
    }
    Ok(Changed { plan, dropped })
}

/// A file name that is not taken, to suggest.
fn another_name(name: &str) -> String {
    match name.rsplit_once('.') {
        Some((stem, extension)) => format!("{stem}-2.{extension}"),
        None => format!("{name}-2"),
    }
}

/// What cancelling does to a reload in this state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cancel {
    /// Not started: cancelled at once.
    Now,
    /// Running: it stops at its next step and keeps the old data.
    Asked,
    /// Over already: nothing to cancel.
    Ended,
}

pub fn cancel(status: ReloadStatus) -> Cancel {
    match status {
        ReloadStatus::Queued => Cancel::Now,
        ReloadStatus::Reloading | ReloadStatus::Canceling => Cancel::Asked,
        _ => Cancel::Ended,
    }
}

/// A duration as ISO 8601 (`PT1M2.5S`), as Qlik writes a reload's.
pub fn iso_duration(ms: i64) -> String {
    let ms = ms.max(0);
    let (hours, rest) = (ms / 3_600_000, ms % 3_600_000);
    let (minutes, rest) = (rest / 60_000, rest % 60_000);
    let seconds = rest as f64 / 1000.0;
    let mut out = String::from("PT");
    if hours > 0 {
        out.push_str(&format!("{hours}H"));
    }
    if minutes > 0 {
        out.push_str(&format!("{minutes}M"));
    }
    if seconds > 0.0 || out == "PT" {
        out.push_str(&format!("{seconds}S"));
    }
    out
}

/// A log cut to `max` characters, its end kept (where a failure is).
pub fn bounded_log(log: &str, max: usize) -> String {
    let chars = log.chars().count();
    if chars <= max {
        return log.to_string();
    }
    let tail: String = log.chars().skip(chars - max).collect();
    format!(
        "(the first {} characters are left out)\n{tail}",
        chars - max
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(id: &str, name: &str) -> FileName {
        FileName {
            id: id.into(),
            name: name.into(),
        }
    }

    fn plan() -> Plan {
        Plan {
            sources: Vec::new(),
            tables: vec![
                TablePlan {
                    source: "sales.csv".into(),
                    name: "sales".into(),
                    ..TablePlan::default()
                },
                TablePlan {
                    source: "stores.csv".into(),
                    name: "stores".into(),
                    ..TablePlan::default()
                },
            ],
            missing: vec!["NA".into()],
        }
    }

    fn stem(name: &str) -> String {
        name.trim_end_matches(".csv").to_string()
    }

    #[test]
    fn new_files_go_where_their_change_says() {
        let files = [file("f1", "sales.csv"), file("f2", "stores.csv")];
        let uploads = [
            file("u1", "sales-2026-12.csv"),
            file("u2", "stores.csv"),
            file("u3", "targets.csv"),
        ];
        let changes = [
            DataChange::Append {
                table: "sales".into(),
                file_id: "u1".into(),
            },
            DataChange::Replace {
                table: "stores".into(),
                file_id: "u2".into(),
            },
            DataChange::Add {
                file_id: "u3".into(),
            },
        ];
        let changed = apply_changes(&plan(), &files, &uploads, &changes, stem).unwrap();
        assert_eq!(changed.plan.tables[0].appended, vec!["sales-2026-12.csv"]);
        assert_eq!(changed.plan.tables[1].source, "stores.csv");
        assert_eq!(changed.plan.tables[2].name, "targets");
        assert_eq!(changed.dropped, vec!["f2"], "the old stores.csv goes");
        assert_eq!(
            changed.plan.missing,
            vec!["NA"],
            "the rest of the plan stays"
        );

        // Replacing a table that had a month appended drops both of its files.
        let mut appended = plan();
        appended.tables[0].appended = vec!["sales-11.csv".into()];
        let files = [file("f1", "sales.csv"), file("f3", "sales-11.csv")];
        let replace = [DataChange::Replace {
            table: "sales".into(),
            file_id: "u1".into(),
        }];
        let changed = apply_changes(&appended, &files, &uploads, &replace, stem).unwrap();
        assert_eq!(changed.dropped, vec!["f1", "f3"]);
        assert!(changed.plan.tables[0].appended.is_empty());
    }

    #[test]
    fn changes_that_cannot_be_made_say_why() {
        let files = [file("f1", "sales.csv"), file("f2", "stores.csv")];
        let uploads = [file("u1", "sales.csv"), file("u2", "stores-2.csv")];
        let append = |table: &str, id: &str| DataChange::Append {
            table: table.into(),
            file_id: id.into(),
        };
        // (changes, words of the refusal)
        let cases: Vec<(Vec<DataChange>, &str)> = vec![
            (
                vec![append("sales", "u1")],
                "already has a file named sales.csv",
            ),
            (vec![append("regions", "u2")], "no table regions"),
            (vec![append("sales", "u9")], "no longer there"),
            (
                vec![append("sales", "u2"), append("stores", "u2")],
                "given twice",
            ),
            (
                vec![DataChange::Add {
                    file_id: "u2".into(),
                }],
                "",
            ),
        ];
        for (changes, words) in cases {
            let result = apply_changes(&plan(), &files, &uploads, &changes, |n| {
                n.trim_end_matches("-2.csv").to_string()
            });
            match words {
                "" => assert!(result
                    .unwrap_err()
                    .to_string()
                    .contains("already has a table stores")),
                words => assert!(
                    result.as_ref().unwrap_err().to_string().contains(words),
                    "{result:?}"
                ),
            }
        }
    }

    #[test]
    fn cancelling_depends_on_where_the_reload_is() {
        let expected = [
            (ReloadStatus::Queued, Cancel::Now),
            (ReloadStatus::Reloading, Cancel::Asked),
            (ReloadStatus::Canceling, Cancel::Asked),
            (ReloadStatus::Succeeded, Cancel::Ended),
            (ReloadStatus::Failed, Cancel::Ended),
            (ReloadStatus::Canceled, Cancel::Ended),
            (ReloadStatus::ExceededLimit, Cancel::Ended),
        ];
        for (status, outcome) in expected {
            assert_eq!(cancel(status), outcome, "{status:?}");
            assert_eq!(ReloadStatus::parse(status.as_str()), Some(status));
        }
    }

    #[test]
    fn durations_and_logs_read_as_qlik_writes_them() {
        for (ms, text) in [
            (0, "PT0S"),
            (2_500, "PT2.5S"),
            (62_000, "PT1M2S"),
            (3_600_000, "PT1H"),
            (3_723_004, "PT1H2M3.004S"),
        ] {
            assert_eq!(iso_duration(ms), text);
        }
        assert_eq!(bounded_log("short", 10), "short");
        let cut = bounded_log("0123456789failed", 6);
        assert!(
            cut.ends_with("failed") && cut.contains("first 10 characters"),
            "{cut}"
        );
    }
}
