//! `/api/v1/licenses/assignments` and its bulk actions (add, delete, update), each answering 207
//! with a status per item, as Qlik Cloud does.

use super::*;

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

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LicenseAssignmentOut {
    pub created: String,
    /// Beyond a lowered licence: it gives no access until others are removed.
    pub excess: bool,
    pub subject: String,
    #[serde(rename = "type")]
    pub type_: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LicenseAssignmentList {
    pub data: Vec<LicenseAssignmentOut>,
    pub links: LicenseLinks,
}

/// Qlik's list parameters. `filter` takes `subject eq "…"` and `type eq "…"` (joined with
/// `and`); `page` is the cursor from `links.next`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LicenseAssignmentParams {
    pub filter: Option<String>,
    /// Page size, 1 to 100 (default 20).
    pub limit: Option<u32>,
    pub page: Option<String>,
    /// Accepted; assignments are listed by subject.
    pub sort: Option<String>,
    /// Accepted; Sightline removes a user's assignments with the user, so there are no orphans.
    pub orphans: Option<bool>,
}

/// The subject and type a filter asks for.
fn assignment_filter(filter: &str) -> Result<(Option<String>, Option<String>), AppError> {
    let mut subject = None;
    let mut kind = None;
    for clause in filter.split(" and ") {
        let clause = clause.trim();
        let value = |prefix: &str| {
            clause
                .strip_prefix(prefix)
                .map(|v| v.trim().trim_matches('"').to_string())
        };
        if let Some(v) = value("subject eq ") {
            subject = Some(v);
        } else if let Some(v) = value("type eq ") {
            kind = Some(v);
        } else {
            return Err(AppError::invalid(
                "filter",
                format!("The filter clause `{clause}` is not supported. Supported: subject eq \"…\", type eq \"…\" (joined with and)."),
            ));
        }
    }
    Ok((subject, kind))
}

#[utoipa::path(get, path = "/api/v1/licenses/assignments", tag = "licenses", params(LicenseAssignmentParams),
    responses((status = 200, body = LicenseAssignmentList), (status = 400, body = ErrorBody)))]
pub async fn list_assignments(
    State(state): State<AppState>,
    Caller(caller): Caller,
    QueryParams(params): QueryParams<LicenseAssignmentParams>,
) -> Result<Json<LicenseAssignmentList>, RestError> {
    let (subject, kind) = match &params.filter {
        Some(filter) => assignment_filter(filter)?,
        None => (None, None),
    };
    let list: Vec<LicenseAssignmentOut> = licences::list_licence_assignments(&state, &caller)
        .await?
        .into_iter()
        .filter(|a| a.kind != LicenceKind::DocumentCal)
        .map(|a| LicenseAssignmentOut {
            created: rfc3339(a.assigned_at),
            excess: a.excess,
            subject: a.user_email,
            type_: a.kind.as_str().to_string(),
        })
        .filter(|a| {
            subject
                .as_ref()
                .is_none_or(|s| a.subject.eq_ignore_ascii_case(s))
        })
        .filter(|a| kind.as_ref().is_none_or(|k| &a.type_ == k))
        .collect();
    let key = |a: &LicenseAssignmentOut| format!("{}|{}", a.subject, a.type_);
    let (data, next) = crate::rest::page_of(list, key, params.limit, params.page.as_deref())?;
    let base = crate::rest::base_url(&state);
    let href = |page: &str| {
        let mut query = vec![format!("page={}", app::url::percent_encode(page))];
        if let Some(filter) = &params.filter {
            query.push(format!("filter={}", app::url::percent_encode(filter)));
        }
        if let Some(limit) = params.limit {
            query.push(format!("limit={limit}"));
        }
        Href {
            href: format!("{base}/api/v1/licenses/assignments?{}", query.join("&")),
        }
    };
    Ok(Json(LicenseAssignmentList {
        data,
        links: LicenseLinks {
            next: next.as_deref().map(href),
            prev: None,
        },
    }))
}

/// One item of a bulk action.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LicenseAssignmentIn {
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
pub struct LicenseAddIn {
    pub add: Vec<LicenseAssignmentIn>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LicenseDeleteIn {
    pub delete: Vec<LicenseAssignmentIn>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LicenseUpdateItemIn {
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
pub struct LicenseUpdateIn {
    pub update: Vec<LicenseUpdateItemIn>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LicenseItemResult {
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
pub struct LicenseBulkResult {
    pub data: Vec<LicenseItemResult>,
}

fn multi(data: Vec<LicenseItemResult>) -> Response {
    (StatusCode::MULTI_STATUS, Json(LicenseBulkResult { data })).into_response()
}

fn refused(subject: &str, type_: Option<&str>, error: AppError) -> LicenseItemResult {
    let (status, code) = item_error(&error);
    LicenseItemResult {
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
    request_body = LicenseAddIn, responses((status = 207, body = LicenseBulkResult)))]
pub async fn add_assignments(
    State(state): State<AppState>,
    Caller(caller): Caller,
    JsonBody(input): JsonBody<LicenseAddIn>,
) -> Result<Response, RestError> {
    licences::get_licence_settings(&state, &caller).await?;
    let mut out = Vec::new();
    for item in input.add {
        let result = match resolve(&state, &caller, &item.subject, &item.type_).await {
            Ok((user, kind)) => licences::assign_licence(&state, &caller, kind, &user, "").await,
            Err(error) => Err(error),
        };
        out.push(match result {
            Ok(()) => LicenseItemResult {
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
    request_body = LicenseDeleteIn, responses((status = 207, body = LicenseBulkResult)))]
pub async fn delete_assignments(
    State(state): State<AppState>,
    Caller(caller): Caller,
    JsonBody(input): JsonBody<LicenseDeleteIn>,
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
            Ok(()) => LicenseItemResult {
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
    request_body = LicenseUpdateIn, responses((status = 207, body = LicenseBulkResult)))]
pub async fn update_assignments(
    State(state): State<AppState>,
    Caller(caller): Caller,
    JsonBody(input): JsonBody<LicenseUpdateIn>,
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
            Ok(()) => LicenseItemResult {
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
