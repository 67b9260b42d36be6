//! `/api/v1/groups` in Qlik Cloud's shape.

use app::directory::model::{GroupChanges, GroupQuery, NewGroup};
use app::directory::service;
use app::error::AppError;
use app::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

use super::error::{ErrorBody, RestError};
use super::extract::{Caller, JsonBody, QueryParams};
use super::model::*;
use super::patch::{apply_ids, Op, PatchOp};
use super::{base_url, list_links, role_ids};

#[utoipa::path(get, path = "/api/v1/groups", tag = "groups", params(GroupListParams),
    responses((status = 200, body = GroupList), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Caller(caller): Caller,
    QueryParams(params): QueryParams<GroupListParams>,
) -> Result<Json<GroupList>, RestError> {
    let query = GroupQuery {
        search: params.search.clone().unwrap_or_default(),
        after: params.next.clone(),
        limit: super::check_limit(params.limit)?,
    };
    let page = service::list_groups(&state, &caller, query).await?;
    let base = base_url(&state);
    Ok(Json(GroupList {
        data: page.items.iter().map(|g| GroupOut::new(g, &base)).collect(),
        links: list_links(
            &base,
            "groups",
            params.limit,
            &[("search", params.search.as_deref())],
            params.next.as_deref(),
            page.next.as_deref(),
        ),
    }))
}

#[utoipa::path(post, path = "/api/v1/groups", tag = "groups", request_body = GroupIn,
    responses((status = 201, body = GroupOut), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody), (status = 415, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Caller(caller): Caller,
    JsonBody(input): JsonBody<GroupIn>,
) -> Result<Response, RestError> {
    if let Some(status) = input.status.as_deref().filter(|s| *s != "active") {
        return Err(AppError::invalid(
            "status",
            format!("Groups are always active; \"{status}\" is not accepted."),
        )
        .into());
    }
    let role_ids = role_ids(&state, &caller, &input.assigned_roles).await?;
    let group = service::create_group(
        &state,
        &caller,
        NewGroup {
            name: input.name,
            description: input.description,
            role_ids,
        },
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(GroupOut::new(&group, &base_url(&state))),
    )
        .into_response())
}

#[utoipa::path(get, path = "/api/v1/groups/{id}", tag = "groups", params(("id" = String, Path, description = "Group id")),
    responses((status = 200, body = GroupOut), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> Result<Json<GroupOut>, RestError> {
    let detail = service::get_group(&state, &caller, &id).await?;
    Ok(Json(GroupOut::new(&detail.group, &base_url(&state))))
}

/// Changes a group with JSON Patch operations on `/name`, `/description` and `/assignedRoles`.
#[utoipa::path(patch, path = "/api/v1/groups/{id}", tag = "groups", params(("id" = String, Path, description = "Group id")),
    request_body = Vec<PatchOp>,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn patch(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
    JsonBody(ops): JsonBody<Vec<PatchOp>>,
) -> Result<StatusCode, RestError> {
    let current = service::get_group(&state, &caller, &id).await?.group;
    let mut changes = GroupChanges::default();
    let mut roles: Vec<String> = current.roles.iter().map(|r| r.id.clone()).collect();
    for (index, op) in ops.iter().enumerate() {
        let kind = op.kind(index)?;
        match (op.path.as_str(), kind) {
            ("/name", Op::Replace) => changes.name = Some(op.string(index)?),
            ("/description", Op::Replace) => changes.description = Some(op.string(index)?),
            ("/assignedRoles", kind) => {
                apply_ids(
                    &mut roles,
                    kind,
                    role_ids(&state, &caller, &op.refs(index)?).await?,
                );
                changes.role_ids = Some(roles.clone());
            }
            _ => {
                return Err(op
                    .unknown_path(
                        index,
                        &[
                            "/name (replace)",
                            "/description (replace)",
                            "/assignedRoles",
                        ],
                    )
                    .into())
            }
        }
    }
    service::update_group(&state, &caller, &id, changes).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/api/v1/groups/{id}", tag = "groups", params(("id" = String, Path, description = "Group id")),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, RestError> {
    service::delete_group(&state, &caller, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
