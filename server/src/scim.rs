//! SCIM 2.0 over HTTP (`app::scim`): `/scim/v2/Users` and `/Groups` with the tenant's bearer
//! token, and the discovery documents (`ServiceProviderConfig`, `ResourceTypes`, `Schemas`)
//! that describe exactly the attributes Sightline keeps. Answers are `application/scim+json`;
//! errors are SCIM's (RFC 7644, §3.12).

use app::auth::principal::Principal;
use app::scim::model::ScimError;
use app::scim::rules::{Operation, GROUP_SCHEMA, LIST_SCHEMA, PATCH_SCHEMA, USER_SCHEMA};
use app::scim::service as scim;
use app::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use http::{header, HeaderMap, StatusCode};
use serde_json::{json, Value};

const MEDIA: &str = "application/scim+json";

/// An answer: people's names and emails, kept by no cache.
fn answer(status: StatusCode, body: Value) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, MEDIA),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body.to_string(),
    )
        .into_response()
}

fn failed(error: ScimError) -> Response {
    let mut body = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
        "status": error.status.to_string(),
        "detail": error.detail,
    });
    if let Some(kind) = error.scim_type {
        body["scimType"] = json!(kind);
    }
    answer(
        StatusCode::from_u16(error.status).unwrap_or(StatusCode::BAD_REQUEST),
        body,
    )
}

fn reply(result: Result<Value, ScimError>, status: StatusCode) -> Response {
    match result {
        Ok(body) => answer(status, body),
        Err(error) => failed(error),
    }
}

async fn agent(state: &AppState, headers: &HeaderMap) -> Result<Principal, ScimError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(app::auth::rules::bearer_token)
        .unwrap_or("");
    scim::provisioner(state, token).await
}

fn body_of(bytes: &Bytes) -> Result<Value, ScimError> {
    serde_json::from_slice(bytes)
        .map_err(|e| ScimError::bad("invalidSyntax", format!("The body is not JSON: {e}.")))
}

fn operations_of(bytes: &Bytes) -> Result<Vec<Operation>, ScimError> {
    let body = body_of(bytes)?;
    let operations = body
        .get("Operations")
        .or_else(|| body.get("operations"))
        .cloned()
        .ok_or_else(|| {
            ScimError::bad(
                "invalidSyntax",
                format!("A PATCH body is a {PATCH_SCHEMA} with Operations."),
            )
        })?;
    serde_json::from_value(operations).map_err(|e| {
        ScimError::bad(
            "invalidSyntax",
            format!("The operations cannot be read: {e}."),
        )
    })
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Search {
    filter: Option<String>,
    start_index: Option<i64>,
    count: Option<i64>,
    attributes: Option<String>,
    excluded_attributes: Option<String>,
}

impl Search {
    /// Which attributes to return (RFC 7644, §3.4.2.5): only those named, or all but those
    /// excluded; `id` and `schemas` always.
    fn shape(&self, resource: &mut Value) {
        let names = |text: &Option<String>| -> Vec<String> {
            text.as_deref()
                .unwrap_or("")
                .split(',')
                .map(|a| {
                    a.trim()
                        .rsplit(':')
                        .next()
                        .unwrap_or("")
                        .to_ascii_lowercase()
                })
                .filter(|a| !a.is_empty())
                .collect()
        };
        let (only, without) = (names(&self.attributes), names(&self.excluded_attributes));
        let Some(object) = resource.as_object_mut() else {
            return;
        };
        object.retain(|key, value| {
            let key = key.to_ascii_lowercase();
            if key == "id" || key == "schemas" {
                return true;
            }
            let named = |list: &[String]| {
                list.iter()
                    .any(|a| a == &key || a.split('.').next() == Some(key.as_str()))
            };
            if !only.is_empty() && !named(&only) {
                return false;
            }
            if let Some(inner) = value.as_object_mut() {
                inner.retain(|sub, _| {
                    !without.contains(&format!("{key}.{}", sub.to_ascii_lowercase()))
                });
            }
            !without.contains(&key)
        });
    }

    fn shape_list(&self, list: &mut Value) {
        if let Some(items) = list.get_mut("Resources").and_then(Value::as_array_mut) {
            for item in items {
                self.shape(item);
            }
        }
    }
}

/// Which resource a route serves.
#[derive(Clone, Copy)]
enum Kind {
    User,
    Group,
}

async fn list(state: AppState, headers: HeaderMap, search: Search, kind: Kind) -> Response {
    let result = async {
        let p = agent(&state, &headers).await?;
        let (filter, start, count) = (search.filter.as_deref(), search.start_index, search.count);
        let mut found = match kind {
            Kind::User => scim::list_scim_users(&state, &p, filter, start, count).await,
            Kind::Group => scim::list_scim_groups(&state, &p, filter, start, count).await,
        }?;
        search.shape_list(&mut found);
        Ok(found)
    }
    .await;
    reply(result, StatusCode::OK)
}

/// `POST /Users/.search`: the same search, its parameters in the body.
async fn search_by_post(state: AppState, headers: HeaderMap, bytes: Bytes, kind: Kind) -> Response {
    let body = match body_of(&bytes) {
        Ok(body) => body,
        Err(error) => return failed(error),
    };
    let names = |name: &str| {
        body.get(name).and_then(Value::as_array).map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(",")
        })
    };
    let search = Search {
        filter: body
            .get("filter")
            .and_then(Value::as_str)
            .map(str::to_string),
        start_index: body.get("startIndex").and_then(Value::as_i64),
        count: body.get("count").and_then(Value::as_i64),
        attributes: names("attributes"),
        excluded_attributes: names("excludedAttributes"),
    };
    list(state, headers, search, kind).await
}

async fn create(state: AppState, headers: HeaderMap, bytes: Bytes, kind: Kind) -> Response {
    let result = async {
        let p = agent(&state, &headers).await?;
        let body = body_of(&bytes)?;
        match kind {
            Kind::User => scim::create_scim_user(&state, &p, body).await,
            Kind::Group => scim::create_scim_group(&state, &p, body).await,
        }
    }
    .await;
    match result {
        Ok(body) => {
            let location = body["meta"]["location"].as_str().unwrap_or("").to_string();
            let mut response = answer(StatusCode::CREATED, body);
            if let Ok(value) = location.parse() {
                response.headers_mut().insert(header::LOCATION, value);
            }
            response
        }
        Err(error) => failed(error),
    }
}

/// A request on one resource.
struct One {
    id: String,
    method: http::Method,
    search: Search,
    bytes: Bytes,
}

async fn one(state: AppState, headers: HeaderMap, request: One, kind: Kind) -> Response {
    let One {
        id,
        method,
        search,
        bytes,
    } = request;
    if id == ".search" && method == http::Method::POST {
        return search_by_post(state, headers, bytes, kind).await;
    }
    let result = async {
        let p = agent(&state, &headers).await?;
        let (s, id) = (&state, id.as_str());
        match (method, kind) {
            (http::Method::GET, Kind::User) => scim::get_scim_user(s, &p, id).await,
            (http::Method::GET, Kind::Group) => scim::get_scim_group(s, &p, id).await,
            (http::Method::PUT, Kind::User) => {
                scim::replace_scim_user(s, &p, id, body_of(&bytes)?).await
            }
            (http::Method::PUT, Kind::Group) => {
                scim::replace_scim_group(s, &p, id, body_of(&bytes)?).await
            }
            (http::Method::PATCH, Kind::User) => {
                scim::patch_scim_user(s, &p, id, &operations_of(&bytes)?).await
            }
            (http::Method::PATCH, Kind::Group) => {
                scim::patch_scim_group(s, &p, id, &operations_of(&bytes)?).await
            }
            (http::Method::DELETE, Kind::User) => scim::delete_scim_user(s, &p, id)
                .await
                .map(|()| Value::Null),
            (http::Method::DELETE, Kind::Group) => scim::delete_scim_group(s, &p, id)
                .await
                .map(|()| Value::Null),
            (method, _) => Err(ScimError {
                status: 405,
                scim_type: None,
                detail: format!(
                    "{method} is not an operation on one resource: use GET, PUT, PATCH or DELETE."
                ),
            }),
        }
    }
    .await;
    match result {
        Ok(Value::Null) => StatusCode::NO_CONTENT.into_response(),
        Ok(mut resource) => {
            search.shape(&mut resource);
            answer(StatusCode::OK, resource)
        }
        Err(error) => failed(error),
    }
}

fn resource_routes(kind: Kind) -> Router<AppState> {
    let list_them =
        move |State(s): State<AppState>, h: HeaderMap, Query(q): Query<Search>| list(s, h, q, kind);
    let create_one = move |State(s): State<AppState>, h: HeaderMap, b: Bytes| create(s, h, b, kind);
    let on_one = move |State(s): State<AppState>,
                       h: HeaderMap,
                       Path(id): Path<String>,
                       method: http::Method,
                       Query(search): Query<Search>,
                       bytes: Bytes| {
        one(
            s,
            h,
            One {
                id,
                method,
                search,
                bytes,
            },
            kind,
        )
    };
    Router::new()
        .route("/", get(list_them).post(create_one))
        .route("/{id}", axum::routing::any(on_one))
}

/// The protocol's routes, under `/scim/v2`.
pub fn router() -> Router<AppState> {
    Router::new()
        .nest("/Users", resource_routes(Kind::User))
        .nest("/Groups", resource_routes(Kind::Group))
        .route("/ServiceProviderConfig", get(service_provider_config))
        .route("/.search", axum::routing::post(search_everything))
        .route("/ResourceTypes", get(|| async { answer(StatusCode::OK, resource_type_list()) }))
        .route("/ResourceTypes/{id}", get(|Path(id): Path<String>| async move { by_id(resource_type_list(), &id, "resource type") }))
        .route("/Schemas", get(|| async { answer(StatusCode::OK, schema_list()) }))
        .route("/Schemas/{id}", get(|Path(id): Path<String>| async move { by_id(schema_list(), &id, "schema") }))
        .fallback(|| async {
            failed(ScimError::not_found(
                "There is no such SCIM endpoint: Sightline serves /Users, /Groups, /ServiceProviderConfig, /ResourceTypes and /Schemas.",
            ))
        })
}

/// `POST /.search` at the root: users and groups both (RFC 7644, §3.4.3).
async fn search_everything(
    State(state): State<AppState>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Response {
    let users = search_by_post(state.clone(), headers.clone(), bytes.clone(), Kind::User).await;
    let groups = search_by_post(state, headers, bytes, Kind::Group).await;
    if !users.status().is_success() {
        return users;
    }
    let read = |response: Response| async move {
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap_or_default();
        serde_json::from_slice::<Value>(&bytes).unwrap_or(Value::Null)
    };
    let (mut all, more) = (read(users).await, read(groups).await);
    let mut items = all["Resources"].as_array().cloned().unwrap_or_default();
    items.extend(more["Resources"].as_array().cloned().unwrap_or_default());
    all["totalResults"] = json!(
        all["totalResults"].as_u64().unwrap_or(0) + more["totalResults"].as_u64().unwrap_or(0)
    );
    all["itemsPerPage"] = json!(items.len());
    all["Resources"] = Value::Array(items);
    answer(StatusCode::OK, all)
}

fn by_id(list: Value, id: &str, what: &str) -> Response {
    list["Resources"]
        .as_array()
        .and_then(|items| items.iter().find(|r| r["id"] == id))
        .map(|r| answer(StatusCode::OK, r.clone()))
        .unwrap_or_else(|| failed(ScimError::not_found(format!("There is no {what} {id}."))))
}

async fn service_provider_config() -> Response {
    answer(
        StatusCode::OK,
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
            "documentationUri": "https://github.com/sightline/sightline/blob/main/README.md",
            "patch": { "supported": true },
            "bulk": { "supported": false, "maxOperations": 0, "maxPayloadSize": 0 },
            "filter": { "supported": true, "maxResults": app::scim::rules::MAX_PAGE },
            "changePassword": { "supported": false },
            "sort": { "supported": false },
            "etag": { "supported": false },
            "authenticationSchemes": [{
                "type": "oauthbearertoken", "name": "Bearer token", "primary": true,
                "description": "The tenant's SCIM token, made on the Identity providers page.",
            }],
            "meta": { "resourceType": "ServiceProviderConfig" },
        }),
    )
}

fn resource_type(name: &str, endpoint: &str, schema: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
        "id": name, "name": name, "endpoint": endpoint, "schema": schema,
        "meta": { "resourceType": "ResourceType" },
    })
}

fn resource_type_list() -> Value {
    let types = [
        resource_type("User", "/Users", USER_SCHEMA),
        resource_type("Group", "/Groups", GROUP_SCHEMA),
    ];
    json!({ "schemas": [LIST_SCHEMA], "totalResults": 2, "startIndex": 1, "itemsPerPage": 2, "Resources": types })
}

/// A member's `$ref`: the address of the user it names.
fn reference(to: &str) -> Value {
    let mut r = attribute("$ref", "reference", false, None, false, "immutable");
    r["referenceTypes"] = json!([to]);
    r
}

fn attribute(
    name: &str,
    kind: &str,
    required: bool,
    sub: Option<Vec<Value>>,
    multi: bool,
    mutability: &str,
) -> Value {
    let mut a = json!({
        "name": name, "type": kind, "multiValued": multi, "required": required,
        "caseExact": false, "mutability": mutability, "returned": "default", "uniqueness": "none",
        "description": name,
    });
    if let Some(sub) = sub {
        a["subAttributes"] = Value::Array(sub);
    }
    a
}

/// The schemas of exactly the attributes Sightline keeps: a user's email is required (people
/// are found by it); a member names a user by its id and address.
fn schema_list() -> Value {
    let s = |n: &str, k: &str| attribute(n, k, false, None, false, "readWrite");
    let mut user_name = attribute("userName", "string", true, None, false, "readWrite");
    user_name["uniqueness"] = json!("server");
    let user = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
        "id": USER_SCHEMA, "name": "User", "description": "A person's account",
        "attributes": [
            user_name,
            attribute("name", "complex", false, Some(vec![s("formatted", "string"), s("givenName", "string"), s("familyName", "string")]), false, "readWrite"),
            s("displayName", "string"),
            attribute("emails", "complex", true, Some(vec![attribute("value", "string", true, None, false, "readWrite"), s("type", "string"), s("primary", "boolean")]), true, "readWrite"),
            s("active", "boolean"),
            attribute("groups", "complex", false, Some(vec![s("value", "string"), s("display", "string")]), true, "readOnly"),
        ],
        "meta": { "resourceType": "Schema", "location": format!("/Schemas/{USER_SCHEMA}") },
    });
    let group = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
        "id": GROUP_SCHEMA, "name": "Group", "description": "A group of accounts",
        "attributes": [
            attribute("displayName", "string", true, None, false, "readWrite"),
            attribute("members", "complex", false, Some(vec![
                attribute("value", "string", false, None, false, "immutable"),
                reference("User"),
                attribute("display", "string", false, None, false, "readOnly"),
            ]), true, "readWrite"),
        ],
        "meta": { "resourceType": "Schema", "location": format!("/Schemas/{GROUP_SCHEMA}") },
    });
    json!({ "schemas": [LIST_SCHEMA], "totalResults": 2, "startIndex": 1, "itemsPerPage": 2, "Resources": [user, group] })
}
