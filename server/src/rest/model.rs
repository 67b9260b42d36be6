//! The REST API's JSON shapes, named as in Qlik Cloud's public REST reference.

use app::directory::model::{Group, Role, RoleRef, User};
use app::timefmt::rfc3339;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Serialize, ToSchema)]
pub struct Href {
    pub href: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SelfLink {
    #[serde(rename = "self")]
    pub self_: Href,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ListLinks {
    #[serde(rename = "self")]
    pub self_: Href,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<Href>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AssignedRole {
    pub id: String,
    pub name: String,
    /// `default` for built-in roles, `custom` for roles made by admins.
    #[serde(rename = "type")]
    pub type_: String,
    /// `admin` or `user`.
    pub level: String,
}

impl From<&RoleRef> for AssignedRole {
    fn from(r: &RoleRef) -> Self {
        AssignedRole {
            id: r.id.clone(),
            name: r.name.clone(),
            type_: r.kind.qlik_type().into(),
            level: r.kind.level().into(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssignedGroup {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserOut {
    pub id: String,
    pub tenant_id: String,
    pub name: String,
    pub email: String,
    /// Qlik's identity-provider subject; in Sightline, which signs users in itself, the email.
    pub subject: String,
    /// `active`, `invited` or `disabled`.
    pub status: String,
    pub created_at: String,
    pub last_updated_at: String,
    pub assigned_roles: Vec<AssignedRole>,
    pub assigned_groups: Vec<AssignedGroup>,
    pub links: SelfLink,
}

impl UserOut {
    pub fn new(user: &User, base: &str) -> Self {
        UserOut {
            id: user.id.clone(),
            tenant_id: user.tenant_id.clone(),
            name: user.name.clone(),
            email: user.email.clone(),
            subject: user.email.clone(),
            status: user.status.as_str().into(),
            created_at: rfc3339(user.created_at),
            last_updated_at: rfc3339(user.updated_at),
            assigned_roles: user.roles.iter().map(AssignedRole::from).collect(),
            assigned_groups: user
                .groups
                .iter()
                .map(|g| AssignedGroup {
                    id: g.id.clone(),
                    name: g.name.clone(),
                })
                .collect(),
            links: SelfLink {
                self_: Href {
                    href: format!("{base}/api/v1/users/{}", user.id),
                },
            },
        }
    }
}

/// A user just created: the user, and the link with which they set their password (shown once).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreatedUserOut {
    #[serde(flatten)]
    pub user: UserOut,
    pub invite_url: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserList {
    pub data: Vec<UserOut>,
    pub links: ListLinks,
    /// Only when asked for with `totalResults=true`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_results: Option<usize>,
}

/// A reference to a role or group, by id or by name.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct RefIn {
    pub id: Option<String>,
    pub name: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UserIn {
    /// The name shown in the portal; the email's part before `@` when left out.
    #[serde(default)]
    pub name: Option<String>,
    /// The address the user signs in with and receives the invitation at. Required, unless
    /// `subject` is itself an email address.
    #[serde(default)]
    pub email: Option<String>,
    /// Only `invited` is accepted: the user becomes active when they set a password.
    #[serde(default)]
    pub status: Option<String>,
    /// Qlik's identity-provider subject. Sightline signs users in itself and uses the email as
    /// the subject: a subject that is an email stands for a missing `email`; any other value
    /// is ignored.
    #[serde(default)]
    pub subject: Option<String>,
    /// Accepted and ignored: Sightline shows initials, not pictures.
    #[serde(default)]
    pub picture: Option<String>,
    /// When given, the caller's own tenant.
    #[serde(default)]
    pub tenant_id: Option<String>,
    #[serde(default)]
    pub assigned_roles: Vec<RefIn>,
    #[serde(default)]
    pub assigned_groups: Vec<RefIn>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct UserListParams {
    /// Page size, 1 to 100 (default 20).
    pub limit: Option<u32>,
    /// The cursor from `links.next`.
    pub next: Option<String>,
    /// `active`, `invited` or `disabled`.
    pub status: Option<String>,
    pub email: Option<String>,
    /// Part of a name or email.
    pub search: Option<String>,
    /// Users holding this role id, directly or through a group.
    pub role_id: Option<String>,
    /// Members of this group id.
    pub group_id: Option<String>,
    /// SCIM-style filter: `id eq`, `subject eq`, `email eq`, `status eq`, `name eq`,
    /// `assignedRoles.id eq`, `assignedRoles.name eq`, `assignedGroups.id eq`, `name co`,
    /// `name sw`, `email co`, `subject co`, joined with `and`.
    pub filter: Option<String>,
    /// `name` or `+name`, the one order Sightline keeps; other orders are refused.
    pub sort: Option<String>,
    /// Accepted; every field is always returned.
    pub fields: Option<String>,
    /// Adds `totalResults`, the number of users matching the filter.
    pub total_results: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GroupOut {
    pub id: String,
    pub tenant_id: String,
    pub name: String,
    pub description: String,
    /// Always `active`: Sightline groups are not synchronised from an identity provider.
    pub status: String,
    /// Always `custom`.
    pub provider_type: String,
    pub member_count: i64,
    pub created_at: String,
    pub last_updated_at: String,
    pub assigned_roles: Vec<AssignedRole>,
    pub links: SelfLink,
}

impl GroupOut {
    pub fn new(group: &Group, base: &str) -> Self {
        GroupOut {
            id: group.id.clone(),
            tenant_id: group.tenant_id.clone(),
            name: group.name.clone(),
            description: group.description.clone(),
            status: "active".into(),
            provider_type: "custom".into(),
            member_count: group.member_count,
            created_at: rfc3339(group.created_at),
            last_updated_at: rfc3339(group.updated_at),
            assigned_roles: group.roles.iter().map(AssignedRole::from).collect(),
            links: SelfLink {
                self_: Href {
                    href: format!("{base}/api/v1/groups/{}", group.id),
                },
            },
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GroupList {
    pub data: Vec<GroupOut>,
    pub links: ListLinks,
    /// Only when asked for with `totalResults=true`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_results: Option<usize>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GroupIn {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Only `active` is accepted.
    #[serde(default)]
    pub status: Option<String>,
    /// Only `custom`: Sightline has no identity provider to keep `idp` groups in step with.
    #[serde(default)]
    pub provider_type: Option<String>,
    #[serde(default)]
    pub assigned_roles: Vec<RefIn>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct GroupListParams {
    /// Page size, 1 to 100 (default 20).
    pub limit: Option<u32>,
    /// The cursor from `links.next`.
    pub next: Option<String>,
    /// Part of a group name.
    pub search: Option<String>,
    /// SCIM-style filter: `name eq "…"`, `name co "…"`, `name sw "…"`, `id eq "…"`.
    pub filter: Option<String>,
    /// `name` or `+name`, the one order Sightline keeps; other orders are refused.
    pub sort: Option<String>,
    /// Adds `totalResults`, the number of groups matching the filter.
    pub total_results: Option<bool>,
    /// Sightline has no system groups (its "everyone" is a share target, not a group): `true`
    /// answers an empty list.
    pub system_groups: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RoleOut {
    pub id: String,
    pub name: String,
    pub description: String,
    #[serde(rename = "type")]
    pub type_: String,
    pub level: String,
    pub permissions: Vec<String>,
    pub created_at: String,
    pub last_updated_at: String,
    pub links: SelfLink,
}

impl RoleOut {
    pub fn new(role: &Role, base: &str) -> Self {
        RoleOut {
            id: role.id.clone(),
            name: role.name.clone(),
            description: role.description.clone(),
            type_: role.kind.qlik_type().into(),
            level: role.kind.level().into(),
            permissions: role
                .permissions
                .iter()
                .map(|p| p.as_str().to_string())
                .collect(),
            created_at: rfc3339(role.created_at),
            last_updated_at: rfc3339(role.updated_at),
            links: SelfLink {
                self_: Href {
                    href: format!("{base}/api/v1/roles/{}", role.id),
                },
            },
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RoleList {
    pub data: Vec<RoleOut>,
    pub links: ListLinks,
    /// Only when asked for with `totalResults=true`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_results: Option<usize>,
}
