//! Provisioning: the tenant admin's token, who a SCIM request acts as, and the operations on
//! users (`users.rs`) and groups (`groups.rs`). A request acts as the tenant's provisioning
//! agent: the directory's own operations do the work (their checks, their audit entries, a
//! disabled person signed out at once), under the name "SCIM provisioning".

use serde_json::{json, Value};
use sqlx::AnyConnection;

use super::model::*;
use super::rules::{self, Filter, LIST_SCHEMA};
use super::store;
use super::{BASE_PATH, MAX_RESOURCE_BYTES, TOKEN_PREFIX};
use crate::audit::model::AuditAction;
use crate::audit::service::{record, Target};
use crate::auth::principal::{Credential, Principal};
use crate::directory::rules::{unique_key, Permission};
use crate::error::AppError;
use crate::ids::{digest, is_id, new_secret};
use crate::state::AppState;

mod groups;
mod users;

pub use groups::*;
pub use users::*;

/// The name provisioning acts under in the audit log.
pub const AGENT: &str = "SCIM provisioning";

impl From<AppError> for ScimError {
    fn from(error: AppError) -> Self {
        let status = error.status();
        ScimError {
            status,
            scim_type: match status {
                409 => Some("uniqueness".into()),
                400 => Some("invalidValue".into()),
                _ => None,
            },
            detail: error.to_string(),
        }
    }
}

impl From<sqlx::Error> for ScimError {
    fn from(error: sqlx::Error) -> Self {
        AppError::from(error).into()
    }
}

fn base_url(state: &AppState) -> String {
    format!(
        "{}{BASE_PATH}",
        state.settings.public_url.trim_end_matches('/')
    )
}

fn require_admin(principal: &Principal) -> Result<(), AppError> {
    if principal.is_tenant_admin {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "Provisioning is for tenant admins: its token creates and removes accounts.",
        ))
    }
}

pub async fn get_scim_status(
    state: &AppState,
    principal: &Principal,
) -> Result<ScimStatus, AppError> {
    require_admin(principal)?;
    let mut conn = state.db.acquire().await?;
    let (users, groups) = store::counts(&mut conn, &principal.tenant_id).await?;
    Ok(ScimStatus {
        enabled: store::token_set(&mut conn, &principal.tenant_id).await?,
        base_url: base_url(state),
        users,
        groups,
    })
}

/// A new token for the tenant's provider (shown once); the one before stops working.
pub async fn make_scim_token(
    state: &AppState,
    principal: &Principal,
) -> Result<NewScimToken, AppError> {
    require_admin(principal)?;
    let token = format!("{TOKEN_PREFIX}{}", new_secret());
    let mut tx = state.db.begin().await?;
    store::set_token(&mut tx, &principal.tenant_id, &digest(&token)).await?;
    audit_token(&mut tx, state, principal, "new token").await?;
    tx.commit().await?;
    Ok(NewScimToken {
        token,
        base_url: base_url(state),
    })
}

/// Turns provisioning off: the token stops working; accounts stay as they are.
pub async fn revoke_scim_token(state: &AppState, principal: &Principal) -> Result<(), AppError> {
    require_admin(principal)?;
    let mut tx = state.db.begin().await?;
    store::set_token(&mut tx, &principal.tenant_id, "").await?;
    audit_token(&mut tx, state, principal, "turned off").await?;
    tx.commit().await?;
    Ok(())
}

async fn audit_token(
    conn: &mut AnyConnection,
    state: &AppState,
    principal: &Principal,
    detail: &str,
) -> Result<(), AppError> {
    record(
        conn,
        state.now(),
        &principal.actor(),
        AuditAction::ScimToken,
        Target {
            kind: "tenant",
            id: &principal.tenant_id,
            name: "",
        },
        detail,
    )
    .await
}

/// Who a SCIM request acts as: the provisioning agent of the tenant whose token it carries.
pub async fn provisioner(state: &AppState, token: &str) -> Result<Principal, ScimError> {
    let unknown = || {
        ScimError {
        status: 401,
        scim_type: None,
        detail: "Send the tenant's SCIM token as Authorization: Bearer <token>; a tenant admin makes one on the Identity providers page.".into(),
    }
    };
    if !token.starts_with(TOKEN_PREFIX) || token.len() > 200 {
        return Err(unknown());
    }
    let mut conn = state.db.acquire().await?;
    let (tenant_id, tenant_name) = store::tenant_by_token(&mut conn, &digest(token))
        .await?
        .ok_or_else(unknown)?;
    Ok(Principal {
        user_id: String::new(),
        tenant_id,
        tenant_name,
        name: AGENT.into(),
        email: String::new(),
        permissions: [Permission::ManageDirectory].into_iter().collect(),
        is_tenant_admin: false,
        credential: Credential::Provisioning,
        narrowing: Vec::new(),
    })
}

fn no_such(kind: &str, id: &str) -> ScimError {
    ScimError::not_found(format!("There is no {kind} {id} in this tenant."))
}

/// A resource's body as sent: an object of at most `MAX_RESOURCE_BYTES`.
fn checked_body(body: Value) -> Result<Value, ScimError> {
    if !body.is_object() {
        return Err(ScimError::bad(
            "invalidSyntax",
            "The body is a JSON object.",
        ));
    }
    if body.to_string().len() > MAX_RESOURCE_BYTES {
        return Err(ScimError::bad(
            "invalidValue",
            format!("A resource is at most {MAX_RESOURCE_BYTES} bytes here."),
        ));
    }
    Ok(body)
}

/// What the provider wrote, kept without what Sightline answers itself.
fn kept(mut body: Value) -> String {
    if let Some(o) = body.as_object_mut() {
        for own in ["id", "meta", "schemas", "groups"] {
            o.remove(own);
        }
    }
    body.to_string()
}

fn meta(state: &AppState, kind: &str, id: &str, created: i64, modified: i64) -> Value {
    json!({
        "resourceType": kind,
        "created": crate::timefmt::rfc3339(created),
        "lastModified": crate::timefmt::rfc3339(modified),
        "location": format!("{}/{kind}s/{id}", base_url(state)),
    })
}

/// A page of a search: SCIM's ListResponse, `startIndex` 1-based.
async fn list<F, Fut>(
    state: &AppState,
    principal: &Principal,
    kind: &str,
    filter: Option<&str>,
    start_index: Option<i64>,
    count: Option<i64>,
    mut render: F,
) -> Result<Value, ScimError>
where
    F: FnMut(String) -> Fut,
    Fut: std::future::Future<Output = Result<Option<Value>, ScimError>>,
{
    let filter: Option<Filter> = filter
        .filter(|f| !f.trim().is_empty())
        .map(rules::parse_filter)
        .transpose()?;
    let search = filter.as_ref().map(|f| {
        let value = match f.attribute.as_str() {
            "externalid" | "id" => f.value.clone(),
            _ => unique_key(&f.value),
        };
        (f.attribute.clone(), value)
    });
    let ids = {
        let mut conn = state.db.acquire().await?;
        store::search(
            &mut conn,
            &principal.tenant_id,
            kind,
            search.as_ref().map(|(a, v)| (a.as_str(), v.as_str())),
        )
        .await?
    };
    let (offset, limit) = rules::page(start_index, count);
    let mut resources = Vec::new();
    for id in ids.iter().skip(offset).take(limit) {
        if let Some(resource) = render(id.clone()).await? {
            resources.push(resource);
        }
    }
    Ok(json!({
        "schemas": [LIST_SCHEMA],
        "totalResults": ids.len(),
        "startIndex": offset + 1,
        "itemsPerPage": resources.len(),
        "Resources": resources,
    }))
}

fn valid_id(kind: &str, id: &str) -> Result<(), ScimError> {
    if is_id(id) {
        Ok(())
    } else {
        Err(no_such(kind, id))
    }
}
