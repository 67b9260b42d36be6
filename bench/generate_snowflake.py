#!/usr/bin/env python3
"""Writes the snowflake benchmark's four CSV files into DIR: a fact table of ROWS sales and three
lookup tables (products, their categories two hops away, stores), the same files every time.
Five in a hundred sales name a product the products table lacks (unmatched keys).

    python3 bench/generate_snowflake.py bench/data/snowflake [rows]
"""
import os
import random
import sys

PRODUCTS = 1000
KNOWN_PRODUCTS = 950
STORES = 200
CATEGORIES = 20
REGIONS = ["North", "South", "East", "West", "Central"]


def main():
    folder = sys.argv[1]
    rows = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000_000
    os.makedirs(folder, exist_ok=True)
    rng = random.Random(20261206)
    with open(os.path.join(folder, "products.csv"), "w") as out:
        out.write("ProductId,Product,CategoryId,Weight\n")
        for p in range(KNOWN_PRODUCTS):
            out.write(f"{p},Product {p:04d},{rng.randrange(CATEGORIES)},{rng.randint(100, 5000) / 100:.2f}\n")
    with open(os.path.join(folder, "categories.csv"), "w") as out:
        out.write("CategoryId,Category\n")
        for c in range(CATEGORIES):
            out.write(f"{c},Category {c:02d}\n")
    with open(os.path.join(folder, "stores.csv"), "w") as out:
        out.write("StoreId,Store,Region\n")
        for s in range(STORES):
            out.write(f"{s},Store {s:03d},{REGIONS[s % len(REGIONS)]}\n")
    with open(os.path.join(folder, "sales.csv"), "w") as out:
        out.write("SaleId,ProductId,StoreId,Quantity,Amount\n")
        batch = []
        for sale in range(rows):
            q = rng.randint(1, 10)
            batch.append(f"{sale},{rng.randrange(PRODUCTS)},{rng.randrange(STORES)},{q},{q * rng.randint(100, 9000) / 100:.2f}\n")
            if len(batch) == 100_000:
                out.write("".join(batch))
                batch.clear()
        out.write("".join(batch))


if __name__ == "__main__":
    main()
