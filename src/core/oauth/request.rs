//! What the widget sends: the per-login secrets (`state`, the PKCE verifier), the authorization
//! request URL (RFC 6749 4.1.1 / 4.2.1, RFC 7636) and the token request (RFC 6749 4.1.3).

use std::fmt;

use super::config::Config;
use crate::core::contract::ResponseType;
use crate::core::text::{base64url, cat, find, form_pair, hex, join_words, same_secret, Lend};

/// Random bytes one login takes from `crypto.getRandomValues`: 32 for the state, 32 for the
/// PKCE verifier, 16 for the OpenID Connect nonce.
pub const RANDOM_BYTES: usize = 80;

/// A secret of one login (its `state`, its PKCE verifier): compared in constant time, never
/// printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps text known to be a secret.
    pub fn new(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    /// The text, for the request that carries it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether `given` is this secret.
    pub fn matches(&self, given: &str) -> bool {
        same_secret(&self.0, given)
    }
}

/// A secret that may be missing, lent as `as_ref().map(Secret::expose)` lends it, but inlined:
/// std's `Option::map`, kept apart by LLVM, handed its `&str` back through memory at each call.
impl Lend for Option<Secret> {
    type Lent<'a> = Option<&'a str>;

    #[inline(always)]
    fn lend(&self) -> Option<&str> {
        match self {
            Some(secret) => Some(&secret.0),
            None => None,
        }
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// The secrets of one login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Secrets {
    /// The `state`: 256 bits as hex.
    pub state: Secret,
    /// The PKCE `code_verifier` (the code flow): 32 bytes as base64url, 43 characters.
    pub verifier: Option<Secret>,
    /// The OpenID Connect `nonce`: 128 bits as hex.
    pub nonce: Option<Secret>,
}

/// The secrets of one login, made from [`RANDOM_BYTES`] random bytes: a verifier for the code
/// flow, a nonce where the id_token is verified (`proves`); `None` when the bytes are missing
/// (the page has no `crypto.getRandomValues`).
#[inline(always)]
pub fn login_secrets(random: &[u8], code_flow: bool, proves: bool) -> Option<Secrets> {
    // A fixed array: its parts are cut at constant places, with nothing to check.
    let random = random.first_chunk::<RANDOM_BYTES>()?;
    Some(Secrets {
        state: Secret(hex(&random[..32])),
        verifier: code_flow.then(|| Secret(base64url(&random[32..64]))),
        nonce: proves.then(|| Secret(hex(&random[64..]))),
    })
}

/// The authorization request URL at `endpoint` for `config`, with the login's secrets and, in
/// the code flow, the PKCE challenge (`BASE64URL(SHA-256(verifier))`, from its digest).
#[inline(always)]
pub fn authorize_url(
    endpoint: &str,
    config: &Config,
    secrets: &Secrets,
    digest: Option<&[u8]>,
) -> String {
    // `scope` holds each word once already: joined again with the provider's separator.
    let scope = join_words(&config.scope, config.preset.scope_separator);
    // OpenID Connect spells the implicit grant with an id_token this way (Core 3.2.2.1).
    let response_type = match config.response_type {
        ResponseType::TokenIdToken => "id_token token",
        other => other.as_str(),
    };
    // The query written as it is decided, pair by pair (no list of pairs first).
    let mut query = String::new();
    form_pair(&mut query, "response_type", response_type);
    client_id_pair(&mut query, config);
    form_pair(&mut query, "redirect_uri", &config.redirect_uri);
    if !scope.is_empty() {
        form_pair(&mut query, "scope", &scope);
    }
    form_pair(&mut query, "state", secrets.state.expose());
    if let Some(nonce) = &secrets.nonce {
        form_pair(&mut query, "nonce", nonce.expose());
    }
    if let Some(digest) = digest {
        form_pair(&mut query, "code_challenge", &base64url(digest));
        form_pair(&mut query, "code_challenge_method", "S256");
    }
    // Checked when the settings were: it parses.
    for (name, value) in config.extra_params.pairs() {
        form_pair(&mut query, name, value);
    }
    with_query(endpoint, &query)
}

/// Appends the `client_id` pair to `out`: one call for each request that sends it, where each
/// asked for the client id, whose text comes back through memory, and wrote it.
pub fn client_id_pair(out: &mut String, config: &Config) {
    form_pair(out, "client_id", config.client_id());
}

/// `endpoint` with `query` added to the query it may have already.
pub fn with_query(endpoint: &str, query: &str) -> String {
    let joint = if find(endpoint, b"?").is_some() {
        "&"
    } else {
        "?"
    };
    cat(&[endpoint, joint, query])
}

/// The token request's body: exactly the contract's fields, and never a secret.
#[inline(always)]
pub fn token_request(code: &str, config: &Config, verifier: &Secret) -> String {
    // Written pair by pair, as each request body here (no list of pairs first).
    let mut body = String::new();
    form_pair(&mut body, "grant_type", "authorization_code");
    form_pair(&mut body, "code", code);
    form_pair(&mut body, "redirect_uri", &config.redirect_uri);
    client_id_pair(&mut body, config);
    form_pair(&mut body, "code_verifier", verifier.expose());
    body
}

/// The token request that renews a session (RFC 6749 6): no secret (an exchange adds one where
/// the provider wants it).
#[inline(always)]
pub fn refresh_request(config: &Config, refresh_token: &Secret) -> String {
    let mut body = String::new();
    form_pair(&mut body, "grant_type", "refresh_token");
    form_pair(&mut body, "refresh_token", refresh_token.expose());
    client_id_pair(&mut body, config);
    body
}

/// An RFC 7009 revocation request for `token`, of the type `hint` names.
#[inline(always)]
pub fn revoke_request(config: &Config, token: &str, hint: &str) -> String {
    let mut body = String::new();
    form_pair(&mut body, "token", token);
    form_pair(&mut body, "token_type_hint", hint);
    client_id_pair(&mut body, config);
    body
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::core::oauth::config::tests::config;
    use crate::core::oauth::form::Params;
    use sha2::{Digest, Sha256};

    #[test]
    fn secrets_are_256_bit_hex_and_43_character_verifiers() {
        let mut random = [0xabu8; 64];
        random[32..].copy_from_slice(&[
            116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212,
            37, 77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
        ]);
        let Secrets {
            state,
            verifier,
            nonce,
        } = login_secrets(&[&random[..], &[0xcd; 16]].concat(), true, true).unwrap();
        assert_eq!(nonce.unwrap().expose(), "cd".repeat(16));
        assert_eq!(state.expose(), "ab".repeat(32));
        assert_eq!(format!("{state:?}"), "[redacted]");
        // RFC 7636 Appendix B.
        let verifier = verifier.unwrap();
        assert_eq!(
            verifier.expose(),
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        );
        assert_eq!(
            base64url(&Sha256::digest(verifier.expose().as_bytes())),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        let plain = login_secrets(&[0; 80], false, false).unwrap();
        assert!(plain.verifier.is_none() && plain.nonce.is_none());
        assert!(
            login_secrets(&random, false, false).is_none(),
            "too few bytes"
        );
        assert!(state.matches(&"ab".repeat(32)) && !state.matches("ab"));
        // Lent as `as_ref().map(Secret::expose)` would.
        assert_eq!(Some(state).lend(), Some(&*"ab".repeat(32)));
        assert_eq!(None::<Secret>.lend(), None);
    }

    #[test]
    fn the_implicit_request_carries_the_contract_parameters_in_order() {
        let c = config(&[
            ("provider", "facebook"),
            ("client-id", "id 1"),
            ("scope", "email public_profile"),
        ])
        .unwrap();
        let secrets = Secrets {
            state: Secret::new("07".repeat(32)),
            verifier: None,
            nonce: None,
        };
        let url = authorize_url(c.authorize_url(), &c, &secrets, None);
        let (base, query) = url.split_once('?').unwrap();
        assert_eq!(base, "https://www.facebook.com/v26.0/dialog/oauth");
        let p = Params::parse(query).unwrap();
        let names: Vec<&str> = p.pairs().iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "response_type",
                "client_id",
                "redirect_uri",
                "scope",
                "state"
            ]
        );
        assert_eq!(p.get("client_id"), Some("id 1"));
        assert_eq!(p.get("redirect_uri"), Some("http://localhost:8080/app/"));
        assert_eq!(
            p.get("scope"),
            Some("email,public_profile"),
            "Facebook's separator"
        );
    }

    #[test]
    fn the_code_request_adds_the_challenge_and_extra_params() {
        let c = config(&[
            ("client-id", "spa"),
            ("authorize-url", "https://id.example/auth?tenant=t"),
            ("response-type", "code"),
            ("token-url", "https://id.example/token"),
            ("extra-params", "prompt=consent&login_hint=a%40b.example"),
        ])
        .unwrap();
        let secrets = Secrets {
            state: Secret::new("s"),
            verifier: None,
            nonce: Some(Secret::new("n")),
        };
        let url = authorize_url(
            c.authorize_url(),
            &c,
            &secrets,
            Some(&Sha256::digest(
                b"dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
            )),
        );
        assert!(
            url.starts_with("https://id.example/auth?tenant=t&response_type=code&client_id=spa&"),
            "{url}"
        );
        assert!(!url.contains("scope="), "{url}");
        let p = Params::parse(url.split_once('?').unwrap().1).unwrap();
        assert_eq!(
            p.get("code_challenge"),
            Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
        );
        assert_eq!(p.get("code_challenge_method"), Some("S256"));
        assert_eq!(p.get("nonce"), Some("n"));
        assert_eq!(
            (p.get("prompt"), p.get("login_hint")),
            (Some("consent"), Some("a@b.example"))
        );
        assert_eq!(
            token_request("c/1", &c, &Secret::new("v")),
            "grant_type=authorization_code&code=c%2F1&redirect_uri=http%3A%2F%2Flocalhost%3A8080%2Fapp%2F&client_id=spa&code_verifier=v"
        );
    }
}
