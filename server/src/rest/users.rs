//! `/api/v1/users` in Qlik Cloud's shape.

use app::directory::model::{NewUser, UserChanges, UserQuery};
use app::directory::rules::UserStatus;
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
use super::{base_url, group_ids, list_links, role_ids};

/// The signed-in user.
#[utoipa::path(get, path = "/api/v1/users/me", tag = "users",
    responses((status = 200, body = UserOut), (status = 401, body = ErrorBody)))]
pub async fn me(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> Result<Json<UserOut>, RestError> {
    let detail = service::get_user(&state, &caller, &caller.user_id).await?;
    Ok(Json(UserOut::new(&detail.user, &base_url(&state))))
}

/// Users of the tenant, by name, a page at a time.
#[utoipa::path(get, path = "/api/v1/users", tag = "users", params(UserListParams),
    responses((status = 200, body = UserList), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Caller(caller): Caller,
    QueryParams(params): QueryParams<UserListParams>,
) -> Result<Json<UserList>, RestError> {
    super::filter::check_sort(params.sort.as_deref())?;
    let mut query = UserQuery {
        search: params.search.clone().unwrap_or_default(),
        email: params.email.clone().unwrap_or_default(),
        status: params
            .status
            .as_deref()
            .map(UserStatus::parse)
            .transpose()?,
        role_id: params.role_id.clone().unwrap_or_default(),
        group_id: params.group_id.clone().unwrap_or_default(),
        after: params.next.clone(),
        limit: super::check_limit(params.limit)?,
    };
    let mut rest = super::filter::UserFilter::default();
    if let Some(filter) = &params.filter {
        rest = super::filter::apply(filter, &mut query)?;
    }
    if let Some(name) = &rest.role_name {
        let by_name = [RefIn {
            id: None,
            name: Some(name.clone()),
        }];
        query.role_id = role_ids(&state, &caller, &by_name).await?.remove(0);
    }
    let keep = |u: &app::directory::model::User| {
        rest.id.as_ref().is_none_or(|id| &u.id == id)
            && rest
                .name
                .as_ref()
                .is_none_or(|n| u.name.eq_ignore_ascii_case(n))
    };
    let total_results = if params.total_results == Some(true) {
        let all = |after| {
            let query = UserQuery {
                after,
                limit: app::paging::MAX_PAGE,
                ..query.clone()
            };
            service::list_users(&state, &caller, query)
        };
        Some(super::count_pages(all, keep).await?)
    } else {
        None
    };
    let page = service::list_users(&state, &caller, query).await?;
    let base = base_url(&state);
    let kept = [
        ("status", params.status.as_deref()),
        ("email", params.email.as_deref()),
        ("search", params.search.as_deref()),
        ("roleId", params.role_id.as_deref()),
        ("groupId", params.group_id.as_deref()),
        ("filter", params.filter.as_deref()),
    ];
    Ok(Json(UserList {
        data: page
            .items
            .iter()
            .filter(|u| keep(u))
            .map(|u| UserOut::new(u, &base))
            .collect(),
        links: list_links(
            &base,
            "users",
            params.limit,
            &kept,
            params.next.as_deref(),
            page.next.as_deref(),
        ),
        total_results,
    }))
}

/// Creates an invited user; the response carries the invitation link, shown once.
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = UserIn,
    responses((status = 201, body = CreatedUserOut), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody), (status = 415, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Caller(caller): Caller,
    JsonBody(input): JsonBody<UserIn>,
) -> Result<Response, RestError> {
    if let Some(status) = input.status.as_deref().filter(|s| *s != "invited") {
        return Err(AppError::invalid("status", format!("A new user starts as invited (not \"{status}\") and becomes active by accepting the invitation.")).into());
    }
    if let Some(tenant) = input
        .tenant_id
        .as_deref()
        .filter(|t| *t != caller.tenant_id)
    {
        return Err(AppError::invalid(
            "tenantId",
            format!("A key creates users in its own tenant ({}), not in \"{tenant}\"; leave tenantId out.", caller.tenant_id),
        )
        .into());
    }
    let email = match (input.email, input.subject) {
        (Some(email), _) => email,
        (None, Some(subject)) if subject.contains('@') => subject,
        _ => return Err(AppError::invalid(
            "email",
            "Send the user's email: Sightline invites users by email, and signs them in with it.",
        )
        .into()),
    };
    // Left out, the name is the email's part before `@`; sent empty, the service refuses it.
    let name = input
        .name
        .unwrap_or_else(|| email.split('@').next().unwrap_or(&email).to_string());
    let role_ids = role_ids(&state, &caller, &input.assigned_roles).await?;
    let group_ids = group_ids(&state, &caller, &input.assigned_groups).await?;
    let created = service::create_user(
        &state,
        &caller,
        NewUser {
            name,
            email,
            role_ids,
            group_ids,
        },
    )
    .await?;
    let body = CreatedUserOut {
        user: UserOut::new(&created.user, &base_url(&state)),
        invite_url: created.invite_url,
    };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", params(("id" = String, Path, description = "User id")),
    responses((status = 200, body = UserOut), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> Result<Json<UserOut>, RestError> {
    let detail = service::get_user(&state, &caller, &id).await?;
    Ok(Json(UserOut::new(&detail.user, &base_url(&state))))
}

/// Changes a user with JSON Patch operations on `/name`, `/status`, `/assignedRoles` (or its
/// old name `/roles`) and `/assignedGroups`; `/preferredLocale` and `/preferredZoneinfo` are
/// accepted and ignored (numbers and dates follow each viewer's browser). Qlik's `set` and
/// `remove-value` are `replace` and `remove`. All operations apply together, or none does.
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", params(("id" = String, Path, description = "User id")),
    request_body = Vec<PatchOp>,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn patch(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
    JsonBody(ops): JsonBody<Vec<PatchOp>>,
) -> Result<StatusCode, RestError> {
    let current = service::get_user(&state, &caller, &id).await?.user;
    let mut changes = UserChanges::default();
    let mut roles: Vec<String> = current.roles.iter().map(|r| r.id.clone()).collect();
    let mut groups: Vec<String> = current.groups.iter().map(|g| g.id.clone()).collect();
    for (index, op) in ops.iter().enumerate() {
        let kind = op.kind(index)?;
        // Qlik's users route keeps `/roles` as the old name of `/assignedRoles`.
        let field = match op.field().as_str() {
            "/roles" => "/assignedRoles".to_string(),
            other => other.to_string(),
        };
        match (field.as_str(), kind) {
            ("/name", Op::Replace) => changes.name = Some(op.string(index)?),
            ("/status", Op::Replace) => {
                changes.status = Some(UserStatus::parse(&op.string(index)?)?)
            }
            ("/assignedRoles", kind) => {
                apply_ids(
                    &mut roles,
                    kind,
                    role_ids(&state, &caller, &op.refs(index)?).await?,
                );
                changes.role_ids = Some(roles.clone());
            }
            // Accepted and ignored: numbers and dates follow each viewer's browser.
            ("/preferredLocale" | "/preferredZoneinfo", _) => {}
            ("/assignedGroups", kind) => {
                apply_ids(
                    &mut groups,
                    kind,
                    group_ids(&state, &caller, &op.refs(index)?).await?,
                );
                changes.group_ids = Some(groups.clone());
            }
            _ => {
                return Err(op
                    .unknown_path(
                        index,
                        &[
                            "/name (replace)",
                            "/status (replace)",
                            "/assignedRoles",
                            "/assignedGroups",
                        ],
                    )
                    .into())
            }
        }
    }
    service::update_user(&state, &caller, &id, changes).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/api/v1/users/{id}", tag = "users", params(("id" = String, Path, description = "User id")),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, RestError> {
    service::delete_user(&state, &caller, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
