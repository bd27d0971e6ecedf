//! Prints the element's contract (`core::contract`, the presets and the error codes) as JSON, for
//! `scripts/lib/custom-elements.mjs`, which generates `custom-elements.json` and `index.d.ts`
//! from it: `cargo run --quiet --example contract`.

use oauth_prefab::core::contract::{
    ATTRIBUTES, ATTRIBUTE_DOCS, EVENT_DOCS, METHOD_DOCS, PART_DOCS, PROPERTY_DOCS, TAG,
};
use oauth_prefab::core::error::WIDGET_CODES;
use oauth_prefab::core::provider::PRESETS;
use serde_json::{json, Value};

fn main() {
    let attributes: Vec<Value> = ATTRIBUTES
        .iter()
        .zip(ATTRIBUTE_DOCS)
        .map(|(a, (ts, doc))| {
            json!({ "name": a.name, "property": a.property, "values": a.values, "default": a.default, "type": ts, "doc": doc })
        })
        .collect();
    let contract = json!({
        "tag": TAG,
        "attributes": attributes,
        "providers": PRESETS.iter().map(|p| p.id).collect::<Vec<_>>(),
        "events": EVENT_DOCS.iter().map(|(name, detail, doc)| json!({ "name": name, "detail": detail, "doc": doc })).collect::<Vec<_>>(),
        "parts": PART_DOCS.iter().map(|(name, doc)| json!({ "name": name, "doc": doc })).collect::<Vec<_>>(),
        "properties": PROPERTY_DOCS.iter().map(|(name, ts, doc)| json!({ "name": name, "type": ts, "doc": doc })).collect::<Vec<_>>(),
        "methods": METHOD_DOCS.iter().map(|(name, params, ret, doc)| json!({ "name": name, "params": params, "return": ret, "doc": doc })).collect::<Vec<_>>(),
        "errorCodes": WIDGET_CODES.iter().map(|(code, meaning)| json!({ "code": code, "meaning": meaning })).collect::<Vec<_>>(),
    });
    println!(
        "{}",
        serde_json::to_string_pretty(&contract).unwrap_or_default()
    );
}
