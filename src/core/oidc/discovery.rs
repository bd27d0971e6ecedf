//! OpenID Connect Discovery 1.0: where an issuer's configuration lives, and what the widget takes
//! from it. A document is trusted only for the issuer it names, and only for https endpoints.

use crate::core::json::{self, Value};
use crate::core::oauth::url::is_secure_url;
use crate::core::text::cat;

/// The endpoints the widget reads.
const ENDPOINTS: [&str; 6] = [
    "authorization_endpoint",
    "token_endpoint",
    "userinfo_endpoint",
    "jwks_uri",
    "revocation_endpoint",
    "end_session_endpoint",
];

/// The address of `issuer`'s discovery document (section 4): `/.well-known/openid-configuration`
/// appended, so an issuer with a path keeps it; one trailing `/` of the issuer is dropped first.
pub fn discovery_url(issuer: &str) -> String {
    // After a trailing `/`, the path without its own `/`: the same text, and the issuer is not
    // cut (a checked `get` at run time). The path's tail is cut at compile time, from the same
    // bytes (a second literal costs its 32 bytes). The last byte is read, not `ends_with`
    // (nothing else in the wasm uses it).
    const PATH: &str = "/.well-known/openid-configuration";
    const AFTER_SLASH: &str = match PATH.as_bytes() {
        [_, tail @ ..] => match std::str::from_utf8(tail) {
            Ok(tail) => tail,
            Err(_) => PATH,
        },
        [] => PATH,
    };
    let path = match issuer.as_bytes().last() {
        Some(b'/') => AFTER_SLASH,
        _ => PATH,
    };
    cat(&[issuer, path])
}

/// What a discovery document supplies; each endpoint absent or `null` in it is `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Discovery {
    /// `authorization_endpoint`.
    pub authorization_endpoint: Option<String>,
    /// `token_endpoint`.
    pub token_endpoint: Option<String>,
    /// `userinfo_endpoint`.
    pub userinfo_endpoint: Option<String>,
    /// `jwks_uri`: the key set that verifies id_tokens.
    pub jwks_uri: Option<String>,
    /// `revocation_endpoint` (RFC 8414 names it; RFC 7009 defines it).
    pub revocation_endpoint: Option<String>,
    /// `end_session_endpoint` (OpenID Connect RP-Initiated Logout 1.0).
    pub end_session_endpoint: Option<String>,
}

/// Reads the discovery document `body` fetched for `issuer` (section 4.3): one JSON object whose
/// `issuer` equals `issuer` exactly, and whose endpoints, where present, are absolute `https:`
/// URLs (`http:` on a loopback host aside). The error is a sentence for an `invalid_config`
/// description. A member given twice counts as absent (the JSON reader's rule), so a duplicated
/// `issuer` fails.
#[inline(always)]
pub fn read_discovery(body: &str, issuer: &str) -> Result<Discovery, String> {
    let Some(doc @ Value::Object(_)) = &json::parse(body) else {
        return Err(cat(&[
            "the discovery document of `",
            issuer,
            "` is not a JSON object",
        ]));
    };
    // Compared in place; the text copied only to name another issuer, and matched by
    // reference: dropped once, whatever it is.
    if !doc.has_str("issuer", issuer) {
        return Err(match &doc.str_of("issuer") {
            Some(given) => cat(&[
                "the discovery document's issuer `",
                given,
                "` is not the issuer `",
                issuer,
                "`",
            ]),
            None => cat(&[
                "the discovery document has no issuer string (expected `",
                issuer,
                "`)",
            ]),
        });
    }
    // Check every endpoint first, then copy them: nothing owned is dropped on the way out.
    for &name in &ENDPOINTS {
        // Read by `str_of`, as it is copied below; what is not a string is looked at again.
        let url = doc.str_of(name);
        // The error's last pieces, joined with the rest by one `cat`.
        let [a, b, c] = match &url {
            Some(url) if is_secure_url(url) => continue,
            Some(url) => ["`", url, "` is not an https URL"],
            None if matches!(doc.get(name), None | Some(Value::Null)) => continue,
            None => ["is not a string", "", ""],
        };
        return Err(cat(&["the discovery document's ", name, " ", a, b, c]));
    }
    Ok(Discovery {
        authorization_endpoint: doc.str_of("authorization_endpoint"),
        token_endpoint: doc.str_of("token_endpoint"),
        userinfo_endpoint: doc.str_of("userinfo_endpoint"),
        jwks_uri: doc.str_of("jwks_uri"),
        revocation_endpoint: doc.str_of("revocation_endpoint"),
        end_session_endpoint: doc.str_of("end_session_endpoint"),
    })
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Google's document, abridged (its endpoints as published).
    const GOOGLE: &str = r#"{
 "issuer": "https://accounts.google.com",
 "authorization_endpoint": "https://accounts.google.com/o/oauth2/v2/auth",
 "device_authorization_endpoint": "https://oauth2.googleapis.com/device/code",
 "token_endpoint": "https://oauth2.googleapis.com/token",
 "userinfo_endpoint": "https://openidconnect.googleapis.com/v1/userinfo",
 "revocation_endpoint": "https://oauth2.googleapis.com/revoke",
 "jwks_uri": "https://www.googleapis.com/oauth2/v3/certs",
 "response_types_supported": ["code", "token", "id_token", "code token", "code id_token", "token id_token", "code token id_token", "none"],
 "subject_types_supported": ["public"],
 "id_token_signing_alg_values_supported": ["RS256"],
 "scopes_supported": ["openid", "email", "profile"],
 "code_challenge_methods_supported": ["plain", "S256"]
}"#;

    #[test]
    fn the_address_keeps_the_issuer_path() {
        for (issuer, url) in [
            (
                "https://accounts.google.com",
                "https://accounts.google.com/.well-known/openid-configuration",
            ),
            (
                "https://id.example/",
                "https://id.example/.well-known/openid-configuration",
            ),
            (
                "https://id.example/realms/app",
                "https://id.example/realms/app/.well-known/openid-configuration",
            ),
            (
                "https://id.example/tenant/",
                "https://id.example/tenant/.well-known/openid-configuration",
            ),
        ] {
            assert_eq!(discovery_url(issuer), url, "{issuer}");
        }
    }

    #[test]
    fn reads_googles_document() {
        let found = read_discovery(GOOGLE, "https://accounts.google.com").unwrap();
        assert_eq!(
            found,
            Discovery {
                authorization_endpoint: Some("https://accounts.google.com/o/oauth2/v2/auth".into()),
                token_endpoint: Some("https://oauth2.googleapis.com/token".into()),
                userinfo_endpoint: Some("https://openidconnect.googleapis.com/v1/userinfo".into()),
                jwks_uri: Some("https://www.googleapis.com/oauth2/v3/certs".into()),
                revocation_endpoint: Some("https://oauth2.googleapis.com/revoke".into()),
                end_session_endpoint: None,
            }
        );
    }

    #[test]
    fn an_issuer_with_a_path_and_loopback_http() {
        let body = r#"{"issuer":"https://id.example/realms/app",
            "authorization_endpoint":"https://id.example/realms/app/protocol/openid-connect/auth",
            "jwks_uri":"http://localhost:8080/certs","end_session_endpoint":null,
            "token_endpoint":"http://127.0.0.1:9/t","userinfo_endpoint":"http://[::1]/u"}"#;
        let found = read_discovery(body, "https://id.example/realms/app").unwrap();
        assert_eq!(
            found.jwks_uri.as_deref(),
            Some("http://localhost:8080/certs")
        );
        assert_eq!(
            found.token_endpoint.as_deref(),
            Some("http://127.0.0.1:9/t")
        );
        assert_eq!(found.userinfo_endpoint.as_deref(), Some("http://[::1]/u"));
        assert_eq!(found.end_session_endpoint, None);
        assert_eq!(found.revocation_endpoint, None);
    }

    #[test]
    fn refusals_name_what_was_wrong() {
        let issuer = "https://id.example";
        for (body, message) in [
            ("[]", "the discovery document of `https://id.example` is not a JSON object"),
            ("<html>", "the discovery document of `https://id.example` is not a JSON object"),
            (
                r#"{"issuer":"https://evil.example"}"#,
                "the discovery document's issuer `https://evil.example` is not the issuer `https://id.example`",
            ),
            (
                r#"{"issuer":"https://id.example/"}"#,
                "the discovery document's issuer `https://id.example/` is not the issuer `https://id.example`",
            ),
            (
                "{}",
                "the discovery document has no issuer string (expected `https://id.example`)",
            ),
            (
                r#"{"issuer":"https://id.example","issuer":"https://id.example"}"#,
                "the discovery document has no issuer string (expected `https://id.example`)",
            ),
            (
                r#"{"issuer":7}"#,
                "the discovery document has no issuer string (expected `https://id.example`)",
            ),
            (
                r#"{"issuer":"https://id.example","token_endpoint":"http://id.example/token"}"#,
                "the discovery document's token_endpoint `http://id.example/token` is not an https URL",
            ),
            (
                r#"{"issuer":"https://id.example","jwks_uri":"http://localhost.evil.example/k"}"#,
                "the discovery document's jwks_uri `http://localhost.evil.example/k` is not an https URL",
            ),
            (
                r#"{"issuer":"https://id.example","userinfo_endpoint":"/userinfo"}"#,
                "the discovery document's userinfo_endpoint `/userinfo` is not an https URL",
            ),
            (
                r#"{"issuer":"https://id.example","end_session_endpoint":"https://id.example/x#f"}"#,
                "the discovery document's end_session_endpoint `https://id.example/x#f` is not an https URL",
            ),
            (
                r#"{"issuer":"https://id.example","revocation_endpoint":["https://id.example/r"]}"#,
                "the discovery document's revocation_endpoint is not a string",
            ),
            (
                r#"{"issuer":"https://id.example","authorization_endpoint":true}"#,
                "the discovery document's authorization_endpoint is not a string",
            ),
        ] {
            assert_eq!(read_discovery(body, issuer), Err(message.into()), "{body}");
        }
    }

    proptest! {
        #[test]
        fn never_panics(body in "\\PC{0,200}", issuer in "\\PC{0,20}") {
            let _ = read_discovery(&body, &issuer);
            let _ = discovery_url(&issuer);
        }

        #[test]
        fn never_panics_on_structured_junk(
            members in proptest::collection::vec(
                (prop::sample::select(&["issuer", "jwks_uri", "token_endpoint", "x"][..]),
                 prop_oneof![
                    Just("\"https://id.example\"".to_owned()),
                    Just("null".to_owned()),
                    "\"(https?|ftp)://[a-z.:\\[\\]1#@/]{0,12}\"",
                    "[0-9]{1,3}",
                    Just("[]".to_owned()),
                 ]),
                0..6,
            )
        ) {
            let body = format!("{{{}}}", members.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect::<Vec<_>>().join(","));
            if let Ok(found) = read_discovery(&body, "https://id.example") {
                for url in [found.jwks_uri, found.token_endpoint].into_iter().flatten() {
                    prop_assert!(is_secure_url(&url));
                }
            }
        }
    }
}
