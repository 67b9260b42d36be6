//! A notice as the portal shows it.

use serde::{Deserialize, Serialize};

/// What a notice is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NoticeKind {
    ReloadFailed,
    ScheduleOff,
}

impl NoticeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::ReloadFailed => "reload_failed",
            NoticeKind::ScheduleOff => "schedule_off",
        }
    }

    pub fn parse(text: &str) -> Option<NoticeKind> {
        [NoticeKind::ReloadFailed, NoticeKind::ScheduleOff]
            .into_iter()
            .find(|k| k.as_str() == text)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub id: String,
    pub kind: NoticeKind,
    /// The app it is about; empty: none.
    pub app_id: String,
    pub title: String,
    pub body: String,
    /// Unix ms.
    pub created_at: i64,
    pub read: bool,
}

/// A person's notices, newest first, and how many are unread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct NoticeList {
    pub notices: Vec<Notice>,
    pub unread: i64,
}
