#!/usr/bin/env bash
# The browser tests: real headless Chromium (Debian's package) driven by Playwright, against the
# real confab binary ($CONFAB_BIN, default target/x86_64-unknown-linux-musl/release/confab). Installs what it needs when
# it is missing or stale, so it passes on a fresh machine and costs nothing the second time.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

bin="${CONFAB_BIN:-target/x86_64-unknown-linux-musl/release/confab}"
[[ "$bin" = /* ]] || bin="$repo/$bin"
if [[ ! -x "$bin" ]]; then
    echo "tests/browser/run.sh: no confab binary at $bin; run 'cargo build --release' or set CONFAB_BIN" >&2
    exit 1
fi

if ! command -v npm >/dev/null 2>&1; then
    echo "tests/browser/run.sh: Node.js 20 (or newer) and npm are needed for the browser tests" >&2
    exit 1
fi

# Playwright's own browser download cannot work here; Debian's Chromium does.
if [[ ! -x /usr/bin/chromium ]]; then
    sudo=()
    [[ "$(id -u)" -eq 0 ]] || sudo=(sudo)
    "${sudo[@]}" apt-get update
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
fi

# node_modules is current when it was installed from this very package-lock.json.
cd "$here"
if ! cmp -s package-lock.json node_modules/.installed-from-lock 2>/dev/null; then
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund
    cp package-lock.json node_modules/.installed-from-lock
fi

CONFAB_BIN="$bin" npm test --silent
