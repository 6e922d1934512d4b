#!/bin/sh
# Installs confab on a Debian or Ubuntu server as a hardened systemd service.
#
#   sudo ./install.sh --domain chat.example.com --email you@example.com
#
# Puts the binary in /usr/local/bin, creates the `confab` system user and /var/lib/confab,
# writes /etc/confab/confab.env and /etc/systemd/system/confab.service, then enables and
# (re)starts the service. Running it again upgrades the binary and restarts; data and settings
# stay. `--uninstall` removes the service and binary but keeps the data unless `--purge`.
# `--root DIR` writes everything under DIR instead of / (no users, no systemctl), for tests
# and image builds.
set -eu

usage() {
    cat <<'USAGE'
Usage: install.sh [--binary PATH] [--domain NAME] [--email ADDR] [--root DIR] [--no-start]
       install.sh --uninstall [--purge] [--root DIR]

  --binary PATH   the confab binary to install (default: ./confab beside this script)
  --domain NAME   serve HTTPS for NAME with a Let's Encrypt certificate (repeatable)
  --email ADDR    contact address for Let's Encrypt
  --root DIR      install under DIR instead of / (no user accounts, no systemctl)
  --no-start      write everything but do not enable or start the service
  --uninstall     stop and remove the service and the binary; keeps data and settings
  --purge         with --uninstall: also delete /var/lib/confab, /etc/confab and the user
USAGE
}

fail() {
    printf 'install.sh: %s\n' "$*" >&2
    exit 1
}

say() {
    printf '%s\n' "$*"
}

script_dir=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
binary="$script_dir/confab"
domains=""
email=""
root=""
start=1
uninstall=0
purge=0

while [ $# -gt 0 ]; do
    case "$1" in
        --binary) [ $# -ge 2 ] || fail "--binary needs a path"; binary=$2; shift 2 ;;
        --domain) [ $# -ge 2 ] || fail "--domain needs a name"; domains="${domains:+$domains,}$2"; shift 2 ;;
        --email) [ $# -ge 2 ] || fail "--email needs an address"; email=$2; shift 2 ;;
        --root) [ $# -ge 2 ] || fail "--root needs a directory"; root=$2; shift 2 ;;
        --no-start) start=0; shift ;;
        --uninstall) uninstall=1; shift ;;
        --purge) purge=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; fail "unknown option: $1" ;;
    esac
done

[ "$purge" -eq 0 ] || [ "$uninstall" -eq 1 ] || fail "--purge goes with --uninstall"
if [ -n "$root" ]; then
    mkdir -p "$root" || fail "cannot create $root"
    root=$(CDPATH='' cd -- "$root" && pwd)
    start=0
elif [ "$(id -u)" -ne 0 ]; then
    fail "run as root (sudo ./install.sh ...), or pass --root DIR"
fi

bin_path="$root/usr/local/bin/confab"
data_dir="$root/var/lib/confab"
env_dir="$root/etc/confab"
env_file="$env_dir/confab.env"
unit_file="$root/etc/systemd/system/confab.service"

uninstall() {
    if [ -z "$root" ] && command -v systemctl >/dev/null 2>&1; then
        systemctl disable --now confab.service 2>/dev/null || true
    fi
    rm -f "$unit_file" "$bin_path"
    if [ -z "$root" ] && command -v systemctl >/dev/null 2>&1; then
        systemctl daemon-reload
    fi
    if [ "$purge" -eq 1 ]; then
        rm -rf "$data_dir" "$env_dir"
        if [ -z "$root" ] && id confab >/dev/null 2>&1; then
            userdel confab
        fi
        say "confab removed, with its data and settings."
    else
        say "confab removed. Data kept in $data_dir and settings in $env_dir (--purge deletes them)."
    fi
}

write_env_file() {
    tmp="$env_file.new"
    {
        say "# confab settings: every flag of 'confab serve' as CONFAB_* (see 'confab --help')."
        say "# Apply changes with: systemctl restart confab"
        say "CONFAB_DATA=/var/lib/confab"
        if [ -n "$domains" ]; then
            say "CONFAB_DOMAIN=$domains"
        else
            say "# No domain: plain HTTP on this address. Set CONFAB_DOMAIN for HTTPS on :443."
            say "CONFAB_LISTEN=127.0.0.1:8080"
        fi
        if [ -n "$email" ]; then
            say "CONFAB_ACME_EMAIL=$email"
        fi
    } >"$tmp"
    chmod 0640 "$tmp"
    mv -f "$tmp" "$env_file"
}

write_unit_file() {
    tmp="$unit_file.new"
    cat >"$tmp" <<'UNIT'
[Unit]
Description=confab chat server
Wants=network-online.target
After=network-online.target

[Service]
Type=simple
User=confab
Group=confab
EnvironmentFile=/etc/confab/confab.env
ExecStart=/usr/local/bin/confab serve
ExecReload=/bin/kill -HUP $MAINPID
Restart=on-failure
RestartSec=2s
# Graceful shutdown: stop accepting, close sockets, flush messages.
KillSignal=SIGTERM
TimeoutStopSec=30s
LimitNOFILE=65536

# Bind :80 and :443 without running as root.
AmbientCapabilities=CAP_NET_BIND_SERVICE
CapabilityBoundingSet=CAP_NET_BIND_SERVICE
NoNewPrivileges=yes

# Sandbox: the whole system read-only but the data folder.
ProtectSystem=strict
ReadWritePaths=/var/lib/confab
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
MemoryDenyWriteExecute=yes
SystemCallArchitectures=native
UMask=0077

[Install]
WantedBy=multi-user.target
UNIT
    chmod 0644 "$tmp"
    mv -f "$tmp" "$unit_file"
}

install() {
    [ -f "$binary" ] || fail "no confab binary at $binary (pass --binary PATH)"
    version=$("$binary" --version 2>/dev/null) || fail "$binary does not run here (is it the x86_64 Linux build?)"
    case "$version" in
        confab\ *) ;;
        *) fail "$binary is not confab (it says: $version)" ;;
    esac

    if [ -z "$root" ] && ! id confab >/dev/null 2>&1; then
        useradd --system --user-group --home-dir /var/lib/confab --no-create-home \
            --shell /usr/sbin/nologin --comment "confab chat server" confab
        say "created system user confab"
    fi

    mkdir -p "$(dirname "$bin_path")" "$data_dir" "$env_dir" "$(dirname "$unit_file")"
    chmod 0700 "$data_dir"
    if [ -z "$root" ]; then
        chown confab:confab "$data_dir"
    fi

    # Replace the binary atomically: a running service keeps its old file until restarted.
    cp "$binary" "$bin_path.new"
    chmod 0755 "$bin_path.new"
    mv -f "$bin_path.new" "$bin_path"

    # Settings are written on the first install and when --domain or --email is given;
    # otherwise an upgrade keeps what the operator set.
    if [ ! -f "$env_file" ] || [ -n "$domains" ] || [ -n "$email" ]; then
        write_env_file
    fi
    if [ -z "$root" ]; then
        chown root:confab "$env_file"
    fi
    write_unit_file

    say "installed $version"
    say "  binary   $bin_path"
    say "  data     $data_dir"
    say "  settings $env_file"
    say "  service  $unit_file"

    if [ "$start" -eq 0 ]; then
        say "not started (--no-start or --root)."
        return
    fi
    command -v systemctl >/dev/null 2>&1 || fail "systemctl not found: this script needs systemd"
    systemctl daemon-reload
    systemctl enable confab.service >/dev/null
    systemctl restart confab.service

    # Wait for the service to answer its health check, with its own settings.
    tries=0
    # shellcheck source=/dev/null
    until (set -a; . "$env_file"; set +a; "$bin_path" healthcheck >/dev/null 2>&1); do
        tries=$((tries + 1))
        if [ "$tries" -ge 30 ]; then
            fail "confab did not become healthy; see: journalctl -u confab -n 50"
        fi
        sleep 1
    done

    configured_domain=$(sed -n 's/^CONFAB_DOMAIN=\([^,]*\).*/\1/p' "$env_file")
    if [ -n "$configured_domain" ]; then
        say "confab is running: https://$configured_domain/"
        say "(the first certificate takes a few seconds; logs: journalctl -u confab -f)"
    else
        say "confab is running: http://127.0.0.1:8080/ (plain HTTP, this machine only)."
        say "For HTTPS, run again with --domain NAME --email ADDR."
    fi
}

if [ "$uninstall" -eq 1 ]; then
    uninstall
else
    install
fi
