//! The controller's boundary, typed: every [`Input`] the browser reports and every [`Command`]
//! it is told to carry out, declared once each.
//!
//! Each declaration also yields a table of names and fields ([`INPUTS`], [`COMMANDS`]) from
//! which the build generates `js/contract.js`, so the JS side numbers inputs and names commands
//! exactly as Rust does. The wire format is not decided here: inputs are read through
//! [`Fields`] and commands written through [`Sink`], which the browser edge (`web::edge`)
//! implements over JSON, into the [`Commands`] it opens.

use std::borrow::Cow;

use crate::core::contract::{ButtonState, Event};
use crate::core::error::OAuthError;
use crate::core::json::Writer;
use crate::core::oauth::token::Token;
use crate::core::oidc::profile::Profile;
use crate::core::text::Lend;

/// Text an input carries: borrowed from the input where it can be. A `Cow` lent through an
/// inlined `deref` ([`Lend`]): `Cow`'s own, which LLVM keeps apart, answers its `&str` through
/// memory at each call in the wasm (17 in `Machine::handle`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Text<'a>(pub Cow<'a, str>);

impl std::ops::Deref for Text<'_> {
    type Target = str;

    #[inline(always)]
    fn deref(&self) -> &str {
        self.0.lend()
    }
}

impl<'a> From<&'a str> for Text<'a> {
    fn from(text: &'a str) -> Self {
        Self(Cow::Borrowed(text))
    }
}

impl From<String> for Text<'_> {
    fn from(text: String) -> Self {
        Self(Cow::Owned(text))
    }
}

/// Where an input's fields are read from, in declaration order. A field that is missing or of
/// another type reads as its type's default and marks the input refused: the input is built
/// whole and dropped once, rather than half-built and dropped at each field, and each kind of
/// field is read by one function.
pub trait Fields<'a> {
    /// The next field as text.
    fn text(&mut self) -> Text<'a>;
    /// The next field as a whole number up to `max`.
    fn number(&mut self, max: u64) -> u64;
    /// The next field as a boolean.
    fn flag(&mut self) -> bool;
    /// The next field as bytes.
    fn bytes(&mut self) -> Vec<u8>;
    /// Whether every field read so far was there and of its type.
    fn ok(&self) -> bool;
}

/// A field type an input may have.
pub trait Take<'a> {
    /// Reads one field.
    fn take(fields: &mut impl Fields<'a>) -> Self;
}

impl<'a> Take<'a> for Text<'a> {
    fn take(fields: &mut impl Fields<'a>) -> Self {
        fields.text()
    }
}

impl<'a> Take<'a> for u32 {
    fn take(fields: &mut impl Fields<'a>) -> Self {
        // In range: a larger number refuses the input.
        fields.number(u32::MAX.into()) as u32
    }
}

impl<'a> Take<'a> for bool {
    fn take(fields: &mut impl Fields<'a>) -> Self {
        fields.flag()
    }
}

impl<'a> Take<'a> for Vec<u8> {
    fn take(fields: &mut impl Fields<'a>) -> Self {
        fields.bytes()
    }
}

/// Where a callback page's response came from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Source {
    /// A `message` event from any window but the popup this widget opened.
    #[default]
    Other,
    /// A `message` event whose source is the popup this widget opened.
    Popup,
    /// The `oauth-prefab` BroadcastChannel, which only pages of this origin can post to: a
    /// popup that a provider's `Cross-Origin-Opener-Policy` cut off from its opener.
    Channel,
}

impl<'a> Take<'a> for Source {
    fn take(fields: &mut impl Fields<'a>) -> Self {
        match fields.number(2) {
            1 => Self::Popup,
            2 => Self::Channel,
            _ => Self::Other,
        }
    }
}

macro_rules! inputs {
    ($($(#[$doc:meta])* $variant:ident $name:literal { $($field:ident : $ty:ty),* },)*) => {
        /// What the browser tells the controller.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum Input<'a> { $($(#[$doc])* $variant { $(#[allow(missing_docs)] $field: $ty),* },)* }

        /// Each input's name and fields, in order: an input's number is its place here.
        pub const INPUTS: &[(&str, &[&str])] = &[$(($name, &[$(stringify!($field)),*]),)*];

        impl<'a> Input<'a> {
            /// The input numbered `kind`, its fields read in order; `None` for an unknown
            /// number or a field of the wrong type.
            pub fn decode(kind: u64, fields: &mut impl Fields<'a>) -> Option<Self> {
                // Each variant's arm only builds it: the check after is one, for all.
                let mut number = 0;
                let input = 'read: {
                    $(
                        if kind == number {
                            break 'read Self::$variant { $($field: Take::take(fields)),* };
                        }
                        number += 1;
                    )*
                    let _ = number;
                    return None;
                };
                fields.ok().then_some(input)
            }
        }
    };
}

inputs! {
    /// The element's settings changed (its own attributes, form-encoded, and the names of the
    /// others), or it was upgraded.
    Update "update" { attributes: Text<'a>, origin: Text<'a>, path: Text<'a> },
    /// `login(options)`: the options as attributes; `object` is false when `options` was not one.
    Options "options" { attributes: Text<'a>, origin: Text<'a>, path: Text<'a>, object: bool },
    /// `connectedCallback`.
    Connect "connect" {},
    /// `disconnectedCallback`.
    Disconnect "disconnect" {},
    /// The page came back from the back/forward cache (`pageshow` with `persisted`).
    Returned "returned" {},
    /// `login()` or a click, with 80 bytes from `crypto.getRandomValues` (none if it is missing),
    /// on the page at `address` (`location.href`, which a redirect login comes back to).
    Login "login" { random: Vec<u8>, address: Text<'a> },
    /// The digest a `digest` command asked for (empty when `crypto.subtle` is missing).
    Digest "digest" { seq: u32, digest: Vec<u8> },
    /// Whether the signature a `verify` command asked about verified.
    Verified "verified" { seq: u32, ok: bool },
    /// `window.open` returned `null`.
    Blocked "blocked" {},
    /// One look at the popup: whether it reads as closed, and whether it shows a page (another
    /// origin's, or one of ours other than `about:blank`).
    Look "look" { closed: bool, shown: bool },
    /// A callback page handed over its address's response; `id` names it for the `ack`.
    Message "message" { source: Source, origin: Text<'a>, search: Text<'a>, hash: Text<'a>, id: Text<'a> },
    /// The timer a `timer` command set went off.
    Tick "tick" {},
    /// A `fetch` command's request was answered.
    Answer "answer" { seq: u32, status: u32, body: Text<'a> },
    /// A `fetch` command's request failed before any answer; `blocked_by` names the page's
    /// Content Security Policy directive that refused it, if one did.
    Unreachable "unreachable" { seq: u32, blocked_by: Text<'a> },
    /// `logout(options)`: `end_session` for `{ endSession: true }`; `id` names its promise (for
    /// `revoked`); 16 random bytes for the end-session request's `state`.
    Logout "logout" { end_session: bool, id: u32, random: Vec<u8> },
    /// The Web Lock a `lock` command asked for is held.
    Locked "locked" {},
    /// Another tab changed `localStorage` item `key` (empty: it cleared the storage).
    Stored "stored" { key: Text<'a> },
    /// A read of the element's properties.
    Read "read" {},
    /// `fetch()`: what to attach.
    Authorize "authorize" {},
    /// A page loaded: does its address hold a response, and where does that go? `random`
    /// names a relay, if one is needed.
    PageLoad "page-load" { path: Text<'a>, search: Text<'a>, hash: Text<'a>, opener: bool, random: Vec<u8> },
    /// A `relay` command ended: whether a page took the response.
    Relayed "relayed" { taken: bool, opener: bool },
    /// The page has loaded, its module's import is over (any relay ended, `<oauth-login>`
    /// defined), and one task ran since: the page's elements have connected.
    Loaded "loaded" {},
}

/// Where a command's fields are written, in declaration order.
pub trait Sink {
    /// A member name; the next call writes its value.
    fn key(&mut self, name: &str);
    /// A string.
    fn string(&mut self, text: &str);
    /// A whole number.
    fn number(&mut self, n: u64);
    /// A boolean.
    fn boolean(&mut self, value: bool);
    /// No value.
    fn null(&mut self);
    /// An object the provider sent, as its JSON text.
    fn json(&mut self, text: &str);
    /// Opens an object (`true`) or an array.
    fn open(&mut self, object: bool);
    /// Closes it.
    fn close(&mut self, object: bool);
}

/// A field type a command may have.
pub trait Put {
    /// Writes one field's value.
    fn put(&self, sink: &mut impl Sink);
}

/// Writes member `name` of an object: its key, then its value.
macro_rules! member {
    ($sink:expr, $name:expr, $value:expr) => {{
        $sink.key($name);
        $value.put($sink);
    }};
}

impl Put for &str {
    fn put(&self, sink: &mut impl Sink) {
        sink.string(self)
    }
}

impl Put for bool {
    fn put(&self, sink: &mut impl Sink) {
        sink.boolean(*self)
    }
}

impl Put for u32 {
    fn put(&self, sink: &mut impl Sink) {
        sink.number((*self).into())
    }
}

impl Put for u64 {
    fn put(&self, sink: &mut impl Sink) {
        sink.number(*self)
    }
}

impl Put for Option<&str> {
    fn put(&self, sink: &mut impl Sink) {
        match self {
            Some(value) => sink.string(value),
            None => sink.null(),
        }
    }
}

impl Put for Option<String> {
    fn put(&self, sink: &mut impl Sink) {
        match self {
            Some(value) => sink.string(value),
            None => sink.null(),
        }
    }
}

impl Put for &[u8] {
    fn put(&self, sink: &mut impl Sink) {
        sink.open(false);
        for byte in self.iter() {
            sink.number((*byte).into());
        }
        sink.close(false);
    }
}

impl Put for Profile {
    #[inline(always)]
    fn put(&self, sink: &mut impl Sink) {
        sink.open(true);
        member!(sink, "sub", &self.sub);
        member!(sink, "name", &self.name);
        member!(sink, "email", &self.email);
        sink.key("emailVerified");
        match self.email_verified {
            Some(verified) => sink.boolean(verified),
            None => sink.null(),
        }
        member!(sink, "picture", &self.picture);
        member!(sink, "username", &self.username);
        sink.close(true);
    }
}

impl Put for Option<&Profile> {
    fn put(&self, sink: &mut impl Sink) {
        match self {
            Some(profile) => profile.put(sink),
            None => sink.null(),
        }
    }
}

impl Put for Option<u64> {
    fn put(&self, sink: &mut impl Sink) {
        match self {
            Some(value) => sink.number(*value),
            None => sink.null(),
        }
    }
}

impl Put for ButtonState {
    fn put(&self, sink: &mut impl Sink) {
        sink.string(self.as_str())
    }
}

impl Put for Event {
    fn put(&self, sink: &mut impl Sink) {
        sink.string(self.as_str())
    }
}

/// Writes an object the provider sent, as its JSON text, as it is; or `null`. Given by value:
/// through `Put`, the `Option` would be stored to be lent.
fn json(sink: &mut impl Sink, json: Option<&str>) {
    match json {
        Some(json) => sink.json(json),
        None => sink.null(),
    }
}

/// Whether an event settles the pending `login()` promises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settle {
    /// It does not.
    Not,
    /// They resolve with its detail.
    Resolve,
    /// They reject with an `OAuthError` made from its detail.
    Reject,
}

impl Put for Settle {
    fn put(&self, sink: &mut impl Sink) {
        // One string call for both texts.
        match self {
            Self::Not => sink.null(),
            settle => sink.string(if *settle == Self::Resolve {
                "resolve"
            } else {
                "reject"
            }),
        }
    }
}

/// An event's `detail`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Detail<'a> {
    /// `oauth-login` and `oauth-renewed`: `{ provider, accessToken, tokenType, expiresIn,
    /// expiresAt, scope, restored, user, profile, claims, idToken }`.
    Login {
        /// The preset id, or `custom`.
        provider: &'a str,
        /// The token.
        token: &'a Token,
        /// Restored from storage rather than granted now.
        restored: bool,
        /// The token answer's `user` object, as JSON text.
        user: Option<&'a str>,
        /// Who logged in, as far as known.
        profile: Option<&'a Profile>,
        /// The verified id_token's claims, as JSON text.
        claims: Option<&'a str>,
        /// The verified id_token.
        id_token: Option<&'a str>,
    },
    /// `oauth-error`: `{ error, description, reason, uri }`.
    Error(&'a OAuthError),
    /// `oauth-logout`: `{ provider }`.
    Provider(&'a str),
    /// `oauth-expired`: `{ provider, error }`, the renewal's error code or `null` when there was
    /// nothing to renew with.
    Expired(&'a str, Option<&'a str>),
}

impl Put for Detail<'_> {
    fn put(&self, sink: &mut impl Sink) {
        sink.open(true);
        match self {
            Self::Login {
                provider,
                token,
                restored,
                user,
                profile,
                claims,
                id_token,
            } => {
                member!(sink, "provider", provider);
                // Text made here is written by `Sink::string` itself: through `Put`, it would be
                // stored to be lent.
                sink.key("accessToken");
                sink.string(token.access_token.expose());
                member!(sink, "tokenType", &"bearer");
                member!(sink, "expiresIn", &token.expires_in);
                member!(sink, "expiresAt", &token.expires_at);
                sink.key("scope");
                sink.open(false);
                for scope in &crate::core::text::words(&token.scope) {
                    sink.string(scope);
                }
                sink.close(false);
                member!(sink, "restored", restored);
                sink.key("user");
                json(sink, *user);
                sink.key("claims");
                json(sink, *claims);
                member!(sink, "profile", profile);
                member!(sink, "idToken", id_token);
            }
            Self::Error(error) => {
                sink.key("error");
                sink.string(error.code.as_str());
                sink.key("description");
                sink.string(&error.description);
                member!(sink, "reason", &error.reason);
                member!(sink, "uri", &error.uri);
            }
            Self::Provider(provider) => member!(sink, "provider", provider),
            Self::Expired(provider, error) => {
                member!(sink, "provider", provider);
                member!(sink, "error", error);
            }
        }
        sink.close(true);
    }
}

/// Where the controller's commands go, each written through [`Sink`] as soon as it is decided,
/// into the writer the edge opened (`web::edge::commands`, which also closes it: the wire format
/// is the edge's). A type, not a trait: it has no other implementor (the machine's tests read
/// the same text), and a call through `&mut dyn` cost an indirect call at each of the 29 places
/// that emit (234 B of wasm).
pub struct Commands(pub Writer);

impl Commands {
    /// Takes one command.
    #[inline(always)]
    pub fn emit(&mut self, command: Command<'_>) {
        command.put(&mut self.0);
    }
}

macro_rules! commands {
    ($($(#[$doc:meta])* $variant:ident $name:literal { $($field:ident : $ty:ty),* },)*) => {
        /// What the controller tells the browser to do, in order. Its text borrows from the
        /// controller: a command is written out as soon as it is decided.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum Command<'a> { $($(#[$doc])* $variant { $(#[allow(missing_docs)] $field: $ty),* },)* }

        /// Each command's name and fields, in order: a command's number is its place here.
        pub const COMMANDS: &[(&str, &[&str])] = &[$(($name, &[$(stringify!($field)),*]),)*];

        impl Command<'_> {
            /// Writes the command as `[number, ...fields]`, its fields in declaration order (JS
            /// passes them to its handler as arguments, so their names never cross).
            pub fn put(&self, sink: &mut impl Sink) {
                /// The commands' numbers, by name.
                #[allow(dead_code)]
                enum Number { $($variant),* }
                sink.open(false);
                // The number first, for every command: one call, its value read by the match.
                sink.number(match self { $(Self::$variant { .. } => Number::$variant as u64),* });
                // The fields: those of a shape several commands share by `put_shared`.
                if !self.put_shared(sink) {
                    match self {
                        $(Self::$variant { $($field),* } => { $( $field.put(sink); )* })*
                    }
                }
                sink.close(false);
            }
        }
    };
}

commands! {
    /// Draw the button (with the person's picture as `avatar`, an `https:` URL).
    Render "render" { label: &'a str, state: ButtonState, busy: bool, message: Option<&'a str>, avatar: Option<&'a str> },
    /// Dispatch an event on the element (`later`: after the current task, so that a framework
    /// still mounting the element has attached its listeners).
    Fire "event" { event: Event, detail: Detail<'a>, settle: Settle, later: bool },
    /// Open the login popup on `url` (empty: a blank one, navigated by `go`), and report a
    /// `look` at it every `poll_ms`; report `blocked` if the browser refuses.
    Open "open" { url: &'a str, name: &'a str, poll_ms: u32 },
    /// Navigate the popup, or this tab.
    Go "go" { url: &'a str, popup: bool },
    /// Stop looking at the popup (it reads as closed), but keep listening for its answer.
    Unwatch "unwatch" {},
    /// Stop looking at the popup and listening for its answer, and close it.
    Close "close" {},
    /// Tell callback page `id` (on the channel) that its response was taken.
    Ack "ack" { id: &'a str },
    /// Report the digest (`algorithm`: `SHA-256` or `SHA-512`) of `text` as input `digest`.
    Digest "digest" { seq: u32, text: &'a str, algorithm: &'a str },
    /// `POST` `body` (form-encoded) to `url`, or `GET` it when there is no body, with
    /// `Authorization: Bearer <bearer>` if given; report `answer` or `unreachable`.
    Fetch "fetch" { seq: u32, url: &'a str, body: Option<&'a str>, bearer: Option<&'a str> },
    /// Verify `signature` over `data` with `key` (a JWK), imported with the WebCrypto parameters
    /// `import_with` and verified with `verify_with` (JSON texts); report `verified`.
    Verify "verify" { seq: u32, key: &'a str, import_with: &'a str, verify_with: &'a str, data: &'a str, signature: &'a [u8] },
    /// Take the Web Lock `name` (`navigator.locks`; at once where there is none) and report
    /// `locked`; hold it until `unlock`.
    Lock "lock" { name: &'a str },
    /// Let the Web Lock go, once other tabs have had the time to see this tab's storage write.
    Unlock "unlock" {},
    /// Settle `logout()` promise `id` with `{ revoked }`.
    Revoked "revoked" { id: u32, revoked: bool },
    /// Report `tick` in `ms` (none: no timer), replacing any timer set before.
    Timer "timer" { ms: Option<u64> },
    /// Advice for the page author's console.
    Warn "warn" { text: &'a str },
    /// The answer to `read`.
    Properties "properties" { callbackurl: &'a str, access_token: Option<&'a str>, logged_in: bool, expires_at: Option<u64>, profile: Option<&'a Profile>, id_token: Option<&'a str> },
    /// The answer to `authorize`: attach `token`, as a query parameter or a Bearer header.
    Attach "attach" { token: &'a str, in_query: bool },
    /// The answer to `authorize` without a token: reject with this error.
    Refuse "refuse" { detail: Detail<'a> },
    /// Put `url` in the address bar in place of the current address (`history.replaceState`).
    Clean "clean" { url: &'a str },
    /// Hand the page's response (its `search` and `hash`) to the page that started the login:
    /// the opener, or the channel; report `relayed` once it is acknowledged or `wait_ms` passed.
    Relay "relay" { id: &'a str, search: &'a str, hash: &'a str, opener: bool, wait_ms: u32 },
    /// Replace the page's content with `text`, for the person looking at it.
    Say "say" { text: &'a str },
    /// Close this window (a callback popup).
    Shut "shut" {},
    /// Load `url` (an address on this page's origin) in place of this page, leaving no history
    /// entry (`location.replace`).
    Leave "leave" { url: &'a str },
    /// The input could not be read: a bug in the caller.
    Fault "fault" { text: &'a str },
    /// Bring the popup forward (the button pressed again while its login is pending).
    Raise "raise" {},
}

impl Command<'_> {
    /// Writes the fields of the commands whose fields have the same types, in the same order,
    /// by one arm for each such shape, and answers whether it did: [`Command::put`]'s match,
    /// one arm per command, kept their identical arms apart, a call each (90 B of wasm for the
    /// seven with one text), and LLVM drops them from it after this.
    #[inline(always)]
    fn put_shared(&self, sink: &mut impl Sink) -> bool {
        match self {
            Self::Ack { id: text }
            | Self::Lock { name: text }
            | Self::Warn { text }
            | Self::Clean { url: text }
            | Self::Say { text }
            | Self::Leave { url: text }
            | Self::Fault { text } => text.put(sink),
            Self::Go {
                url: text,
                popup: flag,
            }
            | Self::Attach {
                token: text,
                in_query: flag,
            } => {
                text.put(sink);
                flag.put(sink);
            }
            _ => return false,
        }
        true
    }
}
