use leptos::prelude::*;

use super::model::{AuditPage, AuditQuery};
use crate::error::AppError;

#[server]
pub async fn list_audit_events(query: AuditQuery) -> Result<AuditPage, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::list_audit_events(&state, &principal, query).await)
}
