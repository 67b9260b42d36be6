//! A reload as the pages and the REST API see it.

use serde::{Deserialize, Serialize};

/// Where a reload is: `Queued`, `Reloading` and `Canceling` are active; the rest are ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReloadStatus {
    Queued,
    Reloading,
    Canceling,
    Succeeded,
    Failed,
    Canceled,
    ExceededLimit,
}

impl ReloadStatus {
    pub const ALL: [ReloadStatus; 7] = [
        ReloadStatus::Queued,
        ReloadStatus::Reloading,
        ReloadStatus::Canceling,
        ReloadStatus::Succeeded,
        ReloadStatus::Failed,
        ReloadStatus::Canceled,
        ReloadStatus::ExceededLimit,
    ];

    /// Qlik's name, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            ReloadStatus::Queued => "QUEUED",
            ReloadStatus::Reloading => "RELOADING",
            ReloadStatus::Canceling => "CANCELING",
            ReloadStatus::Succeeded => "SUCCEEDED",
            ReloadStatus::Failed => "FAILED",
            ReloadStatus::Canceled => "CANCELED",
            ReloadStatus::ExceededLimit => "EXCEEDED_LIMIT",
        }
    }

    pub fn parse(text: &str) -> Option<ReloadStatus> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    pub fn is_active(self) -> bool {
        matches!(
            self,
            ReloadStatus::Queued | ReloadStatus::Reloading | ReloadStatus::Canceling
        )
    }

    /// In words, for the pages.
    pub fn label(self) -> &'static str {
        match self {
            ReloadStatus::Queued => "Queued",
            ReloadStatus::Reloading => "Reloading",
            ReloadStatus::Canceling => "Cancelling",
            ReloadStatus::Succeeded => "Succeeded",
            ReloadStatus::Failed => "Failed",
            ReloadStatus::Canceled => "Cancelled",
            ReloadStatus::ExceededLimit => "Too long: stopped",
        }
    }
}

/// What started a reload, in Qlik's words: `hub` a person in the portal, `external` the REST
/// API, `chronos` a schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReloadKind {
    Hub,
    External,
    Chronos,
}

impl ReloadKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ReloadKind::Hub => "hub",
            ReloadKind::External => "external",
            ReloadKind::Chronos => "chronos",
        }
    }

    pub fn parse(text: &str) -> Option<ReloadKind> {
        [ReloadKind::Hub, ReloadKind::External, ReloadKind::Chronos]
            .into_iter()
            .find(|k| k.as_str() == text)
    }
}

/// A new file's place in a reload: it replaces a table's data, follows a table's rows, or
/// becomes a table of its own. `file_id` is one of the caller's uploads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DataChange {
    Replace { table: String, file_id: String },
    Append { table: String, file_id: String },
    Add { file_id: String },
}

impl DataChange {
    pub fn file_id(&self) -> &str {
        match self {
            DataChange::Replace { file_id, .. }
            | DataChange::Append { file_id, .. }
            | DataChange::Add { file_id } => file_id,
        }
    }
}

/// A table's rows after a reload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableRows {
    pub table: String,
    pub rows: i64,
}

/// One reload of one app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reload {
    pub id: String,
    pub app_id: String,
    pub app_name: String,
    pub tenant_id: String,
    /// Who started it (empty for a schedule whose owner is gone).
    pub user_id: String,
    pub user_name: String,
    pub kind: ReloadKind,
    pub status: ReloadStatus,
    /// Unix ms.
    pub created_at: i64,
    pub started_at: Option<i64>,
    pub ended_at: Option<i64>,
    /// What it did, line by line.
    pub log: String,
    /// Why it failed, in words; empty otherwise.
    pub error: String,
    pub tables: Vec<TableRows>,
}

/// The reloads of an app (or of the tenant), newest first, a page at a time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReloadPage {
    pub reloads: Vec<Reload>,
    /// The cursor of the next page; none: the last page.
    pub next: Option<String>,
    /// Whether the caller may reload the app (its page's buttons).
    pub can_reload: bool,
    /// The app's tables, for a new file's place (one app's page only).
    #[serde(default)]
    pub tables: Vec<String>,
}
