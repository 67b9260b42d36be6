//! What the portal and the REST API say about spaces and their members.

use serde::{Deserialize, Serialize};

use super::rules::{SpaceRole, SpaceType};
use crate::sharing::rules::SpaceAction;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Space {
    pub id: String,
    pub tenant_id: String,
    pub space_type: SpaceType,
    /// A personal space has no name of its own: this is "Personal" (the REST API sends "").
    pub name: String,
    pub description: String,
    pub owner_id: Option<String>,
    pub owner_name: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    /// The caller owns the space.
    pub owner: bool,
    /// What the caller may do with the space.
    pub actions: Vec<SpaceAction>,
    /// The caller's roles in the space, the highest first.
    pub roles: Vec<SpaceRole>,
    /// Apps in the space the caller can open.
    pub app_count: i64,
}

impl Space {
    pub fn can(&self, action: SpaceAction) -> bool {
        self.actions.contains(&action)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpaceQuery {
    /// personal | shared | managed; empty for all.
    pub space_type: Option<SpaceType>,
    /// Part of the name, any case.
    pub name: String,
    pub owner_id: String,
    pub after: Option<String>,
    pub limit: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewSpace {
    pub space_type: SpaceType,
    pub name: String,
    pub description: String,
}

/// Changes to a space; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpaceChanges {
    pub name: Option<String>,
    pub description: Option<String>,
    pub owner_id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum AssigneeType {
    User,
    Group,
}

impl AssigneeType {
    pub fn api_name(self) -> &'static str {
        match self {
            AssigneeType::User => "user",
            AssigneeType::Group => "group",
        }
    }
}

/// A user or group with roles in a space.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    pub id: String,
    pub space_id: String,
    pub tenant_id: String,
    pub assignee_type: AssigneeType,
    pub assignee_id: String,
    pub assignee_name: String,
    pub roles: Vec<SpaceRole>,
    pub created_at: i64,
    pub created_by: String,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAssignment {
    pub assignee_type: AssigneeType,
    pub assignee_id: String,
    pub roles: Vec<SpaceRole>,
}

/// The space types a tenant offers, with the roles each allows (`GET /api/v1/spaces/types`).
pub fn space_types() -> Vec<(SpaceType, Vec<SpaceRole>)> {
    [SpaceType::Shared, SpaceType::Managed]
        .into_iter()
        .map(|t| (t, t.allowed_roles().to_vec()))
        .collect()
}
