//! A space's assignments (members and their roles): `/api/v1/spaces/{spaceId}/assignments`.

use super::*;

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AssignmentOut {
    pub id: String,
    /// `user` or `group`.
    #[serde(rename = "type")]
    pub type_: String,
    pub assignee_id: String,
    pub roles: Vec<String>,
    pub space_id: String,
    pub tenant_id: String,
    pub created_at: String,
    pub created_by: String,
    pub updated_at: String,
    pub links: ItemLinks,
}

impl AssignmentOut {
    fn new(a: &Assignment, base: &str) -> Self {
        let space = format!("{base}/api/v1/spaces/{}", a.space_id);
        AssignmentOut {
            id: a.id.clone(),
            type_: a.assignee_type.api_name().into(),
            assignee_id: a.assignee_id.clone(),
            roles: a.roles.iter().map(|r| r.api_name().to_string()).collect(),
            space_id: a.space_id.clone(),
            tenant_id: a.tenant_id.clone(),
            created_at: rfc3339(a.created_at),
            created_by: a.created_by.clone(),
            updated_at: rfc3339(a.updated_at),
            links: ItemLinks {
                self_: Href {
                    href: format!("{space}/assignments/{}", a.id),
                },
                space: Href { href: space },
            },
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssignmentList {
    pub data: Vec<AssignmentOut>,
    /// `count`: the members matching the filter, on all pages.
    pub meta: CountMeta,
    pub links: ListLinks,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct AssignmentListParams {
    /// Page size, 1 to 100 (default 20).
    pub limit: Option<u32>,
    /// The cursor from `links.next`.
    pub next: Option<String>,
    /// `user` or `group`.
    #[serde(rename = "type")]
    pub type_: Option<String>,
    /// One user's or group's assignment.
    pub assignee_id: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AssignmentIn {
    /// `user` or `group`.
    #[serde(rename = "type")]
    pub type_: String,
    pub assignee_id: String,
    pub roles: Vec<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignmentPutIn {
    pub roles: Vec<String>,
}

fn assignee_type(name: &str) -> Result<AssigneeType, AppError> {
    match name {
        "user" => Ok(AssigneeType::User),
        "group" => Ok(AssigneeType::Group),
        other => Err(AppError::invalid(
            "type",
            format!("Unknown assignment type \"{other}\": use user or group."),
        )),
    }
}

#[utoipa::path(get, path = "/api/v1/spaces/{spaceId}/assignments", tag = "spaces", params(("spaceId" = String, Path), AssignmentListParams),
    responses((status = 200, body = AssignmentList), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_assignments(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(space_id): Path<String>,
    QueryParams(params): QueryParams<AssignmentListParams>,
) -> Result<Json<AssignmentList>, RestError> {
    let only = params.type_.as_deref().map(assignee_type).transpose()?;
    let items: Vec<Assignment> = service::list_assignments(&state, &caller, &space_id)
        .await?
        .into_iter()
        .filter(|a| only.is_none_or(|t| a.assignee_type == t))
        .filter(|a| {
            params
                .assignee_id
                .as_ref()
                .is_none_or(|id| &a.assignee_id == id)
        })
        .collect();
    let count = items.len();
    let (page, next) = super::super::page_of(
        items,
        |a| a.id.clone(),
        params.limit,
        params.next.as_deref(),
    )?;
    let base = base_url(&state);
    let kept = [
        ("type", params.type_.as_deref()),
        ("assigneeId", params.assignee_id.as_deref()),
    ];
    Ok(Json(AssignmentList {
        meta: CountMeta { count },
        data: page.iter().map(|a| AssignmentOut::new(a, &base)).collect(),
        links: list_links(
            &base,
            &format!("spaces/{space_id}/assignments"),
            params.limit,
            &kept,
            params.next.as_deref(),
            next.as_deref(),
        ),
    }))
}

#[utoipa::path(post, path = "/api/v1/spaces/{spaceId}/assignments", tag = "spaces", params(("spaceId" = String, Path)), request_body = AssignmentIn,
    responses((status = 201, body = AssignmentOut), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create_assignment(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(space_id): Path<String>,
    JsonBody(input): JsonBody<AssignmentIn>,
) -> Result<Response, RestError> {
    let input = NewAssignment {
        assignee_type: assignee_type(&input.type_)?,
        assignee_id: input.assignee_id,
        roles: parse_roles(&input.roles)?,
    };
    let assignment = service::create_assignment(&state, &caller, &space_id, input).await?;
    Ok(created(AssignmentOut::new(&assignment, &base_url(&state))))
}

#[utoipa::path(get, path = "/api/v1/spaces/{spaceId}/assignments/{assignmentId}", tag = "spaces", params(("spaceId" = String, Path), ("assignmentId" = String, Path)),
    responses((status = 200, body = AssignmentOut), (status = 404, body = ErrorBody)))]
pub async fn get_assignment(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path((space_id, id)): Path<(String, String)>,
) -> Result<Json<AssignmentOut>, RestError> {
    Ok(Json(AssignmentOut::new(
        &service::get_assignment(&state, &caller, &space_id, &id).await?,
        &base_url(&state),
    )))
}

/// Replaces the roles; the complete list must be given.
#[utoipa::path(put, path = "/api/v1/spaces/{spaceId}/assignments/{assignmentId}", tag = "spaces", params(("spaceId" = String, Path), ("assignmentId" = String, Path)),
    request_body = AssignmentPutIn, responses((status = 200, body = AssignmentOut), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn put_assignment(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path((space_id, id)): Path<(String, String)>,
    JsonBody(input): JsonBody<AssignmentPutIn>,
) -> Result<Json<AssignmentOut>, RestError> {
    let assignment =
        service::update_assignment(&state, &caller, &space_id, &id, parse_roles(&input.roles)?)
            .await?;
    Ok(Json(AssignmentOut::new(&assignment, &base_url(&state))))
}

#[utoipa::path(delete, path = "/api/v1/spaces/{spaceId}/assignments/{assignmentId}", tag = "spaces", params(("spaceId" = String, Path), ("assignmentId" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete_assignment(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path((space_id, id)): Path<(String, String)>,
) -> Result<StatusCode, RestError> {
    service::delete_assignment(&state, &caller, &space_id, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
