#!/usr/bin/env bash
# Backups and restores, timed (the operations issue's benchmark), on a release build with the
# demo tenant on SQLite: `sightline backup` while the server serves, then `sightline restore`
# into an empty installation, for the demo alone and again with the 10 M-row sales CSV
# (bench/generate.py; ROWS=1000000 for a quick run) made into an app. Prints each time and size
# beside what it is compared with: the data directory's bytes on disk, and copying them (cp -r).
# On PostgreSQL the same steps are pg_dump's and pg_restore's. `make bench-backup` runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
export SIGHTLINE_SHUTDOWN_DRAIN_SECONDS=0
rows=${ROWS:-10000000}
csv=$(ROWS=$rows bench/sales-csv.sh)
scripts/setup.sh size >/dev/null
scripts/build.sh --release 2>&1 | tail -1
binary=$PWD/target/release/sightline
port=3193
work=$(mktemp -d /tmp/sightline-backup-XXXX)
data=$work/data
export SIGHTLINE_DATA_DIR=$data SIGHTLINE_LISTEN=127.0.0.1:$port SIGHTLINE_PUBLIC_URL=http://127.0.0.1:$port
export SIGHTLINE_MAX_UPLOAD_MB=8192 SIGHTLINE_MAX_STAGED_MB=16384 SIGHTLINE_MEMORY_BUDGET_MB=8192
SIGHTLINE_LOG="warn" "$binary" serve --demo >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 1; done

seconds() { local start=$1; awk -v a="$(date +%s.%N)" -v b="$start" 'BEGIN { printf "%.2f", a - b }'; }
mb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }

measure() {
  local what=$1 archive=$work/$1.tar.gz start taken restored copied
  start=$(date +%s.%N)
  "$binary" backup "$archive" >/dev/null
  taken=$(seconds "$start")
  local on_disk archive_bytes
  on_disk=$(du -sb "$data" | cut -f1)
  archive_bytes=$(stat -c %s "$archive")
  start=$(date +%s.%N)
  cp -r "$data" "$work/copy-$what"
  copied=$(seconds "$start")
  rm -rf "$work/copy-$what"
  start=$(date +%s.%N)
  SIGHTLINE_DATA_DIR=$work/restored-$what "$binary" restore "$archive" >/dev/null
  restored=$(seconds "$start")
  rm -rf "$work/restored-$what" "$archive"
  echo "figure backup_s $what $taken (while serving; cp -r of the data directory: $copied s)"
  echo "figure backup_archive_mb $what $(mb "$archive_bytes") (the data directory on disk: $(mb "$on_disk") MB)"
  echo "figure restore_s $what $restored (into an empty installation, migrations included)"
}

echo "==> The demo tenant"
measure demo

echo "==> With the $rows-row app"
key=$("$binary" api-key create --email admin@demo.sightline.dev --name bench | grep -o 'sl_[0-9a-f]*' | head -n 1)
file=$(curl -sf -H "Authorization: Bearer $key" --data-binary @"$csv" "http://127.0.0.1:$port/api/v1/data-files?name=sales.csv" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
curl -sf -H "Authorization: Bearer $key" -H 'content-type: application/json' -X POST "http://127.0.0.1:$port/api/v1/apps" \
  -d "{\"attributes\":{\"name\":\"Sales $rows\",\"dataFiles\":[\"$file\"]}}" >/dev/null
measure "rows-$rows"
