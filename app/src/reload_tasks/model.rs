//! A reload task (an app's reload schedule) as the pages and the REST API see it.

use serde::{Deserialize, Serialize};

/// Whether a task runs: `Completed` when its schedule has ended (its end, `COUNT` or `UNTIL`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TaskState {
    Enabled,
    Disabled,
    Completed,
}

impl TaskState {
    pub fn as_str(self) -> &'static str {
        match self {
            TaskState::Enabled => "Enabled",
            TaskState::Disabled => "Disabled",
            TaskState::Completed => "Completed",
        }
    }

    pub fn parse(text: &str) -> Option<TaskState> {
        [
            TaskState::Enabled,
            TaskState::Disabled,
            TaskState::Completed,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

/// Why a task is off, in Qlik's codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DisabledCode {
    Manually,
    ConsecutiveFailures,
    OwnerDeleted,
    OwnerDisabled,
}

impl DisabledCode {
    pub fn as_str(self) -> &'static str {
        match self {
            DisabledCode::Manually => "MANUALLY",
            DisabledCode::ConsecutiveFailures => "CONSECUTIVE-FAILURES",
            DisabledCode::OwnerDeleted => "OWNER-DELETED",
            DisabledCode::OwnerDisabled => "OWNER-DISABLED",
        }
    }

    pub fn parse(text: &str) -> Option<DisabledCode> {
        [
            DisabledCode::Manually,
            DisabledCode::ConsecutiveFailures,
            DisabledCode::OwnerDeleted,
            DisabledCode::OwnerDisabled,
        ]
        .into_iter()
        .find(|c| c.as_str() == text)
    }
}

/// One app's reload schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReloadTask {
    pub id: String,
    pub app_id: String,
    pub app_name: String,
    pub tenant_id: String,
    /// Whose reloads these are: the task's owner (its maker).
    pub user_id: String,
    pub user_name: String,
    /// RFC 5545 RRULE lines.
    pub recurrence: Vec<String>,
    /// An IANA time zone name.
    pub time_zone: String,
    /// Local date and time, `2027-03-28T08:00:00`.
    pub start: String,
    /// Local date and time; empty: no end.
    pub end: String,
    pub state: TaskState,
    pub disabled_code: Option<DisabledCode>,
    /// The schedule in words: "Every day at 08:00 (Europe/Paris)".
    pub words: String,
    /// What the task last said: why it turned off, or its last failure.
    pub note: String,
    /// Failed runs in a row.
    pub failures: u32,
    /// Unix ms.
    pub last_run_at: Option<i64>,
    pub next_run_at: Option<i64>,
    /// The next few runs after that, for the page.
    #[serde(default)]
    pub then: Vec<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// What a person sets on a schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct TaskInput {
    pub recurrence: Vec<String>,
    pub time_zone: String,
    /// Empty: from now.
    pub start: String,
    pub end: String,
    pub enabled: bool,
}

/// An app's schedules (or the tenant's), with whether the caller may change them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskPage {
    pub tasks: Vec<ReloadTask>,
    pub next: Option<String>,
    pub can_edit: bool,
}
