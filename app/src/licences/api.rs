//! Server functions for the licence center. Thin: caller and state in, service call out.

use leptos::prelude::*;
use server_fn::codec::Json;

use super::model::*;
use crate::error::AppError;

#[server(input = Json)]
pub async fn get_licence_overview() -> Result<LicenceOverview, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::get_licence_overview(&state, &principal).await)
}

#[server(input = Json)]
pub async fn get_licence_settings() -> Result<LicenceSettings, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::get_licence_settings(&state, &principal).await)
}

#[server(input = Json)]
pub async fn set_licence_settings(input: LicenceSettings) -> Result<LicenceSettings, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::set_licence_settings(&state, &principal, input).await)
}

#[server(input = Json)]
pub async fn list_licence_assignments() -> Result<Vec<AssignmentInfo>, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::list_licence_assignments(&state, &principal).await)
}

#[server(input = Json)]
pub async fn assign_licence(
    kind: LicenceKind,
    user_id: String,
    app_id: String,
) -> Result<(), AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::assign_licence(&state, &principal, kind, &user_id, &app_id).await)
}

/// Removes a licence; answers when it leaves quarantine (`None`: free at once).
#[server(input = Json)]
pub async fn remove_licence(
    kind: LicenceKind,
    user_id: String,
    app_id: String,
) -> Result<Option<i64>, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    let release = super::service::remove_licence(&state, &principal, kind, &user_id, &app_id).await;
    respond(release.map(|r| match r {
        super::rules::Release::QuarantinedUntil(t) => Some(t),
        super::rules::Release::Now => None,
    }))
}

#[server(input = Json)]
pub async fn list_my_connections() -> Result<Vec<MyConnection>, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::list_my_connections(&state, &principal).await)
}

#[server(input = Json)]
pub async fn end_my_connection(id: String) -> Result<(), AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::end_my_connection(&state, &principal, &id).await)
}

#[server(input = Json)]
pub async fn get_licence_extras() -> Result<LicenceExtras, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::get_licence_extras(&state, &principal).await)
}

#[server(input = Json)]
pub async fn add_login_group(group_id: String, tokens: i64) -> Result<(), AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::add_login_group(&state, &principal, &group_id, tokens).await)
}

#[server(input = Json)]
pub async fn delete_login_group(id: String) -> Result<u32, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::delete_login_group(&state, &principal, &id).await)
}

#[server(input = Json)]
pub async fn add_pass_rule(group_id: String) -> Result<(), AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::add_pass_rule(&state, &principal, &group_id).await)
}

#[server(input = Json)]
pub async fn remove_pass_rule(group_id: String) -> Result<(), AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::remove_pass_rule(&state, &principal, &group_id).await)
}

#[server(input = Json)]
pub async fn set_document_pool(app_id: String, size: i64) -> Result<(), AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::set_document_pool(&state, &principal, &app_id, size).await)
}
