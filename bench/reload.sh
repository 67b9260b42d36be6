#!/usr/bin/env bash
# Reloads in place (the data-that-stays-current issue's benchmark), on a release build with the
# demo tenant on SQLite. Prints every figure:
#  - the 10 M-row sales CSV (bench/generate.py) made into an app through the REST API: the first
#    load (POST /api/v1/apps with dataFiles, upload excluded) beside a reload in place from the
#    app's file (POST /api/v1/reloads until its record says SUCCEEDED: the new model is in
#    memory by then, and the next request is served from it);
#  - anonymous visitors under wrk (2 threads, 64 connections, each request from another client
#    address: bench/visitors.lua) on the demo dashboard's public link, after a 5-second run
#    that warms the server: without a reload, then while that app reloads every 2 seconds and the 10 M-row app
#    reloads beside it; errors (target 0) and p99, and the ratio of the two p99s (target at
#    most 2).
# `make bench-reload` runs it.
set -euo pipefail
# The server is stopped with SIGTERM when done: nothing to drain for.
export SIGHTLINE_SHUTDOWN_DRAIN_SECONDS=0
cd "$(dirname "$0")/.."
rows=${ROWS:-10000000}
csv=$(ROWS=$rows bench/sales-csv.sh)
scripts/setup.sh size >/dev/null
scripts/build.sh --release 2>&1 | tail -1
port=3191
data=$(mktemp -d /tmp/sightline-reload-XXXX)
log=$data/server.log
export SIGHTLINE_DATA_DIR=$data SIGHTLINE_LISTEN=127.0.0.1:$port SIGHTLINE_PUBLIC_URL=http://127.0.0.1:$port
export SIGHTLINE_MAX_UPLOAD_MB=8192 SIGHTLINE_MAX_STAGED_MB=16384 SIGHTLINE_MEMORY_BUDGET_MB=8192
# Visitors come from many addresses (bench/visitors.lua sets X-Forwarded-For, one trusted
# proxy), so the per-address limits stay at their defaults.
export SIGHTLINE_TRUSTED_PROXIES=1
SIGHTLINE_LOG="warn,server::demo=info" target/release/sightline serve --demo >"$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 1; done
python3 - "$data/sightline.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1]); db.execute("UPDATE tenants SET anonymous_max_sessions = 100000000"); db.commit()
PY
key=$(target/release/sightline api-key create --email admin@demo.sightline.dev --name bench | grep -o 'sl_[0-9a-f]*' | head -n 1)
link=$(sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -o "http://[^ ]*/a/[0-9a-f]*?eac=[0-9a-f]*" | head -1 | sed "s#http://[^/]*#http://127.0.0.1:$port#")
linked=$(echo "$link" | sed 's#.*/a/\([0-9a-f]*\)?.*#\1#')
api() { curl -sf -H "Authorization: Bearer $key" -H 'content-type: application/json' "$@"; }
# Queues a reload of an app and waits for its end; prints its id and status. (curl and sed only:
# a Python start per poll would take CPU from the server being measured.)
field() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p"; }
reload() {
  local id status
  id=$(api -X POST "http://127.0.0.1:$port/api/v1/reloads" -d "{\"appId\":\"$1\"}" | field id)
  while :; do
    status=$(api "http://127.0.0.1:$port/api/v1/reloads/$id" | field status)
    case $status in QUEUED|RELOADING|CANCELING) sleep 0.1 ;; *) break ;; esac
  done
  echo "$id $status"
}

echo "==> The $rows-row app: first load, then a reload in place"
file=$(curl -sf -H "Authorization: Bearer $key" --data-binary @"$csv" "http://127.0.0.1:$port/api/v1/data-files?name=sales.csv" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
start=$(date +%s.%N)
big=$(api -X POST "http://127.0.0.1:$port/api/v1/apps" -d "{\"attributes\":{\"name\":\"Sales $rows\",\"dataFiles\":[\"$file\"]}}" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["attributes"]["id"])')
first=$(awk -v a="$(date +%s.%N)" -v b="$start" 'BEGIN { print a - b }')
start=$(date +%s.%N)
read -r _ status < <(reload "$big")
again=$(awk -v a="$(date +%s.%N)" -v b="$start" 'BEGIN { print a - b }')
[ "$status" = SUCCEEDED ] || { echo "the reload ended $status" >&2; exit 1; }
printf "figure first_load_s %.2f (POST /api/v1/apps from the uploaded file)\n" "$first"
printf "figure reload_in_place_s %.2f (POST /api/v1/reloads until SUCCEEDED, the new data served; the first load took %.2f s)\n" "$again" "$first"

run_wrk() {
  runs=$(( ${runs:-0} + 1 ))
  wrk -t2 -c64 -d"${DURATION:-15}"s --latency -s bench/visitors.lua "$1" >"$data/wrk.txt"
  cp "$data/wrk.txt" "$data/wrk-$runs.txt"
}
p99() { awk '$1 == "99%" { print $2 }' "$data/wrk.txt"; }
errors() {
  awk '/Non-2xx/ { n += $NF } /Socket errors/ { gsub(",", ""); n += $4 + $6 + $8 + $10 } END { print n + 0 }' "$data/wrk.txt"
}
ms() { awk -v t="$1" 'BEGIN { if (t ~ /us$/) print t / 1000; else if (t ~ /ms$/) print t + 0; else print t * 1000 }'; }

echo "==> Anonymous visitors under wrk (2 threads, 64 connections, ${DURATION:-15} s), release build, loopback"
# A first run warms the server (the link's first page kept, the allocator's pools grown, the
# sessions table's pages in cache): without it the run without a reload, which comes first,
# would carry the warm-up and make any run after it look better than it is.
DURATION=5 run_wrk "$link"
echo "figure visitors_warm_up_p99 $(p99) (5 s, discarded)"
run_wrk "$link"
quiet_p99=$(p99); quiet_errors=$(errors); quiet_rps=$(awk '/Requests\/sec/ { print $2 }' "$data/wrk.txt")
echo "figure visitors_quiet_p99 $quiet_p99 ($quiet_rps requests/s, errors $quiet_errors)"
# While wrk runs, the linked app reloads every 2 seconds; `$1` names another app to reload once
# beside it (the big one), or nothing.
during() {
  local other=$1 label=$2
  : >"$data/linked.txt"; : >"$data/other.txt"
  if [ -n "$other" ]; then (reload "$other" >"$data/other.txt") & fi
  local busy=$!
  (
    end=$(( $(date +%s) + ${DURATION:-15} ))
    while [ "$(date +%s)" -lt "$end" ]; do reload "$linked" >>"$data/linked.txt"; sleep 2; done
  ) &
  local loop=$!
  run_wrk "$link"
  wait $loop
  [ -n "$other" ] && wait $busy
  local p99_now errors_now rps linked_ok extra=""
  p99_now=$(p99); errors_now=$(errors); rps=$(awk '/Requests\/sec/ { print $2 }' "$data/wrk.txt")
  linked_ok=$(grep -c SUCCEEDED "$data/linked.txt" || true)
  if [ -n "$other" ]; then extra=", and the $rows-row app's reload: $(cut -d' ' -f2 "$data/other.txt")"; fi
  echo "figure visitors_${label}_p99 $p99_now ($rps requests/s, errors $errors_now; $linked_ok reloads of the linked app succeeded meanwhile$extra)"
  awk -v a="$(ms "$p99_now")" -v b="$(ms "$quiet_p99")" -v l="$label" 'BEGIN { printf "figure visitors_%s_p99_ratio %.2f (beside the run without a reload)\n", l, a / b }'
  echo "figure visitors_${label}_errors $errors_now"
}
during "" reloading
echo "  (targets, for the linked app reloading: errors 0, p99 ratio at most 2)"
during "$big" reloading_beside_big
echo "  (no target: the $rows-row load takes both cores for seconds, beside the visitors)"
# Sessions pile up over the runs (each lasts 15 minutes): a last run without a reload shows what
# that alone costs.
run_wrk "$link"
echo "figure visitors_quiet_after_p99 $(p99) ($(awk '/Requests\/sec/ { print $2 }' "$data/wrk.txt") requests/s, errors $(errors); no reload, after the runs above)"
grep -h '^status ' "$data"/wrk-*.txt 2>/dev/null | sort | uniq -c | sed 's/^/  answers other than 200: /' || true
