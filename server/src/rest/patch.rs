//! JSON Patch operations, as Qlik's PATCH routes take them:
//! `[{"op":"replace","path":"/name","value":"Ada"}]`.

use app::error::AppError;
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct PatchOp {
    /// `replace`, `add` or `remove`; Qlik's `set` (replace) and `remove-value` (remove) too.
    pub op: String,
    /// The field, such as `/name` or `/assignedRoles`.
    pub path: String,
    #[serde(default)]
    #[schema(value_type = Object)]
    pub value: serde_json::Value,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Replace,
    Add,
    Remove,
}

impl PatchOp {
    pub fn kind(&self, index: usize) -> Result<Op, AppError> {
        match self.op.as_str() {
            "replace" | "set" => Ok(Op::Replace),
            "add" => Ok(Op::Add),
            "remove" | "remove-value" => Ok(Op::Remove),
            other => Err(AppError::invalid(
                "op",
                format!(
                    "Operation {index}: \"{other}\" is not supported; use replace, add or remove."
                ),
            )),
        }
    }

    /// The field the operation is on, as a JSON pointer: Qlik's groups route names fields
    /// without the leading `/`.
    pub fn field(&self) -> String {
        if self.path.starts_with('/') {
            self.path.clone()
        } else {
            format!("/{}", self.path)
        }
    }

    pub fn string(&self, index: usize) -> Result<String, AppError> {
        self.value.as_str().map(str::to_string).ok_or_else(|| {
            AppError::invalid(
                "value",
                format!(
                    "Operation {index} on {}: the value must be a string.",
                    self.path
                ),
            )
        })
    }

    pub fn boolean(&self, index: usize) -> Result<bool, AppError> {
        self.value.as_bool().ok_or_else(|| {
            AppError::invalid(
                "value",
                format!(
                    "Operation {index} on {}: the value must be true or false.",
                    self.path
                ),
            )
        })
    }

    /// A list of strings (one string alone is taken as a list).
    pub fn strings(&self, index: usize) -> Result<Vec<String>, AppError> {
        match &self.value {
            serde_json::Value::String(s) => Ok(vec![s.clone()]),
            serde_json::Value::Array(items) if items.iter().all(|v| v.is_string()) => Ok(items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()),
            _ => Err(AppError::invalid(
                "value",
                format!(
                    "Operation {index} on {}: the value must be a list of strings.",
                    self.path
                ),
            )),
        }
    }

    /// A list of `{"id": …}` or `{"name": …}` references (one object alone is taken as a list).
    pub fn refs(&self, index: usize) -> Result<Vec<super::model::RefIn>, AppError> {
        let value = match &self.value {
            serde_json::Value::Array(_) => self.value.clone(),
            serde_json::Value::Object(_) => serde_json::Value::Array(vec![self.value.clone()]),
            _ => serde_json::Value::Null,
        };
        serde_json::from_value(value).map_err(|_| {
            AppError::invalid("value", format!("Operation {index} on {}: the value must be a list of {{\"id\": …}} or {{\"name\": …}} objects.", self.path))
        })
    }

    pub fn unknown_path(&self, index: usize, known: &[&str]) -> AppError {
        AppError::invalid(
            "path",
            format!(
                "Operation {index}: \"{}\" cannot be patched; use one of {}.",
                self.path,
                known.join(", ")
            ),
        )
    }
}

/// Applies add/replace/remove of references to a list of ids.
pub fn apply_ids(current: &mut Vec<String>, op: Op, ids: Vec<String>) {
    match op {
        Op::Replace => *current = ids,
        Op::Add => {
            for id in ids {
                if !current.contains(&id) {
                    current.push(id);
                }
            }
        }
        Op::Remove => current.retain(|id| !ids.contains(id)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_added_replaced_and_removed() {
        let mut ids = vec!["a".to_string(), "b".to_string()];
        apply_ids(&mut ids, Op::Add, vec!["b".into(), "c".into()]);
        assert_eq!(ids, ["a", "b", "c"]);
        apply_ids(&mut ids, Op::Remove, vec!["a".into()]);
        assert_eq!(ids, ["b", "c"]);
        apply_ids(&mut ids, Op::Replace, vec!["z".into()]);
        assert_eq!(ids, ["z"]);
    }

    #[test]
    fn bad_operations_are_named() {
        let op = PatchOp {
            op: "move".into(),
            path: "/name".into(),
            value: serde_json::Value::Null,
        };
        assert!(op
            .kind(0)
            .unwrap_err()
            .to_string()
            .contains("\"move\" is not supported"));
        let op = PatchOp {
            op: "replace".into(),
            path: "/name".into(),
            value: serde_json::json!(3),
        };
        assert!(op
            .string(1)
            .unwrap_err()
            .to_string()
            .contains("must be a string"));
    }
}
