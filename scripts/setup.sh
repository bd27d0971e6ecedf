#!/usr/bin/env bash
# Installs what the project needs, skipping whatever is already there. Safe to run any number of
# times; `npm start`, `npm test`, `npm run build` and `npm run bench` all call it first.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'setup: %s\n' "$*"; }
have() { command -v "$1" >/dev/null 2>&1; }
export PATH="$HOME/.cargo/bin:$PATH"

# The wasm-bindgen CLI must be the exact version the crate links against, or wasm-pack tries to
# download one (which cannot work here). Read it from Cargo.lock, creating the lock if needed.
[ -f Cargo.lock ] || cargo generate-lockfile --quiet
bindgen_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)

if rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "rust target wasm32-unknown-unknown: present"
else
  say "adding rust target wasm32-unknown-unknown"; rustup target add wasm32-unknown-unknown
fi

# The release wasm is built on the image's nightly toolchain with -Zbuild-std (scripts/build.mjs):
# it needs nightly's rust-src and wasm32 target. Without nightly, the build falls back to stable.
if rustup toolchain list | grep -q '^nightly'; then
  if rustup +nightly component list --installed | grep -qx rust-src && rustup +nightly target list --installed | grep -qx wasm32-unknown-unknown; then
    say "nightly rust-src and wasm32 target: present ($(rustc +nightly --version))"
  else
    say "adding nightly rust-src and wasm32 target"
    rustup component add rust-src --toolchain nightly
    rustup target add wasm32-unknown-unknown --toolchain nightly
  fi
else
  say "no nightly toolchain on this machine: the wasm will be built on stable (larger)"
fi

if have wasm-pack; then
  say "wasm-pack: present ($(wasm-pack --version))"
else
  say "installing wasm-pack"; cargo install --quiet wasm-pack
fi

if have wasm-bindgen && [ "$(wasm-bindgen --version | awk '{print $2}')" = "$bindgen_version" ]; then
  say "wasm-bindgen-cli $bindgen_version: present"
else
  # Not --locked: one of its locked dependencies is no longer on the registry.
  say "installing wasm-bindgen-cli $bindgen_version"; cargo install --quiet --force wasm-bindgen-cli --version "$bindgen_version"
fi

# Chromium for the tests; xz compresses the embedded wasm at build time (scripts/build/embed.mjs).
if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] && have xz; then
  say "chromium, chromedriver and xz: present"
else
  say "installing Debian's chromium, chromium-driver and xz-utils"
  sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium chromium-driver xz-utils >/dev/null
fi

# npm ci only when node_modules is missing or older than the lock file.
if [ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ]; then
  say "node_modules: up to date"
else
  say "installing npm dev dependencies (npm ci)"; npm ci --no-audit --no-fund --loglevel=error
fi

# The exchange's interop test against django-oauth-toolkit needs a Python venv (.cache/django-venv).
bash scripts/interop-django.sh || say "no Python environment for the django-oauth-toolkit interop test: it will be skipped"

# nginx, the load balancer of the exchange's scale-out e2e test and bench (scripts/lb.sh).
if bash scripts/lb.sh install; then say "nginx: present"; else say "nginx could not be installed: the load-balancer e2e test will be skipped"; fi
