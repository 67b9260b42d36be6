#!/usr/bin/env bash
# The REST fuzz run: schemathesis (PyPI) against the generated OpenAPI document of a fresh
# server (SQLite, the demo tenant), with an admin's API key, for at most SCHEMATHESIS_SECONDS
# (150 by default). It fails on any 5xx and on any response the document does not describe
# (status, content type, body). Needs target/debug/sightline (`scripts/build.sh`).
# The stateful phase is left out: schemathesis 4 infers links between operations from parameter
# names and refuses the document's inferred links (`appId` into operations that have none).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${SCHEMATHESIS_SECONDS:-150}
port=${SCHEMATHESIS_PORT:-3917}
command -v schemathesis >/dev/null 2>&1 || python3 -m pip install --quiet --disable-pip-version-check 'schemathesis>=4,<5'
binary=target/debug/sightline
[ -x "$binary" ] || { echo "schemathesis.sh: $binary is missing; run scripts/build.sh first" >&2; exit 1; }

data=$(mktemp -d)
log="$data/server.log"
cleanup() {
  [ -n "${server:-}" ] && kill "$server" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$data"
}
trap cleanup EXIT
export SIGHTLINE_DATA_DIR="$data" SIGHTLINE_LISTEN="127.0.0.1:$port" SIGHTLINE_LOG=warn
# Stopped with SIGTERM when done: nothing to drain for.
export SIGHTLINE_SHUTDOWN_DRAIN_SECONDS=0
# The fuzzer signs in with a key, not a password: lift the sign-in and anonymous limits it
# would otherwise spend its budget on.
export SIGHTLINE_LOGIN_FAILURES_PER_ADDRESS=100000 SIGHTLINE_LOGIN_FAILURES_PER_ACCOUNT=100000
"$binary" demo >/dev/null
key=$("$binary" api-key create --email admin@demo.sightline.dev --name schemathesis | grep -o 'sl_[0-9a-f]*' | head -n 1)
"$binary" serve >"$log" 2>&1 &
server=$!
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done

echo "==> schemathesis against http://127.0.0.1:$port/api/v1/openapi.json for at most ${seconds}s"
status=0
schemathesis run "http://127.0.0.1:$port/api/v1/openapi.json" \
  --header "Authorization: Bearer $key" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --phases examples,coverage,fuzzing \
  --max-time "$seconds" --workers 2 --request-timeout 20 \
  --suppress-health-check all --warnings off || status=$?
if [ "$status" -ne 0 ]; then
  echo "--- the server's log (last 40 lines) ---"
  tail -n 40 "$log"
fi
exit "$status"
