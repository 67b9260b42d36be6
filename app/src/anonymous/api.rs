//! Server functions for anonymous access: the links panel for tenant users, the anonymous
//! session's own two calls, and the admin center's origins and capacity.

use leptos::prelude::*;
use server_fn::codec::Json;

use super::model::*;
use crate::content::model::{SelectionChange, SheetView};
use crate::error::AppError;

#[server(input = Json)]
pub async fn get_anonymous_panel(app_id: String) -> Result<AnonymousPanel, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::get_anonymous_panel(&state, &principal, &app_id).await)
}

#[server(input = Json)]
pub async fn set_anonymous_access(app_id: String, on: bool) -> Result<AnonymousPanel, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::set_anonymous_access(&state, &principal, &app_id, on).await)
}

#[server(input = Json)]
pub async fn create_link(app_id: String, name: String) -> Result<LinkInfo, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::create_link(&state, &principal, &app_id, &name).await)
}

#[server(input = Json)]
pub async fn update_link(link_id: String, changes: LinkChanges) -> Result<LinkInfo, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::update_link(&state, &principal, &link_id, changes).await)
}

#[server(input = Json)]
pub async fn reset_link_code(link_id: String) -> Result<LinkInfo, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::reset_link_code(&state, &principal, &link_id).await)
}

#[server(input = Json)]
pub async fn delete_link(link_id: String) -> Result<(), AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::delete_link(&state, &principal, &link_id).await)
}

/// Starts an anonymous session: no account, no cookie. The page renders its first view on the
/// server with it; the token comes back with every later call.
#[server(input = Json, endpoint = "anonymous_start")]
pub async fn start_anonymous_session(
    app_id: String,
    code: String,
    sheet_id: Option<String>,
    chart_id: Option<String>,
    field: Option<String>,
    select: String,
    #[server(default)] join: Option<String>,
) -> Result<AnonymousSession, AppError> {
    use crate::server_support::*;
    let state = state()?;
    // Another embed of the page's session: its view, or (the session ended) a session of its own.
    if let Some(token) = join.as_deref().filter(|t| !t.is_empty()) {
        let joined = super::service::join_anonymous_session(
            &state,
            &app_id,
            &code,
            token,
            sheet_id.as_deref(),
            chart_id.as_deref(),
            field.as_deref(),
        )
        .await;
        if let Ok(session) = joined {
            return Ok(session);
        }
    }
    let info = request_info();
    // Rendering a visitor page: the server may keep it as bytes (server::first_pages).
    let capture = parts().and_then(|p| {
        p.extensions
            .get::<std::sync::Arc<super::runtime::PageCapture>>()
            .cloned()
    });
    let refused = parts().and_then(|p| {
        p.extensions
            .get::<super::runtime::PriorRefusal>()
            .map(|r| r.0.clone())
    });
    if let Some(refusal) = refused {
        return respond(Err(refusal));
    }
    let visit = super::service::Visit {
        client_addr: &info.client_addr,
        page: capture.as_deref(),
    };
    respond(
        super::service::start_anonymous_session(
            &state,
            visit,
            &app_id,
            &code,
            sheet_id.as_deref(),
            chart_id.as_deref(),
            field.as_deref(),
            &select,
        )
        .await,
    )
}

/// A sheet for a live anonymous session, after a selection change.
#[server(input = Json, endpoint = "anonymous_sheet")]
pub async fn anonymous_sheet(
    token: String,
    sheet_id: Option<String>,
    field: Option<String>,
    change: Option<SelectionChange>,
) -> Result<SheetView, AppError> {
    use crate::server_support::*;
    let state = state()?;
    respond(
        super::service::anonymous_sheet(
            &state,
            &token,
            sheet_id.as_deref(),
            field.as_deref(),
            change,
        )
        .await,
    )
}

#[server(input = Json)]
pub async fn list_allowed_origins() -> Result<Vec<AllowedOrigin>, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::list_allowed_origins(&state, &principal).await)
}

#[server(input = Json, endpoint = "save_allowed_origin")]
pub async fn save_allowed_origin(
    id: Option<String>,
    input: NewOrigin,
) -> Result<AllowedOrigin, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::save_allowed_origin(&state, &principal, id.as_deref(), input).await)
}

#[server(input = Json)]
pub async fn delete_allowed_origin(id: String) -> Result<(), AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::delete_allowed_origin(&state, &principal, &id).await)
}

#[server(input = Json)]
pub async fn get_anonymous_usage() -> Result<AnonymousUsage, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::get_anonymous_usage(&state, &principal).await)
}

#[server(input = Json)]
pub async fn set_anonymous_capacity(max_sessions: i64) -> Result<AnonymousUsage, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::set_anonymous_capacity(&state, &principal, max_sessions).await)
}
