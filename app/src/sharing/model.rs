//! What the portal and the REST API say about shares and the members list.

use serde::{Deserialize, Serialize};

use crate::spaces::rules::{SpaceRole, SpaceType};

/// Who an app is shared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ShareAssignee {
    User,
    Group,
    /// Everyone in the tenant ("Anyone at <tenant>").
    Everyone,
    /// Anyone with an anonymous link (its access code).
    Link,
}

impl ShareAssignee {
    pub fn api_name(self) -> &'static str {
        match self {
            ShareAssignee::User => "user",
            ShareAssignee::Group => "group",
            ShareAssignee::Everyone => "everyone",
            ShareAssignee::Link => "link",
        }
    }

    pub fn parse(name: &str) -> Option<ShareAssignee> {
        [
            ShareAssignee::User,
            ShareAssignee::Group,
            ShareAssignee::Everyone,
            ShareAssignee::Link,
        ]
        .into_iter()
        .find(|a| a.api_name() == name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Share {
    pub id: String,
    pub tenant_id: String,
    pub space_id: String,
    pub app_id: String,
    pub app_name: String,
    pub assignee_type: ShareAssignee,
    /// The user or group id; empty for everyone.
    pub assignee_id: String,
    /// The user's or group's name, or "Anyone at <tenant>".
    pub assignee_name: String,
    pub assignee_email: String,
    pub roles: Vec<SpaceRole>,
    pub disabled: bool,
    pub created_at: i64,
    pub created_by: String,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewShare {
    pub app_id: String,
    pub assignee_type: ShareAssignee,
    /// The user or group id; empty for everyone.
    pub assignee_id: String,
    pub roles: Vec<SpaceRole>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareChanges {
    pub roles: Option<Vec<SpaceRole>>,
    pub disabled: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareQuery {
    pub app_id: String,
    pub user_id: String,
    pub group_id: String,
}

/// Everything the share dialog shows for one app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareDialog {
    pub app_id: String,
    pub app_name: String,
    pub space_id: String,
    pub space_type: SpaceType,
    pub tenant_name: String,
    /// The roles an app of this space can be shared with.
    pub roles: Vec<SpaceRole>,
    pub shares: Vec<Share>,
}

/// A user or group the share dialog offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidate {
    pub assignee_type: ShareAssignee,
    pub id: String,
    pub name: String,
    /// The email of a user; a group's member count, as words, for a group.
    pub detail: String,
}

/// How someone reaches a space, for the members list's icon and its access filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum AccessKind {
    /// A space member (or the owner).
    Member,
    /// Only through app shares.
    AppAccess,
    /// A space member who also has apps shared with them.
    Both,
}

/// One role a person or group holds in the space, and where it comes from, as people read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldRole {
    /// "Owner" or a role's UI name.
    pub role: String,
    pub api_name: String,
    /// E.g. "Space member", "Group Finance", "App Sales, shared with them".
    pub sources: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedApp {
    pub share_id: String,
    pub app_id: String,
    pub app_name: String,
    pub roles: Vec<SpaceRole>,
    pub disabled: bool,
}

/// One row of the members list: a user, a group, or everyone in the tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberRow {
    pub assignee_type: ShareAssignee,
    pub assignee_id: String,
    pub name: String,
    pub email: String,
    pub owner: bool,
    pub access: AccessKind,
    /// The space assignment, when the row is a space member.
    pub assignment_id: Option<String>,
    pub assignment_roles: Vec<SpaceRole>,
    pub shared_apps: Vec<SharedApp>,
    /// Every role from every source, the highest first.
    pub roles: Vec<HeldRole>,
    /// What the list shows: "Owner" or the highest role.
    pub highest: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberQuery {
    /// Part of a name or email, any case.
    pub search: String,
    /// A role's API name ("owner" for the owner); empty for any.
    pub role: String,
    pub access: Option<AccessKind>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MembersPage {
    pub space_id: String,
    pub space_name: String,
    pub space_type: SpaceType,
    pub tenant_name: String,
    /// The caller may change the list (Owner, Can manage, space admins).
    pub can_manage: bool,
    pub rows: Vec<MemberRow>,
    /// Rows before the search and filters.
    pub total: usize,
    /// (app id, name) of the apps live anonymous links reach; shown to those who manage the
    /// space as the member "Anonymous access".
    pub anonymous_apps: Vec<(String, String)>,
}
