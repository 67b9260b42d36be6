//! One error type for every operation, shared by server functions (serialized to the browser)
//! and the REST API (mapped to an HTTP status and Qlik's error body). Messages are written for
//! the person who will read them: they say what was wrong and, where it helps, what to do.
//! Internal failures keep their details in the server log, never in the response.

use serde::{Deserialize, Serialize};
use server_fn::codec::JsonEncoding;
use server_fn::error::{FromServerFnError, ServerFnErrorErr};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// The input is not acceptable; `field` names the offending field when there is one.
    #[error("{message}")]
    Invalid {
        field: Option<String>,
        message: String,
    },
    #[error("Sign in to continue.")]
    Unauthenticated,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    /// An upload past the size limit.
    #[error("{0}")]
    TooLarge(String),
    #[error("{message}")]
    TooManyRequests {
        message: String,
        retry_after_secs: u64,
    },
    /// Sightline is at a capacity limit; try again after `retry_after_secs`.
    #[error("{message}")]
    Unavailable {
        message: String,
        retry_after_secs: u64,
    },
    /// The thing existed and is gone for good (an expired link).
    #[error("{0}")]
    Gone(String),
    /// A signed token (JWT) was refused: why, in words a host's developer can act on.
    #[error("{0}")]
    BadToken(String),
    /// An anonymous session ended (its time ran out, or its link was reset or paused).
    #[error("{0}")]
    SessionEnded(String),
    /// No licence could be given for opening the app: each kind tried, with why, and whom to
    /// ask. Sharing allowed it; licensing did not.
    #[error("{message}")]
    NoLicence {
        message: String,
        tried: Vec<Tried>,
        ask: Vec<String>,
    },
    /// Something failed on the server; the details are in the server log.
    #[error("Something went wrong on the server. Try again; if it keeps failing, tell your administrator (reference {reference}).")]
    Internal { reference: String },
    /// The request never reached the operation (network, encoding).
    #[error("The request could not be completed: {0}")]
    Transport(String),
}

/// One kind of licence tried for a denied open: its name, the stable reason code, and why, as a
/// sentence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tried {
    pub kind: String,
    pub code: String,
    pub why: String,
}

impl AppError {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        AppError::Invalid {
            field: Some(field.to_string()),
            message: message.into(),
        }
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        AppError::Forbidden(message.into())
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        AppError::NotFound(message.into())
    }

    /// Seconds to wait before trying again, for errors that have them.
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            AppError::TooManyRequests {
                retry_after_secs, ..
            }
            | AppError::Unavailable {
                retry_after_secs, ..
            } => Some(*retry_after_secs),
            _ => None,
        }
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        AppError::Conflict(message.into())
    }

    /// The HTTP status this error answers with.
    pub fn status(&self) -> u16 {
        match self {
            AppError::Invalid { .. } => 400,
            AppError::Unauthenticated => 401,
            AppError::Forbidden(_) => 403,
            AppError::NotFound(_) => 404,
            AppError::Conflict(_) => 409,
            AppError::TooLarge(_) => 413,
            AppError::TooManyRequests { .. } => 429,
            AppError::Unavailable { .. } => 503,
            AppError::Gone(_) => 410,
            AppError::SessionEnded(_) => 401,
            AppError::BadToken(_) => 401,
            AppError::NoLicence { .. } => 403,
            AppError::Internal { .. } | AppError::Transport(_) => 500,
        }
    }

    /// A stable, machine-readable code for REST clients.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Invalid { .. } => "SIGHTLINE-INVALID",
            AppError::Unauthenticated => "SIGHTLINE-UNAUTHENTICATED",
            AppError::Forbidden(_) => "SIGHTLINE-FORBIDDEN",
            AppError::NotFound(_) => "SIGHTLINE-NOT-FOUND",
            AppError::Conflict(_) => "SIGHTLINE-CONFLICT",
            AppError::TooLarge(_) => "SIGHTLINE-TOO-LARGE",
            AppError::TooManyRequests { .. } => "SIGHTLINE-RATE-LIMITED",
            AppError::Unavailable { .. } => "SIGHTLINE-BUSY",
            AppError::Gone(_) => "SIGHTLINE-GONE",
            AppError::SessionEnded(_) => "SIGHTLINE-SESSION-ENDED",
            AppError::BadToken(_) => "SIGHTLINE-BAD-TOKEN",
            AppError::NoLicence { .. } => "LICENSES-NO-ACCESS",
            AppError::Internal { .. } | AppError::Transport(_) => "SIGHTLINE-INTERNAL",
        }
    }

    /// A short title, as in Qlik's error bodies.
    pub fn title(&self) -> &'static str {
        match self {
            AppError::Invalid { .. } => "Invalid request",
            AppError::Unauthenticated => "Not signed in",
            AppError::Forbidden(_) => "Forbidden",
            AppError::NotFound(_) => "Not found",
            AppError::Conflict(_) => "Conflict",
            AppError::TooLarge(_) => "Too large",
            AppError::TooManyRequests { .. } => "Too many requests",
            AppError::Unavailable { .. } => "Busy",
            AppError::Gone(_) => "Gone",
            AppError::SessionEnded(_) => "Session ended",
            AppError::BadToken(_) => "Token refused",
            AppError::NoLicence { .. } => "No licence available",
            AppError::Internal { .. } | AppError::Transport(_) => "Internal error",
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(message) | ServerFnErrorErr::Deserialization(message) => {
                AppError::Invalid {
                    field: None,
                    message: format!("The request was malformed: {message}"),
                }
            }
            other => AppError::Transport(other.to_string()),
        }
    }
}

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        AppError::internal(error)
    }
}

#[cfg(feature = "ssr")]
impl AppError {
    /// Logs the real cause with a short reference and returns an error that shows only the
    /// reference, so a user's report can be matched with the log line.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        let reference = crate::ids::new_id()[..8].to_string();
        tracing::error!(%reference, %cause, "internal error");
        AppError::Internal { reference }
    }
}
