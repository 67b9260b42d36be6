//! The REST API, in the shapes of Qlik Cloud's public REST reference, so existing Qlik API
//! clients work against Sightline with a Sightline API key. Handlers call the same services as
//! the server functions: one implementation of every operation.

pub mod apps;
pub mod csp_origins;
pub mod data_connections;
pub mod data_files;
pub mod error;
pub mod extract;
pub mod filter;
pub mod groups;
pub mod identity_providers;
pub mod licenses;
pub mod model;
mod oidc_providers;
pub mod patch;
pub mod reload_tasks;
pub mod reloads;
pub mod roles;
pub mod spaces;
pub mod users;

use app::auth::principal::Principal;
use app::directory::model::GroupQuery;
use app::directory::service;
use app::error::AppError;
use app::state::AppState;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use http::StatusCode;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use model::{Href, ListLinks, RefIn};

/// The document's frame; the paths come from the routes themselves (`routes()` below).
#[derive(OpenApi)]
#[openapi(
    info(title = "Sightline REST API", description = "Users, groups, roles, spaces, apps, app shares (anonymous links among them) and allowed origins, licences and reloads of a Sightline tenant, in the shapes of Qlik Cloud's REST API. Authenticate with `Authorization: Bearer <API key>`."),
    components(schemas(error::ErrorBody, error::ErrorItem, error::ErrorSource, patch::PatchOp)),
    tags((name = "users"), (name = "groups"), (name = "roles"), (name = "spaces"), (name = "apps"), (name = "data-files"), (name = "data-connections"), (name = "csp-origins"), (name = "identity-providers"), (name = "licenses"), (name = "reloads")),
)]
pub struct ApiDoc;

struct BearerAuth;

/// The refusals any operation may answer with, written once for every operation instead of in
/// each handler's list: bad input, no valid key, not permitted, not found (or not visible), and
/// for a JSON body, the wrong content type. All in the `{"errors":[…]}` shape.
struct CommonErrors;

impl utoipa::Modify for CommonErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
        let error = |description: &str| -> RefOr<utoipa::openapi::Response> {
            let content = ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorBody")))
                .build();
            RefOr::T(
                ResponseBuilder::new()
                    .description(description)
                    .content("application/json", content)
                    .build(),
            )
        };
        let common = [
            (
                "400",
                "The request is not valid: the error says which field and why.",
            ),
            (
                "401",
                "No valid API key or session: send `Authorization: Bearer <API key>`.",
            ),
            (
                "403",
                "The caller may not do this: the error says what it needs.",
            ),
            (
                "404",
                "There is no such resource, or the caller cannot see it.",
            ),
        ];
        for item in openapi.paths.paths.values_mut() {
            for operation in [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            {
                let json_body = operation
                    .request_body
                    .as_ref()
                    .is_some_and(|body| body.content.contains_key("application/json"));
                let responses = &mut operation.responses.responses;
                for (status, description) in common {
                    responses
                        .entry(status.to_string())
                        .or_insert_with(|| error(description));
                }
                if json_body {
                    responses
                        .entry("415".to_string())
                        .or_insert_with(|| error("The body is not sent as `application/json`."));
                }
            }
        }
    }
}

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{
            HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
        };
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "apiKey",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        openapi.security = Some(vec![SecurityRequirement::new(
            "apiKey",
            Vec::<String>::new(),
        )]);
    }
}

/// Every REST route, declared once: each handler's `#[utoipa::path]` gives its method and path
/// to both the router and the OpenAPI document, so the two cannot disagree. Handlers of one path
/// go in one `routes!`.
fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(users::me))
        .routes(routes!(users::list, users::create))
        .routes(routes!(users::get, users::patch, users::delete))
        .routes(routes!(groups::list, groups::create))
        .routes(routes!(groups::get, groups::patch, groups::delete))
        .routes(routes!(roles::list))
        .routes(routes!(roles::get))
        .routes(routes!(spaces::list, spaces::create))
        .routes(routes!(spaces::types))
        .routes(routes!(
            spaces::get,
            spaces::put,
            spaces::patch,
            spaces::delete
        ))
        .routes(routes!(spaces::list_assignments, spaces::create_assignment))
        .routes(routes!(
            spaces::get_assignment,
            spaces::put_assignment,
            spaces::delete_assignment
        ))
        .routes(routes!(spaces::list_shares, spaces::create_share))
        .routes(routes!(
            spaces::get_share,
            spaces::patch_share,
            spaces::delete_share
        ))
        // The upload checks its own limit as the bytes arrive (max_upload_mb, and the
        // caller's staging quota); axum's default 2 MB limit would stop a multipart body first.
        .merge(
            OpenApiRouter::new()
                .routes(routes!(data_files::upload))
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .routes(routes!(apps::create))
        .routes(routes!(apps::get, apps::put, apps::delete))
        .routes(routes!(apps::publish, apps::republish))
        .routes(routes!(apps::copy))
        .routes(routes!(apps::move_to_space))
        .routes(routes!(csp_origins::list, csp_origins::create))
        .routes(routes!(csp_origins::generate_header))
        .routes(routes!(
            csp_origins::get,
            csp_origins::put,
            csp_origins::delete
        ))
        .routes(routes!(
            identity_providers::list,
            identity_providers::create
        ))
        .routes(routes!(
            identity_providers::get,
            identity_providers::patch,
            identity_providers::delete
        ))
        .routes(routes!(licenses::overview))
        .routes(routes!(licenses::status))
        .routes(routes!(licenses::list_assignments))
        .routes(routes!(licenses::add_assignments))
        .routes(routes!(licenses::delete_assignments))
        .routes(routes!(licenses::update_assignments))
        .routes(routes!(licenses::get_settings, licenses::put_settings))
        .routes(routes!(
            licenses::get_sightline_settings,
            licenses::put_sightline_settings
        ))
        .routes(routes!(licenses::consumption))
        .routes(routes!(licenses::ledger_csv))
        .routes(routes!(data_connections::list, data_connections::create))
        .routes(routes!(
            data_connections::get,
            data_connections::update,
            data_connections::delete
        ))
        .routes(routes!(reloads::list, reloads::create))
        .routes(routes!(reloads::get))
        .routes(routes!(reloads::cancel))
        .routes(routes!(reload_tasks::list, reload_tasks::create))
        .routes(routes!(
            reload_tasks::get,
            reload_tasks::update,
            reload_tasks::delete
        ))
}

pub fn router() -> Router<AppState> {
    let (router, mut document) = routes().split_for_parts();
    // After the routes have added their paths: these apply to every operation.
    utoipa::Modify::modify(&BearerAuth, &mut document);
    utoipa::Modify::modify(&CommonErrors, &mut document);
    router
        .route(
            "/api/v1/openapi.json",
            get(move || async move { Json(document) }),
        )
        .route("/api/v1/{*rest}", axum::routing::any(no_such_route))
}

async fn no_such_route() -> axum::response::Response {
    error::bad_request(
        StatusCode::NOT_FOUND,
        "There is no such REST route. The routes are listed in /api/v1/openapi.json.",
    )
    .into_response()
}

pub fn base_url(state: &AppState) -> String {
    state.settings.public_url.trim_end_matches('/').to_string()
}

/// Qlik's page sizes: 1 to 100.
pub fn check_limit(limit: Option<u32>) -> Result<u32, AppError> {
    match limit {
        None => Ok(0),
        Some(n @ 1..=100) => Ok(n),
        Some(n) => Err(AppError::invalid(
            "limit",
            format!("limit must be between 1 and 100; it is {n}."),
        )),
    }
}

/// Qlik's `totalResults`: the items a list query matches, counted page by page through the same
/// service call that lists them, so that the count sees exactly what the caller may list.
pub async fn count_pages<T, Fut>(
    mut page_after: impl FnMut(Option<String>) -> Fut,
    keep: impl Fn(&T) -> bool,
) -> Result<usize, AppError>
where
    Fut: std::future::Future<Output = Result<app::paging::Page<T>, AppError>>,
{
    let mut after = None;
    let mut total = 0;
    loop {
        let page = page_after(after.take()).await?;
        total += page.items.iter().filter(|item| keep(item)).count();
        match page.next {
            Some(next) => after = Some(next),
            None => return Ok(total),
        }
    }
}

/// Qlik's paging (`limit`, `next`) over a list that is read whole because it is bounded by one
/// space (its members, its shares): the items after the cursor's id, and the next cursor.
pub fn page_of<T>(
    items: Vec<T>,
    id: impl Fn(&T) -> String,
    limit: Option<u32>,
    next: Option<&str>,
) -> Result<(Vec<T>, Option<String>), AppError> {
    let size = app::paging::page_size(check_limit(limit)?) as usize;
    let start = match next {
        None => 0,
        Some(cursor) => {
            items.iter().position(|item| id(item) == cursor).ok_or_else(|| {
                AppError::invalid(
                    "next",
                    "This cursor is not one of this list's (the item it points at is gone): list again without next.",
                )
            })? + 1
        }
    };
    let mut page: Vec<T> = items.into_iter().skip(start).collect();
    let more = page.len() > size;
    page.truncate(size);
    let cursor = more.then(|| page.last().map(&id)).flatten();
    Ok((page, cursor))
}

/// `links.self` and `links.next` of a list, keeping its filters.
pub fn list_links(
    base: &str,
    resource: &str,
    limit: Option<u32>,
    kept: &[(&str, Option<&str>)],
    current: Option<&str>,
    next: Option<&str>,
) -> ListLinks {
    let mut params: Vec<String> = kept
        .iter()
        .filter_map(|(k, v)| v.map(|v| format!("{k}={}", app::url::percent_encode(v))))
        .collect();
    if let Some(limit) = limit {
        params.push(format!("limit={limit}"));
    }
    let href = |cursor: Option<&str>| {
        let mut all = params.clone();
        if let Some(cursor) = cursor {
            all.push(format!("next={}", app::url::percent_encode(cursor)));
        }
        let query = if all.is_empty() {
            String::new()
        } else {
            format!("?{}", all.join("&"))
        };
        Href {
            href: format!("{base}/api/v1/{resource}{query}"),
        }
    };
    ListLinks {
        self_: href(current),
        next: next.map(|n| href(Some(n))),
    }
}

/// Role ids from references by id or by name.
pub async fn role_ids(
    state: &AppState,
    caller: &Principal,
    refs: &[RefIn],
) -> Result<Vec<String>, AppError> {
    if refs.is_empty() {
        return Ok(Vec::new());
    }
    let roles = service::list_roles(state, caller).await?;
    refs.iter()
        .map(|r| match (&r.id, &r.name) {
            (Some(id), _) => Ok(id.clone()),
            (None, Some(name)) => roles
                .iter()
                .find(|role| role.name.eq_ignore_ascii_case(name))
                .map(|role| role.id.clone())
                .ok_or_else(|| {
                    let known: Vec<&str> = roles
                        .iter()
                        .filter(|r| r.kind.is_assignable())
                        .map(|r| r.name.as_str())
                        .collect();
                    AppError::invalid(
                        "assignedRoles",
                        format!(
                            "There is no role named \"{name}\". Roles: {}.",
                            known.join(", ")
                        ),
                    )
                }),
            (None, None) => Err(AppError::invalid(
                "assignedRoles",
                "Each role needs an \"id\" or a \"name\".",
            )),
        })
        .collect()
}

/// Group ids from references by id or by name.
pub async fn group_ids(
    state: &AppState,
    caller: &Principal,
    refs: &[RefIn],
) -> Result<Vec<String>, AppError> {
    let mut ids = Vec::new();
    for r in refs {
        match (&r.id, &r.name) {
            (Some(id), _) => ids.push(id.clone()),
            (None, Some(name)) => {
                let page = service::list_groups(
                    state,
                    caller,
                    GroupQuery {
                        search: name.clone(),
                        limit: 100,
                        ..Default::default()
                    },
                )
                .await?;
                let group = page
                    .items
                    .into_iter()
                    .find(|g| g.name.eq_ignore_ascii_case(name));
                ids.push(
                    group
                        .ok_or_else(|| {
                            AppError::invalid(
                                "assignedGroups",
                                format!("There is no group named \"{name}\"."),
                            )
                        })?
                        .id,
                );
            }
            (None, None) => {
                return Err(AppError::invalid(
                    "assignedGroups",
                    "Each group needs an \"id\" or a \"name\".",
                ))
            }
        }
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// utoipa keys the document's schemas by type name, and a second type of the same name
    /// silently replaces the first: every `ToSchema` type of the REST API has its own name.
    #[test]
    fn every_schema_of_the_document_has_its_own_name() {
        fn walk(dir: &std::path::Path, names: &mut Vec<(String, String)>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(&path, names);
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                let mut schema = false;
                for line in text.lines() {
                    let line = line.trim();
                    if line.starts_with("#[derive(") {
                        schema = line.contains("ToSchema");
                    } else if schema
                        && (line.starts_with("pub struct ") || line.starts_with("pub enum "))
                    {
                        let name = line.split_whitespace().nth(2).unwrap_or("");
                        let name = name.split(['<', '{', '(']).next().unwrap_or("").to_string();
                        names.push((name, path.display().to_string()));
                        schema = false;
                    }
                }
            }
        }
        let mut names = Vec::new();
        walk(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/rest"),
            &mut names,
        );
        names.sort();
        let twice: Vec<_> = names.windows(2).filter(|w| w[0].0 == w[1].0).collect();
        assert!(twice.is_empty(), "schemas named twice: {twice:?}");
        assert!(
            names.len() > 40,
            "the walk found the REST types: {}",
            names.len()
        );
        // And the document has all of them (one of a name would replace the other).
        let document = serde_json::to_value(routes().split_for_parts().1).unwrap();
        let schemas = document["components"]["schemas"].as_object().unwrap();
        for (name, file) in &names {
            assert!(
                schemas.contains_key(name) || !referenced(&document, name),
                "{name} ({file}) is missing from the document"
            );
        }
    }

    fn referenced(document: &serde_json::Value, name: &str) -> bool {
        document
            .to_string()
            .contains(&format!("#/components/schemas/{name}\""))
    }

    #[test]
    fn next_links_keep_filters_and_encode_cursors() {
        let links = list_links(
            "http://h",
            "users",
            Some(5),
            &[("status", Some("active")), ("email", None)],
            None,
            Some("ab.c d"),
        );
        assert_eq!(
            links.self_.href,
            "http://h/api/v1/users?status=active&limit=5"
        );
        assert_eq!(
            links.next.unwrap().href,
            "http://h/api/v1/users?status=active&limit=5&next=ab.c%20d"
        );
    }

    #[test]
    fn whole_lists_page_after_the_cursor_and_say_when_it_is_gone() {
        let items: Vec<String> = (1..=5).map(|i| format!("i{i}")).collect();
        let id = |s: &String| s.clone();
        let (page, next) = page_of(items.clone(), id, Some(2), None).unwrap();
        assert_eq!(
            (page, next.as_deref()),
            (vec!["i1".into(), "i2".into()], Some("i2"))
        );
        let (page, next) = page_of(items.clone(), id, Some(2), Some("i4")).unwrap();
        assert_eq!((page, next), (vec!["i5".to_string()], None));
        let (page, next) = page_of(items.clone(), id, Some(3), Some("i2")).unwrap();
        assert_eq!(
            (page.len(), next),
            (3, None),
            "the last full page has no next"
        );
        let gone = page_of(items, id, Some(2), Some("i9"))
            .unwrap_err()
            .to_string();
        assert!(gone.contains("list again without next"), "{gone}");
    }

    #[test]
    fn limits_outside_one_to_a_hundred_are_refused() {
        assert_eq!(check_limit(None).unwrap(), 0);
        assert_eq!(check_limit(Some(100)).unwrap(), 100);
        assert!(check_limit(Some(0))
            .unwrap_err()
            .to_string()
            .contains("between 1 and 100"));
        assert!(check_limit(Some(101)).is_err());
    }
}
