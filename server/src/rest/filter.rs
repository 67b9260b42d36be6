//! The part of Qlik's SCIM-style `filter` parameter (RFC 7644) that Sightline understands: the
//! clauses below, joined with `and`. Anything else is refused by name, never ignored: a filter
//! that silently matched more than asked could hand a script the wrong users.

use app::directory::model::{GroupQuery, UserQuery};
use app::directory::rules::UserStatus;
use app::error::AppError;

const USER_CLAUSES: &str = "id eq, subject eq, email eq, status eq, name eq, assignedRoles.id eq, assignedRoles.name eq, assignedGroups.id eq, name co, name sw, email co, subject co (joined with and)";
const RELOAD_CLAUSES: &str = "status eq, type eq, partial eq (joined with and)";
const GROUP_CLAUSES: &str = "id eq, name eq, name co, name sw (joined with and)";

fn unsupported(clause: &str, supported: &str) -> AppError {
    AppError::invalid(
        "filter",
        format!("The filter clause `{clause}` is not supported. Supported: {supported}."),
    )
}

/// Splits one clause `attr op "value"`.
fn clause(text: &str, supported: &str) -> Result<(String, String, String), AppError> {
    let text = text.trim();
    let text = text
        .strip_prefix('(')
        .and_then(|t| t.strip_suffix(')'))
        .unwrap_or(text)
        .trim();
    let mut words = text.splitn(3, ' ');
    let (Some(attr), Some(op), Some(value)) = (words.next(), words.next(), words.next()) else {
        return Err(unsupported(text, supported));
    };
    let value = value.trim();
    let value = value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .ok_or_else(|| {
            AppError::invalid(
                "filter",
                format!("In `{text}`, put the value in double quotes."),
            )
        })?;
    Ok((
        attr.to_string(),
        op.to_lowercase(),
        value.replace("\\\"", "\""),
    ))
}

/// The clauses of a filter, refusing `or`, which Sightline does not combine.
fn clauses(filter: &str, supported: &str) -> Result<Vec<(String, String, String)>, AppError> {
    if filter.to_lowercase().contains(" or ") {
        return Err(AppError::invalid(
            "filter",
            format!("Sightline combines filter clauses with `and` only; send one request per alternative instead of `or`. Supported: {supported}."),
        ));
    }
    filter
        .split(" and ")
        .map(|part| clause(part, supported))
        .collect()
}

/// What a user filter asks beyond the query's own fields: checked on each user of the page.
#[derive(Debug, Default, PartialEq)]
pub struct UserFilter {
    pub id: Option<String>,
    pub name: Option<String>,
    /// A role by name, for the handler to resolve to `UserQuery::role_id`.
    pub role_name: Option<String>,
}

/// Adds the filter's conditions to a user query.
pub fn apply(filter: &str, query: &mut UserQuery) -> Result<UserFilter, AppError> {
    let mut rest = UserFilter::default();
    for (attr, op, value) in clauses(filter, USER_CLAUSES)? {
        match (attr.as_str(), op.as_str()) {
            ("email" | "subject", "eq") => query.email = value,
            ("status", "eq") => query.status = Some(UserStatus::parse(&value)?),
            ("id", "eq") => rest.id = Some(value),
            ("name", "eq") => {
                query.search = value.clone();
                rest.name = Some(value);
            }
            ("assignedRoles.id", "eq") => query.role_id = value,
            ("assignedRoles.name", "eq") => rest.role_name = Some(value),
            ("assignedGroups.id", "eq") => query.group_id = value,
            ("name" | "email" | "subject", "co") | ("name", "sw") => query.search = value,
            _ => {
                return Err(unsupported(
                    &format!("{attr} {op} \"{value}\""),
                    USER_CLAUSES,
                ))
            }
        }
    }
    Ok(rest)
}

/// What a group filter asks beyond the query's search: checked on each group of the page.
#[derive(Debug, Default, PartialEq)]
pub struct GroupFilter {
    pub id: Option<String>,
    pub name: Option<String>,
}

/// Adds the filter's conditions to a group query.
pub fn apply_groups(filter: &str, query: &mut GroupQuery) -> Result<GroupFilter, AppError> {
    let mut rest = GroupFilter::default();
    for (attr, op, value) in clauses(filter, GROUP_CLAUSES)? {
        match (attr.as_str(), op.as_str()) {
            ("id", "eq") => rest.id = Some(value),
            ("name", "eq") => {
                query.search = value.clone();
                rest.name = Some(value);
            }
            ("name", "co" | "sw") => query.search = value,
            _ => {
                return Err(unsupported(
                    &format!("{attr} {op} \"{value}\""),
                    GROUP_CLAUSES,
                ))
            }
        }
    }
    Ok(rest)
}

const ROLE_CLAUSES: &str = "name eq, type eq, level eq (joined with and)";

/// A role filter's clauses, as (attribute, value): `name`, `type` or `level`, each `eq`.
pub fn role_filter(filter: &str) -> Result<Vec<(String, String)>, AppError> {
    clauses(filter, ROLE_CLAUSES)?
        .into_iter()
        .map(|(attr, op, value)| match (attr.as_str(), op.as_str()) {
            ("name" | "type" | "level", "eq") => Ok((attr, value)),
            _ => Err(unsupported(
                &format!("{attr} {op} \"{value}\""),
                ROLE_CLAUSES,
            )),
        })
        .collect()
}

/// Qlik's `sort`: Sightline keeps lists in name order, so `name` and `+name` are the orders it
/// What a reload filter asks: a status, a type (`hub`, `external`, `chronos`), partial or not.
#[derive(Debug, Default, PartialEq)]
pub struct ReloadFilter {
    pub status: Option<String>,
    pub kind: Option<String>,
    pub partial: Option<bool>,
}

/// Reads a reload filter; `partial eq false` may leave its value unquoted, as Qlik writes it.
pub fn reload_filter(filter: &str) -> Result<ReloadFilter, AppError> {
    let quoted = filter
        .replace(" eq true", " eq \"true\"")
        .replace(" eq false", " eq \"false\"");
    let mut out = ReloadFilter::default();
    for (attr, op, value) in clauses(&quoted, RELOAD_CLAUSES)? {
        match (attr.as_str(), op.as_str()) {
            ("status", "eq") => out.status = Some(value),
            ("type", "eq") => out.kind = Some(value),
            ("partial", "eq") if value == "true" || value == "false" => {
                out.partial = Some(value == "true")
            }
            _ => {
                return Err(unsupported(
                    &format!("{attr} {op} \"{value}\""),
                    RELOAD_CLAUSES,
                ))
            }
        }
    }
    Ok(out)
}

/// can honour; another is refused rather than answered in the wrong order.
pub fn check_sort(sort: Option<&str>) -> Result<(), AppError> {
    match sort {
        None | Some("" | "name" | "+name") => Ok(()),
        Some(other) => Err(AppError::invalid(
            "sort",
            format!(
                "Sightline lists in name order: send sort=name or leave it out (not \"{other}\")."
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn understood_clauses_become_query_fields() {
        let mut q = UserQuery::default();
        apply(
            r#"email eq "ada@example.com" and status eq "active""#,
            &mut q,
        )
        .unwrap();
        assert_eq!(q.email, "ada@example.com");
        assert_eq!(q.status, Some(UserStatus::Active));
        let mut q = UserQuery::default();
        apply(r#"name co "lov""#, &mut q).unwrap();
        assert_eq!(q.search, "lov");
        let mut q = UserQuery::default();
        let rest = apply(
            r#"(id eq "u1") and assignedRoles.name eq "TenantAdmin" and name eq "Ada""#,
            &mut q,
        )
        .unwrap();
        assert_eq!(
            rest,
            UserFilter {
                id: Some("u1".into()),
                name: Some("Ada".into()),
                role_name: Some("TenantAdmin".into()),
            }
        );
        let mut g = GroupQuery::default();
        let rest = apply_groups(r#"name eq "Sales""#, &mut g).unwrap();
        assert_eq!(
            (g.search.as_str(), rest.name.as_deref()),
            ("Sales", Some("Sales"))
        );
    }

    #[test]
    fn or_and_foreign_sorts_are_refused_with_what_works() {
        let mut q = UserQuery::default();
        let err = apply(r#"name eq "a" or name eq "b""#, &mut q)
            .unwrap_err()
            .to_string();
        assert!(err.contains("`and` only"), "{err}");
        assert!(check_sort(Some("+name")).is_ok());
        assert!(check_sort(Some("-createdAt"))
            .unwrap_err()
            .to_string()
            .contains("sort=name"));
    }

    #[test]
    fn other_clauses_are_refused_by_name() {
        let mut q = UserQuery::default();
        let err = apply(r#"createdAt gt "2020""#, &mut q)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("createdAt gt") && err.contains("Supported"),
            "{err}"
        );
        assert!(apply("email eq ada", &mut q)
            .unwrap_err()
            .to_string()
            .contains("double quotes"));
        assert!(apply(r#"status eq "sleeping""#, &mut q).is_err());
    }
}
