#!/usr/bin/env bash
# Anonymous links under load, and what an embedded chart costs its visitor. Prints every figure:
#  - opening an anonymous link (a new session and its server-rendered first sheet) with wrk at
#    64 connections, each request from another address, beside a bare route of the same binary (/embed.js) in the same run, and the
#    ratio (target at least 0.25);
#  - database writes made per anonymous visit (target: none on the request path);
#  - bytes of an embedded chart: HTML, JS, WASM raw and brotli, CSS;
#  - time until the chart is visible in headless Chromium, with the WASM held back.
# `make bench-anonymous` runs it on a release build.
set -euo pipefail
# The server is stopped with SIGTERM when done: nothing to drain for.
export SIGHTLINE_SHUTDOWN_DRAIN_SECONDS=0
cd "$(dirname "$0")/.."
scripts/setup.sh size >/dev/null
scripts/build.sh --release 2>&1 | tail -1
port=3190
data=$(mktemp -d /tmp/sightline-bench-XXXX)
log=$data/server.log
SIGHTLINE_DATA_DIR=$data SIGHTLINE_LISTEN=127.0.0.1:$port SIGHTLINE_LOG="warn,server::demo=info" \
  SIGHTLINE_ANONYMOUS_SESSIONS_PER_ADDRESS_PER_MINUTE=100000000 SIGHTLINE_ANONYMOUS_SESSIONS_PER_ADDRESS=100000000 \
  SIGHTLINE_TRUSTED_PROXIES=1 \
  target/release/sightline serve --demo >"$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 1; done
link=$(sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -o "http://[^ ]*/a/[0-9a-f]*?eac=[0-9a-f]*" | head -1 | sed "s#http://[^/]*#http://127.0.0.1:$port#")
app=$(echo "$link" | sed 's#.*/a/\([0-9a-f]*\)?.*#\1#')
code=${link##*eac=}
# Every wrk connection starts sessions for the whole run: give the demo tenant room for them.
python3 - "$data/sightline.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1]); db.execute("UPDATE tenants SET anonymous_max_sessions = 100000000"); db.commit()
PY

# Each request from another address (bench/visitors.lua, X-Forwarded-For through one trusted
# proxy), as a public page's visitors come: from one address, every new session would walk all
# of that address's seats, which measures the benchmark rather than the server.
run_wrk() { wrk -t2 -c64 -d"${DURATION:-10}"s --latency -s bench/visitors.lua "$1" | tee "$data/wrk.txt" >/dev/null; awk '/Requests\/sec/ { print $2 }' "$data/wrk.txt"; }
p99() { awk '$1 == "99%" { print $2 }' "$data/wrk.txt"; }
non2xx() { awk '/Non-2xx/ { print $NF }' "$data/wrk.txt"; }

echo "==> Load: wrk, 2 threads, 64 connections, ${DURATION:-10} s each, release build, loopback"
bare_rps=$(run_wrk "http://127.0.0.1:$port/embed.js"); bare_p99=$(p99)
echo "figure bare_route_rps $bare_rps (GET /embed.js), p99 $bare_p99"
link_rps=$(run_wrk "$link"); link_p99=$(p99); link_errors=$(non2xx)
echo "figure anonymous_link_rps $link_rps (GET /a/<app>?eac=...: new session + first sheet rendered), p99 $link_p99, non-2xx ${link_errors:-0}"
if [ -n "${link_errors:-}" ]; then
  echo "WARNING: $link_errors link opens were refused: the figure above counts refusals, not pages" >&2
fi
awk -v a="$link_rps" -v b="$bare_rps" 'BEGIN { printf "figure anonymous_to_bare_ratio %.3f (target at least 0.25)\n", a / b }'
page_rps=$(run_wrk "http://127.0.0.1:$port/login"); page_p99=$(p99)
echo "figure bare_page_rps $page_rps (GET /login: a server-rendered page with no data), p99 $page_p99"
awk -v a="$link_rps" -v b="$page_rps" 'BEGIN { printf "figure anonymous_to_bare_page_ratio %.3f\n", a / b }'

echo "==> Database writes per anonymous visit"
python3 - "$data/sightline.db" "$link" <<'PY'
import sqlite3, sys, urllib.request
db = sqlite3.connect(sys.argv[1])
# data_version changes whenever another connection commits a write to the database.
before = db.execute("PRAGMA data_version").fetchone()[0]
visits = 300
for _ in range(visits):
    urllib.request.urlopen(sys.argv[2]).read()
after = db.execute("PRAGMA data_version").fetchone()[0]
print(f"figure db_commits_during_visits {after - before} over {visits} visits (housekeeping writes the counters at most once a minute)")
print(f"figure db_writes_per_visit {(after - before) / visits:.4f}")
PY

echo "==> Bytes an embedded chart costs the visitor (release build)"
chart_url="http://127.0.0.1:$port/embed/$app/chart?eac=$code"
sheet=$(curl -s -X POST -H 'content-type: application/json' "http://127.0.0.1:$port/api/anonymous_start" -d "{\"app_id\":\"$app\",\"code\":\"$code\",\"sheet_id\":null,\"field\":null,\"select\":\"\"}")
ids=$(echo "$sheet" | python3 -c 'import json,sys; v=json.load(sys.stdin)["view"]; c=[c for c in v["charts"] if c["spec"]["kind"]=="bar"][0]; print(v["sheet"]["id"], c["id"])')
chart_url="$chart_url&sheet=${ids% *}&object=${ids#* }"
curl -s "$chart_url" >"$data/embed.html"
size() { stat -c %s "$1"; }
br() { brotli -c -q 11 "$1" | wc -c; }
echo "figure embed_html_bytes $(size "$data/embed.html") raw, $(br "$data/embed.html") brotli"
echo "figure visitor_wasm_bytes 0 (visitor and embed pages run no WASM; target at most 150 KB)"
echo "figure visitor_js_bytes $(size assets/visitor.js) raw, $(br assets/visitor.js) brotli (the visitor page's script)"
echo "figure marks_js_bytes $(size assets/marks.js) raw, $(br assets/marks.js) brotli (the keyboard for charts; with visitor.js, all the script an embedded chart runs)"
# The build names these files by their contents (target/site/hash.txt).
built() { echo "target/site/pkg/sightline.$(awk -v k="$1:" '$1 == k { print $2 }' target/site/hash.txt).$1"; }
echo "figure portal_js_bytes $(size "$(built js)") raw, $(br "$(built js)") brotli"
echo "figure portal_wasm_bytes $(size "$(built wasm)") raw, $(br "$(built wasm)") brotli (the portal's; target at most 300 KB)"
echo "figure css_bytes $(size "$(built css)") raw, $(br "$(built css)") brotli"
echo "figure embed_js_bytes $(size assets/embed.js) raw, $(br assets/embed.js) brotli (the web component, for the host page)"

echo "==> Time until the chart is visible in headless Chromium, every script held back"
[ -d end2end/node_modules/@playwright/test ] || (cd end2end && npm ci --silent)
NODE_PATH=$PWD/end2end/node_modules node bench/embed_paint.cjs "$chart_url"
