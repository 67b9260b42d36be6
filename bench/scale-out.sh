#!/usr/bin/env bash
# Several processes behind nginx, on this machine: requests per second of a portal sheet open
# (a signed-in admin's GET of the sales dashboard's sheet page, server-rendered, with its
# licence check) and of an anonymous link open (a new session and its first sheet), through
# nginx with 1, 2 and 3 release processes on one PostgreSQL; the ratio to one process; and the
# CPU each request costs the Sightline processes, from which the throughput of a machine with
# more cores is estimated. `make bench-scale-out` runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
# Debian puts nginx in /usr/sbin, which is not on every user's PATH.
export PATH="$PATH:/usr/sbin"
scripts/setup.sh size >/dev/null
command -v nginx >/dev/null || { echo "bench/scale-out.sh needs nginx (scripts/setup.sh test)" >&2; exit 1; }
scripts/build.sh --release 2>&1 | tail -1
binary=target/release/sightline
admin_url=$(scripts/postgres.sh)
name="sl_bench_scale_$$"
database_url="${admin_url%/*}/$name"
psql "$admin_url" -qAtc "CREATE DATABASE $name" >/dev/null
work=$(mktemp -d /tmp/sightline-bench-scale-XXXX)
front=3270
pids=()
nginx_pid=""
stop_all() {
  [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null || true
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  pids=(); nginx_pid=""
}
trap 'stop_all; psql "$admin_url" -qAtc "DROP DATABASE IF EXISTS $name WITH (FORCE)" >/dev/null 2>&1; rm -rf "$work"' EXIT

export SIGHTLINE_DATABASE_URL=$database_url SIGHTLINE_DATA_DIR=$work/data
# Two proxies: nginx, and wrk's script (bench/visitors.lua), which gives every anonymous visit
# another address, as a public page's visitors come (from one address, every visit would wait
# on that address's lock, which measures the benchmark rather than the server).
export SIGHTLINE_PUBLIC_URL=http://127.0.0.1:$front SIGHTLINE_TRUSTED_PROXIES=2 SIGHTLINE_LOG=warn
# Each round's processes are stopped with SIGTERM: nothing to drain for.
export SIGHTLINE_SHUTDOWN_DRAIN_SECONDS=0
export SIGHTLINE_ANONYMOUS_SESSIONS_PER_ADDRESS_PER_MINUTE=100000000 SIGHTLINE_ANONYMOUS_SESSIONS_PER_ADDRESS=100000000
mkdir -p "$work/data"
SIGHTLINE_LOG="warn,server::demo=info" "$binary" demo >"$work/demo.log" 2>&1
psql "$database_url" -qAtc "UPDATE tenants SET anonymous_max_sessions = 100000000" >/dev/null
link=$(sed 's/\x1b\[[0-9;]*m//g' "$work/demo.log" | grep -o "http://[^ ]*/a/[0-9a-f]*?eac=[0-9a-f]*" | head -1)
app=$(psql "$database_url" -qAtc "SELECT a.id FROM apps a JOIN spaces s ON s.id = a.space_id WHERE a.name = 'Sales dashboard' AND s.type = 'managed'")

cpu_ticks() { local total=0; for pid in "$@"; do total=$((total + $(awk '{ print $14 + $15 }' "/proc/$pid/stat"))); done; echo "$total"; }

run() {
  local n=$1
  local upstreams=""
  for i in $(seq 1 "$n"); do
    local port=$((front + i))
    SIGHTLINE_LISTEN=127.0.0.1:$port "$binary" serve >"$work/process-$i.log" 2>&1 &
    pids+=($!)
    upstreams+="        server 127.0.0.1:$port;"$'\n'
  done
  mkdir -p "$work/nginx-$n"
  python3 - "$work/nginx-$n" "$front" "$upstreams" <<'PY'
import sys
prefix, listen, upstreams = sys.argv[1], sys.argv[2], sys.argv[3]
text = open("scripts/nginx-local.conf").read()
text = text.replace("@PREFIX@", prefix).replace("@LISTEN@", "127.0.0.1:" + listen).replace("@UPSTREAMS@", upstreams.rstrip("\n"))
text = text.replace("access_log " + prefix + "/access.log;", "access_log off;")
open(prefix + "/nginx.conf", "w").write(text)
PY
  cp deploy/sightline-locations.conf "$work/nginx-$n/"
  nginx -p "$work/nginx-$n" -c "$work/nginx-$n/nginx.conf" &
  nginx_pid=$!
  for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$front/readyz" >/dev/null && break; sleep 0.5; done
  # Sign in through nginx; wrk sends the session cookie.
  curl -s -c "$work/jar" -H "origin: http://127.0.0.1:$front" \
    --data-urlencode "email=admin@demo.sightline.dev" --data-urlencode "password=sightline-demo" \
    "http://127.0.0.1:$front/api/sign_in" >/dev/null
  local cookie
  cookie=$(awk '$6 == "sightline_session" { print $6 "=" $7 }' "$work/jar")
  # Warm every process's models.
  for _ in $(seq 1 $((n * 3))); do curl -s -o /dev/null -H "cookie: $cookie" "http://127.0.0.1:$front/apps/$app/sheets"; curl -s -o /dev/null "$link"; done
  local before after
  before=$(cpu_ticks "${pids[@]}")
  wrk -t2 -c32 -d"${DURATION:-10}"s --latency -H "cookie: $cookie" "http://127.0.0.1:$front/apps/$app/sheets" >"$work/sheet-$n.txt"
  after=$(cpu_ticks "${pids[@]}")
  local sheet_rps sheet_requests
  sheet_rps=$(awk '/Requests\/sec/ { print $2 }' "$work/sheet-$n.txt")
  sheet_requests=$(awk '/requests in/ { print $1 }' "$work/sheet-$n.txt")
  echo "figure portal_sheet_rps processes=$n $sheet_rps, p99 $(awk '$1 == "99%" { print $2 }' "$work/sheet-$n.txt"), non-2xx $(awk '/Non-2xx/ { print $NF }' "$work/sheet-$n.txt" | grep . || echo 0), socket errors: $(grep 'Socket errors' "$work/sheet-$n.txt" | sed 's/.*errors: //' || echo none)"
  awk -v t=$((after - before)) -v r="$sheet_requests" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "figure portal_sheet_cpu_ms_per_request processes=%d %.2f (the Sightline processes only)\n", '"$n"', t * 1000 / hz / r }'
  echo "$sheet_rps" >"$work/sheet-rps-$n"
  before=$(cpu_ticks "${pids[@]}")
  wrk -t2 -c32 -d"${DURATION:-10}"s --latency -s bench/visitors.lua "$link" >"$work/link-$n.txt"
  after=$(cpu_ticks "${pids[@]}")
  local link_rps link_requests
  link_rps=$(awk '/Requests\/sec/ { print $2 }' "$work/link-$n.txt")
  link_requests=$(awk '/requests in/ { print $1 }' "$work/link-$n.txt")
  echo "figure anonymous_link_rps processes=$n $link_rps, p99 $(awk '$1 == "99%" { print $2 }' "$work/link-$n.txt"), non-2xx $(awk '/Non-2xx/ { print $NF }' "$work/link-$n.txt" | grep . || echo 0), socket errors: $(grep 'Socket errors' "$work/link-$n.txt" | sed 's/.*errors: //' || echo none)"
  awk -v t=$((after - before)) -v r="$link_requests" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "figure anonymous_link_cpu_ms_per_request processes=%d %.2f (the Sightline processes only)\n", '"$n"', t * 1000 / hz / r }'
  echo "$link_rps" >"$work/link-rps-$n"
  # What the answers other than 200 said (bench/visitors.lua writes each), counted.
  grep -h '^status' "$work/sheet-$n.txt" "$work/link-$n.txt" | sort | uniq -c | sort -rn | head -5 || true
  stop_all
}

echo "==> Through nginx, release build, wrk 2 threads 32 connections ${DURATION:-10} s, this machine: $(nproc) cores"
for n in 1 2 3; do run "$n"; done
for kind in sheet link; do
  one=$(cat "$work/$kind-rps-1")
  for n in 2 3; do
    awk -v a="$(cat "$work/$kind-rps-$n")" -v b="$one" -v k="$kind" -v n="$n" 'BEGIN { printf "figure %s_ratio processes=%d to one: %.2f\n", k, n, a / b }'
  done
done
echo "On a machine with C cores for Sightline, expect about C x 1000 / (CPU ms per request) requests per second while PostgreSQL keeps up."
