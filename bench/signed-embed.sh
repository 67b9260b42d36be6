#!/usr/bin/env bash
# Embedding for a host site's own users (the identity issue's benchmark), on a release build
# with the demo tenant on SQLite: the time from opening a host page until its embedded pane is
# painted, signed (a token its backend signs) beside anonymous (an access code), and the token
# exchange's p50 and p99 beside an API-key request. `make bench-signed-embed` runs it.
set -euo pipefail
# The server is stopped with SIGTERM when done: nothing to drain for.
export SIGHTLINE_SHUTDOWN_DRAIN_SECONDS=0
cd "$(dirname "$0")/.."
scripts/setup.sh size >/dev/null
scripts/build.sh --release 2>&1 | tail -1
port=3192
data=$(mktemp -d /tmp/sightline-signed-XXXX)
log=$data/server.log
export SIGHTLINE_DATA_DIR=$data SIGHTLINE_LISTEN=127.0.0.1:$port SIGHTLINE_PUBLIC_URL=http://127.0.0.1:$port
SIGHTLINE_LOG="warn,server::demo=info" target/release/sightline serve --demo >"$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 1; done
link=$(sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -o "http://[^ ]*/a/[0-9a-f]*?eac=[0-9a-f]*" | head -1)
app=$(echo "$link" | sed 's#.*/a/\([0-9a-f]*\)?.*#\1#')
code=${link##*eac=}
key=$(target/release/sightline api-key create --email admin@demo.sightline.dev --name bench | grep -o 'sl_[0-9a-f]*' | head -n 1)
NODE_PATH=$PWD/end2end/node_modules node bench/signed_embed.cjs "http://127.0.0.1:$port" "$app" "$code" "$key"
