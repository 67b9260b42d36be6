//! Server functions of reload schedules: the app page's schedule form and list.

use leptos::prelude::*;
use server_fn::codec::Json;

use super::model::*;
use crate::error::AppError;

#[server(input = Json)]
pub async fn list_reload_tasks(app_id: String) -> Result<TaskPage, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::list_reload_tasks(&state, &principal, Some(&app_id), 20, None).await)
}

#[server(input = Json)]
pub async fn create_reload_task(app_id: String, input: TaskInput) -> Result<ReloadTask, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::create_reload_task(&state, &principal, &app_id, input).await)
}

#[server(input = Json)]
pub async fn update_reload_task(task_id: String, input: TaskInput) -> Result<ReloadTask, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::update_reload_task(&state, &principal, &task_id, input).await)
}

#[server(input = Json)]
pub async fn delete_reload_task(task_id: String) -> Result<(), AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::delete_reload_task(&state, &principal, &task_id).await)
}

/// The schedules of every app in the tenant's shared and managed spaces, for those who manage
/// the spaces.
#[server(input = Json)]
pub async fn list_tenant_reload_tasks(next: Option<String>) -> Result<TaskPage, AppError> {
    use crate::server_support::*;
    let (state, principal) = context()?;
    respond(super::service::list_reload_tasks(&state, &principal, None, 50, next.as_deref()).await)
}
