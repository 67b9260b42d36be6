//! Who is asking: the principal every operation is decided for, how it proved who it is, and
//! how it is loaded. The bottom layer: every feature's service may use it; it uses no service.

use std::collections::BTreeSet;

use sqlx::AnyConnection;

use super::model::CurrentUser;
use super::store;
use crate::directory::rules::{effective_permissions, Permission, RoleKind, UserStatus};
use crate::error::AppError;

/// Who is making a request, with everything authorization needs.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user_id: String,
    pub tenant_id: String,
    pub tenant_name: String,
    pub name: String,
    pub email: String,
    pub permissions: BTreeSet<Permission>,
    pub is_tenant_admin: bool,
    pub credential: Credential,
    /// What the credential narrows section access to, on top of the person's own rules: an
    /// identity provider's token may narrow (never widen) it. Field, allowed values; empty:
    /// nothing narrowed.
    pub narrowing: Vec<(String, Vec<String>)>,
}

/// How the principal proved who they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// A browser session; the digest of its id.
    Session {
        id_hash: String,
    },
    ApiKey {
        key_id: String,
    },
    /// The command line on the server itself.
    Console,
    /// A reload schedule, acting for its owner.
    Schedule {
        task_id: String,
    },
    /// An identity provider provisioning the tenant's users and groups (SCIM), acting as no user.
    Provisioning,
}

impl Principal {
    pub fn has(&self, permission: Permission) -> bool {
        self.permissions.contains(&permission)
    }

    pub fn require(&self, permission: Permission) -> Result<(), AppError> {
        if self.has(permission) {
            Ok(())
        } else {
            Err(AppError::forbidden(format!(
                "You need the permission \"{}\" for this. A tenant admin can grant it through the User Default role or a custom role.",
                permission.label()
            )))
        }
    }

    /// Which client is asking: the browser session, or (for API keys and the console) the user.
    /// A viewer's selections and a licence connection belong to a client.
    pub fn client_key(&self) -> String {
        match &self.credential {
            Credential::Session { id_hash } => format!("session:{id_hash}"),
            _ => format!("user:{}", self.user_id),
        }
    }

    pub fn current_user(&self) -> CurrentUser {
        CurrentUser {
            id: self.user_id.clone(),
            name: self.name.clone(),
            email: self.email.clone(),
            tenant_name: self.tenant_name.clone(),
            permissions: self
                .permissions
                .iter()
                .map(|p| p.as_str().to_string())
                .collect(),
            is_tenant_admin: self.is_tenant_admin,
        }
    }
}

/// What the transport knows about the request, for sign-in and the audit log.
#[derive(Debug, Clone, Default)]
pub struct RequestInfo {
    pub host: String,
    pub client_addr: String,
    pub user_agent: String,
}

/// Loads an active user's principal; `None` when the user is gone or not active.
pub async fn load_principal(
    conn: &mut AnyConnection,
    user_id: &str,
    credential: Credential,
) -> Result<Option<Principal>, AppError> {
    let Some(user) = store::principal_user(conn, user_id).await? else {
        return Ok(None);
    };
    if user.status != UserStatus::Active.as_str() {
        return Ok(None);
    }
    let (permissions, is_tenant_admin) = permissions_of(conn, &user.tenant_id, user_id).await?;
    Ok(Some(Principal {
        user_id: user.id,
        tenant_id: user.tenant_id,
        tenant_name: user.tenant_name,
        name: user.name,
        email: user.email,
        permissions,
        is_tenant_admin,
        credential,
        narrowing: Vec::new(),
    }))
}

/// What a user's roles add up to, whatever their status: their permissions, and whether they
/// are a tenant admin.
pub async fn permissions_of(
    conn: &mut AnyConnection,
    tenant_id: &str,
    user_id: &str,
) -> Result<(BTreeSet<Permission>, bool), AppError> {
    let grants = store::grants_of(conn, tenant_id, user_id).await?;
    let mut roles: std::collections::BTreeMap<String, (RoleKind, Vec<Permission>)> =
        Default::default();
    for grant in grants {
        let Some(kind) = RoleKind::parse(&grant.kind) else {
            continue;
        };
        let entry = roles.entry(grant.role_id).or_insert((kind, Vec::new()));
        if let Some(permission) = grant
            .permission
            .as_deref()
            .and_then(|p| Permission::parse(p).ok())
        {
            entry.1.push(permission);
        }
    }
    let is_tenant_admin = roles
        .values()
        .any(|(kind, _)| *kind == RoleKind::TenantAdmin);
    Ok((
        effective_permissions(
            roles
                .values()
                .map(|(kind, chosen)| (*kind, chosen.as_slice())),
        ),
        is_tenant_admin,
    ))
}
