//! `/api/v1/roles`: the roles of the tenant, read-only, as Qlik clients list them to find ids.

use app::directory::service;
use app::state::AppState;
use axum::extract::{Path, State};
use axum::Json;

use super::error::{ErrorBody, RestError};
use super::extract::Caller;
use super::model::*;
use super::{base_url, list_links};

#[utoipa::path(get, path = "/api/v1/roles", tag = "roles",
    responses((status = 200, body = RoleList), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> Result<Json<RoleList>, RestError> {
    let roles = service::list_roles(&state, &caller).await?;
    let base = base_url(&state);
    Ok(Json(RoleList {
        data: roles.iter().map(|r| RoleOut::new(r, &base)).collect(),
        links: list_links(&base, "roles", None, &[], None, None),
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
