//! `GET`/`POST /oauth/authorize`: request validation, the consent step and the
//! redirects back to the client (RFC 6749 sections 4.1 and 4.2, Instagram flavour),
//! with PKCE (RFC 7636), `response_mode` and the `iss` parameter (RFC 9207).
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
use crate::pages::{consent_page, error_page, error_page_titled, Consent};
use crate::params::{encode, ParamError, Params};
use crate::pkce;
use crate::tokens::{random_hex, Grant, IssuedCode};
use crate::{is_form, AppState, LastToken};

/// The two supported flows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ResponseType {
    /// Implicit grant: token in the fragment.
    Token,
    /// Authorization code grant: code in the query (or the fragment on request).
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

/// Where the parameters of an authorization response go (`response_mode`, from
/// OAuth 2.0 Multiple Response Type Encoding Practices).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ResponseMode {
    Query,
    Fragment,
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
    response_mode: ResponseMode,
    /// The raw parameters the consent form re-submits unchanged.
    raw_response_mode: Option<&'a str>,
    scope: Option<&'a str>,
    code_challenge: Option<&'a str>,
    code_challenge_method: Option<&'a str>,
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

/// Sends an authorization response (success or error) back to the client. Every
/// one carries `iss` (RFC 9207), so a client talking to several providers can tell
/// which one answered (a mix-up defense).
fn respond<'a>(
    st: &'a AppState,
    redirect_uri: &str,
    mode: ResponseMode,
    mut pairs: Vec<(&'a str, &'a str)>,
) -> Response {
    pairs.push(("iss", st.config().issuer()));
    let encoded = encode(pairs);
    redirect(match mode {
        ResponseMode::Query => with_query(redirect_uri, &encoded),
        ResponseMode::Fragment => with_fragment(redirect_uri, &encoded),
    })
}

/// An error response sent back to the (already validated) redirect URI.
fn error_redirect(
    st: &AppState,
    redirect_uri: &str,
    mode: ResponseMode,
    state: Option<&str>,
    error: &str,
    description: &str,
) -> Response {
    let mut pairs = vec![("error", error), ("error_description", description)];
    pairs.extend(state.map(|s| ("state", s)));
    respond(st, redirect_uri, mode, pairs)
}

/// The 400 page for a redirect URI that cannot be trusted, saying why in plain words.
fn redirect_uri_page(client: &Client, redirect_uri: &str) -> Response {
    let hint = if redirect_uri.contains('#') {
        " A redirect_uri must not contain a fragment (#)."
    } else {
        ""
    };
    error_page_titled(
        "Invalid redirect_uri",
        &format!(
            "The redirect_uri `{redirect_uri}` does not match any redirect URI registered for {} (`{}`): {}.{hint} \
             Register it with the provider, or send one of those exactly.",
            client.name,
            client.id,
            client.redirect_uris.join(", "),
        ),
    )
}

/// Checks everything that the GET and the POST share.
// The error is the finished response; boxing it would only add noise.
#[allow(clippy::result_large_err)]
fn validate<'a>(st: &'a AppState, params: &'a Params) -> Result<AuthRequest<'a>, Response> {
    let client_id = params.required("client_id").map_err(page)?;
    let redirect_uri = params.required("redirect_uri").map_err(page)?;
    let response_type = params.optional("response_type").map_err(page)?;
    let raw_response_mode = params.optional("response_mode").map_err(page)?;
    let scope = params.optional("scope").map_err(page)?;
    let state = params.optional("state").map_err(page)?;
    let code_challenge = params.optional("code_challenge").map_err(page)?;
    let code_challenge_method = params.optional("code_challenge_method").map_err(page)?;
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
        error_page_titled(
            "Unknown client",
            &format!(
                "Unknown client_id `{client_id}`: no such application is registered, so its redirect_uri `{redirect_uri}` cannot be trusted and you were not sent back to it."
            ),
        )
    })?;
    if !client.redirect_matches(redirect_uri) {
        return Err(redirect_uri_page(client, redirect_uri));
    }

    // From here on the redirect URI is trusted, so errors go back to the client.
    let fail = |mode, error, description: &str| {
        Err(error_redirect(
            st,
            redirect_uri,
            mode,
            state,
            error,
            description,
        ))
    };
    // RFC 6749 4.2.2.1: implicit-flow errors travel in the fragment.
    let default_mode = if response_type.is_some_and(|rt| rt.split(' ').any(|t| t == "token")) {
        ResponseMode::Fragment
    } else {
        ResponseMode::Query
    };
    let response_mode = match raw_response_mode {
        None => default_mode,
        Some("query") => ResponseMode::Query,
        Some("fragment") => ResponseMode::Fragment,
        Some(_) => {
            return fail(
                default_mode,
                "invalid_request",
                "response_mode must be `query` or `fragment`.",
            )
        }
    };
    let response_type = match response_type {
        Some("token") => ResponseType::Token,
        Some("code") => ResponseType::Code,
        _ => {
            return fail(
                response_mode,
                "unsupported_response_type",
                "response_type must be `code` or `token`.",
            )
        }
    };
    if response_type == ResponseType::Token && response_mode == ResponseMode::Query {
        return fail(
            ResponseMode::Fragment,
            "invalid_request",
            "response_mode=query is not allowed with response_type=token: an access token must not travel in the query.",
        );
    }

    // RFC 7636 4.4.1. A challenge without a method would mean `plain`, which this
    // provider does not support, so it is refused rather than guessed.
    let pkce_problem = match (code_challenge, code_challenge_method) {
        (None, None) => None,
        (None, Some(_)) => Some("code_challenge_method was given without a code_challenge.".to_owned()),
        (Some(_), None) => Some("code_challenge_method is required: only S256 is supported.".to_owned()),
        (Some(_), Some(m)) if m != pkce::S256 => Some(format!(
            "code_challenge_method `{m}` is not supported: only S256 is."
        )),
        (Some(c), Some(_)) if !pkce::is_well_formed(c) => Some(
            "code_challenge must be 43 to 128 characters of [A-Za-z0-9-._~] (BASE64URL of a SHA-256 hash, without padding).".to_owned(),
        ),
        (Some(_), Some(_)) => None,
    };
    if let Some(problem) = pkce_problem {
        return fail(response_mode, "invalid_request", &problem);
    }
    // Refused here rather than at the token endpoint, so the mistake shows up in the
    // browser at once instead of as a failed exchange later.
    if response_type == ResponseType::Code && client.is_public() && code_challenge.is_none() {
        return fail(
            response_mode,
            "invalid_request",
            "A public client must use PKCE: code_challenge and code_challenge_method=S256 are required.",
        );
    }

    Ok(AuthRequest {
        client,
        redirect_uri,
        response_type,
        response_mode,
        raw_response_mode,
        scope,
        code_challenge,
        code_challenge_method,
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
    hidden.extend(req.raw_response_mode.map(|m| ("response_mode", m)));
    hidden.extend(req.scope.map(|s| ("scope", s)));
    hidden.extend(req.state.map(|s| ("state", s)));
    hidden.extend(req.code_challenge.map(|c| ("code_challenge", c)));
    hidden.extend(
        req.code_challenge_method
            .map(|m| ("code_challenge_method", m)),
    );
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
        Ok(Some("deny")) => deny(&st, &req),
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
            let res = respond(st, req.redirect_uri, req.response_mode, pairs);
            st.records().last_token = Some(LastToken {
                access_token: token.clone(),
                token_type: "bearer",
                expires_in: ttl.as_secs(),
                scope,
                state: req.state.map(str::to_owned),
                client_id: req.client.id.clone(),
                flow: "token",
            });
            res
        }
        ResponseType::Code => {
            let Ok(code) = random_hex(16) else {
                return server_error();
            };
            let issued = IssuedCode {
                grant,
                redirect_uri: req.redirect_uri.to_owned(),
                code_challenge: req.code_challenge.map(str::to_owned),
                state: req.state.map(str::to_owned),
            };
            st.store().issue_code(code.clone(), issued, now);
            let mut pairs = vec![("code", code.as_str())];
            pairs.extend(req.state.map(|s| ("state", s)));
            respond(st, req.redirect_uri, req.response_mode, pairs)
        }
    }
}

/// Redirects back with `access_denied`.
fn deny(st: &AppState, req: &AuthRequest<'_>) -> Response {
    let mut pairs = vec![
        ("error", "access_denied"),
        ("error_reason", "user_denied"),
        ("error_description", "The user denied your request"),
    ];
    if req.response_type == ResponseType::Token && req.deny_in == Some(DenyIn::Query) {
        // Instagram's documented denial: query string, no state.
        return respond(st, req.redirect_uri, ResponseMode::Query, pairs);
    }
    pairs.extend(req.state.map(|s| ("state", s)));
    respond(st, req.redirect_uri, req.response_mode, pairs)
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
