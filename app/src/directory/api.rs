//! Server functions for the directory. Thin: caller and state in, service call, status out.

use leptos::prelude::*;
use server_fn::codec::Json;

use super::model::*;
use crate::error::AppError;
use crate::paging::Page;

#[server(input = Json)]
pub async fn list_users(query: UserQuery) -> Result<Page<User>, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::list_users(&state, &principal, query).await)
}

#[server(input = Json)]
pub async fn get_user(id: String) -> Result<UserDetail, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::get_user(&state, &principal, &id).await)
}

#[server(input = Json)]
pub async fn create_user(input: NewUser) -> Result<CreatedUser, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::create_user(&state, &principal, input).await)
}

#[server(input = Json)]
pub async fn update_user(id: String, changes: UserChanges) -> Result<User, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::update_user(&state, &principal, &id, changes).await)
}

#[server(input = Json)]
pub async fn delete_user(id: String) -> Result<(), AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::delete_user(&state, &principal, &id).await)
}

/// An admin's reset of an active user's password: their old one stops working, their sessions
/// end, and a link to choose a new one is returned once (and emailed to them).
#[server(input = Json, endpoint = "reset_user_password")]
pub async fn reset_user_password(id: String) -> Result<PasswordReset, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::reset_user_password(&state, &principal, &id).await)
}

#[server(input = Json)]
pub async fn reissue_invite(id: String) -> Result<String, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::reissue_invite(&state, &principal, &id).await)
}

#[server(input = Json)]
pub async fn list_groups(query: GroupQuery) -> Result<Page<Group>, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::list_groups(&state, &principal, query).await)
}

#[server(input = Json)]
pub async fn get_group(id: String) -> Result<GroupDetail, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::get_group(&state, &principal, &id).await)
}

#[server(input = Json)]
pub async fn create_group(input: NewGroup) -> Result<Group, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::create_group(&state, &principal, input).await)
}

#[server(input = Json)]
pub async fn update_group(id: String, changes: GroupChanges) -> Result<Group, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::update_group(&state, &principal, &id, changes).await)
}

#[server(input = Json)]
pub async fn delete_group(id: String) -> Result<(), AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::delete_group(&state, &principal, &id).await)
}

#[server(input = Json)]
pub async fn add_group_member(group_id: String, user_id: String) -> Result<(), AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::add_group_member(&state, &principal, &group_id, &user_id).await)
}

#[server(input = Json)]
pub async fn remove_group_member(group_id: String, user_id: String) -> Result<(), AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::remove_group_member(&state, &principal, &group_id, &user_id).await)
}

#[server]
pub async fn list_roles() -> Result<Vec<Role>, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::list_roles(&state, &principal).await)
}

#[server(input = Json)]
pub async fn create_role(input: RoleInput) -> Result<Role, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::create_role(&state, &principal, input).await)
}

#[server(input = Json)]
pub async fn update_role(id: String, input: RoleInput) -> Result<Role, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::update_role(&state, &principal, &id, input).await)
}

#[server(input = Json)]
pub async fn delete_role(id: String) -> Result<(), AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::delete_role(&state, &principal, &id).await)
}

#[server]
pub async fn get_directory_counts() -> Result<DirectoryCounts, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::get_directory_counts(&state, &principal).await)
}
