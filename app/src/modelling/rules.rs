//! What a load plan may say, checked before anything loads: every table of the app's files and
//! no other, names that are names, types that exist, and no two columns of a table becoming the
//! same field.

use super::model::{Plan, TYPES};
use crate::error::AppError;

/// The longest table or field name.
pub const MAX_NAME_CHARS: usize = 200;
/// The most missing-value texts.
pub const MAX_MISSING: usize = 50;

fn check_name(what: &str, name: &str) -> Result<(), AppError> {
    let trimmed = name.trim();
    if trimmed.is_empty() || trimmed.chars().count() > MAX_NAME_CHARS || trimmed != name {
        return Err(AppError::invalid(
            "plan",
            format!("\"{name}\" is not a {what} name: give one of 1 to {MAX_NAME_CHARS} characters, without spaces around it."),
        ));
    }
    Ok(())
}

/// Checks the plan's own sources (data connections' queries and files, workbooks' sheets): each
/// named once, apart from the files', and saying where it reads.
fn check_sources(plan: &Plan, files: &[String]) -> Result<(), AppError> {
    if plan.sources.len() > crate::content::rules::MAX_FILES_PER_APP {
        return Err(AppError::invalid(
            "plan",
            format!(
                "An app reads at most {} sources.",
                crate::content::rules::MAX_FILES_PER_APP
            ),
        ));
    }
    for (at, source) in plan.sources.iter().enumerate() {
        check_name("source", &source.name)?;
        if files.contains(&source.name) || plan.sources[..at].iter().any(|s| s.name == source.name)
        {
            return Err(AppError::invalid(
                "plan",
                format!("Two sources are named {}: rename one.", source.name),
            ));
        }
        match (&source.connection, &source.query, &source.file) {
            (Some(_), Some(query), None) => {
                crate::connections::rules::check_query(query)?;
            }
            (Some(_), None, Some(file)) => {
                crate::connections::rules::relative_path(file)?;
            }
            (None, None, Some(_)) if source.sheet.is_some() => {}
            _ => {
                return Err(AppError::invalid(
                    "plan",
                    format!("The source {} says neither a connection's query or file, nor a workbook's sheet.", source.name),
                ))
            }
        }
        if source.header_row > 1000 {
            return Err(AppError::invalid(
                "plan",
                "A header row is at most the 1001st row.",
            ));
        }
    }
    Ok(())
}

/// Checks `plan` against the app's files (`files`, by name) and its own sources.
pub fn check_plan(plan: &Plan, files: &[String]) -> Result<(), AppError> {
    check_sources(plan, files)?;
    let sources: Vec<String> = files
        .iter()
        .cloned()
        .chain(plan.sources.iter().map(|s| s.name.clone()))
        .collect();
    let sources = &sources[..];
    let read: Vec<&String> = plan
        .tables
        .iter()
        .flat_map(|t| std::iter::once(&t.source).chain(&t.appended))
        .collect();
    let workbooks: Vec<&String> = plan
        .sources
        .iter()
        .filter(|s| s.connection.is_none())
        .filter_map(|s| s.file.as_ref())
        .collect();
    for source in sources {
        match read.iter().filter(|r| **r == source).count() {
            0 if workbooks.contains(&source) => {}
            0 => {
                return Err(AppError::invalid(
                    "plan",
                    format!("The plan leaves out {source}: every file of the app becomes a table or is appended to one."),
                ))
            }
            1 => {}
            _ => {
                return Err(AppError::invalid(
                    "plan",
                    format!("The plan reads {source} twice: a file's rows go into one table."),
                ))
            }
        }
    }
    if let Some(unknown) = read.iter().find(|r| !sources.contains(r)) {
        return Err(AppError::invalid(
            "plan",
            format!("The app has no file {unknown}."),
        ));
    }
    if plan.missing.len() > MAX_MISSING {
        return Err(AppError::invalid(
            "plan",
            format!("At most {MAX_MISSING} missing-value texts."),
        ));
    }
    let mut names = std::collections::BTreeSet::new();
    for table in &plan.tables {
        check_name("table", &table.name)?;
        if !names.insert(table.name.to_lowercase()) {
            return Err(AppError::invalid(
                "plan",
                format!("Two tables are named {}: rename one.", table.name),
            ));
        }
        let mut fields = std::collections::BTreeSet::new();
        for column in &table.columns {
            if let Some(to) = &column.rename {
                check_name("field", to)?;
            }
            if let Some(kind) = &column.field_type {
                if !TYPES.contains(&kind.as_str()) {
                    return Err(AppError::invalid(
                        "plan",
                        format!("\"{kind}\" is not a type: use one of {}.", TYPES.join(", ")),
                    ));
                }
            }
            if !column.drop {
                let field = column
                    .rename
                    .clone()
                    .unwrap_or_else(|| column.column.clone());
                if !fields.insert(field.to_lowercase()) {
                    return Err(AppError::invalid(
                        "plan",
                        format!(
                            "Two columns of {} would both be the field {field}: rename one.",
                            table.name
                        ),
                    ));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modelling::model::{ColumnPlan, TablePlan};

    fn plan(columns: Vec<ColumnPlan>) -> Plan {
        Plan {
            sources: Vec::new(),
            tables: vec![
                TablePlan {
                    source: "flights.csv".into(),
                    name: "flights".into(),
                    columns,
                    ..Default::default()
                },
                TablePlan {
                    source: "planes.csv".into(),
                    name: "planes".into(),
                    ..Default::default()
                },
            ],
            missing: vec!["NA".into()],
        }
    }

    fn rename(column: &str, to: &str) -> ColumnPlan {
        ColumnPlan {
            column: column.into(),
            rename: Some(to.into()),
            ..Default::default()
        }
    }

    #[test]
    fn a_plan_names_every_file_and_real_names_and_types() {
        let sources = vec!["flights.csv".to_string(), "planes.csv".to_string()];
        assert!(check_plan(&plan(vec![rename("year", "flight year")]), &sources).is_ok());
        // (plan, word in the refusal)
        let typed = ColumnPlan {
            column: "dep_delay".into(),
            field_type: Some("number".into()),
            ..Default::default()
        };
        let mut missing_file = plan(vec![]);
        missing_file.tables.pop();
        let mut twice = plan(vec![]);
        twice.tables[0].appended = vec!["planes.csv".into()];
        let mut appended = plan(vec![]);
        appended.tables.pop();
        appended.tables[0].appended = vec!["planes.csv".into()];
        assert!(
            check_plan(&appended, &sources).is_ok(),
            "planes appended to flights"
        );
        let mut unknown = appended.clone();
        unknown.tables[0].appended.push("march.csv".into());
        let cases = [
            (plan(vec![rename("year", "")]), "not a field name"),
            (plan(vec![rename("year", " year")]), "not a field name"),
            (plan(vec![typed]), "not a type"),
            (
                plan(vec![rename("year", "month"), rename("month", "month")]),
                "both be the field month",
            ),
            (missing_file, "leaves out planes.csv"),
            (twice, "reads planes.csv twice"),
            (unknown, "no file march.csv"),
        ];
        for (plan, word) in cases {
            let refused = check_plan(&plan, &sources).unwrap_err();
            assert!(refused.to_string().contains(word), "{refused}");
        }
    }
}
