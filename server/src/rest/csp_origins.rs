//! `/api/v1/csp-origins`: the sites allowed to frame Sightline's embed pages, in the shape of
//! Qlik Cloud's CSP origins. Tenant admins (`manage_allowed_origins`) keep the list.

use app::anonymous::model::{AllowedOrigin, NewOrigin};
use app::anonymous::service;
use app::state::AppState;
use app::timefmt::rfc3339;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::base_url;
use super::error::{ErrorBody, RestError};
use super::extract::{Caller, JsonBody};
use super::model::Href;

#[derive(Debug, Serialize, ToSchema)]
pub struct OriginLinks {
    #[serde(rename = "self")]
    pub self_: Href,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CspOriginOut {
    pub id: String,
    pub name: String,
    pub origin: String,
    pub description: String,
    /// The origin may frame Sightline (the only directive Sightline takes from the list).
    pub frame_ancestors: bool,
    pub created_date: String,
    pub modified_date: String,
    pub links: OriginLinks,
}

impl CspOriginOut {
    fn new(o: &AllowedOrigin, base: &str) -> Self {
        CspOriginOut {
            id: o.id.clone(),
            name: o.name.clone(),
            origin: o.origin.clone(),
            description: o.description.clone(),
            frame_ancestors: o.frame_ancestors,
            created_date: rfc3339(o.created_at),
            modified_date: rfc3339(o.updated_at),
            links: OriginLinks {
                self_: Href {
                    href: format!("{base}/api/v1/csp-origins/{}", o.id),
                },
            },
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CspOriginList {
    pub data: Vec<CspOriginOut>,
    pub links: OriginLinks,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CspOriginIn {
    pub name: String,
    /// `https://host[:port]` or `https://*.host`.
    pub origin: String,
    #[serde(default)]
    pub description: String,
    /// Defaults to true: an origin on the list may frame the embed pages.
    #[serde(default = "yes")]
    pub frame_ancestors: bool,
}

fn yes() -> bool {
    true
}

impl From<CspOriginIn> for NewOrigin {
    fn from(input: CspOriginIn) -> Self {
        NewOrigin {
            name: input.name,
            origin: input.origin,
            description: input.description,
            frame_ancestors: input.frame_ancestors,
        }
    }
}

#[utoipa::path(get, path = "/api/v1/csp-origins", tag = "csp-origins",
    responses((status = 200, body = CspOriginList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> Result<Json<CspOriginList>, RestError> {
    let base = base_url(&state);
    let origins = service::list_allowed_origins(&state, &caller).await?;
    Ok(Json(CspOriginList {
        data: origins
            .iter()
            .map(|o| CspOriginOut::new(o, &base))
            .collect(),
        links: OriginLinks {
            self_: Href {
                href: format!("{base}/api/v1/csp-origins"),
            },
        },
    }))
}

#[utoipa::path(post, path = "/api/v1/csp-origins", tag = "csp-origins", request_body = CspOriginIn,
    responses((status = 201, body = CspOriginOut), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Caller(caller): Caller,
    JsonBody(input): JsonBody<CspOriginIn>,
) -> Result<Response, RestError> {
    let origin = service::save_allowed_origin(&state, &caller, None, input.into()).await?;
    Ok((
        StatusCode::CREATED,
        Json(CspOriginOut::new(&origin, &base_url(&state))),
    )
        .into_response())
}

#[utoipa::path(get, path = "/api/v1/csp-origins/{id}", tag = "csp-origins", params(("id" = String, Path)),
    responses((status = 200, body = CspOriginOut), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> Result<Json<CspOriginOut>, RestError> {
    Ok(Json(CspOriginOut::new(
        &service::get_allowed_origin(&state, &caller, &id).await?,
        &base_url(&state),
    )))
}

#[utoipa::path(put, path = "/api/v1/csp-origins/{id}", tag = "csp-origins", params(("id" = String, Path)), request_body = CspOriginIn,
    responses((status = 200, body = CspOriginOut), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn put(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<CspOriginIn>,
) -> Result<Json<CspOriginOut>, RestError> {
    Ok(Json(CspOriginOut::new(
        &service::save_allowed_origin(&state, &caller, Some(&id), input.into()).await?,
        &base_url(&state),
    )))
}

#[utoipa::path(delete, path = "/api/v1/csp-origins/{id}", tag = "csp-origins", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, RestError> {
    service::delete_allowed_origin(&state, &caller, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
