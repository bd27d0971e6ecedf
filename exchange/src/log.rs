//! One line on stderr per request: method, path, status, time, and what happened.
//!
//! Handlers describe what happened in an [`Outcome`] attached to the response; this is the
//! only place that writes request logs, so the policy is easy to check: the path without
//! its query, the `Origin`, the `client_id`, statuses and timings. Never the body, so never
//! a code, a verifier, a secret or a token. Values that come from the request are quoted
//! with escapes and truncated, so a crafted one cannot forge a log line.

use std::time::Instant;

use axum::extract::Request;
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

/// Prefix of every line the exchange writes.
pub const PREFIX: &str = "oauth-prefab-exchange:";

/// What a handler wants the request's log line to say.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// The `client_id` the request named, if it got that far.
    pub client_id: Option<String>,
    /// What happened, in words that contain nothing secret.
    pub detail: String,
}

impl Outcome {
    /// An outcome for a request that named `client_id`.
    pub fn client(client_id: &str, detail: impl Into<String>) -> Self {
        Self {
            client_id: Some(client_id.to_owned()),
            detail: detail.into(),
        }
    }

    /// An outcome before any client is known.
    pub fn anonymous(detail: impl Into<String>) -> Self {
        Self {
            client_id: None,
            detail: detail.into(),
        }
    }
}

/// A request-supplied value for a log line, at most `max` characters of it: as it is when
/// it is plain printable ASCII, else quoted with escapes.
pub fn shown(value: &str, max: usize) -> String {
    let (head, cut) = match value.char_indices().nth(max) {
        Some((at, _)) => (&value[..at], "..."),
        None => (value, ""),
    };
    let plain = !head.is_empty()
        && head
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\');
    if plain {
        format!("{head}{cut}")
    } else {
        format!("{head:?}{cut}")
    }
}

/// Middleware: runs the request and writes its line. Health checks that succeed are not
/// logged: a load balancer sends them every few seconds.
pub async fn log_request(request: Request, next: Next) -> Response {
    let mut pending = Pending {
        method: request.method().clone(),
        path: request.uri().path().to_owned(),
        origin: request
            .headers()
            .get(header::ORIGIN)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()),
        started: Instant::now(),
        answered: false,
    };
    let mut response = next.run(request).await;
    pending.answered = true;
    let outcome = response.extensions_mut().remove::<Outcome>();
    let status = response.status();
    if pending.path == "/healthz" && status == StatusCode::OK {
        return response;
    }
    let result = format!(
        "{} in {} ms",
        status.as_u16(),
        pending.started.elapsed().as_millis()
    );
    eprintln!("{}", pending.line(&result, outcome.as_ref()));
    response
}

/// What a request's line says before its answer exists.
struct Pending {
    method: Method,
    path: String,
    origin: Option<String>,
    started: Instant,
    answered: bool,
}

impl Pending {
    fn line(&self, result: &str, outcome: Option<&Outcome>) -> String {
        let mut line = format!(
            "{PREFIX} {} {} -> {result}",
            self.method,
            shown(&self.path, 80)
        );
        if let Some(client_id) = outcome.and_then(|o| o.client_id.as_deref()) {
            line.push_str(&format!(" client_id={}", shown(client_id, 64)));
        }
        if let Some(origin) = &self.origin {
            line.push_str(&format!(" origin={}", shown(origin, 80)));
        }
        if let Some(outcome) = outcome.filter(|o| !o.detail.is_empty()) {
            line.push_str(": ");
            line.push_str(&outcome.detail);
        }
        line
    }
}

/// hyper drops a request's future when its connection closes before the answer: the line
/// is still written, since the provider may already have redeemed the code.
impl Drop for Pending {
    fn drop(&mut self) {
        if !self.answered {
            let result = format!(
                "client went away after {} ms",
                self.started.elapsed().as_millis()
            );
            eprintln!("{}", self.line(&result, None));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_values_are_quoted_and_cut() {
        assert_eq!(shown("demo-app", 10), "demo-app");
        assert_eq!(shown("abcdef", 3), "abc...");
        assert_eq!(shown("a\nb", 10), "\"a\\nb\"");
        assert_eq!(shown("a b", 10), "\"a b\"");
        assert_eq!(shown("", 10), "\"\"");
        assert_eq!(shown("ééééé", 2), "\"éé\"...");
        let outcome = Outcome::client("app\r\nforged", "provider answered 200 in 3 ms");
        let pending = Pending {
            method: Method::POST,
            path: "/token".into(),
            origin: Some("https://app.example".into()),
            started: Instant::now(),
            answered: true,
        };
        let text = pending.line("200 in 0 ms", Some(&outcome));
        assert!(
            text.starts_with("oauth-prefab-exchange: POST /token -> 200 in "),
            "{text}"
        );
        assert!(text.ends_with(
            " client_id=\"app\\r\\nforged\" origin=https://app.example: provider answered 200 in 3 ms"
        ), "{text}");
        assert!(!text.contains('\n'));
    }
}
