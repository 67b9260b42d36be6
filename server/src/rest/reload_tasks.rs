//! `/api/v1/reload-tasks`: an app's reload schedules, in the shapes of Qlik Cloud's Reload
//! tasks API. A schedule is RFC 5545 RRULE lines read in an IANA time zone from a start to an
//! end; a task that fails five runs in a row turns itself off (`CONSECUTIVE-FAILURES`).

use app::error::AppError;
use app::reload_tasks::model::{ReloadTask, TaskInput, TaskState};
use app::reload_tasks::service;
use app::state::AppState;
use app::timefmt::rfc3339;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::base_url;
use super::check_limit;
use super::error::{ErrorBody, RestError};
use super::extract::{Caller, JsonBody, QueryParams};
use super::model::{Href, ListLinks, SelfLink};

/// Qlik's `Task`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TaskOut {
    pub id: String,
    pub app_id: String,
    pub tenant_id: String,
    /// The owner: the runs reload the app as them.
    pub user_id: String,
    /// Always false: Sightline reloads the whole app.
    pub partial: bool,
    pub auto_reload: bool,
    pub auto_reload_partial: bool,
    /// RFC 5545 RRULE lines.
    pub recurrence: Vec<String>,
    /// An IANA time zone, `UTC`, or a fixed offset such as `+01:00`.
    pub time_zone: String,
    /// Local date and time in `timeZone`, such as `2027-03-28T08:00:00`.
    pub start_date_time: String,
    /// Empty: no end.
    pub end_date_time: String,
    /// `Enabled`, `Disabled` or `Completed` (the schedule has ended).
    pub state: String,
    /// Why a task is off: `MANUALLY`, `CONSECUTIVE-FAILURES`, `OWNER-DELETED`, `OWNER-DISABLED`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disabled_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_execution_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_execution_time: Option<String>,
    /// What the task last said: its last failure, or why it turned off.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub log: String,
    pub links: SelfLink,
}

impl TaskOut {
    fn new(t: &ReloadTask, base: &str) -> Self {
        TaskOut {
            id: t.id.clone(),
            app_id: t.app_id.clone(),
            tenant_id: t.tenant_id.clone(),
            user_id: t.user_id.clone(),
            partial: false,
            auto_reload: false,
            auto_reload_partial: false,
            recurrence: t.recurrence.clone(),
            time_zone: t.time_zone.clone(),
            start_date_time: t.start.clone(),
            end_date_time: t.end.clone(),
            state: t.state.as_str().to_string(),
            disabled_code: t.disabled_code.map(|c| c.as_str().to_string()),
            last_execution_time: t.last_run_at.map(rfc3339),
            next_execution_time: t.next_run_at.map(rfc3339),
            log: t.note.clone(),
            links: SelfLink {
                self_: Href {
                    href: format!("{base}/api/v1/reload-tasks/{}", t.id),
                },
            },
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TaskList {
    pub data: Vec<TaskOut>,
    pub links: ListLinks,
}

/// Qlik's `PostTaskBody` and `PutTaskBody`: on an update, what is left out stays as it is.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TaskIn {
    /// Needed to create; on an update it must be the task's app or left out.
    pub app_id: Option<String>,
    pub recurrence: Option<Vec<String>>,
    pub time_zone: Option<String>,
    /// Local date and time in `timeZone`; with no `timeZone`, an RFC 3339 time with its offset.
    /// Left out on create: now.
    pub start_date_time: Option<String>,
    pub end_date_time: Option<String>,
    /// `Enabled` or `Disabled` (created enabled).
    pub state: Option<String>,
    /// Refused when true: Sightline reloads the whole app.
    pub partial: Option<bool>,
    /// Refused when true: an app reloads on a schedule or when asked.
    pub auto_reload: Option<bool>,
    pub auto_reload_partial: Option<bool>,
    /// Accepted: `scheduled_reload`.
    #[serde(rename = "type")]
    pub type_: Option<String>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct TaskParams {
    /// The app whose tasks to list; those who manage the spaces may leave it out.
    pub app_id: Option<String>,
    /// 1 to 100 (default 20).
    pub limit: Option<u32>,
    pub next: Option<String>,
    pub prev: Option<String>,
    /// True lists nothing: Sightline has no partial reloads.
    pub partial: Option<bool>,
}

fn bad(field: &str, message: impl Into<String>) -> RestError {
    AppError::invalid(field, message).into()
}

/// Refuses what Sightline does not do; returns whether the task is to be on.
fn check(input: &TaskIn, enabled_now: bool) -> Result<bool, RestError> {
    if input.partial == Some(true) || input.auto_reload_partial == Some(true) {
        return Err(bad(
            "partial",
            "Sightline reloads the whole app: send partial false or leave it out.",
        ));
    }
    if input.auto_reload == Some(true) {
        return Err(bad(
            "autoReload",
            "An app reloads on its schedule or when asked: send autoReload false or leave it out.",
        ));
    }
    if let Some(kind) = input.type_.as_deref().filter(|t| *t != "scheduled_reload") {
        return Err(bad(
            "type",
            format!("\"{kind}\" is not a task type Sightline has: use scheduled_reload."),
        ));
    }
    match input.state.as_deref() {
        None => Ok(enabled_now),
        Some(state) => match TaskState::parse(state) {
            Some(TaskState::Enabled) => Ok(true),
            Some(TaskState::Disabled) => Ok(false),
            _ => Err(bad(
                "state",
                format!(
                    "\"{state}\" is not a state a task can be set to: use Enabled or Disabled."
                ),
            )),
        },
    }
}

#[utoipa::path(get, path = "/api/v1/reload-tasks", tag = "reload-tasks", params(TaskParams),
    responses((status = 200, body = TaskList), (status = 400, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Caller(caller): Caller,
    QueryParams(params): QueryParams<TaskParams>,
) -> Result<Json<TaskList>, RestError> {
    let limit = check_limit(params.limit)?;
    let base = base_url(&state);
    let app_id = params.app_id.clone().filter(|a| !a.is_empty());
    let page = if params.partial == Some(true) {
        app::reload_tasks::model::TaskPage {
            tasks: Vec::new(),
            next: None,
            can_edit: false,
        }
    } else {
        service::list_reload_tasks(
            &state,
            &caller,
            app_id.as_deref(),
            limit,
            params.next.as_deref(),
        )
        .await?
    };
    Ok(Json(TaskList {
        data: page.tasks.iter().map(|t| TaskOut::new(t, &base)).collect(),
        links: super::list_links(
            &base,
            "reload-tasks",
            params.limit,
            &[("appId", app_id.as_deref())],
            params.next.as_deref(),
            page.next.as_deref(),
        ),
    }))
}

#[utoipa::path(post, path = "/api/v1/reload-tasks", tag = "reload-tasks", request_body = TaskIn,
    responses((status = 201, body = TaskOut), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Caller(caller): Caller,
    JsonBody(input): JsonBody<TaskIn>,
) -> Result<Response, RestError> {
    let enabled = check(&input, true)?;
    let app_id = input
        .app_id
        .clone()
        .filter(|a| !a.is_empty())
        .ok_or_else(|| bad("appId", "Name the app to reload: appId."))?;
    let task = service::create_reload_task(
        &state,
        &caller,
        &app_id,
        TaskInput {
            recurrence: input.recurrence.unwrap_or_default(),
            time_zone: input.time_zone.unwrap_or_default(),
            start: input.start_date_time.unwrap_or_default(),
            end: input.end_date_time.unwrap_or_default(),
            enabled,
        },
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(TaskOut::new(&task, &base_url(&state))),
    )
        .into_response())
}

#[utoipa::path(get, path = "/api/v1/reload-tasks/{taskId}", tag = "reload-tasks", params(("taskId" = String, Path)),
    responses((status = 200, body = TaskOut), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> Result<Json<TaskOut>, RestError> {
    let task = service::get_reload_task(&state, &caller, &id).await?;
    Ok(Json(TaskOut::new(&task, &base_url(&state))))
}

#[utoipa::path(put, path = "/api/v1/reload-tasks/{taskId}", tag = "reload-tasks", params(("taskId" = String, Path)), request_body = TaskIn,
    responses((status = 200, body = TaskOut), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<TaskIn>,
) -> Result<Json<TaskOut>, RestError> {
    let current = service::get_reload_task(&state, &caller, &id).await?;
    if input
        .app_id
        .as_deref()
        .is_some_and(|a| !a.is_empty() && a != current.app_id)
    {
        return Err(bad(
            "appId",
            "A task stays with its app: make a new task for another app.",
        ));
    }
    let enabled = check(&input, current.state == TaskState::Enabled)?;
    let task = service::update_reload_task(
        &state,
        &caller,
        &id,
        TaskInput {
            recurrence: input.recurrence.unwrap_or(current.recurrence),
            time_zone: input.time_zone.unwrap_or(current.time_zone),
            start: input.start_date_time.unwrap_or(current.start),
            end: input.end_date_time.unwrap_or(current.end),
            enabled,
        },
    )
    .await?;
    Ok(Json(TaskOut::new(&task, &base_url(&state))))
}

#[utoipa::path(delete, path = "/api/v1/reload-tasks/{taskId}", tag = "reload-tasks", params(("taskId" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, RestError> {
    service::delete_reload_task(&state, &caller, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
