#!/usr/bin/env bash
# Three Sightline processes behind Debian's nginx (scripts/nginx-local.conf: deploy/nginx.conf's
# locations over plain HTTP; round robin, no sticky sessions) on one fresh PostgreSQL database and one shared data directory, then the browser
# run of end2end/scale-out/ through nginx, which kills one process (kill -9) in the middle.
# Afterwards: every process served requests (their logs say so), and the data is whole.
#
#   scripts/scale-out.sh          the test (make test runs it)
#   scripts/scale-out.sh --keep   leaves everything running for a look, until Ctrl-C
#
# Needs target/debug/sightline (scripts/build.sh), nginx, PostgreSQL (scripts/postgres.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
# Debian puts nginx in /usr/sbin, which is not on every user's PATH.
export PATH="$PATH:/usr/sbin"
binary=target/debug/sightline
[ -x "$binary" ] || { echo "scale-out.sh: $binary is missing; run scripts/build.sh first" >&2; exit 1; }
command -v nginx >/dev/null || { echo "scale-out.sh: nginx is missing; scripts/setup.sh test installs it" >&2; exit 1; }

admin_url=$(scripts/postgres.sh)
name="sl_scale_$(date +%s)_$$"
base_url=${admin_url%/*}
database_url="$base_url/$name"
psql "$admin_url" -qAtc "CREATE DATABASE $name" >/dev/null

work=$(mktemp -d /tmp/sightline-scale-XXXX)
mkdir -p "$work/data" "$work/nginx"
front=3250
ports=(3251 3252 3253)
pids=()
nginx_pid=""

cleanup() {
  [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null || true
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  psql "$admin_url" -qAtc "DROP DATABASE IF EXISTS $name WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

export SIGHTLINE_DATABASE_URL=$database_url
export SIGHTLINE_DATA_DIR=$work/data
export SIGHTLINE_PUBLIC_URL=http://127.0.0.1:$front
export SIGHTLINE_TRUSTED_PROXIES=1
export SIGHTLINE_METRICS_TOKEN=scale-out
# Every request is logged (method, path, status, its id), so that the test can tell who served
# what; a stopped process drains for a second (nginx passes over it meanwhile).
export SIGHTLINE_LOG="warn,sightline::request=info,server::demo=info"
export SIGHTLINE_SHUTDOWN_DRAIN_SECONDS=1

echo "==> Loading the demo tenant into $name"
"$binary" demo >"$work/demo.log" 2>&1

start() {
  local i=$1
  SIGHTLINE_LISTEN=127.0.0.1:${ports[$i]} "$binary" serve >>"$work/process-$i.log" 2>&1 &
  pids[$i]=$!
}
for i in 0 1 2; do start "$i"; done
for i in 0 1 2; do
  for _ in $(seq 1 60); do
    curl -sf "http://127.0.0.1:${ports[$i]}/readyz" -H "host: 127.0.0.1:$front" >/dev/null && break
    sleep 0.5
  done
done

upstreams=""
for port in "${ports[@]}"; do upstreams+="        server 127.0.0.1:$port max_fails=1 fail_timeout=5s;"$'\n'; done
python3 - "$work/nginx" "$front" "$upstreams" <<'PY'
import sys
prefix, listen, upstreams = sys.argv[1], sys.argv[2], sys.argv[3]
text = open("scripts/nginx-local.conf").read()
text = text.replace("@PREFIX@", prefix).replace("@LISTEN@", "127.0.0.1:" + listen).replace("@UPSTREAMS@", upstreams.rstrip("\n"))
open(prefix + "/nginx.conf", "w").write(text)
PY
cp deploy/sightline-locations.conf "$work/nginx/"
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" &
nginx_pid=$!
for _ in $(seq 1 40); do curl -sf "http://127.0.0.1:$front/readyz" >/dev/null && break; sleep 0.25; done
curl -sf "http://127.0.0.1:$front/readyz" >/dev/null || {
  echo "scale-out.sh: nginx does not answer on $front:" >&2; cat "$work/nginx/error.log" >&2; exit 1; }

if [ "${1:-}" = "--keep" ]; then
  echo "Sightline behind nginx: http://127.0.0.1:$front (processes on ${ports[*]}); Ctrl-C ends it."
  wait "$nginx_pid"
fi

echo "==> The browser run through nginx (process 2 is killed in the middle)"
(cd end2end && SIGHTLINE_SCALE_BASE="http://127.0.0.1:$front" SIGHTLINE_SCALE_VICTIM="${pids[1]}" \
  npx playwright test --config scale-out.config.ts)

echo "==> Who served what"
for i in 0 1 2; do
  served=$(grep -c 'sightline::request' "$work/process-$i.log" || true)
  echo "process $i (port ${ports[$i]}): $served requests"
  [ "$served" -gt 0 ] || { echo "scale-out.sh: process $i served nothing: requests did not spread" >&2; exit 1; }
done
if kill -0 "${pids[1]}" 2>/dev/null; then
  echo "scale-out.sh: process 1 should have been killed in the middle of the run" >&2
  exit 1
fi

echo "==> The data is whole"
# The share made after the kill is there once; every app the demo made still opens on each
# surviving process; the database answers them.
q() { psql "$database_url" -qAt -c "$1"; }
shares=$(q "SELECT COUNT(*) FROM app_shares s JOIN user_groups g ON g.id = s.group_id JOIN apps a ON a.id = s.app_id WHERE g.name = 'Finance' AND a.name = 'Customer churn'")
echo "Finance's share of Customer churn: $shares"
[ "$shares" = 1 ] || { echo "scale-out.sh: expected exactly one share of Customer churn with Finance" >&2; exit 1; }
key=$(SIGHTLINE_LOG=error "$binary" api-key create --email admin@demo.sightline.dev --name scale-out 2>/dev/null | grep -o 'sl_[A-Za-z0-9_]*' | head -1)
# The apps of the spaces Dana owns (other people's personal spaces are not hers to see).
for id in $(q "SELECT a.id FROM apps a JOIN spaces s ON s.id = a.space_id JOIN users u ON u.id = s.owner_id WHERE u.email = 'admin@demo.sightline.dev'"); do
  for i in 0 2; do
    status=$(curl -s -o /dev/null -w '%{http_code}' -H "authorization: Bearer $key" -H "host: 127.0.0.1:$front" "http://127.0.0.1:${ports[$i]}/api/v1/apps/$id")
    [ "$status" = 200 ] || { echo "scale-out.sh: app $id answers $status on process $i" >&2; exit 1; }
  done
done
echo "every app of Dana's spaces answers on both surviving processes"
echo "scale-out: ok"
