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
use utoipa::ToSchema;

use super::error::RestError;
use super::extract::{Caller, JsonBody};
use super::model::Href;

/// Qlik's names of the lasting kinds Sightline assigns, as `type`.
fn kind_of(name: &str) -> Option<LicenceKind> {
    LicenceKind::parse(name).filter(|k| {
        matches!(
            k,
            LicenceKind::Professional
                | LicenceKind::Analyzer
                | LicenceKind::NamedCal
                | LicenceKind::UserPass
        )
    })
}

/// A bulk item's refusal, with Qlik's codes: LICENSES-011 no allotment free, LICENSES-016 not
/// found, LICENSES-013 already assigned, LICENSES-007 invalid.
fn item_error(error: &AppError) -> (u16, &'static str) {
    match error.status() {
        403 => (403, "LICENSES-011"),
        404 => (404, "LICENSES-016"),
        409 => (409, "LICENSES-013"),
        status => (status, "LICENSES-007"),
    }
}

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

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AssignmentOut {
    pub created: String,
    /// Beyond a lowered licence: it gives no access until others are removed.
    pub excess: bool,
    pub subject: String,
    #[serde(rename = "type")]
    pub type_: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Links {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<Href>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prev: Option<Href>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssignmentList {
    pub data: Vec<AssignmentOut>,
    pub links: Links,
}

#[utoipa::path(get, path = "/api/v1/licenses/assignments", tag = "licenses",
    responses((status = 200, body = AssignmentList)))]
pub async fn list_assignments(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> Result<Json<AssignmentList>, RestError> {
    let list = licences::list_licence_assignments(&state, &caller).await?;
    Ok(Json(AssignmentList {
        data: list
            .into_iter()
            .filter(|a| a.kind != LicenceKind::DocumentCal)
            .map(|a| AssignmentOut {
                created: rfc3339(a.assigned_at),
                excess: a.excess,
                subject: a.user_email,
                type_: a.kind.as_str().to_string(),
            })
            .collect(),
        links: Links {
            next: None,
            prev: None,
        },
    }))
}

/// One item of a bulk action.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AssignmentItemIn {
    /// The user's email (Sightline's subject) or id.
    pub subject: String,
    /// `professional`, `analyzer`, `named_cal` or `user_pass`.
    #[serde(rename = "type")]
    pub type_: String,
    /// Ignored (deprecated in Qlik's API): the subject names the user.
    #[serde(default)]
    pub name: Option<String>,
    /// Ignored (deprecated in Qlik's API): the subject names the user.
    #[serde(default)]
    pub user_id: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddIn {
    pub add: Vec<AssignmentItemIn>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteIn {
    pub delete: Vec<AssignmentItemIn>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateItemIn {
    /// Ignored: a subject does not change here.
    #[serde(default)]
    pub source_subject: Option<String>,
    pub source_type: Option<String>,
    pub subject: String,
    #[serde(rename = "type")]
    pub type_: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateIn {
    pub update: Vec<UpdateItemIn>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ItemResult {
    pub status: u16,
    pub subject: String,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BulkResult {
    pub data: Vec<ItemResult>,
}

fn multi(data: Vec<ItemResult>) -> Response {
    (StatusCode::MULTI_STATUS, Json(BulkResult { data })).into_response()
}

fn refused(subject: &str, type_: Option<&str>, error: AppError) -> ItemResult {
    let (status, code) = item_error(&error);
    ItemResult {
        status,
        subject: subject.to_string(),
        type_: type_.map(str::to_string),
        source_type: None,
        code: Some(code.to_string()),
        title: Some(error.to_string()),
    }
}

/// The user and kind one item names, or why not.
async fn resolve(
    state: &AppState,
    caller: &app::auth::principal::Principal,
    subject: &str,
    type_: &str,
) -> Result<(String, LicenceKind), AppError> {
    let kind = kind_of(type_).ok_or_else(|| {
        AppError::invalid(
            "type",
            format!("\"{type_}\" is not a type that is assigned: use professional, analyzer, named_cal or user_pass."),
        )
    })?;
    let user = licences::user_by_subject(state, caller, subject)
        .await?
        .ok_or_else(|| {
            AppError::not_found(format!("There is no user with the subject {subject}."))
        })?;
    Ok((user, kind))
}

#[utoipa::path(post, path = "/api/v1/licenses/assignments/actions/add", tag = "licenses",
    request_body = AddIn, responses((status = 207, body = BulkResult)))]
pub async fn add_assignments(
    State(state): State<AppState>,
    Caller(caller): Caller,
    JsonBody(input): JsonBody<AddIn>,
) -> Result<Response, RestError> {
    licences::get_licence_settings(&state, &caller).await?;
    let mut out = Vec::new();
    for item in input.add {
        let result = match resolve(&state, &caller, &item.subject, &item.type_).await {
            Ok((user, kind)) => licences::assign_licence(&state, &caller, kind, &user, "").await,
            Err(error) => Err(error),
        };
        out.push(match result {
            Ok(()) => ItemResult {
                status: 201,
                subject: item.subject,
                type_: Some(item.type_),
                source_type: None,
                code: None,
                title: None,
            },
            Err(error) => refused(&item.subject, Some(&item.type_), error),
        });
    }
    Ok(multi(out))
}

#[utoipa::path(post, path = "/api/v1/licenses/assignments/actions/delete", tag = "licenses",
    request_body = DeleteIn, responses((status = 207, body = BulkResult)))]
pub async fn delete_assignments(
    State(state): State<AppState>,
    Caller(caller): Caller,
    JsonBody(input): JsonBody<DeleteIn>,
) -> Result<Response, RestError> {
    licences::get_licence_settings(&state, &caller).await?;
    let mut out = Vec::new();
    for item in input.delete {
        let result = match resolve(&state, &caller, &item.subject, &item.type_).await {
            Ok((user, kind)) => licences::remove_licence(&state, &caller, kind, &user, "")
                .await
                .map(|_| ()),
            Err(error) => Err(error),
        };
        out.push(match result {
            Ok(()) => ItemResult {
                status: 200,
                subject: item.subject,
                type_: Some(item.type_),
                source_type: None,
                code: None,
                title: None,
            },
            Err(error) => refused(&item.subject, Some(&item.type_), error),
        });
    }
    Ok(multi(out))
}

/// Changes an assignment's type (analyzer to professional, say): the old one is removed (with
/// its quarantine, where it has one) and the new one given, or neither.
#[utoipa::path(post, path = "/api/v1/licenses/assignments/actions/update", tag = "licenses",
    request_body = UpdateIn, responses((status = 207, body = BulkResult)))]
pub async fn update_assignments(
    State(state): State<AppState>,
    Caller(caller): Caller,
    JsonBody(input): JsonBody<UpdateIn>,
) -> Result<Response, RestError> {
    licences::get_licence_settings(&state, &caller).await?;
    let mut out = Vec::new();
    for item in input.update {
        let source = item.source_type.clone().unwrap_or_default();
        let target = item.type_.clone().unwrap_or_else(|| source.clone());
        let result = async {
            let (user, from) = resolve(&state, &caller, &item.subject, &source).await?;
            let (_, to) = resolve(&state, &caller, &item.subject, &target).await?;
            if from != to {
                licences::change_licence(&state, &caller, &user, from, to).await?;
            }
            Ok::<(), AppError>(())
        }
        .await;
        out.push(match result {
            Ok(()) => ItemResult {
                status: 200,
                subject: item.subject,
                type_: Some(target),
                source_type: Some(source),
                code: None,
                title: None,
            },
            Err(error) => {
                let mut r = refused(&item.subject, None, error);
                r.source_type = Some(source);
                r
            }
        });
    }
    Ok(multi(out))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SettingsBody {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_assign_analyzer: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_assign_professional: Option<bool>,
}

#[utoipa::path(get, path = "/api/v1/licenses/settings", tag = "licenses",
    responses((status = 200, body = SettingsBody)))]
pub async fn get_settings(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> Result<Json<SettingsBody>, RestError> {
    let s = licences::get_licence_settings(&state, &caller).await?;
    Ok(Json(SettingsBody {
        auto_assign_analyzer: Some(s.auto_analyzer),
        auto_assign_professional: Some(s.auto_professional),
    }))
}

/// Changes only the fields sent. The numbers and the scheme are Sightline's own settings
/// (`/api/v1/licenses/sightline-settings`).
#[utoipa::path(put, path = "/api/v1/licenses/settings", tag = "licenses",
    request_body = SettingsBody, responses((status = 200, body = SettingsBody)))]
pub async fn put_settings(
    State(state): State<AppState>,
    Caller(caller): Caller,
    JsonBody(input): JsonBody<SettingsBody>,
) -> Result<Json<SettingsBody>, RestError> {
    let mut s = licences::get_licence_settings(&state, &caller).await?;
    if let Some(v) = input.auto_assign_analyzer {
        s.auto_analyzer = v;
    }
    if let Some(v) = input.auto_assign_professional {
        s.auto_professional = v;
    }
    let s = licences::set_licence_settings(&state, &caller, s).await?;
    Ok(Json(SettingsBody {
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
    pub links: Links,
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
        links: Links {
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
