//! `/api/v1/data-connections`: a space's data connections in the shapes of Qlik Cloud's Data
//! connections API. What a connection reaches is its `qConnectStatement`
//! (`CUSTOM CONNECT TO "provider=sightline;driver=postgres;host=…;port=…;db=…;"`), or the same
//! as `connectionProperties`; its user is `qUsername` and its password `qPassword` (or
//! `qConnectionSecret`), written, never read back. A connection is tested before it is kept.

use app::connections::model::{Connection, ConnectionInput, ConnectionKind};
use app::connections::rules::{connect_statement, parse_connect_statement};
use app::connections::service;
use app::error::AppError;
use app::state::AppState;
use app::timefmt::rfc3339;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::base_url;
use super::error::{ErrorBody, RestError};
use super::extract::{Caller, JsonBody, QueryParams};
use super::model::{Href, SelfLink};

/// Qlik's `ConnectionGet`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionOut {
    #[serde(rename = "qID")]
    pub q_id: String,
    #[serde(rename = "qEngineObjectID")]
    pub q_engine_object_id: String,
    #[serde(rename = "qName")]
    pub q_name: String,
    /// `QvOdbcConnectorPackage.exe` for a database, `folder` for a folder.
    #[serde(rename = "qType")]
    pub q_type: String,
    #[serde(rename = "qConnectStatement")]
    pub q_connect_statement: String,
    /// The database user (never the password).
    #[serde(rename = "qUsername")]
    pub q_username: String,
    #[serde(rename = "qArchitecture")]
    pub q_architecture: u8,
    #[serde(rename = "qLogOn")]
    pub q_log_on: u8,
    #[serde(rename = "qSeparateCredentials")]
    pub q_separate_credentials: bool,
    /// `postgres`, `mysql`, `sqlite` or `folder`.
    #[serde(rename = "datasourceID")]
    pub datasource_id: String,
    pub space: String,
    /// Who made it.
    pub user: String,
    pub tenant: String,
    pub created: String,
    pub updated: String,
    /// `read`, and `update` and `delete` for those who may change it.
    pub privileges: Vec<String>,
    pub links: SelfLink,
}

impl ConnectionOut {
    fn new(c: &Connection, tenant: &str, base: &str) -> Self {
        let mut privileges = vec!["read".to_string()];
        if c.can_manage {
            privileges.extend(["update".to_string(), "delete".to_string()]);
        }
        ConnectionOut {
            q_id: c.id.clone(),
            q_engine_object_id: c.id.clone(),
            q_name: c.name.clone(),
            q_type: match c.kind {
                ConnectionKind::Folder => "folder".into(),
                _ => "QvOdbcConnectorPackage.exe".into(),
            },
            q_connect_statement: connect_statement(c),
            q_username: c.username.clone(),
            q_architecture: 0,
            q_log_on: 0,
            q_separate_credentials: false,
            datasource_id: c.kind.as_str().to_string(),
            space: c.space_id.clone(),
            user: c.created_by.clone(),
            tenant: tenant.to_string(),
            created: rfc3339(c.created_at),
            updated: rfc3339(c.updated_at),
            privileges,
            links: SelfLink {
                self_: Href {
                    href: format!("{base}/api/v1/data-connections/{}", c.id),
                },
            },
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConnectionList {
    pub data: Vec<ConnectionOut>,
    pub links: SelfLink,
    pub meta: ListMeta,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ListMeta {
    pub count: usize,
}

/// Qlik's `ConnectionCreate` (or `DcaasConnectionCreate`) and `ConnectionUpdate`.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ConnectionIn {
    #[serde(rename = "qName")]
    pub q_name: Option<String>,
    #[serde(rename = "datasourceID")]
    pub datasource_id: Option<String>,
    #[serde(rename = "qType")]
    pub q_type: Option<String>,
    #[serde(rename = "qConnectStatement")]
    pub q_connect_statement: Option<String>,
    #[serde(rename = "qUsername")]
    pub q_username: Option<String>,
    /// Written, never read back; left out on an update: the password kept stays.
    #[serde(rename = "qPassword")]
    pub q_password: Option<String>,
    /// The same as `qPassword`.
    #[serde(rename = "qConnectionSecret")]
    pub q_connection_secret: Option<String>,
    /// The space; left out: the caller's personal space.
    pub space: Option<String>,
    /// `host`, `port`, `database`, `username`, `password`, `folder`, `path`, instead of a
    /// connect statement.
    #[serde(rename = "connectionProperties")]
    #[schema(value_type = Object)]
    pub connection_properties: Option<Value>,
    /// Taken and ignored.
    #[serde(rename = "qID")]
    pub q_id: Option<String>,
    #[serde(rename = "qEngineObjectID")]
    pub q_engine_object_id: Option<String>,
    #[serde(rename = "qArchitecture")]
    pub q_architecture: Option<u8>,
    #[serde(rename = "qLogOn")]
    #[schema(value_type = Option<String>)]
    pub q_log_on: Option<Value>,
    #[serde(rename = "qSeparateCredentials")]
    pub q_separate_credentials: Option<bool>,
    pub tags: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionParams {
    /// Only this space's connections.
    pub space_id: Option<String>,
    /// 1 to 100: at most this many.
    pub limit: Option<u32>,
}

/// The form's input from Qlik's body, over what a connection already is (an update).
fn input_of(body: ConnectionIn, current: Option<&Connection>) -> Result<ConnectionInput, AppError> {
    let mut pairs = body
        .q_connect_statement
        .as_deref()
        .map(parse_connect_statement)
        .unwrap_or_default();
    if let Some(Value::Object(properties)) = &body.connection_properties {
        for (key, value) in properties {
            let text = match value {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                _ => continue,
            };
            pairs.push((key.to_ascii_lowercase(), text));
        }
    }
    let pair = |keys: &[&str]| {
        pairs
            .iter()
            .rev()
            .find(|(k, _)| keys.contains(&k.as_str()))
            .map(|(_, v)| v.clone())
    };
    let kind = body
        .datasource_id
        .clone()
        .or_else(|| pair(&["driver"]))
        .or_else(|| current.map(|c| c.kind.as_str().to_string()))
        .ok_or_else(|| {
            AppError::invalid(
                "datasourceID",
                "Say what the connection reaches: datasourceID postgres, mysql, sqlite or folder.",
            )
        })?;
    let port = match pair(&["port"]) {
        Some(port) => Some(port.parse::<u16>().map_err(|_| {
            AppError::invalid(
                "qConnectStatement",
                format!("port={port} is not a port: a number from 1 to 65535."),
            )
        })?),
        None => current.map(|c| c.port),
    };
    let keep =
        |value: Option<String>, current: Option<String>| value.or(current).unwrap_or_default();
    Ok(ConnectionInput {
        space_id: keep(body.space, current.map(|c| c.space_id.clone())),
        name: keep(body.q_name, current.map(|c| c.name.clone())),
        kind,
        host: keep(pair(&["host", "server"]), current.map(|c| c.host.clone())),
        port,
        database: keep(
            pair(&["db", "database"]),
            current.map(|c| c.database.clone()),
        ),
        username: keep(
            body.q_username.or_else(|| pair(&["username", "user"])),
            current.map(|c| c.username.clone()),
        ),
        password: body
            .q_password
            .or(body.q_connection_secret)
            .or_else(|| pair(&["password"])),
        folder: keep(pair(&["folder"]), current.map(|c| c.folder.clone())),
        path: keep(pair(&["path"]), current.map(|c| c.path.clone())),
    })
}

#[utoipa::path(get, path = "/api/v1/data-connections", tag = "data-connections", params(ConnectionParams),
    responses((status = 200, body = ConnectionList), (status = 400, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Caller(caller): Caller,
    QueryParams(params): QueryParams<ConnectionParams>,
) -> Result<Json<ConnectionList>, RestError> {
    let limit = super::check_limit(params.limit)?;
    let base = base_url(&state);
    let space = params.space_id.filter(|s| !s.is_empty());
    let page = service::list_connections(&state, &caller, space.as_deref()).await?;
    let mut data: Vec<ConnectionOut> = page
        .connections
        .iter()
        .map(|c| ConnectionOut::new(c, &caller.tenant_id, &base))
        .collect();
    if limit > 0 {
        data.truncate(limit as usize);
    }
    let query = space
        .map(|s| format!("?spaceId={}", app::url::percent_encode(&s)))
        .unwrap_or_default();
    Ok(Json(ConnectionList {
        meta: ListMeta { count: data.len() },
        data,
        links: SelfLink {
            self_: Href {
                href: format!("{base}/api/v1/data-connections{query}"),
            },
        },
    }))
}

#[utoipa::path(post, path = "/api/v1/data-connections", tag = "data-connections", request_body = ConnectionIn,
    responses((status = 201, body = ConnectionOut), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Caller(caller): Caller,
    JsonBody(body): JsonBody<ConnectionIn>,
) -> Result<Response, RestError> {
    let input = input_of(body, None)?;
    let made = service::create_connection(&state, &caller, input).await?;
    Ok((
        StatusCode::CREATED,
        Json(ConnectionOut::new(
            &made,
            &caller.tenant_id,
            &base_url(&state),
        )),
    )
        .into_response())
}

#[utoipa::path(get, path = "/api/v1/data-connections/{qID}", tag = "data-connections", params(("qID" = String, Path)),
    responses((status = 200, body = ConnectionOut), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> Result<Json<ConnectionOut>, RestError> {
    let found = service::get_connection(&state, &caller, &id).await?;
    Ok(Json(ConnectionOut::new(
        &found,
        &caller.tenant_id,
        &base_url(&state),
    )))
}

#[utoipa::path(put, path = "/api/v1/data-connections/{qID}", tag = "data-connections", params(("qID" = String, Path)), request_body = ConnectionIn,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<ConnectionIn>,
) -> Result<StatusCode, RestError> {
    let current = service::get_connection(&state, &caller, &id).await?;
    let input = input_of(body, Some(&current))?;
    service::update_connection(&state, &caller, &id, input).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/api/v1/data-connections/{qID}", tag = "data-connections", params(("qID" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, RestError> {
    service::delete_connection(&state, &caller, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
