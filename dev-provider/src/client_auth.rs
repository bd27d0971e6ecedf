//! Client authentication at the token and revocation endpoints (RFC 6749 2.3, RFC 7009 2.1).
//!
//! A confidential client (one with a secret) sends `client_secret` in the form or uses HTTP
//! Basic; a public client sends no secret at all, and is only identified by `client_id`.

use axum::http::{header, HeaderMap};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use server_kit::{decode_component, Form, OAuthError};

use crate::clients::Client;
use crate::pkce::constant_time_eq;
use crate::AppState;

/// The challenge a client that tried the `Authorization` header gets with a 401.
const CHALLENGE: &str = "Basic realm=\"dev-provider\"";

/// Credentials from an `Authorization: Basic` header.
pub struct Basic {
    /// The client id.
    pub id: String,
    /// The secret.
    pub secret: String,
}

/// `401 invalid_client`. RFC 6749 5.2: a client that tried the `Authorization` header
/// gets a matching `WWW-Authenticate` challenge. Others get none, so a browser never pops
/// up a password dialog over a page's `fetch`.
fn invalid_client(message: impl Into<String>, tried_header: bool) -> OAuthError {
    let error = OAuthError::invalid_client(message);
    if tried_header {
        error.with_challenge(CHALLENGE)
    } else {
        error
    }
}

/// The client the request authenticates as, or why it does not.
pub fn authenticate(st: &AppState, headers: &HeaderMap, form: &Form) -> Result<Client, OAuthError> {
    let basic = basic_credentials(headers)?;
    let tried_header = basic.is_some();
    let form_secret = form.get("client_secret");
    let client_id = match (&basic, form.get("client_id")) {
        (Some(b), Some(f)) if f != b.id => {
            return Err(OAuthError::invalid_request(
                "client_id in the form differs from the one in the Authorization header.",
            ))
        }
        (Some(b), _) => b.id.as_str(),
        (None, _) => form.required("client_id")?,
    };
    if basic.is_some() && form_secret.is_some() {
        return Err(OAuthError::invalid_request(
            "Use one client authentication method: client_secret in the form or HTTP Basic, not both.",
        ));
    }
    let Some(client) = st.clients().get(client_id).cloned() else {
        return Err(invalid_client("Invalid Client ID", tried_header));
    };
    let given = basic.as_ref().map(|b| b.secret.as_str()).or(form_secret);
    match (client.secret.as_deref(), given) {
        (None, None) => Ok(client),
        (None, Some(_)) => Err(invalid_client(
            format!("`{client_id}` is a public client: it must not send a client secret (it uses PKCE instead)."),
            tried_header,
        )),
        (Some(_), None) => Err(invalid_client(
            "Client authentication is required: send client_secret in the form or use HTTP Basic.",
            tried_header,
        )),
        (Some(expected), Some(given)) if constant_time_eq(expected, given) => Ok(client),
        (Some(_), Some(_)) => Err(invalid_client("Invalid Client Secret", tried_header)),
    }
}

/// The `Authorization` header: `Ok(None)` if absent, the credentials if it is valid
/// HTTP Basic, otherwise the error answer.
fn basic_credentials(headers: &HeaderMap) -> Result<Option<Basic>, OAuthError> {
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    match (values.next(), values.next()) {
        (None, _) => Ok(None),
        (Some(_), Some(_)) => Err(OAuthError::invalid_request(
            "Authorization header is given more than once.",
        )),
        (Some(v), None) => parse_basic(v.as_bytes())
            .map(Some)
            .map_err(|why| invalid_client(why, true)),
    }
}

/// Decodes `Basic base64(urlencode(id) ":" urlencode(secret))` (RFC 6749 2.3.1).
pub fn parse_basic(value: &[u8]) -> Result<Basic, String> {
    let value = std::str::from_utf8(value).map_err(|_| "Malformed Authorization header.")?;
    let (scheme, encoded) = value.trim().split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err("Only HTTP Basic client authentication is supported.".into());
    }
    let bad = || "Malformed HTTP Basic credentials.".to_owned();
    let raw = STANDARD.decode(encoded.trim()).map_err(|_| bad())?;
    let (id, secret) = raw
        .iter()
        .position(|&b| b == b':')
        .map(|i| (&raw[..i], &raw[i + 1..]))
        .ok_or_else(bad)?;
    Ok(Basic {
        id: decode_component(id).map_err(|_| bad())?,
        secret: decode_component(secret).map_err(|_| bad())?,
    })
}

/// How a request authenticated, for the test controls' records: `basic` (it tried an
/// `Authorization: Basic` header), `post` (`client_secret` in the form) or `none`; and the
/// client id it named (form first, else Basic).
pub fn describe(headers: &HeaderMap, form: Option<&Form>) -> (&'static str, Option<String>, bool) {
    let authorization = headers.get(header::AUTHORIZATION).map(|v| v.as_bytes());
    let basic = authorization.and_then(|v| parse_basic(v).ok());
    let tried_basic = authorization
        .and_then(|v| std::str::from_utf8(v).ok())
        .and_then(|v| v.split_whitespace().next())
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("basic"));
    let form_secret = form.is_some_and(|f| f.contains("client_secret"));
    let auth = if tried_basic {
        "basic"
    } else if form_secret {
        "post"
    } else {
        "none"
    };
    let client_id = form
        .and_then(|f| f.get("client_id"))
        .map(str::to_owned)
        .or_else(|| basic.as_ref().map(|b| b.id.clone()));
    (auth, client_id, form_secret || basic.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_are_form_decoded() {
        // "my%20app:p%3Ass+word" -> id "my app", secret "p:ss word".
        let b = parse_basic(b"Basic bXklMjBhcHA6cCUzQXNzK3dvcmQ=").unwrap();
        assert_eq!((b.id.as_str(), b.secret.as_str()), ("my app", "p:ss word"));
        let b = parse_basic(b"basic  YTo=").unwrap();
        assert_eq!((b.id.as_str(), b.secret.as_str()), ("a", ""));
        for bad in [
            &b"Bearer YTpi"[..],
            b"Basic",
            b"Basic !!!",
            b"Basic YWI=",
            b"Basic YTolWlo=",
        ] {
            assert!(
                parse_basic(bad).is_err(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
