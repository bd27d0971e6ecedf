//! The configuration file: which clients the exchange serves, each one's token endpoint,
//! where its secret comes from, and which redirect URIs and page origins may use it.
//!
//! Everything is read and checked once, at start, including that every named environment
//! variable holds a secret: a bad file stops the server before it listens, never at the
//! first request.

use std::collections::HashSet;
use std::env::VarError;
use std::fmt;
use std::net::IpAddr;
use std::path::Path;
use std::time::Duration;

use serde::Deserialize;
use url::{Host, Url};

/// Upstream timeout when the file sets none.
pub const DEFAULT_UPSTREAM_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest accepted `upstream_timeout_ms`: a page's login has its own timeout, and a
/// connection held longer than this only ties up the exchange.
pub const MAX_UPSTREAM_TIMEOUT_MS: u64 = 120_000;

/// How the client secret travels to the provider (RFC 6749 section 2.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientAuth {
    /// `client_secret` as one more form field (LinkedIn, Facebook, Instagram, Box).
    #[default]
    ClientSecretPost,
    /// `Authorization: Basic` with the form-encoded id and secret.
    ClientSecretBasic,
}

impl ClientAuth {
    /// The method's registered name, as written in the file.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ClientSecretPost => "client_secret_post",
            Self::ClientSecretBasic => "client_secret_basic",
        }
    }
}

/// A client secret. Its `Debug` is redacted and it has no `Display`, so it cannot end
/// up in a log line or an error message by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(secret: String) -> Self {
        Self(secret)
    }

    /// The secret itself, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// One configured client, validated, with its secret resolved.
#[derive(Debug, Clone)]
pub struct Client {
    /// The OAuth `client_id`.
    pub id: String,
    /// The provider's token endpoint.
    pub token_endpoint: Url,
    /// The provider's revocation endpoint (RFC 7009), if `POST /revoke` serves this client.
    pub revocation_endpoint: Option<Url>,
    /// The environment variable the secret was read from (for messages).
    pub secret_env: String,
    /// The client secret.
    pub secret: Secret,
    /// How the secret is sent.
    pub auth: ClientAuth,
    /// Redirect URIs a token request may name, compared as exact strings.
    pub redirect_uris: Vec<String>,
    /// Page origins (`scheme://host[:port]`) allowed to call the exchange for this client.
    pub allowed_origins: Vec<String>,
}

/// The whole validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Bound on one whole upstream request: connecting, sending and reading the answer.
    pub upstream_timeout: Duration,
    clients: Vec<Client>,
}

/// Why a configuration was refused; the `Display` text is what the operator reads.
#[derive(Debug)]
pub enum ConfigError {
    /// The file could not be read.
    Read(String, std::io::Error),
    /// The file is not valid JSON of the expected shape.
    Syntax(String, serde_json::Error),
    /// The file is well-formed but a value is not acceptable, or a secret is missing.
    Invalid(String),
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Read(path, e) => write!(f, "cannot read config file `{path}`: {e}"),
            Self::Syntax(path, e) => write!(f, "config file `{path}` is not valid: {e}"),
            Self::Invalid(msg) => f.write_str(msg),
        }
    }
}

impl std::error::Error for ConfigError {}

/// The file's shape. Unknown fields are refused so a misspelt key fails loudly instead
/// of silently falling back to a default.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileFormat {
    #[serde(default)]
    upstream_timeout_ms: Option<u64>,
    clients: Vec<ClientEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClientEntry {
    client_id: String,
    token_endpoint: String,
    #[serde(default)]
    revocation_endpoint: Option<String>,
    client_secret_env: String,
    #[serde(default)]
    client_auth: ClientAuth,
    redirect_uris: Vec<String>,
    allowed_origins: Vec<String>,
}

impl Config {
    /// Reads and validates the file at `path`, resolving secrets through `env`
    /// (`std::env::var` in the binary, a fake in tests).
    pub fn load(
        path: &Path,
        env: impl Fn(&str) -> Result<String, VarError>,
    ) -> Result<Self, ConfigError> {
        let shown = path.display().to_string();
        let text =
            std::fs::read_to_string(path).map_err(|e| ConfigError::Read(shown.clone(), e))?;
        Self::from_json(&text, env).map_err(|e| match e {
            ConfigError::Syntax(_, e) => ConfigError::Syntax(shown.clone(), e),
            ConfigError::Invalid(msg) => {
                ConfigError::Invalid(format!("config file `{shown}`: {msg}"))
            }
            other => other,
        })
    }

    /// Parses and validates JSON text, resolving secrets through `env`.
    pub fn from_json(
        text: &str,
        env: impl Fn(&str) -> Result<String, VarError>,
    ) -> Result<Self, ConfigError> {
        let file: FileFormat =
            serde_json::from_str(text).map_err(|e| ConfigError::Syntax(String::new(), e))?;
        let invalid = |msg: String| ConfigError::Invalid(msg);

        let upstream_timeout = match file.upstream_timeout_ms {
            None => DEFAULT_UPSTREAM_TIMEOUT,
            Some(ms) if (1..=MAX_UPSTREAM_TIMEOUT_MS).contains(&ms) => Duration::from_millis(ms),
            Some(ms) => {
                let range = format!("between 1 and {MAX_UPSTREAM_TIMEOUT_MS}");
                return Err(invalid(format!(
                    "upstream_timeout_ms is {ms}; it must be {range}"
                )));
            }
        };
        if file.clients.is_empty() {
            return Err(invalid(
                "`clients` is empty: configure at least one client".into(),
            ));
        }

        let mut seen = HashSet::new();
        let mut clients = Vec::with_capacity(file.clients.len());
        for entry in file.clients {
            let id = entry.client_id;
            if id.is_empty() || id.chars().any(char::is_control) {
                return Err(invalid(format!(
                    "client_id {id:?} must be non-empty and free of control characters"
                )));
            }
            if !seen.insert(id.clone()) {
                return Err(invalid(format!("client `{id}` is configured twice")));
            }
            let token_endpoint = check_endpoint(&entry.token_endpoint).map_err(|why| {
                invalid(format!(
                    "client `{id}`: token_endpoint `{}` {why}",
                    without_credentials(&entry.token_endpoint)
                ))
            })?;
            let revocation_endpoint = match &entry.revocation_endpoint {
                None => None,
                Some(raw) => Some(check_endpoint(raw).map_err(|why| {
                    invalid(format!(
                        "client `{id}`: revocation_endpoint `{}` {why}",
                        without_credentials(raw)
                    ))
                })?),
            };
            let secret = read_secret(&entry.client_secret_env, &env)
                .map_err(|why| invalid(format!("client `{id}`: {why}")))?;
            if entry.redirect_uris.is_empty() {
                return Err(invalid(format!(
                    "client `{id}`: redirect_uris is empty: list the redirect URIs its pages send"
                )));
            }
            for uri in &entry.redirect_uris {
                check_redirect_uri(uri)
                    .map_err(|why| invalid(format!("client `{id}`: redirect URI `{uri}` {why}")))?;
            }
            if entry.allowed_origins.is_empty() {
                return Err(invalid(format!(
                    "client `{id}`: allowed_origins is empty: list the origins of the pages that log in"
                )));
            }
            for origin in &entry.allowed_origins {
                check_origin(origin)
                    .map_err(|why| invalid(format!("client `{id}`: origin `{origin}` {why}")))?;
            }
            clients.push(Client {
                id,
                token_endpoint,
                revocation_endpoint,
                secret_env: entry.client_secret_env,
                secret,
                auth: entry.client_auth,
                redirect_uris: entry.redirect_uris,
                allowed_origins: entry.allowed_origins,
            });
        }
        Ok(Self {
            upstream_timeout,
            clients,
        })
    }

    /// The client with this id, if configured.
    pub fn client(&self, id: &str) -> Option<&Client> {
        self.clients.iter().find(|c| c.id == id)
    }

    /// Every configured client, in file order.
    pub fn clients(&self) -> &[Client] {
        &self.clients
    }
}

impl Client {
    /// Whether a token request may name this redirect URI.
    pub fn allows_redirect_uri(&self, uri: &str) -> bool {
        self.redirect_uris.iter().any(|r| r == uri)
    }

    /// Whether a page of this origin may redeem codes for this client.
    pub fn allows_origin(&self, origin: &str) -> bool {
        self.allowed_origins.iter().any(|o| o == origin)
    }
}

/// The secret in the variable `name`, or why there is none.
fn read_secret(
    name: &str,
    env: &impl Fn(&str) -> Result<String, VarError>,
) -> Result<Secret, String> {
    if name.is_empty() || name.contains(['=', '\0']) {
        return Err(format!(
            "client_secret_env {name:?} is not a valid environment variable name"
        ));
    }
    match env(name) {
        Ok(secret) if secret.is_empty() => Err(format!(
            "environment variable `{name}` (the client secret) is empty"
        )),
        Ok(secret) => Ok(Secret::new(secret)),
        Err(VarError::NotPresent) => Err(format!(
            "environment variable `{name}` (the client secret) is not set"
        )),
        Err(VarError::NotUnicode(_)) => Err(format!(
            "environment variable `{name}` (the client secret) is not valid UTF-8"
        )),
    }
}

/// Whether a host is this machine, where plain `http` cannot be overheard (as long as no
/// proxy is put between: [`crate::upstream`] never sends to a loopback host through one).
pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

/// The secret goes to a token or revocation endpoint, so it must be `https` (loopback
/// `http` aside, for local providers) and must not carry credentials of its own.
fn check_endpoint(raw: &str) -> Result<Url, String> {
    let url = Url::parse(raw).map_err(|e| format!("is not an absolute URL ({e})"))?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            return Err(
                "must be https (plain http is accepted for loopback hosts only): the client secret travels to it"
                    .into(),
            )
        }
        _ => return Err("must be an https URL".into()),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not contain a user name or password".into());
    }
    if url.fragment().is_some() {
        return Err("must not contain a fragment".into());
    }
    Ok(url)
}

/// An endpoint as a refusal quotes it, with any user name and password masked: the message
/// goes to stderr. Textual, so that it also masks them in a URL that does not parse.
fn without_credentials(raw: &str) -> String {
    // Cleaned first as the URL parser cleans it (WHATWG), so that a tab or newline it
    // deletes cannot end the authority early and leave the password in view.
    let clean: String = raw
        .trim_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let Some((scheme, rest)) = clean.split_once(':') else {
        return raw.to_owned();
    };
    // `https:u:p@host` and `https:\\u:p@host` parse as `https://u:p@host` too.
    let rest = rest.trim_start_matches(['/', '\\']);
    let authority = &rest[..rest.find(['/', '\\', '?', '#']).unwrap_or(rest.len())];
    match authority.rfind('@') {
        Some(at) => format!("{scheme}://***@{}", &rest[at + 1..]),
        None => raw.to_owned(),
    }
}

/// A redirect URI is compared as an exact string, but a malformed one can never match
/// what a page sends, so it is most likely a typo worth reporting.
fn check_redirect_uri(raw: &str) -> Result<(), String> {
    let url = Url::parse(raw).map_err(|e| format!("is not an absolute URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("must be an http or https URL".into());
    }
    if url.fragment().is_some() {
        return Err("must not contain a fragment".into());
    }
    Ok(())
}

/// Browsers send `Origin` in one canonical form (lowercase, no default port, no path), and
/// it is compared as an exact string, so the file must use that same form.
fn check_origin(raw: &str) -> Result<(), String> {
    let url = Url::parse(raw).map_err(|_| {
        "is not an origin: write it as scheme://host[:port], e.g. https://app.example.com"
            .to_owned()
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("must be an http or https origin".into());
    }
    let canonical = url.origin().ascii_serialization();
    if raw != canonical {
        return Err(format!(
            "is not in the form browsers send: write `{canonical}` (scheme://host[:port], no path, no default port)"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_with(
        vars: &'static [(&'static str, &'static str)],
    ) -> impl Fn(&str) -> Result<String, VarError> {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
                .ok_or(VarError::NotPresent)
        }
    }

    /// A valid client entry with `overrides` (a JSON object) merged in.
    fn client_entry(overrides: &str) -> serde_json::Value {
        let mut entry = serde_json::json!({
            "client_id": "app",
            "token_endpoint": "https://provider.example/token",
            "client_secret_env": "APP_SECRET",
            "redirect_uris": ["https://app.example/"],
            "allowed_origins": ["https://app.example"],
        });
        let extra: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(overrides).unwrap();
        for (k, v) in extra {
            entry[k] = v;
        }
        entry
    }

    fn client_json(overrides: &str) -> String {
        serde_json::json!({ "clients": [client_entry(overrides)] }).to_string()
    }

    fn load(overrides: &str) -> Result<Config, ConfigError> {
        Config::from_json(
            &client_json(overrides),
            env_with(&[("APP_SECRET", "s3cr3t")]),
        )
    }

    fn error_of(overrides: &str) -> String {
        match load(overrides) {
            Ok(_) => panic!("config with {overrides} was accepted"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn valid_config_with_defaults() {
        let config = load("{}").unwrap();
        assert_eq!(config.upstream_timeout, DEFAULT_UPSTREAM_TIMEOUT);
        let client = config.client("app").unwrap();
        assert_eq!(client.auth, ClientAuth::ClientSecretPost);
        assert_eq!(client.revocation_endpoint, None);
        assert_eq!(client.secret.expose(), "s3cr3t");
        assert!(client.allows_redirect_uri("https://app.example/"));
        assert!(!client.allows_redirect_uri("https://app.example"));
        assert!(client.allows_origin("https://app.example"));
        assert!(!client.allows_origin("https://evil.example"));
        assert!(config.client("other").is_none());
        assert!(!format!("{config:?}").contains("s3cr3t"));
    }

    #[test]
    fn basic_auth_loopback_http_and_timeout() {
        let text = client_json(
            r#"{"client_auth":"client_secret_basic","token_endpoint":"http://127.0.0.1:9090/oauth/access_token"}"#,
        )
        .replacen('{', r#"{"upstream_timeout_ms":250,"#, 1);
        let config = Config::from_json(&text, env_with(&[("APP_SECRET", "x")])).unwrap();
        assert_eq!(config.upstream_timeout, Duration::from_millis(250));
        assert_eq!(config.clients()[0].auth, ClientAuth::ClientSecretBasic);
        let revoking = load(r#"{"revocation_endpoint":"http://localhost:9090/revoke"}"#).unwrap();
        assert_eq!(
            revoking.clients()[0]
                .revocation_endpoint
                .as_ref()
                .map(Url::as_str),
            Some("http://localhost:9090/revoke")
        );
        for endpoint in ["http://localhost:1/t", "http://[::1]:1/t"] {
            assert!(load(&format!(r#"{{"token_endpoint":"{endpoint}"}}"#)).is_ok());
        }
        // International host names still work with the unicode-rs IDNA backend.
        let idn = load(r#"{"token_endpoint":"https://bücher.example/token"}"#).unwrap();
        assert_eq!(
            idn.clients()[0].token_endpoint.host_str(),
            Some("xn--bcher-kva.example")
        );
    }

    #[test]
    fn refusals_name_the_problem() {
        for (overrides, expected) in [
            (
                r#"{"client_secret_env":"NOPE"}"#,
                "`NOPE` (the client secret) is not set",
            ),
            (
                r#"{"client_secret_env":""}"#,
                "not a valid environment variable name",
            ),
            (
                r#"{"token_endpoint":"http://provider.example/token"}"#,
                "must be https",
            ),
            (r#"{"token_endpoint":"/token"}"#, "is not an absolute URL"),
            (
                r#"{"token_endpoint":"https://u:p@provider.example/"}"#,
                "user name or password",
            ),
            (r#"{"client_auth":"private_key_jwt"}"#, "unknown variant"),
            (r#"{"redirect_uris":[]}"#, "redirect_uris is empty"),
            (
                r#"{"redirect_uris":["https://app.example/#x"]}"#,
                "fragment",
            ),
            (r#"{"allowed_origins":[]}"#, "allowed_origins is empty"),
            (
                r#"{"allowed_origins":["https://app.example/"]}"#,
                "write `https://app.example`",
            ),
            (
                r#"{"allowed_origins":["https://app.example:443"]}"#,
                "write `https://app.example`",
            ),
            (r#"{"allowed_origins":["*"]}"#, "is not an origin"),
            (r#"{"client_id":""}"#, "must be non-empty"),
            (
                r#"{"revocation_endpoint":"http://provider.example/revoke"}"#,
                "revocation_endpoint `http://provider.example/revoke` must be https",
            ),
            (
                r#"{"revocation_endpoint":"https://u:p@provider.example/revoke"}"#,
                "user name or password",
            ),
            (r#"{"secret":"inline"}"#, "unknown field `secret`"),
        ] {
            let error = error_of(overrides);
            assert!(error.contains(expected), "{overrides}: {error}");
        }
    }

    #[test]
    fn file_level_refusals() {
        let env = || env_with(&[("APP_SECRET", "x")]);
        let twice =
            serde_json::json!({ "clients": [client_entry("{}"), client_entry("{}")] }).to_string();
        for (text, expected) in [
            ("{", "EOF while parsing"),
            (r#"{"clients":[]}"#, "`clients` is empty"),
            (twice.as_str(), "client `app` is configured twice"),
        ] {
            match Config::from_json(text, env()) {
                Ok(_) => panic!("{text} was accepted"),
                Err(e) => assert!(e.to_string().contains(expected), "{text}: {e}"),
            }
        }
        for ms in ["0", "120001"] {
            let text =
                client_json("{}").replacen('{', &format!(r#"{{"upstream_timeout_ms":{ms},"#), 1);
            assert!(Config::from_json(&text, env()).is_err(), "{ms}");
        }
    }

    #[test]
    fn empty_secret_is_refused() {
        let error = match Config::from_json(&client_json("{}"), env_with(&[("APP_SECRET", "")])) {
            Ok(_) => panic!("accepted"),
            Err(e) => e.to_string(),
        };
        assert!(
            error.contains("`APP_SECRET` (the client secret) is empty"),
            "{error}"
        );
    }

    #[test]
    fn the_example_configs_are_valid() {
        let demo = include_str!("../example.config.json");
        let config = Config::from_json(demo, env_with(&[("DEMO_APP_CLIENT_SECRET", "x")])).unwrap();
        assert_eq!(config.clients()[0].id, "demo-app");
        assert!(config.clients()[0].revocation_endpoint.is_some());
        let linkedin = include_str!("../linkedin.config.json");
        let config =
            Config::from_json(linkedin, env_with(&[("LINKEDIN_CLIENT_SECRET", "x")])).unwrap();
        let client = &config.clients()[0];
        assert_eq!(
            client.token_endpoint.as_str(),
            "https://www.linkedin.com/oauth/v2/accessToken"
        );
        assert_eq!(client.auth, ClientAuth::ClientSecretPost);
    }

    /// The refusal of credentials in an endpoint must not itself write them to stderr.
    #[test]
    fn an_endpoint_with_a_password_is_refused_without_repeating_it() {
        for key in ["token_endpoint", "revocation_endpoint"] {
            let error = error_of(&format!(
                r#"{{"{key}":"https://app:inline-Pw-93@provider.example/x"}}"#
            ));
            assert!(error.contains("user name or password"), "{error}");
            assert!(
                !error.contains("inline-Pw-93"),
                "{key}: the refusal repeats the password: {error}"
            );
        }
    }

    #[test]
    fn credentials_are_masked_however_the_url_is_written() {
        for raw in [
            "https://u:pw@host/t",
            "https:u:pw@host/t",
            "https:\\\\u:pw@host/t",
            "https://u:pw@host:bad/t",
        ] {
            let masked = without_credentials(raw);
            assert!(
                masked.starts_with("https://***@host") && !masked.contains("pw"),
                "{masked}"
            );
        }
        assert_eq!(without_credentials("https://host/a@b"), "https://host/a@b");
    }

    /// A tab or newline among the slashes is removed by the URL parser (WHATWG), so the
    /// endpoint parses with its credentials and is refused for them, but the textual mask
    /// stops at the tab and quotes the password.
    #[test]
    fn credentials_are_masked_with_a_tab_or_newline_after_the_scheme() {
        for raw in [
            "https:/\\t/app:inline-Pw-93@provider.example/x",
            "https:\\n//app:inline-Pw-93@provider.example/x",
        ] {
            let error = error_of(&format!(r#"{{"token_endpoint":"{raw}"}}"#));
            assert!(error.contains("user name or password"), "{error}");
            assert!(
                !error.contains("inline-Pw-93"),
                "the refusal repeats the password: {error}"
            );
        }
    }

    #[test]
    fn secret_debug_is_redacted() {
        assert_eq!(
            format!("{:?}", Secret::new("hunter2".into())),
            "Secret(<redacted>)"
        );
    }
}
