//! API error answers: `{"error": code, "message": text}` with the code's status, plus
//! `attempts_left` and `Retry-After` where they apply.

use std::time::Duration;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::sealed::api::{ErrorBody, ErrorCode};

#[derive(Debug, Clone)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    pub attempts_left: Option<u32>,
    pub retry_after: Option<Duration>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            attempts_left: None,
            retry_after: None,
        }
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidRequest, message)
    }

    pub fn too_many(retry_after: Duration, message: impl Into<String>) -> Self {
        Self {
            retry_after: Some(retry_after),
            ..Self::new(ErrorCode::TooManyAttempts, message)
        }
    }

    pub fn internal() -> Self {
        Self::new(ErrorCode::Internal, "the portal failed; try again later")
    }
}

impl From<super::store::StoreError> for ApiError {
    fn from(e: super::store::StoreError) -> Self {
        if e.is_unavailable() {
            tracing::warn!(error = %e, "database unavailable");
            return Self::new(
                ErrorCode::Unavailable,
                "the portal's database is unavailable; try again shortly",
            );
        }
        tracing::error!(error = %e, "database failure");
        Self::internal()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = ErrorBody {
            error: self.code.as_str().to_owned(),
            message: self.message,
            attempts_left: self.attempts_left,
        };
        let mut response = (status, axum::Json(body)).into_response();
        if let Some(after) = self.retry_after {
            // Whole seconds, rounded up, at least 1.
            let secs = after.as_secs() + u64::from(after.subsec_nanos() > 0);
            if let Ok(value) = HeaderValue::from_str(&secs.max(1).to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
        }
        response.extensions_mut().insert(self.code);
        response
    }
}
