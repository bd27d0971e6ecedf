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
use crate::tokens::{random_hex, Family, Grant, Redemption, TokenStore};
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

/// The authorization code grant: redeems the code and stores the tokens, then answers.
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
    // One lock for the redemption and the tokens (see `store_tokens`).
    let mut store = st.store();
    let (issued, family) = store
        .redeem_code(code, redemption, now)
        .map_err(|e| OAuthError::bad_request("invalid_grant", e.message()))?;
    let grant = &issued.grant;
    let login = grant.has_scope("offline_access").then_some(grant);
    let tokens = store_tokens(st, &mut store, grant, login, family)?;
    drop(store);
    let issue = Issue {
        client,
        grant,
        nonce: issued.nonce.as_deref(),
        state: issued.state.clone(),
        flow: "code",
    };
    answer(st, &issue, tokens)
}

/// The refresh token grant: uses (and so rotates) the refresh token and stores the new
/// tokens, then answers. `scope` may narrow the login's scopes for this access token
/// (RFC 6749 6).
fn refresh(
    st: &AppState,
    client: &Client,
    refresh_token: &str,
    scope: Option<&str>,
) -> Result<Value, OAuthError> {
    let asked = scope.map(scopes::parse);
    let now = st.clock().now();
    // One lock throughout, so that two requests cannot both use the token, and a replay
    // finds the new tokens in the family (see `store_tokens`).
    let mut store = st.store();
    // Client, expiry and reuse first: a replayed token revokes its family whatever the
    // scope, and another client learns nothing about the login.
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
    let mut grant = login.clone();
    if let Some(asked) = asked {
        grant.scopes = asked;
    }
    // The successor keeps the login's scopes, whatever this access token narrowed.
    let tokens = store_tokens(st, &mut store, &grant, Some(&login), family)?;
    drop(store);
    let issue = Issue {
        client,
        grant: &grant,
        nonce: None,
        state: None,
        flow: "refresh",
    };
    answer(st, &issue, tokens)
}

/// An answer's access token and, if any, refresh token.
type Tokens = (String, Option<String>);

/// Stores a new access token for `grant` and, for `login`, a new refresh token, both of
/// `family`. The caller holds the lock it found the family under, so a replay of its code
/// or refresh token cannot come in between: it finds them in the family and revokes them.
fn store_tokens(
    st: &AppState,
    store: &mut TokenStore,
    grant: &Grant,
    login: Option<&Grant>,
    family: Family,
) -> Result<Tokens, OAuthError> {
    let (config, now) = (st.config(), st.clock().now());
    let access_token = access_token_for(grant)?;
    store.issue_token_in(
        access_token.clone(),
        grant.clone(),
        config.token_ttl,
        now,
        Some(family),
    );
    let refresh_token = match login {
        Some(login) => {
            let token = format!("rt.{}", random(32)?);
            store.issue_refresh(
                token.clone(),
                login.clone(),
                family,
                config.refresh_ttl,
                now,
            );
            Some(token)
        }
        None => None,
    };
    Ok((access_token, refresh_token))
}

/// What a token answer is issued for.
struct Issue<'a> {
    client: &'a Client,
    grant: &'a Grant,
    nonce: Option<&'a str>,
    /// The authorization request's `state`, for `/test/last-token`.
    state: Option<String>,
    flow: &'static str,
}

/// The answer: the stored tokens and, with `openid`, an id_token; recorded for
/// `/test/last-token`.
fn answer(st: &AppState, issue: &Issue<'_>, tokens: Tokens) -> Result<Value, OAuthError> {
    let grant = issue.grant;
    let (access_token, refresh_token) = tokens;
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
    if let Some(refresh_token) = &refresh_token {
        body["refresh_token"] = refresh_token.clone().into();
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
        refresh_token,
    });
    Ok(body)
}

/// A new access token for `grant`, outside any family (the implicit grant's).
pub(crate) fn new_access_token(st: &AppState, grant: &Grant) -> Result<String, OAuthError> {
    let token = access_token_for(grant)?;
    let (ttl, now) = (st.config().token_ttl, st.clock().now());
    st.store()
        .issue_token(token.clone(), grant.clone(), ttl, now);
    Ok(token)
}

/// An access token value, Instagram-style: `<user id>.<opaque>`.
fn access_token_for(grant: &Grant) -> Result<String, OAuthError> {
    Ok(format!("{}.{}", grant.user.id, random(16)?))
}

fn random(bytes: usize) -> Result<String, OAuthError> {
    random_hex(bytes).map_err(|_| OAuthError::server_error("Could not generate a token."))
}
