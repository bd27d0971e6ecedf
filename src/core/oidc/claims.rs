//! The id_token's claims, checked once its signature verified (OpenID Connect Core 3.1.3.7 and
//! 3.2.2.11), `at_hash` (3.1.3.6, 3.2.2.9), and what a renewed id_token must keep (12.2).

use super::profile::text;
use super::{refused, refused_as};
use crate::core::error::OAuthError;
use std::borrow::Cow;

use crate::core::json::{self, Member, Value, Writer};
use crate::core::text::{
    base64url, decimal_or_max, find, same_secret, saturating_times, split_once, Lend,
};

/// The clock skew allowed either way on `exp`, `iat` and `nbf`.
pub const SKEW_MS: u64 = 60_000;

/// What the login expects of its id_token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expect<'a> {
    /// The issuer, exactly as `iss` must be.
    pub issuer: &'a str,
    /// The client id, which `aud` must include.
    pub client_id: &'a str,
    /// The login's `nonce`; `None` on renewal, where it is not checked.
    pub nonce: Option<&'a str>,
    /// Now, in milliseconds since the Unix epoch.
    pub now_ms: u64,
    /// The login's `max_age`, in seconds, if its request carried one: `auth_time` must then be
    /// given and no older (OIDC Core 2, 3.1.2.1). `None` on renewal, whose token keeps the
    /// first login's `auth_time`.
    pub max_age: Option<u64>,
}

/// What the checks established, and what a renewed id_token must repeat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// `iss`.
    pub iss: String,
    /// `sub`: who logged in, for this issuer.
    pub sub: String,
    /// `aud` as a JSON array of strings in the token's order (a single string becomes an array
    /// of one), so two tokens' audiences compare as text.
    pub aud: String,
    /// `at_hash`, if the token has one: see [`check_at_hash`].
    pub at_hash: Option<String>,
    /// Whether the token has an `azp`: a verified token's is the client id, so two tokens of one
    /// client that both have one have the same (a bool costs 26 B less than the text).
    pub azp: bool,
    /// `auth_time` in milliseconds, if the token gives one as a number of seconds.
    pub auth_time: Option<u64>,
}

/// Checks the claims (the payload's JSON text) of an id_token whose signature verified: `iss` is
/// the issuer; `aud` (a string or an array of strings) includes the client id; `azp`, required
/// with several audiences, is the client id when present; `exp` is a number of seconds in the
/// future, and `iat` and `nbf` (if given) ones not in it, with [`SKEW_MS`] either way; `nonce`
/// is the login's when one is expected; `auth_time` is within `max_age` when the login asked
/// for one; `sub` is a non-empty string. Each failure is
/// `invalid_id_token` naming the check.
#[inline(always)]
pub fn check_claims(claims: &str, expect: &Expect) -> Result<Verified, OAuthError> {
    check_parsed(json::parse(claims), expect)
}

/// [`check_claims`] on the claims' text as parsed (`None`: not JSON), for a caller that reads
/// them again for the profile: one parse for both.
#[inline(always)]
pub fn check_parsed(claims: Option<Value>, expect: &Expect) -> Result<Verified, OAuthError> {
    // Each fixed refusal, `checked`'s too, leaves the block with its text, made an error in one
    // place below.
    let why = 'fixed: {
        let Some(claims @ Value::Object(_)) = claims else {
            break 'fixed "the payload is not a JSON object";
        };
        if claims.has_duplicate() {
            break 'fixed "a claim is given twice";
        }
        // Checks borrow from the text (`iss` is read by `str_of`, the reader every owned member
        // goes through: fewer bytes than a second way). Matched by reference, it is dropped
        // once; `Verified` keeps a copy of the issuer it equals. What else `Verified` owns is
        // copied at the end.
        match &claims.str_of("iss") {
            Some(iss) if **iss == *expect.issuer => {}
            Some(iss) => {
                return Err(refused(&[
                    "`iss` `",
                    iss,
                    "` is not the issuer `",
                    expect.issuer,
                    "`",
                ]))
            }
            _ => break 'fixed "`iss` is missing",
        }
        let audiences = audiences(claims.get("aud"), false);
        if let Err(why) = checked(&claims, expect, &audiences) {
            break 'fixed why;
        }
        // Read as the profile reads a text: a non-empty string's.
        let Some(sub) = text(claims.get("sub")) else {
            break 'fixed "`sub` is missing or empty";
        };
        return Ok(named(&claims, expect.issuer.into(), sub, &audiences));
    };
    Err(refused_as(why))
}

/// [`check_claims`] after `iss`, given `aud`'s audiences, up to `sub`: each failure is a fixed
/// text. What passed is read into `Verified` by the caller, which builds it in its own answer
/// (built here, it was copied out of this one's).
#[inline(always)]
fn checked(claims: &Value, expect: &Expect, audiences: &[Member]) -> Result<(), &'static str> {
    let mut ours = false;
    // By a slice pattern: a `for` over the list calls its iterator.
    let mut rest = audiences;
    while let [(_, audience), tail @ ..] = rest {
        rest = tail;
        if !matches!(audience, Value::Str(_)) {
            return Err("`aud` is not a string or an array of strings");
        }
        ours |= audience.is_str(expect.client_id);
    }
    if !ours {
        return Err("`aud` does not include the client id");
    }
    match claims.get("azp") {
        None if audiences.len() == 1 => {}
        None => return Err("`azp` is required with several audiences"),
        Some(azp) if azp.is_str(expect.client_id) => {}
        Some(_) => return Err("`azp` is not the client id"),
    }
    let Some(exp) = seconds_ms(claims.get("exp")) else {
        return Err("`exp` is not a number of seconds");
    };
    if exp.saturating_add(SKEW_MS) <= expect.now_ms {
        return Err("`exp` has passed");
    }
    let Some(iat) = seconds_ms(claims.get("iat")) else {
        return Err("`iat` is not a number of seconds");
    };
    if iat > expect.now_ms.saturating_add(SKEW_MS) {
        return Err("`iat` is in the future");
    }
    // RFC 7519 4.1.5: `nbf`, if given, with the same skew.
    let nbf = claims.get("nbf");
    if nbf.is_some()
        && seconds_ms(nbf).is_none_or(|nbf| nbf > expect.now_ms.saturating_add(SKEW_MS))
    {
        return Err("`nbf` is not a number of seconds in the past");
    }
    if let Some(nonce) = expect.nonce {
        // The given nonce compared where it is (lent, where it has no escape), not copied.
        match claims.get("nonce") {
            Some(given)
                if given
                    .as_str()
                    .is_some_and(|given| same_secret(given.lend(), nonce)) => {}
            Some(_) => return Err("`nonce` is not the login's"),
            None => return Err("`nonce` is missing"),
        }
    }
    let auth_time = claims.get("auth_time");
    let auth_time_ms = seconds_ms(auth_time);
    if let Some(max_age) = expect.max_age {
        let oldest = saturating_times(max_age, 1000).saturating_add(SKEW_MS);
        if auth_time_ms.is_none_or(|auth_time| expect.now_ms.saturating_sub(auth_time) > oldest) {
            return Err("`auth_time` is missing or older than max_age");
        }
    }
    // OIDC Core 2: `auth_time` is a number of seconds; anything else but `null` is refused. Read
    // as none, a renewal's would pass for the login's unchecked (see `same_subject`).
    if auth_time_ms.is_none() && auth_time.is_some_and(|given| !matches!(given, Value::Null)) {
        return Err("`auth_time` is not a number of seconds");
    }
    Ok(())
}

/// What a token names, once `iss`, `sub` and `aud` are read: one reader for a token checked
/// now and one read back.
fn named(claims: &Value, iss: String, sub: String, audiences: &[Member]) -> Verified {
    Verified {
        iss,
        sub,
        aud: audience_text(audiences),
        // A non-string `at_hash` counts as none: where one is required, that fails.
        at_hash: claims.str_of("at_hash"),
        azp: claims.get("azp").is_some(),
        auth_time: seconds_ms(claims.get("auth_time")),
    }
}

/// `aud` as [`Verified::aud`] keeps it: a JSON array of the strings, in order.
fn audience_text(audiences: &[Member]) -> String {
    let mut aud = Writer::default();
    aud.raw("[");
    for (_, audience) in audiences {
        // Owned by the reader of a non-empty string (an empty one, or none, is written empty).
        aud.string(&text(Some(*audience)).unwrap_or_default());
    }
    aud.raw("]");
    aud.finish()
}

/// `aud`'s audiences: an array's elements, or a single string as a list of one (or any single
/// value, when `any_one`); none for anything else. One reader for the check and for
/// [`subject`].
fn audiences<'a>(aud: Option<Value<'a>>, any_one: bool) -> Vec<Member<'a>> {
    match aud {
        Some(list @ Value::Array(_)) => list.members(),
        // One arm for a single value: two identical arms are kept apart.
        Some(one) if any_one || matches!(one, Value::Str(_)) => vec![(Cow::Borrowed(""), one)],
        _ => Vec::new(),
    }
}

/// Who a verified id_token names (`iss`, `sub`, `aud`, `azp`, `auth_time`), read back from its
/// claims, to hold a renewed one to (Core 12.2). Nothing is checked again: the token passed
/// when it came.
#[inline(always)]
pub fn subject(claims: &str) -> Option<Verified> {
    // Read where it was parsed, not copied out of its `Option`.
    let Some(claims) = &json::parse(claims) else {
        return None;
    };
    // None without `aud`; handed on as looked up, not copied out of its `Option` and into
    // another.
    let aud = claims.get("aud");
    aud?;
    let audiences = audiences(aud, true);
    Some(named(
        claims,
        claims.str_of("iss")?,
        claims.str_of("sub")?,
        &audiences,
    ))
}

/// A NumericDate (RFC 7519 2) in milliseconds: a JSON number of seconds, its fraction dropped
/// (floored); negative numbers, exponents and dates past the year 5000 (more than 11 digits)
/// are refused.
///
/// Inlined over [`ms_or_max`], whose plain number comes back in a register where an `Option`
/// would come back through memory.
#[inline(always)]
fn seconds_ms(value: Option<Value>) -> Option<u64> {
    let ms = ms_or_max(value);
    (ms != u64::MAX).then_some(ms)
}

/// What [`seconds_ms`] reads; `u64::MAX` for `None`, which it never reaches: 11 digits of
/// seconds are below 10^11, so their milliseconds are below 10^14.
fn ms_or_max(value: Option<Value>) -> u64 {
    let Some(Value::Number(raw)) = value else {
        return u64::MAX;
    };
    if find(raw, b"-eE").is_some() {
        return u64::MAX;
    }
    let whole = split_once(raw, b'.').map_or(raw, |(whole, _)| whole);
    // None (`u64::MAX`) stays none: it saturates.
    saturating_times(decimal_or_max(whole, 11), 1000)
}

/// `at_hash` for an access token, given the digest of its ASCII bytes with the hash that
/// [`super::jws::Alg::at_hash_digest`] names: the base64url of the digest's left half
/// (16 bytes of a SHA-256, 32 of a SHA-512).
pub fn at_hash_of(digest_of_access_token: &[u8]) -> String {
    let half = digest_of_access_token.len() / 2;
    base64url(digest_of_access_token.get(..half).unwrap_or_default())
}

/// Checks a verified token's `at_hash` against the access token that came with it. `required`
/// in the implicit grant (`token id_token`, Core 3.2.2.10); elsewhere an absent one passes.
#[inline(always)]
pub fn check_at_hash(
    at_hash: Option<&str>,
    digest_of_access_token: &[u8],
    required: bool,
) -> Result<(), OAuthError> {
    match at_hash {
        None if !required => Ok(()),
        None => Err(refused_as("`at_hash` is missing")),
        // No digest (WebCrypto failed) matches nothing, not even an empty `at_hash`.
        Some(given)
            if !digest_of_access_token.is_empty()
                && given == at_hash_of(digest_of_access_token) =>
        {
            Ok(())
        }
        Some(_) => Err(refused_as("`at_hash` does not match the access token")),
    }
}

/// A renewed id_token must name the same `iss`, `sub`, `aud` and `azp` (or none, where the
/// login's had none) as the login's, and an `auth_time` it gives must be the login's: the
/// original authentication's, not the renewal's (Core 12.2). Where the login gave none, the
/// original time is unknown here, and a renewal's is taken as given (Core 12.2 asks only that
/// it be the original's; refusing it would end sessions of providers that add it on refresh).
/// `nonce` is not checked on renewal.
#[inline(always)]
pub fn same_subject(first: &Verified, next: &Verified) -> Result<(), OAuthError> {
    // The first that differs, named: no table of pairs is built.
    let name = if first.iss != next.iss {
        "iss"
    } else if first.sub != next.sub {
        "sub"
    } else if first.aud != next.aud {
        "aud"
    } else if first.azp != next.azp {
        "azp"
    } else if matches!((first.auth_time, next.auth_time), (Some(a), Some(b)) if a != b) {
        "auth_time"
    } else {
        return Ok(());
    };
    Err(refused(&[
        "the renewed token's `",
        name,
        "` is not the login's",
    ]))
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::core::contract::ErrorCode;
    use proptest::prelude::*;
    use serde_json::json;
    use sha2::{Digest, Sha256, Sha512};

    const NOW_MS: u64 = 1_700_000_000_000;
    const EXPECT: Expect = Expect {
        issuer: "https://id.example",
        client_id: "spa",
        nonce: Some("n-0S6_WzA2Mj"),
        now_ms: NOW_MS,
        max_age: None,
    };

    /// The largest NumericDate read (11 digits, fraction dropped) stays clear of the `u64::MAX`
    /// that stands for none; 12 digits are none.
    #[test]
    fn seconds_ms_reads_up_to_eleven_digits() {
        let read = |raw| seconds_ms(Some(Value::Number(raw)));
        assert_eq!(read("99999999999"), Some(99_999_999_999_000));
        assert_eq!(read("99999999999.999"), Some(99_999_999_999_000));
        assert_eq!(read("0"), Some(0));
        for bad in ["100000000000", "18446744073709551615", "-1", "1e3", ""] {
            assert_eq!(read(bad), None, "{bad}");
        }
        assert_eq!(seconds_ms(Some(Value::Null)), None);
        assert_eq!(seconds_ms(None), None);
    }

    /// Good claims, with `changes` replacing or adding members (`null` removes one).
    fn claims(changes: serde_json::Value) -> String {
        let mut c = json!({
            "iss": "https://id.example", "sub": "24400320", "aud": "spa",
            "nonce": "n-0S6_WzA2Mj", "exp": 1_700_000_600, "iat": 1_699_999_900,
            "auth_time": 1_699_999_800,
        });
        for (k, v) in changes.as_object().unwrap() {
            if v.is_null() {
                c.as_object_mut().unwrap().remove(k);
            } else {
                c[k] = v.clone();
            }
        }
        c.to_string()
    }

    fn refusal(claims: &str, expect: &Expect) -> String {
        let error = check_claims(claims, expect).unwrap_err();
        assert_eq!(error.code, ErrorCode::InvalidIdToken);
        error.description.clone()
    }

    #[test]
    fn good_claims_pass() {
        let verified = check_claims(
            &claims(json!({"at_hash": "77QmUPtjPfzWtF2AnpK9RQ"})),
            &EXPECT,
        )
        .unwrap();
        assert_eq!(
            verified,
            Verified {
                iss: "https://id.example".into(),
                sub: "24400320".into(),
                aud: r#"["spa"]"#.into(),
                at_hash: Some("77QmUPtjPfzWtF2AnpK9RQ".into()),
                azp: false,
                auth_time: Some(1_699_999_800_000),
            }
        );
        let several = claims(json!({"aud": ["api", "spa"], "azp": "spa"}));
        assert_eq!(
            check_claims(&several, &EXPECT).unwrap().aud,
            r#"["api","spa"]"#
        );
        let one_with_azp = claims(json!({"aud": ["spa"], "azp": "spa"}));
        assert!(check_claims(&one_with_azp, &EXPECT).is_ok());
        // A nonce is checked only when expected (renewal expects none).
        let renewal = Expect {
            nonce: None,
            ..EXPECT
        };
        assert!(check_claims(&claims(json!({"nonce": null})), &renewal).is_ok());
        assert!(check_claims(&claims(json!({"nonce": "other"})), &renewal).is_ok());
    }

    #[test]
    fn an_azp_given_twice_is_not_read_as_absent() {
        // One audience, and an `azp` naming another client, given twice: it is present in every
        // reading, and not the client id.
        let good = claims(json!({}));
        let doubled = format!(
            r#"{},"azp":"other","azp":"other"}}"#,
            &good[..good.len() - 1]
        );
        assert!(check_claims(&doubled, &EXPECT).is_err(), "{doubled}");
    }

    #[test]
    fn an_empty_digest_matches_no_at_hash() {
        // The driver answers a failed `crypto.subtle.digest` with no bytes; an `at_hash` of ""
        // must not match it (a SHA-256's half is 16 bytes, a SHA-512's 32).
        assert!(check_at_hash(Some(""), &[], true).is_err());
    }

    /// OIDC Core 2: with `max_age` in the request, `auth_time` is required; 3.1.2.1: a login
    /// older than `max_age` is not the fresh one asked for (the skew as for `exp`).
    #[test]
    fn a_login_with_max_age_needs_an_auth_time_no_older() {
        // EXPECT's claims say the person logged in 200 s before now.
        let within = |max_age| Expect {
            max_age: Some(max_age),
            ..EXPECT
        };
        assert!(check_claims(&claims(json!({})), &within(200)).is_ok());
        assert!(check_claims(&claims(json!({})), &within(140)).is_ok());
        assert_eq!(
            refusal(&claims(json!({})), &within(139)),
            "id_token: `auth_time` is missing or older than max_age"
        );
        for bad in [json!(null), json!("1699999800"), json!(-5)] {
            assert_eq!(
                refusal(&claims(json!({ "auth_time": bad })), &within(3600)),
                "id_token: `auth_time` is missing or older than max_age"
            );
        }
        // Without max_age, `auth_time` is not needed, but one given is a number of seconds.
        assert!(check_claims(&claims(json!({ "auth_time": null })), &EXPECT).is_ok());
        for bad in [json!("1699999800"), json!(-5), json!(true), json!([1])] {
            assert_eq!(
                refusal(&claims(json!({ "auth_time": bad })), &EXPECT),
                "id_token: `auth_time` is not a number of seconds"
            );
        }
    }

    #[test]
    fn times_allow_sixty_seconds_of_skew() {
        let at = |exp: serde_json::Value, iat: serde_json::Value, now_ms| {
            check_claims(
                &claims(json!({"exp": exp, "iat": iat})),
                &Expect { now_ms, ..EXPECT },
            )
            .map(|_| ())
            .map_err(|e| e.description.clone())
        };
        let exp = json!(1_700_000_000);
        let iat = json!(1_699_999_000);
        assert_eq!(at(exp.clone(), iat.clone(), 1_700_000_059_999), Ok(()));
        assert_eq!(
            at(exp.clone(), iat.clone(), 1_700_000_060_000),
            Err("id_token: `exp` has passed".into())
        );
        assert_eq!(
            at(json!(1_700_000_000.9), iat.clone(), 1_700_000_059_999),
            Ok(()),
            "a fraction is floored"
        );
        assert_eq!(
            at(json!(1_700_000_000.9), iat.clone(), 1_700_000_060_500),
            Err("id_token: `exp` has passed".into())
        );
        let future = json!(1_700_000_100);
        assert_eq!(
            at(future.clone(), json!(1_700_000_060), 1_700_000_000_000),
            Ok(())
        );
        assert_eq!(
            at(future.clone(), json!(1_700_000_061), 1_700_000_000_000),
            Err("id_token: `iat` is in the future".into())
        );
        assert_eq!(
            at(future.clone(), json!(1_700_000_060.5), 1_700_000_000_000),
            Ok(())
        );
        assert_eq!(
            at(future, iat, u64::MAX),
            Err("id_token: `exp` has passed".into())
        );
    }

    #[test]
    fn each_failure_names_its_check() {
        for (changes, why) in [
            (
                json!({"iss": "https://evil.example"}),
                "`iss` `https://evil.example` is not the issuer `https://id.example`",
            ),
            (
                json!({"iss": "https://id.example/"}),
                "`iss` `https://id.example/` is not the issuer `https://id.example`",
            ),
            (json!({"iss": null}), "`iss` is missing"),
            (json!({"iss": 1}), "`iss` is missing"),
            (
                json!({"aud": "other"}),
                "`aud` does not include the client id",
            ),
            (
                json!({"aud": ["other", "api"], "azp": "spa"}),
                "`aud` does not include the client id",
            ),
            (json!({"aud": []}), "`aud` does not include the client id"),
            (json!({"aud": null}), "`aud` does not include the client id"),
            (
                json!({"aud": "SPA"}),
                "`aud` does not include the client id",
            ),
            (
                json!({"aud": ["spa", 1]}),
                "`aud` is not a string or an array of strings",
            ),
            (
                json!({"aud": ["spa", "api"]}),
                "`azp` is required with several audiences",
            ),
            (
                json!({"aud": ["spa", "api"], "azp": "api"}),
                "`azp` is not the client id",
            ),
            (json!({"azp": "other"}), "`azp` is not the client id"),
            (json!({"azp": 1}), "`azp` is not the client id"),
            (json!({"exp": null}), "`exp` is not a number of seconds"),
            (
                json!({"exp": "1700000600"}),
                "`exp` is not a number of seconds",
            ),
            (json!({"exp": -1}), "`exp` is not a number of seconds"),
            (
                json!({"exp": 100_000_000_000u64}),
                "`exp` is not a number of seconds",
            ),
            (json!({"exp": 1_699_999_000}), "`exp` has passed"),
            (json!({"iat": null}), "`iat` is not a number of seconds"),
            (json!({"iat": -5}), "`iat` is not a number of seconds"),
            (json!({"iat": 1_700_000_100}), "`iat` is in the future"),
            (
                json!({"nonce": "n-0S6_WzA2Mk"}),
                "`nonce` is not the login's",
            ),
            (json!({"nonce": 5}), "`nonce` is not the login's"),
            (json!({"nonce": null}), "`nonce` is missing"),
            (json!({"sub": null}), "`sub` is missing or empty"),
            (json!({"sub": ""}), "`sub` is missing or empty"),
            (json!({"sub": 24400320}), "`sub` is missing or empty"),
        ] {
            assert_eq!(
                refusal(&claims(changes.clone()), &EXPECT),
                format!("id_token: {why}"),
                "{changes}"
            );
        }
        for bad in ["", "[]", "null", r#"{"iss":"https://id.example""#] {
            assert_eq!(
                refusal(bad, &EXPECT),
                "id_token: the payload is not a JSON object"
            );
        }
        let twice = r#"{"iss":"https://id.example","iss":"https://id.example"}"#;
        assert_eq!(refusal(twice, &EXPECT), "id_token: a claim is given twice");
        // An exponent's raw text, written by hand (serde would print it as a plain number).
        let exponent = claims(json!({})).replace("1700000600", "17.000006e8");
        assert_eq!(
            refusal(&exponent, &EXPECT),
            "id_token: `exp` is not a number of seconds"
        );
    }

    #[test]
    fn at_hash_is_the_left_half_of_the_digest() {
        // OpenID Connect Core A.3's example: this access token has this at_hash.
        let token = "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y";
        let digest = Sha256::digest(token);
        assert_eq!(at_hash_of(&digest), "77QmUPtjPfzWtF2AnpK9RQ");
        assert_eq!(
            check_at_hash(Some("77QmUPtjPfzWtF2AnpK9RQ"), &digest, true),
            Ok(())
        );
        assert_eq!(check_at_hash(None, &digest, false), Ok(()));
        assert_eq!(
            check_at_hash(None, &digest, true).unwrap_err().description,
            "id_token: `at_hash` is missing"
        );
        assert_eq!(
            check_at_hash(Some("77QmUPtjPfzWtF2AnpK9RR"), &digest, false)
                .unwrap_err()
                .description,
            "id_token: `at_hash` does not match the access token"
        );
        // Ed25519's at_hash: 32 bytes of SHA-512.
        let digest = Sha512::digest(token);
        assert_eq!(at_hash_of(&digest), base64url(&digest[..32]));
        assert_eq!(at_hash_of(&digest).len(), 43);
        assert_eq!(at_hash_of(&[]), "");
    }

    /// Core 12.2: a renewed id_token names the login's `iss`, `sub`, `aud` and `azp` (or none,
    /// where the login's had none); an `auth_time` it gives is the original authentication's.
    #[test]
    fn a_renewed_token_keeps_iss_sub_aud_azp_and_auth_time() {
        let login = json!({"aud": ["spa", "api"], "azp": "spa"});
        let first = check_claims(&claims(login.clone()), &EXPECT).unwrap();
        let renewal = Expect {
            nonce: None,
            ..EXPECT
        };
        // `changes` to the login's claims, in a renewed token issued later.
        let renewed = |first: &Verified, changes: serde_json::Value| {
            let mut all = login.clone();
            all["nonce"] = json!(null);
            all["iat"] = json!(1_700_000_000);
            for (k, v) in changes.as_object().unwrap() {
                all[k] = v.clone();
            }
            let next = check_claims(&claims(all), &renewal).unwrap();
            same_subject(first, &next).map_err(|e| {
                assert_eq!(e.code, ErrorCode::InvalidIdToken);
                e.description.clone()
            })
        };
        assert_eq!(renewed(&first, json!({})), Ok(()));
        // `auth_time` may be left out, or written with a fraction of the same second.
        assert_eq!(renewed(&first, json!({"auth_time": null})), Ok(()));
        assert_eq!(
            renewed(&first, json!({"auth_time": 1_699_999_800.5})),
            Ok(())
        );
        for (changes, why) in [
            (json!({"sub": "other"}), "sub"),
            (json!({"aud": "spa", "azp": null}), "aud"),
            (json!({"aud": ["api", "spa"]}), "aud"),
            // A new authentication's time, or one a second off.
            (json!({"auth_time": 1_700_000_000}), "auth_time"),
            (json!({"auth_time": 1_699_999_799}), "auth_time"),
        ] {
            assert_eq!(
                renewed(&first, changes.clone()),
                Err(format!(
                    "id_token: the renewed token's `{why}` is not the login's"
                )),
                "{changes}"
            );
        }
        let other_issuer = Verified {
            iss: "https://other.example".into(),
            ..first.clone()
        };
        assert_eq!(
            same_subject(&first, &other_issuer).unwrap_err().description,
            "id_token: the renewed token's `iss` is not the login's"
        );
        // One audience: a login without `azp` has renewals without one, and the reverse.
        let bare = check_claims(&claims(json!({})), &EXPECT).unwrap();
        let with_azp = check_claims(&claims(json!({"azp": "spa"})), &EXPECT).unwrap();
        for (first, next) in [(&bare, &with_azp), (&with_azp, &bare)] {
            assert_eq!(
                same_subject(first, next).unwrap_err().description,
                "id_token: the renewed token's `azp` is not the login's"
            );
        }
        assert_eq!(same_subject(&with_azp, &with_azp), Ok(()));
        // A login without `auth_time`: the original time is unknown, a renewal's is taken.
        let timeless = check_claims(&claims(json!({"auth_time": null})), &EXPECT).unwrap();
        assert_eq!(same_subject(&timeless, &timeless), Ok(()));
        assert_eq!(same_subject(&timeless, &bare), Ok(()));
    }

    /// What a renewed token is held to, read back from the login's claims, is what the check
    /// established.
    #[test]
    fn the_subject_read_back_is_the_checked_one() {
        for changes in [
            json!({}),
            json!({"aud": ["spa", "api"], "azp": "spa", "auth_time": null}),
        ] {
            let text = claims(changes);
            let checked = check_claims(&text, &EXPECT).unwrap();
            assert_eq!(subject(&text), Some(checked));
        }
    }

    proptest! {
        #[test]
        fn never_panics(claims in "\\PC{0,200}", now_ms in any::<u64>(), nonce in proptest::option::of("\\PC{0,4}")) {
            let expect = Expect { nonce: nonce.as_deref(), now_ms, ..EXPECT };
            let _ = check_claims(&claims, &expect);
        }

        #[test]
        fn never_panics_on_structured_junk(
            members in proptest::collection::vec(
                (prop::sample::select(&["iss", "aud", "azp", "exp", "iat", "nonce", "sub", "at_hash"][..]),
                 prop_oneof![
                    Just("\"https://id.example\"".to_owned()),
                    Just("\"spa\"".to_owned()),
                    Just("[\"spa\",\"x\"]".to_owned()),
                    "-?[0-9]{1,20}(\\.[0-9]{1,3})?([eE][+-]?[0-9]{1,3})?",
                    Just("null".to_owned()),
                    "\"\\PC{0,4}\"",
                 ]),
                0..10,
            ),
            now_ms in any::<u64>(),
        ) {
            let body = format!("{{{}}}", members.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect::<Vec<_>>().join(","));
            let expect = Expect { now_ms, nonce: None, ..EXPECT };
            if let Ok(verified) = check_claims(&body, &expect) {
                prop_assert_eq!(verified.iss, "https://id.example");
                prop_assert!(!verified.sub.is_empty());
            }
        }
    }
}
