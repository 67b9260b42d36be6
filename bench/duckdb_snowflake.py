#!/usr/bin/env python3
"""The snowflake sheet on DuckDB, with the associative model's semantics (docs/ASSOCIATIVE-MODEL.md):
a selection of one region in the stores table; Sum(Amount) by Category (two hops away) and by
Store, Sum(Amount) by Region, and Avg(Weight), a lookup table's measure, by Category, over the
possible rows; sales whose product is unknown stay, under the missing category.

    python3 bench/duckdb_snowflake.py bench/data/snowflake [threads]
"""
import statistics
import sys
import time

import duckdb

SHEET = [
    # The possible rows: the selection in stores reaches sales, then products and categories.
    """CREATE OR REPLACE TEMP TABLE poss_sales AS SELECT * FROM sales
       WHERE StoreId IN (SELECT StoreId FROM stores WHERE Region = 'North')""",
    """CREATE OR REPLACE TEMP TABLE poss_products AS SELECT * FROM products
       WHERE ProductId IN (SELECT ProductId FROM poss_sales)""",
    """SELECT c.Category, SUM(s.Amount) FROM poss_sales s LEFT JOIN products p USING (ProductId)
       LEFT JOIN categories c USING (CategoryId) GROUP BY c.Category""",
    """SELECT st.Store, SUM(s.Quantity) FROM poss_sales s JOIN stores st USING (StoreId) GROUP BY st.Store""",
    """SELECT st.Region, SUM(s.Amount) FROM poss_sales s JOIN stores st USING (StoreId) GROUP BY st.Region""",
    """SELECT c.Category, AVG(p.Weight) FROM poss_products p LEFT JOIN categories c USING (CategoryId)
       GROUP BY c.Category""",
]


def main():
    folder = sys.argv[1]
    threads = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    con = duckdb.connect()
    con.execute(f"SET threads TO {threads}")
    for table in ["sales", "products", "categories", "stores"]:
        con.execute(f"CREATE TABLE {table} AS SELECT * FROM read_csv_auto('{folder}/{table}.csv')")
    times = []
    for _ in range(5):
        start = time.perf_counter()
        for question in SHEET:
            con.execute(question).fetchall()
        times.append(time.perf_counter() - start)
    print(f"figure duckdb_snowflake_ms {statistics.median(times) * 1000:.1f}")
    print(f"  (runs: {', '.join(f'{t * 1000:.0f}' for t in times)} ms)")


if __name__ == "__main__":
    main()
