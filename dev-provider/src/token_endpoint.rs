//! The token endpoint, `POST /oauth/access_token` (Instagram's name) and its alias
//! `POST /oauth/token`: client authentication (RFC 6749 2.3), the authorization code
//! grant (4.1.3) with PKCE (RFC 7636 4.5-4.6), and the record the test controls keep.
//!
//! A confidential client (one with a secret) authenticates with `client_secret` in the
//! form or with HTTP Basic; a public client sends no secret and must have used PKCE.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::{json, Value};

use crate::api::{json_no_store, user_summary, USER_ID};
use crate::params::{decode, ParamError, Params};
use crate::pkce::constant_time_eq;
use crate::tokens::{random_hex, Redemption};
use crate::{is_form, AppState, LastToken, TokenRequestRecord, MAX_TOKEN_REQUESTS};

/// Credentials from an `Authorization: Basic` header.
struct Basic {
    id: String,
    secret: String,
}

/// A token-endpoint error in Instagram's shape plus the RFC 6749 5.2 fields.
fn oauth_error(status: StatusCode, error: &str, message: &str) -> Response {
    json_no_store(
        status,
        json!({
            "error_type": "OAuthException",
            "code": status.as_u16(),
            "error_message": message,
            "error": error,
            "error_description": message,
        }),
    )
}

fn bad_request(error: &str, message: &str) -> Response {
    oauth_error(StatusCode::BAD_REQUEST, error, message)
}

/// `401 invalid_client`. RFC 6749 5.2: a client that tried the `Authorization`
/// header gets a matching `WWW-Authenticate` challenge. Others get none, so a browser
/// never pops up a password dialog over a page's `fetch`.
fn invalid_client(message: &str, tried_header: bool) -> Response {
    let mut res = oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", message);
    if tried_header {
        res.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"dev-provider\""),
        );
    }
    res
}

/// The `Authorization` header: `Ok(None)` if absent, the credentials if it is valid
/// HTTP Basic, otherwise the error answer.
// The error is the finished response; boxing it would only add noise.
#[allow(clippy::result_large_err)]
fn basic_credentials(headers: &HeaderMap) -> Result<Option<Basic>, Response> {
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let value = match (values.next(), values.next()) {
        (None, _) => return Ok(None),
        (Some(_), Some(_)) => {
            return Err(bad_request(
                "invalid_request",
                "Authorization header is given more than once.",
            ))
        }
        (Some(v), None) => v,
    };
    parse_basic(value.as_bytes())
        .map(Some)
        .map_err(|why| invalid_client(&why, true))
}

/// Decodes `Basic base64(urlencode(id) ":" urlencode(secret))` (RFC 6749 2.3.1).
fn parse_basic(value: &[u8]) -> Result<Basic, String> {
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
        id: decode(id).map_err(|_| bad())?,
        secret: decode(secret).map_err(|_| bad())?,
    })
}

/// What the test controls record of a request, worked out independently of how
/// far the request got: a refused request is recorded as faithfully as a good one.
fn describe(headers: &HeaderMap, body: &[u8]) -> TokenRequestRecord {
    let params = if is_form(headers) {
        Params::parse(body).unwrap_or_default()
    } else {
        Params::default()
    };
    let param = |name| params.optional(name).ok().flatten().map(str::to_owned);
    let has = |name| params.pairs().iter().any(|(n, _)| n == name);
    let authorization = headers.get(header::AUTHORIZATION).map(|v| v.as_bytes());
    let basic = authorization.and_then(|v| parse_basic(v).ok());
    let tried_basic = authorization
        .and_then(|v| std::str::from_utf8(v).ok())
        .and_then(|v| v.split_whitespace().next())
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("basic"));
    let auth = if tried_basic {
        "basic"
    } else if has("client_secret") {
        "post"
    } else {
        "none"
    };
    TokenRequestRecord {
        client_id: param("client_id").or_else(|| basic.as_ref().map(|b| b.id.clone())),
        grant_type: param("grant_type"),
        redirect_uri: param("redirect_uri"),
        has_code_verifier: has("code_verifier"),
        has_client_secret: has("client_secret") || basic.is_some(),
        auth,
        origin: headers
            .get(header::ORIGIN)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        status: 0,
    }
}

/// `POST /oauth/access_token` and `POST /oauth/token`.
pub async fn token(State(st): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let res = exchange(&st, &headers, &body);
    if st.config().test_controls {
        let mut record = describe(&headers, &body);
        record.status = res.status().as_u16();
        let mut records = st.records();
        if records.token_requests.len() >= MAX_TOKEN_REQUESTS {
            records.token_requests.remove(0);
        }
        records.token_requests.push(record);
    }
    res
}

/// Authenticates the client and redeems the code.
fn exchange(st: &AppState, headers: &HeaderMap, body: &[u8]) -> Response {
    if !is_form(headers) {
        return bad_request(
            "invalid_request",
            "Content-Type must be application/x-www-form-urlencoded.",
        );
    }
    let params = match Params::parse(body) {
        Ok(p) => p,
        Err(e) => return bad_request("invalid_request", &e.to_string()),
    };
    let basic = match basic_credentials(headers) {
        Ok(b) => b,
        Err(res) => return res,
    };
    let tried_header = basic.is_some();
    let fields = (|| {
        Ok::<_, ParamError>((
            params.optional("client_id")?,
            params.optional("client_secret")?,
            params.optional("code_verifier")?,
        ))
    })();
    let (form_id, form_secret, code_verifier) = match fields {
        Ok(f) => f,
        Err(e) => return bad_request("invalid_request", &e.to_string()),
    };
    let client_id = match (&basic, form_id) {
        (Some(b), Some(f)) if f != b.id => {
            return bad_request(
                "invalid_request",
                "client_id in the form differs from the one in the Authorization header.",
            )
        }
        (Some(b), _) => b.id.as_str(),
        (None, Some(f)) if !f.is_empty() => f,
        (None, _) => {
            let e = ParamError::Missing("client_id".into());
            return bad_request("invalid_request", &e.to_string());
        }
    };
    let fields = (|| {
        Ok::<_, ParamError>((
            params.required("grant_type")?,
            params.required("redirect_uri")?,
            params.required("code")?,
        ))
    })();
    let (grant_type, redirect_uri, code) = match fields {
        Ok(f) => f,
        Err(e) => return bad_request("invalid_request", &e.to_string()),
    };
    if basic.is_some() && form_secret.is_some() {
        return bad_request(
            "invalid_request",
            "Use one client authentication method: client_secret in the form or HTTP Basic, not both.",
        );
    }
    if grant_type != "authorization_code" {
        return bad_request(
            "unsupported_grant_type",
            "Invalid grant_type: only authorization_code is supported.",
        );
    }

    let Some(client) = st.clients().get(client_id) else {
        return invalid_client("Invalid Client ID", tried_header);
    };
    let given_secret = basic.as_ref().map(|b| b.secret.as_str()).or(form_secret);
    match (client.secret.as_deref(), given_secret) {
        (None, None) => {}
        (None, Some(_)) => {
            return invalid_client(
                &format!("`{client_id}` is a public client: it must not send a client secret (it uses PKCE instead)."),
                tried_header,
            )
        }
        (Some(_), None) => {
            return invalid_client(
                "Client authentication is required: send client_secret in the form or use HTTP Basic.",
                tried_header,
            )
        }
        (Some(expected), Some(given)) => {
            if !constant_time_eq(expected, given) {
                return invalid_client("Invalid Client Secret", tried_header);
            }
        }
    }

    let now = st.clock().now();
    let redemption = Redemption {
        client_id,
        redirect_uri,
        code_verifier,
        require_pkce: client.is_public(),
    };
    let issued = match st.store().redeem_code(code, redemption, now) {
        Ok(i) => i,
        Err(e) => return bad_request("invalid_grant", e.message()),
    };
    let Ok(random) = random_hex(16) else {
        return oauth_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            "Could not generate a token.",
        );
    };
    let token = format!("{USER_ID}.{random}");
    let scope = issued.grant.scopes.join(" ");
    let ttl = st.config().token_ttl;
    st.store()
        .issue_token(token.clone(), issued.grant, ttl, now);
    st.records().last_token = Some(LastToken {
        access_token: token.clone(),
        token_type: "bearer",
        expires_in: ttl.as_secs(),
        scope: scope.clone(),
        state: issued.state,
        client_id: client_id.to_owned(),
        flow: "code",
    });
    let mut body = json!({
        "access_token": token,
        "token_type": "bearer",
        "expires_in": ttl.as_secs(),
        "user": user_summary(st),
    });
    if !scope.is_empty() {
        body["scope"] = Value::String(scope);
    }
    json_no_store(StatusCode::OK, body)
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
