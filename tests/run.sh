#!/usr/bin/env bash
# The whole test suite, exactly as CI runs it: formatting, lints, then the unit and integration
# tests against one release build (the integration tests start the real server and binary).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cargo >/dev/null 2>&1; then
    echo "tests/run.sh: cargo is not installed; install Rust from https://rustup.rs first" >&2
    exit 1
fi
rustup component add rustfmt clippy >/dev/null 2>&1 || true
# The release binary is static, built for musl (see .cargo/config.toml).
rustup target add x86_64-unknown-linux-musl >/dev/null
binary=target/x86_64-unknown-linux-musl/release/confab

step() { printf '\n==> %s\n' "$*"; }

# Installs a Debian package when one of its programs is missing (idempotent, no prompts).
need_package() {
    local package=$1
    shift
    for program in "$@"; do
        if [ ! -x "$program" ]; then
            step "installing $package (for $program)"
            local sudo=""
            [ "$(id -u)" -eq 0 ] || sudo="sudo"
            $sudo apt-get update -qq
            DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$package" >/dev/null
            return
        fi
    done
}

# Let's Encrypt's test CA, for the HTTPS tests.
need_package pebble /usr/bin/pebble /usr/bin/pebble-challtestsrv

step "formatting (cargo fmt --check)"
cargo fmt --all --check

step "lints (cargo clippy --all-targets, warnings are errors)"
cargo clippy --all-targets --release -- -D warnings

step "unit and integration tests (cargo test --release, which also builds $binary)"
cargo test --release

step "browser tests (headless Chromium)"
CONFAB_BIN=$binary bash tests/browser/run.sh

step "benchmark smoke test (confab bench --quick: every scenario, tiny sizes)"
"$binary" bench --quick

step "fuzzing (cargo fuzz, 20 s per target)"
bash tests/fuzz/run.sh

step "API fuzzing (schemathesis against /api/openapi.json)"
CONFAB_BIN=$binary bash tests/api/schemathesis.sh

step "packaging: static binary, install.sh, Dockerfile and image"
CONFAB_BIN=$binary bash tests/packaging/run.sh

step "all tests passed"
