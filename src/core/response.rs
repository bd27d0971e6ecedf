//! The authorization response: from raw `#...` / `?...` text to a [`Token`] or an [`OAuthError`]
//! (RFC 6749 4.2.2 and 4.2.2.1), and how a callback page recognises and strips one.

use std::fmt;

use serde::Serialize;

use super::error::{ErrorCode, OAuthError};
use super::params::Params;
use super::provider::Preset;
use super::request::{Scopes, State};

/// The longest `expires_in` accepted, in digits: 10 digits is over 300 years, and keeps
/// millisecond times below 2^53, exact as JS numbers.
const MAX_EXPIRES_IN_DIGITS: usize = 10;

/// Query parameters that make up a provider's error response in a query string (Instagram's
/// denial); removed from the address bar, while the page's own parameters stay.
const QUERY_RESPONSE_NAMES: &[&str] = &["error", "error_reason", "error_description", "error_uri", "state"];

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
            p.set("expires_in", &secs.to_string());
        }
        if let Some(at) = self.expires_at {
            p.set("expires_at", &at.to_string());
        }
        p.set("scope", &self.scope.join(" "));
        p.encode()
    }

    /// Reads a stored record back; `None` for anything damaged (it is then discarded).
    pub fn from_record(record: &str) -> Option<Self> {
        let p = Params::parse(record).ok()?;
        let access_token = p.get("access_token").filter(|t| !t.is_empty())?;
        let expires_in = match p.get("expires_in") {
            None => None,
            Some(v) => Some(v.parse::<u64>().ok()?),
        };
        let expires_at = match p.get("expires_at") {
            None => None,
            Some(v) => Some(v.parse::<u64>().ok()?),
        };
        Some(Self {
            access_token: AccessToken::new(access_token.to_owned()),
            token_type: p.get("token_type")?.to_owned(),
            expires_in,
            expires_at,
            scope: Scopes::parse(p.get("scope").unwrap_or("")).into_vec(),
        })
    }

    /// The `oauth-login` event detail.
    pub fn detail(&self, provider: &str, restored: bool) -> LoginDetail {
        LoginDetail {
            provider: provider.to_owned(),
            access_token: self.access_token.secret().to_owned(),
            token_type: self.token_type.clone(),
            expires_in: self.expires_in,
            expires_at: self.expires_at,
            scope: self.scope.clone(),
            restored,
        }
    }
}

/// `detail` of `oauth-login`, and what `login()` resolves with.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginDetail {
    /// The preset id, or `custom`.
    pub provider: String,
    /// The token.
    pub access_token: String,
    /// `bearer`.
    pub token_type: String,
    /// Seconds, or `null`.
    pub expires_in: Option<u64>,
    /// Ms since the epoch, or `null`.
    pub expires_at: Option<u64>,
    /// Granted scopes.
    pub scope: Vec<String>,
    /// Whether restored from storage.
    pub restored: bool,
}

/// `detail` of `oauth-error`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ErrorDetail {
    /// The code.
    pub error: String,
    /// The description.
    pub description: String,
    /// The provider's `error_reason`, or `null`.
    pub reason: Option<String>,
    /// The provider's `error_uri`, or `null`.
    pub uri: Option<String>,
}

impl From<&OAuthError> for ErrorDetail {
    fn from(e: &OAuthError) -> Self {
        Self {
            error: e.code.as_str().to_owned(),
            description: e.description.clone(),
            reason: e.reason.clone(),
            uri: e.uri.clone(),
        }
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
/// A fragment is a response when it names `access_token`, `error` or `state`; a query is one
/// when it names `error` (Instagram's denial, which the implicit flow also sends in the query).
pub fn capture(search: &str, hash: &str) -> Option<Captured> {
    let fragment = hash.strip_prefix('#').unwrap_or(hash);
    if raw_names(fragment).any(|n| matches!(n, "access_token" | "error" | "state")) {
        return Some(Captured { raw: fragment.to_owned(), search: search.to_owned(), hash: String::new() });
    }
    let query = search.strip_prefix('?').unwrap_or(search);
    if !raw_names(query).any(|n| n == "error") {
        return None;
    }
    let is_response = |piece: &&str| QUERY_RESPONSE_NAMES.contains(&raw_name(piece));
    let pieces = || query.split('&').filter(|p| !p.is_empty());
    let raw: Vec<&str> = pieces().filter(is_response).collect();
    let kept: Vec<&str> = pieces().filter(|p| !is_response(p)).collect();
    let search = if kept.is_empty() { String::new() } else { format!("?{}", kept.join("&")) };
    Some(Captured { raw: raw.join("&"), search, hash: hash.to_owned() })
}

fn raw_name(piece: &str) -> &str {
    piece.split('=').next().unwrap_or(piece)
}

fn raw_names(text: &str) -> impl Iterator<Item = &str> {
    text.split('&').map(raw_name)
}

/// Parses raw response text, mapping any failure to `invalid_response`.
pub fn parse(raw: &str) -> Result<Params, OAuthError> {
    Params::parse(raw).map_err(|e| OAuthError::response(format!("malformed response: {e}")))
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

/// Applies RFC 6749 4.2.2 / 4.2.2.1 to a response whose state has been checked.
pub fn interpret(
    params: &Params,
    preset: &Preset,
    requested: &Scopes,
    now_ms: u64,
) -> Result<Token, OAuthError> {
    if let Some(code) = params.get("error") {
        let code = if code.is_empty() { "server_error" } else { code };
        let owned = |name| params.get(name).map(str::to_owned);
        return Err(OAuthError {
            code: ErrorCode::Provider(code.to_owned()),
            description: owned("error_description")
                .unwrap_or_else(|| format!("the provider refused the login ({code})")),
            reason: owned("error_reason"),
            uri: owned("error_uri"),
        });
    }
    let access_token = match params.get("access_token") {
        Some(token) if !token.is_empty() => token,
        _ => return Err(OAuthError::response("the response has no access_token")),
    };
    let token_type = match params.get("token_type") {
        Some(t) => t.to_ascii_lowercase(),
        None if preset.token_type_optional => "bearer".to_owned(),
        None => return Err(OAuthError::response("the response has no token_type")),
    };
    // RFC 6749 7.1: a client must not use a token whose type it does not understand.
    if token_type != "bearer" {
        return Err(OAuthError::response(format!(
            "token_type `{token_type}` is not supported (only bearer)"
        )));
    }
    let expires_in = match params.get("expires_in") {
        None => None,
        Some(v) if is_plain_number(v) => v.parse::<u64>().ok(),
        Some(_) => return Err(OAuthError::response("expires_in is not a plain number of seconds")),
    };
    let scope = match params.get("scope").map(Scopes::parse) {
        Some(granted) if !granted.is_empty() => granted.into_vec(),
        _ => requested.as_slice().to_vec(),
    };
    Ok(Token {
        access_token: AccessToken::new(access_token.to_owned()),
        token_type,
        expires_in,
        expires_at: expires_in.map(|secs| now_ms.saturating_add(secs.saturating_mul(1000))),
        scope,
    })
}

fn is_plain_number(text: &str) -> bool {
    (1..=MAX_EXPIRES_IN_DIGITS).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::provider::{find, CUSTOM};

    const NOW: u64 = 1_700_000_000_000;

    fn state() -> State {
        State::from_random([9; 32])
    }

    fn resolve(raw: &str, preset: &Preset) -> Result<Token, OAuthError> {
        let params = parse(raw)?;
        check_state(&params, &state())?;
        interpret(&params, preset, &Scopes::parse("basic likes"), NOW)
    }

    fn st() -> String {
        state().as_str().to_owned()
    }

    #[test]
    fn a_full_success_gives_every_field() {
        let raw = format!("access_token=tok%2Fen&token_type=Bearer&expires_in=3600&scope=a+b&state={}", st());
        let token = resolve(&raw, &CUSTOM).unwrap();
        assert_eq!(token.access_token.secret(), "tok/en");
        assert_eq!(token.token_type, "bearer");
        assert_eq!(token.expires_in, Some(3600));
        assert_eq!(token.expires_at, Some(NOW + 3_600_000));
        assert_eq!(token.scope, ["a", "b"]);
        assert_eq!(format!("{:?}", token.access_token), "AccessToken([redacted])");
        let detail = token.detail("custom", false);
        assert_eq!((detail.access_token.as_str(), detail.restored), ("tok/en", false));
    }

    #[test]
    fn missing_scope_and_expiry_fall_back() {
        let token = resolve(&format!("access_token=t&token_type=bearer&state={}", st()), &CUSTOM).unwrap();
        assert_eq!((token.expires_in, token.expires_at), (None, None));
        assert_eq!(token.scope, ["basic", "likes"]);
    }

    #[test]
    fn instagram_omits_token_type_others_may_not() {
        let raw = format!("access_token=t&state={}", st());
        let instagram = find("instagram").unwrap();
        assert_eq!(resolve(&raw, instagram).unwrap().token_type, "bearer");
        assert_eq!(resolve(&raw, &CUSTOM).unwrap_err().description, "the response has no token_type");
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
        assert_eq!(err.description, "the provider refused the login (access_denied)");
    }

    #[test]
    fn table_of_bad_responses() {
        let s = st();
        let cases: Vec<(String, &str, &str)> = vec![
            ("access_token=t&token_type=bearer".into(), "state_mismatch", "no state"),
            (format!("access_token=t&token_type=bearer&state={}x", s), "state_mismatch", "matches no login"),
            ("access_token=t&token_type=bearer&state=".into(), "state_mismatch", "matches no login"),
            ("error=access_denied&state=forged".into(), "state_mismatch", "matches no login"),
            (format!("access_token=a&access_token=b&token_type=bearer&state={s}"), "invalid_response", "more than once"),
            (format!("access_token=%zz&token_type=bearer&state={s}"), "invalid_response", "percent-encoding"),
            (format!("token_type=bearer&state={s}"), "invalid_response", "no access_token"),
            (format!("access_token=&token_type=bearer&state={s}"), "invalid_response", "no access_token"),
            (format!("access_token=t&state={s}"), "invalid_response", "no token_type"),
            (format!("access_token=t&token_type=mac&state={s}"), "invalid_response", "`mac` is not supported"),
            (format!("access_token=t&token_type=bearer&expires_in=-1&state={s}"), "invalid_response", "expires_in"),
            (format!("access_token=t&token_type=bearer&expires_in=1e3&state={s}"), "invalid_response", "expires_in"),
            (format!("access_token=t&token_type=bearer&expires_in=+60&state={s}"), "invalid_response", "expires_in"),
            (format!("access_token=t&token_type=bearer&expires_in=&state={s}"), "invalid_response", "expires_in"),
            (format!("access_token=t&token_type=bearer&expires_in=99999999999&state={s}"), "invalid_response", "expires_in"),
            (format!("access_token={}&state={s}", "x".repeat(9000)), "invalid_response", "over the limit"),
        ];
        for (raw, code, words) in cases {
            let err = resolve(&raw, &CUSTOM).expect_err(&raw);
            assert_eq!(err.code.as_str(), code, "{raw}");
            assert!(err.description.contains(words), "{raw}: {}", err.description);
        }
    }

    #[test]
    fn capture_takes_the_whole_fragment() {
        let c = capture("?page=2", "#access_token=t&state=s").unwrap();
        assert_eq!((c.raw.as_str(), c.search.as_str(), c.hash.as_str()), ("access_token=t&state=s", "?page=2", ""));
        assert_eq!(capture("", "#error=x").unwrap().raw, "error=x");
        assert_eq!(capture("", "#section-2"), None);
        assert_eq!(capture("?q=access_token", ""), None);
        assert_eq!(capture("", ""), None);
    }

    #[test]
    fn capture_takes_only_response_parameters_from_the_query() {
        let c = capture("?page=2&error=access_denied&error_reason=user_denied&error_description=No&x=1", "#top").unwrap();
        assert_eq!(c.raw, "error=access_denied&error_reason=user_denied&error_description=No");
        assert_eq!((c.search.as_str(), c.hash.as_str()), ("?page=2&x=1", "#top"));
        assert_eq!(capture("?error=e&state=s", "").unwrap().search, "");
        assert_eq!(capture("?state=s", ""), None);
    }

    #[test]
    fn token_records_round_trip_and_damage_is_refused() {
        let token = resolve(&format!("access_token=t%26x&token_type=bearer&expires_in=60&scope=a&state={}", st()), &CUSTOM).unwrap();
        assert_eq!(Token::from_record(&token.to_record()), Some(token.clone()));
        let no_expiry = Token { expires_in: None, expires_at: None, ..token };
        assert_eq!(Token::from_record(&no_expiry.to_record()), Some(no_expiry));
        for bad in ["", "token_type=bearer", "access_token=t", "access_token=t&token_type=bearer&expires_at=NaN", "access_token=t&token_type=bearer&expires_at=-5", "access_token=t&token_type=bearer&expires_at=1.5", "%%%"] {
            assert_eq!(Token::from_record(bad), None, "{bad}");
        }
    }

    #[test]
    fn expiry_is_judged_against_the_clock() {
        let token = resolve(&format!("access_token=t&token_type=bearer&expires_in=1&state={}", st()), &CUSTOM).unwrap();
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
            }

            #[test]
            fn resolving_structured_junk_never_panics(
                token in "[a-z%+]{0,6}", kind in "[a-zA-Z%]{0,7}", exp in "[0-9a-z+-]{0,12}", scope in "[ ,a-z%+]{0,10}"
            ) {
                let raw = format!("access_token={token}&token_type={kind}&expires_in={exp}&scope={scope}&state={}", st());
                let _ = resolve(&raw, &CUSTOM);
            }
        }
    }
}
