//! Server functions for shares, the members list and the share dialog. Thin.

use leptos::prelude::*;
use server_fn::codec::Json;

use super::model::*;
use crate::error::AppError;

#[server(input = Json)]
pub async fn load_share_dialog(app_id: String) -> Result<ShareDialog, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::load_share_dialog(&state, &principal, &app_id).await)
}

#[server(input = Json)]
pub async fn find_candidates(search: String) -> Result<Vec<Candidate>, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::find_candidates(&state, &principal, &search).await)
}

#[server(input = Json)]
pub async fn create_share(space_id: String, input: NewShare) -> Result<Share, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::create_share(&state, &principal, &space_id, input).await)
}

#[server(input = Json)]
pub async fn update_share(
    space_id: String,
    id: String,
    changes: ShareChanges,
) -> Result<Share, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::update_share(&state, &principal, &space_id, &id, changes).await)
}

#[server(input = Json)]
pub async fn delete_share(space_id: String, id: String) -> Result<(), AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::delete_share(&state, &principal, &space_id, &id).await)
}

#[server(input = Json)]
pub async fn remove_app_access(
    space_id: String,
    assignee_type: ShareAssignee,
    assignee_id: String,
) -> Result<usize, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(
        super::service::remove_app_access(
            &state,
            &principal,
            &space_id,
            assignee_type,
            &assignee_id,
        )
        .await,
    )
}

#[server(input = Json)]
pub async fn list_members(space_id: String, query: MemberQuery) -> Result<MembersPage, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::list_members(&state, &principal, &space_id, query).await)
}
