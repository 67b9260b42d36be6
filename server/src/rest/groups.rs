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
    super::filter::check_sort(params.sort.as_deref())?;
    let base = base_url(&state);
    let mut query = GroupQuery {
        search: params.search.clone().unwrap_or_default(),
        after: params.next.clone(),
        limit: super::check_limit(params.limit)?,
    };
    let mut rest = super::filter::GroupFilter::default();
    if let Some(filter) = &params.filter {
        rest = super::filter::apply_groups(filter, &mut query)?;
    }
    let kept = [
        ("search", params.search.as_deref()),
        ("filter", params.filter.as_deref()),
    ];
    if params.system_groups == Some(true) {
        return Ok(Json(GroupList {
            data: Vec::new(),
            links: list_links(&base, "groups", params.limit, &kept, None, None),
            total_results: params.total_results.filter(|t| *t).map(|_| 0),
        }));
    }
    let keep = |g: &app::directory::model::Group| {
        rest.id.as_ref().is_none_or(|id| &g.id == id)
            && rest.name.as_ref().is_none_or(|n| &g.name == n)
    };
    let total_results = if params.total_results == Some(true) {
        let all = |after| {
            let query = GroupQuery {
                after,
                limit: app::paging::MAX_PAGE,
                ..query.clone()
            };
            service::list_groups(&state, &caller, query)
        };
        Some(super::count_pages(all, keep).await?)
    } else {
        None
    };
    let page = service::list_groups(&state, &caller, query).await?;
    Ok(Json(GroupList {
        data: page
            .items
            .iter()
            .filter(|g| keep(g))
            .map(|g| GroupOut::new(g, &base))
            .collect(),
        links: list_links(
            &base,
            "groups",
            params.limit,
            &kept,
            params.next.as_deref(),
            page.next.as_deref(),
        ),
        total_results,
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
    if let Some(provider) = input.provider_type.as_deref().filter(|p| *p != "custom") {
        return Err(AppError::invalid(
            "providerType",
            format!("Sightline keeps its groups itself and has no identity provider to take \"{provider}\" groups from: send providerType \"custom\" or leave it out."),
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
        match (op.field().as_str(), kind) {
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
