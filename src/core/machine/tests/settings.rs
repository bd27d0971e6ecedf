//! Settings: advice in the console, once per line, and a login with settings that cannot work.

use super::*;
use crate::core::contract::{Attr, NOT_SET_UP};
use crate::core::oauth::config::Settings;
use crate::core::text::{form, split};

#[test]
fn advice_and_invalid_settings_reach_the_console_once() {
    let mut w = Widget::bare();
    let out = w.update("provider=linkedin&clientid=x");
    let lines = warnings(&out);
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(lines[0].contains("did you mean `client-id`"));
    assert!(lines[2].contains("client-id is required"));
    let out = w.update("provider=linkedin&clientid=x");
    assert!(warnings(&out).is_empty(), "each line once");
    assert_eq!(
        find(&out, "render").unwrap()["label"],
        "Log in with LinkedIn"
    );
    assert_eq!(rendered(&out), ("logged-out", false, Some(NOT_SET_UP)));
}

#[test]
fn an_invalid_setting_fails_the_login_with_invalid_config_and_opens_nothing() {
    let mut w = Widget::new("client-id=x&authorize-url=http%3A%2F%2Fevil.example%2F");
    let (out, _) = w.login(0x11);
    assert_eq!(names(&out), ["render", "timer", "event"]);
    assert_eq!(error(&out), Some("invalid_config"));
    assert_eq!(
        rendered(&out).2,
        Some(format!("Login failed: {}", description(&out)).as_str())
    );

    let mut w = Widget::new(IMPLICIT);
    let out = w.send(Input::Login {
        random: vec![1; 10],
        address: "".into(),
    });
    assert_eq!(error(&out), Some("browser_refused"), "too few random bytes");
}

/// A failure that said the settings were wrong is about those settings: a change of settings
/// takes its message off the button (the `oauth-error` event has told the page already).
#[test]
fn changed_settings_take_the_invalid_config_failure_off_the_button() {
    let mut w = Widget::new("client-id=x&authorize-url=http%3A%2F%2Fevil.example%2F");
    let (out, _) = w.login(0x11);
    assert_eq!(error(&out), Some("invalid_config"));
    let out = w.update(IMPLICIT);
    assert_eq!(rendered(&out), ("logged-out", false, None));

    let mut w = Widget::new("client-id=x&authorize-url=http%3A%2F%2Fevil.example%2F");
    w.login(0x11);
    let out = w.update("provider=linkedin");
    assert_eq!(rendered(&out), ("logged-out", false, Some(NOT_SET_UP)));

    // A refusal is the last login's outcome, whatever the settings become.
    let mut w = Widget::new(IMPLICIT);
    let (_, state) = w.login(0x11);
    let out = w.popup_answer(&format!("?error=access_denied&state={state}"), "");
    assert_eq!(error(&out), Some("access_denied"));
    let out = w.update(&format!("{IMPLICIT}&label=Go"));
    assert!(rendered(&out)
        .2
        .is_some_and(|m| m.starts_with("Login failed: ")));
}

#[test]
fn login_options_that_are_not_an_object_are_invalid_config() {
    let mut w = Widget::bare();
    w.send(Input::Options {
        attributes: "".into(),
        origin: ORIGIN.into(),
        path: "/".into(),
        object: false,
    });
    let (out, _) = w.login(0x11);
    assert!(description(&out).contains("login(options) needs an options object"));
}

/// The element sends its own attributes, and the names of the others as one more name, each
/// led by a space (`attributesOf` in js/element.js; the e2e test in tests/e2e/config.test.mjs gives it many
/// `data-*` attributes and a long `style`): all its own at once fit the form's limits, and the
/// others are advised on by name.
#[test]
fn every_attribute_of_the_element_fits_and_the_others_are_advised_by_name() {
    let mut attrs: Vec<(&str, &str)> = Attr::ALL.iter().map(|a| (a.name(), "x")).collect();
    attrs.push(("id", "w1"));
    let others: String = (0..100).map(|i| format!(" data-x{i}")).collect();
    let others = format!("{others} style clientid");
    attrs.push((&others, ""));
    let settings = Settings::parse(&form(&attrs));
    assert!(Attr::ALL.iter().all(|a| settings.get(*a) == Some("x")));
    assert_eq!(settings.id(), Some("w1"));
    assert_eq!(
        split(&settings.unknown, b" ")
            .filter(|w| !w.is_empty())
            .count(),
        102
    );
    let with_secrets = format!("{}&client-secret=&client_secret=", form(&attrs));
    assert!(Settings::parse(&with_secrets).has_secret);

    let mut w = Widget::bare();
    let out = w.update(&format!("{IMPLICIT}&{}", form(&[(&others, "")])));
    assert_eq!(warnings(&out).len(), 1, "{:?}", warnings(&out));
    assert!(warnings(&out)[0].contains("`clientid`: did you mean `client-id`?"));
    let (out, _) = w.login(0x11);
    assert_eq!(error(&out), None, "{out:?}");
    assert!(find(&out, "open").is_some(), "{out:?}");
}
