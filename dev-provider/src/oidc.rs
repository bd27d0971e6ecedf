//! OpenID Connect: id_tokens (and, on a test's request, broken ones), the key set at
//! `GET /jwks`, and `GET /userinfo`.
//!
//! An id_token is issued only when `openid` was granted: in the implicit grant's
//! `id_token token` answer, and by the token endpoint for a code or a refresh token.

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use server_kit::OAuthError;
use sha2::{Digest, Sha256};

use crate::api::{authenticate, AuthFailure};
use crate::clients::Client;
use crate::keys::signing_input;
use crate::tokens::Grant;
use crate::users::{picture_url, User};
use crate::AppState;

/// How long an id_token is valid. Independent of `--token-ttl`, which may be 0 in tests of
/// expired access tokens while the login itself must still verify.
pub const ID_TOKEN_TTL: u64 = 3600;

/// What `POST /test/oidc` breaks, until it is changed or `POST /test/reset`.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tampering {
    /// How the next id_tokens are broken.
    #[serde(default)]
    pub tamper: Option<Tamper>,
    /// The `sub` that `/userinfo` answers instead of the user's.
    #[serde(default)]
    pub userinfo_sub: Option<String>,
    /// The `issuer` the discovery document claims instead of the real one.
    #[serde(default)]
    pub discovery_issuer: Option<String>,
}

/// One way to break an id_token, each a check a relying party must make.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Tamper {
    /// A signature that does not verify (its last byte changed).
    Signature,
    /// `alg: none` and no signature.
    AlgNone,
    /// `alg: HS256`, an HMAC keyed with the client id (anyone could make it).
    Hs256,
    /// `aud` names another client.
    AudOther,
    /// The id_token issued before this one, replayed (its nonce and `at_hash` are stale).
    ReplayPrevious,
    /// A `nonce` other than the request's.
    NonceOther,
    /// Expired an hour ago.
    ExpPast,
    /// `iss` of another provider.
    IssOther,
    /// An `at_hash` of another access token.
    AtHashWrong,
}

/// What an id_token is issued for.
pub struct IdTokenFor<'a> {
    /// The login.
    pub grant: &'a Grant,
    /// The client, whose `id_token_alg` signs it.
    pub client: &'a Client,
    /// The authorization request's `nonce` (none on refresh).
    pub nonce: Option<&'a str>,
    /// The access token issued with it, for `at_hash`.
    pub access_token: &'a str,
}

/// Signs an id_token (or breaks it, as `POST /test/oidc` asked), and remembers it for
/// `id_token_hint` and `/test/last-token`.
pub fn issue_id_token(st: &AppState, req: &IdTokenFor<'_>) -> Result<String, OAuthError> {
    let tamper = st.records().oidc.tamper;
    let claims = claims(st, req, tamper);
    let alg = req.client.id_token_alg;
    let failed = |e: crate::keys::KeyError| {
        OAuthError::server_error(format!("Could not sign the id_token: {e}"))
    };
    let mut id_token = match tamper {
        Some(Tamper::AlgNone) => {
            let header = json!({"alg": "none", "typ": "JWT"});
            format!("{}.", signing_input(&header, &claims))
        }
        Some(Tamper::Hs256) => {
            let header = json!({"alg": "HS256", "typ": "JWT", "kid": st.keys().kid(alg)});
            let input = signing_input(&header, &claims);
            let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, req.client.id.as_bytes());
            let tag = ring::hmac::sign(&key, input.as_bytes());
            format!("{input}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()))
        }
        _ => st.keys().sign(alg, &claims).map_err(failed)?,
    };
    if tamper == Some(Tamper::Signature) {
        id_token = with_broken_signature(&id_token);
    }
    let mut records = st.records();
    if tamper == Some(Tamper::ReplayPrevious) {
        if let Some(previous) = records.last_id_token.clone() {
            id_token = previous;
        }
    }
    records.last_id_token = Some(id_token.clone());
    drop(records);
    let now = st.clock().now();
    st.store()
        .remember_id_token(id_token.clone(), req.client.id.clone(), now);
    Ok(id_token)
}

/// The claims (OpenID Connect Core 2, 3.1.3.6 and 3.2.2.10), broken as `tamper` says.
fn claims(st: &AppState, req: &IdTokenFor<'_>, tamper: Option<Tamper>) -> Value {
    let now = st.clock().unix_now();
    let grant = req.grant;
    let issuer = match tamper {
        Some(Tamper::IssOther) => "https://elsewhere.example",
        _ => st.config().issuer(),
    };
    let audience = match tamper {
        Some(Tamper::AudOther) => "someone-else",
        _ => grant.client_id.as_str(),
    };
    let (iat, exp) = match tamper {
        Some(Tamper::ExpPast) => (
            now.saturating_sub(2 * ID_TOKEN_TTL),
            now.saturating_sub(ID_TOKEN_TTL),
        ),
        _ => (now, now + ID_TOKEN_TTL),
    };
    let mut claims = json!({
        "iss": issuer, "sub": grant.user.id, "aud": audience, "exp": exp, "iat": iat,
        "auth_time": grant.auth_time, "azp": grant.client_id,
    });
    let nonce = match tamper {
        Some(Tamper::NonceOther) => Some("not-the-nonce-you-sent"),
        _ => req.nonce,
    };
    if let Some(nonce) = nonce {
        claims["nonce"] = nonce.into();
    }
    let hashed = match tamper {
        Some(Tamper::AtHashWrong) => "some other access token",
        _ => req.access_token,
    };
    claims["at_hash"] = at_hash(hashed).into();
    if let Value::Object(map) = &mut claims {
        map.extend(user_claims(st, grant.user, grant));
    }
    claims
}

/// `at_hash`: the left half of the SHA-256 of the access token, base64url (Core 3.1.3.6).
pub fn at_hash(access_token: &str) -> String {
    let digest = Sha256::digest(access_token.as_bytes());
    URL_SAFE_NO_PAD.encode(&digest[..16])
}

/// The claims of the `profile` and `email` scopes that `grant` has (Core 5.4).
fn user_claims(st: &AppState, user: &User, grant: &Grant) -> Map<String, Value> {
    let mut claims = Map::new();
    if grant.has_scope("profile") {
        claims.insert("name".into(), user.full_name.into());
        claims.insert("preferred_username".into(), user.username.into());
        let picture = picture_url(&st.config().public_origin, user);
        claims.insert("picture".into(), picture.into());
    }
    if grant.has_scope("email") {
        claims.insert("email".into(), user.email.into());
        claims.insert("email_verified".into(), true.into());
    }
    claims
}

/// The same JWS with its signature's last byte changed: still well-formed, never valid.
fn with_broken_signature(jws: &str) -> String {
    let Some((input, signature)) = jws.rsplit_once('.') else {
        return jws.to_owned();
    };
    let mut bytes = URL_SAFE_NO_PAD.decode(signature).unwrap_or_default();
    match bytes.last_mut() {
        Some(last) => *last ^= 0x01,
        None => bytes.push(0),
    }
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// `GET /jwks`: the public keys that verify id_tokens (RFC 7517). Not cached, so that a
/// client sees a rotation at once.
pub async fn jwks(State(st): State<AppState>) -> Response {
    let keys = st.keys().jwks();
    ([(header::CACHE_CONTROL, "no-cache")], Json(keys)).into_response()
}

/// `GET /userinfo` (Core 5.3): who the access token's user is, as far as its scopes say.
/// The token comes as `Authorization: Bearer` (or `?access_token=`) and must have `openid`.
pub async fn userinfo(State(st): State<AppState>, uri: Uri, headers: HeaderMap) -> Response {
    let grant = match authenticate(&st, &uri, &headers) {
        Ok(grant) => grant,
        Err(AuthFailure::BadRequest(why)) => {
            return OAuthError::invalid_request(why).into_response()
        }
        Err(AuthFailure::InvalidToken) => {
            return OAuthError::new(
                StatusCode::UNAUTHORIZED,
                "invalid_token",
                "The access token is missing, unknown, expired or revoked.",
            )
            .with_challenge("Bearer realm=\"dev-provider\", error=\"invalid_token\"")
            .into_response()
        }
    };
    if !grant.has_scope("openid") {
        return OAuthError::new(
            StatusCode::FORBIDDEN,
            "insufficient_scope",
            "The access token was not granted the openid scope.",
        )
        .with_challenge(
            "Bearer realm=\"dev-provider\", error=\"insufficient_scope\", scope=\"openid\"",
        )
        .into_response();
    }
    let sub = st.records().oidc.userinfo_sub.clone();
    let mut body = Map::new();
    body.insert("sub".into(), sub.as_deref().unwrap_or(grant.user.id).into());
    body.extend(user_claims(&st, grant.user, &grant));
    (
        [(header::CACHE_CONTROL, "no-store")],
        Json(Value::Object(body)),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_hash_follows_the_spec_example() {
        // OpenID Connect Core, Appendix A.3 and A.4's access token and at_hash.
        assert_eq!(
            at_hash("jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"),
            "77QmUPtjPfzWtF2AnpK9RQ"
        );
    }

    #[test]
    fn a_broken_signature_stays_well_formed() {
        let broken = with_broken_signature("aGVhZA.Ym9keQ.c2ln");
        assert!(broken.starts_with("aGVhZA.Ym9keQ."));
        assert_ne!(broken, "aGVhZA.Ym9keQ.c2ln");
        assert!(URL_SAFE_NO_PAD
            .decode(broken.rsplit('.').next().unwrap())
            .is_ok());
    }

    #[test]
    fn tamper_names_are_the_documented_ones() {
        let parsed: Tampering = serde_json::from_value(json!({
            "tamper": "at-hash-wrong", "userinfo_sub": "someone-else", "discovery_issuer": null
        }))
        .unwrap();
        assert_eq!(parsed.tamper, Some(Tamper::AtHashWrong));
        for name in [
            "signature",
            "alg-none",
            "hs256",
            "aud-other",
            "replay-previous",
            "nonce-other",
            "exp-past",
            "iss-other",
            "at-hash-wrong",
        ] {
            let t: Tamper = serde_json::from_value(json!(name)).unwrap();
            assert_eq!(serde_json::to_value(t).unwrap(), json!(name));
        }
        assert!(serde_json::from_value::<Tampering>(json!({"tamper": "nope"})).is_err());
        assert!(serde_json::from_value::<Tampering>(json!({"other": 1})).is_err());
    }
}
