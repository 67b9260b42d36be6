#!/usr/bin/env bash
# The engine benchmark and DuckDB on the same CSV and the same questions, in one go; prints
# every figure and the ratios. `make bench-engine` runs it. ROWS=1000000 for a quick run.
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${ROWS:-10000000}
csv=$PWD/bench/data/sales-$rows.csv
mkdir -p bench/data
if [ ! -s "$csv" ]; then
  echo "==> Generating $rows rows into $csv"
  python3 bench/generate.py "$csv" "$rows"
fi
python3 -c 'import duckdb' 2>/dev/null || pip install --quiet duckdb
echo "==> Sightline engine (one core)"
SIGHTLINE_BENCH_CSV=$csv cargo bench -q -p engine --bench engine | tee bench/data/engine.txt
echo "==> DuckDB (one thread)"
python3 bench/duckdb_sheet.py "$csv" | tee bench/data/duckdb.txt
figure() { awk -v n="$1" '$1 == "figure" && $2 == n { print $3 }' bench/data/engine.txt bench/data/duckdb.txt; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo "==> Sightline against DuckDB (above 1: Sightline is faster)"
echo "load:              $(ratio "$(figure engine_load_rows_per_s)" "$(figure duckdb_load_rows_per_s)")x rows per second"
echo "sheet (7 objects): $(ratio "$(figure duckdb_sheet_ms)" "$(figure engine_sheet_ms)")x (median ms, DuckDB / Sightline)"
echo "group-by 100:      $(ratio "$(figure engine_groupby_100_rows_per_s)" "$(figure duckdb_groupby_100_rows_per_s)")x rows per second"
echo "memory:            $(figure engine_bytes_per_row) bytes a row against DuckDB's $(figure duckdb_bytes_per_row) (the CSV: $(awk -v b="$(stat -c %s "$csv")" -v r="$rows" 'BEGIN { printf "%.1f", b / r }'))"
echo "group-by 1M:       $(ratio "$(figure engine_groupby_1m_rows_per_s)" "$(figure duckdb_groupby_1m_rows_per_s)")x rows per second"
