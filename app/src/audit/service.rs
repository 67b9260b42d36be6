//! Writing and reading the audit log.

use sqlx::AnyConnection;

use super::model::{cursor_of, AuditAction, AuditEvent, AuditPage, AuditQuery};
use super::store;
use crate::auth::principal::Principal;
use crate::directory::rules::Permission;
use crate::error::AppError;
use crate::ids::new_id;
use crate::state::AppState;

/// Who did something: a signed-in user, or someone not (yet) known, such as a failed sign-in.
pub struct Actor<'a> {
    pub tenant_id: &'a str,
    pub id: Option<&'a str>,
    pub name: &'a str,
}

impl Principal {
    pub fn actor(&self) -> Actor<'_> {
        Actor {
            tenant_id: &self.tenant_id,
            // An agent acting as no user (provisioning) has no id.
            id: (!self.user_id.is_empty()).then_some(self.user_id.as_str()),
            name: &self.name,
        }
    }
}

/// What an action was done to.
pub struct Target<'a> {
    pub kind: &'a str,
    pub id: &'a str,
    pub name: &'a str,
}

/// Appends one event. Call it inside the transaction that makes the change, so the log and the
/// change land together or not at all.
pub async fn record(
    conn: &mut AnyConnection,
    now: i64,
    actor: &Actor<'_>,
    action: AuditAction,
    target: Target<'_>,
    detail: impl Into<String>,
) -> Result<(), AppError> {
    let event = AuditEvent {
        id: new_id(),
        at: now,
        actor_id: actor.id.map(str::to_string),
        actor_name: actor.name.to_string(),
        action: action.as_str().to_string(),
        target_type: target.kind.to_string(),
        target_id: target.id.to_string(),
        target_name: target.name.to_string(),
        detail: detail.into(),
    };
    store::insert(conn, actor.tenant_id, &event).await?;
    Ok(())
}

pub const DEFAULT_PAGE: u32 = 50;
pub const MAX_PAGE: u32 = 200;

pub async fn list_audit_events(
    state: &AppState,
    principal: &Principal,
    query: AuditQuery,
) -> Result<AuditPage, AppError> {
    principal.require(Permission::ViewAuditLog)?;
    let limit = match query.limit {
        0 => DEFAULT_PAGE,
        n => n.min(MAX_PAGE),
    };
    let mut conn = state.db.acquire().await?;
    let mut events = store::list(&mut conn, &principal.tenant_id, &query, limit).await?;
    let older = if events.len() > limit as usize {
        events.truncate(limit as usize);
        events.last().map(cursor_of)
    } else {
        None
    };
    Ok(AuditPage { events, older })
}
