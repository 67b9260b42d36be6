use serde::{Deserialize, Serialize};

use super::rules::{Permission, RoleKind, UserStatus};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleRef {
    pub id: String,
    pub name: String,
    pub kind: RoleKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupRef {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: String,
    pub tenant_id: String,
    pub name: String,
    pub email: String,
    pub status: UserStatus,
    pub created_at: i64,
    pub updated_at: i64,
    /// Roles given to the user directly.
    pub roles: Vec<RoleRef>,
    pub groups: Vec<GroupRef>,
}

/// A user as one admin page shows them: with the roles that reach them through groups and
/// what they add up to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserDetail {
    pub user: User,
    /// Roles through groups: (role, group it comes from).
    pub group_roles: Vec<(RoleRef, GroupRef)>,
    /// Wire names of every permission the user holds, User Default included.
    pub permissions: Vec<String>,
    pub has_password: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewUser {
    pub name: String,
    pub email: String,
    pub role_ids: Vec<String>,
    pub group_ids: Vec<String>,
}

/// A user just created, with the invitation link that lets them set a password (shown once).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedUser {
    pub user: User,
    pub invite_url: String,
}

/// A password reset: the link that chooses a new password (shown once), and whether it was
/// emailed to the user too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordReset {
    pub url: String,
    pub emailed: bool,
}

/// Changes to a user; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserChanges {
    pub name: Option<String>,
    pub status: Option<UserStatus>,
    pub role_ids: Option<Vec<String>>,
    pub group_ids: Option<Vec<String>>,
}

/// Which users to list. Empty strings do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserQuery {
    /// Part of a name or email, any case.
    pub search: String,
    pub email: String,
    pub status: Option<UserStatus>,
    /// Users who hold this role, directly or through a group.
    pub role_id: String,
    pub group_id: String,
    /// Continue after this user id (from `Page::next`).
    pub after: Option<String>,
    pub limit: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    pub id: String,
    pub tenant_id: String,
    pub name: String,
    pub description: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub member_count: i64,
    pub roles: Vec<RoleRef>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupDetail {
    pub group: Group,
    pub members: Vec<User>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewGroup {
    pub name: String,
    pub description: String,
    pub role_ids: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupChanges {
    pub name: Option<String>,
    pub description: Option<String>,
    pub role_ids: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupQuery {
    pub search: String,
    pub after: Option<String>,
    pub limit: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Role {
    pub id: String,
    pub kind: RoleKind,
    pub name: String,
    pub description: String,
    pub permissions: Vec<Permission>,
    pub created_at: i64,
    pub updated_at: i64,
    /// Users and groups the role is given to (User Default applies to everyone).
    pub user_count: i64,
    pub group_count: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleInput {
    pub name: String,
    pub description: String,
    pub permissions: Vec<Permission>,
}

/// Figures for the home page of an admin.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectoryCounts {
    pub active_users: i64,
    pub invited_users: i64,
    pub disabled_users: i64,
    pub groups: i64,
    pub custom_roles: i64,
}
