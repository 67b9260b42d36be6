//! `/api/v1/apps` in Qlik Cloud's shapes: get, create, update, delete, publish, republish,
//! copy and move.

use app::apps::model::*;
use app::apps::service;
use app::state::AppState;
use app::timefmt::rfc3339;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::base_url;
use super::error::{ErrorBody, RestError};
use super::extract::{Caller, JsonBody};

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AppAttributes {
    pub id: String,
    pub name: String,
    pub description: String,
    pub space_id: String,
    pub owner_id: Option<String>,
    pub owner: Option<String>,
    pub published: bool,
    pub publish_time: Option<String>,
    /// The app this one was published from.
    pub source_app_id: Option<String>,
    pub content_version: i64,
    pub created_date: String,
    pub modified_date: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AppOut {
    pub attributes: AppAttributes,
    /// What the caller may do: read, contribute, update, publish, share, manage_anonymous_access, delete, read_members.
    pub privileges: Vec<String>,
    pub links: super::model::SelfLink,
}

impl AppOut {
    fn new(app: &App, base: &str) -> Self {
        AppOut {
            attributes: AppAttributes {
                id: app.id.clone(),
                name: app.name.clone(),
                description: app.description.clone(),
                space_id: app.space_id.clone(),
                owner_id: app.owner_id.clone(),
                owner: app.owner_name.clone(),
                published: app.published_at.is_some(),
                publish_time: app.published_at.map(rfc3339),
                source_app_id: app.source_app_id.clone(),
                content_version: app.content_version,
                created_date: rfc3339(app.created_at),
                modified_date: rfc3339(app.updated_at),
            },
            privileges: app
                .actions
                .iter()
                .map(|a| a.api_name().to_string())
                .collect(),
            links: super::model::SelfLink {
                self_: super::model::Href {
                    href: format!("{base}/api/v1/apps/{}", app.id),
                },
            },
        }
    }
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AttributesIn {
    pub name: Option<String>,
    pub description: Option<String>,
    /// Only when creating: the space to make the app in (the personal space when left out).
    pub space_id: Option<String>,
    /// Only when creating: ids of uploads (`POST /api/v1/data-files`) to load as the app's data,
    /// one table per file. A file that does not load fails the request and makes no app.
    pub data_files: Option<Vec<String>>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppIn {
    pub attributes: AttributesIn,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PublishIn {
    /// The managed space to publish to.
    pub space_id: String,
    #[serde(default)]
    pub attributes: Option<AttributesIn>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RepublishIn {
    /// The published app to replace.
    pub target_id: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CopyIn {
    #[serde(default)]
    pub attributes: Option<AttributesIn>,
    /// The space of the copy; the personal space when left out.
    #[serde(default)]
    pub space_id: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MoveIn {
    pub space_id: String,
}

fn created(app: &App, base: &str) -> Response {
    (StatusCode::CREATED, Json(AppOut::new(app, base))).into_response()
}

#[utoipa::path(post, path = "/api/v1/apps", tag = "apps", request_body = AppIn,
    responses((status = 201, body = AppOut), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Caller(caller): Caller,
    JsonBody(input): JsonBody<AppIn>,
) -> Result<Response, RestError> {
    let a = input.attributes;
    let new = NewApp {
        name: a.name.unwrap_or_default(),
        description: a.description.unwrap_or_default(),
        space_id: a.space_id.unwrap_or_default(),
    };
    let app = match a.data_files {
        Some(files) => {
            app::content::service::create_app_from_uploads(&state, &caller, new, files).await?
        }
        None => service::create_app(&state, &caller, new).await?,
    };
    Ok(created(&app, &base_url(&state)))
}

#[utoipa::path(get, path = "/api/v1/apps/{appId}", tag = "apps", params(("appId" = String, Path)),
    responses((status = 200, body = AppOut), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> Result<Json<AppOut>, RestError> {
    Ok(Json(AppOut::new(
        &service::get_app(&state, &caller, &id).await?.app,
        &base_url(&state),
    )))
}

#[utoipa::path(put, path = "/api/v1/apps/{appId}", tag = "apps", params(("appId" = String, Path)), request_body = AppIn,
    responses((status = 200, body = AppOut), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn put(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<AppIn>,
) -> Result<Json<AppOut>, RestError> {
    if input.attributes.data_files.is_some() {
        return Err(app::error::AppError::invalid(
            "dataFiles",
            "Data files are loaded when an app is created.",
        )
        .into());
    }
    if input.attributes.space_id.is_some() {
        return Err(app::error::AppError::invalid(
            "spaceId",
            "Move an app with PUT /api/v1/apps/{appId}/space.",
        )
        .into());
    }
    let changes = AppChanges {
        name: input.attributes.name,
        description: input.attributes.description,
    };
    Ok(Json(AppOut::new(
        &service::update_app(&state, &caller, &id, changes).await?,
        &base_url(&state),
    )))
}

#[utoipa::path(delete, path = "/api/v1/apps/{appId}", tag = "apps", params(("appId" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, RestError> {
    service::delete_app(&state, &caller, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Publishes the app to a managed space, as a new app that remembers this one.
#[utoipa::path(post, path = "/api/v1/apps/{appId}/publish", tag = "apps", params(("appId" = String, Path)), request_body = PublishIn,
    responses((status = 201, body = AppOut), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn publish(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<PublishIn>,
) -> Result<Response, RestError> {
    let name = input.attributes.and_then(|a| a.name);
    Ok(created(
        &service::publish_app(
            &state,
            &caller,
            &id,
            PublishInput {
                space_id: input.space_id,
                name,
            },
        )
        .await?,
        &base_url(&state),
    ))
}

/// Replaces the content of this app's published copy `targetId`: same id, shares kept.
#[utoipa::path(put, path = "/api/v1/apps/{appId}/publish", tag = "apps", params(("appId" = String, Path)), request_body = RepublishIn,
    responses((status = 200, body = AppOut), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn republish(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<RepublishIn>,
) -> Result<Json<AppOut>, RestError> {
    Ok(Json(AppOut::new(
        &service::republish_app(&state, &caller, &id, &input.target_id).await?,
        &base_url(&state),
    )))
}

/// Duplicates the app: a new id, no shares.
#[utoipa::path(post, path = "/api/v1/apps/{appId}/copy", tag = "apps", params(("appId" = String, Path)), request_body = CopyIn,
    responses((status = 201, body = AppOut), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn copy(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<CopyIn>,
) -> Result<Response, RestError> {
    let input = DuplicateInput {
        space_id: input.space_id.unwrap_or_default(),
        name: input.attributes.and_then(|a| a.name),
    };
    Ok(created(
        &service::duplicate_app(&state, &caller, &id, input).await?,
        &base_url(&state),
    ))
}

/// Moves the app to another space; its shares are removed.
#[utoipa::path(put, path = "/api/v1/apps/{appId}/space", tag = "apps", params(("appId" = String, Path)), request_body = MoveIn,
    responses((status = 200, body = AppOut), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn move_to_space(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<MoveIn>,
) -> Result<Json<AppOut>, RestError> {
    Ok(Json(AppOut::new(
        &service::move_app(&state, &caller, &id, &input.space_id).await?,
        &base_url(&state),
    )))
}
