//! `GET`/`POST /oauth/authorize`: request validation, the consent step and the
//! redirects back to the client (RFC 6749 sections 4.1 and 4.2, Instagram flavour),
//! with PKCE (RFC 7636), `response_mode`, the `iss` parameter (RFC 9207) and OpenID
//! Connect's `nonce` and `id_token token` (Core 3.2).
//!
//! Until `client_id` and `redirect_uri` are both known to be valid, every problem is
//! an HTML error page and never a redirect: redirecting to an unvalidated URI would
//! make this an open redirector.

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use server_kit::{Form, FormRejection};

use crate::clients::Client;
use crate::oidc::{issue_id_token, IdTokenFor};
use crate::pages::{account_page, consent_page, error_page, error_page_titled, Consent};
use crate::params::{encode, ParamError, Params};
use crate::token_endpoint::new_access_token;
use crate::tokens::{random_hex, Grant, IssuedCode};
use crate::users::{default_user, signed_in, User};
use crate::{pkce, scopes, AppState, LastToken};

/// The supported flows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ResponseType {
    /// Implicit grant: token in the fragment.
    Token,
    /// Implicit grant with an id_token (`id_token token`, either order).
    IdTokenToken,
    /// Authorization code grant: code in the query (or the fragment on request).
    Code,
}

impl ResponseType {
    /// The response type a `response_type` value names (its words in any order).
    fn parse(raw: &str) -> Option<Self> {
        let mut words: Vec<&str> = raw.split(' ').collect();
        words.sort_unstable();
        match words[..] {
            ["token"] => Some(Self::Token),
            ["id_token", "token"] => Some(Self::IdTokenToken),
            ["code"] => Some(Self::Code),
            _ => None,
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

/// The request's parameters, each given at most once.
struct Raw<'a> {
    client_id: &'a str,
    redirect_uri: &'a str,
    response_type: Option<&'a str>,
    response_mode: Option<&'a str>,
    scope: Option<&'a str>,
    state: Option<&'a str>,
    nonce: Option<&'a str>,
    code_challenge: Option<&'a str>,
    code_challenge_method: Option<&'a str>,
    deny_in: Option<DenyIn>,
}

impl<'a> Raw<'a> {
    fn read(st: &AppState, params: &'a Params) -> Result<Self, ParamError> {
        // Without --test-controls the parameter is not even read.
        let deny_in = if st.config().test_controls {
            params.optional("deny_in")?
        } else {
            None
        };
        let deny_in = match deny_in {
            None => None,
            Some("query") => Some(DenyIn::Query),
            Some("fragment") => Some(DenyIn::Fragment),
            Some(_) => {
                return Err(ParamError::Invalid(
                    "deny_in must be `query` or `fragment`".into(),
                ))
            }
        };
        Ok(Self {
            client_id: params.required("client_id")?,
            redirect_uri: params.required("redirect_uri")?,
            response_type: params.optional("response_type")?,
            response_mode: params.optional("response_mode")?,
            scope: params.optional("scope")?,
            state: params.optional("state")?,
            nonce: params.optional("nonce")?,
            code_challenge: params.optional("code_challenge")?,
            code_challenge_method: params.optional("code_challenge_method")?,
            deny_in,
        })
    }
}

/// A validated authorization request.
struct AuthRequest<'a> {
    raw: Raw<'a>,
    client: Client,
    response_type: ResponseType,
    response_mode: ResponseMode,
    scopes: Vec<String>,
}

/// A refusal sent back to the (trusted) redirect URI: where, the code and why.
type Refused = (ResponseMode, &'static str, String);

fn page(e: ParamError) -> Response {
    error_page(&e.to_string())
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
fn validate<'a>(st: &AppState, params: &'a Params) -> Result<AuthRequest<'a>, Response> {
    let raw = Raw::read(st, params).map_err(page)?;
    let client = trusted_client(st, &raw)?;
    // From here on the redirect URI is trusted, so errors go back to the client.
    let refuse = |(mode, error, description): Refused| {
        let mut pairs = vec![
            ("error", error),
            ("error_description", description.as_str()),
        ];
        pairs.extend(raw.state.map(|s| ("state", s)));
        respond(st, raw.redirect_uri, mode, pairs)
    };
    let (response_type, response_mode) = flow(&raw).map_err(&refuse)?;
    let scopes = raw.scope.map(scopes::parse).unwrap_or_default();
    check(&raw, &client, response_type, response_mode, &scopes).map_err(&refuse)?;
    Ok(AuthRequest {
        raw,
        client,
        response_type,
        response_mode,
        scopes,
    })
}

/// The client, if it is registered with this redirect URI; else the error page.
#[allow(clippy::result_large_err)]
fn trusted_client(st: &AppState, raw: &Raw<'_>) -> Result<Client, Response> {
    let Some(client) = st.clients().get(raw.client_id).cloned() else {
        return Err(error_page_titled(
            "Unknown client",
            &format!(
                "Unknown client_id `{}`: no such application is registered, so its redirect_uri `{}` cannot be trusted and you were not sent back to it.",
                raw.client_id, raw.redirect_uri
            ),
        ));
    };
    if !client.redirect_matches(raw.redirect_uri) {
        return Err(redirect_uri_page(&client, raw.redirect_uri));
    }
    Ok(client)
}

/// `response_type` and where its answer goes.
fn flow(raw: &Raw<'_>) -> Result<(ResponseType, ResponseMode), Refused> {
    // RFC 6749 4.2.2.1: implicit-flow errors travel in the fragment.
    let has_token = raw
        .response_type
        .is_some_and(|rt| rt.split(' ').any(|t| t == "token"));
    let default_mode = if has_token {
        ResponseMode::Fragment
    } else {
        ResponseMode::Query
    };
    let mode = match raw.response_mode {
        None => default_mode,
        Some("query") => ResponseMode::Query,
        Some("fragment") => ResponseMode::Fragment,
        Some(_) => {
            let why = "response_mode must be `query` or `fragment`.";
            return Err((default_mode, "invalid_request", why.into()));
        }
    };
    let unsupported = || {
        let why = "response_type must be `code`, `token` or `id_token token`.";
        (mode, "unsupported_response_type", why.to_owned())
    };
    let response_type = raw
        .response_type
        .and_then(ResponseType::parse)
        .ok_or_else(unsupported)?;
    if has_token && mode == ResponseMode::Query {
        let why = "response_mode=query is not allowed with an implicit response_type: an access token must not travel in the query.";
        return Err((ResponseMode::Fragment, "invalid_request", why.into()));
    }
    Ok((response_type, mode))
}

/// The rest, in order: OpenID's needs, PKCE (RFC 7636 4.4.1), a public client's code
/// flow without PKCE, and the scopes.
fn check(
    raw: &Raw<'_>,
    client: &Client,
    response_type: ResponseType,
    mode: ResponseMode,
    scopes: &[String],
) -> Result<(), Refused> {
    let refuse = |error, why: String| Err((mode, error, why));
    if response_type == ResponseType::IdTokenToken {
        if !scopes.iter().any(|s| s == "openid") {
            let why =
                "response_type `id_token token` is OpenID Connect: it needs the `openid` scope.";
            return refuse("unsupported_response_type", why.into());
        }
        if raw.nonce.is_none_or(str::is_empty) {
            return refuse(
                "invalid_request",
                "nonce is required with response_type `id_token token`.".into(),
            );
        }
    }
    if let Some(problem) = pkce_problem(raw.code_challenge, raw.code_challenge_method) {
        return refuse("invalid_request", problem);
    }
    // Refused here rather than at the token endpoint, so the mistake shows up in the
    // browser at once instead of as a failed exchange later.
    if response_type == ResponseType::Code && client.is_public() && raw.code_challenge.is_none() {
        let why = "A public client must use PKCE: code_challenge and code_challenge_method=S256 are required.";
        return refuse("invalid_request", why.into());
    }
    if let Some(unknown) = scopes::first_unknown(scopes) {
        return refuse("invalid_scope", scopes::unknown_message(unknown));
    }
    Ok(())
}

/// RFC 7636 4.4.1. A challenge without a method would mean `plain`, which this provider
/// does not support, so it is refused rather than guessed.
fn pkce_problem(challenge: Option<&str>, method: Option<&str>) -> Option<String> {
    match (challenge, method) {
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
    }
}

/// `GET /oauth/authorize`: the consent page (or an immediate grant with `--auto-approve`).
/// A signed-out browser first picks an account.
pub async fn show(State(st): State<AppState>, uri: Uri, headers: HeaderMap) -> Response {
    let params = match Params::from_query(uri.query()) {
        Ok(p) => p,
        Err(e) => return page(e),
    };
    st.records().last_authorize = Some(params.pairs().to_vec());
    let req = match validate(&st, &params) {
        Ok(r) => r,
        Err(res) => return res,
    };
    let user = signed_in(&headers);
    if st.config().auto_approve {
        return allow(&st, &req, user.unwrap_or(default_user()));
    }
    let here = format!("/oauth/authorize?{}", uri.query().unwrap_or_default());
    let Some(user) = user else {
        return account_page(None, Some(&here));
    };
    let raw = &req.raw;
    let mut hidden = vec![
        ("client_id", raw.client_id),
        ("redirect_uri", raw.redirect_uri),
    ];
    let optional = [
        ("response_type", raw.response_type),
        ("response_mode", raw.response_mode),
        ("scope", raw.scope),
        ("state", raw.state),
        ("nonce", raw.nonce),
        ("code_challenge", raw.code_challenge),
        ("code_challenge_method", raw.code_challenge_method),
        (
            "deny_in",
            raw.deny_in.map(|d| match d {
                DenyIn::Query => "query",
                DenyIn::Fragment => "fragment",
            }),
        ),
    ];
    hidden.extend(
        optional
            .iter()
            .filter_map(|(name, value)| value.map(|v| (*name, v))),
    );
    consent_page(&Consent {
        app_name: &req.client.name,
        scopes: &req.scopes,
        hidden: &hidden,
        redirect_uri: raw.redirect_uri,
        user,
        switch_account: &format!("/account?{}", encode([("return", here.as_str())])),
    })
}

/// `POST /oauth/authorize`: the consent form's submission.
pub async fn decide(
    State(st): State<AppState>,
    headers: HeaderMap,
    form: Result<Form, FormRejection>,
) -> Response {
    let params = match &form {
        Ok(form) => Params::from(form),
        Err(rejection) => return error_page(&rejection.to_string()),
    };
    let req = match validate(&st, &params) {
        Ok(r) => r,
        Err(res) => return res,
    };
    let Some(user) = signed_in(&headers) else {
        return error_page(
            "You signed out before deciding: open the application's login link again.",
        );
    };
    match params.optional("decision") {
        Ok(Some("allow")) => allow(&st, &req, user),
        Ok(Some("deny")) => deny(&st, &req),
        Ok(_) => error_page("decision must be `allow` or `deny`."),
        Err(e) => page(e),
    }
}

/// Issues the token or code for `user` and redirects back.
fn allow(st: &AppState, req: &AuthRequest<'_>, user: &'static User) -> Response {
    let grant = Grant {
        client_id: req.client.id.clone(),
        scopes: req.scopes.clone(),
        user,
        auth_time: st.clock().unix_now(),
    };
    let result = match req.response_type {
        ResponseType::Code => issue_code(st, req, grant),
        ResponseType::Token | ResponseType::IdTokenToken => issue_implicit(st, req, &grant),
    };
    result.unwrap_or_else(|e| e.into_response())
}

/// The implicit grant's answer: the access token, and the id_token with `id_token token`.
fn issue_implicit(
    st: &AppState,
    req: &AuthRequest<'_>,
    grant: &Grant,
) -> Result<Response, server_kit::OAuthError> {
    let token = new_access_token(st, grant)?;
    let id_token = match req.response_type {
        ResponseType::IdTokenToken => Some(issue_id_token(
            st,
            &IdTokenFor {
                grant,
                client: &req.client,
                nonce: req.raw.nonce,
                access_token: &token,
            },
        )?),
        _ => None,
    };
    let ttl = st.config().token_ttl.as_secs();
    let expires_in = ttl.to_string();
    let scope = req.scopes.join(" ");
    let mut pairs = vec![
        ("access_token", token.as_str()),
        ("token_type", "bearer"),
        ("expires_in", expires_in.as_str()),
    ];
    if !scope.is_empty() {
        pairs.push(("scope", scope.as_str()));
    }
    pairs.extend(id_token.as_deref().map(|t| ("id_token", t)));
    pairs.extend(req.raw.state.map(|s| ("state", s)));
    let res = respond(st, req.raw.redirect_uri, req.response_mode, pairs);
    st.records().last_token = Some(LastToken {
        access_token: token.clone(),
        token_type: "bearer",
        expires_in: ttl,
        scope,
        state: req.raw.state.map(str::to_owned),
        client_id: req.client.id.clone(),
        flow: "token",
        id_token,
        refresh_token: None,
    });
    Ok(res)
}

/// The code grant's answer: a code bound to the request.
fn issue_code(
    st: &AppState,
    req: &AuthRequest<'_>,
    grant: Grant,
) -> Result<Response, server_kit::OAuthError> {
    let code = random_hex(16)
        .map_err(|_| server_kit::OAuthError::server_error("Could not generate a code."))?;
    let raw = &req.raw;
    let issued = IssuedCode {
        grant,
        redirect_uri: raw.redirect_uri.to_owned(),
        code_challenge: raw.code_challenge.map(str::to_owned),
        state: raw.state.map(str::to_owned),
        nonce: raw.nonce.map(str::to_owned),
    };
    st.store()
        .issue_code(code.clone(), issued, st.clock().now());
    let mut pairs = vec![("code", code.as_str())];
    pairs.extend(raw.state.map(|s| ("state", s)));
    Ok(respond(st, raw.redirect_uri, req.response_mode, pairs))
}

/// Redirects back with `access_denied`.
fn deny(st: &AppState, req: &AuthRequest<'_>) -> Response {
    let mut pairs = vec![
        ("error", "access_denied"),
        ("error_reason", "user_denied"),
        ("error_description", "The user denied your request"),
    ];
    let implicit = req.response_type != ResponseType::Code;
    if implicit && req.raw.deny_in == Some(DenyIn::Query) {
        // Instagram's documented denial: query string, no state.
        return respond(st, req.raw.redirect_uri, ResponseMode::Query, pairs);
    }
    pairs.extend(req.raw.state.map(|s| ("state", s)));
    respond(st, req.raw.redirect_uri, req.response_mode, pairs)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn response_types_in_any_order() {
        assert_eq!(ResponseType::parse("code"), Some(ResponseType::Code));
        assert_eq!(ResponseType::parse("token"), Some(ResponseType::Token));
        for both in ["id_token token", "token id_token"] {
            assert_eq!(ResponseType::parse(both), Some(ResponseType::IdTokenToken));
        }
        for other in [
            "id_token",
            "code id_token",
            "token token",
            "",
            " token",
            "CODE",
        ] {
            assert_eq!(ResponseType::parse(other), None, "{other:?}");
        }
    }

    #[test]
    fn query_appending() {
        assert_eq!(with_query("http://a/", "x=1"), "http://a/?x=1");
        assert_eq!(with_query("http://a/?t=m", "x=1"), "http://a/?t=m&x=1");
        assert_eq!(with_query("http://a/?", "x=1"), "http://a/?x=1");
        assert_eq!(with_query("http://a/?t=m&", "x=1"), "http://a/?t=m&x=1");
    }
}
