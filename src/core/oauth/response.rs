//! What comes back: an authorization response found in a page's address (RFC 6749 4.1.2 and
//! 4.2.2, with their error forms), and the token endpoint's JSON (RFC 6749 5.1 and 5.2).

use std::borrow::Cow;

use super::form::{raw_name, Params};
use super::provider::Preset;
use super::request::Secret;
use super::token::{Token, MAX_EXPIRES_IN_DIGITS};
use crate::core::contract::ErrorCode;
use crate::core::error::OAuthError;
use crate::core::json::{self, Value};
use crate::core::text::{cat, decimal, join_words, parse_decimal, split, Lend};

/// The largest token endpoint answer read: one with an id_token is a few KiB.
pub const MAX_TOKEN_ANSWER_BYTES: usize = 64 * 1024;

/// Query parameters that make up a provider's response in a query string (a code, or
/// Instagram's denial): they leave the address, the page's own parameters stay.
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

/// An authorization response found in a page's address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Captured {
    /// The response's parameters, as raw form-urlencoded text.
    pub raw: String,
    /// What stays of the address after the path: the kept query and fragment, each with its
    /// `?` / `#`, or empty.
    pub rest: String,
}

/// Finds an authorization response in `location.search` and `location.hash` (each with its
/// leading `?` / `#`, or empty).
///
/// A fragment is a response when it names `access_token`, `code`, `error` or `state`, and is
/// then taken whole; a query is one when it names `code` or `error` (a code response, or
/// Instagram's denial, which comes in the query even in the implicit flow), and only its
/// response parameters are taken.
pub fn capture(search: &str, hash: &str) -> Option<Captured> {
    // One search for both lists: whether `list` names one of `wanted`.
    let names_one_of =
        |list, wanted: &[&str]| split(list, b"&").any(|p| wanted.contains(&raw_name(p)));
    let fragment = hash.strip_prefix("#").unwrap_or(hash);
    let in_fragment = names_one_of(fragment, &["access_token", "code", "error", "state"]);
    // The query loses its response names either way: left there, a reload reads them as a
    // response. A fragment that is one goes too.
    let mut captured = query_response(search, if in_fragment { "" } else { hash });
    if in_fragment {
        captured.raw = fragment.into();
    } else if !names_one_of(&captured.raw, &["code", "error"]) {
        // The query's response names hold `code` and `error` whenever the query does.
        return None;
    }
    Some(captured)
}

/// The response parameters of `location.search` taken out of it (the page's own stay), as
/// [`Captured`]: the response, and what stays of the address.
pub fn query_response(search: &str, hash: &str) -> Captured {
    let query = search.strip_prefix("?").unwrap_or(search);
    // Each written as it is decided: the response's pieces joined by `&`, the kept ones led by
    // `?` (pieces are never empty, so an empty text has none).
    let (mut raw, mut rest) = (String::new(), String::new());
    for piece in split(query, b"&").filter(|p| !p.is_empty()) {
        let (text, first) = if QUERY_RESPONSE_NAMES.contains(&raw_name(piece)) {
            (&mut raw, "")
        } else {
            (&mut rest, "?")
        };
        text.push_str(if text.is_empty() { first } else { "&" });
        text.push_str(piece);
    }
    rest.push_str(hash);
    Captured { raw, rest }
}

/// Parses raw response text, mapping any failure to `invalid_response`.
#[inline(always)]
pub fn parse(raw: &str) -> Result<Params, OAuthError> {
    Params::parse(raw).map_err(|why| response_error(&["malformed response: ", &why]))
}

/// An `invalid_response` error reading `parts`.
#[inline(never)]
fn response_error(parts: &[&str]) -> OAuthError {
    OAuthError::response(cat(parts))
}

/// The `state` a raw response carries, if it can be read at all.
pub fn state_of(raw: &str) -> Option<String> {
    Params::parse(raw)
        .unwrap_or_default()
        .value("state")
        .cloned()
}

/// Checks a response's `state` against its login's. A success needs the exact state. An error
/// may come with none (Instagram's documented denial has none) and is then reported to that
/// login; a wrong state is never accepted, so a forged error cannot fail someone's login.
#[inline(always)]
pub fn check_state(params: &Params, expected: &Secret) -> Result<(), OAuthError> {
    match params.get("state") {
        None if params.get("error").is_some() => Ok(()),
        None => Err(OAuthError::state("the response carries no state")),
        Some(given) if expected.matches(given) => Ok(()),
        Some(_) => Err(OAuthError::state(
            "the response's state matches no login that this browser started",
        )),
    }
}

/// RFC 9207: an `iss` the response carries must be the `issuer` known (a mix-up defense); one
/// must be there when `required`.
#[inline(always)]
pub fn check_issuer(
    params: &Params,
    issuer: Option<&str>,
    required: bool,
) -> Result<(), OAuthError> {
    let (Some(expected), given) = (issuer, params.get("iss")) else {
        return Ok(());
    };
    match given {
        Some(iss) if *iss == *expected => Ok(()),
        None if !required => Ok(()),
        Some(iss) => Err(response_error(&[
            "the response's iss `",
            iss,
            "` is not the issuer `",
            expected,
            "`",
        ])),
        None => Err(response_error(&[
            "the response has no iss; issuer `",
            expected,
            "` requires one",
        ])),
    }
}

/// The provider's error in a response (an authorization response, or a token answer's JSON
/// read into `params`), if it is one.
pub fn provider_error(params: &Params) -> Option<OAuthError> {
    let code = match params.get("error")? {
        "" => "server_error",
        code => code,
    };
    Some(OAuthError::with(
        ErrorCode::Provider(code.into()),
        // An empty parameter says nothing (RFC 6749 3.1): the code says it instead of an
        // empty description; an empty reason or URI is none.
        params.given("error_description").map_or_else(
            || cat(&["the provider refused (", code, ")"]),
            str::to_owned,
        ),
        params.owned("error_reason"),
        params.owned("error_uri"),
    ))
}

/// RFC 6749 4.2.2: the token of an implicit grant's success whose state has been checked;
/// `scope` the requested scopes, reported when the provider names none.
pub fn implicit_token(
    params: &Params,
    preset: &Preset,
    scope: &str,
    now_ms: u64,
) -> Result<Token, OAuthError> {
    // Each refusal leaves the block with its error, written as the answer in one place below.
    let error = 'refused: {
        let Some(access_token) = params.given("access_token") else {
            break 'refused OAuthError::response("the response has no access_token");
        };
        if let Err(error) = check_bearer(params.get("token_type"), preset) {
            break 'refused error;
        }
        let expires_in = match params.get("expires_in") {
            Some(v) => match parse_decimal(v, MAX_EXPIRES_IN_DIGITS) {
                None => {
                    break 'refused OAuthError::response(
                        "expires_in is not a plain number of seconds",
                    )
                }
                secs => secs,
            },
            None => None,
        };
        return Ok(Token::new(
            access_token,
            expires_in,
            granted(params.get("scope"), scope),
            now_ms,
        ));
    };
    Err(error)
}

/// RFC 6749 4.1.2: the code of a code-flow success whose state has been checked.
#[inline(always)]
pub fn code_of(params: &Params) -> Result<&str, OAuthError> {
    params
        .given("code")
        .ok_or_else(|| OAuthError::response("the response has no code"))
}

/// `token_type` must be `bearer` (RFC 6749 7.1: a client must not use a token whose type it
/// does not understand); a preset whose answers omit it means `bearer`.
fn check_bearer(token_type: Option<&str>, preset: &Preset) -> Result<(), OAuthError> {
    match token_type {
        Some(t) if t.eq_ignore_ascii_case("bearer") => Ok(()),
        Some(t) => Err(response_error(&[
            "token_type `",
            t,
            "` is not supported (only bearer)",
        ])),
        None if preset.token_type_optional => Ok(()),
        None => Err(OAuthError::response("the response has no token_type")),
    }
}

/// The granted scopes: the provider's list, else the requested one.
fn granted(given: Option<&str>, requested: &str) -> String {
    // Words are never empty: none joined is an empty text.
    let mut scope = join_words(given.unwrap_or(""), " ");
    // Written into the empty text: no second text made, none dropped.
    if scope.is_empty() {
        scope.push_str(requested);
    }
    scope
}

/// A grant, read: the token, the `user` object some providers add to a token answer
/// (Instagram's exchange) as JSON text, and the id_token and refresh token that came with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Granted {
    /// The token.
    pub token: Token,
    /// The answer's `user` object, as JSON text.
    pub user: Option<String>,
    /// The answer's `id_token` (OpenID Connect), not yet verified.
    pub id_token: Option<String>,
    /// The answer's `refresh_token`.
    pub refresh_token: Option<String>,
}

/// The members of a token answer the rules read; each a string, `expires_in` a number, and
/// `user` (last), an object kept as its text.
const ANSWER_MEMBERS: &[&str] = &[
    "access_token",
    "token_type",
    "expires_in",
    "scope",
    "id_token",
    "refresh_token",
    "error",
    "error_description",
    "error_uri",
    "user",
];

/// Where `expires_in` and `user` are in [`ANSWER_MEMBERS`] (a test holds them there).
const EXPIRES_IN: usize = 2;
const USER: usize = 9;

/// RFC 6749 5.1 and 5.2: turns the token endpoint's answer (`status`, `body`) into a token or
/// an error. The body must be one JSON object whose known members have their types (a member
/// given twice is refused), as serde's typed reading would have it; other members are ignored.
/// Its members are then read by the same rules as an authorization response's parameters.
pub fn token_answer(
    status: u32,
    body: &str,
    preset: &Preset,
    scope: &str,
    now_ms: u64,
) -> Result<Granted, OAuthError> {
    // Each refusal leaves the block with its text, made an error in one place below.
    let what = 'refused: {
        // Not read at all past the bound.
        let parsed = if body.len() <= MAX_TOKEN_ANSWER_BYTES {
            json::parse(body)
        } else {
            None
        };
        let Some(object @ Value::Object(_)) = parsed else {
            break 'refused " without OAuth JSON";
        };
        let mut params = Params::default();
        let mut user = None;
        let members = object.members();
        for (name, value) in &members {
            let name = name.lend();
            // Another member is ignored.
            let Some(at) = ANSWER_MEMBERS.iter().position(|known| **known == *name) else {
                continue;
            };
            // A member the widget reads, `user` too, given twice reads as absent: a repeat, even
            // of a `null`, is refused.
            if object.get(name).is_none() {
                break 'refused " without OAuth JSON";
            }
            if at == USER {
                if let Value::Object(raw) = value {
                    user = Some(*raw);
                }
                continue;
            }
            // The member's text (`None` for a `null`, which is not kept), if it has its type.
            let text = match (value, at == EXPIRES_IN) {
                (Value::Null, _) => Some(None),
                (Value::Str(_), false) => Some(value.as_str().map(Cow::into_owned)),
                (Value::Number(_), true) => value.as_u64().map(|n| Some(decimal(n))),
                _ => None,
            };
            let Some(text) = text else {
                break 'refused " without OAuth JSON";
            };
            params.add(name, text);
        }
        if let Some(error) = provider_error(&params) {
            return Err(error);
        }
        if !(200..300).contains(&status) {
            break 'refused " with neither a token nor an error";
        }
        let token = implicit_token(&params, preset, scope, now_ms)?;
        // `user` lent until here: no refusal drops a copy.
        return Ok(Granted::new(&params, token, user.map(String::from)));
    };
    // The status is written only into an error.
    let status = decimal(status.into());
    Err(response_error(&[
        "the token endpoint answered ",
        &status,
        what,
    ]))
}

impl Granted {
    /// The grant of `token`, with what else `params` carries.
    pub fn new(params: &Params, token: Token, user: Option<String>) -> Self {
        Self {
            token,
            user,
            id_token: params.owned("id_token"),
            refresh_token: params.owned("refresh_token"),
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::core::oauth::provider::{find, CUSTOM};
    use proptest::prelude::*;

    const NOW: u64 = 1_700_000_000_000;

    fn state() -> Secret {
        Secret::new("9".repeat(64))
    }

    fn resolve(raw: &str, preset: &Preset) -> Result<Token, OAuthError> {
        let params = parse(raw)?;
        check_state(&params, &state())?;
        if let Some(error) = provider_error(&params) {
            return Err(error);
        }
        implicit_token(&params, preset, "basic likes", NOW)
    }

    #[test]
    fn a_full_success_gives_every_field() {
        let s = "9".repeat(64);
        let token = resolve(
            &format!("access_token=tok%2Fen&token_type=Bearer&expires_in=3600&scope=a+b&state={s}"),
            &CUSTOM,
        )
        .unwrap();
        assert_eq!(token.access_token.expose(), "tok/en");
        assert_eq!(
            (token.expires_in, token.expires_at),
            (Some(3600), Some(NOW + 3_600_000))
        );
        assert_eq!(token.scope, "a b");
        let token = resolve(
            &format!("access_token=t&token_type=bearer&state={s}"),
            &CUSTOM,
        )
        .unwrap();
        assert_eq!(
            (token.expires_in, token.scope.as_str()),
            (None, "basic likes"),
            "the requested scopes"
        );
        // Instagram's and Facebook's implicit answers carry no token_type.
        for id in ["instagram", "facebook"] {
            assert!(
                resolve(&format!("access_token=t&state={s}"), find(id).unwrap()).is_ok(),
                "{id}"
            );
        }
    }

    #[test]
    fn provider_errors_pass_through_with_details() {
        let raw = "error=access_denied&error_reason=user_denied&error_description=The+user+denied+your+request&error_uri=https%3A%2F%2Fe.example";
        let err = resolve(raw, &CUSTOM).unwrap_err();
        assert_eq!(err.code, ErrorCode::Provider("access_denied".into()));
        assert_eq!(err.description, "The user denied your request");
        assert_eq!(
            (err.reason.as_deref(), err.uri.as_deref()),
            (Some("user_denied"), Some("https://e.example"))
        );
        // Empty parameters say nothing (RFC 6749 3.1): no reason, no URI, as no description.
        let err = resolve("error=access_denied&error_reason=&error_uri=", &CUSTOM).unwrap_err();
        assert_eq!((err.reason.as_deref(), err.uri.as_deref()), (None, None));
        let body = r#"{"error":"invalid_grant","error_uri":""}"#;
        let err = token_answer(400, body, &CUSTOM, "", NOW).unwrap_err();
        assert_eq!(err.uri, None);
        for raw in ["error=", "error=server_error&error_description="] {
            let err = resolve(raw, &CUSTOM).unwrap_err();
            assert_eq!(
                (err.code.as_str(), err.description.as_str()),
                ("server_error", "the provider refused (server_error)"),
                "{raw}"
            );
        }
    }

    #[test]
    fn table_of_bad_implicit_responses() {
        let s = "9".repeat(64);
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
                "`access_token` is given twice",
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
                format!("access_token={}&state={s}", "x".repeat(17_000)),
                "invalid_response",
                "over 16 KiB",
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
    fn issuer_is_compared_when_given_and_required_when_asked() {
        let with = Params::parse("iss=https%3A%2F%2Fid.example").unwrap();
        let without = Params::default();
        assert!(
            check_issuer(&with, None, true).is_ok() && check_issuer(&without, None, true).is_ok()
        );
        assert!(check_issuer(&with, Some("https://id.example"), true).is_ok());
        assert!(check_issuer(&without, Some("https://id.example"), false).is_ok());
        assert!(check_issuer(&with, Some("https://other.example"), false)
            .unwrap_err()
            .description
            .contains("is not the issuer"));
        assert!(check_issuer(&without, Some("https://id.example"), true)
            .unwrap_err()
            .description
            .contains("has no iss"));
        assert_eq!(code_of(&Params::parse("code=c1").unwrap()), Ok("c1"));
        assert!(code_of(&Params::parse("code=").unwrap()).is_err());
    }

    fn endpoint(status: u32, body: &str, preset: &Preset) -> Result<Granted, OAuthError> {
        token_answer(status, body, preset, "openid", NOW)
    }

    #[test]
    fn answer_members_hold_expires_in_and_user_where_read() {
        assert_eq!(
            (ANSWER_MEMBERS[EXPIRES_IN], ANSWER_MEMBERS[USER]),
            ("expires_in", "user")
        );
        assert_eq!(USER, ANSWER_MEMBERS.len() - 1);
    }

    #[test]
    fn table_of_token_endpoint_answers() {
        let ok = endpoint(200, r#"{"access_token":"at","token_type":"Bearer","expires_in":3600,"scope":"openid email","refresh_token":"rt","id_token":"x.y.z"}"#, &CUSTOM).unwrap();
        assert_eq!(
            (
                ok.token.access_token.expose(),
                ok.token.expires_at,
                ok.token.scope.as_str()
            ),
            ("at", Some(NOW + 3_600_000), "openid email")
        );
        assert_eq!(ok.user, None);
        let bare = endpoint(
            200,
            r#"{"access_token":"at","token_type":"bearer","scope":null}"#,
            &CUSTOM,
        )
        .unwrap()
        .token;
        assert_eq!((bare.scope.as_str(), bare.expires_in), ("openid", None));
        let ig = endpoint(
            200,
            r#"{"access_token":"at","user":{"id":"1","username":"x"},"other":[1]}"#,
            find("instagram").unwrap(),
        )
        .unwrap();
        assert_eq!(ig.user.as_deref(), Some(r#"{"id":"1","username":"x"}"#));
        // A `user` that is not an object is none, as an unknown member is nothing.
        for user in ["[1]", "\"x\"", "null"] {
            let body = cat(&[r#"{"access_token":"at","user":"#, user, "}"]);
            let read = endpoint(200, &body, find("instagram").unwrap()).unwrap();
            assert_eq!(read.user, None, "{body}");
        }
        // `user` given twice is refused, as every member the widget reads: whichever came
        // first or last, the answer says two things.
        for twice in [
            r#""user":{"id":"1"},"user":[1]"#,
            r#""user":[1],"user":{"id":"1"}"#,
            r#""user":{"id":"1"},"user":{"id":"2"}"#,
            r#""user":null,"user":{"id":"1"}"#,
        ] {
            let body = cat(&[r#"{"access_token":"at","#, twice, "}"]);
            let error = endpoint(200, &body, find("instagram").unwrap()).unwrap_err();
            assert_eq!(
                (&error.code, error.description.as_str()),
                (
                    &ErrorCode::InvalidResponse,
                    "the token endpoint answered 200 without OAuth JSON"
                ),
                "{body}"
            );
        }
        let cases: &[(u32, &str, &str, &str)] = &[
            (
                400,
                r#"{"error":"invalid_grant","error_description":"Code expired","error_uri":"https://e.example/g"}"#,
                "invalid_grant",
                "Code expired",
            ),
            (
                401,
                r#"{"error":"invalid_client"}"#,
                "invalid_client",
                "the provider refused (invalid_client)",
            ),
            (
                200,
                r#"{"access_token":"at"}"#,
                "invalid_response",
                "no token_type",
            ),
            (
                200,
                r#"{"access_token":"at","token_type":"mac"}"#,
                "invalid_response",
                "`mac` is not supported",
            ),
            (
                200,
                r#"{"access_token":"","token_type":"bearer"}"#,
                "invalid_response",
                "no access_token",
            ),
            (200, r#"{}"#, "invalid_response", "no access_token"),
            (
                500,
                r#"{"access_token":"at","token_type":"bearer"}"#,
                "invalid_response",
                "answered 500 with neither a token nor an error",
            ),
            (
                200,
                r#"{"access_token":7,"token_type":"bearer"}"#,
                "invalid_response",
                "answered 200 without OAuth JSON",
            ),
            (
                200,
                r#"{"access_token":"a","access_token":"b","token_type":"bearer"}"#,
                "invalid_response",
                "without OAuth JSON",
            ),
            // Found by the fuzz target `token_answer`: a repeat after a null is a repeat.
            (
                200,
                r#"{"access_token":null,"access_token":"at","token_type":"bearer"}"#,
                "invalid_response",
                "without OAuth JSON",
            ),
            (
                200,
                r#"{"access_token":"at","token_type":"bearer","expires_in":-1}"#,
                "invalid_response",
                "without OAuth JSON",
            ),
            (
                200,
                r#"{"access_token":"at","token_type":"bearer","expires_in":1.5}"#,
                "invalid_response",
                "without OAuth JSON",
            ),
            (
                200,
                r#"{"access_token":"at","token_type":"bearer","expires_in":"3600"}"#,
                "invalid_response",
                "without OAuth JSON",
            ),
            (
                200,
                r#"{"access_token":"at","token_type":"bearer","expires_in":99999999999}"#,
                "invalid_response",
                "expires_in",
            ),
            (
                200,
                r#"["access_token"]"#,
                "invalid_response",
                "without OAuth JSON",
            ),
            (
                502,
                "<html>Bad gateway</html>",
                "invalid_response",
                "answered 502 without OAuth JSON",
            ),
        ];
        for (status, body, code, words) in cases {
            let err = endpoint(*status, body, &CUSTOM).expect_err(body);
            assert_eq!(err.code.as_str(), *code, "{body}");
            assert!(
                err.description.contains(words),
                "{body}: {}",
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
            (err.reason.as_deref(), err.uri.as_deref()),
            (None, Some("https://e.example/g"))
        );
        let huge = format!(
            r#"{{"access_token":"{}","token_type":"bearer"}}"#,
            "x".repeat(MAX_TOKEN_ANSWER_BYTES)
        );
        assert!(endpoint(200, &huge, &CUSTOM).is_err());
    }

    #[test]
    fn capture_finds_responses_and_keeps_the_rest_of_the_address() {
        let c = capture("?a=1", "#access_token=t&state=s").unwrap();
        assert_eq!(
            (c.raw.as_str(), c.rest.as_str()),
            ("access_token=t&state=s", "?a=1")
        );
        assert_eq!(capture("", "#state=s").unwrap().raw, "state=s");
        assert_eq!(capture("", "#error=x").unwrap().raw, "error=x");
        assert_eq!(capture("", "#section-2"), None);
        assert_eq!(capture("?q=access_token", ""), None);
        assert_eq!(capture("", ""), None);
        let c = capture("?keep=1&code=c&state=s&iss=i&other=2", "#frag").unwrap();
        assert_eq!(
            (c.raw.as_str(), c.rest.as_str()),
            ("code=c&state=s&iss=i", "?keep=1&other=2#frag")
        );
        let c = capture(
            "?error=access_denied&error_reason=user_denied&error_description=x",
            "",
        )
        .unwrap();
        assert_eq!(
            (c.raw.as_str(), c.rest.as_str()),
            (
                "error=access_denied&error_reason=user_denied&error_description=x",
                ""
            )
        );
        assert_eq!(capture("?state=s", ""), None);
    }

    proptest! {
        #[test]
        fn resolving_never_panics(raw in ".{0,200}|[a-z_=&%0-9]{0,200}") {
            let _ = resolve(&raw, &CUSTOM);
            let _ = capture(&raw, &raw);
        }

        #[test]
        fn token_answers_never_panic(status in 0u32..1000, body in ".{0,200}|[\\[\\]{}\":,a-z_0-9 ]{0,200}") {
            let _ = endpoint(status, &body, &CUSTOM);
        }

        #[test]
        fn token_answers_agree_with_a_typed_serde_reading(
            token in proptest::option::of("[a-z]{0,4}"),
            kind in proptest::option::of(proptest::sample::select(vec!["bearer", "Bearer", "mac", ""])),
            expires in proptest::option::of(0u64..10_000),
            extra in proptest::sample::select(vec!["", ",\"x\":[1,{}],\"user\":{\"a\":1}"]),
        ) {
            #[derive(serde::Deserialize)]
            #[allow(dead_code)]
            struct Typed { access_token: Option<String>, token_type: Option<String>, expires_in: Option<u64> }
            let mut members = Vec::new();
            if let Some(t) = &token { members.push(format!("\"access_token\":\"{t}\"")); }
            if let Some(k) = &kind { members.push(format!("\"token_type\":\"{k}\"")); }
            if let Some(e) = expires { members.push(format!("\"expires_in\":{e}")); }
            let body = format!("{{{}{}}}", members.join(","), if members.is_empty() { extra.trim_start_matches(',').to_owned() } else { extra.to_owned() });
            let typed: Typed = serde_json::from_str(&body).unwrap();
            let ours = endpoint(200, &body, &CUSTOM);
            let expected_ok = typed.access_token.is_some_and(|t| !t.is_empty()) && typed.token_type.is_some_and(|k| k.eq_ignore_ascii_case("bearer"));
            prop_assert_eq!(ours.is_ok(), expected_ok, "{}", body);
        }
    }
}
