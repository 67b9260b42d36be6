use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub id: String,
    pub at: i64,
    pub actor_id: Option<String>,
    pub actor_name: String,
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    pub target_name: String,
    pub detail: String,
}

/// Filters for browsing the log; empty fields do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditQuery {
    /// An action or the start of one: `user.` matches every user action.
    pub action: String,
    /// Matches the actor's name, case-insensitively.
    pub actor: String,
    /// Matches the target's name or id, case-insensitively.
    pub target: String,
    /// Show events older than this cursor (from `AuditPage::older`), paging back in time.
    pub before: Option<String>,
    pub limit: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub events: Vec<AuditEvent>,
    /// Pass as `before` to get the next (older) page.
    pub older: Option<String>,
}

/// The actions written to the log, grouped by their prefix, for the filter on the audit page.
pub const ACTIONS: &[&str] = &[
    "auth.sign_in",
    "auth.sign_in_failed",
    "auth.sign_out",
    "auth.sign_out_everywhere",
    "auth.password_set",
    "api_key.create",
    "api_key.revoke",
    "user.create",
    "user.update",
    "user.delete",
    "user.invite_reissued",
    "group.create",
    "group.update",
    "group.delete",
    "group.member_add",
    "group.member_remove",
    "role.create",
    "role.update",
    "role.delete",
    "role.assign",
    "role.unassign",
];

/// The paging cursor names the last event shown: its time and id, since several events can
/// share a millisecond.
pub fn cursor_of(event: &AuditEvent) -> String {
    format!("{}.{}", event.at, event.id)
}

pub fn parse_cursor(cursor: &str) -> Option<(i64, String)> {
    let (at, id) = cursor.split_once('.')?;
    Some((at.parse().ok()?, id.to_string()))
}
