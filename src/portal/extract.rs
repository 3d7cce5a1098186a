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
        let bytes = read_limited(req.into_body(), limit).await?;
        serde_json::from_slice(&bytes).map(JsonBody).map_err(|e| {
            ApiError::invalid(format!(
                "the body is not valid for this request: {}",
                describe(&e)
            ))
        })
    }
}

/// Bodies this much over the limit are still read (and dropped) before answering, so the client
/// sees the 400 instead of a connection reset; beyond it the connection is simply closed.
const DRAIN_CAP: usize = 4 << 20;

async fn read_limited(
    body: axum::body::Body,
    limit: usize,
) -> Result<zeroize::Zeroizing<Vec<u8>>, ApiError> {
    use futures::StreamExt as _;
    let mut stream = body.into_data_stream();
    let mut bytes = zeroize::Zeroizing::new(Vec::new());
    let mut seen = 0usize;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| ApiError::invalid("the body could not be read"))?;
        seen += chunk.len();
        if seen <= limit {
            bytes.extend_from_slice(&chunk);
        } else if seen > DRAIN_CAP {
            break;
        }
    }
    if seen > limit {
        return Err(ApiError::invalid(format!(
            "the body is larger than {limit} bytes"
        )));
    }
    Ok(bytes)
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
