//! Server functions of reloads: the app's data page's "Reload now" and new files, its history,
//! and cancelling.

use leptos::prelude::*;
use server_fn::codec::Json;

use super::model::*;
use crate::error::AppError;

#[server(input = Json)]
pub async fn create_reload(app_id: String, changes: Vec<DataChange>) -> Result<Reload, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(
        super::service::create_reload(&state, &principal, &app_id, changes, ReloadKind::Hub).await,
    )
}

#[server(input = Json)]
pub async fn list_reloads(app_id: String, next: Option<String>) -> Result<ReloadPage, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    let query = super::service::ReloadQuery {
        app_id: Some(app_id),
        limit: 10,
        next,
        ..Default::default()
    };
    respond(super::service::list_reloads(&state, &principal, query).await)
}

#[server(input = Json)]
pub async fn cancel_reload(reload_id: String) -> Result<Reload, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::cancel_reload(&state, &principal, &reload_id).await)
}

/// The reloads of every app in the tenant's shared and managed spaces, for those who manage the
/// spaces; with a status (`FAILED`), a page at a time.
#[server(input = Json)]
pub async fn list_tenant_reloads(
    status: Option<String>,
    next: Option<String>,
) -> Result<ReloadPage, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    let query = super::service::ReloadQuery {
        app_id: None,
        status: status.as_deref().and_then(ReloadStatus::parse),
        limit: 25,
        next,
        ..Default::default()
    };
    respond(super::service::list_reloads(&state, &principal, query).await)
}
