//! Every failure a client can cause becomes a 4xx with a JSON body `{"error": "..."}`
//! naming the problem; nothing of it reaches the store or the other clients.
//!
//! This module owns every conversion into [`ApiError`]: the modules that fail (validation,
//! the store, the limits) return errors of their own and know nothing of HTTP.

use crate::accounts::AccountError;
use crate::limits::{LimitReached, RateLimited};
use crate::rooms::manage::RoomError;
use crate::store::StoreError;
use actix_web::error::{JsonPayloadError, QueryPayloadError};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use common::{ErrorBody, ValidationError};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    #[error("{0}")]
    BadRequest(String),
    #[error("request body is larger than {limit} bytes")]
    TooLarge { limit: usize },
    #[error("content-type must be application/json")]
    UnsupportedMediaType,
    #[error("method {method} is not allowed here; use {allowed}")]
    MethodNotAllowed {
        method: String,
        allowed: &'static str,
    },
    #[error("no such resource: {0}")]
    NotFound(String),
    /// Not signed in, or wrong credentials.
    #[error("{0}")]
    Unauthorized(String),
    /// Signed in (or not) but not allowed.
    #[error("{0}")]
    Forbidden(String),
    /// Taken, or already done.
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Store(StoreError),
    #[error("too many messages: wait {retry_after_secs} s before posting again")]
    TooManyRequests { retry_after_secs: u64 },
    #[error("{0}")]
    Unavailable(String),
}

impl ApiError {
    /// What every change to an archived room is told (a post, an edit, a reaction, typing).
    pub fn archived(room_name: &str) -> Self {
        Self::Forbidden(format!("{room_name:?} is archived: it is read-only"))
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Conflict(key) => Self::Conflict(format!("{key} is taken")),
            other => Self::Store(other),
        }
    }
}

impl From<AccountError> for ApiError {
    fn from(err: AccountError) -> Self {
        match err {
            AccountError::Field(field) => Self::BadRequest(field.to_string()),
            AccountError::BadRequest(text) => Self::BadRequest(text),
            AccountError::Unauthorized(text) => Self::Unauthorized(text),
            AccountError::Forbidden(text) => Self::Forbidden(text),
            AccountError::NotFound(text) => Self::NotFound(text),
            AccountError::Conflict(text) => Self::Conflict(text),
            AccountError::RateLimited(limited) => limited.into(),
            AccountError::Store(store) => store.into(),
        }
    }
}

impl From<RoomError> for ApiError {
    fn from(err: RoomError) -> Self {
        match err {
            RoomError::BadRequest(text) => Self::BadRequest(text),
            RoomError::Forbidden(text) => Self::Forbidden(text),
            RoomError::NotFound(text) => Self::NotFound(text),
            RoomError::Conflict(text) => Self::Conflict(text),
            RoomError::Store(store) => store.into(),
        }
    }
}

impl From<common::reaction::ReactionError> for ApiError {
    fn from(err: common::reaction::ReactionError) -> Self {
        Self::BadRequest(err.to_string())
    }
}

impl From<RateLimited> for ApiError {
    fn from(limited: RateLimited) -> Self {
        Self::TooManyRequests {
            retry_after_secs: limited.retry_after_secs,
        }
    }
}

impl From<LimitReached> for ApiError {
    fn from(limit: LimitReached) -> Self {
        Self::Unavailable(limit.to_string())
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Invalid(_) | Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::Store(_) | Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        match self {
            Self::MethodNotAllowed { allowed, .. } => {
                response.insert_header(("allow", *allowed));
            }
            Self::TooManyRequests { retry_after_secs } => {
                response.insert_header(("retry-after", retry_after_secs.to_string()));
            }
            _ => {}
        }
        response.json(ErrorBody {
            error: self.to_string(),
        })
    }
}

/// Maps actix's JSON extractor failures to our errors (its defaults are plain text).
pub fn json_error(err: JsonPayloadError, req: &HttpRequest) -> actix_web::Error {
    let api = match &err {
        JsonPayloadError::OverflowKnownLength { limit, .. }
        | JsonPayloadError::Overflow { limit } => ApiError::TooLarge { limit: *limit },
        JsonPayloadError::ContentType => ApiError::UnsupportedMediaType,
        JsonPayloadError::Deserialize(e) => ApiError::BadRequest(format!("invalid JSON body: {e}")),
        other => ApiError::BadRequest(format!("cannot read request body: {other}")),
    };
    tracing::info!(path = %req.path(), error = %api, "request rejected");
    api.into()
}

/// Maps query-string failures to our errors.
pub fn query_error(err: QueryPayloadError, req: &HttpRequest) -> actix_web::Error {
    let api = ApiError::BadRequest(format!("invalid query string: {err}"));
    tracing::info!(path = %req.path(), error = %api, "request rejected");
    api.into()
}
