//! Choosing the key that verifies an id_token from the issuer's key set (RFC 7517), and handing
//! it to WebCrypto's `importKey('jwk', ...)` with only its public members.
//!
//! The key decides what it may verify: a key whose `alg`, `use` or `key_ops` forbid the token's
//! algorithm is never used, whatever the token's header says.

use super::jws::Alg;
use super::refused;
use crate::core::error::OAuthError;
use crate::core::json::{self, Value, Writer};
use crate::core::text::from_base64url;

/// What [`choose_key`] decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyChoice {
    /// The key, as JWK JSON text for `importKey`.
    Key(String),
    /// No key has the token's `kid`: the key set may predate a rotation, so fetch it once more.
    UnknownKid,
    /// No usable key: the token fails (`invalid_id_token`).
    Refused(OAuthError),
}

/// A refusal (`refused`) as a choice: one function, not the wrapping at each refusal.
fn refuse(what: &[&str]) -> KeyChoice {
    KeyChoice::Refused(refused(what))
}

/// What a key for `alg` is: its key type, its curve (or empty), the phrase saying a key is not
/// one, and the public members WebCrypto imports, each with the byte lengths it may decode to:
/// an RSA modulus of 2048 to 8192 bits (RFC 7518 3.3), an exponent of at most 8 bytes,
/// full-size curve coordinates (RFC 7518 6.2.1.2, RFC 8037 2).
type Shape = (
    &'static str,
    &'static str,
    &'static str,
    &'static [(&'static str, usize, usize)],
);

fn shape(alg: Alg) -> Shape {
    match alg {
        Alg::RS256 | Alg::PS256 => (
            "RSA",
            "",
            "is not an RSA key",
            &[("n", 256, 1024), ("e", 1, 8)],
        ),
        Alg::ES256 => (
            "EC",
            "P-256",
            "is not an EC P-256 key",
            &[("x", 32, 32), ("y", 32, 32)],
        ),
        Alg::EdDSA => (
            "OKP",
            "Ed25519",
            "is not an OKP Ed25519 key",
            &[("x", 32, 32)],
        ),
    }
}

/// Chooses the key of the key set `jwks` (`{"keys":[...]}`) that verifies a token signed with
/// `alg` under `kid`.
///
/// A candidate has the key type (and curve) of `alg`, `use` absent or `sig`, `key_ops` absent or
/// holding `verify`, and `alg` absent or `alg` itself. With a `kid`, the one candidate with it;
/// no key with it at all is [`KeyChoice::UnknownKid`], and a key with it that is no candidate is
/// refused, naming why. Without a `kid`, the key set must hold exactly one candidate. The key
/// chosen must have well-formed public members; the text returned holds only those, with
/// `ext:true`, so private members never reach JS.
pub fn choose_key(jwks: &str, kid: Option<&str>, alg: Alg) -> KeyChoice {
    let Some(keys @ Value::Array(_)) = &json::parse(jwks).and_then(|set| set.get("keys")) else {
        return refuse(&["the key set is not {\"keys\":[...]}"]);
    };
    let (kty, crv, not_one, members) = shape(alg);
    let (mut chosen, mut count, mut unfit) = (None, 0, None);
    let keys = keys.members();
    for (_, key) in &keys {
        // Any of its `kid`s: a key giving `kid` twice is then refused for that (`why_unfit`),
        // where `get` would read it as having none and send the widget fetching the set again.
        if kid.is_some_and(|kid| !key.any_is("kid", Some(kid))) {
            continue;
        }
        match why_unfit(key, alg, (kty, crv, not_one)) {
            None => {
                count += 1;
                chosen = Some(key);
            }
            Some(why) => unfit = Some(why),
        }
    }
    let key = match (chosen, count, kid) {
        (Some(key), 1, _) => key,
        (None, _, Some(kid)) => {
            return match unfit {
                None => KeyChoice::UnknownKid,
                Some(why) => refuse(&["the key `", kid, "` ", why]),
            }
        }
        (Some(_), _, Some(kid)) => return refuse(&["several keys are `", kid, "`"]),
        // None, or several, without a `kid`: one refusal naming the algorithm.
        (_, _, None) => {
            let lead = if chosen.is_none() {
                "the key set has no key for "
            } else {
                "no `kid`, and several keys fit "
            };
            return refuse(&[lead, alg.name()]);
        }
    };
    let mut out = Writer::default();
    // Fixed JSON written as one piece where it can be: fewer calls.
    out.raw("{\"kty\":");
    out.string(kty);
    if !crv.is_empty() {
        out.key("crv");
        out.string(crv);
    }
    for &(name, min, max) in members {
        let value = key.str_of(name).unwrap_or_default();
        let fits = from_base64url(&value).is_some_and(|b| {
            // RSA's integers in the fewest octets (RFC 7518 2: no leading zero; the exponent is
            // never zero), the modulus of 2048 bits at least; a curve's coordinates have their
            // full size, so a zero leads them freely. The first byte read without an index, which
            // would bring a panic path on stable. Told apart without comparing texts: only RSA
            // has no curve, and only its modulus may be 256 bytes (its least).
            let least_first = if b.len() == 256 { 0x80 } else { 1 };
            min <= b.len() && b.len() <= max && (!crv.is_empty() || b.first() >= Some(&least_first))
        });
        if !fits {
            return refuse(&[
                "the key's `",
                name,
                "` is not a well-formed ",
                kty,
                " member",
            ]);
        }
        out.key(name);
        out.string(&value);
    }
    out.key("ext");
    out.raw("true}");
    KeyChoice::Key(out.finish())
}

/// Why `key` cannot verify `alg`, or `None` when it can: a phrase that follows "the key `kid` ".
fn why_unfit(
    key: &Value,
    alg: Alg,
    (kty, crv, not_one): (&str, &str, &'static str),
) -> Option<&'static str> {
    if !key.has_str("kty", kty) || !crv.is_empty() && !key.has_str("crv", crv) {
        return Some(not_one);
    }
    // A restriction given twice reads as absent: such a key is refused, not unrestricted.
    if key.has_duplicate() {
        return Some("gives a member twice");
    }
    if key.get("use").is_some_and(|given| !given.is_str("sig")) {
        return Some("is not a signing key (`use`)");
    }
    match key.get("key_ops") {
        None => {}
        Some(ops @ Value::Array(_)) if ops.any_is("", Some("verify")) => {}
        Some(_) => return Some("does not allow `verify` (`key_ops`)"),
    }
    match key.get("alg") {
        None => None,
        // `EdDSA` or its fully specified `Ed25519`, as `Alg::parse` reads them.
        Some(named) if named.is_str(alg.name()) || alg == Alg::EdDSA && named.is_str("Ed25519") => {
            None
        }
        // Never trust the token's `alg` over what the key allows.
        Some(_) => Some("allows another `alg` than the token's"),
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// RFC 7517 A.1's modulus (2048 bits).
    const N: &str = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";

    /// RFC 7517 A.1: public keys.
    fn a1() -> String {
        format!(
            r#"{{"keys":
       [
         {{"kty":"EC",
          "crv":"P-256",
          "x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4",
          "y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM",
          "use":"enc",
          "kid":"1"}},

         {{"kty":"RSA",
          "n": "{N}",
          "e":"AQAB",
          "alg":"RS256",
          "kid":"2011-04-29"}}
       ]
     }}"#
        )
    }

    /// RFC 7517 A.2's EC key (with its private `d`) and A.3's symmetric keys.
    const A2_A3: &str = r#"{"keys":[
        {"kty":"EC","crv":"P-256","x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4",
         "y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM",
         "d":"870MB6gfuTJ4HtUnUvYMyJpr5eUZNP4Bk43bVdj3eAE","use":"enc","kid":"1"},
        {"kty":"oct","alg":"A128KW","k":"GawgguFyGrWKav7AX4VKUg"},
        {"kty":"oct","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow",
         "kid":"HMAC key used in JWS spec Appendix A.1 example"}]}"#;

    /// RFC 8037 A.1's Ed25519 key, private `d` included.
    const OKP: &str = r#"{"keys":[{"kty":"OKP","crv":"Ed25519",
        "d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A",
        "x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}"#;

    fn refused_with(choice: KeyChoice) -> String {
        match choice {
            KeyChoice::Refused(error) => {
                assert_eq!(error.code, crate::core::contract::ErrorCode::InvalidIdToken);
                error.description.clone()
            }
            other => panic!("not refused: {other:?}"),
        }
    }

    #[test]
    fn rfc_7517_a1_gives_its_rsa_key() {
        let rsa = KeyChoice::Key(format!(
            r#"{{"kty":"RSA","n":"{N}","e":"AQAB","ext":true}}"#
        ));
        assert_eq!(from_base64url(N).unwrap().len(), 256);
        assert_eq!(choose_key(&a1(), Some("2011-04-29"), Alg::RS256), rsa);
        assert_eq!(
            choose_key(&a1(), None, Alg::RS256),
            rsa,
            "the one candidate"
        );
        assert_eq!(
            choose_key(&a1(), Some("2011-04-30"), Alg::RS256),
            KeyChoice::UnknownKid
        );
        assert_eq!(
            refused_with(choose_key(&a1(), Some("2011-04-29"), Alg::PS256)),
            "id_token: the key `2011-04-29` allows another `alg` than the token's"
        );
        assert_eq!(
            refused_with(choose_key(&a1(), Some("1"), Alg::ES256)),
            "id_token: the key `1` is not a signing key (`use`)"
        );
        assert_eq!(
            refused_with(choose_key(&a1(), None, Alg::ES256)),
            "id_token: the key set has no key for ES256"
        );
        assert_eq!(
            refused_with(choose_key(&a1(), Some("1"), Alg::RS256)),
            "id_token: the key `1` is not an RSA key"
        );
    }

    #[test]
    fn rfc_7517_a2_a3_private_and_symmetric_keys_are_never_used() {
        assert_eq!(
            refused_with(choose_key(A2_A3, None, Alg::RS256)),
            "id_token: the key set has no key for RS256"
        );
        assert_eq!(
            refused_with(choose_key(
                A2_A3,
                Some("HMAC key used in JWS spec Appendix A.1 example"),
                Alg::RS256
            )),
            "id_token: the key `HMAC key used in JWS spec Appendix A.1 example` is not an RSA key"
        );
        // The EC key as a signing key: only its public members go out.
        let signing = A2_A3.replace(r#""use":"enc""#, r#""use":"sig""#);
        assert_eq!(
            choose_key(&signing, Some("1"), Alg::ES256),
            KeyChoice::Key(r#"{"kty":"EC","crv":"P-256","x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4","y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM","ext":true}"#.into())
        );
    }

    #[test]
    fn rfc_8037_ed25519_key() {
        let public = KeyChoice::Key(
            r#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","ext":true}"#.into(),
        );
        assert_eq!(choose_key(OKP, None, Alg::EdDSA), public);
        assert_eq!(
            from_base64url("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo")
                .unwrap()
                .len(),
            32
        );
        let named = OKP.replace(r#""kty""#, r#""alg":"Ed25519","kid":"ed","kty""#);
        assert_eq!(choose_key(&named, Some("ed"), Alg::EdDSA), public);
        let named = OKP.replace(r#""kty""#, r#""alg":"EdDSA","kid":"ed","kty""#);
        assert_eq!(choose_key(&named, Some("ed"), Alg::EdDSA), public);
        assert_eq!(
            refused_with(choose_key(OKP, None, Alg::ES256)),
            "id_token: the key set has no key for ES256"
        );
        let x448 = OKP.replace("Ed25519", "Ed448");
        assert_eq!(
            refused_with(choose_key(&x448, None, Alg::EdDSA)),
            "id_token: the key set has no key for EdDSA"
        );
    }

    #[test]
    fn the_key_decides_what_it_verifies() {
        let rsa = |extra: &str| format!(r#"{{"kty":"RSA","kid":"k","n":"{N}","e":"AQAB"{extra}}}"#);
        let set = |keys: &[String]| format!(r#"{{"keys":[{}]}}"#, keys.join(","));
        let fits = |extra: &str, alg| {
            matches!(
                choose_key(&set(&[rsa(extra)]), Some("k"), alg),
                KeyChoice::Key(_)
            )
        };
        assert!(fits(r#","use":"sig""#, Alg::RS256));
        assert!(fits(r#","key_ops":["sign","verify"]"#, Alg::PS256));
        assert!(fits(r#","alg":"PS256""#, Alg::PS256));
        for (extra, alg, why) in [
            (
                r#","use":"enc""#,
                Alg::RS256,
                "is not a signing key (`use`)",
            ),
            (r#","use":null"#, Alg::RS256, "is not a signing key (`use`)"),
            (
                r#","key_ops":["sign"]"#,
                Alg::RS256,
                "does not allow `verify` (`key_ops`)",
            ),
            (
                r#","key_ops":"verify""#,
                Alg::RS256,
                "does not allow `verify` (`key_ops`)",
            ),
            (
                r#","alg":"RS256""#,
                Alg::PS256,
                "allows another `alg` than the token's",
            ),
            (
                r#","alg":"HS256""#,
                Alg::RS256,
                "allows another `alg` than the token's",
            ),
            (
                r#","alg":"none""#,
                Alg::RS256,
                "allows another `alg` than the token's",
            ),
            (
                r#","alg":7"#,
                Alg::RS256,
                "allows another `alg` than the token's",
            ),
            ("", Alg::ES256, "is not an EC P-256 key"),
            ("", Alg::EdDSA, "is not an OKP Ed25519 key"),
        ] {
            assert_eq!(
                refused_with(choose_key(&set(&[rsa(extra)]), Some("k"), alg)),
                format!("id_token: the key `k` {why}"),
                "{extra}"
            );
        }
        // Same kid, other key types: the one that fits is chosen.
        let ec = r#"{"kty":"EC","kid":"k","crv":"P-256","x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4","y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM"}"#;
        assert!(matches!(
            choose_key(&set(&[ec.into(), rsa("")]), Some("k"), Alg::RS256),
            KeyChoice::Key(_)
        ));
        assert!(matches!(
            choose_key(&set(&[ec.into(), rsa("")]), Some("k"), Alg::ES256),
            KeyChoice::Key(_)
        ));
        assert_eq!(
            refused_with(choose_key(&set(&[rsa(""), rsa("")]), Some("k"), Alg::RS256)),
            "id_token: several keys are `k`"
        );
        let other = rsa("").replace(r#""kid":"k""#, r#""kid":"j""#);
        assert_eq!(
            refused_with(choose_key(&set(&[rsa(""), other]), None, Alg::RS256)),
            "id_token: no `kid`, and several keys fit RS256"
        );
        // Without a kid in the token, a key set with kids still gives its one candidate.
        assert!(matches!(
            choose_key(&set(&[ec.into(), rsa("")]), None, Alg::RS256),
            KeyChoice::Key(_)
        ));
    }

    #[test]
    fn malformed_key_sets_and_keys_are_refused() {
        for body in [
            "",
            "[]",
            "{}",
            r#"{"keys":{}}"#,
            r#"{"keys":[],"keys":[]}"#,
            "<html>",
        ] {
            assert_eq!(
                refused_with(choose_key(body, None, Alg::RS256)),
                r#"id_token: the key set is not {"keys":[...]}"#,
                "{body}"
            );
        }
        assert_eq!(
            choose_key(r#"{"keys":[1,"a",null]}"#, Some("k"), Alg::RS256),
            KeyChoice::UnknownKid
        );
        let short_n = &N[..200];
        for (key, why) in [
            (format!(r#"{{"kty":"RSA","n":"{short_n}","e":"AQAB"}}"#), "the key's `n` is not a well-formed RSA member"),
            (format!(r#"{{"kty":"RSA","n":"{N}=","e":"AQAB"}}"#), "the key's `n` is not a well-formed RSA member"),
            (format!(r#"{{"kty":"RSA","n":"{N}"}}"#), "the key's `e` is not a well-formed RSA member"),
            (format!(r#"{{"kty":"RSA","n":"{N}","e":""}}"#), "the key's `e` is not a well-formed RSA member"),
            (r#"{"kty":"EC","crv":"P-256","x":"AAAA","y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM"}"#.into(), "the key's `x` is not a well-formed EC member"),
            (r#"{"kty":"OKP","crv":"Ed25519","x":7}"#.into(), "the key's `x` is not a well-formed OKP member"),
        ] {
            let alg = if key.contains("RSA") { Alg::RS256 } else if key.contains("OKP") { Alg::EdDSA } else { Alg::ES256 };
            assert_eq!(
                refused_with(choose_key(&format!(r#"{{"keys":[{key}]}}"#), None, alg)),
                format!("id_token: {why}"),
                "{key}"
            );
        }
    }

    #[test]
    fn a_restriction_given_twice_still_restricts() {
        // `use`, `key_ops` and `alg` each given twice, both times forbidding the token's
        // algorithm: every JSON reader (first-wins, last-wins) sees the restriction, so the key
        // must not be used. Reading the doubled member as absent makes it unrestricted.
        let rsa = |extra: &str| {
            format!(r#"{{"keys":[{{"kty":"RSA","kid":"k","n":"{N}","e":"AQAB"{extra}}}]}}"#)
        };
        let used: Vec<&str> = [
            (r#","use":"enc","use":"enc""#, Alg::RS256),
            (
                r#","key_ops":["encrypt"],"key_ops":["wrapKey"]"#,
                Alg::RS256,
            ),
            (r#","alg":"RS256","alg":"RS256""#, Alg::PS256),
        ]
        .into_iter()
        .filter(|(extra, alg)| {
            matches!(choose_key(&rsa(extra), Some("k"), *alg), KeyChoice::Key(_))
        })
        .map(|(extra, _)| extra)
        .collect();
        assert!(used.is_empty(), "keys used despite: {used:?}");
    }

    #[test]
    fn an_rsa_modulus_under_2048_bits_is_refused() {
        use crate::core::text::base64url;
        let n = from_base64url(N).unwrap();
        assert_eq!((n.len(), n[0] >= 0x80), (256, true), "A.1's n is 2048 bits");
        // 256 bytes, but a 2047-bit modulus (top byte 0x7f), and a non-minimal one with a
        // leading zero octet (RFC 7518 2, Base64urlUInt) that is at most 2040 bits.
        let mut short = n.clone();
        short[0] = 0x7f;
        let mut padded = n.clone();
        padded[0] = 0;
        let used: Vec<String> = [short, padded]
            .iter()
            .filter(|n| {
                let set = format!(
                    r#"{{"keys":[{{"kty":"RSA","n":"{}","e":"AQAB"}}]}}"#,
                    base64url(n)
                );
                matches!(choose_key(&set, None, Alg::RS256), KeyChoice::Key(_))
            })
            .map(|n| format!("n starting {:02x}", n[0]))
            .collect();
        assert!(used.is_empty(), "keys used: {used:?}");
    }

    #[test]
    fn an_rsa_exponent_in_more_octets_than_it_needs_is_refused() {
        // RFC 7518 2 (Base64urlUInt): `AAEAAQ` is 65537 with a leading zero octet, `AA` is zero.
        let rsa = |e: &str| format!(r#"{{"keys":[{{"kty":"RSA","n":"{N}","e":"{e}"}}]}}"#);
        assert!(matches!(
            choose_key(&rsa("AQAB"), None, Alg::RS256),
            KeyChoice::Key(_)
        ));
        for e in ["AAEAAQ", "AA"] {
            assert_eq!(
                refused_with(choose_key(&rsa(e), None, Alg::RS256)),
                "id_token: the key's `e` is not a well-formed RSA member",
                "{e}"
            );
        }
    }

    #[test]
    fn a_kid_given_twice_is_refused_for_that_not_fetched_again() {
        let set =
            format!(r#"{{"keys":[{{"kty":"RSA","kid":"k","kid":"other","n":"{N}","e":"AQAB"}}]}}"#);
        for kid in ["k", "other"] {
            assert_eq!(
                refused_with(choose_key(&set, Some(kid), Alg::RS256)),
                ["id_token: the key `", kid, "` gives a member twice"].concat()
            );
        }
        assert_eq!(
            choose_key(&set, Some("third"), Alg::RS256),
            KeyChoice::UnknownKid
        );
    }

    proptest! {
        #[test]
        fn never_panics(body in "\\PC{0,300}", kid in proptest::option::of("\\PC{0,5}")) {
            for alg in [Alg::RS256, Alg::PS256, Alg::ES256, Alg::EdDSA] {
                let _ = choose_key(&body, kid.as_deref(), alg);
            }
        }

        #[test]
        fn never_panics_on_structured_junk(
            keys in proptest::collection::vec(
                proptest::collection::vec(
                    (prop::sample::select(&["kty", "crv", "kid", "use", "key_ops", "alg", "n", "e", "x", "y"][..]),
                     prop::sample::select(&["\"RSA\"", "\"EC\"", "\"OKP\"", "\"P-256\"", "\"Ed25519\"", "\"sig\"", "[\"verify\"]", "\"RS256\"", "\"k\"", "\"AQAB\"", "\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"", "null", "1", "{}"][..])),
                    0..8,
                ),
                0..4,
            ),
            kid in proptest::option::of(Just("k")),
        ) {
            let keys: Vec<String> = keys.iter().map(|members| format!("{{{}}}", members.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect::<Vec<_>>().join(","))).collect();
            let body = format!(r#"{{"keys":[{}]}}"#, keys.join(","));
            for alg in [Alg::RS256, Alg::ES256, Alg::EdDSA] {
                if let KeyChoice::Key(jwk) = choose_key(&body, kid, alg) {
                    let v: serde_json::Value = serde_json::from_str(&jwk).unwrap();
                    prop_assert_eq!(&v["ext"], &serde_json::Value::Bool(true));
                    prop_assert!(v.get("d").is_none());
                }
            }
        }
    }
}
