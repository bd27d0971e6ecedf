//! The strict form extractor: `application/x-www-form-urlencoded` bodies, bounded in size
//! and time, decoded without guessing.
//!
//! `form_urlencoded::parse` and axum's `Form` are lenient: a broken `%` escape passes through,
//! invalid UTF-8 is replaced, and of a repeated name one value silently wins. An OAuth server
//! must refuse all three (RFC 6749 section 3.1: parameters must not be repeated), and the
//! exchange forwards what it decodes, so ambiguity would travel on.

use std::collections::HashSet;
use std::fmt;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{FromRef, FromRequest, Request};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use http_body_util::{BodyExt, LengthLimitError, Limited};

use crate::OAuthError;

/// How much a form may hold and how long it may take. A server provides its limits through
/// its state (`impl FromRef<State> for FormLimits`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormLimits {
    /// Largest body, declared or actual; over it is `413`.
    pub max_body_bytes: usize,
    /// Largest decoded name or value; over it is `400`.
    pub max_value_bytes: usize,
    /// How long the body may take to arrive once the headers are in; past it is `408`.
    pub read_timeout: Duration,
}

impl Default for FormLimits {
    /// 16 KiB, 2 KiB per value, 10 s: a token request is a few hundred bytes sent at once.
    fn default() -> Self {
        Self {
            max_body_bytes: 16 * 1024,
            max_value_bytes: 2048,
            read_timeout: Duration::from_secs(10),
        }
    }
}

/// Why a body was not taken as a form. Its `Display` text is meant for the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormRejection {
    /// `Content-Type` is not `application/x-www-form-urlencoded`.
    NotForm,
    /// The body is over `limit` bytes.
    TooLarge {
        /// The limit.
        limit: usize,
    },
    /// The body did not arrive within `limit`.
    Timeout {
        /// The limit.
        limit: Duration,
    },
    /// The connection broke while the body was read.
    Unreadable,
    /// A broken `%` escape or data that is not UTF-8; the text says where.
    BadEncoding(String),
    /// This name occurs more than once.
    Repeated(String),
    /// This name, or its value, is over the per-value limit.
    ValueTooLong(String),
}

impl FormRejection {
    /// The HTTP status the rejection answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Timeout { .. } => StatusCode::REQUEST_TIMEOUT,
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

impl fmt::Display for FormRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotForm => f.write_str("Content-Type must be application/x-www-form-urlencoded."),
            Self::TooLarge { limit } => write!(f, "The request body is over {limit} bytes."),
            Self::Timeout { limit } => write!(
                f,
                "The request body did not arrive within {} s.",
                limit.as_secs_f32()
            ),
            Self::Unreadable => f.write_str("The request body could not be read."),
            Self::BadEncoding(detail) => write!(f, "Malformed form encoding: {detail}."),
            Self::Repeated(name) => write!(f, "Parameter `{name}` is given more than once."),
            Self::ValueTooLong(name) => write!(f, "Parameter `{name}` is too long."),
        }
    }
}

impl std::error::Error for FormRejection {}

impl From<FormRejection> for OAuthError {
    fn from(rejection: FormRejection) -> Self {
        OAuthError::new(rejection.status(), "invalid_request", rejection.to_string())
    }
}

impl IntoResponse for FormRejection {
    fn into_response(self) -> Response {
        OAuthError::from(self).into_response()
    }
}

/// A decoded form: name/value pairs in request order, each name once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Form {
    pairs: Vec<(String, String)>,
}

impl Form {
    /// Decodes a raw body strictly, within `limits` (the size limit included).
    pub fn parse(raw: &[u8], limits: &FormLimits) -> Result<Self, FormRejection> {
        if raw.len() > limits.max_body_bytes {
            return Err(FormRejection::TooLarge {
                limit: limits.max_body_bytes,
            });
        }
        let mut pairs: Vec<(String, String)> = Vec::new();
        // A set, not a search of `pairs`: a 16 KiB body holds thousands of short distinct
        // names, and comparing each with all before it took milliseconds of CPU a request.
        let mut seen: HashSet<String> = HashSet::new();
        // Browsers never send empty segments (`a=1&&b=2`) meaningfully: they are skipped.
        for segment in raw.split(|&b| b == b'&').filter(|s| !s.is_empty()) {
            let (raw_name, raw_value) = match segment.iter().position(|&b| b == b'=') {
                Some(i) => (&segment[..i], &segment[i + 1..]),
                None => (segment, &b""[..]),
            };
            let name = decode_component(raw_name)
                .map_err(|e| FormRejection::BadEncoding(format!("{e} in a parameter name")))?;
            if name.len() > limits.max_value_bytes {
                return Err(FormRejection::ValueTooLong(shortened(&name)));
            }
            let value = decode_component(raw_value).map_err(|e| {
                FormRejection::BadEncoding(format!("{e} in the value of `{}`", shortened(&name)))
            })?;
            if value.len() > limits.max_value_bytes {
                return Err(FormRejection::ValueTooLong(name));
            }
            if !seen.insert(name.clone()) {
                return Err(FormRejection::Repeated(name));
            }
            pairs.push((name, value));
        }
        Ok(Self { pairs })
    }

    /// The value of `name`, if present (possibly empty).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The non-empty value of `name`, or `400 invalid_request` naming it.
    pub fn required(&self, name: &str) -> Result<&str, OAuthError> {
        self.get(name)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| OAuthError::missing(name))
    }

    /// Whether `name` is present (even empty).
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Every pair, in request order.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }
}

impl<S> FromRequest<S> for Form
where
    S: Send + Sync,
    FormLimits: FromRef<S>,
{
    type Rejection = FormRejection;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let limits = FormLimits::from_ref(state);
        if !is_form(request.headers()) {
            return Err(FormRejection::NotForm);
        }
        let too_large = FormRejection::TooLarge {
            limit: limits.max_body_bytes,
        };
        // A declared length over the limit is refused before a byte of it is read.
        let declared = request
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|len| len > limits.max_body_bytes as u64) {
            return Err(too_large);
        }
        let body: Body = request.into_body();
        let read = Limited::new(body, limits.max_body_bytes).collect();
        let raw = match tokio::time::timeout(limits.read_timeout, read).await {
            Ok(Ok(collected)) => collected.to_bytes(),
            Ok(Err(e)) if e.is::<LengthLimitError>() => return Err(too_large),
            Ok(Err(_)) => return Err(FormRejection::Unreadable),
            Err(_) => {
                return Err(FormRejection::Timeout {
                    limit: limits.read_timeout,
                })
            }
        };
        Self::parse(&raw, &limits)
    }
}

/// Whether the request declares an `application/x-www-form-urlencoded` body (parameters
/// such as `; charset=UTF-8` aside).
pub fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| {
            mime.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

/// Decodes one form-encoded name or value: `+` is a space, `%` must be followed by two hex
/// digits, and the result must be UTF-8. The error says what was wrong, quoting at most the
/// broken escape.
pub fn decode_component(raw: &[u8]) -> Result<String, String> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hi = raw.get(i + 1).copied().and_then(hex_value);
                let lo = raw.get(i + 2).copied().and_then(hex_value);
                match (hi, lo) {
                    (Some(h), Some(l)) => out.push(h << 4 | l),
                    _ => {
                        let end = raw.len().min(i + 3);
                        let bad = String::from_utf8_lossy(&raw[i..end]);
                        return Err(format!("invalid percent-escape `{bad}`"));
                    }
                }
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| "data that is not valid UTF-8".to_owned())
}

fn hex_value(b: u8) -> Option<u8> {
    char::from(b)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

/// Keeps a message short when a huge garbage name is echoed back.
fn shortened(s: &str) -> String {
    match s.char_indices().nth(64) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::Request;

    fn parse(raw: &str) -> Result<Form, FormRejection> {
        Form::parse(raw.as_bytes(), &FormLimits::default())
    }

    #[test]
    fn decodes_in_order() {
        let form = parse("b=x+y&a=%2F%c3%a9&&empty=&bare").unwrap();
        let pairs: Vec<(&str, &str)> = form
            .pairs()
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [("b", "x y"), ("a", "/é"), ("empty", ""), ("bare", "")]
        );
        assert_eq!(form.get("a"), Some("/é"));
        assert_eq!(form.required("b"), Ok("x y"));
        assert_eq!(form.required("empty"), Err(OAuthError::missing("empty")));
        assert!(form.contains("bare") && !form.contains("nope"));
        assert_eq!(parse("a=1=2").unwrap().get("a"), Some("1=2"));
    }

    #[test]
    fn refuses_what_is_ambiguous() {
        for raw in ["a=%", "a=%2", "a=%zz", "a=%ff", "a%2=1"] {
            assert!(
                matches!(parse(raw), Err(FormRejection::BadEncoding(_))),
                "{raw}"
            );
        }
        for raw in [&b"\xff=1"[..], b"a=\xc3"] {
            assert!(matches!(
                Form::parse(raw, &FormLimits::default()),
                Err(FormRejection::BadEncoding(_))
            ));
        }
        assert_eq!(
            parse("code=1&c%6Fde=2"),
            Err(FormRejection::Repeated("code".into()))
        );
        let long = format!("a={}", "x".repeat(2049));
        assert_eq!(parse(&long), Err(FormRejection::ValueTooLong("a".into())));
        let huge = "a".repeat(16 * 1024 + 1);
        assert_eq!(
            parse(&huge),
            Err(FormRejection::TooLarge { limit: 16 * 1024 })
        );
    }

    /// A body of thousands of distinct short names (a 16 KiB body holds about 4,000), which a
    /// search of the pairs before each name made quadratic, parses whole, and a name repeated
    /// at its end is still refused. (Its cost is by construction, a set: no timed test.)
    #[test]
    fn thousands_of_distinct_names_parse_and_a_repeat_among_them_is_refused() {
        let mut body = String::new();
        let mut i = 0u32;
        while body.len() < 16 * 1024 - 8 {
            body.push_str(&std::format!("{i:x}&"));
            i += 1;
        }
        let limits = FormLimits::default();
        let form = Form::parse(body.as_bytes(), &limits).unwrap();
        assert_eq!(form.pairs().len(), i as usize);
        body.push('7');
        assert!(matches!(
            Form::parse(body.as_bytes(), &limits),
            Err(FormRejection::Repeated(name)) if name == "7"
        ));
    }

    #[test]
    fn rejections_have_their_status() {
        assert_eq!(
            FormRejection::TooLarge { limit: 1 }.status(),
            StatusCode::PAYLOAD_TOO_LARGE
        );
        let timeout = FormRejection::Timeout {
            limit: Duration::from_secs(1),
        };
        assert_eq!(timeout.status(), StatusCode::REQUEST_TIMEOUT);
        let error = OAuthError::from(FormRejection::NotForm);
        assert_eq!(
            (error.status, error.error),
            (StatusCode::BAD_REQUEST, "invalid_request")
        );
    }

    async fn extract(request: Request<Body>) -> Result<Form, FormRejection> {
        Form::from_request(request, &FormLimits::default()).await
    }

    fn post(content_type: Option<&str>, body: &'static str) -> Request<Body> {
        let mut builder = Request::post("/");
        if let Some(t) = content_type {
            builder = builder.header(header::CONTENT_TYPE, t);
        }
        builder.body(Body::from(body)).unwrap()
    }

    #[tokio::test]
    async fn the_extractor_checks_type_and_size() {
        let form = extract(post(
            Some("application/x-www-form-urlencoded; charset=UTF-8"),
            "a=1",
        ))
        .await
        .unwrap();
        assert_eq!(form.get("a"), Some("1"));
        for t in [None, Some("application/json"), Some("text/plain")] {
            assert_eq!(extract(post(t, "a=1")).await, Err(FormRejection::NotForm));
        }
        let declared = Request::post("/")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::CONTENT_LENGTH, "999999")
            .body(Body::from("a=1"))
            .unwrap();
        assert_eq!(
            extract(declared).await,
            Err(FormRejection::TooLarge { limit: 16 * 1024 })
        );
    }

    /// A body whose first byte never comes.
    struct Stalled;

    impl http_body::Body for Stalled {
        type Data = axum::body::Bytes;
        type Error = std::io::Error;

        fn poll_frame(
            self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
            std::task::Poll::Pending
        }
    }

    #[tokio::test]
    async fn a_stalled_body_times_out() {
        let request = Request::post("/")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::new(Stalled))
            .unwrap();
        let limits = FormLimits {
            read_timeout: Duration::from_millis(50),
            ..FormLimits::default()
        };
        assert_eq!(
            Form::from_request(request, &limits).await,
            Err(FormRejection::Timeout {
                limit: Duration::from_millis(50)
            })
        );
    }
}
