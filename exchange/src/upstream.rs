//! The outgoing call: the page's request, plus the client secret, to the provider's token
//! or revocation endpoint; and what counts as a usable answer from each.
//!
//! Every call is bounded: one timeout covers connecting, sending and reading, and at most
//! [`MAX_ANSWER_BYTES`] of the answer are read. Redirects are not followed, since a
//! redirected POST would carry the secret somewhere the configuration never named.

use std::fmt;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::{header, HeaderValue, StatusCode};
use base64::Engine as _;

use crate::config::{is_loopback, Client, ClientAuth};
use url::Url;

/// Which of the provider's endpoints is called; they differ in what a success looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// The token endpoint: every answer is a JSON object (RFC 6749 5.1, 5.2).
    Token,
    /// The revocation endpoint: a success is a `200` whose body does not matter, usually
    /// empty (RFC 7009 2.2); an error is a JSON object (2.2.1).
    Revocation,
}

impl Endpoint {
    /// Its name in messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::Token => "token endpoint",
            Self::Revocation => "revocation endpoint",
        }
    }
}

/// The most of a provider's answer that is read. A token response is a few hundred
/// bytes; an `id_token` makes it a few KiB.
pub const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// A provider's answer that can go back to the page as it is.
#[derive(Debug)]
pub struct Answer {
    /// The provider's status.
    pub status: StatusCode,
    /// The provider's JSON object, byte for byte; empty for a revocation's success
    /// that had no JSON object.
    pub body: Bytes,
    /// The answer's `error` code, when it has a short plain one (safe to log).
    pub error: Option<String>,
    /// How long the provider took.
    pub elapsed: Duration,
}

/// Why a provider's answer cannot be passed on. The `Display` text is safe to log and to
/// show: it never contains the request or the answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpstreamError {
    /// No connection, or it broke (`detail` says how, e.g. "connection refused").
    Unreachable(String),
    /// No complete answer within the timeout.
    Timeout(Duration),
    /// The answer is larger than [`MAX_ANSWER_BYTES`].
    TooLarge,
    /// The answer is not a JSON object, or its status is not a final 2xx/4xx/5xx.
    NotJson(StatusCode),
}

impl fmt::Display for UpstreamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unreachable(detail) => write!(f, "could not be reached ({detail})"),
            Self::Timeout(limit) => write!(f, "did not answer within {} ms", limit.as_millis()),
            Self::TooLarge => write!(f, "answered with more than {MAX_ANSWER_BYTES} bytes"),
            Self::NotJson(status) => write!(
                f,
                "answered HTTP {} with something that is not a JSON object",
                status.as_u16()
            ),
        }
    }
}

impl std::error::Error for UpstreamError {}

/// How long a provider connection may sit idle in the pool before it is dropped rather than
/// reused. Servers close idle keep-alive connections (Node's and Apache's after 5 s): a token
/// request written to one as the provider closes it is lost (502), and may not be retried, since
/// the provider may have redeemed the code. Under 5 s, the exchange lets go first.
pub const POOL_IDLE: Duration = Duration::from_secs(4);

/// The HTTP client for providers; cheap to clone, shares one connection pool.
#[derive(Debug, Clone)]
pub struct Upstream {
    /// For every other host: honours `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY`.
    http: reqwest::Client,
    /// For loopback hosts: never through a proxy. Plain `http` is allowed to them only
    /// because the secret then stays on this machine, and a proxy is another machine (whose
    /// own loopback is not this one's either).
    direct: reqwest::Client,
    timeout: Duration,
}

impl Upstream {
    /// Builds the client. Fails only if TLS cannot be initialised.
    pub fn new(timeout: Duration) -> Result<Self, String> {
        let builder = || {
            reqwest::Client::builder()
                .user_agent(concat!("oauth-prefab-exchange/", env!("CARGO_PKG_VERSION")))
                .redirect(reqwest::redirect::Policy::none())
                .connect_timeout(timeout)
                .pool_idle_timeout(POOL_IDLE)
                // A backstop: `post` bounds the whole exchange itself.
                .timeout(timeout)
        };
        let built = |b: reqwest::ClientBuilder| {
            b.build()
                .map_err(|e| format!("cannot set up the HTTP client: {e}"))
        };
        Ok(Self {
            http: built(builder())?,
            direct: built(builder().no_proxy())?,
            timeout,
        })
    }

    /// Sends `fields` (the page's request, in its order) with `client`'s secret to `url`
    /// and returns the answer if it is one `endpoint` may give.
    pub async fn post(
        &self,
        client: &Client,
        url: &Url,
        endpoint: Endpoint,
        fields: &[(String, String)],
    ) -> Result<Answer, UpstreamError> {
        let started = Instant::now();
        match tokio::time::timeout(self.timeout, self.send(client, url, fields)).await {
            Ok(Ok((status, body))) => check_answer(endpoint, status, body, started.elapsed()),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(UpstreamError::Timeout(self.timeout)),
        }
    }

    async fn send(
        &self,
        client: &Client,
        url: &Url,
        fields: &[(String, String)],
    ) -> Result<(StatusCode, Bytes), UpstreamError> {
        let http = if is_loopback(url) {
            &self.direct
        } else {
            &self.http
        };
        let mut request = http
            .post(url.clone())
            .header(header::ACCEPT, "application/json");
        if client.auth == ClientAuth::ClientSecretBasic {
            request = request.header(header::AUTHORIZATION, basic_credentials(client)?);
        }
        let mut response = request
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(form_body(client, fields))
            .send()
            .await
            .map_err(|e| self.classify(&e))?;
        let status = response.status();
        if response
            .content_length()
            .is_some_and(|len| len > MAX_ANSWER_BYTES as u64)
        {
            return Err(UpstreamError::TooLarge);
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| self.classify(&e))? {
            if body.len() + chunk.len() > MAX_ANSWER_BYTES {
                return Err(UpstreamError::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        Ok((status, Bytes::from(body)))
    }

    fn classify(&self, error: &reqwest::Error) -> UpstreamError {
        if error.is_timeout() {
            UpstreamError::Timeout(self.timeout)
        } else {
            UpstreamError::Unreachable(root_cause(error))
        }
    }
}

/// The page's fields in their order, plus `client_secret` for `client_secret_post`.
fn form_body(client: &Client, fields: &[(String, String)]) -> String {
    let mut form = form_urlencoded::Serializer::new(String::new());
    form.extend_pairs(fields);
    if client.auth == ClientAuth::ClientSecretPost {
        form.append_pair("client_secret", client.secret.expose());
    }
    form.finish()
}

/// `Authorization: Basic` as RFC 6749 section 2.3.1 defines it: id and secret each
/// form-encoded, then joined by `:` and base64-encoded. Marked sensitive so that no
/// HTTP layer prints it.
fn basic_credentials(client: &Client) -> Result<HeaderValue, UpstreamError> {
    let encode = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let pair = format!("{}:{}", encode(&client.id), encode(client.secret.expose()));
    let token = base64::engine::general_purpose::STANDARD.encode(pair);
    let mut value = HeaderValue::try_from(format!("Basic {token}")).map_err(|_| {
        UpstreamError::Unreachable("the Basic credentials are not a header value".into())
    })?;
    value.set_sensitive(true);
    Ok(value)
}

/// The innermost cause of a failed request, e.g. "Connection refused (os error 111)":
/// what an operator needs, without the URL or anything of the request.
fn root_cause(error: &reqwest::Error) -> String {
    let mut cause: &dyn std::error::Error = error;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

/// Passes on a final status with a JSON object, and a revocation's success whatever its
/// body (kept only when it is a JSON object); anything else is the provider failing.
fn check_answer(
    endpoint: Endpoint,
    status: StatusCode,
    body: Bytes,
    elapsed: Duration,
) -> Result<Answer, UpstreamError> {
    let final_status = status.is_success() || status.is_client_error() || status.is_server_error();
    let object = serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(&body);
    if endpoint == Endpoint::Revocation && status.is_success() {
        return Ok(Answer {
            status,
            body: if object.is_ok() { body } else { Bytes::new() },
            error: None,
            elapsed,
        });
    }
    match object {
        Ok(object) if final_status => {
            let error = object
                .get("error")
                .and_then(serde_json::Value::as_str)
                .filter(|code| is_plain_code(code))
                .map(str::to_owned);
            Ok(Answer {
                status,
                body,
                error,
                elapsed,
            })
        }
        _ => Err(UpstreamError::NotJson(status)),
    }
}

/// An OAuth error code is a short ASCII word; anything else is not logged, since it
/// could be anything a provider chose to echo.
fn is_plain_code(code: &str) -> bool {
    (1..=64).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Secret;

    fn client(id: &str, secret: &str) -> Client {
        Client {
            id: id.into(),
            token_endpoint: url::Url::parse("https://provider.example/token").unwrap(),
            revocation_endpoint: None,
            secret_env: "S".into(),
            secret: Secret::new(secret.into()),
            auth: ClientAuth::ClientSecretBasic,
            redirect_uris: vec![],
            allowed_origins: vec![],
        }
    }

    #[test]
    fn basic_credentials_form_encode_id_and_secret() {
        let value = basic_credentials(&client("my app", "a+b/c=:")).unwrap();
        assert!(value.is_sensitive());
        let encoded = value.to_str().unwrap().strip_prefix("Basic ").unwrap();
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .unwrap();
        assert_eq!(decoded, b"my+app:a%2Bb%2Fc%3D%3A");
    }

    #[test]
    fn only_final_json_objects_pass() {
        let ok = |status: u16, body: &str| {
            check_answer(
                Endpoint::Token,
                StatusCode::from_u16(status).unwrap(),
                Bytes::from(body.to_owned()),
                Duration::ZERO,
            )
        };
        let answer = ok(200, r#"{"access_token":"t","token_type":"bearer"}"#).unwrap();
        assert_eq!((answer.status.as_u16(), answer.error), (200, None));
        let answer = ok(
            400,
            r#" {"error":"invalid_grant","error_description":"no"}"#,
        )
        .unwrap();
        assert_eq!(answer.error.as_deref(), Some("invalid_grant"));
        let answer = ok(401, r#"{"error":"has space"}"#).unwrap();
        assert_eq!(answer.error, None);
        assert!(ok(503, r#"{"error":"temporarily_unavailable"}"#).is_ok());
        for (status, body) in [
            (200, "<html>hi</html>"),
            (200, "[1,2]"),
            (200, ""),
            (200, "access_token=t&token_type=bearer"),
            (302, "{}"),
            (400, r#"{"error":"#),
        ] {
            assert_eq!(
                ok(status, body).unwrap_err(),
                UpstreamError::NotJson(StatusCode::from_u16(status).unwrap()),
                "{status} {body}"
            );
        }
    }

    #[test]
    fn a_revocations_success_needs_no_json() {
        let revoked = |status: u16, body: &'static str| {
            check_answer(
                Endpoint::Revocation,
                StatusCode::from_u16(status).unwrap(),
                Bytes::from(body),
                Duration::ZERO,
            )
        };
        for body in ["", "<html>ok</html>"] {
            let answer = revoked(200, body).unwrap();
            assert_eq!(
                (answer.status.as_u16(), answer.body.len()),
                (200, 0),
                "{body}"
            );
        }
        assert_eq!(revoked(200, "{}").unwrap().body, "{}");
        let refused = revoked(400, r#"{"error":"unsupported_token_type"}"#).unwrap();
        assert_eq!(refused.error.as_deref(), Some("unsupported_token_type"));
        assert_eq!(
            revoked(503, "<h1>down</h1>").unwrap_err(),
            UpstreamError::NotJson(StatusCode::SERVICE_UNAVAILABLE)
        );
    }
}
