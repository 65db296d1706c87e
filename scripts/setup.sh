#!/usr/bin/env bash
# Installs what Loupe's build and tests need, idempotently, from the package
# registries only (crates.io, npm, Debian). Usage: scripts/setup.sh web|browser
#   web      wasm target, Trunk, wasm-bindgen-cli, wasm-opt (npm binaryen)
#   browser  web + Debian's Chromium and Firefox ESR, playwright-core and puppeteer-core
#            (never a downloaded browser)
set -euo pipefail
cd "$(dirname "$0")/.."

TRUNK_VERSION=0.21.14
have() { command -v "$1" >/dev/null 2>&1; }
say() { printf '[setup] %s\n' "$*"; }

# The wasm-bindgen CLI must match the library exactly; read it from Cargo.lock.
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}

setup_web() {
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32 target"; rustup target add wasm32-unknown-unknown
  fi
  if ! have trunk || ! trunk --version | grep -q "$TRUNK_VERSION"; then
    say "installing trunk $TRUNK_VERSION"; cargo install trunk --version "$TRUNK_VERSION" --locked
  fi
  [ -f Cargo.lock ] || cargo generate-lockfile
  local wbv; wbv=$(wasm_bindgen_version)
  if ! have wasm-bindgen || ! wasm-bindgen --version | grep -q " $wbv\$"; then
    say "installing wasm-bindgen-cli $wbv"; cargo install wasm-bindgen-cli --version "$wbv" --force
  fi
  setup_npm
}

setup_npm() {
  # binaryen gives a wasm-opt newer than Debian's; playwright-core drives
  # Chromium, puppeteer-core drives Firefox (the single file is tested in both).
  if [ ! -x tools/node_modules/.bin/wasm-opt ] || [ ! -d tools/node_modules/playwright-core ] || [ ! -d tools/node_modules/puppeteer-core ]; then
    say "installing npm tools (binaryen, playwright-core, puppeteer-core)"
    (cd tools && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

setup_browser() {
  setup_web
  if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/firefox-esr ]; then
    say "installing Debian's chromium and firefox-esr"
    local sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium firefox-esr >/dev/null
  fi
}

case "${1:-}" in
  web) setup_web ;;
  browser) setup_browser ;;
  *) echo "usage: $0 web|browser" >&2; exit 2 ;;
esac
