//! `/api/v1/csp-origins`: the sites allowed to frame Sightline's embed pages, in the shape of
//! Qlik Cloud's CSP origins. Tenant admins (`manage_allowed_origins`) keep the list.

use app::anonymous::model::{AllowedOrigin, NewOrigin};
use app::anonymous::service;
use app::state::AppState;
use app::timefmt::rfc3339;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::base_url;
use super::error::{ErrorBody, RestError};
use super::extract::QueryParams;
use super::extract::{Caller, JsonBody};
use super::model::{Href, ListLinks};
use app::error::AppError;

#[derive(Debug, Serialize, ToSchema)]
pub struct OriginLinks {
    #[serde(rename = "self")]
    pub self_: Href,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CspOriginOut {
    pub id: String,
    pub name: String,
    pub origin: String,
    pub description: String,
    /// The origin may frame Sightline (the only directive Sightline takes from the list).
    pub frame_ancestors: bool,
    /// Qlik's other directives, always `false`: Sightline sends only `frame-ancestors`.
    pub child_src: bool,
    pub connect_src: bool,
    #[serde(rename = "connectSrcWSS")]
    pub connect_src_wss: bool,
    pub font_src: bool,
    pub form_action: bool,
    pub frame_src: bool,
    pub img_src: bool,
    pub media_src: bool,
    pub object_src: bool,
    pub script_src: bool,
    pub style_src: bool,
    pub worker_src: bool,
    pub created_date: String,
    pub modified_date: String,
    pub links: OriginLinks,
}

impl CspOriginOut {
    fn new(o: &AllowedOrigin, base: &str) -> Self {
        CspOriginOut {
            id: o.id.clone(),
            name: o.name.clone(),
            origin: o.origin.clone(),
            description: o.description.clone(),
            frame_ancestors: o.frame_ancestors,
            child_src: false,
            connect_src: false,
            connect_src_wss: false,
            font_src: false,
            form_action: false,
            frame_src: false,
            img_src: false,
            media_src: false,
            object_src: false,
            script_src: false,
            style_src: false,
            worker_src: false,
            created_date: rfc3339(o.created_at),
            modified_date: rfc3339(o.updated_at),
            links: OriginLinks {
                self_: Href {
                    href: format!("{base}/api/v1/csp-origins/{}", o.id),
                },
            },
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CspOriginList {
    pub data: Vec<CspOriginOut>,
    pub links: ListLinks,
}

/// Qlik's `CSPEntryContent`. Every field is accepted; only `name`, `origin`, `description` and
/// `frameAncestors` are kept (see `CspOriginOut`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CspOriginIn {
    /// A name for the site; the origin itself when left out.
    #[serde(default)]
    pub name: Option<String>,
    /// `https://host[:port]`, `https://*.host`, or a bare host (meaning its https origin).
    pub origin: String,
    #[serde(default)]
    pub description: String,
    /// Defaults to true: an origin on the list may frame the embed pages.
    #[serde(default = "yes")]
    pub frame_ancestors: bool,
    /// Accepted and not kept: Sightline sends only `frame-ancestors`.
    #[serde(default)]
    pub child_src: Option<bool>,
    #[serde(default)]
    pub connect_src: Option<bool>,
    #[serde(default, rename = "connectSrcWSS")]
    pub connect_src_wss: Option<bool>,
    #[serde(default)]
    pub font_src: Option<bool>,
    #[serde(default)]
    pub form_action: Option<bool>,
    #[serde(default)]
    pub frame_src: Option<bool>,
    #[serde(default)]
    pub img_src: Option<bool>,
    #[serde(default)]
    pub media_src: Option<bool>,
    #[serde(default)]
    pub object_src: Option<bool>,
    #[serde(default)]
    pub script_src: Option<bool>,
    #[serde(default)]
    pub style_src: Option<bool>,
    #[serde(default)]
    pub worker_src: Option<bool>,
    /// Read-only in Qlik's schema; accepted and ignored.
    #[serde(default)]
    pub created_date: Option<String>,
    #[serde(default)]
    pub modified_date: Option<String>,
    #[serde(default)]
    pub id: Option<String>,
}

fn yes() -> bool {
    true
}

impl From<CspOriginIn> for NewOrigin {
    fn from(input: CspOriginIn) -> Self {
        NewOrigin {
            name: input
                .name
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| input.origin.clone()),
            origin: input.origin,
            description: input.description,
            frame_ancestors: input.frame_ancestors,
        }
    }
}

/// Qlik's list parameters: filters by name and origin (contains, any case; `*` is a wildcard)
/// and by directive, sort, and paging.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct CspOriginListParams {
    /// Page size, 1 to 100 (default 20).
    pub limit: Option<u32>,
    /// The cursor from `links.next`.
    pub next: Option<String>,
    pub name: Option<String>,
    pub origin: Option<String>,
    /// `name`, `origin`, `createdDate` or `modifiedDate`, with `-` for descending.
    pub sort: Option<String>,
    pub frame_ancestors: Option<bool>,
    pub child_src: Option<bool>,
    pub connect_src: Option<bool>,
    #[serde(rename = "connectSrcWSS")]
    pub connect_src_wss: Option<bool>,
    pub font_src: Option<bool>,
    pub form_action: Option<bool>,
    pub frame_src: Option<bool>,
    pub img_src: Option<bool>,
    pub media_src: Option<bool>,
    pub object_src: Option<bool>,
    pub script_src: Option<bool>,
    pub style_src: Option<bool>,
    pub worker_src: Option<bool>,
}

impl CspOriginListParams {
    /// Whether an origin passes the filters. The directives Sightline does not keep are false
    /// on every origin, so asking for `true` of one matches none.
    fn keeps(&self, o: &AllowedOrigin) -> bool {
        let matches = |filter: &Option<String>, value: &str| {
            filter.as_ref().is_none_or(|f| {
                let f = f.to_lowercase();
                let value = value.to_lowercase();
                f.split('*')
                    .filter(|p| !p.is_empty())
                    .all(|p| value.contains(p))
            })
        };
        let unkept = [
            self.child_src,
            self.connect_src,
            self.connect_src_wss,
            self.font_src,
            self.form_action,
            self.frame_src,
            self.img_src,
            self.media_src,
            self.object_src,
            self.script_src,
            self.style_src,
            self.worker_src,
        ];
        matches(&self.name, &o.name)
            && matches(&self.origin, &o.origin)
            && self.frame_ancestors.is_none_or(|f| f == o.frame_ancestors)
            && unkept.iter().all(|f| *f != Some(true))
    }

    fn sort(&self, origins: &mut [AllowedOrigin]) -> Result<(), AppError> {
        let sort = self.sort.as_deref().unwrap_or("name");
        let (descending, field) = match sort.strip_prefix('-') {
            Some(field) => (true, field),
            None => (false, sort.trim_start_matches('+')),
        };
        match field {
            "name" => origins.sort_by_key(|o| o.name.to_lowercase()),
            "origin" => origins.sort_by(|a, b| a.origin.cmp(&b.origin)),
            "createdDate" => origins.sort_by_key(|o| o.created_at),
            "modifiedDate" => origins.sort_by_key(|o| o.updated_at),
            other => {
                return Err(AppError::invalid(
                    "sort",
                    format!("Sort allowed origins by name, origin, createdDate or modifiedDate (with - for descending), not \"{other}\"."),
                ))
            }
        }
        if descending {
            origins.reverse();
        }
        Ok(())
    }
}

#[utoipa::path(get, path = "/api/v1/csp-origins", tag = "csp-origins", params(CspOriginListParams),
    responses((status = 200, body = CspOriginList), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Caller(caller): Caller,
    QueryParams(params): QueryParams<CspOriginListParams>,
) -> Result<Json<CspOriginList>, RestError> {
    let base = base_url(&state);
    let mut origins: Vec<AllowedOrigin> = service::list_allowed_origins(&state, &caller)
        .await?
        .into_iter()
        .filter(|o| params.keeps(o))
        .collect();
    params.sort(&mut origins)?;
    let (page, next) = super::page_of(
        origins,
        |o| o.id.clone(),
        params.limit,
        params.next.as_deref(),
    )?;
    let kept = [
        ("name", params.name.as_deref()),
        ("origin", params.origin.as_deref()),
        ("sort", params.sort.as_deref()),
    ];
    Ok(Json(CspOriginList {
        data: page.iter().map(|o| CspOriginOut::new(o, &base)).collect(),
        links: super::list_links(
            &base,
            "csp-origins",
            params.limit,
            &kept,
            params.next.as_deref(),
            next.as_deref(),
        ),
    }))
}

/// Qlik's `CSPHeader`.
#[derive(Debug, Serialize, ToSchema)]
pub struct CspHeaderOut {
    /// The header the embed pages of this tenant's apps send.
    #[serde(rename = "Content-Security-Policy")]
    pub content_security_policy: String,
}

/// The Content-Security-Policy compiled from the list, as the embed pages send it.
#[utoipa::path(get, path = "/api/v1/csp-origins/actions/generate-header", tag = "csp-origins",
    responses((status = 200, body = CspHeaderOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn generate_header(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> Result<Json<CspHeaderOut>, RestError> {
    Ok(Json(CspHeaderOut {
        content_security_policy: service::csp_header(&state, &caller).await?,
    }))
}

#[utoipa::path(post, path = "/api/v1/csp-origins", tag = "csp-origins", request_body = CspOriginIn,
    responses((status = 201, body = CspOriginOut), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Caller(caller): Caller,
    JsonBody(input): JsonBody<CspOriginIn>,
) -> Result<Response, RestError> {
    let origin = service::save_allowed_origin(&state, &caller, None, input.into()).await?;
    Ok((
        StatusCode::CREATED,
        Json(CspOriginOut::new(&origin, &base_url(&state))),
    )
        .into_response())
}

#[utoipa::path(get, path = "/api/v1/csp-origins/{id}", tag = "csp-origins", params(("id" = String, Path)),
    responses((status = 200, body = CspOriginOut), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> Result<Json<CspOriginOut>, RestError> {
    Ok(Json(CspOriginOut::new(
        &service::get_allowed_origin(&state, &caller, &id).await?,
        &base_url(&state),
    )))
}

#[utoipa::path(put, path = "/api/v1/csp-origins/{id}", tag = "csp-origins", params(("id" = String, Path)), request_body = CspOriginIn,
    responses((status = 200, body = CspOriginOut), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn put(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<CspOriginIn>,
) -> Result<Json<CspOriginOut>, RestError> {
    Ok(Json(CspOriginOut::new(
        &service::save_allowed_origin(&state, &caller, Some(&id), input.into()).await?,
        &base_url(&state),
    )))
}

#[utoipa::path(delete, path = "/api/v1/csp-origins/{id}", tag = "csp-origins", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, RestError> {
    service::delete_allowed_origin(&state, &caller, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
