//! From the element's attributes (or `login()` options) to a validated, typed [`Config`], and
//! the advice a page author sees in the console.
//!
//! Every rule that can refuse a setting lives in [`Config::new`], so an `invalid_config` always
//! names the setting and the fix. Names, values and defaults come from `core::contract`. The
//! controller builds a config once per change of the settings, not once per use.

use std::rc::Rc;

use super::form::{raw_name, Params};
use super::provider::{self, Preset};
use super::url::{is_secure, origin_of};
use crate::core::contract::{
    console, Attr, Fallback, Mode, ResponseType, Storage, CONSOLE, SECRET_ATTRIBUTES,
};
use crate::core::error::OAuthError;
use crate::core::text::{
    cat, decode_component, find, has_control, join, join_words, parse_decimal, split, split_once,
    words, Lend,
};

/// The default `timeout`, in seconds.
pub const DEFAULT_TIMEOUT_SECS: u32 = 300;

/// Authorization-request parameters the widget sets itself, which neither `extra-params` nor the
/// query of `authorize-url` may name.
pub const RESERVED_PARAMS: &[&str] = &[
    "client_id",
    "redirect_uri",
    "response_type",
    "scope",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
];

/// Why an authorization request cannot carry the query `query`: a name in it, read leniently (a
/// provider's own query need not be form-encoded), is one the widget sets or one `extra` (the
/// `extra-params`, when the query is not theirs) sets, and RFC 6749 3.1 forbids sending a
/// parameter twice.
fn sends_twice(query: &str, extra: Option<&Params>) -> Option<String> {
    for piece in split(query, b"&") {
        let Ok(name) = decode_component(raw_name(piece)) else {
            continue;
        };
        if RESERVED_PARAMS.contains(&name.as_str()) || extra.is_some_and(|e| e.get(&name).is_some())
        {
            return Some(cat(&[
                "must not set `",
                &name,
                "`: the widget sends it already (itself or from extra-params)",
            ]));
        }
    }
    None
}

/// The page a widget runs on: what `callbackurl` and the same-origin rules are made from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Page {
    /// `location.origin`, e.g. `http://localhost:8080`.
    pub origin: String,
    /// `location.pathname`, e.g. `/`.
    pub path: String,
}

impl Page {
    /// The path `path` on the page's origin.
    pub fn at(&self, path: &str) -> String {
        cat(&[&self.origin, path])
    }
}

/// The settings as given, before validation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    /// The text they were read from (the attributes, form-encoded), kept so that a redirect
    /// login can rebuild exactly this configuration on the page it returns to.
    pub text: String,
    /// The pairs read from `text`, each value trimmed once, here (see [`parse`](Self::parse)).
    params: Params,
    /// Whether a `client-secret` / `client_secret` attribute or option is present.
    pub has_secret: bool,
    /// Attribute names that are not the element's (for "did you mean" advice), each led by a
    /// space: one text (a `Vec` of them, each its own `String`, cost 30 B of wasm more).
    pub unknown: String,
    /// Why the text could not be read (over the form's limits), if it could not.
    unreadable: Option<String>,
}

impl Settings {
    /// Reads the attributes of an element (or the options of `login()`, named as attributes),
    /// given as form-encoded `name=value` pairs that JS wrote: the element's own, and one more
    /// pair naming the others (`data-*`, `style`, a misspelled one), each led by a space, for the
    /// advice; their values never count against the form's limits. Values are trimmed of ASCII
    /// white space (HTML's rule for attributes); blank ones count as absent.
    pub fn parse(text: &str) -> Self {
        let (params, unreadable) = match Params::parse(text) {
            Ok(params) => (params, None),
            Err(why) => (Params::default(), Some(why)),
        };
        let mut settings = Self {
            text: text.into(),
            params,
            has_secret: false,
            unknown: String::new(),
            unreadable,
        };
        for (name, value) in settings.params.pairs_mut() {
            // Each value trimmed once, here.
            let trimmed = value.trim_ascii();
            if trimmed.len() < value.len() {
                *value = trimmed.into();
            }
            if **name == *"id" || Attr::ALL.iter().any(|a| a.name() == name) {
                continue;
            }
            // The element sends the names of its other attributes as one, without values.
            // A secret refuses the login in any letter case (an XHTML page keeps it).
            for word in split(name, b" ").filter(|w| !w.is_empty()) {
                settings.has_secret |= SECRET_ATTRIBUTES
                    .iter()
                    .any(|(s, _)| s.eq_ignore_ascii_case(word));
                settings.unknown.push(' ');
                settings.unknown.push_str(word);
            }
        }
        settings
    }

    /// A setting, if given and not blank (its value trimmed already).
    ///
    /// Inlined over [`setting`](Self::setting), whose pointer comes back in a register where an
    /// `Option<&str>` would come back through memory, at each of its calls.
    #[inline(always)]
    pub fn get(&self, attr: Attr) -> Option<&str> {
        match self.setting(attr) {
            Some(value) => Some(value),
            None => None,
        }
    }

    /// A setting, if given and not blank, as stored.
    fn setting(&self, attr: Attr) -> Option<&String> {
        self.params.given_value(attr.name())
    }

    /// The element's `id`, which keys its token and redirect logins.
    #[inline(always)]
    pub fn id(&self) -> Option<&str> {
        self.params.given("id")
    }
}

/// A configuration: the settings of one element (or `login()` call) on one page, checked, with
/// what follows from them. Built once per change of the settings.
#[derive(Debug, PartialEq, Eq)]
pub struct Config {
    /// The settings it was built from.
    pub settings: Settings,
    /// The page it was built for.
    pub page: Page,
    /// Why these settings cannot log in, if they cannot.
    pub error: Option<OAuthError>,
    /// The preset ([`provider::CUSTOM`] when no `provider` is given).
    pub preset: &'static Preset,
    /// The scopes to request, each once, separated by spaces.
    pub scope: String,
    /// The redirect URI sent (and the page that must receive the response): `callbackurl`.
    pub redirect_uri: String,
    /// The grant.
    pub response_type: ResponseType,
    /// The absolute URL where a code is exchanged (the code flow only).
    pub token_url: Option<String>,
    /// Popup or redirect.
    pub mode: Mode,
    /// What a blocked popup does.
    pub fallback: Fallback,
    /// Where the token is kept.
    pub storage: Storage,
    /// Seconds a pending login may take.
    pub timeout_secs: u32,
    /// Names this widget's stored token: `#id`, or provider and client id.
    pub key: String,
    /// The `client-id` setting, empty when not set: read once, here, where each of the five
    /// callers of [`client_id`](Self::client_id) asked the settings and had the text back
    /// through memory.
    client_id: String,
    /// The issuer, set or preset (see [`issuer`](Self::issuer)): read once, as the client id.
    issuer: Option<String>,
    /// The `extra-params` pairs, as read (none when they cannot be: the settings then fail):
    /// read once, not at each login, `max_age` and endpoint check.
    pub extra_params: Params,
}

impl Config {
    /// Checks `settings` for a widget on `page`.
    pub fn new(settings: Settings, page: Page) -> Rc<Self> {
        // The custom preset when no `provider`, or an unknown one, is named.
        let preset = settings
            .get(Attr::Provider)
            .and_then(provider::find)
            .unwrap_or(&provider::CUSTOM);
        let client_id = settings.get(Attr::ClientId).unwrap_or("");
        let issuer = settings.get(Attr::Issuer);
        // Read once, here: the login sends them, and the check is told why they could not be.
        let (extra_params, unreadable) =
            match Params::parse(settings.get(Attr::ExtraParams).unwrap_or("")) {
                Ok(params) => (params, None),
                Err(why) => (Params::default(), Some(why)),
            };
        // Sent and compared as an absolute URL, even when given as a path.
        let redirect_uri = match settings.get(Attr::RedirectUri) {
            Some(uri) => absolute(uri, &page),
            None => page.at(&page.path),
        };
        let scope = match settings.get(Attr::Scope) {
            Some(list) => join_words(list, " "),
            // A provider named by its issuer speaks OpenID Connect.
            None => String::from(if preset.default_scope.is_empty() && issuer.is_some() {
                "openid"
            } else {
                preset.default_scope
            }),
        };
        let key = cat(&match settings.id() {
            Some(id) => ["#", id, ""],
            None => [preset.id, ":", client_id],
        });
        let issuer = issuer.or(preset.issuer).map(String::from);
        let mut config = Self {
            redirect_uri,
            scope,
            issuer,
            extra_params,
            key,
            client_id: client_id.into(),
            preset,
            error: None,
            response_type: ResponseType::Token,
            token_url: None,
            mode: Mode::Popup,
            fallback: Fallback::Redirect,
            storage: Storage::Memory,
            timeout_secs: DEFAULT_TIMEOUT_SECS,
            settings,
            page,
        };
        // Put in the field, which is empty: an assignment would drop what it held.
        if let Err(error) = config.check(unreadable) {
            config.error.get_or_insert(error);
        }
        Rc::new(config)
    }

    /// A setting, if given and not blank.
    #[inline(always)]
    pub fn get(&self, attr: Attr) -> Option<&str> {
        self.settings.get(attr)
    }

    /// The app's client id.
    #[inline(always)]
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The authorization endpoint, as set or preset (empty: the discovered one).
    #[inline(always)]
    pub fn authorize_url(&self) -> &str {
        self.get(Attr::AuthorizeUrl)
            .unwrap_or(self.preset.authorize_url)
    }

    /// The authorization endpoint a login sends to: `authorize-url` or the preset's, else the
    /// `discovered` one.
    pub fn authorization_endpoint<'a>(&'a self, discovered: Option<&'a str>) -> Option<&'a str> {
        // `is_empty`, not a match on `""`: that calls the slices' comparison.
        let url = self.authorize_url();
        if url.is_empty() {
            discovered
        } else {
            Some(url)
        }
    }

    /// The `max_age` a login sends (to its [`authorization_endpoint`](Self::authorization_endpoint),
    /// given the `discovered` one), in whole seconds, wherever it is written: the endpoint's own
    /// query (`authorize-url`'s, or the discovered one's) or `extra-params`
    /// (never both: the settings refuse a repeat). The id_token must then say when the person
    /// logged in, no longer ago (OIDC Core 3.1.2.1). A value that is no whole number of seconds
    /// asks for nothing here (the provider decides what it means), nor does an endpoint query
    /// that is no form (a piece that does not decode, a name given twice): read piece by piece,
    /// as `sends_twice` reads it, it cost 110 B more.
    #[inline(always)]
    pub fn max_age(&self, discovered: Option<&str>) -> Option<u64> {
        let query = split_once(self.authorization_endpoint(discovered)?, b'?')
            .map_or("", |(_, query)| query);
        let query = Params::parse(query).unwrap_or_default();
        // One way out (no `?`; an empty text is no number): the query's pairs dropped in one
        // place.
        parse_decimal(
            query
                .get("max_age")
                .or(self.extra_params.get("max_age"))
                .unwrap_or(""),
            10,
        )
    }

    /// Why the authorization endpoint `url` cannot be sent to: its query repeats a parameter
    /// the request carries.
    pub fn repeats(&self, url: &str) -> Option<String> {
        sends_twice(split_once(url, b'?')?.1, Some(&self.extra_params))
    }

    /// The authorization server, as the settings name it: the authorization endpoint set or
    /// preset, else the issuer (whose discovery document names the endpoint).
    pub fn server(&self) -> &str {
        self.authorization_endpoint(self.issuer()).unwrap_or("")
    }

    /// The provider's issuer identifier: the attribute, or the preset's (Google's).
    #[inline(always)]
    pub fn issuer(&self) -> Option<&str> {
        self.issuer.lend()
    }

    /// Whether there is an issuer (see [`issuer`](Self::issuer)).
    pub fn has_issuer(&self) -> bool {
        self.issuer().is_some()
    }

    /// Whether the login is OpenID Connect's: `openid` is among the scopes.
    pub fn openid(&self) -> bool {
        words(&self.scope).contains(&"openid")
    }

    /// Whether the id_token is verified: OpenID Connect, with an issuer to discover keys from.
    pub fn verifies(&self) -> bool {
        self.openid() && self.has_issuer()
    }

    /// Whether the login uses the code flow.
    pub fn code_flow(&self) -> bool {
        self.response_type == ResponseType::Code
    }

    /// Whether the login proves who logged in: it verifies, and its grant brings an id_token
    /// (the implicit grant asks for one only as `token id_token`).
    pub fn proves(&self) -> bool {
        self.verifies() && self.response_type != ResponseType::Token
    }

    /// An endpoint setting (`userinfo-url`, `revoke-url`): `None` when not set, `Some(None)`
    /// when set to `none`, else the absolute URL.
    pub fn endpoint(&self, attr: Attr) -> Option<Option<String>> {
        match self.get(attr)? {
            "none" => Some(None),
            url => Some(Some(absolute(url, &self.page))),
        }
    }

    /// The rules, in order; the first broken one is the error. Fills in what follows from the
    /// settings once they hold. `extra_unreadable`: why the `extra-params` could not be read,
    /// if they could not.
    fn check(&mut self, extra_unreadable: Option<String>) -> Result<(), OAuthError> {
        let s = &self.settings;
        if let Some(why) = &s.unreadable {
            return Err(OAuthError::config(cat(&[
                "the element's attributes cannot be read: ",
                why,
            ])));
        }
        if s.has_secret {
            return Err(OAuthError::config(
                "a client secret must never be put in a web page, where anyone can read it: remove \
                 the client-secret attribute and rotate the secret, since it has been exposed. A \
                 provider that needs one is reached through an exchange (token-url)",
            ));
        }
        // A named provider that left the custom preset, the one without a name, is unknown
        // (`custom` names none).
        if let Some(id) = s
            .get(Attr::Provider)
            .filter(|_| self.preset.name.is_empty())
        {
            return Err(OAuthError::config(cat(&[
                "unknown provider `",
                id,
                "`: use one of ",
                KNOWN_PROVIDERS,
                ", or none with authorize-url",
            ])));
        }
        let client_id = self.client_id();
        if client_id.is_empty() {
            return Err(OAuthError::config(
                "client-id is required: the client id of the app you registered with the provider",
            ));
        }
        if client_id.len() > 512 || has_control(client_id, b"") {
            return Err(OAuthError::config(
                "client-id is too long or holds control characters",
            ));
        }
        // (An issuer is never empty: a blank setting is none, and a preset's is a URL.) The
        // server is the endpoint set or preset, else the issuer: read in two parts, the first
        // kept for the grant below.
        let discovered_only = self.authorize_url().is_empty();
        if discovered_only && !self.has_issuer() {
            return Err(OAuthError::config(
                "authorize-url is required when no provider and no issuer is given",
            ));
        }
        // Each setting by the kind of value it takes; the cross-setting rules follow. The
        // enumerated ones are read as they are checked, and count once all are.
        let (mut response_type, mut mode, mut fallback, mut storage) =
            (None, Mode::Popup, Fallback::Redirect, Storage::Memory);
        for &attr in &Attr::ALL {
            // (A preset's own authorization endpoint is https, with no query: only a set one is
            // checked.)
            let value = match attr {
                Attr::RedirectUri => &self.redirect_uri,
                _ => match s.get(attr) {
                    // `none`: no profile read, no revocation.
                    Some("none") if matches!(attr, Attr::UserinfoUrl | Attr::RevokeUrl) => continue,
                    Some(value) => value,
                    None => continue,
                },
            };
            if value.is_empty() {
                continue;
            }
            let why = match attr {
                Attr::ResponseType | Attr::Mode | Attr::Fallback | Attr::Storage => {
                    let (known, texts) = match attr {
                        Attr::ResponseType => (
                            ResponseType::read(value).map(|t| response_type = Some(t)),
                            ResponseType::TEXTS,
                        ),
                        Attr::Mode => (Mode::parse(value).map(|m| mode = m), Mode::TEXTS),
                        Attr::Fallback => (
                            Fallback::parse(value).map(|f| fallback = f),
                            Fallback::TEXTS,
                        ),
                        _ => (Storage::parse(value).map(|k| storage = k), Storage::TEXTS),
                    };
                    if known.is_some() {
                        continue;
                    }
                    cat(&["is not one of: ", &join(texts, ", ")])
                }
                Attr::AuthorizeUrl
                | Attr::RedirectUri
                | Attr::TokenUrl
                | Attr::Issuer
                | Attr::UserinfoUrl
                | Attr::RevokeUrl => match origin_of(&absolute(value, &self.page)).lend() {
                    // (The origin lent: dropped once, after the match, not in each arm.)
                    // An issuer is an identifier compared as written (`iss`, the discovery
                    // document's `issuer`): never a path.
                    _ if attr == Attr::Issuer && value.starts_with("/") => NOT_ABSOLUTE.into(),
                    // RFC 8414 2: nor a query (discovery would read the issuer's root).
                    _ if attr == Attr::Issuer && find(value, b"?").is_some() => {
                        "must have no query or fragment".into()
                    }
                    None => NOT_ABSOLUTE.into(),
                    // The response must land on a page of this origin: only there can it reach
                    // the opener (postMessage to our own origin) or this tab's pending login.
                    Some(origin)
                        if attr == Attr::RedirectUri
                            && !origin.eq_ignore_ascii_case(&self.page.origin) =>
                    {
                        "must be on this page's origin, where the widget can receive the response"
                            .into()
                    }
                    Some(origin) if !is_secure(origin) => {
                        "must use https: (plain http only on localhost, 127.0.0.1 or [::1])".into()
                    }
                    // Its query is sent, as it is, with the widget's own parameters: none may
                    // be repeated.
                    Some(_) if attr == Attr::AuthorizeUrl => match self.repeats(value) {
                        Some(why) => why,
                        None => continue,
                    },
                    Some(_) => continue,
                },
                Attr::ExtraParams => match &extra_unreadable {
                    Some(why) => cat(&["is not form-encoded: ", why]),
                    // Its own names against the widget's alone.
                    None => match sends_twice(value, None) {
                        None => continue,
                        Some(why) => why,
                    },
                },
                Attr::Timeout => match parse_decimal(value, 6) {
                    Some(secs @ 1..=86_400) => {
                        self.timeout_secs = secs as u32;
                        continue;
                    }
                    _ => "must be a whole number of seconds from 1 to 86400".into(),
                },
                _ => continue,
            };
            return Err(OAuthError::config(cat(&[
                attr.name(),
                " `",
                value,
                "` ",
                &why,
            ])));
        }
        // A provider given by its issuer alone is an OpenID provider: the code flow. (With no
        // endpoint set or preset, the rules above leave only that.)
        self.response_type = response_type.unwrap_or(if discovered_only {
            ResponseType::Code
        } else {
            ResponseType::Token
        });
        (self.mode, self.fallback, self.storage) = (mode, fallback, storage);
        match (self.response_type, s.get(Attr::TokenUrl)) {
            // (Put in the field, which is empty: an assignment would drop what it held.)
            (ResponseType::Code, Some(url)) => {
                self.token_url
                    .get_or_insert_with(|| absolute(url, &self.page));
            }
            // The discovered token_endpoint, once the discovery document is read.
            (ResponseType::Code, None) if self.has_issuer() => {}
            (ResponseType::Code, None) => {
                return Err(OAuthError::config(
                    "response-type `code` needs token-url: the provider's token endpoint, or your \
                     exchange for a provider that needs a client secret",
                ))
            }
            _ => {}
        }
        if self.response_type == ResponseType::TokenIdToken && !self.verifies() {
            return Err(OAuthError::config(
                "response-type `token id_token` needs issuer (whose key set verifies the \
                 id_token) and `openid` among the scopes",
            ));
        }
        Ok(())
    }
}

/// A URL as given, or a path on the page's origin made absolute (`/oauth/token`).
fn absolute(url: &str, page: &Page) -> String {
    if url.starts_with("/") && !url.starts_with("//") {
        page.at(url)
    } else {
        url.into()
    }
}

/// The presets' ids, as the unknown-provider error lists them (a test holds it to [`PRESETS`]).
const KNOWN_PROVIDERS: &str = "instagram, facebook, google, linkedin, box";

const NOT_ABSOLUTE: &str = "is not an absolute http(s) URL without user info or fragment";

/// Attributes any HTML element may carry: never advice-worthy.
fn is_global_attribute(name: &str) -> bool {
    // One text, not a slice of texts: a slice is a table of pointers in the wasm's data.
    const GLOBAL: &str = "class style hidden title slot part tabindex lang dir role inert is \
                          exportparts autofocus nonce translate draggable contenteditable";
    split(GLOBAL, b" ").any(|global| *global == *name)
        || name.starts_with("data-")
        || name.starts_with("aria-")
        || name.starts_with("on")
}

/// Advice for the page author's console: attributes that look like a misspelled one, and a
/// preset asked for a flow its provider no longer serves, and OpenID Connect settings that
/// cannot say who logged in. Never blocks a login.
pub fn advice(config: &Config) -> Vec<String> {
    let settings = &config.settings;
    let mut lines = Vec::new();
    for name in split(&settings.unknown, b" ").filter(|w| !w.is_empty()) {
        if is_global_attribute(name) {
            continue;
        }
        // An XHTML page keeps an attribute's case: `CLIENT-ID` is near `client-id` too.
        let name_lower = name.to_ascii_lowercase();
        let near = Attr::ALL.iter().find(|a| {
            same_squashed(&name_lower, a.name()) || edit_distance(&name_lower, a.name()) <= 2
        });
        if let Some(attr) = near {
            lines.push(cat(&[
                console!("unknown attribute `"),
                name,
                "`: did you mean `",
                attr.name(),
                "`?",
            ]));
        }
    }
    let preset = config.preset;
    let wants_token = settings
        .get(Attr::ResponseType)
        .is_none_or(|t| *t == *"token");
    if wants_token && !preset.serves_implicit && settings.get(Attr::AuthorizeUrl).is_none() {
        lines.push(cat(&[
            CONSOLE,
            preset.name,
            " no longer offers response-type `token` (the implicit grant): use response-type=\"code\" \
             with token-url pointing at your exchange. Logging in anyway.",
        ]));
    }
    // (Settings that cannot log in say so instead.)
    if config.error.is_some() || !config.openid() {
    } else if !config.has_issuer() {
        lines.push(console!("`openid` is among the scopes but issuer is not set: the id_token cannot be verified, so this login is plain OAuth and says nothing of who logged in. Set issuer to the provider's issuer identifier.").into());
    } else if !config.proves() {
        // It verifies (OpenID with an issuer), but its grant brings no id_token.
        lines.push(console!("response-type `token` asks for no id_token, so this login says nothing of who logged in: use response-type=\"code\" (or \"token id_token\")").into());
    }
    lines
}

/// Whether `a` and `b` are one text once both drop their `-` and `_`: compared in place, where
/// squashing each into a `String` made one for every attribute.
fn same_squashed(a: &str, b: &str) -> bool {
    let (mut a, mut b) = (a.as_bytes(), b.as_bytes());
    loop {
        match (a, b) {
            ([b'-' | b'_', rest @ ..], _) => a = rest,
            (_, [b'-' | b'_', rest @ ..]) => b = rest,
            ([x, a_rest @ ..], [y, b_rest @ ..]) if x == y => (a, b) = (a_rest, b_rest),
            (a, b) => return a.is_empty() && b.is_empty(),
        }
    }
}

/// Levenshtein distance over bytes, for short attribute names: `b` (an attribute's own name) is
/// under 16 bytes, so its row is an array, not a `Vec` (whose `vec![0; n]` costs the wasm ~0.2 KB).
fn edit_distance(a: &str, b: &str) -> usize {
    let b = b.as_bytes();
    let mut row: [usize; 16] = std::array::from_fn(|j| j);
    for (i, &ca) in a.as_bytes().iter().enumerate() {
        let mut diagonal = i;
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let best = (diagonal + usize::from(ca != cb))
                .min(row[j + 1] + 1)
                .min(row[j] + 1);
            diagonal = row[j + 1];
            row[j + 1] = best;
        }
    }
    row[b.len()]
}

#[cfg(all(test, not(target_arch = "wasm32")))]
pub(crate) mod tests {
    use super::*;
    use crate::core::contract::ErrorCode;
    use crate::core::oauth::url::is_secure_url;
    use crate::core::text::form;

    pub(crate) fn page() -> Page {
        Page {
            origin: "http://localhost:8080".into(),
            path: "/app/".into(),
        }
    }

    pub(crate) fn config(pairs: &[(&str, &str)]) -> Result<Rc<Config>, OAuthError> {
        let config = Config::new(Settings::parse(&form(pairs)), page());
        match &config.error {
            Some(error) => Err(error.clone()),
            None => Ok(config),
        }
    }

    #[test]
    fn the_unknown_provider_error_lists_every_preset() {
        let ids: Vec<&str> = provider::PRESETS.iter().map(|p| p.id).collect();
        assert_eq!(KNOWN_PROVIDERS, ids.join(", "));
    }

    /// The settings' check reads only a set `authorize-url`: each preset's own passes the same
    /// rules (https, no query to repeat a parameter).
    #[test]
    fn every_preset_authorization_endpoint_passes_the_url_rules() {
        for preset in provider::PRESETS {
            let url = preset.authorize_url;
            assert!(is_secure_url(url), "{url}");
            assert_eq!(find(url, b"?"), None, "{url}");
            assert!(config(&[("provider", preset.id), ("client-id", "a")]).is_ok());
        }
    }

    #[test]
    fn defaults_come_from_the_preset_and_the_contract() {
        let c = config(&[("provider", "google"), ("client-id", " abc ")]).unwrap();
        assert_eq!(c.client_id(), "abc");
        assert_eq!(c.scope, "openid email profile");
        assert_eq!(
            c.authorize_url(),
            "https://accounts.google.com/o/oauth2/v2/auth"
        );
        assert_eq!(c.redirect_uri, "http://localhost:8080/app/");
        // A path is made absolute on the page's origin: sent, compared and shown whole (found
        // by the fuzz target `settings`).
        let relative = config(&[
            ("provider", "google"),
            ("client-id", "a"),
            ("redirect-uri", "/cb"),
        ]);
        assert_eq!(relative.unwrap().redirect_uri, "http://localhost:8080/cb");
        assert_eq!(
            (
                c.response_type,
                c.mode,
                c.fallback,
                c.storage,
                c.timeout_secs
            ),
            (
                ResponseType::Token,
                Mode::Popup,
                Fallback::Redirect,
                Storage::Memory,
                300
            )
        );
        assert_eq!((c.token_url.as_deref(), c.get(Attr::Issuer)), (None, None));
        assert_eq!(c.key, "google:abc");
        let c = config(&[
            ("id", "w1"),
            ("client-id", "x"),
            ("authorize-url", "https://id.example/a"),
            ("scope", "a, b a"),
            ("response-type", "code"),
            ("token-url", "/oauth/token"),
            ("mode", "redirect"),
            ("storage", "local"),
            ("fallback", "none"),
            ("timeout", "60"),
            ("issuer", "https://id.example"),
            ("extra-params", "prompt=consent"),
        ])
        .unwrap();
        assert_eq!(c.scope, "a b");
        assert_eq!(c.key, "#w1");
        assert_eq!(
            c.token_url.as_deref(),
            Some("http://localhost:8080/oauth/token")
        );
        assert_eq!(
            (c.mode, c.storage, c.fallback, c.timeout_secs),
            (Mode::Redirect, Storage::Local, Fallback::None, 60)
        );
        assert_eq!(c.get(Attr::ExtraParams), Some("prompt=consent"));
        assert_eq!(c.preset.id, "custom");
    }

    /// `max_age` is read wherever the login sends it: `extra-params`, `authorize-url`'s own
    /// query, or the discovered endpoint's; a value that is no whole number of seconds asks for
    /// nothing here (the provider decides what it means).
    #[test]
    fn max_age_is_read_from_extra_params_and_the_endpoints_query() {
        let max_age = |settings: &[(&str, &str)], discovered: Option<&str>| {
            let c = config(settings).unwrap();
            c.max_age(discovered)
        };
        let id = ("client-id", "x");
        let url = ("authorize-url", "https://id.example/a");
        assert_eq!(max_age(&[id, url], None), None);
        assert_eq!(
            max_age(&[id, url, ("extra-params", "prompt=login&max_age=0")], None),
            Some(0)
        );
        assert_eq!(
            max_age(&[id, url, ("extra-params", "max_age=1h")], None),
            None
        );
        // Written in `authorize-url`'s query, encoded or not, beside the `extra-params`.
        for (query, extra) in [
            ("?max_age=60", ""),
            ("?prompt=login&max%5Fage=60&y", "ui_locales=de"),
            ("?prompt=login", "max_age=60"),
        ] {
            let url = cat(&["https://id.example/a", query]);
            let settings = [id, ("authorize-url", &url), ("extra-params", extra)];
            assert_eq!(max_age(&settings, None), Some(60), "{query} {extra}");
        }
        // A query that is no form says nothing; `extra-params` still do.
        for (query, extra, read) in [
            ("?max_age=", "", None),
            ("?x=%zz&max_age=60", "", None),
            ("?max_age=60&max_age=600", "", None),
            ("?x=%zz&r=1&r=2", "max_age=60", Some(60)),
        ] {
            let url = cat(&["https://id.example/a", query]);
            let settings = [id, ("authorize-url", &url), ("extra-params", extra)];
            assert_eq!(max_age(&settings, None), read, "{query} {extra}");
        }
        // The discovered endpoint's query, where no authorize-url is set.
        let discovered = Some("https://id.example/auth?max_age=30");
        assert_eq!(
            max_age(&[id, ("issuer", "https://id.example")], discovered),
            Some(30)
        );
        assert_eq!(max_age(&[id, url], discovered), None, "authorize-url wins");
    }

    #[test]
    fn each_bad_setting_is_named_with_its_fix() {
        let gg = ("provider", "google");
        let id = ("client-id", "abc");
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[gg], "client-id is required"),
            (&[gg, ("client-id", "a\u{1}b")], "control characters"),
            (
                &[("provider", "myspace"), id],
                "unknown provider `myspace`: use one of instagram, facebook, google, linkedin, box",
            ),
            (&[("provider", "custom"), id], "unknown provider `custom`"),
            (&[id], "authorize-url is required"),
            (
                &[id, ("authorize-url", "http://id.example/a")],
                "must use https:",
            ),
            (
                &[id, ("authorize-url", "id.example/a")],
                "is not an absolute http(s) URL",
            ),
            (
                &[gg, id, ("redirect-uri", "https://other.example/cb")],
                "must be on this page's origin",
            ),
            (
                &[gg, id, ("response-type", "id_token")],
                "response-type `id_token` is not one of: token, code",
            ),
            (
                &[
                    ("authorize-url", "https://id.example/a"),
                    id,
                    ("response-type", "code"),
                ],
                "needs token-url",
            ),
            (
                &[
                    ("authorize-url", "https://id.example/a"),
                    id,
                    ("response-type", "token id_token"),
                ],
                "`token id_token` needs issuer",
            ),
            (
                &[
                    gg,
                    id,
                    ("response-type", "token id_token"),
                    ("scope", "email"),
                ],
                "`openid` among the scopes",
            ),
            (
                &[gg, id, ("userinfo-url", "http://evil.example/u")],
                "userinfo-url `http://evil.example/u` must use https:",
            ),
            (
                &[gg, id, ("revoke-url", "ftp://x")],
                "revoke-url `ftp://x` is not an absolute",
            ),
            (
                &[id, ("issuer", "https://id.example/#x")],
                "issuer `https://id.example/#x` is not an absolute",
            ),
            (
                &[id, ("issuer", "https://id.example?tenant=a")],
                "issuer `https://id.example?tenant=a` must have no query or fragment",
            ),
            (
                &[id, ("issuer", "/realms/x")],
                "issuer `/realms/x` is not an absolute",
            ),
            (
                &[
                    gg,
                    id,
                    ("response-type", "code"),
                    ("token-url", "http://x.example/t"),
                ],
                "token-url `http://x.example/t` must use https:",
            ),
            (
                &[
                    gg,
                    id,
                    ("response-type", "code"),
                    ("token-url", "//x.example/t"),
                ],
                "token-url `//x.example/t` is not an absolute",
            ),
            (
                &[gg, id, ("extra-params", "a=%zz")],
                "extra-params `a=%zz` is not form-encoded: `a` has bad percent-encoding",
            ),
            (
                &[gg, id, ("extra-params", "prompt=x&state=1")],
                "extra-params `prompt=x&state=1` must not set `state`",
            ),
            (
                &[gg, id, ("extra-params", "nonce=1")],
                "must not set `nonce`",
            ),
            (
                &[id, ("authorize-url", "https://id.example/a?tenant=x&client_id=y")],
                "authorize-url `https://id.example/a?tenant=x&client_id=y` must not set `client_id`: the widget sends it already",
            ),
            (
                &[gg, id, ("mode", "tab")],
                "mode `tab` is not one of: popup, redirect",
            ),
            (
                &[gg, id, ("fallback", "popup")],
                "fallback `popup` is not one of: redirect, none",
            ),
            (
                &[gg, id, ("storage", "cookie")],
                "storage `cookie` is not one of: memory, session, local",
            ),
            (
                &[gg, id, ("timeout", "0")],
                "timeout `0` must be a whole number of seconds from 1 to 86400",
            ),
            (&[gg, id, ("timeout", "-5")], "timeout `-5`"),
            (&[gg, id, ("timeout", "1.5")], "timeout `1.5`"),
            (&[gg, id, ("timeout", "86401")], "timeout `86401`"),
            (
                &[gg, id, ("timeout", "99999999999")],
                "timeout `99999999999`",
            ),
        ];
        for (pairs, expected) in cases {
            let err = config(pairs).expect_err(expected);
            assert_eq!(err.code, ErrorCode::InvalidConfig, "{expected}");
            assert!(
                err.description.contains(expected),
                "{expected}: {}",
                err.description
            );
        }
        assert_eq!(
            config(&[gg, id, ("timeout", "86400")])
                .unwrap()
                .timeout_secs,
            86_400
        );
        assert!(config(&[id, ("authorize-url", "http://[::1]:9/a")]).is_ok());
        // The provider's own query, form-encoded or not, goes as it is.
        for url in [
            "https://id.example/a?tenant=x",
            "https://id.example/a?x=%zz",
        ] {
            assert!(config(&[id, ("authorize-url", url)]).is_ok(), "{url}");
        }
    }

    /// Its query is the provider's, sent as it is: a name in it is read however the rest is
    /// written, so none the widget sets slips through beside a piece that is not form-encoded.
    #[test]
    fn authorize_url_query_naming_a_reserved_parameter_is_refused_even_beside_a_raw_piece() {
        for (url, name) in [
            ("https://id.example/a?x=%zz&client_id=evil", "client_id"),
            ("https://id.example/a?t=1&t=2&state=fixed", "state"),
            (
                "https://id.example/a?x=%zz&redirect%5Furi=https%3A%2F%2Fe.example",
                "redirect_uri",
            ),
        ] {
            let err = config(&[("client-id", "abc"), ("authorize-url", url)]).unwrap_err();
            assert_eq!(err.code, ErrorCode::InvalidConfig, "{url}");
            assert!(
                err.description.contains(&format!("must not set `{name}`")),
                "{url}: {}",
                err.description
            );
        }
    }

    /// RFC 6749 3.1: a parameter is sent once, so `extra-params` may not repeat a name of
    /// `authorize-url`'s query.
    #[test]
    fn extra_params_repeating_the_authorize_url_query_are_invalid_config() {
        let err = config(&[
            ("client-id", "spa"),
            ("authorize-url", "https://id.example/auth?prompt=login"),
            ("extra-params", "prompt=consent"),
        ])
        .unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidConfig);
        assert!(
            err.description.contains(
                "must not set `prompt`: the widget sends it already (itself or from extra-params)"
            ),
            "{}",
            err.description
        );
        assert!(config(&[
            ("client-id", "spa"),
            ("authorize-url", "https://id.example/auth?tenant=a"),
            ("extra-params", "prompt=consent"),
        ])
        .is_ok());
    }

    #[test]
    fn a_client_secret_refuses_with_the_reason_and_never_repeats_it() {
        for (secret, _) in SECRET_ATTRIBUTES {
            let err = config(&[
                ("provider", "google"),
                ("client-id", "abc"),
                (secret, "s3cret"),
            ])
            .unwrap_err();
            assert!(err
                .description
                .contains("client secret must never be put in a web page"));
            assert!(!err.description.contains("s3cret"));
        }
    }

    /// HTML's global attributes, read from one text: each whole name, and no piece of one.
    #[test]
    fn global_attributes_are_never_advised() {
        for name in [
            "class",
            "style",
            "hidden",
            "title",
            "slot",
            "part",
            "tabindex",
            "lang",
            "dir",
            "role",
            "inert",
            "is",
            "exportparts",
            "autofocus",
            "nonce",
            "translate",
            "draggable",
            "contenteditable",
            "data-x",
            "aria-label",
            "onclick",
        ] {
            assert!(is_global_attribute(name), "{name}");
        }
        for name in [
            "",
            "clas",
            "classes",
            "style hidden",
            "content",
            "i",
            "scope",
        ] {
            assert!(!is_global_attribute(name), "{name}");
        }
    }

    #[test]
    fn advice_names_near_misses_and_retired_flows() {
        let advice_of =
            |pairs: &[(&str, &str)]| advice(&Config::new(Settings::parse(&form(pairs)), page()));
        let lines = advice_of(&[
            ("provider", "linkedin"),
            ("clientid", "x"),
            ("scopes", "a"),
            ("class", "big"),
            ("data-x", "1"),
        ]);
        assert_eq!(lines.len(), 3, "{lines:?}");
        assert!(lines[0].contains("`clientid`: did you mean `client-id`?"));
        assert!(lines[1].contains("`scopes`: did you mean `scope`?"));
        assert!(lines[2].contains("LinkedIn no longer offers response-type `token`"));
        let linkedin = [
            ("provider", "linkedin"),
            ("client-id", "x"),
            ("response-type", "code"),
            ("token-url", "/t"),
        ];
        assert_eq!(advice_of(&linkedin).len(), 1, "openid without issuer");
        let plain = [&linkedin[..], &[("scope", "r_basicprofile")]].concat();
        assert!(advice_of(&plain).is_empty());
        assert!(advice_of(&[
            ("provider", "box"),
            ("authorize-url", "https://compat.example/a")
        ])
        .is_empty());
        assert!(advice_of(&[("provider", "facebook")]).is_empty());
        // Google's preset has an issuer, so only the grant stands between it and an id_token.
        let google = advice_of(&[("provider", "google"), ("client-id", "a")]);
        assert!(
            google[0].contains("response-type `token` asks for no id_token"),
            "{google:?}"
        );
        assert_eq!(
            advice_of(&[
                ("provider", "google"),
                ("client-id", "a"),
                ("response-type", "token id_token")
            ]),
            Vec::<String>::new()
        );
        assert!(advice_of(&[
            ("issuer", "https://id.example"),
            ("client-id", "a"),
            ("scope", "openid")
        ])
        .is_empty());
        assert_eq!(edit_distance("label", "lable"), 2);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("response-typo-and-more", "response-type"), 9);
        // edit_distance's row holds an attribute's name of up to 15 bytes.
        assert!(Attr::ALL.iter().all(|a| a.name().len() < 16));
    }

    /// `setAttributeNS(null, 'Client-Secret', ..)` or an XHTML page keeps an attribute's case:
    /// the name reaches the core in the names pair, alone or beside others, and still refuses.
    /// So does a framework's `clientSecret` prop (React 19, Vue), set as an attribute that HTML
    /// lowercases to `clientsecret`, as `login({ clientSecret })` refuses.
    #[test]
    fn a_secret_attribute_in_another_case_still_refuses_the_login() {
        for names in [" Client-Secret", " data-x CLIENT_SECRET", " clientsecret"] {
            let got = config(&[
                ("client-id", "abc"),
                ("authorize-url", "https://id.example/a"),
                (names, ""),
            ]);
            assert!(
                got.as_ref()
                    .is_err_and(|e| e.description.contains("client secret must never")),
                "{names}: {got:?}"
            );
        }
    }

    /// An attribute that differs from the element's only in case (kept by setAttributeNS or
    /// XHTML) is not the setting, and is advised.
    #[test]
    fn an_attribute_misspelled_only_in_case_is_advised() {
        let lines = advice(&Config::new(
            Settings::parse(&form(&[("CLIENT-ID", "")])),
            page(),
        ));
        assert!(
            lines
                .iter()
                .any(|l| l.contains("`CLIENT-ID`: did you mean `client-id`?")),
            "{lines:?}"
        );
    }

    /// Attributes over the form's limits are said to be, not read as settings missing.
    #[test]
    fn attributes_over_the_form_limit_are_said_to_be() {
        let label = "x".repeat(17_000);
        let err = config(&[
            ("client-id", "abc"),
            ("authorize-url", "https://id.example/a"),
            ("label", &label),
        ])
        .unwrap_err();
        assert!(
            err.description
                .starts_with("the element's attributes cannot be read: "),
            "{}",
            err.description
        );
    }
}
