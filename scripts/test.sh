#!/usr/bin/env bash
# Every test: native unit tests of the workspace, the crate's in-browser tests (wasm-pack test in
# headless Chromium), and the end-to-end tests (Chromium against the dev provider). Ends with one
# summary line counting them all.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export CHROMEDRIVER=/usr/bin/chromedriver
log=$(mktemp)
status=0
broken=0  # suites that failed, whether or not they printed counts

run() {
  local name=$1; shift
  printf '\n== %s\n' "$name"
  "$@" 2>&1 | tee -a "$log"
  local code=${PIPESTATUS[0]}
  [ "$code" = 0 ] || { echo "!! $name failed (exit $code)"; status=1; broken=$((broken + 1)); }
}

run "cargo fmt --check" cargo fmt --all -- --check
# The shipped wasm (wasm32 --lib) may not use what clippy.toml forbids (format!, str searchers);
# natively, tests may.
run "cargo clippy -D warnings (native and wasm32)" bash -c 'cargo clippy --workspace --all-targets --quiet -- -D warnings -A clippy::disallowed_macros -A clippy::disallowed_methods && cargo clippy --target wasm32-unknown-unknown --lib -p oauth-prefab -p oauth-prefab-unpack --quiet -- -D warnings'
run "cargo test (workspace, native)" cargo test --workspace --quiet
run "fuzz regression corpus (fuzz/: seeds and crashes found; no fuzzing)" cargo test --manifest-path fuzz/Cargo.toml --target-dir target/fuzz --quiet
run "wasm-pack test --headless --chrome (in-browser)" wasm-pack test --headless --chrome -- --test browser
run "end-to-end (Chromium + dev provider)" node --test --test-concurrency=1 --test-reporter=spec tests/e2e/*.test.mjs
run "package checks (manifest, generated JS, build steps, the package in Node, size budget)" node --test --test-reporter=spec tests/manifest.test.mjs tests/build/*.test.mjs tests/package/*.test.mjs tests/size-budget.test.mjs
run "the packed package in a Vite app" node tests/vite-app/run.mjs

# cargo and wasm-bindgen-test print "test result: ... N passed; M failed"; node's runner "ℹ pass N";
# the Vite runner "N passed, M failed".
passed=$(awk '/test result:/ { for (i = 1; i < NF; i++) if ($(i+1) ~ /^passed/) s += $i } /^ℹ pass / { s += $3 } /^[0-9]+ passed, [0-9]+ failed$/ { s += $1 } END { print s + 0 }' "$log")
failed=$(awk '/test result:/ { for (i = 1; i < NF; i++) if ($(i+1) ~ /^failed/) s += $i } /^ℹ fail / { s += $3 } /^[0-9]+ passed, [0-9]+ failed$/ { s += $3 } END { print s + 0 }' "$log")
rm -f "$log"
# A suite that crashed before printing counts still counts as failed.
[ "$failed" -ge "$broken" ] || failed=$broken
printf '\n%s passed, %s failed\n' "$passed" "$failed"
[ "$failed" = 0 ] || status=1
exit $status
