//! Who is signed in at the provider: the account page ("Use another account") and
//! `GET /logout`, OpenID Connect RP-Initiated Logout 1.0's `end_session_endpoint`.

use axum::extract::State;
use axum::http::{header, HeaderMap, Uri};
use axum::response::{IntoResponse, Response};
use server_kit::{Form, FormRejection};

use crate::authorize::{redirect, with_query};
use crate::pages::{account_page, error_page, error_page_titled, signed_out_page};
use crate::params::{encode, Params};
use crate::users::{find, set_cookie, signed_in, User};
use crate::AppState;

/// A `return` address the account page may send the browser back to: only this
/// provider's authorization endpoint, so the page is never an open redirector.
fn return_target(value: Option<&str>) -> Option<&str> {
    value.filter(|v| *v == "/oauth/authorize" || v.starts_with("/oauth/authorize?"))
}

/// `GET /account[?return=/oauth/authorize?...]`: the account page.
pub async fn chooser(uri: Uri, headers: HeaderMap) -> Response {
    let params = match Params::from_query(uri.query()) {
        Ok(p) => p,
        Err(e) => return error_page(&e.to_string()),
    };
    match params.optional("return") {
        Ok(value) => account_page(signed_in(&headers), return_target(value)),
        Err(e) => error_page(&e.to_string()),
    }
}

/// `POST /account` (`user`, optional `return`): signs the browser in as `user`, then goes
/// back to the authorization request, or to the account page.
pub async fn choose(form: Result<Form, FormRejection>) -> Response {
    let form = match form {
        Ok(form) => form,
        Err(rejection) => return error_page(&rejection.to_string()),
    };
    let Some(user) = form.get("user").and_then(find) else {
        return error_page("Choose one of the accounts on the page (the `user` field names none).");
    };
    let target = return_target(form.get("return")).unwrap_or("/account");
    signing(redirect(target.to_owned()), Some(user))
}

/// Adds the `Set-Cookie` that signs the browser in as `user`, or out.
fn signing(mut response: Response, user: Option<&User>) -> Response {
    response
        .headers_mut()
        .insert(header::SET_COOKIE, set_cookie(user));
    response
}

/// `GET /logout?[id_token_hint][&client_id][&post_logout_redirect_uri][&state]`: signs the
/// browser out, then sends it to `post_logout_redirect_uri` (with `state`) or shows that it
/// is signed out. The redirect URI must be one the client registered, exactly; the client
/// is `client_id`, or the audience of `id_token_hint` (an id_token this provider issued,
/// expired ones included).
pub async fn logout(State(st): State<AppState>, uri: Uri) -> Response {
    let params = match Params::from_query(uri.query()) {
        Ok(p) => p,
        Err(e) => return error_page(&e.to_string()),
    };
    match end_session(&st, &params) {
        Ok(response) => signing(response, None),
        Err(message) => error_page_titled("Logout error", &message),
    }
}

/// Where the browser goes after the logout, or why it cannot be sent there.
fn end_session(st: &AppState, params: &Params) -> Result<Response, String> {
    let field = |name| params.optional(name).map_err(|e| e.to_string());
    let (hint, client_id) = (field("id_token_hint")?, field("client_id")?);
    let (target, state) = (field("post_logout_redirect_uri")?, field("state")?);
    let hinted = match hint {
        None => None,
        Some(hint) => Some(
            st.store()
                .id_token_client(hint, st.clock().now())
                .map(str::to_owned)
                .ok_or(
                    "id_token_hint is not an id_token this provider issued in the last 24 hours.",
                )?,
        ),
    };
    let client_id = match (client_id, hinted.as_deref()) {
        (Some(given), Some(hinted)) if given != hinted => {
            return Err(format!(
                "client_id `{given}` is not the audience of id_token_hint (`{hinted}`)."
            ))
        }
        (Some(id), _) | (None, Some(id)) => Some(id),
        (None, None) => None,
    };
    let Some(target) = target else {
        return Ok(signed_out_page());
    };
    let client_id = client_id.ok_or(
        "post_logout_redirect_uri needs client_id or id_token_hint, to know whose redirect URIs to check.",
    )?;
    let clients = st.clients();
    let client = clients
        .get(client_id)
        .ok_or_else(|| format!("Unknown client_id `{client_id}`."))?;
    if !client.redirect_uris.iter().any(|r| r == target) {
        return Err(format!(
            "post_logout_redirect_uri `{target}` is not registered for {} (`{}`): {}. It must equal one of them exactly.",
            client.name,
            client.id,
            client.redirect_uris.join(", ")
        ));
    }
    let location = match state {
        Some(state) => with_query(target, &encode([("state", state)])),
        None => target.to_owned(),
    };
    Ok(redirect(location).into_response())
}
