#!/usr/bin/env bash
# API fuzzing: schemathesis reads /api/openapi.json from a running confab, generates requests
# that fit the schema and requests that break it, and runs every check on the answers: no
# server errors, only documented statuses, headers and bodies that match the schema, valid
# input accepted, invalid input refused, 405 with `Allow` for undocumented methods.
#
# The release binary runs on a free loopback port with a temporary data folder and raised
# sign-in/sign-up limits. Two passes:
#  1. signed in (the session cookie of an account made with curl), every operation that keeps
#     the session: /me, /rooms, room history and the password change (which ends the
#     account's *other* sessions only). Sign-up, sign-in and sign-out are left out here:
#     each of them ends the session the request presents, which would sign the rest of the
#     run out.
#  2. signed out, every operation: sign-up, sign-in and sign-out get their turn, and the
#     others show they answer 401.
#
# SCHEMATHESIS_EXAMPLES (default 40) sets the test cases per operation and phase;
# SCHEMATHESIS_SEED (default fixed, so the suite asks the same questions every run) another
# seed for other cases.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
binary=${CONFAB_BIN:-target/x86_64-unknown-linux-musl/release/confab}
examples=${SCHEMATHESIS_EXAMPLES:-40}
seed=${SCHEMATHESIS_SEED:-20261130}
schemathesis_version=4.32.5
# Prometheus's own Python client, whose parser reads /metrics after the run.
prometheus_client_version=0.26.0
venv=$repo/target/schemathesis-venv

if [ ! -x "$binary" ]; then
    echo "tests/api/schemathesis.sh: $binary is missing; run cargo build --release first" >&2
    exit 1
fi
if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -qF "$schemathesis_version"; then
    echo "installing schemathesis $schemathesis_version into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$schemathesis_version"
fi
if ! "$venv/bin/python" -c "import prometheus_client as p, sys; sys.exit(p.__version__ != '$prometheus_client_version')" 2>/dev/null; then
    "$venv/bin/pip" install --quiet --disable-pip-version-check "prometheus_client==$prometheus_client_version"
fi

work=$(mktemp -d)
server=""
# shellcheck disable=SC2317  # run by the EXIT trap
stop_server() {
    if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then
        kill -TERM "$server"
        wait "$server" || echo "confab exited with status $? on SIGTERM" >&2
    fi
    rm -rf "$work"
}
trap stop_server EXIT

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=$(free_port)
metrics_port=$(free_port)
base=http://127.0.0.1:$port
"$binary" serve --listen "127.0.0.1:$port" --data "$work/data" --metrics-listen "127.0.0.1:$metrics_port" \
    --signup-ip-rate 1000000/1ms --signin-ip-rate 1000000/1ms --signin-account-rate 1000000/1ms \
    >"$work/confab.out" 2>"$work/confab.err" &
server=$!
for _ in $(seq 100); do
    curl -fsS "$base/healthz" >/dev/null 2>&1 && break
    sleep 0.1
done
curl -fsS "$base/healthz" >/dev/null

curl -fsS -c "$work/cookies" -H 'content-type: application/json' \
    -d '{"username":"schemathesis","password":"schemathesis password"}' \
    "$base/api/v1/auth/signup" >/dev/null
token=$(awk '$6 == "confab_session" { print $7 }' "$work/cookies")
[ -n "$token" ] || { echo "sign-up gave no session cookie" >&2; exit 1; }

# A few messages in "lobby" (the example room in the schema), sent over the WebSocket, so room
# history and posting are tested with a room that exists, not only with 404s.
python3 - "$port" "$token" <<'PYTHON'
import base64, json, os, socket, struct, sys

port, token = int(sys.argv[1]), sys.argv[2]
sock = socket.create_connection(("127.0.0.1", port), timeout=10)
key = base64.b64encode(os.urandom(16)).decode()
sock.sendall(
    f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
    f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
    f"Cookie: confab_session={token}\r\n\r\n".encode()
)
buffer = b""
while b"\r\n\r\n" not in buffer:
    buffer += sock.recv(4096)
head, buffer = buffer.split(b"\r\n\r\n", 1)
assert b" 101 " in head.split(b"\r\n")[0], head


def send(frame):
    data, mask = json.dumps(frame).encode(), os.urandom(4)
    assert len(data) < 126
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
    sock.sendall(bytes([0x81, 0x80 | len(data)]) + mask + masked)


def receive():
    global buffer
    while True:
        while len(buffer) < 2 or len(buffer) < frame_end(buffer):
            buffer += sock.recv(65536)
        end = frame_end(buffer)
        opcode, payload = buffer[0] & 0x0F, buffer[end - payload_len(buffer) : end]
        buffer = buffer[end:]
        if opcode == 1:
            return json.loads(payload)


def payload_len(data):
    size = data[1] & 0x7F
    if size == 126:
        return struct.unpack("!H", data[2:4])[0]
    if size == 127:
        return struct.unpack("!Q", data[2:10])[0]
    return size


def frame_end(data):
    size = data[1] & 0x7F
    header = 2 if size < 126 else 4 if size == 126 else 10
    return header + payload_len(data) if len(data) >= header else len(data) + 1


assert receive()["type"] == "hello"
send({"type": "join", "room": "lobby"})
joined = receive()
assert joined["type"] == "joined", joined
for n in range(3):
    send({"type": "send", "room_id": joined["room_id"], "text": f"hello {n}", "client_id": f"seed-{n}"})
echoed = 0
while echoed < 3:
    echoed += receive()["type"] == "message"
sock.close()
PYTHON

# From the temporary folder, where schemathesis leaves its cache. One worker: with two threads,
# Hypothesis's description of a strategy's lambdas calls `ast.parse` concurrently, which
# Python 3.11 does not allow ("AST constructor recursion depth mismatch").
run() {
    (cd "$work" && "$venv/bin/schemathesis" --config-file "$repo/tests/api/schemathesis.toml" --no-color run \
        "$base/api/openapi.json" --url "$base/api/v1" \
        --checks all --max-examples "$examples" --seed "$seed" --workers 1 "$@")
}

status=0
# First, while the account is surely as it was made: a bot's token, which may read and post.
api_token=$(curl -fsS -b "$work/cookies" -H 'content-type: application/json' \
    -d '{"name":"schemathesis","scopes":["read","post"]}' "$base/api/v1/tokens" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')
echo "==> with an API token: every operation (those a token may not use answer 403)"
run -H "Authorization: Bearer $api_token" || status=1
echo "==> signed in: every operation that keeps the session"
run -H "Cookie: confab_session=$token" \
    --exclude-path /auth/signup --exclude-path /auth/login --exclude-path /auth/logout || status=1
echo "==> signed out: every operation"
run || status=1

# After all that traffic, /metrics as Prometheus reads it: every family confab's, of the
# right type, with samples that parse.
echo "==> /metrics, read by Prometheus's own parser"
curl -fsS "http://127.0.0.1:$metrics_port/metrics" >"$work/metrics.txt"
"$venv/bin/python" - "$work/metrics.txt" <<'PYTHON' || status=1
import sys
from prometheus_client.parser import text_string_to_metric_families

families = {f.name: f for f in text_string_to_metric_families(open(sys.argv[1]).read())}
expected = {
    "confab_sockets_open": "gauge",
    "confab_rooms_live": "gauge",
    "confab_fanout_queue_bytes": "gauge",
    "confab_messages_stored": "counter",
    "confab_messages_delivered": "counter",
    "confab_commit_seconds": "histogram",
    "confab_commit_batch_size": "histogram",
    "confab_sockets_closed": "counter",
    "confab_signins": "counter",
    "confab_push_deliveries": "counter",
    "confab_webhook_deliveries": "counter",
    "confab_store_file_bytes": "gauge",
    "confab_build_info": "gauge",
}
problems = [f"{name}: {families[name].type if name in families else 'missing'}, not {kind}"
            for name, kind in expected.items()
            if name not in families or families[name].type != kind]
problems += [f"{name} is not confab's" for name in families if not name.startswith("confab_")]
stored = sum(s.value for s in families["confab_messages_stored"].samples if s.name.endswith("_total"))
if stored < 3:
    problems.append(f"confab_messages_stored_total is {stored}, after three messages at least")
commits = [s for s in families["confab_commit_seconds"].samples if s.name.endswith("_count")]
if not commits or commits[0].value < 1:
    problems.append("no commit was timed")
for problem in problems:
    print(f"/metrics: {problem}", file=sys.stderr)
print(f"{len(families)} families parsed")
sys.exit(1 if problems else 0)
PYTHON

if [ "$status" -ne 0 ]; then
    echo "confab's log:" >&2
    tail -n 30 "$work/confab.err" >&2
fi
exit "$status"
