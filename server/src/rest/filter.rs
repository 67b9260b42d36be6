//! The part of Qlik's SCIM-style `filter` parameter that Sightline understands:
//! `email eq "a@b.c"`, `status eq "active"`, `name co "ann"`, `name sw "A"`, `email co "x"`,
//! joined with `and`.

use app::directory::model::UserQuery;
use app::directory::rules::UserStatus;
use app::error::AppError;

const SUPPORTED: &str = "email eq, status eq, name co, name sw, email co (joined with and)";

fn unsupported(clause: &str) -> AppError {
    AppError::invalid(
        "filter",
        format!("The filter clause `{clause}` is not supported. Supported: {SUPPORTED}."),
    )
}

/// Splits one clause `attr op "value"`.
fn clause(text: &str) -> Result<(String, String, String), AppError> {
    let text = text.trim();
    let mut words = text.splitn(3, ' ');
    let (Some(attr), Some(op), Some(value)) = (words.next(), words.next(), words.next()) else {
        return Err(unsupported(text));
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

/// Adds the filter's conditions to a user query.
pub fn apply(filter: &str, query: &mut UserQuery) -> Result<(), AppError> {
    for part in filter.split(" and ") {
        let (attr, op, value) = clause(part)?;
        match (attr.as_str(), op.as_str()) {
            ("email", "eq") => query.email = value,
            ("status", "eq") => query.status = Some(UserStatus::parse(&value)?),
            ("name", "co") | ("name", "sw") | ("email", "co") => query.search = value,
            _ => return Err(unsupported(part.trim())),
        }
    }
    Ok(())
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
