//! REST errors in Qlik Cloud's shape: `{"errors":[{"code","title","detail","status"}]}`.

use app::error::AppError;
use axum::response::{IntoResponse, Response};
use axum::Json;
use http::{header, HeaderValue, StatusCode};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub errors: Vec<ErrorItem>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorItem {
    /// Stable machine-readable code, such as `SIGHTLINE-NOT-FOUND`.
    pub code: String,
    pub title: String,
    /// What was wrong, for a person to read.
    pub detail: String,
    /// The HTTP status, as a string (JSON:API style, as Qlik does).
    pub status: String,
    /// The field of the request that was wrong, where one was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<ErrorSource>,
}

/// Qlik's error source: the request field an error is about, as a JSON pointer (`/targetId`).
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorSource {
    pub pointer: String,
}

/// An error on its way out of the REST API.
#[derive(Debug)]
pub struct RestError(pub AppError);

impl From<AppError> for RestError {
    fn from(error: AppError) -> Self {
        RestError(error)
    }
}

/// A 400, 413 or 415 found before any operation ran: the request itself is malformed.
pub fn bad_request(status: StatusCode, detail: impl Into<String>) -> Response {
    let title = match status {
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "Unsupported media type",
        StatusCode::PAYLOAD_TOO_LARGE => "Payload too large",
        _ => "Invalid request",
    };
    body(status, "SIGHTLINE-INVALID", title, detail.into(), None)
}

fn body(
    status: StatusCode,
    code: &str,
    title: &str,
    detail: String,
    field: Option<&str>,
) -> Response {
    let item = ErrorItem {
        code: code.to_string(),
        title: title.to_string(),
        detail,
        status: status.as_u16().to_string(),
        source: field.map(|field| ErrorSource {
            pointer: format!("/{field}"),
        }),
    };
    (status, Json(ErrorBody { errors: vec![item] })).into_response()
}

impl IntoResponse for RestError {
    fn into_response(self) -> Response {
        let error = self.0;
        let status =
            StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let detail = match &error {
            AppError::Unauthenticated => {
                "Authenticate with a personal API key: send `Authorization: Bearer <key>`. Create a key on your account page in Sightline.".to_string()
            }
            other => other.to_string(),
        };
        let field = match &error {
            AppError::Invalid { field, .. } => field.as_deref(),
            _ => None,
        };
        let mut response = body(status, error.code(), error.title(), detail, field);
        if let Some(value) = error
            .retry_after_secs()
            .and_then(|secs| HeaderValue::from_str(&secs.to_string()).ok())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        if error == AppError::Unauthenticated {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}
