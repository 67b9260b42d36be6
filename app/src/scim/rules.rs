//! SCIM 2.0, pure (RFC 7643 and 7644): the filters a provider searches with, PATCH operations
//! applied to a resource, and what a user's or a group's resource means for the account or the
//! group it provisions. Table-tested in `rules/tests.rs`.

use serde::Deserialize;
use serde_json::{Map, Value};

use super::model::ScimError;

pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const LIST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
pub const PATCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
/// The most resources one page lists.
pub const MAX_PAGE: usize = 200;
/// The most operations one PATCH carries.
pub const MAX_OPERATIONS: usize = 100;
/// The most members one group's resource may name.
pub const MAX_MEMBERS: usize = 10_000;

/// A search: one attribute equal to one value (what provisioning providers send).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    /// Lower-cased: `username`, `externalid`, `displayname`, `emails.value`, `id`.
    pub attribute: String,
    pub value: String,
}

/// Reads `attribute eq "value"`; any other filter is refused by name.
pub fn parse_filter(text: &str) -> Result<Filter, ScimError> {
    let text = text.trim();
    let invalid = || {
        ScimError::bad(
            "invalidFilter",
            format!("The filter {text:?} is not one Sightline answers: use attribute eq \"value\" with userName, externalId, emails.value, displayName or id."),
        )
    };
    let mut parts = text.splitn(3, char::is_whitespace);
    let (Some(attribute), Some(op), Some(value)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid());
    };
    if !op.eq_ignore_ascii_case("eq") {
        return Err(invalid());
    }
    let value = value.trim();
    let value = value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .ok_or_else(invalid)?;
    if value.contains('"') && !value.contains("\\\"") {
        return Err(invalid());
    }
    let attribute = attribute
        .rsplit(':')
        .next()
        .unwrap_or(attribute)
        .to_ascii_lowercase();
    if ![
        "username",
        "externalid",
        "displayname",
        "emails.value",
        "emails",
        "id",
    ]
    .contains(&attribute.as_str())
    {
        return Err(invalid());
    }
    Ok(Filter {
        attribute: if attribute == "emails" {
            "emails.value".into()
        } else {
            attribute
        },
        value: value.replace("\\\"", "\""),
    })
}

/// One PATCH operation as sent: `op` in any case (Entra sends `Replace`).
#[derive(Debug, Clone, Deserialize)]
pub struct Operation {
    pub op: String,
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub value: Option<Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Add,
    Replace,
    Remove,
}

/// A path: an attribute, maybe a filter on its values (`members[value eq "id"]`), maybe a
/// sub-attribute (`name.givenName`, `emails[type eq "work"].value`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Path {
    attribute: String,
    filter: Option<(String, String)>,
    sub: Option<String>,
}

fn parse_path(text: &str) -> Result<Path, ScimError> {
    let invalid = || ScimError::bad("invalidPath", format!("The path {text:?} cannot be read."));
    // A schema's URN before the attribute (`urn:…:User:active`) names the core attribute.
    let text = match text.rfind(':') {
        Some(at) if text.starts_with("urn:") && !text[..at].contains('[') => &text[at + 1..],
        _ => text,
    };
    let (head, filter, rest) = match text.find('[') {
        Some(open) => {
            let close = text.find(']').ok_or_else(invalid)?;
            let inner = &text[open + 1..close];
            let filter = parse_filter(inner).or_else(|_| {
                // Inside brackets the attribute is a sub-attribute (`value`, `type`).
                let mut parts = inner.splitn(3, char::is_whitespace);
                match (parts.next(), parts.next(), parts.next()) {
                    (Some(a), Some(op), Some(v)) if op.eq_ignore_ascii_case("eq") => {
                        let v = v.trim().trim_matches('"').to_string();
                        Ok(Filter {
                            attribute: a.to_string(),
                            value: v,
                        })
                    }
                    _ => Err(invalid()),
                }
            })?;
            (
                &text[..open],
                Some((filter.attribute, filter.value)),
                text[close + 1..].trim_start_matches('.'),
            )
        }
        None => match text.split_once('.') {
            Some((head, sub)) => (head, None, sub),
            None => (text, None, ""),
        },
    };
    if head.is_empty() {
        return Err(invalid());
    }
    Ok(Path {
        attribute: head.to_string(),
        filter,
        sub: (!rest.is_empty()).then(|| rest.to_string()),
    })
}

/// The key of `object` that names `name`, in any case (SCIM attribute names are
/// case-insensitive).
fn key_of(object: &Map<String, Value>, name: &str) -> String {
    object
        .keys()
        .find(|k| k.eq_ignore_ascii_case(name))
        .cloned()
        .unwrap_or_else(|| name.to_string())
}

fn matches(item: &Value, filter: &(String, String)) -> bool {
    let (attribute, value) = filter;
    item.as_object()
        .and_then(|o| {
            o.get(&key_of(
                o,
                attribute.rsplit('.').next().unwrap_or(attribute),
            ))
        })
        .map(|v| match v {
            Value::String(s) => s.eq_ignore_ascii_case(value),
            other => value.as_str() == other.to_string().as_str(),
        })
        .unwrap_or(false)
}

/// Entra ID sends booleans as strings (`"False"`): they are booleans here.
fn normal(value: Value) -> Value {
    match value {
        Value::String(s) if s.eq_ignore_ascii_case("true") => Value::Bool(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Value::Bool(false),
        other => other,
    }
}

/// Adds `value` at a plain attribute: a multi-valued one gains the new values (not twice), an
/// object merges, anything else is replaced.
fn add_to(object: &mut Map<String, Value>, name: &str, value: Value) {
    let key = key_of(object, name);
    match (object.get_mut(&key), value) {
        (Some(Value::Array(items)), Value::Array(more)) => {
            for item in more {
                if !items.contains(&item) {
                    items.push(item);
                }
            }
        }
        (Some(Value::Object(inner)), Value::Object(more)) => {
            for (k, v) in more {
                let k2 = key_of(inner, &k);
                inner.insert(k2, normal(v));
            }
        }
        (_, value) => {
            object.insert(key, normal(value));
        }
    }
}

/// Applies PATCH operations to a resource (RFC 7644, §3.5.2), in order; the resource is left
/// as it was when one fails.
pub fn apply_patch(resource: &mut Value, operations: &[Operation]) -> Result<(), ScimError> {
    if operations.is_empty() || operations.len() > MAX_OPERATIONS {
        return Err(ScimError::bad(
            "invalidSyntax",
            format!("A PATCH carries 1 to {MAX_OPERATIONS} operations."),
        ));
    }
    let mut next = resource.clone();
    for operation in operations {
        apply_one(&mut next, operation)?;
    }
    *resource = next;
    Ok(())
}

fn apply_one(resource: &mut Value, operation: &Operation) -> Result<(), ScimError> {
    let op = match operation.op.to_ascii_lowercase().as_str() {
        "add" => Op::Add,
        "replace" => Op::Replace,
        "remove" => Op::Remove,
        other => {
            return Err(ScimError::bad(
                "invalidSyntax",
                format!("\"{other}\" is not a PATCH operation: use add, replace or remove."),
            ))
        }
    };
    let object = resource
        .as_object_mut()
        .ok_or_else(|| ScimError::bad("invalidSyntax", "The resource is not an object."))?;
    let Some(path) = operation.path.as_deref().filter(|p| !p.trim().is_empty()) else {
        // No path: the value is an object of attributes to add or replace.
        let Some(Value::Object(values)) = operation.value.clone() else {
            return Err(ScimError::bad(
                "noTarget",
                "An operation without a path needs an object of attributes as its value.",
            ));
        };
        if op == Op::Remove {
            return Err(ScimError::bad("noTarget", "A remove needs a path."));
        }
        for (name, value) in values {
            let name = name.rsplit(':').next().unwrap_or(&name).to_string();
            match (op, name.split_once('.')) {
                (_, Some((head, sub))) => {
                    let key = key_of(object, head);
                    let inner = object
                        .entry(key)
                        .or_insert_with(|| Value::Object(Map::new()));
                    if let Some(inner) = inner.as_object_mut() {
                        let k = key_of(inner, sub);
                        inner.insert(k, normal(value));
                    }
                }
                (Op::Add, None) => add_to(object, &name, value),
                _ => {
                    let key = key_of(object, &name);
                    object.insert(key, normal(value));
                }
            }
        }
        return Ok(());
    };
    let path = parse_path(path)?;
    let key = key_of(object, &path.attribute);
    let value = operation.value.clone().map(normal);
    match (&path.filter, &path.sub, op) {
        (None, None, Op::Remove) => {
            object.remove(&key);
        }
        (None, None, Op::Add) => add_to(
            object,
            &key,
            value.ok_or_else(|| ScimError::bad("invalidValue", "An add needs a value."))?,
        ),
        (None, None, Op::Replace) => {
            object.insert(
                key,
                value.ok_or_else(|| ScimError::bad("invalidValue", "A replace needs a value."))?,
            );
        }
        (None, Some(sub), _) => {
            let inner = object
                .entry(key)
                .or_insert_with(|| Value::Object(Map::new()));
            let inner = inner.as_object_mut().ok_or_else(|| {
                ScimError::bad(
                    "invalidPath",
                    format!("{} has no sub-attributes.", path.attribute),
                )
            })?;
            let k = key_of(inner, sub);
            match (op, value) {
                (Op::Remove, _) => {
                    inner.remove(&k);
                }
                (_, Some(v)) => {
                    inner.insert(k, v);
                }
                (_, None) => {
                    return Err(ScimError::bad(
                        "invalidValue",
                        "The operation needs a value.",
                    ))
                }
            }
        }
        (Some(filter), sub, _) => {
            let items = object
                .entry(key)
                .or_insert_with(|| Value::Array(Vec::new()));
            let items = items.as_array_mut().ok_or_else(|| {
                ScimError::bad(
                    "invalidPath",
                    format!("{} has no values to filter.", path.attribute),
                )
            })?;
            let matched = items.iter().filter(|i| matches(i, filter)).count();
            match (op, sub, value) {
                (Op::Remove, None, _) => items.retain(|i| !matches(i, filter)),
                (Op::Remove, Some(sub), _) => {
                    for item in items.iter_mut().filter(|i| matches(i, filter)) {
                        if let Some(o) = item.as_object_mut() {
                            let k = key_of(o, sub);
                            o.remove(&k);
                        }
                    }
                }
                (_, Some(sub), Some(v)) => {
                    if matched == 0 {
                        // Adding a sub-attribute to a value not there yet makes the value.
                        let mut made = Map::new();
                        made.insert(filter.0.clone(), Value::String(filter.1.clone()));
                        made.insert(sub.clone(), v);
                        items.push(Value::Object(made));
                    } else {
                        for item in items.iter_mut().filter(|i| matches(i, filter)) {
                            if let Some(o) = item.as_object_mut() {
                                let k = key_of(o, sub);
                                o.insert(k, v.clone());
                            }
                        }
                    }
                }
                (_, None, Some(v)) => {
                    items.retain(|i| !matches(i, filter));
                    match v {
                        Value::Array(more) => items.extend(more),
                        one => items.push(one),
                    }
                }
                (_, _, None) => {
                    return Err(ScimError::bad(
                        "invalidValue",
                        "The operation needs a value.",
                    ))
                }
            }
        }
    }
    Ok(())
}

/// What a user's resource means for the account it provisions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserFields {
    pub email: String,
    pub name: String,
    pub active: bool,
    pub external_id: String,
}

fn text_at<'a>(resource: &'a Value, name: &str) -> Option<&'a str> {
    let object = resource.as_object()?;
    object
        .get(&key_of(object, name))
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// The account a user's resource describes: its email (the primary email, else the first, else
/// the userName when it is one), its name (displayName, name.formatted, given and family names,
/// else the userName), and whether it is active.
pub fn user_fields(resource: &Value) -> Result<UserFields, ScimError> {
    let user_name = text_at(resource, "userName")
        .ok_or_else(|| ScimError::bad("invalidValue", "A user needs a userName."))?;
    let emails: Vec<&Value> = resource
        .as_object()
        .and_then(|o| o.get(&key_of(o, "emails")))
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    let primary = emails
        .iter()
        .find(|e| e.get("primary").and_then(Value::as_bool) == Some(true))
        .or_else(|| emails.first())
        .and_then(|e| text_at(e, "value"));
    let email = primary
        .or_else(|| user_name.contains('@').then_some(user_name))
        .ok_or_else(|| {
            ScimError::bad(
                "invalidValue",
                "A user needs an email: Sightline finds people by email. Give one in emails, or a userName that is one.",
            )
        })?;
    let email = crate::directory::rules::clean_email(email)
        .map_err(|e| ScimError::bad("invalidValue", e.to_string()))?;
    let name_object = resource
        .as_object()
        .and_then(|o| o.get(&key_of(o, "name")))
        .cloned()
        .unwrap_or(Value::Null);
    let parts: Vec<&str> = ["givenName", "familyName"]
        .iter()
        .filter_map(|p| text_at(&name_object, p))
        .collect();
    let name = text_at(resource, "displayName")
        .map(str::to_string)
        .or_else(|| text_at(&name_object, "formatted").map(str::to_string))
        .or_else(|| (!parts.is_empty()).then(|| parts.join(" ")))
        .unwrap_or_else(|| user_name.to_string());
    let active = match resource
        .as_object()
        .and_then(|o| o.get(&key_of(o, "active")))
    {
        None | Some(Value::Null) => true,
        Some(v) => normal(v.clone())
            .as_bool()
            .ok_or_else(|| ScimError::bad("invalidValue", "active is true or false."))?,
    };
    Ok(UserFields {
        email,
        name: name.chars().take(200).collect(),
        active,
        external_id: text_at(resource, "externalId").unwrap_or("").to_string(),
    })
}

/// What a group's resource means: its name and the ids of its members.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupFields {
    pub name: String,
    pub members: Vec<String>,
    pub external_id: String,
}

pub fn group_fields(resource: &Value) -> Result<GroupFields, ScimError> {
    let name = text_at(resource, "displayName")
        .ok_or_else(|| ScimError::bad("invalidValue", "A group needs a displayName."))?;
    let members: Vec<String> = resource
        .as_object()
        .and_then(|o| o.get(&key_of(o, "members")))
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|m| text_at(m, "value").map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    if members.len() > MAX_MEMBERS {
        return Err(ScimError::bad(
            "tooMany",
            format!("A group names at most {MAX_MEMBERS} members here."),
        ));
    }
    let mut unique: Vec<String> = Vec::new();
    for member in members {
        if !unique.contains(&member) {
            unique.push(member);
        }
    }
    Ok(GroupFields {
        name: name.chars().take(200).collect(),
        members: unique,
        external_id: text_at(resource, "externalId").unwrap_or("").to_string(),
    })
}

/// `startIndex` (1-based) and `count` as the page to list: (offset, limit).
pub fn page(start_index: Option<i64>, count: Option<i64>) -> (usize, usize) {
    let start = start_index.unwrap_or(1).max(1) as usize;
    let count = count.unwrap_or(100).clamp(0, MAX_PAGE as i64) as usize;
    (start - 1, count)
}

#[cfg(test)]
mod tests;
