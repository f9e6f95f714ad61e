//! Extracts [`Params`] from a request: the URL query string, plus the body when
//! it is `application/x-www-form-urlencoded`.
//!
//! Any other body is ignored unread. vmalert POSTs with
//! `Content-Type: application/json` and an empty body, all arguments in the
//! query string; that body is deliberately not parsed as JSON.

use super::Params;
use crate::error::ApiError;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, header};

/// The largest form body read. Generous for long PromQL expressions and many
/// `match[]` selectors, small enough that no client can make a select node
/// buffer much.
pub const FORM_BODY_BYTES_MAX: usize = 4 << 20;

impl<S: Send + Sync> FromRequest<S> for Params {
    type Rejection = ApiError;

    async fn from_request(request: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let query = request.uri().query().map(str::to_owned);
        if !is_form(request.headers()) {
            return Ok(Params::from_sources(query.as_deref(), None));
        }
        let body = axum::body::to_bytes(request.into_body(), FORM_BODY_BYTES_MAX)
            .await
            .map_err(|error| ApiError::Body {
                reason: format!(
                    "{error} (a form body may hold at most {FORM_BODY_BYTES_MAX} bytes)"
                ),
            })?;
        Ok(Params::from_sources(query.as_deref(), Some(&body)))
    }
}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|mime| {
            mime.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::Method;

    async fn extract(request: Request) -> Result<Params, ApiError> {
        Params::from_request(request, &()).await
    }

    fn request(content_type: &str, body: &'static str) -> Request {
        Request::builder()
            .method(Method::POST)
            .uri("/x?start=1&match[]=up")
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body))
            .expect("valid request")
    }

    #[tokio::test]
    async fn form_body_is_read() {
        let params = extract(request(
            "application/x-www-form-urlencoded; charset=UTF-8",
            "end=2&match%5B%5D=down",
        ))
        .await
        .expect("form is read");
        assert_eq!(params.get("start"), Some("1"));
        assert_eq!(params.get("end"), Some("2"));
        assert_eq!(params.all(&["match[]"]), ["down", "up"]);
    }

    #[tokio::test]
    async fn json_body_is_ignored() {
        for body in ["", "{\"query\":\"x\"}"] {
            let params = extract(request("application/json", body))
                .await
                .expect("body is ignored");
            assert_eq!(params.get("start"), Some("1"));
            assert_eq!(params.get("query"), None);
        }
    }

    #[tokio::test]
    async fn oversized_form_body_is_rejected() {
        let body = "a".repeat(FORM_BODY_BYTES_MAX + 1);
        let request = Request::builder()
            .method(Method::POST)
            .uri("/x")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .expect("valid request");
        let error = extract(request).await.map(|_| ());
        assert!(matches!(error, Err(ApiError::Body { .. })));
    }
}
