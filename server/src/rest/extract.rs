//! Extractors that turn a malformed request into a REST error that says what was wrong.

use app::auth::principal::Principal;
use app::error::AppError;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::response::{IntoResponse, Response};
use http::request::Parts;
use http::StatusCode;
use serde::de::DeserializeOwned;

use super::error::{bad_request, RestError};

/// The authenticated caller; a 401 with instructions otherwise.
pub struct Caller(pub Principal);

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = RestError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Principal>()
            .cloned()
            .map(Caller)
            .ok_or(RestError(AppError::Unauthenticated))
    }
}

/// A JSON body. Wrong content type: 415; bad JSON or wrong shape: 400 naming the problem.
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(JsonBody(value)),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(bad_request(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Send the body as JSON, with the header `Content-Type: application/json`.",
            )),
            Err(JsonRejection::JsonSyntaxError(e)) => Err(bad_request(
                StatusCode::BAD_REQUEST,
                format!("The body is not valid JSON: {}", e.body_text()),
            )),
            Err(JsonRejection::JsonDataError(e)) => Err(bad_request(
                StatusCode::BAD_REQUEST,
                format!(
                    "The JSON does not have the expected fields: {}",
                    e.body_text()
                ),
            )),
            Err(JsonRejection::BytesRejection(e)) => Err(bad_request(
                e.status(),
                format!("The body could not be read: {}", e.body_text()),
            )),
            Err(other) => Err(other.into_response()),
        }
    }
}

/// Query parameters; a 400 naming the bad one otherwise.
pub struct QueryParams<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for QueryParams<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(QueryParams(value)),
            Err(QueryRejection::FailedToDeserializeQueryString(e)) => Err(bad_request(
                StatusCode::BAD_REQUEST,
                format!("The query parameters are not valid: {}", e.body_text()),
            )),
            Err(other) => Err(other.into_response()),
        }
    }
}
