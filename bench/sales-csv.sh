#!/usr/bin/env bash
# The benchmarks' sales CSV of ${ROWS:-10000000} rows (bench/generate.py), made once into
# bench/data and kept: prints its path. `csv=$(bench/sales-csv.sh)`.
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${ROWS:-10000000}
csv=$PWD/bench/data/sales-$rows.csv
if [ ! -s "$csv" ]; then
  echo "==> Generating $rows rows into $csv" >&2
  mkdir -p bench/data
  python3 bench/generate.py "$csv" "$rows" >&2
fi
echo "$csv"
