//! `GET`/`POST /oauth/authorize`: request validation, the consent step and the
//! redirects back to the client (RFC 6749 sections 4.1 and 4.2, Instagram flavour).
//!
//! Until `client_id` and `redirect_uri` are both known to be valid, every problem is
//! an HTML error page and never a redirect: redirecting to an unvalidated URI would
//! make this an open redirector.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use crate::api::{USERNAME, USER_ID};
use crate::clients::Client;
use crate::pages::{consent_page, error_page, Consent};
use crate::params::{encode, ParamError, Params};
use crate::tokens::{random_hex, Grant};
use crate::{is_form, AppState, LastToken};

/// The two supported flows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ResponseType {
    /// Implicit grant: token in the fragment.
    Token,
    /// Authorization code grant: code in the query.
    Code,
}

impl ResponseType {
    fn as_str(self) -> &'static str {
        match self {
            Self::Token => "token",
            Self::Code => "code",
        }
    }
}

/// Where a token-flow denial goes (test control `deny_in`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DenyIn {
    Query,
    Fragment,
}

/// A validated authorization request.
struct AuthRequest<'a> {
    client: &'a Client,
    redirect_uri: &'a str,
    response_type: ResponseType,
    /// The raw `scope` value, re-submitted unchanged by the consent form.
    scope: Option<&'a str>,
    scopes: Vec<String>,
    state: Option<&'a str>,
    deny_in: Option<DenyIn>,
}

fn page(e: ParamError) -> Response {
    error_page(&e.to_string())
}

/// Splits a scope list on spaces, commas or `+` (Instagram accepted all three),
/// dropping empties and duplicates.
fn parse_scopes(raw: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in raw.split([' ', ',', '+']).filter(|s| !s.is_empty()) {
        if !out.iter().any(|o| o == s) {
            out.push(s.to_owned());
        }
    }
    out
}

/// Checks everything that the GET and the POST share.
// The error is the finished response; boxing it would only add noise.
#[allow(clippy::result_large_err)]
fn validate<'a>(st: &'a AppState, params: &'a Params) -> Result<AuthRequest<'a>, Response> {
    let client_id = params.required("client_id").map_err(page)?;
    let redirect_uri = params.required("redirect_uri").map_err(page)?;
    let response_type = params.optional("response_type").map_err(page)?;
    let scope = params.optional("scope").map_err(page)?;
    let state = params.optional("state").map_err(page)?;
    let deny_in = if st.config().test_controls {
        match params.optional("deny_in").map_err(page)? {
            None => None,
            Some("query") => Some(DenyIn::Query),
            Some("fragment") => Some(DenyIn::Fragment),
            Some(_) => {
                return Err(page(ParamError::Invalid(
                    "deny_in must be `query` or `fragment`".into(),
                )))
            }
        }
    } else {
        None
    };

    let client = st.clients().get(client_id).ok_or_else(|| {
        error_page(&format!(
            "Unknown client_id `{client_id}`: no such application is registered."
        ))
    })?;
    if !client.redirect_matches(redirect_uri) {
        return Err(error_page(&format!(
            "redirect_uri `{redirect_uri}` does not match any redirect URI registered for `{}` ({}).",
            client.id,
            client.redirect_uris.join(", ")
        )));
    }

    // From here on the redirect URI is trusted, so errors go back to the client.
    let response_type = match response_type {
        Some("token") => ResponseType::Token,
        Some("code") => ResponseType::Code,
        other => {
            let mut pairs = vec![
                ("error", "unsupported_response_type"),
                (
                    "error_description",
                    "response_type must be `code` or `token`.",
                ),
            ];
            pairs.extend(state.map(|s| ("state", s)));
            let query = encode(pairs);
            // RFC 6749 4.2.2.1: implicit-flow errors travel in the fragment.
            let wants_fragment = other.is_some_and(|rt| rt.split(' ').any(|t| t == "token"));
            return Err(if wants_fragment {
                redirect(with_fragment(redirect_uri, &query))
            } else {
                redirect(with_query(redirect_uri, &query))
            });
        }
    };

    Ok(AuthRequest {
        client,
        redirect_uri,
        response_type,
        scope,
        scopes: scope.map(parse_scopes).unwrap_or_default(),
        state,
        deny_in,
    })
}

/// `GET /oauth/authorize`: the consent page (or an immediate grant with `--auto-approve`).
pub async fn show(State(st): State<AppState>, uri: Uri) -> Response {
    let params = match Params::from_query(uri.query()) {
        Ok(p) => p,
        Err(e) => return page(e),
    };
    st.records().last_authorize = Some(params.pairs().to_vec());
    let req = match validate(&st, &params) {
        Ok(r) => r,
        Err(res) => return res,
    };
    if st.config().auto_approve {
        return allow(&st, &req);
    }
    let mut hidden = vec![
        ("client_id", req.client.id.as_str()),
        ("redirect_uri", req.redirect_uri),
        ("response_type", req.response_type.as_str()),
    ];
    hidden.extend(req.scope.map(|s| ("scope", s)));
    hidden.extend(req.state.map(|s| ("state", s)));
    hidden.extend(req.deny_in.map(|d| match d {
        DenyIn::Query => ("deny_in", "query"),
        DenyIn::Fragment => ("deny_in", "fragment"),
    }));
    consent_page(&Consent {
        app_name: &req.client.name,
        scopes: &req.scopes,
        hidden: &hidden,
        redirect_uri: req.redirect_uri,
        username: USERNAME,
    })
}

/// `POST /oauth/authorize`: the consent form's submission.
pub async fn decide(State(st): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    if !is_form(&headers) {
        return error_page("Content-Type must be application/x-www-form-urlencoded.");
    }
    let params = match Params::parse(&body) {
        Ok(p) => p,
        Err(e) => return page(e),
    };
    let req = match validate(&st, &params) {
        Ok(r) => r,
        Err(res) => return res,
    };
    match params.optional("decision") {
        Ok(Some("allow")) => allow(&st, &req),
        Ok(Some("deny")) => deny(&req),
        Ok(_) => error_page("decision must be `allow` or `deny`."),
        Err(e) => page(e),
    }
}

/// Issues the token or code and redirects back.
fn allow(st: &AppState, req: &AuthRequest<'_>) -> Response {
    let grant = Grant {
        client_id: req.client.id.clone(),
        scopes: req.scopes.clone(),
    };
    let scope = req.scopes.join(" ");
    let now = st.clock().now();
    match req.response_type {
        ResponseType::Token => {
            let Ok(random) = random_hex(16) else {
                return server_error();
            };
            // Instagram tokens were `<user id>.<opaque>`.
            let token = format!("{USER_ID}.{random}");
            let ttl = st.config().token_ttl;
            st.store().issue_token(token.clone(), grant, ttl, now);
            let expires_in = ttl.as_secs().to_string();
            let mut pairs = vec![
                ("access_token", token.as_str()),
                ("token_type", "bearer"),
                ("expires_in", expires_in.as_str()),
            ];
            if !scope.is_empty() {
                pairs.push(("scope", scope.as_str()));
            }
            pairs.extend(req.state.map(|s| ("state", s)));
            let fragment = encode(pairs);
            st.records().last_token = Some(LastToken {
                access_token: token.clone(),
                token_type: "bearer",
                expires_in: ttl.as_secs(),
                scope,
                state: req.state.map(str::to_owned),
                client_id: req.client.id.clone(),
            });
            redirect(with_fragment(req.redirect_uri, &fragment))
        }
        ResponseType::Code => {
            let Ok(code) = random_hex(16) else {
                return server_error();
            };
            st.store()
                .issue_code(code.clone(), grant, req.redirect_uri.to_owned(), now);
            let mut pairs = vec![("code", code.as_str())];
            pairs.extend(req.state.map(|s| ("state", s)));
            redirect(with_query(req.redirect_uri, &encode(pairs)))
        }
    }
}

/// Redirects back with `access_denied`.
fn deny(req: &AuthRequest<'_>) -> Response {
    let mut pairs = vec![
        ("error", "access_denied"),
        ("error_reason", "user_denied"),
        ("error_description", "The user denied your request"),
    ];
    match (req.response_type, req.deny_in) {
        // Instagram's documented denial: query string, no state.
        (ResponseType::Token, Some(DenyIn::Query)) => {
            redirect(with_query(req.redirect_uri, &encode(pairs)))
        }
        (ResponseType::Token, _) => {
            pairs.extend(req.state.map(|s| ("state", s)));
            redirect(with_fragment(req.redirect_uri, &encode(pairs)))
        }
        (ResponseType::Code, _) => {
            pairs.extend(req.state.map(|s| ("state", s)));
            redirect(with_query(req.redirect_uri, &encode(pairs)))
        }
    }
}

/// Appends already-encoded `extra` to the query of `uri` (which has no fragment).
pub(crate) fn with_query(uri: &str, extra: &str) -> String {
    let sep = match uri.split_once('?') {
        None => "?",
        Some((_, q)) if q.is_empty() || q.ends_with('&') => "",
        Some(_) => "&",
    };
    format!("{uri}{sep}{extra}")
}

/// Sets already-encoded `fragment` on `uri` (which has no fragment).
pub(crate) fn with_fragment(uri: &str, fragment: &str) -> String {
    format!("{uri}#{fragment}")
}

/// A `303 See Other` to `location`, or a 400 page if it is not a valid header value.
pub(crate) fn redirect(location: String) -> Response {
    match HeaderValue::from_bytes(location.as_bytes()) {
        Ok(value) => (
            StatusCode::SEE_OTHER,
            [
                (header::LOCATION, value),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            ],
        )
            .into_response(),
        Err(_) => error_page("The redirect location is not a valid HTTP header value."),
    }
}

fn server_error() -> Response {
    crate::plain(
        StatusCode::INTERNAL_SERVER_ERROR,
        "could not generate a random value\n".into(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_split_on_space_comma_plus() {
        assert_eq!(
            parse_scopes("basic,likes+comments  basic"),
            ["basic", "likes", "comments"]
        );
        assert!(parse_scopes(" , ").is_empty());
    }

    #[test]
    fn query_appending() {
        assert_eq!(with_query("http://a/", "x=1"), "http://a/?x=1");
        assert_eq!(with_query("http://a/?t=m", "x=1"), "http://a/?t=m&x=1");
        assert_eq!(with_query("http://a/?", "x=1"), "http://a/?x=1");
        assert_eq!(with_query("http://a/?t=m&", "x=1"), "http://a/?t=m&x=1");
    }
}
