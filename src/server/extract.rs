//! The request-body extractor: a size limit and strict JSON, each failure a 400 with a message
//! that says what was wrong (never echoing the body).

use axum::extract::{FromRequest, Request};
use axum::http::header;
use serde::de::DeserializeOwned;

use super::error::ApiError;

/// A JSON body within the portal's size limit.
pub struct JsonBody<T>(pub T);

/// The size limit, placed in the request extensions by the router.
#[derive(Clone, Copy)]
pub struct BodyLimit(pub usize);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let limit = req
            .extensions()
            .get::<BodyLimit>()
            .map_or(super::config::DEFAULT_MAX_BODY, |l| l.0);
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                let media = v.split(';').next().unwrap_or_default().trim();
                media.eq_ignore_ascii_case("application/json")
            });
        if !is_json {
            return Err(ApiError::invalid(
                "the body must be JSON (Content-Type: application/json)",
            ));
        }
        let bytes = axum::body::to_bytes(req.into_body(), limit)
            .await
            .map_err(|_| ApiError::invalid(format!("the body is larger than {limit} bytes")))?;
        let bytes = zeroize::Zeroizing::new(bytes.to_vec());
        serde_json::from_slice(&bytes).map(JsonBody).map_err(|e| {
            ApiError::invalid(format!(
                "the body is not valid for this request: {}",
                describe(&e)
            ))
        })
    }
}

/// serde_json's description without any quoted input.
fn describe(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let what = match e.classify() {
        Category::Io => "unreadable",
        Category::Syntax => "not JSON",
        Category::Eof => "truncated JSON",
        Category::Data => {
            let text = e.to_string();
            return if text.starts_with("missing field") || text.starts_with("unknown field") {
                // These name a field of ours, never a value of the client's.
                text.split(" at line")
                    .next()
                    .unwrap_or("wrong fields")
                    .to_owned()
            } else {
                "a field has the wrong type or value".to_owned()
            };
        }
    };
    what.to_owned()
}
