//! `/api/v1/roles`: the roles of the tenant, read-only, as Qlik clients list them to find ids.

use app::directory::service;
use app::state::AppState;
use axum::extract::{Path, State};
use axum::Json;

use super::error::{ErrorBody, RestError};
use super::extract::{Caller, QueryParams};
use super::model::*;
use super::{base_url, list_links};
use serde::Deserialize;
use utoipa::IntoParams;

/// Qlik's list parameters. `filter` takes `name eq "…"`, `type eq "default|custom"` and
/// `level eq "admin|user"`, joined with `and`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct RoleListParams {
    pub filter: Option<String>,
    /// Page size, 1 to 100 (default 20).
    pub limit: Option<u32>,
    /// The cursor from `links.next`.
    pub next: Option<String>,
    /// `name` or `+name`, the one order Sightline keeps; other orders are refused.
    pub sort: Option<String>,
    /// Adds `totalResults`, the number of roles matching the filter.
    pub total_results: Option<bool>,
}

#[utoipa::path(get, path = "/api/v1/roles", tag = "roles", params(RoleListParams),
    responses((status = 200, body = RoleList), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Caller(caller): Caller,
    QueryParams(params): QueryParams<RoleListParams>,
) -> Result<Json<RoleList>, RestError> {
    super::filter::check_sort(params.sort.as_deref())?;
    let wanted = match &params.filter {
        Some(filter) => super::filter::role_filter(filter)?,
        None => Vec::new(),
    };
    let base = base_url(&state);
    let roles: Vec<RoleOut> = service::list_roles(&state, &caller)
        .await?
        .iter()
        .map(|r| RoleOut::new(r, &base))
        .filter(|r| {
            wanted.iter().all(|(attr, value)| match attr.as_str() {
                "name" => r.name.eq_ignore_ascii_case(value),
                "type" => &r.type_ == value,
                _ => &r.level == value,
            })
        })
        .collect();
    let total_results = params.total_results.filter(|t| *t).map(|_| roles.len());
    let (data, next) = super::page_of(
        roles,
        |r| r.id.clone(),
        params.limit,
        params.next.as_deref(),
    )?;
    Ok(Json(RoleList {
        data,
        links: list_links(
            &base,
            "roles",
            params.limit,
            &[("filter", params.filter.as_deref())],
            params.next.as_deref(),
            next.as_deref(),
        ),
        total_results,
    }))
}

#[utoipa::path(get, path = "/api/v1/roles/{id}", tag = "roles", params(("id" = String, Path, description = "Role id")),
    responses((status = 200, body = RoleOut), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> Result<Json<RoleOut>, RestError> {
    let role = service::get_role(&state, &caller, &id).await?;
    Ok(Json(RoleOut::new(&role, &base_url(&state))))
}
