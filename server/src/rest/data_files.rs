//! `/api/v1/data-files`: upload a CSV file as the request body, to make an app from it
//! (`POST /api/v1/apps` with `attributes.dataFiles`). The body streams to disk; past the
//! upload limit the request stops at once with 413, and nothing is kept.

use app::content::service;
use app::state::AppState;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use http_body_util::BodyExt;
use serde::{Deserialize, Serialize};
use tokio::io::AsyncWriteExt;
use utoipa::ToSchema;

use super::error::{ErrorBody, RestError};
use super::extract::{Caller, QueryParams};

#[derive(Debug, Deserialize)]
pub struct UploadQuery {
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DataFileOut {
    pub id: String,
    pub name: String,
    pub size: i64,
}

#[utoipa::path(post, path = "/api/v1/data-files", tag = "data-files", params(("name" = String, Query, description = "The file's name, ending in .csv, .tsv or .txt")),
    request_body(content = Vec<u8>, content_type = "text/csv"),
    responses((status = 201, body = DataFileOut), (status = 400, body = ErrorBody), (status = 413, body = ErrorBody)))]
pub async fn upload(
    State(state): State<AppState>,
    Caller(caller): Caller,
    QueryParams(query): QueryParams<UploadQuery>,
    headers: HeaderMap,
    body: Body,
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
    let declared = headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large().into());
    }
    let (id, name, path) = service::upload_target(&state, &query.name)?;
    match stream_to(&path, body, limit).await {
        Ok(size) => {
            let file = service::register_upload(&state, &caller, &id, &name, size).await?;
            Ok((
                StatusCode::CREATED,
                Json(DataFileOut {
                    id: file.id,
                    name: file.name,
                    size: file.size_bytes,
                }),
            )
                .into_response())
        }
        Err(error) => {
            let _ = tokio::fs::remove_file(&path).await;
            Err(match error {
                Stop::TooLarge => too_large(),
                Stop::Failed(why) => app::error::AppError::invalid(
                    "file",
                    format!("The upload did not arrive whole ({why}). Try again."),
                ),
            }
            .into())
        }
    }
}

enum Stop {
    TooLarge,
    Failed(String),
}

async fn stream_to(path: &std::path::Path, mut body: Body, limit: u64) -> Result<u64, Stop> {
    let mut file = tokio::fs::File::create(path)
        .await
        .map_err(|e| Stop::Failed(e.to_string()))?;
    let mut size = 0u64;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| Stop::Failed(e.to_string()))?;
        if let Ok(data) = frame.into_data() {
            size += data.len() as u64;
            if size > limit {
                return Err(Stop::TooLarge);
            }
            file.write_all(&data)
                .await
                .map_err(|e| Stop::Failed(e.to_string()))?;
        }
    }
    file.flush()
        .await
        .map_err(|e| Stop::Failed(e.to_string()))?;
    Ok(size)
}
