//! `/api/v1/spaces`, its assignments and its shares, in Qlik Cloud's shapes.

mod assignments;
mod shares;

pub use assignments::*;
pub use shares::*;

use app::error::AppError;
use app::paging::Page;
use app::sharing::model::{Share, ShareAssignee, ShareChanges, ShareQuery};
use app::sharing::service as sharing;
use app::spaces::model::*;
use app::spaces::rules::{parse_roles, SpaceType};
use app::spaces::service;
use app::state::AppState;
use app::timefmt::rfc3339;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::error::{ErrorBody, RestError};
use super::extract::{Caller, JsonBody, QueryParams};
use super::model::{Href, ListLinks};
use super::patch::{Op, PatchOp};
use super::{base_url, list_links};

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SpaceMeta {
    /// What the caller may do: read, read_all_apps, read_members, manage_members, update, change_owner, delete, create_app, publish.
    pub actions: Vec<String>,
    /// The caller's space roles.
    pub roles: Vec<String>,
    /// The roles members of this space can hold.
    pub assignable_roles: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SpaceLinks {
    #[serde(rename = "self")]
    pub self_: Href,
    pub assignments: Href,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SpaceOut {
    pub id: String,
    pub tenant_id: String,
    /// `personal`, `shared` or `managed`.
    #[serde(rename = "type")]
    pub type_: String,
    /// Empty for a personal space.
    pub name: String,
    pub description: String,
    pub owner_id: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub meta: SpaceMeta,
    pub links: SpaceLinks,
}

impl SpaceOut {
    fn new(space: &Space, base: &str) -> Self {
        let self_href = format!("{base}/api/v1/spaces/{}", space.id);
        SpaceOut {
            id: space.id.clone(),
            tenant_id: space.tenant_id.clone(),
            type_: space.space_type.api_name().into(),
            name: if space.space_type == SpaceType::Personal {
                String::new()
            } else {
                space.name.clone()
            },
            description: space.description.clone(),
            owner_id: space.owner_id.clone(),
            created_at: rfc3339(space.created_at),
            updated_at: rfc3339(space.updated_at),
            meta: SpaceMeta {
                actions: space
                    .actions
                    .iter()
                    .map(|a| a.api_name().to_string())
                    .collect(),
                roles: space
                    .roles
                    .iter()
                    .map(|r| r.api_name().to_string())
                    .collect(),
                assignable_roles: space
                    .space_type
                    .allowed_roles()
                    .iter()
                    .map(|r| r.api_name().to_string())
                    .collect(),
            },
            links: SpaceLinks {
                assignments: Href {
                    href: format!("{self_href}/assignments"),
                },
                self_: Href { href: self_href },
            },
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CountMeta {
    pub count: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SpaceList {
    pub data: Vec<SpaceOut>,
    pub meta: CountMeta,
    pub links: ListLinks,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct SpaceListParams {
    /// Page size, 1 to 100 (default 20).
    pub limit: Option<u32>,
    /// The cursor from `links.next`.
    pub next: Option<String>,
    /// `personal`, `shared` or `managed`.
    #[serde(rename = "type")]
    pub type_: Option<String>,
    /// Part of the name, any case.
    pub name: Option<String>,
    pub owner_id: Option<String>,
    /// `name` or `+name`, the one order Sightline keeps; other orders are refused.
    pub sort: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SpaceIn {
    pub name: String,
    /// `shared` or `managed`.
    #[serde(rename = "type")]
    pub type_: String,
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SpacePutIn {
    pub name: Option<String>,
    pub description: Option<String>,
    pub owner_id: Option<String>,
}

/// What Sightline adds to Qlik's list of type names: the roles each type assigns and shares.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SpaceTypeOut {
    #[serde(rename = "type")]
    pub type_: String,
    pub assignable_roles: Vec<String>,
    pub share_roles: Vec<String>,
}

/// Qlik's shape, `{"data": ["shared", "managed"]}`, with Sightline's roles per type beside it.
#[derive(Debug, Serialize, ToSchema)]
pub struct SpaceTypeList {
    /// The types a space can be created with.
    pub data: Vec<String>,
    /// Each type with its assignable and share roles.
    pub details: Vec<SpaceTypeOut>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ItemLinks {
    #[serde(rename = "self")]
    pub self_: Href,
    pub space: Href,
}

fn created<T: Serialize>(body: T) -> Response {
    (StatusCode::CREATED, Json(body)).into_response()
}

#[utoipa::path(get, path = "/api/v1/spaces", tag = "spaces", params(SpaceListParams),
    responses((status = 200, body = SpaceList), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Caller(caller): Caller,
    QueryParams(params): QueryParams<SpaceListParams>,
) -> Result<Json<SpaceList>, RestError> {
    super::filter::check_sort(params.sort.as_deref())?;
    let query = SpaceQuery {
        space_type: params
            .type_
            .as_deref()
            .filter(|t| !t.is_empty())
            .map(SpaceType::parse)
            .transpose()?,
        name: params.name.clone().unwrap_or_default(),
        owner_id: params.owner_id.clone().unwrap_or_default(),
        after: params.next.clone(),
        limit: super::check_limit(params.limit)?,
    };
    let page: Page<Space> = service::list_spaces(&state, &caller, query).await?;
    let base = base_url(&state);
    let kept = [
        ("type", params.type_.as_deref()),
        ("name", params.name.as_deref()),
        ("ownerId", params.owner_id.as_deref()),
    ];
    Ok(Json(SpaceList {
        meta: CountMeta {
            count: page.items.len(),
        },
        data: page.items.iter().map(|s| SpaceOut::new(s, &base)).collect(),
        links: list_links(
            &base,
            "spaces",
            params.limit,
            &kept,
            params.next.as_deref(),
            page.next.as_deref(),
        ),
    }))
}

#[utoipa::path(post, path = "/api/v1/spaces", tag = "spaces", request_body = SpaceIn,
    responses((status = 201, body = SpaceOut), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Caller(caller): Caller,
    JsonBody(input): JsonBody<SpaceIn>,
) -> Result<Response, RestError> {
    let space = service::create_space(
        &state,
        &caller,
        NewSpace {
            space_type: SpaceType::parse(&input.type_)?,
            name: input.name,
            description: input.description,
        },
    )
    .await?;
    Ok(created(SpaceOut::new(&space, &base_url(&state))))
}

#[utoipa::path(get, path = "/api/v1/spaces/types", tag = "spaces", responses((status = 200, body = SpaceTypeList)))]
pub async fn types(Caller(_caller): Caller) -> Json<SpaceTypeList> {
    let types = space_types();
    let data = types
        .iter()
        .map(|(t, _)| t.api_name().to_string())
        .collect();
    let details = types
        .into_iter()
        .map(|(t, roles)| SpaceTypeOut {
            type_: t.api_name().into(),
            assignable_roles: roles.iter().map(|r| r.api_name().to_string()).collect(),
            share_roles: t
                .share_roles()
                .iter()
                .map(|r| r.api_name().to_string())
                .collect(),
        })
        .collect();
    Json(SpaceTypeList { data, details })
}

#[utoipa::path(get, path = "/api/v1/spaces/{spaceId}", tag = "spaces", params(("spaceId" = String, Path)),
    responses((status = 200, body = SpaceOut), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> Result<Json<SpaceOut>, RestError> {
    Ok(Json(SpaceOut::new(
        &service::get_space(&state, &caller, &id).await?,
        &base_url(&state),
    )))
}

/// Sets the name, description and owner; a field left out stays as it is.
#[utoipa::path(put, path = "/api/v1/spaces/{spaceId}", tag = "spaces", params(("spaceId" = String, Path)), request_body = SpacePutIn,
    responses((status = 200, body = SpaceOut), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn put(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<SpacePutIn>,
) -> Result<Json<SpaceOut>, RestError> {
    let changes = SpaceChanges {
        name: input.name,
        description: input.description,
        owner_id: input.owner_id,
    };
    Ok(Json(SpaceOut::new(
        &service::update_space(&state, &caller, &id, changes).await?,
        &base_url(&state),
    )))
}

/// JSON Patch `replace` on `/name`, `/description` and `/ownerId`.
#[utoipa::path(patch, path = "/api/v1/spaces/{spaceId}", tag = "spaces", params(("spaceId" = String, Path)), request_body = Vec<PatchOp>,
    responses((status = 200, body = SpaceOut), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn patch(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
    JsonBody(ops): JsonBody<Vec<PatchOp>>,
) -> Result<Json<SpaceOut>, RestError> {
    let mut changes = SpaceChanges::default();
    for (index, op) in ops.iter().enumerate() {
        match (op.field().as_str(), op.kind(index)?) {
            ("/name", Op::Replace) => changes.name = Some(op.string(index)?),
            ("/description", Op::Replace) => changes.description = Some(op.string(index)?),
            ("/ownerId", Op::Replace) => changes.owner_id = Some(op.string(index)?),
            _ => {
                return Err(op
                    .unknown_path(
                        index,
                        &[
                            "/name (replace)",
                            "/description (replace)",
                            "/ownerId (replace)",
                        ],
                    )
                    .into())
            }
        }
    }
    Ok(Json(SpaceOut::new(
        &service::update_space(&state, &caller, &id, changes).await?,
        &base_url(&state),
    )))
}

#[utoipa::path(delete, path = "/api/v1/spaces/{spaceId}", tag = "spaces", params(("spaceId" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, RestError> {
    service::delete_space(&state, &caller, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
