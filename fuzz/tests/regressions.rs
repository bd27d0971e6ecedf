//! Replays every checked-in input of every fuzz target without libFuzzer (stable `cargo test`):
//! the seeds of `corpus/<target>/` and the crashes found, `regressions/<target>/`. A file that
//! panics fails the test, named with its path.
#![allow(clippy::disallowed_macros, clippy::disallowed_methods)]

use std::path::Path;

#[test]
fn every_checked_in_input_passes_its_target() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // Each failure is reported with its file and its panic message, not on stderr.
    let message = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let hook_message = message.clone();
    let replaying = std::thread::current().id();
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().id() != replaying {
            return default_hook(info);
        }
        let location = info.location().map(|l| l.to_string()).unwrap_or_default();
        let payload = info
            .payload()
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| info.payload().downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        *hook_message.lock().unwrap() = format!("{location}: {payload}");
    }));
    let mut failed = Vec::new();
    let mut replayed = 0;
    for (name, target) in oauth_prefab_fuzz::TARGETS {
        let mut files = Vec::new();
        for dir in ["corpus", "regressions"] {
            let Ok(entries) = std::fs::read_dir(root.join(dir).join(name)) else {
                continue;
            };
            files.extend(entries.map(|e| e.unwrap().path()).filter(|p| p.is_file()));
        }
        assert!(
            files.iter().any(|p| p.starts_with(root.join("corpus"))),
            "target {name} has no seeds in corpus/{name}/"
        );
        files.sort();
        for file in files {
            let data = std::fs::read(&file).unwrap();
            replayed += 1;
            if std::panic::catch_unwind(|| target(&data)).is_err() {
                let shown = file.strip_prefix(root).unwrap().display().to_string();
                failed.push(format!("{shown}: {}", message.lock().unwrap()));
            }
        }
    }
    drop(std::panic::take_hook()); // the default one again
    assert!(
        failed.is_empty(),
        "{} of {replayed} inputs fail: {failed:#?}",
        failed.len()
    );
    eprintln!("{replayed} inputs replayed");
}

#[test]
fn every_target_has_a_libfuzzer_binary() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    for (name, _) in oauth_prefab_fuzz::TARGETS {
        let source = root.join("fuzz_targets").join(format!("{name}.rs"));
        let text = std::fs::read_to_string(&source).unwrap_or_default();
        assert!(
            text.contains(&format!("oauth_prefab_fuzz::{name}(data)")),
            "{} calls {name}",
            source.display()
        );
        assert!(
            manifest.contains(&format!("name = \"{name}\"")),
            "Cargo.toml names {name}"
        );
    }
}
