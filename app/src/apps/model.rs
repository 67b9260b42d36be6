//! What the portal and the REST API say about apps.

use serde::{Deserialize, Serialize};

use crate::sharing::rules::AppAction;
use crate::spaces::rules::SpaceType;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct App {
    pub id: String,
    pub tenant_id: String,
    pub space_id: String,
    pub space_name: String,
    pub space_type: SpaceType,
    pub name: String,
    pub description: String,
    pub owner_id: Option<String>,
    pub owner_name: Option<String>,
    /// The app this one was published from (a published app in a managed space).
    pub source_app_id: Option<String>,
    pub published_at: Option<i64>,
    pub content_version: i64,
    /// Rows of data over all its tables; 0 before data is loaded.
    pub data_rows: i64,
    pub created_at: i64,
    pub updated_at: i64,
    /// What the caller may do with the app.
    pub actions: Vec<AppAction>,
    /// "Owner" or the caller's highest role.
    pub highest: Option<String>,
    /// The caller reaches the app only through app shares, not as a space member.
    pub shared_with_caller: bool,
    /// A live anonymous link reaches the app: anyone with it sees its public sheets.
    pub public: bool,
}

impl App {
    pub fn can(&self, action: AppAction) -> bool {
        self.actions.contains(&action)
    }
}

/// One of the caller's roles on an app and where it comes from, as people read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleLine {
    pub role: String,
    pub sources: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppRef {
    pub id: String,
    pub name: String,
    pub space_id: String,
    pub space_name: String,
}

/// One app as its own page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppDetail {
    pub app: App,
    /// The caller's roles, the highest first.
    pub roles: Vec<RoleLine>,
    /// Where this app is published (for an app in a personal or shared space).
    pub published_copies: Vec<AppRef>,
    /// The app it was published from, when the caller can open it.
    pub source: Option<AppRef>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewApp {
    pub name: String,
    pub description: String,
    /// The space to make it in; the caller's personal space when empty.
    pub space_id: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppChanges {
    pub name: Option<String>,
    pub description: Option<String>,
}

/// Publish to a managed space; the name defaults to the app's own.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishInput {
    pub space_id: String,
    pub name: Option<String>,
}

/// Make a copy; in the caller's personal space when `space_id` is empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DuplicateInput {
    pub space_id: String,
    pub name: Option<String>,
}
