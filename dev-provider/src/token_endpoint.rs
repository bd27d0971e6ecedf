//! The token endpoint, `POST /oauth/access_token` (Instagram's name) and its alias
//! `POST /oauth/token`: the authorization code grant (RFC 6749 4.1.3) with PKCE
//! (RFC 7636 4.5-4.6), the refresh token grant (section 6) with rotation, and the record
//! the test controls keep. Client authentication is [`crate::client_auth`]'s.
//!
//! Each code grant starts a token *family*, revoked together. With `offline_access` it gets
//! a refresh token, each use of which returns a new one in the family. An id_token comes
//! with every answer whose scopes include `openid`.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use server_kit::{Form, FormRejection, OAuthError};

use crate::api::{json_no_store, user_summary};
use crate::client_auth::{authenticate, describe};
use crate::clients::Client;
use crate::oidc::{issue_id_token, IdTokenFor};
use crate::tokens::{random_hex, Family, Grant, Redemption};
use crate::{scopes, AppState, LastToken, Records, TokenRequestRecord};

/// `POST /oauth/access_token` and `POST /oauth/token`.
pub async fn token(
    State(st): State<AppState>,
    headers: HeaderMap,
    form: Result<Form, FormRejection>,
) -> Response {
    let answer = match &form {
        Ok(form) => grant(&st, &headers, form),
        Err(rejection) => Err(rejection.clone().into()),
    };
    let response = match answer {
        Ok(body) => json_no_store(StatusCode::OK, body),
        Err(error) => instagram_shaped(error).into_response(),
    };
    if st.config().test_controls {
        let (auth, client_id, has_client_secret) = describe(&headers, form.as_ref().ok());
        let field = |name| {
            form.as_ref()
                .ok()
                .and_then(|f| f.get(name))
                .map(str::to_owned)
        };
        let record = TokenRequestRecord {
            client_id,
            grant_type: field("grant_type"),
            redirect_uri: field("redirect_uri"),
            has_code_verifier: form.as_ref().is_ok_and(|f| f.contains("code_verifier")),
            has_client_secret,
            auth,
            origin: headers
                .get(axum::http::header::ORIGIN)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            status: response.status().as_u16(),
        };
        Records::push(&mut st.records().token_requests, record);
    }
    response
}

/// Instagram's error shape around the RFC 6749 5.2 fields.
fn instagram_shaped(error: OAuthError) -> OAuthError {
    let (code, message) = (error.status.as_u16(), error.description.clone());
    error
        .with_field("error_type", "OAuthException")
        .with_field("code", code)
        .with_field("error_message", message)
}

/// Checks the grant's own fields, authenticates the client, and answers the grant.
fn grant(st: &AppState, headers: &HeaderMap, form: &Form) -> Result<Value, OAuthError> {
    let grant_type = form.required("grant_type")?;
    match grant_type {
        "authorization_code" => {
            let (code, redirect_uri) = (form.required("code")?, form.required("redirect_uri")?);
            let client = authenticate(st, headers, form)?;
            redeem_code(st, &client, code, redirect_uri, form.get("code_verifier"))
        }
        "refresh_token" => {
            let refresh_token = form.required("refresh_token")?;
            let client = authenticate(st, headers, form)?;
            refresh(st, &client, refresh_token, form.get("scope"))
        }
        _ => Err(OAuthError::bad_request(
            "unsupported_grant_type",
            "Invalid grant_type: only authorization_code and refresh_token are supported.",
        )),
    }
}

/// The authorization code grant: redeems the code, then issues the tokens.
fn redeem_code(
    st: &AppState,
    client: &Client,
    code: &str,
    redirect_uri: &str,
    code_verifier: Option<&str>,
) -> Result<Value, OAuthError> {
    let redemption = Redemption {
        client_id: &client.id,
        redirect_uri,
        code_verifier,
        require_pkce: client.is_public(),
    };
    let now = st.clock().now();
    let (issued, family) = st
        .store()
        .redeem_code(code, redemption, now)
        .map_err(|e| OAuthError::bad_request("invalid_grant", e.message()))?;
    let issue = Issue {
        client,
        grant: &issued.grant,
        family,
        nonce: issued.nonce.as_deref(),
        state: issued.state.clone(),
        flow: "code",
    };
    issue_tokens(st, &issue)
}

/// The refresh token grant: uses (and so rotates) the refresh token, then issues the
/// tokens. `scope` may narrow the login's scopes for this access token (RFC 6749 6).
fn refresh(
    st: &AppState,
    client: &Client,
    refresh_token: &str,
    scope: Option<&str>,
) -> Result<Value, OAuthError> {
    let asked = scope.map(scopes::parse);
    let now = st.clock().now();
    let (login, family) = {
        // One lock throughout, so that two requests cannot both use the token.
        let mut store = st.store();
        // Client, expiry and reuse first: a replayed token revokes its family whatever
        // the scope, and another client learns nothing about the login.
        let (login, family) = store
            .check_refresh(refresh_token, &client.id, now)
            .map_err(|e| OAuthError::bad_request("invalid_grant", e.message()))?;
        // Before the token is used: a refused scope must not burn it.
        if let Some(extra) = asked.iter().flatten().find(|s| !login.has_scope(s)) {
            return Err(OAuthError::bad_request(
                "invalid_scope",
                format!("Scope `{extra}` was not granted at login, so a refresh cannot add it."),
            ));
        }
        store.mark_refresh_used(refresh_token);
        (login, family)
    };
    let mut grant = login.clone();
    if let Some(asked) = asked {
        grant.scopes = asked;
    }
    // The successor keeps the login's scopes, whatever this access token narrowed.
    let successor = refresh_token_in(st, &login, family)?;
    let issue = Issue {
        client,
        grant: &grant,
        family,
        nonce: None,
        state: None,
        flow: "refresh",
    };
    let mut body = issue_tokens_in(st, &issue)?;
    body["refresh_token"] = successor.clone().into();
    if let Some(last) = st.records().last_token.as_mut() {
        last.refresh_token = Some(successor);
    }
    Ok(body)
}

/// What a token answer is issued for.
struct Issue<'a> {
    client: &'a Client,
    grant: &'a Grant,
    /// The login's family, which the tokens join.
    family: Family,
    nonce: Option<&'a str>,
    /// The authorization request's `state`, for `/test/last-token`.
    state: Option<String>,
    flow: &'static str,
}

/// A code grant's answer: the access token, a refresh token with `offline_access`, an
/// id_token with `openid`.
fn issue_tokens(st: &AppState, issue: &Issue<'_>) -> Result<Value, OAuthError> {
    let mut body = issue_tokens_in(st, issue)?;
    if issue.grant.has_scope("offline_access") {
        let refresh_token = refresh_token_in(st, issue.grant, issue.family)?;
        body["refresh_token"] = refresh_token.clone().into();
        if let Some(last) = st.records().last_token.as_mut() {
            last.refresh_token = Some(refresh_token);
        }
    }
    Ok(body)
}

/// The access token (of the family) and, with `openid`, the id_token; recorded for
/// `/test/last-token`.
fn issue_tokens_in(st: &AppState, issue: &Issue<'_>) -> Result<Value, OAuthError> {
    let grant = issue.grant;
    let access_token = new_access_token(st, grant, Some(issue.family))?;
    let id_token = if grant.has_scope("openid") {
        let request = IdTokenFor {
            grant,
            client: issue.client,
            nonce: issue.nonce,
            access_token: &access_token,
        };
        Some(issue_id_token(st, &request)?)
    } else {
        None
    };
    let ttl = st.config().token_ttl.as_secs();
    let scope = grant.scopes.join(" ");
    let mut body = json!({
        "access_token": access_token,
        "token_type": "bearer",
        "expires_in": ttl,
        "user": user_summary(st, grant.user),
    });
    if !scope.is_empty() {
        body["scope"] = scope.clone().into();
    }
    if let Some(id_token) = &id_token {
        body["id_token"] = id_token.clone().into();
    }
    st.records().last_token = Some(LastToken {
        access_token,
        token_type: "bearer",
        expires_in: ttl,
        scope,
        state: issue.state.clone(),
        client_id: grant.client_id.clone(),
        flow: issue.flow,
        id_token,
        refresh_token: None,
    });
    Ok(body)
}

/// A new access token for `grant`, Instagram-style (`<user id>.<opaque>`), stored with
/// its family so that revoking the family revokes it too.
pub(crate) fn new_access_token(
    st: &AppState,
    grant: &Grant,
    family: Option<Family>,
) -> Result<String, OAuthError> {
    let random =
        random_hex(16).map_err(|_| OAuthError::server_error("Could not generate a token."))?;
    let token = format!("{}.{random}", grant.user.id);
    let (ttl, now) = (st.config().token_ttl, st.clock().now());
    st.store()
        .issue_token_in(token.clone(), grant.clone(), ttl, now, family);
    Ok(token)
}

/// A new refresh token of `family`, for the login `grant`.
fn refresh_token_in(st: &AppState, grant: &Grant, family: Family) -> Result<String, OAuthError> {
    let random =
        random_hex(32).map_err(|_| OAuthError::server_error("Could not generate a token."))?;
    let token = format!("rt.{random}");
    let (ttl, now) = (st.config().refresh_ttl, st.clock().now());
    st.store()
        .issue_refresh(token.clone(), grant.clone(), family, ttl, now);
    Ok(token)
}
