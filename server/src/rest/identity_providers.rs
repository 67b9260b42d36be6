//! `/api/v1/identity-providers`: JWT issuers (Qlik's `jwtAuth` identity providers) in the shape
//! of Qlik Cloud's API. Tenant admins keep the list. Sightline adds to `options` what Qlik has
//! no field for: `audience`, `origins` (the sites that may embed for the provider's users),
//! `createNewUsersOnLogin`, and a shared secret (`staticKeys[].secret`, HS256, at least 32
//! bytes), which is written and never read back.

use app::idps::model::{IdentityProvider, KeyInput, ProviderInput};
use app::idps::service;
use app::state::AppState;
use app::timefmt::rfc3339;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::error::{ErrorBody, RestError};
use super::extract::{Caller, JsonBody};
use super::patch::{Op, PatchOp};
use app::error::AppError;

#[derive(Debug, Serialize, Deserialize, ToSchema, Clone)]
pub struct StaticKey {
    pub kid: String,
    /// The public key (PEM); empty for a shared secret.
    #[serde(default)]
    pub pem: String,
    /// A shared secret (HS256, at least 32 bytes): taken, never shown.
    #[serde(default, skip_serializing)]
    pub secret: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema, Clone)]
pub struct NarrowingClaim {
    pub claim: String,
    pub field: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema, Clone)]
#[serde(rename_all = "camelCase")]
pub struct JwtOptions {
    pub issuer: String,
    #[serde(default)]
    pub static_keys: Vec<StaticKey>,
    /// Where the issuer publishes its keys (a JWKS document), instead of or beside `staticKeys`.
    #[serde(default)]
    pub jwks_uri: String,
    /// Claims of its tokens that narrow (never widen) its users' section access: the token's
    /// values of `claim` are the only values of `field` they see.
    #[serde(default)]
    pub narrowing: Vec<NarrowingClaim>,
    /// The `aud` tokens must name; Qlik's `qlik.api/login/jwt-session` when left out.
    #[serde(default)]
    pub audience: String,
    /// The sites whose pages may embed for this provider's users.
    #[serde(default)]
    pub origins: Vec<String>,
    /// A token for someone with no account makes one.
    #[serde(default)]
    pub create_new_users_on_login: bool,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IdentityProviderOut {
    pub id: String,
    pub tenant_ids: Vec<String>,
    pub provider: &'static str,
    pub protocol: &'static str,
    pub interactive: bool,
    pub active: bool,
    pub description: String,
    pub clock_tolerance_sec: i64,
    pub options: JwtOptions,
    pub created: String,
    pub last_updated: String,
}

impl IdentityProviderOut {
    fn new(p: &IdentityProvider) -> Self {
        IdentityProviderOut {
            id: p.id.clone(),
            tenant_ids: vec![p.tenant_id.clone()],
            provider: "external",
            protocol: "jwtAuth",
            interactive: false,
            active: p.active,
            description: p.description.clone(),
            clock_tolerance_sec: p.clock_tolerance_secs,
            options: JwtOptions {
                issuer: p.issuer.clone(),
                static_keys: p
                    .keys
                    .iter()
                    .map(|k| StaticKey {
                        kid: k.kid.clone(),
                        pem: k.pem.clone(),
                        secret: String::new(),
                    })
                    .collect(),
                jwks_uri: p.jwks_uri.clone(),
                narrowing: p
                    .narrowing
                    .iter()
                    .map(|n| NarrowingClaim {
                        claim: n.claim.clone(),
                        field: n.field.clone(),
                    })
                    .collect(),
                audience: p.audience.clone(),
                origins: p.origins.clone(),
                create_new_users_on_login: p.create_users,
            },
            created: rfc3339(p.created_at),
            last_updated: rfc3339(p.updated_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IdentityProviderList {
    pub data: Vec<IdentityProviderOut>,
}

/// Qlik's create body for a JWT identity provider.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IdentityProviderIn {
    /// `jwtAuth`: the only protocol Sightline takes so far.
    pub protocol: String,
    #[serde(default)]
    pub provider: Option<String>,
    #[serde(default)]
    pub interactive: Option<bool>,
    #[serde(default)]
    pub tenant_ids: Option<Vec<String>>,
    #[serde(default = "yes")]
    pub active: bool,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub clock_tolerance_sec: i64,
    pub options: JwtOptions,
}

fn yes() -> bool {
    true
}

fn input_of(
    active: bool,
    description: String,
    clock_tolerance_sec: i64,
    options: JwtOptions,
) -> ProviderInput {
    ProviderInput {
        description,
        issuer: options.issuer,
        audience: options.audience,
        keys: options
            .static_keys
            .into_iter()
            .map(|k| KeyInput {
                kid: k.kid,
                pem: k.pem,
                secret: k.secret,
            })
            .collect(),
        jwks_uri: options.jwks_uri,
        narrowing: options
            .narrowing
            .into_iter()
            .map(|n| app::idps::model::Narrowing {
                claim: n.claim,
                field: n.field,
            })
            .collect(),
        origins: options.origins,
        create_users: options.create_new_users_on_login,
        clock_tolerance_secs: clock_tolerance_sec,
        active,
    }
}

#[utoipa::path(get, path = "/api/v1/identity-providers", tag = "identity-providers",
    responses((status = 200, body = IdentityProviderList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> Result<Json<IdentityProviderList>, RestError> {
    Ok(Json(IdentityProviderList {
        data: service::list_identity_providers(&state, &caller)
            .await?
            .iter()
            .map(IdentityProviderOut::new)
            .collect(),
    }))
}

#[utoipa::path(post, path = "/api/v1/identity-providers", tag = "identity-providers", request_body = IdentityProviderIn,
    responses((status = 201, body = IdentityProviderOut), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Caller(caller): Caller,
    JsonBody(input): JsonBody<IdentityProviderIn>,
) -> Result<Response, RestError> {
    if input.protocol != "jwtAuth" {
        return Err(AppError::invalid(
            "protocol",
            format!(
                "Sightline takes identity providers of protocol \"jwtAuth\" so far, not \"{}\".",
                input.protocol
            ),
        )
        .into());
    }
    let made = service::create_identity_provider(
        &state,
        &caller,
        input_of(
            input.active,
            input.description,
            input.clock_tolerance_sec,
            input.options,
        ),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(IdentityProviderOut::new(&made))).into_response())
}

#[utoipa::path(get, path = "/api/v1/identity-providers/{id}", tag = "identity-providers", params(("id" = String, Path)),
    responses((status = 200, body = IdentityProviderOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> Result<Json<IdentityProviderOut>, RestError> {
    Ok(Json(IdentityProviderOut::new(
        &service::get_identity_provider(&state, &caller, &id).await?,
    )))
}

/// Qlik's JSON Patch: `replace` of `/active`, `/description`, `/clockToleranceSec` and
/// `/options` (a whole options object: its keys given by `kid` alone keep their material).
#[utoipa::path(patch, path = "/api/v1/identity-providers/{id}", tag = "identity-providers", params(("id" = String, Path)), request_body = Vec<PatchOp>,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn patch(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
    JsonBody(ops): JsonBody<Vec<PatchOp>>,
) -> Result<StatusCode, RestError> {
    let now = service::get_identity_provider(&state, &caller, &id).await?;
    let current = IdentityProviderOut::new(&now);
    let (mut active, mut description, mut tolerance, mut options) = (
        current.active,
        current.description,
        current.clock_tolerance_sec,
        current.options,
    );
    for (index, op) in ops.iter().enumerate() {
        if op.kind(index)? != Op::Replace {
            return Err(AppError::invalid(
                "op",
                format!("Operation {index}: identity providers take replace only."),
            )
            .into());
        }
        match op.field().as_str() {
            "/active" => active = op.boolean(index)?,
            "/description" => description = op.string(index)?,
            "/clockToleranceSec" => {
                tolerance = op.value.as_i64().ok_or_else(|| {
                    AppError::invalid("value", format!("Operation {index}: a number of seconds."))
                })?
            }
            "/options" => {
                options = serde_json::from_value(op.value.clone()).map_err(|e| {
                    AppError::invalid(
                        "value",
                        format!("Operation {index}: the options could not be read: {e}."),
                    )
                })?
            }
            _ => {
                return Err(op
                    .unknown_path(
                        index,
                        &["/active", "/description", "/clockToleranceSec", "/options"],
                    )
                    .into())
            }
        }
    }
    service::update_identity_provider(
        &state,
        &caller,
        &id,
        input_of(active, description, tolerance, options),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/api/v1/identity-providers/{id}", tag = "identity-providers", params(("id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, RestError> {
    service::delete_identity_provider(&state, &caller, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
