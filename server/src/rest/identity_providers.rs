//! `/api/v1/identity-providers`: JWT issuers (Qlik's `jwtAuth` identity providers) and OpenID
//! Connect providers (`OIDC`, `oidc_providers.rs`) in the shape of Qlik Cloud's API. Tenant
//! admins keep the list. Sightline adds to `options` what Qlik has
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
use super::oidc_providers as oidc;
use super::patch::{Op, PatchOp};
use app::error::AppError;
use serde_json::Value;

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
    /// `jwtAuth` or `OIDC`.
    pub protocol: &'static str,
    pub interactive: bool,
    pub active: bool,
    pub description: String,
    pub clock_tolerance_sec: i64,
    pub create_new_users_on_login: bool,
    /// A JWT issuer's options, or a live OIDC provider's.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub options: Option<Value>,
    /// An OIDC provider's options while it waits for its test sign-in.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub pending_options: Option<Value>,
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
            create_new_users_on_login: p.create_users,
            options: serde_json::to_value(jwt_options(p)).ok(),
            pending_options: None,
            created: rfc3339(p.created_at),
            last_updated: rfc3339(p.updated_at),
        }
    }

    fn oidc(p: &app::idps::model::OidcProvider, tenant_id: &str) -> Self {
        let options = oidc::options_of(p);
        IdentityProviderOut {
            id: p.id.clone(),
            tenant_ids: vec![tenant_id.to_string()],
            provider: "generic",
            protocol: "OIDC",
            interactive: true,
            active: p.active,
            description: p.description.clone(),
            clock_tolerance_sec: 0,
            create_new_users_on_login: p.create_users,
            options: (!p.pending).then(|| options.clone()),
            pending_options: p.pending.then_some(options),
            created: rfc3339(p.created_at),
            last_updated: rfc3339(p.updated_at),
        }
    }
}

fn jwt_options(p: &IdentityProvider) -> JwtOptions {
    {
        {
            JwtOptions {
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
            }
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IdentityProviderList {
    pub data: Vec<IdentityProviderOut>,
}

/// Qlik's create body: a JWT issuer (`jwtAuth`, `options`) or an OpenID Connect provider
/// (`OIDC`: `pendingOptions`, or `options` with `skipVerify`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IdentityProviderIn {
    /// `jwtAuth` or `OIDC`.
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
    /// An OIDC provider's: accounts made on first sign-in.
    #[serde(default)]
    pub create_new_users_on_login: bool,
    /// A JWT issuer's `JwtOptions`; an OIDC provider's options with `skipVerify`.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub options: Option<Value>,
    /// An OIDC provider's options, tested before they go live.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub pending_options: Option<Value>,
    #[serde(default)]
    pub skip_verify: bool,
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
    let mut data: Vec<IdentityProviderOut> = service::list_identity_providers(&state, &caller)
        .await?
        .iter()
        .map(IdentityProviderOut::new)
        .collect();
    data.extend(
        service::list_oidc_providers(&state, &caller)
            .await?
            .iter()
            .map(|p| IdentityProviderOut::oidc(p, &caller.tenant_id)),
    );
    Ok(Json(IdentityProviderList { data }))
}

#[utoipa::path(post, path = "/api/v1/identity-providers", tag = "identity-providers", request_body = IdentityProviderIn,
    responses((status = 201, body = IdentityProviderOut), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Caller(caller): Caller,
    JsonBody(input): JsonBody<IdentityProviderIn>,
) -> Result<Response, RestError> {
    if input.protocol == "OIDC" {
        let (options, skip) = match (input.pending_options, input.options) {
            (Some(pending), _) => (pending, false),
            (None, Some(options)) if input.skip_verify => (options, true),
            _ => {
                return Err(AppError::invalid(
                    "pendingOptions",
                    "An OIDC provider takes pendingOptions (tested by signing in through it before it goes live), or options with skipVerify: true.",
                )
                .into())
            }
        };
        let made = service::create_oidc_provider(
            &state,
            &caller,
            oidc::input_of(
                options,
                input.description,
                input.active,
                input.create_new_users_on_login,
                skip,
            )?,
        )
        .await?;
        let out = IdentityProviderOut::oidc(&made, &caller.tenant_id);
        return Ok((StatusCode::CREATED, Json(out)).into_response());
    }
    if input.protocol != "jwtAuth" {
        return Err(AppError::invalid(
            "protocol",
            format!(
                "Sightline takes identity providers of protocol \"jwtAuth\" or \"OIDC\", not \"{}\".",
                input.protocol
            ),
        )
        .into());
    }
    let options: JwtOptions = serde_json::from_value(input.options.unwrap_or(Value::Null))
        .map_err(|e| {
            AppError::invalid(
                "options",
                format!("The jwtAuth options could not be read: {e}."),
            )
        })?;
    let made = service::create_identity_provider(
        &state,
        &caller,
        input_of(
            input.active,
            input.description,
            input.clock_tolerance_sec,
            options,
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
    match service::get_identity_provider(&state, &caller, &id).await {
        Ok(jwt) => Ok(Json(IdentityProviderOut::new(&jwt))),
        Err(AppError::NotFound(why)) => service::list_oidc_providers(&state, &caller)
            .await?
            .iter()
            .find(|p| p.id == id)
            .map(|p| Json(IdentityProviderOut::oidc(p, &caller.tenant_id)))
            .ok_or_else(|| AppError::NotFound(why).into()),
        Err(other) => Err(other.into()),
    }
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
    let now = match service::get_identity_provider(&state, &caller, &id).await {
        Err(AppError::NotFound(_)) => return patch_oidc(&state, &caller, &id, &ops).await,
        other => other?,
    };
    let (mut active, mut description, mut tolerance, mut options) = (
        now.active,
        now.description.clone(),
        now.clock_tolerance_secs,
        jwt_options(&now),
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
    match service::delete_identity_provider(&state, &caller, &id).await {
        Err(AppError::NotFound(_)) => service::delete_oidc_provider(&state, &caller, &id).await?,
        other => other?,
    }
    Ok(StatusCode::NO_CONTENT)
}

/// An OIDC provider's JSON Patch: `replace` of `/active`, `/description`,
/// `/createNewUsersOnLogin` and `/options` or `/pendingOptions` (a whole options object; a
/// secret left out keeps the one kept).
async fn patch_oidc(
    state: &AppState,
    caller: &app::auth::principal::Principal,
    id: &str,
    ops: &[PatchOp],
) -> Result<StatusCode, RestError> {
    let current = service::list_oidc_providers(state, caller)
        .await?
        .into_iter()
        .find(|p| p.id == id)
        .ok_or_else(|| {
            AppError::not_found(format!("There is no identity provider with id {id}."))
        })?;
    let (mut active, mut description, mut create) = (
        current.active,
        current.description.clone(),
        current.create_users,
    );
    let mut options = oidc::options_of(&current);
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
            "/createNewUsersOnLogin" => create = op.boolean(index)?,
            "/options" | "/pendingOptions" => options = op.value.clone(),
            _ => {
                return Err(op
                    .unknown_path(
                        index,
                        &[
                            "/active",
                            "/description",
                            "/createNewUsersOnLogin",
                            "/options",
                            "/pendingOptions",
                        ],
                    )
                    .into())
            }
        }
    }
    let input = oidc::input_of(options, description, active, create, false)?;
    service::update_oidc_provider(state, caller, id, input).await?;
    Ok(StatusCode::NO_CONTENT)
}
