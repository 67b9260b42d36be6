#!/usr/bin/env bash
# The engine benchmark and DuckDB on the same CSV and the same questions, in one go; prints
# every figure and the ratios. `make bench-engine` runs it. ROWS=1000000 for a quick run.
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${ROWS:-10000000}
csv=$(ROWS=$rows bench/sales-csv.sh)
python3 -c 'import duckdb' 2>/dev/null || pip install --quiet duckdb
# Each question on one thread and on two, DuckDB at the same count.
for threads in 1 2; do
  echo "==> Sightline engine ($threads thread(s) for large questions)"
  SIGHTLINE_THREADS=$threads SIGHTLINE_BENCH_CSV=$csv cargo bench -q -p engine --bench engine | tee "bench/data/engine-$threads.txt"
  echo "==> DuckDB ($threads thread(s))"
  python3 bench/duckdb_sheet.py "$csv" "$threads" | tee "bench/data/duckdb-$threads.txt"
done
# The snowflake: a fact table and three lookup tables, one two hops away.
snow=$PWD/bench/data/snowflake-$rows
if [ ! -s "$snow/sales.csv" ]; then
  echo "==> Generating the snowflake ($rows sales) into $snow"
  python3 bench/generate_snowflake.py "$snow" "$rows"
fi
for threads in 1 2; do
  echo "==> Snowflake sheet ($threads thread(s)): Sightline, then DuckDB"
  SIGHTLINE_THREADS=$threads SIGHTLINE_BENCH_SNOWFLAKE=$snow cargo bench -q -p engine --bench engine | tee -a "bench/data/engine-$threads.txt"
  python3 bench/duckdb_snowflake.py "$snow" "$threads" | tee -a "bench/data/duckdb-$threads.txt"
done
figure() { awk -v n="$2" '$1 == "figure" && $2 == n { print $3 }' "bench/data/engine-$1.txt" "bench/data/duckdb-$1.txt"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo "==> Sightline against DuckDB (above 1: Sightline is faster)"
echo "                   one thread each    two threads each"
line() {
  printf '%-19s' "$1"
  for threads in 1 2; do
    if [ "$3" = ms ]; then
      printf '%-19s' "$(ratio "$(figure "$threads" "duckdb_$2")" "$(figure "$threads" "engine_$2")")x"
    else
      printf '%-19s' "$(ratio "$(figure "$threads" "engine_$2")" "$(figure "$threads" "duckdb_$2")")x"
    fi
  done
  echo "$4"
}
line "load:" load_rows_per_s rate "rows per second (on two, each thread reads every row and encodes half the fields)"
line "sheet (7 objects):" sheet_ms ms "median ms, DuckDB / Sightline"
line "snowflake sheet:" snowflake_ms ms "median ms, DuckDB / Sightline (a selection in a lookup, 4 charts by lookups' fields)"
line "group-by 100:" groupby_100_rows_per_s rate "rows per second"
line "group-by 1M:" groupby_1m_rows_per_s rate "rows per second"
echo "memory:            $(figure 1 engine_bytes_per_row) bytes a row against DuckDB's $(figure 1 duckdb_bytes_per_row) (the CSV: $(awk -v b="$(stat -c %s "$csv")" -v r="$rows" 'BEGIN { printf "%.1f", b / r }'))"
