//! The `<oauth-login>` controller: one [`Widget`] per element (or per `login(options)` call),
//! holding the [`Session`] and moving data between the browser and `core`.
//!
//! Re-entrancy rule: JS listeners and promise callbacks may call back into the widget (a
//! listener calling `logout()`), so no `RefCell` borrow is held while events are dispatched or
//! callbacks run. All exported methods take `&self` for the same reason.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use gloo_events::EventListener;
use gloo_timers::callback::Timeout;
use js_sys::{Function, Object, Promise};
use wasm_bindgen::prelude::*;
use web_sys::{CustomEvent, CustomEventInit, HtmlElement, Request, RequestInit, ShadowRootInit, ShadowRootMode, Url};

use crate::core::config::{label_for, Config, Fallback, Mode};
use crate::core::error::{ErrorCode, OAuthError};
use crate::core::provider::{self, TokenPlacement};
use crate::core::request::authorize_url;
use crate::core::response::{ErrorDetail, Token};
use crate::core::session::{timeout_error, PendingLogin, Session, View};

use super::browser::{now, page_location, random_state, window, SettingsSource};
use super::callback::{self, Delivery};
use super::js::{error_value, to_js};
use super::popup::{self, PopupWatch};
use super::storage;

/// The shadow DOM: static markup only; every dynamic text goes in with `textContent`.
const TEMPLATE: &str = r#"<style>
:host{display:inline-block}
[part=button]{display:inline-flex;align-items:center;gap:.5em;padding:.6em 1.2em;border:0;border-radius:.5em;background:#1f2937;color:#fff;font:inherit;font-weight:600;cursor:pointer}
[part=button]:hover{background:#374151}
[part=button]:focus-visible{outline:3px solid #2563eb;outline-offset:2px}
[part=button][aria-busy=true]{cursor:progress;opacity:.85}
[part=spinner]{width:1em;height:1em;box-sizing:border-box;border:2px solid;border-right-color:transparent;border-radius:50%;animation:r .8s linear infinite}
[hidden]{display:none!important}
[part=message]{display:block;margin-top:.4em;color:#b91c1c;font-size:.9em}
@keyframes r{to{transform:rotate(1turn)}}
</style><button part="button" type="button"><span part="spinner" hidden></span><span part="label"></span></button><span part="message" role="status"></span>"#;

/// The controller of one `<oauth-login>` (or of one programmatic login).
#[wasm_bindgen]
pub struct Widget {
    inner: Rc<Inner>,
}

struct Inner {
    source: SettingsSource,
    session: RefCell<Session>,
    /// `login()` promises waiting for the pending login: (resolve, reject).
    waiters: RefCell<Vec<(Function, Function)>>,
    /// The login in flight: its popup and deadline. Dropping it ends both.
    flight: RefCell<Option<Flight>>,
    /// Fires `oauth-expired` when the held token runs out.
    expiry: RefCell<Option<Timeout>>,
    ui: Option<Ui>,
    connected_once: Cell<bool>,
}

struct Flight {
    _popup: Option<PopupWatch>,
    _deadline: Timeout,
}

struct Ui {
    button: HtmlElement,
    spinner: HtmlElement,
    label: HtmlElement,
    message: HtmlElement,
    _click: EventListener,
}

impl Widget {
    /// The controller of an `<oauth-login>` element.
    pub fn for_element(element: HtmlElement) -> Self {
        let inner = Rc::new_cyclic(|weak| Inner::new(SettingsSource::Element(element.clone()), Ui::build(&element, weak.clone())));
        Self { inner }
    }

    /// Runs a login from an options object, for `login(options)`.
    pub fn login_with_options(options: Object, resolve: Function, reject: Function) {
        let inner = Rc::new(Inner::new(SettingsSource::Options(options), None));
        inner.begin(Some((resolve, reject)));
    }
}

#[wasm_bindgen]
impl Widget {
    /// `connectedCallback`: takes a redirect result or restores a stored token, then renders.
    pub fn connected(&self) {
        let inner = &self.inner;
        if !inner.connected_once.replace(true) {
            let config = inner.config().ok();
            let key = config.as_ref().map(|c| c.key.as_str());
            if let Some(delivery) = callback::take_delivery(key) {
                inner.deliver(delivery);
            } else if let Some(config) = config {
                inner.restore(&config);
            }
        }
        inner.render();
    }

    /// Re-renders after an attribute change.
    pub fn render(&self) {
        self.inner.render();
    }

    /// `login()`: starts a login, or joins the one pending.
    pub fn login(&self, resolve: Function, reject: Function) {
        self.inner.begin(Some((resolve, reject)));
    }

    /// `logout()`: forgets the token and its stored copy, fires `oauth-logout`.
    pub fn logout(&self) {
        self.inner.logout();
    }

    /// `fetch(input, init)`: `window.fetch` with the token attached.
    pub fn fetch(&self, input: JsValue, init: JsValue) -> Promise {
        match self.inner.authorized_fetch(input, init) {
            Ok(promise) => promise,
            Err(error) => Promise::reject(&error),
        }
    }

    /// `callbackurl`: the redirect URI this widget sends.
    #[wasm_bindgen(js_name = callbackUrl)]
    pub fn callback_url(&self) -> Option<String> {
        let settings = self.inner.source.read();
        match settings.get("redirect-uri") {
            Some(uri) => Some(uri.to_owned()),
            None => page_location().ok().map(|page| page.callback_url()),
        }
    }

    /// `accessToken`: the current token, or `null`.
    #[wasm_bindgen(js_name = accessToken)]
    pub fn access_token(&self) -> Option<String> {
        self.inner.session.borrow().token(now()).map(|t| t.access_token.secret().to_owned())
    }

    /// `loggedIn`: whether an unexpired token is held.
    #[wasm_bindgen(js_name = loggedIn)]
    pub fn logged_in(&self) -> bool {
        self.inner.session.borrow().token(now()).is_some()
    }

    /// `expiresAt`: ms since the epoch, or `null`.
    #[wasm_bindgen(js_name = expiresAt)]
    pub fn expires_at(&self) -> Option<f64> {
        // A JS number, not a BigInt: ms times stay below 2^53.
        self.inner.session.borrow().token(now()).and_then(|t| t.expires_at).map(|at| at as f64)
    }
}

impl Inner {
    fn new(source: SettingsSource, ui: Option<Ui>) -> Self {
        Self {
            source,
            session: RefCell::default(),
            waiters: RefCell::default(),
            flight: RefCell::default(),
            expiry: RefCell::default(),
            ui,
            connected_once: Cell::new(false),
        }
    }

    fn config(&self) -> Result<Config, OAuthError> {
        Config::from_settings(&self.source.read(), &page_location()?, self.source.element_id().as_deref())
    }

    fn provider_id(&self) -> &'static str {
        self.config().map(|c| c.preset.id).unwrap_or(provider::CUSTOM.id)
    }

    /// Starts a login (or joins the pending one); every failure settles it with an error.
    fn begin(self: &Rc<Self>, waiter: Option<(Function, Function)>) {
        self.waiters.borrow_mut().extend(waiter);
        if self.session.borrow().pending().is_some() {
            return;
        }
        if let Err(error) = self.try_begin() {
            self.settle(Err(error), self.provider_id(), false);
        }
    }

    fn try_begin(self: &Rc<Self>) -> Result<(), OAuthError> {
        let config = self.config()?;
        // A programmatic login called again on the page a redirect returned to gets that result.
        if matches!(self.source, SettingsSource::Options(_)) {
            if let Some(delivery) = callback::take_delivery(Some(&config.key)) {
                self.deliver(delivery);
                return Ok(());
            }
        }
        let window = window()?;
        let login = PendingLogin::new(&config, random_state()?, now());
        let url = authorize_url(&config, &login.state);
        let popup = match config.mode {
            Mode::Redirect => None,
            Mode::Popup => match (popup::open(&window, &url, login.state.as_str().get(..16).unwrap_or_default()), config.fallback) {
                (Some(popup), _) => Some(popup),
                (None, Fallback::Redirect) => None,
                (None, Fallback::None) => {
                    return Err(OAuthError::new(
                        ErrorCode::PopupBlocked,
                        "the browser blocked the login popup; allow popups for this site and try again",
                    ))
                }
            },
        };
        let popup = match popup {
            Some(popup) => Some(self.watch(&window, popup, login.preset.id)?),
            None => {
                storage::save_pending(&login)?;
                None
            }
        };
        let redirect = popup.is_none();
        let deadline = self.deadline(config.timeout_secs, login.preset.id);
        *self.flight.borrow_mut() = Some(Flight { _popup: popup, _deadline: deadline });
        self.replace_session(|s| s.start(login));
        self.render();
        if redirect {
            window.location().assign(&url).map_err(|_| OAuthError::config("the page refused to navigate to authorize-url"))?;
        }
        Ok(())
    }

    /// Watches the popup of the login just started with `provider` (the login's own preset: the
    /// attributes may change while it is pending, and apply only to the next login).
    fn watch(self: &Rc<Self>, window: &web_sys::Window, popup: web_sys::Window, provider: &'static str) -> Result<PopupWatch, OAuthError> {
        let origin = page_location()?.origin;
        // Strong references: the flight keeps a programmatic login alive until it settles, and
        // settling drops the flight, which breaks the cycle.
        let (on_response, on_closed) = (Rc::clone(self), Rc::clone(self));
        Ok(PopupWatch::new(
            window,
            popup,
            origin,
            move |raw| on_response.answer(&raw),
            move || {
                on_closed.settle(
                    Err(OAuthError::new(ErrorCode::PopupClosed, "the login window was closed before the login finished")),
                    provider,
                    false,
                )
            },
        ))
    }

    fn deadline(self: &Rc<Self>, secs: u32, provider: &'static str) -> Timeout {
        let inner = Rc::clone(self);
        Timeout::new(secs.saturating_mul(1000), move || inner.settle(Err(timeout_error(secs)), provider, false))
    }

    /// A response from our popup.
    fn answer(self: &Rc<Self>, raw: &str) {
        let Some(login) = self.session.borrow().pending().cloned() else { return };
        self.settle(login.resolve(raw, now()), login.preset.id, false);
    }

    fn deliver(self: &Rc<Self>, delivery: Delivery) {
        self.settle(delivery.result, delivery.provider, false);
    }

    fn restore(self: &Rc<Self>, config: &Config) {
        if let Some(token) = storage::load_token(config.storage, &config.key) {
            if token.is_expired(now()) {
                storage::forget_token(&config.key);
            } else {
                self.settle(Ok(token), config.preset.id, true);
            }
        }
    }

    /// Ends the pending login (if any) with `result`: state, storage, expiry timer, render, then
    /// the event and the waiting promises, with no borrow held.
    fn settle(self: &Rc<Self>, result: Result<Token, OAuthError>, provider: &'static str, restored: bool) {
        let flight = self.flight.borrow_mut().take();
        drop(flight);
        if let Ok(token) = &result {
            if !restored {
                if let Ok(config) = self.config() {
                    if let Err(error) = storage::save_token(config.storage, &config.key, token) {
                        web_sys::console::warn_1(&JsValue::from_str(&error.description));
                    }
                }
            }
            self.schedule_expiry(token, provider);
        }
        self.replace_session(|s| s.finish(result.clone()));
        self.render();
        let waiters = std::mem::take(&mut *self.waiters.borrow_mut());
        match result {
            Ok(token) => {
                let detail = to_js(&token.detail(provider, restored));
                self.emit("oauth-login", &detail);
                for (resolve, _) in waiters {
                    let _ = resolve.call1(&JsValue::NULL, &detail);
                }
            }
            Err(error) => {
                self.emit("oauth-error", &to_js(&ErrorDetail::from(&error)));
                let value = error_value(&error);
                for (_, reject) in waiters {
                    let _ = reject.call1(&JsValue::NULL, &value);
                }
            }
        }
    }

    fn schedule_expiry(self: &Rc<Self>, token: &Token, provider: &'static str) {
        let timer = token.expires_at.map(|at| {
            let weak: Weak<Self> = Rc::downgrade(self);
            // setTimeout holds at most 2^31-1 ms (24.8 days); a longer wait re-arms on reload.
            let wait = at.saturating_sub(now()).min(i32::MAX as u64) as u32;
            Timeout::new(wait, move || {
                if let Some(inner) = weak.upgrade() {
                    inner.expire(provider);
                }
            })
        });
        *self.expiry.borrow_mut() = timer;
    }

    fn expire(self: &Rc<Self>, provider: &'static str) {
        if let Ok(config) = self.config() {
            storage::forget_token(&config.key);
        }
        self.replace_session(|_| Session::Expired);
        self.render();
        self.emit("oauth-expired", &provider_detail(provider));
    }

    fn logout(self: &Rc<Self>) {
        let expiry = self.expiry.borrow_mut().take();
        drop(expiry);
        let config = self.config();
        if let Ok(config) = &config {
            storage::forget_token(&config.key);
        }
        self.replace_session(|s| match s {
            // A login under way stays under way; only the token is forgotten.
            Session::Pending { login, .. } => Session::Pending { login, kept: None },
            _ => Session::Idle,
        });
        self.render();
        self.emit("oauth-logout", &provider_detail(self.provider_id()));
    }

    fn replace_session(&self, change: impl FnOnce(Session) -> Session) {
        let mut session = self.session.borrow_mut();
        let current = std::mem::take(&mut *session);
        *session = change(current);
    }

    fn authorized_fetch(&self, input: JsValue, init: JsValue) -> Result<Promise, JsValue> {
        let token = self.session.borrow().token(now()).map(|t| t.access_token.secret().to_owned());
        let Some(token) = token else {
            return Err(error_value(&OAuthError::new(ErrorCode::LoginRequired, "log in before calling fetch()")));
        };
        let placement = self.config().map(|c| c.preset.token_placement).unwrap_or(TokenPlacement::BearerHeader);
        let init: RequestInit = if init.is_undefined() || init.is_null() { RequestInit::new() } else { init.unchecked_into() };
        let request = match input.dyn_ref::<Request>() {
            Some(request) => Request::new_with_request_and_init(request, &init)?,
            None => {
                let url = input.as_string().unwrap_or_else(|| input.unchecked_ref::<Object>().to_string().into());
                Request::new_with_str_and_init(&url, &init)?
            }
        };
        let request = match placement {
            TokenPlacement::BearerHeader => {
                request.headers().set("Authorization", &format!("Bearer {token}"))?;
                request
            }
            TokenPlacement::QueryParameter => {
                let url = Url::new(&request.url())?;
                url.search_params().set("access_token", &token);
                Request::new_with_str_and_init(&url.href(), request.unchecked_ref::<RequestInit>())?
            }
        };
        Ok(window().map_err(|e| error_value(&e))?.fetch_with_request(&request))
    }

    fn emit(&self, name: &str, detail: &JsValue) {
        let SettingsSource::Element(element) = &self.source else { return };
        let init = CustomEventInit::new();
        init.set_bubbles(true);
        init.set_composed(true);
        init.set_detail(detail);
        if let Ok(event) = CustomEvent::new_with_event_init_dict(name, &init) {
            let _ = element.dispatch_event(&event);
        }
    }

    fn render(&self) {
        let Some(ui) = &self.ui else { return };
        let settings = self.source.read();
        let preset = settings.get("provider").and_then(provider::find).unwrap_or(&provider::CUSTOM);
        ui.show(&label_for(settings.get("label"), preset), &self.session.borrow().view(now()));
    }
}

fn provider_detail(provider: &str) -> JsValue {
    #[derive(serde::Serialize)]
    struct ProviderDetail<'a> {
        provider: &'a str,
    }
    to_js(&ProviderDetail { provider })
}

impl Ui {
    /// Builds the shadow DOM of `element`; `None` if the element cannot have one.
    fn build(element: &HtmlElement, widget: Weak<Inner>) -> Option<Self> {
        let root = match element.shadow_root() {
            Some(root) => root,
            None => element.attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open)).ok()?,
        };
        root.set_inner_html(TEMPLATE);
        let part = |name: &str| -> Option<HtmlElement> {
            root.query_selector(&format!("[part={name}]")).ok().flatten()?.dyn_into().ok()
        };
        let button = part("button")?;
        let click = EventListener::new(&button, "click", move |_| {
            if let Some(inner) = widget.upgrade() {
                // A click while busy joins nothing new; the button's result goes out as events.
                inner.begin(None);
            }
        });
        Some(Self { spinner: part("spinner")?, label: part("label")?, message: part("message")?, button, _click: click })
    }

    fn show(&self, label: &str, view: &View) {
        self.label.set_text_content(Some(label));
        let busy = if view.busy { "true" } else { "false" };
        let _ = self.button.set_attribute("aria-busy", busy);
        self.spinner.set_hidden(!view.busy);
        self.message.set_text_content(view.message.as_deref());
        self.message.set_hidden(view.message.is_none());
    }
}
