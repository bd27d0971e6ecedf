//! What comes back: the authorization response (from raw `#...` / `?...` text, RFC 6749 4.1.2,
//! 4.2.2 and their error forms), the token endpoint's JSON (RFC 6749 5.1 and 5.2), and the
//! [`Token`] the widget keeps, with how a callback page recognises and strips a response.

use std::fmt;

use serde::Deserialize;

use super::ascii;
use super::error::{join, text, ErrorCode, OAuthError};
use super::json::{decimal, parse_decimal, read_object, Value, Writer};
use super::params::Params;
use super::provider::Preset;
use super::request::{Scopes, State};

/// The longest `expires_in` accepted, in digits: 10 digits is over 300 years, and keeps
/// millisecond times below 2^53, exact as JS numbers.
const MAX_EXPIRES_IN_DIGITS: usize = 10;
/// The largest `expires_in` accepted from JSON, for the same reason.
const MAX_EXPIRES_IN: u64 = 9_999_999_999;

/// The largest token endpoint answer read: a token response with an ID token is a few KiB.
const MAX_TOKEN_BODY_BYTES: usize = 64 * 1024;

/// Query parameters that make up a provider's response in a query string (a code, or Instagram's
/// denial); removed from the address bar, while the page's own parameters stay.
const QUERY_RESPONSE_NAMES: &[&str] = &[
    "code",
    "state",
    "iss",
    "session_state",
    "error",
    "error_reason",
    "error_description",
    "error_uri",
];

/// An access token: a secret that never prints.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken(String);

impl AccessToken {
    /// Wraps a token string.
    pub fn new(token: String) -> Self {
        Self(token)
    }

    /// The secret itself, for the `Authorization` header and the login detail.
    pub fn secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessToken([redacted])")
    }
}

/// A granted token, as kept by a widget.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    /// The token.
    pub access_token: AccessToken,
    /// `bearer`, lower case.
    pub token_type: String,
    /// Lifetime in seconds as the provider gave it, if it did.
    pub expires_in: Option<u64>,
    /// When it expires, in ms since the epoch, if known.
    pub expires_at: Option<u64>,
    /// Granted scopes (the requested ones when the provider named none).
    pub scope: Vec<String>,
}

impl Token {
    fn new(
        access_token: &str,
        token_type: String,
        expires_in: Option<u64>,
        scope: Option<&str>,
        requested: &Scopes,
        now_ms: u64,
    ) -> Self {
        let granted = scope
            .map(Scopes::parse)
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| requested.clone());
        Self {
            access_token: AccessToken::new(access_token.to_owned()),
            token_type,
            expires_in,
            expires_at: expires_in.map(|secs| now_ms.saturating_add(secs.saturating_mul(1000))),
            scope: granted.as_slice().to_vec(),
        }
    }

    /// Whether the token has passed its expiry at `now_ms`.
    pub fn is_expired(&self, now_ms: u64) -> bool {
        self.expires_at.is_some_and(|at| now_ms >= at)
    }

    /// Serializes for `sessionStorage` / `localStorage`.
    pub fn to_record(&self) -> String {
        let mut p = Params::default();
        p.set("access_token", self.access_token.secret());
        p.set("token_type", &self.token_type);
        if let Some(secs) = self.expires_in {
            p.set("expires_in", &decimal(secs));
        }
        if let Some(at) = self.expires_at {
            p.set("expires_at", &decimal(at));
        }
        p.set("scope", &join(&self.scope, " "));
        p.encode()
    }

    /// Reads a stored record back; `None` for anything damaged (it is then discarded).
    pub fn from_record(record: &str) -> Option<Self> {
        let p = Params::parse(record).ok()?;
        let number = |name| match p.get(name) {
            None => Some(None),
            Some(v) => parse_decimal(v, 16).map(Some),
        };
        Some(Self {
            access_token: AccessToken::new(
                p.get("access_token").filter(|t| !t.is_empty())?.to_owned(),
            ),
            token_type: p.get("token_type")?.to_owned(),
            expires_in: number("expires_in")?,
            expires_at: number("expires_at")?,
            scope: Scopes::parse(p.get("scope").unwrap_or(""))
                .as_slice()
                .to_vec(),
        })
    }

    /// The `oauth-login` detail: `{ provider, accessToken, tokenType, expiresIn, expiresAt,
    /// scope, restored, user }`; `user` is raw JSON text of the token response's `user` object.
    pub fn write_detail(
        &self,
        out: &mut Writer,
        provider: &str,
        restored: bool,
        user: Option<&str>,
    ) {
        out.open_object();
        out.key("provider").string(provider);
        out.key("accessToken").string(self.access_token.secret());
        out.key("tokenType").string(&self.token_type);
        out.key("expiresIn").opt_number(self.expires_in);
        out.key("expiresAt").opt_number(self.expires_at);
        out.key("scope").open_array();
        for scope in &self.scope {
            out.string(scope);
        }
        out.close_array();
        out.key("restored").boolean(restored);
        out.key("user").raw(user.unwrap_or("null"));
        out.close_object();
    }
}

/// An authorization response found in a page's address, and the address without it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Captured {
    /// The response's parameters, as raw form-urlencoded text.
    pub raw: String,
    /// The `?query` to keep (with its `?`, or empty).
    pub search: String,
    /// The `#fragment` to keep (with its `#`, or empty).
    pub hash: String,
}

/// Finds an authorization response in `location.search` and `location.hash` (each with its
/// leading `?` / `#`, or empty), and says what the address should become without it.
///
/// A fragment is a response when it names `access_token`, `code`, `error` or `state`; a query is
/// one when it names `code` or `error` (a code response, or Instagram's denial, which the implicit
/// flow also sends in the query).
pub fn capture(search: &str, hash: &str) -> Option<Captured> {
    let fragment = hash.strip_prefix('#').unwrap_or(hash);
    if raw_names(fragment).any(|n| matches!(n, "access_token" | "code" | "error" | "state")) {
        return Some(Captured {
            raw: fragment.to_owned(),
            search: search.to_owned(),
            hash: String::new(),
        });
    }
    let query = search.strip_prefix('?').unwrap_or(search);
    if !raw_names(query).any(|n| matches!(n, "code" | "error")) {
        return None;
    }
    let is_response = |piece: &&str| QUERY_RESPONSE_NAMES.contains(&raw_name(piece));
    let pieces = || ascii::split(query, b"&").filter(|p| !p.is_empty());
    let raw: Vec<&str> = pieces().filter(is_response).collect();
    let kept: Vec<&str> = pieces().filter(|p| !is_response(p)).collect();
    let search = if kept.is_empty() {
        String::new()
    } else {
        text(&["?", &join(&kept, "&")])
    };
    Some(Captured {
        raw: join(&raw, "&"),
        search,
        hash: hash.to_owned(),
    })
}

fn raw_name(piece: &str) -> &str {
    ascii::split_once(piece, b'=').map_or(piece, |(name, _)| name)
}

fn raw_names(list: &str) -> impl Iterator<Item = &str> {
    ascii::split(list, b"&").map(raw_name)
}

/// Parses raw response text, mapping any failure to `invalid_response`.
pub fn parse(raw: &str) -> Result<Params, OAuthError> {
    Params::parse(raw)
        .map_err(|e| OAuthError::response(text(&["malformed response: ", &e.describe()])))
}

/// The `state` a raw response carries, if it can be read at all.
pub fn state_of(raw: &str) -> Option<String> {
    parse(raw).ok()?.get("state").map(str::to_owned)
}

/// Checks a response's `state` against the login it is for.
///
/// A success needs the exact state. An error response may have none at all (Instagram's
/// documented denial has none) and is then reported to that login; a wrong state is never
/// accepted, so a forged error cannot fail someone's login either.
pub fn check_state(params: &Params, expected: &State) -> Result<(), OAuthError> {
    match params.get("state") {
        None if params.contains("error") => Ok(()),
        None => Err(OAuthError::state_mismatch("the response carries no state")),
        Some(given) if expected.matches(given) => Ok(()),
        Some(_) => Err(OAuthError::state_mismatch(
            "the response's state matches no login that this browser started",
        )),
    }
}

/// RFC 9207: with `issuer` set, the response must carry an equal `iss` (a mix-up defense).
pub fn check_issuer(params: &Params, issuer: Option<&str>) -> Result<(), OAuthError> {
    match (issuer, params.get("iss")) {
        (None, _) => Ok(()),
        (Some(expected), Some(iss)) if iss == expected => Ok(()),
        (Some(expected), Some(iss)) => Err(OAuthError::response(text(&[
            "the response's iss `",
            iss,
            "` is not the issuer `",
            expected,
            "`",
        ]))),
        (Some(expected), None) => Err(OAuthError::response(text(&[
            "the response has no iss; issuer `",
            expected,
            "` requires one",
        ]))),
    }
}

/// The provider's error in an authorization response, if it is one.
pub fn provider_error(params: &Params) -> Option<OAuthError> {
    let code = params.get("error")?;
    let code = if code.is_empty() {
        "server_error"
    } else {
        code
    };
    let owned = |name| params.get(name).map(str::to_owned);
    Some(OAuthError {
        code: ErrorCode::Provider(code.to_owned()),
        description: owned("error_description")
            .unwrap_or_else(|| text(&["the provider refused the login (", code, ")"])),
        reason: owned("error_reason"),
        uri: owned("error_uri"),
    })
}

/// RFC 6749 4.2.2 for a success of the implicit grant whose state has been checked.
pub fn implicit_token(
    params: &Params,
    preset: &Preset,
    requested: &Scopes,
    now_ms: u64,
) -> Result<Token, OAuthError> {
    let access_token = match params.get("access_token") {
        Some(token) if !token.is_empty() => token,
        _ => return Err(OAuthError::response("the response has no access_token")),
    };
    let token_type = bearer(params.get("token_type"), preset)?;
    let expires_in =
        match params.get("expires_in") {
            None => None,
            Some(v) => Some(parse_decimal(v, MAX_EXPIRES_IN_DIGITS).ok_or_else(|| {
                OAuthError::response("expires_in is not a plain number of seconds")
            })?),
        };
    Ok(Token::new(
        access_token,
        token_type,
        expires_in,
        params.get("scope"),
        requested,
        now_ms,
    ))
}

/// RFC 6749 4.1.2: the code of a code-flow success whose state has been checked.
pub fn authorization_code(params: &Params) -> Result<String, OAuthError> {
    match params.get("code") {
        Some(code) if !code.is_empty() => Ok(code.to_owned()),
        _ => Err(OAuthError::response("the response has no code")),
    }
}

/// `token_type` must be `bearer` (RFC 6749 7.1: do not use a token whose type you do not
/// understand); a preset whose answers omit it means `bearer`.
fn bearer(token_type: Option<&str>, preset: &Preset) -> Result<String, OAuthError> {
    match token_type.map(str::to_ascii_lowercase) {
        Some(t) if t == "bearer" => Ok(t),
        Some(t) => Err(OAuthError::response(text(&[
            "token_type `",
            &t,
            "` is not supported (only bearer)",
        ]))),
        None if preset.token_type_optional => Ok("bearer".to_owned()),
        None => Err(OAuthError::response("the response has no token_type")),
    }
}

/// The token endpoint's JSON answer, as far as the widget reads it. Other members
/// (`refresh_token`, `id_token`, ...) are neither kept nor exposed.
#[derive(Debug, Default, Clone, PartialEq, Eq, Deserialize)]
pub struct TokenResponse {
    /// RFC 6749 5.1.
    pub access_token: Option<String>,
    /// RFC 6749 5.1.
    pub token_type: Option<String>,
    /// RFC 6749 5.1: a non-negative integer.
    pub expires_in: Option<u64>,
    /// RFC 6749 5.1: the granted scopes.
    pub scope: Option<String>,
    /// RFC 6749 5.2.
    pub error: Option<String>,
    /// RFC 6749 5.2.
    pub error_description: Option<String>,
    /// RFC 6749 5.2.
    pub error_uri: Option<String>,
    /// The `user` object some providers add (Instagram), as JSON text; filled in by the reader of
    /// the body, since its shape is the provider's.
    #[serde(skip)]
    pub user: Option<String>,
}

impl TokenResponse {
    /// Reads the token endpoint's body as the typed value, with the same rules as
    /// `serde_json::from_str::<TokenResponse>`: one JSON object, each known member of its type
    /// (or `null`), no member twice; other members ignored. `user`, when an object, is kept as
    /// JSON text. `None` when the body is not such JSON.
    ///
    /// In the browser this replaces `serde-wasm-bindgen` on the parsed body: its type errors
    /// pull float formatting into the module, about 17 KB gzipped for one small object (measured).
    pub fn from_json(body: &str) -> Option<Self> {
        if body.len() > MAX_TOKEN_BODY_BYTES {
            return None;
        }
        let mut response = Self::default();
        let mut seen: Vec<&str> = Vec::new();
        for (name, value) in read_object(body)? {
            let text_slot = match name.as_str() {
                "access_token" => Some(&mut response.access_token),
                "token_type" => Some(&mut response.token_type),
                "scope" => Some(&mut response.scope),
                "error" => Some(&mut response.error),
                "error_description" => Some(&mut response.error_description),
                "error_uri" => Some(&mut response.error_uri),
                _ => None,
            };
            let known = [
                "access_token",
                "token_type",
                "scope",
                "error",
                "error_description",
                "error_uri",
                "expires_in",
            ];
            if let Some(known) = known.iter().find(|k| **k == name) {
                if seen.contains(known) {
                    return None;
                }
                seen.push(known);
            }
            match (text_slot, value) {
                (Some(slot), Value::Str(text)) => *slot = Some(text),
                (Some(_), Value::Null) => {}
                (Some(_), _) => return None,
                (None, value) if name == "expires_in" => match value {
                    Value::Int(secs) => response.expires_in = Some(secs),
                    Value::Null => {}
                    _ => return None,
                },
                (None, Value::Object(raw)) if name == "user" => {
                    response.user = Some(raw.to_owned())
                }
                (None, _) => {}
            }
        }
        Some(response)
    }
}

/// RFC 6749 5.1 and 5.2: turns the token endpoint's answer into a token (with the `user` JSON,
/// if any) or an error. `body` is `None` when the answer was not a JSON object of that shape.
pub fn token_from_endpoint(
    status: u32,
    body: Option<TokenResponse>,
    preset: &Preset,
    requested: &Scopes,
    now_ms: u64,
) -> Result<(Token, Option<String>), OAuthError> {
    let status_text = decimal(status.into());
    let Some(body) = body else {
        return Err(OAuthError::response(text(&[
            "the token endpoint answered ",
            &status_text,
            " without OAuth JSON",
        ])));
    };
    if let Some(code) = body.error.filter(|c| !c.is_empty()) {
        return Err(OAuthError {
            description: body
                .error_description
                .unwrap_or_else(|| text(&["the token endpoint refused the code (", &code, ")"])),
            code: ErrorCode::Provider(code),
            reason: None,
            uri: body.error_uri,
        });
    }
    let access_token = match body.access_token {
        Some(token) if !token.is_empty() && (200..300).contains(&status) => token,
        Some(_) if !(200..300).contains(&status) => {
            return Err(OAuthError::response(text(&[
                "the token endpoint answered ",
                &status_text,
                " with a token",
            ])))
        }
        _ => {
            return Err(OAuthError::response(
                "the token endpoint's answer has neither access_token nor error",
            ))
        }
    };
    let token_type = bearer(body.token_type.as_deref(), preset)?;
    if body.expires_in.is_some_and(|secs| secs > MAX_EXPIRES_IN) {
        return Err(OAuthError::response("expires_in is out of range"));
    }
    let token = Token::new(
        &access_token,
        token_type,
        body.expires_in,
        body.scope.as_deref(),
        requested,
        now_ms,
    );
    Ok((token, body.user))
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::core::provider::{find, CUSTOM};

    const NOW: u64 = 1_700_000_000_000;

    fn state() -> State {
        State::from_random(&[9; 32])
    }

    fn resolve(raw: &str, preset: &Preset) -> Result<Token, OAuthError> {
        let params = parse(raw)?;
        check_state(&params, &state())?;
        if let Some(error) = provider_error(&params) {
            return Err(error);
        }
        implicit_token(&params, preset, &Scopes::parse("basic likes"), NOW)
    }

    fn st() -> String {
        state().as_str().to_owned()
    }

    #[test]
    fn a_full_success_gives_every_field() {
        let raw = format!(
            "access_token=tok%2Fen&token_type=Bearer&expires_in=3600&scope=a+b&state={}",
            st()
        );
        let token = resolve(&raw, &CUSTOM).unwrap();
        assert_eq!(token.access_token.secret(), "tok/en");
        assert_eq!(token.token_type, "bearer");
        assert_eq!(
            (token.expires_in, token.expires_at),
            (Some(3600), Some(NOW + 3_600_000))
        );
        assert_eq!(token.scope, ["a", "b"]);
        assert_eq!(
            format!("{:?}", token.access_token),
            "AccessToken([redacted])"
        );
        let mut out = Writer::default();
        token.write_detail(&mut out, "custom", false, None);
        assert_eq!(
            out.finish(),
            format!(
                r#"{{"provider":"custom","accessToken":"tok/en","tokenType":"bearer","expiresIn":3600,"expiresAt":{},"scope":["a","b"],"restored":false,"user":null}}"#,
                NOW + 3_600_000
            )
        );
    }

    #[test]
    fn missing_scope_and_expiry_fall_back() {
        let token = resolve(
            &format!("access_token=t&token_type=bearer&state={}", st()),
            &CUSTOM,
        )
        .unwrap();
        assert_eq!((token.expires_in, token.expires_at), (None, None));
        assert_eq!(token.scope, ["basic", "likes"]);
    }

    #[test]
    fn instagram_and_facebook_omit_token_type_others_may_not() {
        let raw = format!(
            "access_token=t&data_access_expiration_time=1&expires_in=60&state={}",
            st()
        );
        for id in ["instagram", "facebook"] {
            assert_eq!(
                resolve(&raw, find(id).unwrap()).unwrap().token_type,
                "bearer",
                "{id}"
            );
        }
        assert_eq!(
            resolve(&raw, &CUSTOM).unwrap_err().description,
            "the response has no token_type"
        );
        assert_eq!(
            resolve(&raw, find("google").unwrap()).unwrap_err().code,
            ErrorCode::InvalidResponse
        );
    }

    #[test]
    fn provider_errors_pass_through_with_details() {
        let raw = format!(
            "error=access_denied&error_reason=user_denied&error_description=The+user+denied+your+request&error_uri=https%3A%2F%2Fe.example&state={}",
            st()
        );
        let err = resolve(&raw, &CUSTOM).unwrap_err();
        assert_eq!(err.code, ErrorCode::Provider("access_denied".into()));
        assert_eq!(err.description, "The user denied your request");
        assert_eq!(err.reason.as_deref(), Some("user_denied"));
        assert_eq!(err.uri.as_deref(), Some("https://e.example"));
        // Instagram's denial carries no state and is still reported.
        let err = resolve("error=access_denied&error_reason=user_denied", &CUSTOM).unwrap_err();
        assert_eq!(err.code.as_str(), "access_denied");
        assert_eq!(
            err.description,
            "the provider refused the login (access_denied)"
        );
        assert_eq!(
            resolve("error=&state=x", &CUSTOM).unwrap_err().code,
            ErrorCode::StateMismatch
        );
    }

    #[test]
    fn table_of_bad_implicit_responses() {
        let s = st();
        let cases: Vec<(String, &str, &str)> = vec![
            (
                "access_token=t&token_type=bearer".into(),
                "state_mismatch",
                "no state",
            ),
            (
                format!("access_token=t&token_type=bearer&state={s}x"),
                "state_mismatch",
                "matches no login",
            ),
            (
                "access_token=t&token_type=bearer&state=".into(),
                "state_mismatch",
                "matches no login",
            ),
            (
                "error=access_denied&state=forged".into(),
                "state_mismatch",
                "matches no login",
            ),
            (
                format!("access_token=a&access_token=b&token_type=bearer&state={s}"),
                "invalid_response",
                "`access_token` is given more than once",
            ),
            (
                format!("access_token=%zz&token_type=bearer&state={s}"),
                "invalid_response",
                "percent-encoding",
            ),
            (
                format!("token_type=bearer&state={s}"),
                "invalid_response",
                "no access_token",
            ),
            (
                format!("access_token=&token_type=bearer&state={s}"),
                "invalid_response",
                "no access_token",
            ),
            (
                format!("access_token=t&state={s}"),
                "invalid_response",
                "no token_type",
            ),
            (
                format!("access_token=t&token_type=mac&state={s}"),
                "invalid_response",
                "`mac` is not supported",
            ),
            (
                format!("access_token=t&token_type=bearer&expires_in=-1&state={s}"),
                "invalid_response",
                "expires_in",
            ),
            (
                format!("access_token=t&token_type=bearer&expires_in=1e3&state={s}"),
                "invalid_response",
                "expires_in",
            ),
            (
                format!("access_token=t&token_type=bearer&expires_in=+60&state={s}"),
                "invalid_response",
                "expires_in",
            ),
            (
                format!("access_token=t&token_type=bearer&expires_in=&state={s}"),
                "invalid_response",
                "expires_in",
            ),
            (
                format!("access_token=t&token_type=bearer&expires_in=99999999999&state={s}"),
                "invalid_response",
                "expires_in",
            ),
            (
                format!("access_token={}&state={s}", "x".repeat(9000)),
                "invalid_response",
                "over the limit",
            ),
        ];
        for (raw, code, words) in cases {
            let err = resolve(&raw, &CUSTOM).expect_err(&raw);
            assert_eq!(err.code.as_str(), code, "{raw}");
            assert!(
                err.description.contains(words),
                "{raw}: {}",
                err.description
            );
        }
    }

    #[test]
    fn issuer_is_checked_only_when_set() {
        let with = parse("code=c&iss=https%3A%2F%2Fid.example").unwrap();
        let without = parse("code=c").unwrap();
        assert!(check_issuer(&with, None).is_ok() && check_issuer(&without, None).is_ok());
        assert!(check_issuer(&with, Some("https://id.example")).is_ok());
        let wrong = check_issuer(&with, Some("https://other.example")).unwrap_err();
        assert_eq!(
            (wrong.code, wrong.description.as_str()),
            (
                ErrorCode::InvalidResponse,
                "the response's iss `https://id.example` is not the issuer `https://other.example`"
            )
        );
        assert!(check_issuer(&without, Some("https://id.example"))
            .unwrap_err()
            .description
            .contains("no iss"));
    }

    #[test]
    fn a_code_response_gives_its_code() {
        assert_eq!(
            authorization_code(&parse("code=abc%2F&state=s").unwrap()).unwrap(),
            "abc/"
        );
        assert_eq!(
            authorization_code(&parse("code=&state=s").unwrap())
                .unwrap_err()
                .description,
            "the response has no code"
        );
        assert_eq!(
            authorization_code(&parse("state=s").unwrap())
                .unwrap_err()
                .code,
            ErrorCode::InvalidResponse
        );
    }

    /// The body as the browser reads it, checked against serde's typed value of the same text.
    fn endpoint(
        status: u32,
        json: &str,
        preset: &Preset,
    ) -> Result<(Token, Option<String>), OAuthError> {
        let body = TokenResponse::from_json(json);
        let typed = serde_json::from_str::<TokenResponse>(json).ok();
        assert_eq!(
            body.clone().map(|b| TokenResponse { user: None, ..b }),
            typed,
            "{json}"
        );
        token_from_endpoint(status, body, preset, &Scopes::parse("openid"), NOW)
    }

    #[test]
    fn the_user_object_is_passed_on_as_json() {
        let (_, user) = endpoint(200, r#"{"access_token":"at","token_type":"bearer","user":{"id":"1","username":"snoop\"dogg"}}"#, &CUSTOM).unwrap();
        assert_eq!(
            user.as_deref(),
            Some(r#"{"id":"1","username":"snoop\"dogg"}"#)
        );
        assert_eq!(
            endpoint(
                200,
                r#"{"access_token":"at","token_type":"bearer","user":[1]}"#,
                &CUSTOM
            )
            .unwrap()
            .1,
            None
        );
        assert!(endpoint(
            200,
            r#"{"access_token":"at","access_token":"again","token_type":"bearer"}"#,
            &CUSTOM
        )
        .is_err());
        assert!(endpoint(
            200,
            r#"{"access_token":"at","token_type":"bearer","scope":null,"expires_in":null}"#,
            &CUSTOM
        )
        .is_ok());
    }

    /// Every case the contract lists for the token endpoint's answer, in one table.
    #[test]
    fn table_of_token_endpoint_answers() {
        let ig = find("instagram").unwrap();
        let ok = endpoint(200, r#"{"access_token":"at","token_type":"Bearer","expires_in":3600,"scope":"openid email","refresh_token":"rt","id_token":"x.y.z"}"#, &CUSTOM).unwrap();
        assert_eq!(
            (
                ok.0.access_token.secret(),
                ok.0.token_type.as_str(),
                ok.0.expires_at
            ),
            ("at", "bearer", Some(NOW + 3_600_000))
        );
        assert_eq!(ok.0.scope, ["openid", "email"]);
        assert_eq!(ok.1, None);
        let no_scope = endpoint(
            200,
            r#"{"access_token":"at","token_type":"bearer"}"#,
            &CUSTOM,
        )
        .unwrap()
        .0;
        assert_eq!(
            (no_scope.scope.as_slice(), no_scope.expires_in),
            (&["openid".to_owned()][..], None)
        );
        assert_eq!(
            endpoint(200, r#"{"access_token":"at","user_id":1}"#, ig)
                .unwrap()
                .0
                .token_type,
            "bearer"
        );

        let cases: &[(u32, &str, &Preset, &str, &str)] = &[
            (
                400,
                r#"{"error":"invalid_grant","error_description":"Code expired","error_uri":"https://e.example/g"}"#,
                &CUSTOM,
                "invalid_grant",
                "Code expired",
            ),
            (
                401,
                r#"{"error":"invalid_client"}"#,
                &CUSTOM,
                "invalid_client",
                "the token endpoint refused the code (invalid_client)",
            ),
            (
                200,
                r#"{"access_token":"at"}"#,
                &CUSTOM,
                "invalid_response",
                "no token_type",
            ),
            (
                200,
                r#"{"access_token":"at","token_type":"mac"}"#,
                &CUSTOM,
                "invalid_response",
                "`mac` is not supported",
            ),
            (
                200,
                r#"{"access_token":"","token_type":"bearer"}"#,
                &CUSTOM,
                "invalid_response",
                "neither access_token nor error",
            ),
            (
                200,
                r#"{"token_type":"bearer"}"#,
                &CUSTOM,
                "invalid_response",
                "neither access_token nor error",
            ),
            (
                200,
                r#"{}"#,
                &CUSTOM,
                "invalid_response",
                "neither access_token nor error",
            ),
            (
                500,
                r#"{"access_token":"at","token_type":"bearer"}"#,
                &CUSTOM,
                "invalid_response",
                "answered 500 with a token",
            ),
            (
                200,
                r#"{"access_token":7,"token_type":"bearer"}"#,
                &CUSTOM,
                "invalid_response",
                "answered 200 without OAuth JSON",
            ),
            (
                200,
                r#"{"access_token":"at","token_type":"bearer","expires_in":-1}"#,
                &CUSTOM,
                "invalid_response",
                "without OAuth JSON",
            ),
            (
                200,
                r#"{"access_token":"at","token_type":"bearer","expires_in":1.5}"#,
                &CUSTOM,
                "invalid_response",
                "without OAuth JSON",
            ),
            (
                200,
                r#"{"access_token":"at","token_type":"bearer","expires_in":"3600"}"#,
                &CUSTOM,
                "invalid_response",
                "without OAuth JSON",
            ),
            (
                200,
                r#"{"access_token":"at","token_type":"bearer","expires_in":99999999999}"#,
                &CUSTOM,
                "invalid_response",
                "out of range",
            ),
            (
                200,
                r#"["access_token"]"#,
                &CUSTOM,
                "invalid_response",
                "without OAuth JSON",
            ),
            (
                502,
                "<html>Bad gateway</html>",
                &CUSTOM,
                "invalid_response",
                "answered 502 without OAuth JSON",
            ),
        ];
        for (status, json, preset, code, words) in cases {
            let err = endpoint(*status, json, preset).expect_err(json);
            assert_eq!(err.code.as_str(), *code, "{json}");
            assert!(
                err.description.contains(words),
                "{json}: {}",
                err.description
            );
        }
        let err = endpoint(
            400,
            r#"{"error":"invalid_grant","error_uri":"https://e.example/g"}"#,
            &CUSTOM,
        )
        .unwrap_err();
        assert_eq!(
            (err.reason, err.uri.as_deref()),
            (None, Some("https://e.example/g"))
        );
    }

    #[test]
    fn capture_takes_the_whole_fragment() {
        let c = capture("?page=2", "#access_token=t&state=s").unwrap();
        assert_eq!(
            (c.raw.as_str(), c.search.as_str(), c.hash.as_str()),
            ("access_token=t&state=s", "?page=2", "")
        );
        assert_eq!(capture("", "#error=x").unwrap().raw, "error=x");
        assert_eq!(
            capture("", "#code=c&state=s").unwrap().raw,
            "code=c&state=s"
        );
        assert_eq!(capture("", "#section-2"), None);
        assert_eq!(capture("?q=access_token", ""), None);
        assert_eq!(capture("", ""), None);
    }

    #[test]
    fn capture_takes_only_response_parameters_from_the_query() {
        let c = capture(
            "?page=2&error=access_denied&error_reason=user_denied&error_description=No&x=1",
            "#top",
        )
        .unwrap();
        assert_eq!(
            c.raw,
            "error=access_denied&error_reason=user_denied&error_description=No"
        );
        assert_eq!(
            (c.search.as_str(), c.hash.as_str()),
            ("?page=2&x=1", "#top")
        );
        let code = capture(
            "?keep=1&code=abc&state=s&iss=http%3A%2F%2Fid&session_state=z",
            "",
        )
        .unwrap();
        assert_eq!(
            (code.raw.as_str(), code.search.as_str()),
            (
                "code=abc&state=s&iss=http%3A%2F%2Fid&session_state=z",
                "?keep=1"
            )
        );
        assert_eq!(capture("?error=e&state=s", "").unwrap().search, "");
        assert_eq!(capture("?state=s", ""), None);
    }

    #[test]
    fn token_records_round_trip_and_damage_is_refused() {
        let token = resolve(
            &format!(
                "access_token=t%26x&token_type=bearer&expires_in=60&scope=a&state={}",
                st()
            ),
            &CUSTOM,
        )
        .unwrap();
        assert_eq!(Token::from_record(&token.to_record()), Some(token.clone()));
        let no_expiry = Token {
            expires_in: None,
            expires_at: None,
            ..token
        };
        assert_eq!(Token::from_record(&no_expiry.to_record()), Some(no_expiry));
        for bad in [
            "",
            "token_type=bearer",
            "access_token=t",
            "access_token=t&token_type=bearer&expires_at=NaN",
            "access_token=t&token_type=bearer&expires_at=-5",
            "access_token=t&token_type=bearer&expires_at=1.5",
            "%%%",
        ] {
            assert_eq!(Token::from_record(bad), None, "{bad}");
        }
    }

    #[test]
    fn expiry_is_judged_against_the_clock() {
        let token = resolve(
            &format!(
                "access_token=t&token_type=bearer&expires_in=1&state={}",
                st()
            ),
            &CUSTOM,
        )
        .unwrap();
        assert!(!token.is_expired(NOW + 999));
        assert!(token.is_expired(NOW + 1000));
    }

    /// Property tests: native only (proptest needs OS randomness, which wasm32 lacks).
    #[cfg(not(target_arch = "wasm32"))]
    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn resolving_never_panics(raw in ".{0,200}") {
                let _ = resolve(&raw, &CUSTOM);
                let _ = capture(&raw, &raw);
                let _ = Token::from_record(&raw);
                let _ = check_issuer(&parse(&raw).unwrap_or_default(), Some("x"));
            }

            #[test]
            fn resolving_structured_junk_never_panics(
                token in "[a-z%+]{0,6}", kind in "[a-zA-Z%]{0,7}", exp in "[0-9a-z+-]{0,12}", scope in "[ ,a-z%+]{0,10}"
            ) {
                let raw = format!("access_token={token}&token_type={kind}&expires_in={exp}&scope={scope}&state={}", st());
                let _ = resolve(&raw, &CUSTOM);
            }

            #[test]
            fn the_reader_agrees_with_serde_json(
                members in proptest::collection::vec((
                    prop_oneof![Just("access_token"), Just("token_type"), Just("expires_in"), Just("scope"), Just("error"), Just("user"), Just("x")],
                    prop_oneof![Just("\"s\\u00e9\"".to_owned()), Just("3600".to_owned()), Just("-1".to_owned()), Just("1.5".to_owned()), Just("1e3".to_owned()),
                        Just("null".to_owned()), Just("true".to_owned()), Just("{\"a\":[1,2]}".to_owned()), Just("[]".to_owned()), Just("99999999999999999999".to_owned())],
                ), 0..6),
                junk in "[ {}\\[\\],:\"a-z0-9.]{0,12}",
            ) {
                let body = format!("{{{}}}", members.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect::<Vec<_>>().join(","));
                for text in [body.clone(), junk.clone(), format!("{body}{junk}")] {
                    let ours = TokenResponse::from_json(&text).map(|b| TokenResponse { user: None, ..b });
                    prop_assert_eq!(ours, serde_json::from_str::<TokenResponse>(&text).ok(), "{}", text);
                }
            }

            #[test]
            fn token_endpoint_answers_never_panic(
                status in 0u32..1000,
                access_token in proptest::option::of(".{0,8}"),
                token_type in proptest::option::of("[a-zA-Z]{0,8}"),
                expires_in in proptest::option::of(any::<u64>()),
                scope in proptest::option::of("[ ,a-z]{0,12}"),
                error in proptest::option::of("[a-z_]{0,10}"),
            ) {
                let body = TokenResponse { access_token, token_type, expires_in, scope, error, ..TokenResponse::default() };
                let _ = token_from_endpoint(status, Some(body), &CUSTOM, &Scopes::default(), NOW);
                let _ = token_from_endpoint(status, None, &CUSTOM, &Scopes::default(), NOW);
            }
        }
    }
}
