//! `/api/v1/reloads`: an app's data loaded again, in the shapes of Qlik Cloud's Reloads API.
//! A reload is queued (201) and runs in the background; its record says where it is.

use app::error::AppError;
use app::reloads::model::{Reload, ReloadKind, ReloadStatus};
use app::reloads::rules::iso_duration;
use app::reloads::service::{self, ReloadQuery};
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

/// Qlik's `Reload`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReloadOut {
    pub id: String,
    pub app_id: String,
    pub tenant_id: String,
    pub user_id: String,
    /// `hub` (the portal), `external` (this API), `chronos` (a schedule).
    #[serde(rename = "type")]
    pub type_: String,
    /// `QUEUED`, `RELOADING`, `CANCELING` (active); `SUCCEEDED`, `FAILED`, `CANCELED`,
    /// `EXCEEDED_LIMIT` (ended).
    pub status: String,
    /// Always false: Sightline reloads the whole app.
    pub partial: bool,
    pub creation_time: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
    /// When the new data was put in place (a successful reload's end).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub engine_time: Option<String>,
    /// ISO 8601, such as `PT2.5S`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    pub links: SelfLink,
}

impl ReloadOut {
    fn new(r: &Reload, base: &str, log: bool) -> Self {
        let failed = !r.error.is_empty();
        ReloadOut {
            id: r.id.clone(),
            app_id: r.app_id.clone(),
            tenant_id: r.tenant_id.clone(),
            user_id: r.user_id.clone(),
            type_: r.kind.as_str().to_string(),
            status: r.status.as_str().to_string(),
            partial: false,
            creation_time: rfc3339(r.created_at),
            start_time: r.started_at.map(rfc3339),
            end_time: r.ended_at.map(rfc3339),
            engine_time: r
                .ended_at
                .filter(|_| r.status == ReloadStatus::Succeeded)
                .map(rfc3339),
            duration: r
                .started_at
                .zip(r.ended_at)
                .map(|(start, end)| iso_duration(end - start)),
            log: log.then(|| r.log.clone()),
            error_code: failed.then(|| "RELOAD-FAILED".to_string()),
            error_message: failed.then(|| r.error.clone()),
            links: SelfLink {
                self_: Href {
                    href: format!("{base}/api/v1/reloads/{}", r.id),
                },
            },
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReloadList {
    pub data: Vec<ReloadOut>,
    pub links: ListLinks,
}

/// Qlik's `ReloadRequest`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReloadIn {
    pub app_id: String,
    /// A partial reload is refused: Sightline has no load script to run in part.
    #[serde(default)]
    pub partial: Option<bool>,
    /// Accepted and not used.
    #[serde(default)]
    pub weight: Option<i64>,
    #[serde(default)]
    pub resource_id: Option<String>,
    #[serde(default)]
    pub resource_type: Option<String>,
    /// Refused when given: Sightline apps have no script variables.
    #[serde(default)]
    pub variables: Option<std::collections::BTreeMap<String, String>>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct ReloadParams {
    /// The app whose reloads to list; those who manage the spaces may leave it out to list the
    /// reloads of every app in shared and managed spaces.
    pub app_id: Option<String>,
    /// `status eq "FAILED"`, `type eq "chronos"`, `partial eq false` (joined with `and`).
    pub filter: Option<String>,
    /// 1 to 100 (default 20).
    pub limit: Option<u32>,
    /// Include each reload's log.
    pub log: Option<bool>,
    pub next: Option<String>,
    pub partial: Option<bool>,
    /// Accepted: reloads are listed newest first.
    pub sort: Option<String>,
}

fn bad(field: &str, message: impl Into<String>) -> RestError {
    AppError::invalid(field, message).into()
}

#[utoipa::path(get, path = "/api/v1/reloads", tag = "reloads", params(ReloadParams),
    responses((status = 200, body = ReloadList), (status = 400, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Caller(caller): Caller,
    QueryParams(params): QueryParams<ReloadParams>,
) -> Result<Json<ReloadList>, RestError> {
    let mut query = ReloadQuery {
        app_id: params.app_id.clone().filter(|a| !a.is_empty()),
        limit: check_limit(params.limit)?,
        next: params.next.clone(),
        ..Default::default()
    };
    let mut partial = params.partial;
    if let Some(filter) = &params.filter {
        let filter = super::filter::reload_filter(filter)?;
        if let Some(status) = filter.status {
            query.status = Some(ReloadStatus::parse(&status).ok_or_else(|| {
                bad("filter", format!("\"{status}\" is not a reload status: use QUEUED, RELOADING, CANCELING, SUCCEEDED, FAILED, CANCELED or EXCEEDED_LIMIT."))
            })?);
        }
        if let Some(kind) = filter.kind {
            query.kind = Some(ReloadKind::parse(&kind).ok_or_else(|| {
                bad("filter", format!("\"{kind}\" is not a reload type Sightline makes: use hub, external or chronos."))
            })?);
        }
        partial = partial.or(filter.partial);
    }
    let base = base_url(&state);
    let page = if partial == Some(true) {
        // Sightline never reloads part of an app.
        app::reloads::model::ReloadPage {
            reloads: Vec::new(),
            next: None,
            can_reload: false,
            tables: Vec::new(),
        }
    } else {
        service::list_reloads(&state, &caller, query).await?
    };
    let log = params.log.unwrap_or(false);
    Ok(Json(ReloadList {
        data: page
            .reloads
            .iter()
            .map(|r| ReloadOut::new(r, &base, log))
            .collect(),
        links: super::list_links(
            &base,
            "reloads",
            params.limit,
            &[
                ("appId", params.app_id.as_deref()),
                ("filter", params.filter.as_deref()),
            ],
            params.next.as_deref(),
            page.next.as_deref(),
        ),
    }))
}

#[utoipa::path(post, path = "/api/v1/reloads", tag = "reloads", request_body = ReloadIn,
    responses((status = 201, body = ReloadOut), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Caller(caller): Caller,
    JsonBody(input): JsonBody<ReloadIn>,
) -> Result<Response, RestError> {
    if input.partial == Some(true) {
        return Err(bad(
            "partial",
            "Sightline reloads the whole app: send partial false or leave it out.",
        ));
    }
    if input.variables.as_ref().is_some_and(|v| !v.is_empty()) {
        return Err(bad(
            "variables",
            "Sightline apps have no load script variables: leave variables out.",
        ));
    }
    let reload = service::create_reload(
        &state,
        &caller,
        &input.app_id,
        Vec::new(),
        ReloadKind::External,
    )
    .await?;
    let base = base_url(&state);
    Ok((
        StatusCode::CREATED,
        Json(ReloadOut::new(&reload, &base, false)),
    )
        .into_response())
}

#[utoipa::path(get, path = "/api/v1/reloads/{reloadId}", tag = "reloads", params(("reloadId" = String, Path)),
    responses((status = 200, body = ReloadOut), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> Result<Json<ReloadOut>, RestError> {
    let reload = service::get_reload(&state, &caller, &id).await?;
    Ok(Json(ReloadOut::new(&reload, &base_url(&state), true)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReloadStatusOut {
    pub status: String,
}

#[utoipa::path(post, path = "/api/v1/reloads/{reloadId}/actions/cancel", tag = "reloads", params(("reloadId" = String, Path)),
    responses((status = 202, body = ReloadStatusOut, description = "The reload was running: it stops at its next step, and the app keeps its data."),
        (status = 204, description = "The reload was queued: cancelled."),
        (status = 409, body = ErrorBody)))]
pub async fn cancel(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> Result<Response, RestError> {
    let reload = service::cancel_reload(&state, &caller, &id).await?;
    Ok(match reload.status {
        ReloadStatus::Canceled => StatusCode::NO_CONTENT.into_response(),
        status => (
            StatusCode::ACCEPTED,
            Json(ReloadStatusOut {
                status: status.as_str().to_string(),
            }),
        )
            .into_response(),
    })
}
