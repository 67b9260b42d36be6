//! `/api/v1/data-files`: upload a CSV file, to make an app from it (`POST /api/v1/apps` with
//! `attributes.dataFiles`). Two bodies are taken: Qlik's `multipart/form-data` with a `File`
//! part and a `Json` part (`{"name": "sales.csv"}`), as `@qlik/api` sends it, and the file
//! itself as the body with `?name=`. Either way the file streams to disk; past the upload limit
//! the request stops at once with 413, and nothing is kept.

use app::content::service;
use app::error::AppError;
use app::state::AppState;
use app::timefmt::rfc3339;
use axum::body::{Body, Bytes};
use axum::extract::multipart::Field;
use axum::extract::{FromRequest, Multipart, Query, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use http_body_util::BodyExt;
use serde::{Deserialize, Serialize};
use tokio::io::AsyncWriteExt;
use utoipa::{IntoParams, ToSchema};

use super::error::{ErrorBody, RestError};
use super::extract::Caller;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// With the file as the body: its name, ending in .csv, .tsv or .txt.
    pub name: Option<String>,
}

/// The `Json` part of Qlik's multipart upload. `name` is used; the others are accepted and,
/// having no meaning for a file staged to make an app from, ignored.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UploadJson {
    pub name: String,
    #[serde(default)]
    pub app_id: Option<String>,
    #[serde(default)]
    pub connection_id: Option<String>,
    #[serde(default)]
    pub folder: Option<bool>,
    #[serde(default)]
    pub folder_id: Option<String>,
    #[serde(default)]
    pub source_id: Option<String>,
    #[serde(default)]
    pub temp_content_file_id: Option<String>,
}

/// Qlik's `DataFileUploadResponse`, as far as a staged file has its fields.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DataFileOut {
    pub id: String,
    pub name: String,
    pub base_name: String,
    pub size: i64,
    pub owner_id: String,
    pub created_date: String,
    pub modified_date: String,
    /// Always false: Sightline has no data-file folders.
    pub folder: bool,
    /// What the owner may do with the file: `read` and `delete` (by making an app of it).
    pub actions: Vec<String>,
}

#[utoipa::path(post, path = "/api/v1/data-files", tag = "data-files", params(UploadQuery),
    request_body(content((Vec<u8> = "text/csv"), (Vec<u8> = "multipart/form-data"))),
    responses((status = 201, body = DataFileOut), (status = 400, body = ErrorBody), (status = 413, body = ErrorBody)))]
pub async fn upload(
    State(state): State<AppState>,
    Caller(caller): Caller,
    request: Request,
) -> Result<Response, RestError> {
    // The lesser of the per-file limit and what is left of the caller's staged-upload quota.
    let left = service::staging_left(&state, &caller).await?;
    let limit = state.settings.max_upload_bytes.min(left);
    let too_large = || {
        if limit < state.settings.max_upload_bytes {
            service::staging_quota_error(&state)
        } else {
            service::upload_limit_error(&state)
        }
    };
    let headers: &HeaderMap = request.headers();
    let declared = headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large().into());
    }
    let multipart = headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    // The name is checked when it arrives; a file part may come before it (Qlik's client sends
    // `File` first), so the staged file gets its id first and its name last.
    let (id, _, path) = service::upload_target(&state, "upload.csv")?;
    let streamed = if multipart {
        from_parts(&state, request, &path, limit).await
    } else {
        let Query(query) = Query::<UploadQuery>::try_from_uri(request.uri()).map_err(|e| {
            AppError::invalid(
                "name",
                format!("The query parameters are not valid: {}", e.body_text()),
            )
        })?;
        let name = query.name.ok_or_else(|| {
            AppError::invalid(
                "name",
                "Name the file: ?name=sales.csv, or send Qlik's multipart body with a Json part.",
            )
        });
        match name {
            Ok(name) => {
                let body = Chunks::Body(request.into_body());
                stream_to(&path, body, limit).await.map(|size| (name, size))
            }
            Err(error) => Err(Stop::Refused(error)),
        }
    };
    let checked = streamed.and_then(|(name, size)| {
        app::content::rules::check_file_name(&name)
            .map(|name| (name, size))
            .map_err(Stop::Refused)
    });
    match checked {
        Ok((name, size)) => {
            let file = service::register_upload(&state, &caller, &id, &name, size).await?;
            let now = rfc3339(state.now());
            Ok((
                StatusCode::CREATED,
                Json(DataFileOut {
                    base_name: file.name.clone(),
                    id: file.id,
                    name: file.name,
                    size: file.size_bytes,
                    owner_id: caller.user_id.clone(),
                    created_date: now.clone(),
                    modified_date: now,
                    folder: false,
                    actions: vec!["read".into(), "delete".into()],
                }),
            )
                .into_response())
        }
        Err(error) => {
            let _ = tokio::fs::remove_file(&path).await;
            Err(match error {
                Stop::TooLarge => too_large(),
                Stop::Refused(error) => error,
                Stop::Failed(why) => AppError::invalid(
                    "file",
                    format!("The upload did not arrive whole ({why}). Try again."),
                ),
            }
            .into())
        }
    }
}

/// Qlik's multipart body: the `File` part streamed to `path`, the `Json` part's name.
async fn from_parts(
    state: &AppState,
    request: Request,
    path: &std::path::Path,
    limit: u64,
) -> Result<(String, u64), Stop> {
    let mut parts = Multipart::from_request(request, state)
        .await
        .map_err(|e| Stop::Refused(AppError::invalid("body", e.body_text())))?;
    let mut name = None;
    let mut size = None;
    while let Some(part) = parts
        .next_field()
        .await
        .map_err(|e| Stop::Failed(e.body_text()))?
    {
        match part.name() {
            Some("File") => {
                size = Some(stream_to(path, Chunks::Part(Box::new(part)), limit).await?)
            }
            Some("Json") => {
                // The name part is small; a megabyte is far more than any name needs.
                let text = part.text().await.map_err(|e| Stop::Failed(e.body_text()))?;
                if text.len() > 1 << 20 {
                    return Err(Stop::Refused(AppError::invalid(
                        "Json",
                        "The Json part is too large.",
                    )));
                }
                let json: UploadJson = serde_json::from_str(&text).map_err(|e| {
                    Stop::Refused(AppError::invalid(
                        "Json",
                        format!("The Json part is not {{\"name\": \"….csv\"}}: {e}"),
                    ))
                })?;
                name = Some(json.name);
            }
            other => {
                return Err(Stop::Refused(AppError::invalid(
                    "body",
                    format!(
                        "Unknown part {:?}: send a File part and a Json part.",
                        other.unwrap_or("")
                    ),
                )))
            }
        }
    }
    match (name, size) {
        (Some(name), Some(size)) => Ok((name, size)),
        (None, _) => Err(Stop::Refused(AppError::invalid(
            "Json",
            "The Json part with the file's name is missing: {\"name\": \"sales.csv\"}.",
        ))),
        (_, None) => Err(Stop::Refused(AppError::invalid(
            "File",
            "The File part with the file's content is missing.",
        ))),
    }
}

enum Stop {
    TooLarge,
    Refused(AppError),
    Failed(String),
}

/// Where a file's bytes come from: the whole body, or the `File` part of a multipart body.
enum Chunks<'a> {
    Body(Body),
    // Boxed: a multipart field is some 260 bytes beside the body's 16.
    Part(Box<Field<'a>>),
}

impl Chunks<'_> {
    async fn next(&mut self) -> Result<Option<Bytes>, Stop> {
        let failed = |e: String| Stop::Failed(e);
        match self {
            Chunks::Body(body) => loop {
                match body.frame().await {
                    None => return Ok(None),
                    Some(frame) => {
                        if let Ok(data) = frame.map_err(|e| failed(e.to_string()))?.into_data() {
                            return Ok(Some(data));
                        }
                    }
                }
            },
            Chunks::Part(part) => part.chunk().await.map_err(|e| failed(e.body_text())),
        }
    }
}

async fn stream_to(
    path: &std::path::Path,
    mut chunks: Chunks<'_>,
    limit: u64,
) -> Result<u64, Stop> {
    let mut file = tokio::fs::File::create(path)
        .await
        .map_err(|e| Stop::Failed(e.to_string()))?;
    let mut size = 0u64;
    while let Some(data) = chunks.next().await? {
        size += data.len() as u64;
        if size > limit {
            return Err(Stop::TooLarge);
        }
        file.write_all(&data)
            .await
            .map_err(|e| Stop::Failed(e.to_string()))?;
    }
    file.flush()
        .await
        .map_err(|e| Stop::Failed(e.to_string()))?;
    Ok(size)
}
