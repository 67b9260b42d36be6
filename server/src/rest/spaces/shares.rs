//! A space's app shares: `/api/v1/spaces/{spaceId}/shares`.

use super::*;

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ShareOut {
    pub id: String,
    /// `user`, `group` or `everyone`.
    #[serde(rename = "type")]
    pub type_: String,
    /// Empty for everyone.
    pub assignee_id: String,
    pub assignee_name: String,
    pub resource_id: String,
    pub resource_type: String,
    pub resource_name: String,
    pub roles: Vec<String>,
    pub disabled: bool,
    pub space_id: String,
    pub tenant_id: String,
    pub created_at: String,
    pub created_by: String,
    pub updated_at: String,
    pub links: ItemLinks,
}

impl ShareOut {
    fn new(s: &Share, base: &str) -> Self {
        let space = format!("{base}/api/v1/spaces/{}", s.space_id);
        ShareOut {
            id: s.id.clone(),
            type_: s.assignee_type.api_name().into(),
            assignee_id: s.assignee_id.clone(),
            assignee_name: s.assignee_name.clone(),
            resource_id: s.app_id.clone(),
            resource_type: "app".into(),
            resource_name: s.app_name.clone(),
            roles: s.roles.iter().map(|r| r.api_name().to_string()).collect(),
            disabled: s.disabled,
            space_id: s.space_id.clone(),
            tenant_id: s.tenant_id.clone(),
            created_at: rfc3339(s.created_at),
            created_by: s.created_by.clone(),
            updated_at: rfc3339(s.updated_at),
            links: ItemLinks {
                self_: Href {
                    href: format!("{space}/shares/{}", s.id),
                },
                space: Href { href: space },
            },
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ShareList {
    pub data: Vec<ShareOut>,
    /// `count`: the shares matching the filter, on all pages.
    pub meta: CountMeta,
    pub links: ListLinks,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct ShareListParams {
    /// Page size, 1 to 100 (default 20).
    pub limit: Option<u32>,
    /// The cursor from `links.next`.
    pub next: Option<String>,
    pub resource_id: Option<String>,
    /// `app`, the one resource Sightline shares.
    pub resource_type: Option<String>,
    /// `user`, `group`, `everyone` or `link`.
    #[serde(rename = "type")]
    pub type_: Option<String>,
    /// Part of the shared app's name, any case.
    pub name: Option<String>,
    pub user_id: Option<String>,
    pub group_id: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ShareIn {
    pub resource_id: String,
    /// `app` (the only shareable resource).
    #[serde(default)]
    pub resource_type: Option<String>,
    /// `user`, `group` or `everyone`.
    #[serde(rename = "type")]
    pub type_: String,
    /// The user or group id; leave out for everyone.
    #[serde(default)]
    pub assignee_id: String,
    pub roles: Vec<String>,
}

fn share_type(name: &str) -> Result<ShareAssignee, AppError> {
    ShareAssignee::parse(name).ok_or_else(|| {
        AppError::invalid(
            "type",
            format!("Unknown share type \"{name}\": use user, group, everyone or link."),
        )
    })
}

#[utoipa::path(get, path = "/api/v1/spaces/{spaceId}/shares", tag = "spaces", params(("spaceId" = String, Path), ShareListParams),
    responses((status = 200, body = ShareList), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_shares(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(space_id): Path<String>,
    QueryParams(params): QueryParams<ShareListParams>,
) -> Result<Json<ShareList>, RestError> {
    if let Some(kind) = params.resource_type.as_deref().filter(|k| *k != "app") {
        return Err(AppError::invalid(
            "resourceType",
            format!("Sightline shares apps only; there are no \"{kind}\" shares."),
        )
        .into());
    }
    let only = params.type_.as_deref().map(share_type).transpose()?;
    let query = ShareQuery {
        app_id: params.resource_id.clone().unwrap_or_default(),
        user_id: params.user_id.clone().unwrap_or_default(),
        group_id: params.group_id.clone().unwrap_or_default(),
    };
    let name = params.name.as_deref().map(str::to_lowercase);
    let items: Vec<Share> = sharing::list_shares(&state, &caller, &space_id, query)
        .await?
        .into_iter()
        .filter(|s| only.is_none_or(|t| s.assignee_type == t))
        .filter(|s| {
            name.as_ref()
                .is_none_or(|n| s.app_name.to_lowercase().contains(n))
        })
        .collect();
    let count = items.len();
    let (page, next) = super::super::page_of(
        items,
        |s| s.id.clone(),
        params.limit,
        params.next.as_deref(),
    )?;
    let base = base_url(&state);
    let kept = [
        ("resourceId", params.resource_id.as_deref()),
        ("type", params.type_.as_deref()),
        ("name", params.name.as_deref()),
        ("userId", params.user_id.as_deref()),
        ("groupId", params.group_id.as_deref()),
    ];
    Ok(Json(ShareList {
        meta: CountMeta { count },
        data: page.iter().map(|s| ShareOut::new(s, &base)).collect(),
        links: list_links(
            &base,
            &format!("spaces/{space_id}/shares"),
            params.limit,
            &kept,
            params.next.as_deref(),
            next.as_deref(),
        ),
    }))
}

#[utoipa::path(post, path = "/api/v1/spaces/{spaceId}/shares", tag = "spaces", params(("spaceId" = String, Path)), request_body = ShareIn,
    responses((status = 201, body = ShareOut), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create_share(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(space_id): Path<String>,
    JsonBody(input): JsonBody<ShareIn>,
) -> Result<Response, RestError> {
    if let Some(kind) = input.resource_type.as_deref().filter(|k| *k != "app") {
        return Err(AppError::invalid(
            "resourceType",
            format!("Only apps can be shared; \"{kind}\" cannot."),
        )
        .into());
    }
    let new = app::sharing::model::NewShare {
        app_id: input.resource_id,
        assignee_type: share_type(&input.type_)?,
        assignee_id: input.assignee_id,
        roles: parse_roles(&input.roles)?,
    };
    let share = sharing::create_share(&state, &caller, &space_id, new).await?;
    Ok(created(ShareOut::new(&share, &base_url(&state))))
}

#[utoipa::path(get, path = "/api/v1/spaces/{spaceId}/shares/{shareId}", tag = "spaces", params(("spaceId" = String, Path), ("shareId" = String, Path)),
    responses((status = 200, body = ShareOut), (status = 404, body = ErrorBody)))]
pub async fn get_share(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path((space_id, id)): Path<(String, String)>,
) -> Result<Json<ShareOut>, RestError> {
    Ok(Json(ShareOut::new(
        &sharing::get_share(&state, &caller, &space_id, &id).await?,
        &base_url(&state),
    )))
}

/// JSON Patch `replace` on `/roles` (a list of role names) and `/disabled`.
#[utoipa::path(patch, path = "/api/v1/spaces/{spaceId}/shares/{shareId}", tag = "spaces", params(("spaceId" = String, Path), ("shareId" = String, Path)),
    request_body = Vec<PatchOp>, responses((status = 200, body = ShareOut), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn patch_share(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path((space_id, id)): Path<(String, String)>,
    JsonBody(ops): JsonBody<Vec<PatchOp>>,
) -> Result<Json<ShareOut>, RestError> {
    let mut changes = ShareChanges::default();
    for (index, op) in ops.iter().enumerate() {
        match (op.field().as_str(), op.kind(index)?) {
            ("/roles", Op::Replace) => changes.roles = Some(parse_roles(&op.strings(index)?)?),
            ("/disabled", Op::Replace) => changes.disabled = Some(op.boolean(index)?),
            _ => {
                return Err(op
                    .unknown_path(index, &["/roles (replace)", "/disabled (replace)"])
                    .into())
            }
        }
    }
    Ok(Json(ShareOut::new(
        &sharing::update_share(&state, &caller, &space_id, &id, changes).await?,
        &base_url(&state),
    )))
}

#[utoipa::path(delete, path = "/api/v1/spaces/{spaceId}/shares/{shareId}", tag = "spaces", params(("spaceId" = String, Path), ("shareId" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete_share(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path((space_id, id)): Path<(String, String)>,
) -> Result<StatusCode, RestError> {
    sharing::delete_share(&state, &caller, &space_id, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
