#!/usr/bin/env python3
"""The engine benchmark's questions on DuckDB over the same CSV, on one thread or THREADS.

    python3 bench/duckdb_sheet.py bench/data/sales.csv [threads]

Prints one `figure <name> <value>` line per figure, which bench/run.sh sets beside Sightline's.
"""
import statistics
import sys
import time

import duckdb

SELECTION = "Region = 'North'"
# The sheet after one selection: 4 charts and 3 filter panes.
SHEET = [
    f"SELECT SUM(Amount) FROM sales WHERE {SELECTION}",
    f"SELECT Product, SUM(Amount) FROM sales WHERE {SELECTION} GROUP BY Product",
    f"SELECT OrderDate, SUM(Amount) FROM sales WHERE {SELECTION} GROUP BY OrderDate",
    f"SELECT Channel, SUM(Quantity), COUNT(OrderId) FROM sales WHERE {SELECTION} GROUP BY Channel",
    f"SELECT DISTINCT Region FROM sales",
    f"SELECT DISTINCT Product FROM sales WHERE {SELECTION}",
    f"SELECT DISTINCT Channel FROM sales WHERE {SELECTION}",
]


def main():
    path = sys.argv[1]
    con = duckdb.connect()
    threads = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    con.execute(f"SET threads TO {threads}")
    start = time.perf_counter()
    con.execute(f"CREATE TABLE sales AS SELECT * FROM read_csv_auto('{path}')")
    load = time.perf_counter() - start
    rows = con.execute("SELECT COUNT(*) FROM sales").fetchone()[0]
    print(f"figure duckdb_load_rows_per_s {rows / load:.0f}")
    # What DuckDB holds for the table, by its own account.
    used = con.execute("SELECT SUM(memory_usage_bytes) FROM duckdb_memory()").fetchone()[0]
    print(f"figure duckdb_bytes_per_row {used / rows:.1f}")
    times = []
    for _ in range(5):
        start = time.perf_counter()
        for question in SHEET:
            con.execute(question).fetchall()
        times.append(time.perf_counter() - start)
    print(f"figure duckdb_sheet_ms {statistics.median(times) * 1000:.1f}")
    print(f"  (runs: {', '.join(f'{t * 1000:.0f}' for t in times)} ms)")
    for name, column in [("100", "Product"), ("1m", "CustomerId")]:
        start = time.perf_counter()
        con.execute(f"SELECT {column}, SUM(Amount) FROM sales GROUP BY {column}").fetchall()
        print(f"figure duckdb_groupby_{name}_rows_per_s {rows / (time.perf_counter() - start):.0f}")


if __name__ == "__main__":
    main()
