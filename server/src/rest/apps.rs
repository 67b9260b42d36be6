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
    /// Qlik's name for `sourceAppId`.
    pub origin_app_id: Option<String>,
    /// Always `ANALYTICS`: Sightline apps are analytics apps.
    pub usage: String,
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
                origin_app_id: app.source_app_id.clone(),
                usage: "ANALYTICS".into(),
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
    /// Only when creating or copying: the space of the app (the personal space when left out).
    pub space_id: Option<String>,
    /// Accepted and ignored: Sightline formats numbers and dates by the viewer's browser.
    pub locale: Option<String>,
    /// Only `ANALYTICS`; Qlik's data-flow and data-preparation apps have no Sightline kind.
    pub usage: Option<String>,
    /// Only when creating: ids of uploads (`POST /api/v1/data-files`) to load as the app's data,
    /// one table per file. A file that does not load fails the request and makes no app.
    pub data_files: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppIn {
    #[serde(default)]
    pub attributes: AttributesIn,
}

impl AttributesIn {
    /// Qlik's `usage`: Sightline apps are all analytics apps.
    fn check_usage(&self) -> Result<(), app::error::AppError> {
        match self.usage.as_deref() {
            None | Some("ANALYTICS") => Ok(()),
            Some(other) => Err(app::error::AppError::invalid(
                "usage",
                format!("Sightline apps are analytics apps: send usage ANALYTICS or leave it out (not \"{other}\")."),
            )),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PublishIn {
    /// The managed space to publish to.
    #[serde(default)]
    pub space_id: Option<String>,
    /// `name` and `description` of the published app.
    #[serde(default)]
    pub attributes: Option<AttributesIn>,
    /// Accepted and ignored: the published app always takes this app's data (`source`).
    #[serde(default)]
    pub data: Option<String>,
    /// Only `false`: Sightline publishes a copy; to move an app, use PUT /api/v1/apps/{appId}/space.
    #[serde(default)]
    pub move_app: Option<bool>,
    /// Accepted and ignored (it goes with `moveApp`).
    #[serde(default)]
    pub origin_app_id: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RepublishIn {
    /// The published app to replace.
    #[serde(default)]
    pub target_id: Option<String>,
    /// `name` and `description` of the published app, changed with it.
    #[serde(default)]
    pub attributes: Option<AttributesIn>,
    /// Accepted: Sightline always checks that the target was published from this app.
    #[serde(default)]
    pub check_origin_app_id: Option<bool>,
    /// Accepted and ignored: the published app always takes this app's data (`source`).
    #[serde(default)]
    pub data: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CopyIn {
    /// `name` and `spaceId` (Qlik's place for it) of the copy.
    #[serde(default)]
    pub attributes: Option<AttributesIn>,
    /// The space of the copy, as Sightline first took it; `attributes.spaceId` is Qlik's.
    /// The personal space when both are left out.
    #[serde(default)]
    pub space_id: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MoveIn {
    #[serde(default)]
    pub space_id: Option<String>,
}

/// Qlik answers 200, not 201, to the app operations that make an app (create, copy, publish).
fn created(app: &App, base: &str) -> Response {
    (StatusCode::OK, Json(AppOut::new(app, base))).into_response()
}

#[utoipa::path(post, path = "/api/v1/apps", tag = "apps", request_body = AppIn,
    responses((status = 200, body = AppOut), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Caller(caller): Caller,
    JsonBody(input): JsonBody<AppIn>,
) -> Result<Response, RestError> {
    let a = input.attributes;
    a.check_usage()?;
    let new = NewApp {
        // Qlik makes an app with no attributes at all; so does Sightline, with a name to
        // rename. A name sent blank is refused by the service, as any blank name.
        name: a.name.unwrap_or_else(|| "Untitled app".to_string()),
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
    input.attributes.check_usage()?;
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
    responses((status = 200, description = "Deleted (Qlik answers 200 with no body)."), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, RestError> {
    service::delete_app(&state, &caller, &id).await?;
    Ok(StatusCode::OK)
}

/// Publishes the app to a managed space, as a new app that remembers this one.
#[utoipa::path(post, path = "/api/v1/apps/{appId}/publish", tag = "apps", params(("appId" = String, Path)), request_body = PublishIn,
    responses((status = 200, body = AppOut), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn publish(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<PublishIn>,
) -> Result<Response, RestError> {
    if input.move_app == Some(true) {
        return Err(app::error::AppError::invalid(
            "moveApp",
            "Sightline publishes a copy and keeps the original: send moveApp false or leave it out. To move the app itself, use PUT /api/v1/apps/{appId}/space.",
        )
        .into());
    }
    let space_id = input.space_id.ok_or_else(|| {
        app::error::AppError::invalid("spaceId", "Name the managed space to publish to.")
    })?;
    let name = input.attributes.and_then(|a| a.name);
    Ok(created(
        &service::publish_app(&state, &caller, &id, PublishInput { space_id, name }).await?,
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
    let target = input.target_id.ok_or_else(|| {
        app::error::AppError::invalid(
            "targetId",
            "Name the published app to replace: its id, from the response of the first publish.",
        )
    })?;
    let mut app = service::republish_app(&state, &caller, &id, &target).await?;
    if let Some(attributes) = input.attributes {
        let changes = AppChanges {
            name: attributes.name,
            description: attributes.description,
        };
        if changes.name.is_some() || changes.description.is_some() {
            app = service::update_app(&state, &caller, &target, changes).await?;
        }
    }
    Ok(Json(AppOut::new(&app, &base_url(&state))))
}

/// Duplicates the app: a new id, no shares.
#[utoipa::path(post, path = "/api/v1/apps/{appId}/copy", tag = "apps", params(("appId" = String, Path)), request_body = CopyIn,
    responses((status = 200, body = AppOut), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn copy(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<CopyIn>,
) -> Result<Response, RestError> {
    let attributes = input.attributes.unwrap_or_default();
    let input = DuplicateInput {
        space_id: attributes.space_id.or(input.space_id).unwrap_or_default(),
        name: attributes.name,
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
    let space_id = input.space_id.ok_or_else(|| {
        app::error::AppError::invalid("spaceId", "Name the space to move the app to.")
    })?;
    Ok(Json(AppOut::new(
        &service::move_app(&state, &caller, &id, &space_id).await?,
        &base_url(&state),
    )))
}
