#!/usr/bin/env bash
# The Qlik REST client conformance suite: Qlik's own TypeScript client, `@qlik/api` (the version
# pinned in end2end/package.json), drives a fresh demo server on SQLite, then on PostgreSQL,
# through every REST route Sightline implements (end2end/qlik-api/*.test.mjs). Each suite
# creates what it changes. Needs target/debug/sightline and end2end's npm packages.
set -euo pipefail
cd "$(dirname "$0")/.."
binary=target/debug/sightline
[ -x "$binary" ] || { echo "qlik-api.sh: $binary is missing; run scripts/build.sh first" >&2; exit 1; }
[ -d end2end/node_modules/@qlik/api ] || (cd end2end && npm ci --no-fund --no-audit --loglevel=error)
port=${QLIK_API_PORT:-3918}
postgres=${SIGHTLINE_TEST_POSTGRES:-$(scripts/postgres.sh)}

run_against() {
  local label=$1 database_url=$2
  local data log server status=0
  data=$(mktemp -d)
  log="$data/server.log"
  export SIGHTLINE_DATA_DIR="$data" SIGHTLINE_LISTEN="127.0.0.1:$port" SIGHTLINE_LOG=warn
  # Stopped with SIGTERM when done: nothing to drain for.
  export SIGHTLINE_SHUTDOWN_DRAIN_SECONDS=0
  export SIGHTLINE_PUBLIC_URL="http://127.0.0.1:$port" SIGHTLINE_DATABASE_URL="$database_url"
  "$binary" demo >/dev/null
  local admin_key user_key
  admin_key=$("$binary" api-key create --email admin@demo.sightline.dev --name qlik-api | grep -o 'sl_[0-9a-f]*' | head -n 1)
  user_key=$("$binary" api-key create --email anna@demo.sightline.dev --name qlik-api | grep -o 'sl_[0-9a-f]*' | head -n 1)
  "$binary" serve >"$log" 2>&1 &
  server=$!
  for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
    sleep 0.2
  done
  echo "==> @qlik/api $(node -p 'require("./end2end/node_modules/@qlik/api/package.json").version') against Sightline on $label"
  QLIK_HOST="http://127.0.0.1:$port" QLIK_ADMIN_KEY="$admin_key" QLIK_USER_KEY="$user_key" QLIK_SOURCE_POSTGRES="$postgres" \
    node --test --test-concurrency=1 --test-reporter=spec end2end/qlik-api/ || status=$?
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  if [ "$status" -ne 0 ]; then
    echo "--- the server's log (last 40 lines) ---"
    tail -n 40 "$log"
  fi
  rm -rf "$data"
  return "$status"
}

database="sightline_qlik_api_$$"
psql "$postgres" -qc "CREATE DATABASE $database" >/dev/null
trap 'psql "$postgres" -qc "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null 2>&1 || true' EXIT
status=0
run_against SQLite "" || status=$?
run_against PostgreSQL "${postgres%/*}/$database" || status=$?
exit "$status"
