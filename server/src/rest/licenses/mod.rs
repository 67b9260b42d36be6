//! `/api/v1/licenses`: the tenant's licences in Qlik Cloud's shapes (overview with allotments,
//! assignments and their bulk actions answering 207, settings, status, consumption), so that
//! `@qlik/api`'s licenses client works unchanged; and Sightline's own ledger export. A subject
//! is a user's email (or id). Tenant admins only.

use app::error::AppError;
use app::licences::model::{LicenceKind, LicenceSettings, Scheme};
use app::licences::service as licences;
use app::state::AppState;
use app::timefmt::rfc3339;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use http::{header, StatusCode};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::error::{ErrorBody, RestError};
use super::extract::{Caller, JsonBody, QueryParams};
use super::model::Href;

mod assignments;

pub use assignments::*;

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Allotment {
    /// `professional`, `analyzer`, `analyzer_time`; Sightline adds `user_pass`, `login_pass`,
    /// `named_cal`, `document_cal`, `session_cal` and `usage_cal`.
    pub name: String,
    pub units: i64,
    pub units_used: i64,
    /// Overage allowed past `units` (analyzer time).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overage: Option<i64>,
    /// `assigned` for lasting assignments, `time` for capacity, `concurrent` and `consumed` for
    /// Session and Usage CALs and login passes.
    pub usage_class: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LicenseOverviewOut {
    pub allotments: Vec<Allotment>,
    pub license_key: String,
    pub license_number: String,
    pub origin: String,
    pub parameters: Vec<serde_json::Value>,
    pub product: String,
    pub secondary_number: String,
    pub status: String,
    pub trial: bool,
    pub updated: String,
    pub valid: String,
    pub version: String,
}

fn allotment_name(kind: LicenceKind) -> &'static str {
    match kind {
        LicenceKind::AnalyzerCapacity => "analyzer_time",
        other => other.as_str(),
    }
}

fn usage_class(kind: LicenceKind) -> &'static str {
    match kind {
        LicenceKind::AnalyzerCapacity => "time",
        LicenceKind::SessionCal => "concurrent",
        LicenceKind::UsageCal | LicenceKind::LoginPass => "consumed",
        _ => "assigned",
    }
}

#[utoipa::path(get, path = "/api/v1/licenses/overview", tag = "licenses",
    responses((status = 200, body = LicenseOverviewOut)))]
pub async fn overview(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> Result<Json<LicenseOverviewOut>, RestError> {
    let o = licences::get_licence_overview(&state, &caller).await?;
    let product = match o.scheme {
        Some(scheme) => format!("Sightline ({})", scheme.label()),
        None => "Sightline (no licence scheme)".to_string(),
    };
    Ok(Json(LicenseOverviewOut {
        allotments: o
            .lines
            .iter()
            .map(|l| Allotment {
                name: allotment_name(l.kind).to_string(),
                units: l.total,
                units_used: l.used,
                overage: (l.kind == LicenceKind::AnalyzerCapacity).then_some(l.overage),
                usage_class: usage_class(l.kind).to_string(),
            })
            .collect(),
        license_key: String::new(),
        license_number: caller.tenant_id.clone(),
        origin: "Internal".into(),
        parameters: Vec::new(),
        product,
        secondary_number: String::new(),
        status: "Ok".into(),
        trial: false,
        updated: rfc3339(state.now()),
        valid: String::new(),
        version: o.scheme.map(|s| s.as_str()).unwrap_or("none").to_string(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LicenseLinks {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<Href>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prev: Option<Href>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LicenseStatusOut {
    pub deactivated: bool,
    pub extension_status: String,
    pub origin: String,
    pub product: String,
    /// `Ok` when the tenant has a scheme, `Missing` otherwise.
    pub status: String,
    pub trial: bool,
    #[serde(rename = "type")]
    pub type_: String,
    pub valid: String,
}

#[utoipa::path(get, path = "/api/v1/licenses/status", tag = "licenses",
    responses((status = 200, body = LicenseStatusOut)))]
pub async fn status(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> Result<Json<LicenseStatusOut>, RestError> {
    let s = licences::get_licence_settings(&state, &caller).await?;
    Ok(Json(LicenseStatusOut {
        deactivated: false,
        extension_status: "Unavailable".into(),
        origin: "Internal".into(),
        product: match s.scheme {
            Some(scheme) => format!("Sightline ({})", scheme.label()),
            None => "Sightline".into(),
        },
        status: if s.scheme.is_some() { "Ok" } else { "Missing" }.into(),
        trial: false,
        type_: "Plain".into(),
        valid: String::new(),
    }))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LicenseSettingsBody {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_assign_analyzer: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_assign_professional: Option<bool>,
}

#[utoipa::path(get, path = "/api/v1/licenses/settings", tag = "licenses",
    responses((status = 200, body = LicenseSettingsBody)))]
pub async fn get_settings(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> Result<Json<LicenseSettingsBody>, RestError> {
    let s = licences::get_licence_settings(&state, &caller).await?;
    Ok(Json(LicenseSettingsBody {
        auto_assign_analyzer: Some(s.auto_analyzer),
        auto_assign_professional: Some(s.auto_professional),
    }))
}

/// Changes only the fields sent. The numbers and the scheme are Sightline's own settings
/// (`/api/v1/licenses/sightline-settings`).
#[utoipa::path(put, path = "/api/v1/licenses/settings", tag = "licenses",
    request_body = LicenseSettingsBody, responses((status = 200, body = LicenseSettingsBody)))]
pub async fn put_settings(
    State(state): State<AppState>,
    Caller(caller): Caller,
    JsonBody(input): JsonBody<LicenseSettingsBody>,
) -> Result<Json<LicenseSettingsBody>, RestError> {
    let mut s = licences::get_licence_settings(&state, &caller).await?;
    if let Some(v) = input.auto_assign_analyzer {
        s.auto_analyzer = v;
    }
    if let Some(v) = input.auto_assign_professional {
        s.auto_professional = v;
    }
    let s = licences::set_licence_settings(&state, &caller, s).await?;
    Ok(Json(LicenseSettingsBody {
        auto_assign_analyzer: Some(s.auto_analyzer),
        auto_assign_professional: Some(s.auto_professional),
    }))
}

/// Sightline's whole licence settings: the scheme and its numbers.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SightlineSettings {
    /// `tokens`, `cals`, `user_based`, or null for none.
    pub scheme: Option<String>,
    #[serde(default)]
    pub tokens: i64,
    #[serde(default)]
    pub named_cals: i64,
    #[serde(default)]
    pub dynamic_named: bool,
    #[serde(default)]
    pub dynamic_document: bool,
    #[serde(default)]
    pub session_cals: i64,
    #[serde(default)]
    pub usage_cals: i64,
    #[serde(default)]
    pub professional: i64,
    #[serde(default)]
    pub analyzer: i64,
    #[serde(default)]
    pub auto_professional: bool,
    #[serde(default)]
    pub auto_analyzer: bool,
    #[serde(default)]
    pub capacity_minutes: i64,
    #[serde(default)]
    pub overage_minutes: i64,
}

impl From<LicenceSettings> for SightlineSettings {
    fn from(s: LicenceSettings) -> Self {
        SightlineSettings {
            scheme: s.scheme.map(|s| s.as_str().to_string()),
            tokens: s.tokens,
            named_cals: s.named_cals,
            dynamic_named: s.dynamic_named,
            dynamic_document: s.dynamic_document,
            session_cals: s.session_cals,
            usage_cals: s.usage_cals,
            professional: s.professional,
            analyzer: s.analyzer,
            auto_professional: s.auto_professional,
            auto_analyzer: s.auto_analyzer,
            capacity_minutes: s.capacity_minutes,
            overage_minutes: s.overage_minutes,
        }
    }
}

#[utoipa::path(get, path = "/api/v1/licenses/sightline-settings", tag = "licenses",
    responses((status = 200, body = SightlineSettings)))]
pub async fn get_sightline_settings(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> Result<Json<SightlineSettings>, RestError> {
    Ok(Json(
        licences::get_licence_settings(&state, &caller)
            .await?
            .into(),
    ))
}

#[utoipa::path(put, path = "/api/v1/licenses/sightline-settings", tag = "licenses",
    request_body = SightlineSettings, responses((status = 200, body = SightlineSettings)))]
pub async fn put_sightline_settings(
    State(state): State<AppState>,
    Caller(caller): Caller,
    JsonBody(input): JsonBody<SightlineSettings>,
) -> Result<Json<SightlineSettings>, RestError> {
    let scheme = match input.scheme.as_deref() {
        None | Some("") => None,
        Some(text) => Some(Scheme::parse(text).ok_or_else(|| {
            AppError::invalid(
                "scheme",
                format!("\"{text}\" is not a scheme: use tokens, cals or user_based (or null)."),
            )
        })?),
    };
    let settings = LicenceSettings {
        scheme,
        tokens: input.tokens,
        named_cals: input.named_cals,
        dynamic_named: input.dynamic_named,
        dynamic_document: input.dynamic_document,
        session_cals: input.session_cals,
        usage_cals: input.usage_cals,
        professional: input.professional,
        analyzer: input.analyzer,
        auto_professional: input.auto_professional,
        auto_analyzer: input.auto_analyzer,
        capacity_minutes: input.capacity_minutes,
        overage_minutes: input.overage_minutes,
    };
    Ok(Json(
        licences::set_licence_settings(&state, &caller, settings)
            .await?
            .into(),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConsumptionOut {
    pub id: String,
    pub app_id: String,
    pub user_id: String,
    /// The kind consumed: `session_cal`, `usage_cal`, `login_pass`, `analyzer_capacity`.
    pub license_usage: String,
    pub minutes_used: i64,
    pub capacity_used: i64,
    pub end_time: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConsumptionList {
    pub data: Vec<ConsumptionOut>,
    pub links: LicenseLinks,
}

/// What was consumed in the last 30 days, newest first.
#[utoipa::path(get, path = "/api/v1/licenses/consumption", tag = "licenses",
    responses((status = 200, body = ConsumptionList)))]
pub async fn consumption(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> Result<Json<ConsumptionList>, RestError> {
    let since = state.now() - 30 * app::licences::rules::DAY_MS;
    let rows = licences::licence_ledger(&state, &caller, since, 1_000).await?;
    Ok(Json(ConsumptionList {
        data: rows
            .into_iter()
            .filter(|r| r.event == "consume")
            .map(|r| {
                let capacity = r.kind == LicenceKind::AnalyzerCapacity.as_str();
                ConsumptionOut {
                    id: r.id,
                    app_id: r.app_id,
                    user_id: r.user_id,
                    license_usage: r.kind,
                    minutes_used: if capacity { r.units } else { 0 },
                    capacity_used: if capacity { r.units / 6 } else { 0 },
                    end_time: rfc3339(r.at),
                }
            })
            .collect(),
        links: LicenseLinks {
            next: None,
            prev: None,
        },
    }))
}

/// The whole ledger as CSV: every allocation, consumption, return, quarantine, reinstatement
/// and denial, oldest first.
#[utoipa::path(get, path = "/api/v1/licenses/ledger.csv", tag = "licenses",
    responses((status = 200, description = "The ledger as CSV", content_type = "text/csv")))]
pub async fn ledger_csv(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> Result<Response, RestError> {
    let csv = licences::export_licence_ledger(&state, &caller, 0).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"licence-ledger.csv\"",
            ),
        ],
        csv,
    )
        .into_response())
}
