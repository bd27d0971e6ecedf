//! Registered OAuth clients, loaded from a JSON file (and loaded again when it changes,
//! checked before each request),
//! and Instagram's classic redirect-URI matching rule.

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::Deserialize;

use crate::keys::Alg;

/// One registered application.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Client {
    /// The public `client_id`.
    pub id: String,
    /// The `client_secret` a confidential client authenticates with at the token
    /// endpoint; absent (or `null`) for a public client, which must use PKCE instead.
    #[serde(default)]
    pub secret: Option<String>,
    /// Display name shown on the consent page.
    pub name: String,
    /// Registered redirect URIs; see [`redirect_uri_matches`].
    pub redirect_uris: Vec<String>,
    /// How its id_tokens are signed: `RS256` (the default) or `ES256`.
    #[serde(default)]
    pub id_token_alg: Alg,
}

impl Client {
    /// A public client (RFC 6749 2.1) has no secret: a page or app cannot keep one.
    pub fn is_public(&self) -> bool {
        self.secret.is_none()
    }

    /// Whether `given` matches one of this client's registered redirect URIs.
    pub fn redirect_matches(&self, given: &str) -> bool {
        self.redirect_uris
            .iter()
            .any(|registered| redirect_uri_matches(registered, given))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    clients: Vec<Client>,
}

/// A configuration problem; the provider refuses to start with one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

/// The validated set of clients plus the CORS origins derived from their redirect URIs.
#[derive(Debug, Clone)]
pub struct ClientRegistry {
    clients: Vec<Client>,
    origins: BTreeSet<String>,
}

impl ClientRegistry {
    /// Validates the clients: unique non-empty ids, at least one absolute
    /// http(s) redirect URI each, no fragments.
    pub fn new(clients: Vec<Client>) -> Result<Self, ConfigError> {
        if clients.is_empty() {
            return Err(ConfigError("no clients are configured".into()));
        }
        let mut ids = BTreeSet::new();
        let mut origins = BTreeSet::new();
        for c in &clients {
            if c.id.is_empty() || c.name.is_empty() || c.secret.as_deref() == Some("") {
                return Err(ConfigError(format!(
                    "client `{}`: id and name must be non-empty, and secret too when given (omit it for a public client)",
                    c.id
                )));
            }
            if !ids.insert(c.id.as_str()) {
                return Err(ConfigError(format!("client id `{}` is listed twice", c.id)));
            }
            if c.redirect_uris.is_empty() {
                return Err(ConfigError(format!(
                    "client `{}` has no redirect_uris",
                    c.id
                )));
            }
            for uri in &c.redirect_uris {
                let parts = UriParts::parse(uri)
                    .filter(|p| p.fragment.is_none())
                    .filter(|p| matches!(p.scheme.to_ascii_lowercase().as_str(), "http" | "https"))
                    .ok_or_else(|| {
                        ConfigError(format!(
                            "client `{}`: redirect URI `{uri}` must be an absolute http(s) URI without a fragment",
                            c.id
                        ))
                    })?;
                origins.insert(parts.origin());
            }
        }
        Ok(Self { clients, origins })
    }

    /// Parses the `{"clients":[...]}` configuration format.
    pub fn from_json(text: &str) -> Result<Self, ConfigError> {
        let file: ConfigFile =
            serde_json::from_str(text).map_err(|e| ConfigError(format!("invalid JSON: {e}")))?;
        Self::new(file.clients)
    }

    /// Reads and parses a configuration file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError(format!("cannot read {}: {e}", path.display())))?;
        Self::from_json(&text).map_err(|e| ConfigError(format!("{}: {e}", path.display())))
    }

    /// Looks a client up by id.
    pub fn get(&self, id: &str) -> Option<&Client> {
        self.clients.iter().find(|c| c.id == id)
    }

    /// Whether `given` matches a redirect URI of any client.
    pub fn any_redirect_matches(&self, given: &str) -> bool {
        self.clients.iter().any(|c| c.redirect_matches(given))
    }

    /// Whether a browser `Origin` header value is the origin of a registered redirect URI.
    pub fn is_allowed_origin(&self, origin: &str) -> bool {
        self.origins.contains(origin)
    }
}

/// The clients file as last seen. Its bytes are compared, not only its modification time:
/// two quick edits of the same length can share a time stamp on coarse file systems, and
/// the file is a few hundred bytes.
#[derive(Debug)]
pub struct ClientsFile {
    path: PathBuf,
    seen: Mutex<Option<Vec<u8>>>,
}

impl ClientsFile {
    /// Watches `path`, as it is now (the caller has just loaded it).
    pub fn new(path: PathBuf) -> Self {
        let seen = Mutex::new(std::fs::read(&path).ok());
        Self { path, seen }
    }

    /// The file's clients if it changed since last asked: `Ok` with the new ones, or `Err`
    /// with why they were not taken (each change is reported once). `None`: unchanged.
    pub fn changed(&self) -> Option<Result<ClientRegistry, ConfigError>> {
        let now = std::fs::read(&self.path).ok();
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        if *seen == now {
            return None;
        }
        let text = now
            .as_deref()
            .map(String::from_utf8_lossy)
            .map(|t| t.into_owned());
        *seen = now;
        Some(match text {
            Some(text) => ClientRegistry::from_json(&text)
                .map_err(|e| ConfigError(format!("{}: {e}", self.path.display()))),
            None => Err(ConfigError(format!("cannot read {}", self.path.display()))),
        })
    }

    /// The watched path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Instagram classic rule: "The host and path components of your redirect URI must
/// match exactly (including trailing slashes) your registered redirect_uri. You may
/// also include additional query parameters in the supplied redirect_uri."
///
/// Scheme and host (with port) compare ASCII case-insensitively, the path exactly.
/// A registered query must be a prefix of the given query ending at a parameter
/// boundary (so `?a=1` does not admit `?a=12`); a registered URI without a query
/// admits any query. A given URI with a fragment never matches.
pub fn redirect_uri_matches(registered: &str, given: &str) -> bool {
    let (Some(reg), Some(giv)) = (UriParts::parse(registered), UriParts::parse(given)) else {
        return false;
    };
    if giv.fragment.is_some()
        || !reg.scheme.eq_ignore_ascii_case(giv.scheme)
        || !reg.authority.eq_ignore_ascii_case(giv.authority)
        || reg.path != giv.path
    {
        return false;
    }
    match reg.query {
        None | Some("") => true,
        Some(rq) => giv.query.is_some_and(|gq| {
            gq.strip_prefix(rq)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('&') || rq.ends_with('&'))
        }),
    }
}

/// The pieces of an absolute URI, split by hand (`scheme://authority/path?query#fragment`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct UriParts<'a> {
    pub scheme: &'a str,
    pub authority: &'a str,
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub fragment: Option<&'a str>,
}

impl<'a> UriParts<'a> {
    /// Splits `uri`; `None` unless it is absolute with a non-empty authority and only
    /// visible ASCII (so it can go into a `Location` header unchanged).
    pub fn parse(uri: &'a str) -> Option<Self> {
        if uri.is_empty() || !uri.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
            return None;
        }
        let (scheme, rest) = uri.split_once("://")?;
        let mut chars = scheme.chars();
        if !chars.next()?.is_ascii_alphabetic()
            || !chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        {
            return None;
        }
        let (rest, fragment) = match rest.split_once('#') {
            Some((r, f)) => (r, Some(f)),
            None => (rest, None),
        };
        let (rest, query) = match rest.split_once('?') {
            Some((r, q)) => (r, Some(q)),
            None => (rest, None),
        };
        let (authority, path) = match rest.find('/') {
            Some(i) => rest.split_at(i),
            None => (rest, ""),
        };
        if authority.is_empty() {
            return None;
        }
        Some(Self {
            scheme,
            authority,
            path,
            query,
            fragment,
        })
    }

    /// The browser-style origin: lowercase, default port dropped.
    pub fn origin(&self) -> String {
        let scheme = self.scheme.to_ascii_lowercase();
        let host = self
            .authority
            .rsplit_once('@')
            .map_or(self.authority, |(_, h)| h);
        let mut host = host.to_ascii_lowercase();
        let default_port = match scheme.as_str() {
            "http" => Some(":80"),
            "https" => Some(":443"),
            _ => None,
        };
        if let Some(port) = default_port {
            if let Some(stripped) = host.strip_suffix(port) {
                host = stripped.to_owned();
            }
        }
        format!("{scheme}://{host}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table from Instagram's classic API docs, plus extra rows.
    #[test]
    fn instagram_redirect_uri_table() {
        let rows = [
            (
                "doc row 1: exact match",
                "http://yourcallback.com/",
                "http://yourcallback.com/",
                true,
            ),
            (
                "doc row 2: extra query allowed",
                "http://yourcallback.com/",
                "http://yourcallback.com/?this=that",
                true,
            ),
            (
                "doc row 3: registered query missing",
                "http://yourcallback.com/?this=that",
                "http://yourcallback.com/",
                false,
            ),
            (
                "doc row 4: registered query then more",
                "http://yourcallback.com/?this=that",
                "http://yourcallback.com/?this=that&another=true",
                true,
            ),
            (
                "doc row 5: registered query not first",
                "http://yourcallback.com/?this=that",
                "http://yourcallback.com/?another=true&this=that",
                false,
            ),
            (
                "doc row 6: path differs",
                "http://yourcallback.com/callback",
                "http://yourcallback.com/",
                false,
            ),
            (
                "doc row 7: path plus query",
                "http://yourcallback.com/callback",
                "http://yourcallback.com/callback?type=mobile",
                true,
            ),
            (
                "scheme mismatch",
                "http://yourcallback.com/",
                "https://yourcallback.com/",
                false,
            ),
            (
                "port mismatch",
                "http://localhost:8080/",
                "http://localhost:8081/",
                false,
            ),
            (
                "implicit vs explicit port",
                "http://localhost/",
                "http://localhost:80/",
                false,
            ),
            (
                "fragment rejected",
                "http://yourcallback.com/",
                "http://yourcallback.com/#x",
                false,
            ),
            (
                "empty fragment rejected",
                "http://yourcallback.com/",
                "http://yourcallback.com/#",
                false,
            ),
            (
                "trailing slash matters",
                "http://yourcallback.com/callback/",
                "http://yourcallback.com/callback",
                false,
            ),
            (
                "host is case-insensitive",
                "http://yourcallback.com/",
                "HTTP://YourCallback.com/",
                true,
            ),
            (
                "path is case-sensitive",
                "http://yourcallback.com/cb",
                "http://yourcallback.com/CB",
                false,
            ),
            (
                "query value must not be extended",
                "http://yourcallback.com/?this=that",
                "http://yourcallback.com/?this=thatx",
                false,
            ),
            (
                "userinfo trick",
                "http://localhost:8080/",
                "http://localhost:8080@evil.example/",
                false,
            ),
            (
                "subdomain trick",
                "http://yourcallback.com/",
                "http://yourcallback.com.evil.example/",
                false,
            ),
            ("relative uri", "http://yourcallback.com/", "/", false),
            (
                "whitespace",
                "http://yourcallback.com/",
                "http://yourcallback.com/ ",
                false,
            ),
        ];
        for (name, registered, given, valid) in rows {
            assert_eq!(
                redirect_uri_matches(registered, given),
                valid,
                "row `{name}`: registered {registered} given {given}"
            );
        }
    }

    #[test]
    fn origins_are_normalized() {
        let o = |u| UriParts::parse(u).map(|p| p.origin());
        assert_eq!(
            o("http://localhost:8080/cb?x"),
            Some("http://localhost:8080".into())
        );
        assert_eq!(
            o("HTTPS://Example.COM:443/"),
            Some("https://example.com".into())
        );
        assert_eq!(o("http://example.com"), Some("http://example.com".into()));
    }

    #[test]
    fn config_validation() {
        let ok = r#"{"clients":[{"id":"a","secret":"s","name":"A","redirect_uris":["http://localhost:1/"]}]}"#;
        let reg = ClientRegistry::from_json(ok).unwrap();
        assert!(reg.get("a").is_some_and(|c| !c.is_public()));
        for public in [
            r#"{"clients":[{"id":"p","name":"P","redirect_uris":["http://localhost:1/"]}]}"#,
            r#"{"clients":[{"id":"p","secret":null,"name":"P","redirect_uris":["http://localhost:1/"]}]}"#,
        ] {
            let reg = ClientRegistry::from_json(public).unwrap();
            assert!(reg.get("p").is_some_and(Client::is_public), "{public}");
        }
        assert!(reg.is_allowed_origin("http://localhost:1"));
        assert!(!reg.is_allowed_origin("http://localhost:2"));
        for bad in [
            "not json",
            r#"{"clients":[]}"#,
            r#"{"clients":[{"id":"a","secret":"s","name":"A","redirect_uris":["/relative"]}]}"#,
            r#"{"clients":[{"id":"a","secret":"s","name":"A","redirect_uris":["http://x/#f"]}]}"#,
            r#"{"clients":[{"id":"a","secret":"s","name":"A","redirect_uris":[]}]}"#,
            r#"{"clients":[{"id":"a","secret":"s","name":"A","redirect_uris":["http://x/"]},{"id":"a","secret":"s","name":"B","redirect_uris":["http://y/"]}]}"#,
            r#"{"clients":[{"id":"a","secret":"s","name":"A","redirect_uris":["http://x/"],"extra":1}]}"#,
            r#"{"clients":[{"id":"a","secret":"","name":"A","redirect_uris":["http://x/"]}]}"#,
        ] {
            assert!(ClientRegistry::from_json(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn id_token_alg_is_rs256_unless_given() {
        let reg = ClientRegistry::from_json(
            r#"{"clients":[{"id":"a","name":"A","redirect_uris":["http://x/"]},
                {"id":"b","name":"B","redirect_uris":["http://x/"],"id_token_alg":"ES256"}]}"#,
        )
        .unwrap();
        assert_eq!(reg.get("a").map(|c| c.id_token_alg), Some(Alg::RS256));
        assert_eq!(reg.get("b").map(|c| c.id_token_alg), Some(Alg::ES256));
        let bad = r#"{"clients":[{"id":"a","name":"A","redirect_uris":["http://x/"],"id_token_alg":"HS256"}]}"#;
        assert!(ClientRegistry::from_json(bad).is_err());
    }

    #[test]
    fn an_edited_file_is_read_again_and_a_broken_edit_reported_once() {
        let path =
            std::env::temp_dir().join(format!("dev-provider-unit-{}.json", std::process::id()));
        let one = r#"{"clients":[{"id":"one","name":"One","redirect_uris":["http://x/"]}]}"#;
        std::fs::write(&path, one).unwrap();
        let file = ClientsFile::new(path.clone());
        assert!(file.changed().is_none());
        let two = r#"{"clients":[{"id":"two","name":"Two","redirect_uris":["http://x/"]}],"x":1}"#;
        std::fs::write(&path, two).unwrap();
        assert!(matches!(file.changed(), Some(Err(_))));
        assert!(file.changed().is_none(), "a broken edit is reported once");
        let two =
            r#"{"clients":[{"id":"two","name":"Two","redirect_uris":["http://x/","http://y/"]}]}"#;
        std::fs::write(&path, two).unwrap();
        let reloaded = file.changed().unwrap().unwrap();
        assert!(reloaded.get("two").is_some() && reloaded.get("one").is_none());
        let _ = std::fs::remove_file(path);
    }

    #[test]
    fn shipped_clients_file_is_valid() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/clients.json");
        let reg = ClientRegistry::load(Path::new(path)).unwrap();
        let demo = reg.get("demo-app").unwrap();
        assert!(demo.redirect_matches("http://localhost:8080/"));
        assert_eq!(demo.secret.as_deref(), Some("demo-secret"));
        let spa = reg.get("demo-spa").unwrap();
        assert!(spa.is_public());
        assert_eq!(spa.name, "Prefab Demo (PKCE)");
        assert!(spa.redirect_matches("http://localhost:8080/"));
    }
}
