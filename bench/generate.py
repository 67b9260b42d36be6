#!/usr/bin/env python3
"""Writes the benchmark's sales CSV: ROWS rows, 8 columns, the same file every time (seeded).

    python3 bench/generate.py bench/data/sales.csv [rows]
"""
import random
import sys

REGIONS = ["North", "South", "East", "West", "Central", "Nordics", "Iberia", "Benelux", "Alps", "Baltics"]
CHANNELS = ["Web", "Store", "Phone", "Partner", "Marketplace"]
PRODUCTS = [f"Product {i:03d}" for i in range(100)]
CUSTOMERS = 1_000_000


def main():
    path = sys.argv[1]
    rows = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000_000
    rng = random.Random(20261123)
    dates = [f"2025-{m:02d}-{d:02d}" for m in range(1, 13) for d in range(1, 29)]
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write("OrderId,OrderDate,CustomerId,Region,Channel,Product,Quantity,Amount\n")
        batch = []
        for order in range(1, rows + 1):
            quantity = rng.randint(1, 10)
            batch.append(
                f"{order},{rng.choice(dates)},{rng.randrange(CUSTOMERS)},{rng.choice(REGIONS)},"
                f"{rng.choice(CHANNELS)},{rng.choice(PRODUCTS)},{quantity},{quantity * rng.randint(500, 20000) / 100:.2f}\n"
            )
            if len(batch) == 100_000:
                out.write("".join(batch))
                batch.clear()
        out.write("".join(batch))


if __name__ == "__main__":
    main()
