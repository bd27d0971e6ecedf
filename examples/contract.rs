//! Prints the element's contract as JSON, as the Rust core declares it: the attributes, events,
//! parts, markup and style, error codes and presets (`core::contract`), and the controller's
//! inputs and commands (`core::machine::io`). `scripts/lib/contract.mjs` generates
//! `js/contract.js`, `custom-elements.json` and `index.d.ts` from it:
//! `cargo run --quiet --example contract`.

use oauth_prefab::core::contract::{
    Attr, ATTRIBUTES, CSP_WASM_ERROR, ERROR_CODES, EVENT_DOCS, LOG_IN, MARKUP, METHODS, NOT_SET_UP,
    PARTS, PROPERTIES, SECRET_ATTRIBUTES, STYLE, TAG,
};
use oauth_prefab::core::machine::io::{COMMANDS, INPUTS};
use oauth_prefab::core::machine::session::label;
use oauth_prefab::core::oauth::config::{Config, Page, Settings};
use oauth_prefab::core::oauth::provider::PRESETS;
use oauth_prefab::core::oauth::request::RANDOM_BYTES;
use oauth_prefab::core::store::{CHANNEL, RESPONSE_KEY};
use serde_json::{json, Value};

fn main() {
    let attributes: Vec<Value> = ATTRIBUTES
        .iter()
        .map(|(name, property, values, default, ts, doc)| {
            json!({ "name": name, "property": property, "values": values, "default": default, "type": ts, "doc": doc })
        })
        .collect();
    let named = |list: &[(&str, &[&str])]| -> Vec<Value> {
        list.iter()
            .map(|(name, fields)| json!({ "name": name, "fields": fields }))
            .collect()
    };
    let contract = json!({
        "tag": TAG,
        "attributes": attributes,
        "secrets": SECRET_ATTRIBUTES.iter().map(|(name, property)| json!([name, property])).collect::<Vec<_>>(),
        "providers": PRESETS.iter().map(|p| p.id).collect::<Vec<_>>(),
        // What the core's button says for each preset before a login: the early button's label.
        "presetLabels": PRESETS.iter().map(|p| {
            let config = Config::new(Settings::parse(&["provider=", p.id].concat()), Page::default());
            (p.id.to_string(), json!(label(&config, config.get(Attr::Label), None)))
        }).collect::<serde_json::Map<_, _>>(),
        "events": EVENT_DOCS.iter().map(|(name, detail, doc)| json!({ "name": name, "detail": detail, "doc": doc })).collect::<Vec<_>>(),
        "parts": PARTS.iter().map(|(name, doc)| json!({ "name": name, "doc": doc })).collect::<Vec<_>>(),
        "properties": PROPERTIES.iter().map(|(name, ts, doc)| json!({ "name": name, "type": ts, "doc": doc })).collect::<Vec<_>>(),
        "methods": METHODS.iter().map(|(name, params, ret, doc)| json!({ "name": name, "params": params, "return": ret, "doc": doc })).collect::<Vec<_>>(),
        "errorCodes": ERROR_CODES.iter().map(|(code, meaning)| json!({ "code": code, "meaning": meaning })).collect::<Vec<_>>(),
        "inputs": named(INPUTS),
        "commands": named(COMMANDS),
        "markup": MARKUP,
        "style": STYLE,
        "channel": CHANNEL,
        "responseKey": RESPONSE_KEY,
        "randomBytes": RANDOM_BYTES,
        "texts": { "logIn": LOG_IN, "notSetUp": NOT_SET_UP, "cspWasmError": CSP_WASM_ERROR },
    });
    println!(
        "{}",
        serde_json::to_string_pretty(&contract).unwrap_or_default()
    );
}
