#!/usr/bin/env python3
"""The differential test's oracle: Qlik's associative model computed by DuckDB, written from the
definition in docs/ASSOCIATIVE-MODEL.md and from nothing in Sightline's engine.

Reads one case a line on stdin (JSON: tables as text cells, the missing-value texts, which fields
are measures, a reduction, selections, charts) and writes one answer a line on stdout: every
field's value states and every chart's rows and totals.

Definitions, as the document states them:
  $Syn n       tables sharing two fields or more associate through their combination
  own(T)       rows of T that satisfy every selection on a field of T (NULL satisfies none)
  msg(k -> T)  the values of key k that the tables holding k, other than T, pass on: the
               intersection, over those whose side holds a selection, of the k values of their
               rows allowed by everything on their side
  possible(T)  own(T), and for each key of T whose other side holds a selection, T.k in msg(k->T)
  reduction    a selection nobody clears: the rows it leaves possible are the whole data (tables
               it does not reach are emptied); the selections then apply to what is left
  chart row d  the possible rows of the measure's table, each once per combination of dimension
               values a chain of possible rows joins it to (outer joins along the tree; a
               combination another one of the row fills in further is left out); the total is
               the aggregation over every possible row, once each
"""
import csv
import json
import os
import shutil
import sys
import tempfile

import duckdb


def quote(name):
    return '"' + name.replace('"', '""') + '"'


def literal(value):
    if value is None:
        return "NULL"
    if isinstance(value, float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


class Case:
    def __init__(self, con, case, prefix, workdir):
        self.con = con
        self.case = case
        self.prefix = prefix
        missing = set(case["missing"])
        self.measures = set(case["measures"])
        self.tables = {}  # name -> list of fields
        self.synthetic = set()  # the synthetic keys' fields, which no filter pane shows
        for t in case["tables"]:
            name = t["name"]
            fields = t["columns"]
            self.tables[name] = fields
            relation = self.raw(name)
            # The cells as text as written, NULL for an empty cell or a missing-value text,
            # numbers cast. A small table is written into the statement; a large one goes
            # through a file (parsing a long statement is slow).
            rows = [[None if c is None or c == "" or c in missing else c for c in row] for row in t["rows"]]
            selects = [
                f"CAST({quote(f)} AS DOUBLE) AS {quote(f)}" if f in self.measures else quote(f)
                for f in fields
            ]
            select = f"SELECT CAST(_r AS INTEGER) AS _r, {', '.join(selects)}"
            if len(rows) <= 200:
                names = ", ".join(["_r"] + [quote(f) for f in fields])
                values = ", ".join(
                    "(" + ", ".join([str(r)] + [literal(c) if c is not None else "NULL" for c in row]) + ")"
                    for r, row in enumerate(rows)
                )
                if not values:
                    values = "(" + ", ".join(["0"] + ["NULL"] * len(fields)) + ")"
                    select += " FROM ({}) v({}) WHERE FALSE"
                else:
                    select += " FROM ({}) v({})"
                con.execute(f"CREATE OR REPLACE TABLE {relation} AS {select.format('VALUES ' + values, names)}")
                continue
            path = os.path.join(workdir, f"{prefix}{name}.csv")
            with open(path, "w", newline="") as out:
                writer = csv.writer(out)
                writer.writerow(["_r"] + fields)
                for r, row in enumerate(rows):
                    writer.writerow([r] + ["" if c is None else c for c in row])
            types = ", ".join(f"{literal(c)}: 'VARCHAR'" for c in fields)
            con.execute(
                f"CREATE OR REPLACE TABLE {relation} AS {select} "
                f"FROM read_csv({literal(path)}, header = true, delim = ',', quote = '\"', "
                f"columns = {{'_r': 'INTEGER', {types}}}, null_padding = false, allow_quoted_nulls = false)"
            )
        self.synthesize()
        self.holders = {}
        for name, fields in self.tables.items():
            for f in fields:
                self.holders.setdefault(f, []).append(name)
        self.keys = {f for f, h in self.holders.items() if len(h) >= 2}

    def synthesize(self):
        """Synthetic keys, as the document defines them: while two tables share two fields or
        more, every table holding all of them holds instead one field whose values are their
        combinations (a missing part is still part of a combination), and a table of its own
        holds each combination that occurs once, with its parts."""
        number = 0
        while True:
            names = list(self.tables)
            shared = next(
                (
                    [f for f in self.tables[a] if f in self.tables[b]]
                    for i, a in enumerate(names)
                    for b in names[i + 1 :]
                    if len([f for f in self.tables[a] if f in self.tables[b]]) >= 2
                ),
                None,
            )
            if shared is None:
                return
            number += 1
            syn = f"$Syn {number}"
            group = [t for t in names if all(f in self.tables[t] for f in shared)]
            combination = "to_json([" + ", ".join(f"CAST({quote(f)} AS VARCHAR)" for f in shared) + "])"
            parts = ", ".join(quote(f) for f in shared)
            combinations = " UNION ".join(f"SELECT {combination} AS s, {parts} FROM {self.raw(t)}" for t in group)
            self.con.execute(
                f"CREATE OR REPLACE TABLE {self.raw(syn + ' Table')} AS SELECT CAST(row_number() OVER () AS INTEGER) AS _r, "
                f"s AS {quote(syn)}, {parts} FROM ({combinations})"
            )
            for t in group:
                kept = [f for f in self.tables[t] if f not in shared]
                columns = ", ".join(["_r"] + [quote(f) for f in kept] + [f"{combination} AS {quote(syn)}"])
                self.con.execute(f"CREATE OR REPLACE TABLE {self.raw(t)} AS SELECT {columns} FROM {self.raw(t)}")
                self.tables[t] = kept + [syn]
            self.tables[syn + " Table"] = [syn] + shared
            self.synthetic.add(syn)

    def raw(self, table):
        return quote(f"{self.prefix}raw_{table}")

    # --- the inference ----------------------------------------------------------------------
    def own(self, table, selections, alias):
        parts = []
        for field, values in selections.items():
            if field in self.tables[table]:
                if values:
                    parts.append(f"{alias}.{quote(field)} IN ({', '.join(literal(v) for v in values)})")
                else:
                    parts.append("FALSE")
        return parts

    def side_selected(self, table, via, selections, seen=None):
        """Whether `table`'s side, away from key `via`, holds a selection."""
        if any(f in selections for f in self.tables[table]):
            return True
        for k in self.tables[table]:
            if k in self.keys and k != via:
                for other in self.holders[k]:
                    if other != table and self.side_selected(other, k, selections):
                        return True
        return False

    def rows(self, table, via, selections, source):
        """SQL of `table`'s rows allowed by everything on its side away from key `via`."""
        alias = "t"
        where = self.own(table, selections, alias)
        for k in self.tables[table]:
            if k in self.keys and k != via:
                msg = self.message(k, table, selections, source)
                if msg is not None:
                    where.append(f"{alias}.{quote(k)} IN ({msg})")
        clause = " AND ".join(where) if where else "TRUE"
        return f"SELECT * FROM {source(table)} {alias} WHERE {clause}"

    def message(self, key, to, selections, source):
        """SQL of the values of `key` passed on to table `to`; None when no side constrains."""
        parts = []
        for other in self.holders[key]:
            if other != to and self.side_selected(other, key, selections):
                inner = self.rows(other, key, selections, source)
                parts.append(f"SELECT {quote(key)} FROM ({inner}) WHERE {quote(key)} IS NOT NULL")
        if not parts:
            return None
        return " INTERSECT ".join(parts)

    def possible(self, table, selections, source):
        return self.rows(table, None, selections, source)

    # --- reduction ----------------------------------------------------------------------------
    def reduce(self, reduction):
        """Materialises the reduced tables; returns the function naming each table's source."""
        if reduction is None:
            return self.raw
        field = reduction["field"]
        selection = {field: reduction["allowed"]}
        reached = set()
        todo = list(self.holders.get(field, []))
        while todo:
            t = todo.pop()
            if t in reached:
                continue
            reached.add(t)
            for k in self.tables[t]:
                if k in self.keys:
                    todo.extend(self.holders[k])
        for t in self.tables:
            target = quote(f"{self.prefix}red_{t}")
            if t in reached:
                sql = self.possible(t, selection, self.raw)
            else:
                sql = f"SELECT * FROM {self.raw(t)} WHERE FALSE"
            self.con.execute(f"CREATE OR REPLACE TABLE {target} AS {sql}")
        return lambda t: quote(f"{self.prefix}red_{t}")

    # --- answers ------------------------------------------------------------------------------
    def answer(self):
        case = self.case
        source = self.reduce(case.get("reduction"))
        selections = {s["field"]: s["values"] for s in case["selections"]}
        # The possible rows of each table, kept as a table: every question reads them.
        poss = lambda t: quote(self.prefix + "poss_" + t)
        for t in self.tables:
            self.con.execute(f"CREATE OR REPLACE TEMP TABLE {poss(t)} AS {self.possible(t, selections, source)}")
        # Every field's values at once: whether each is in a possible row of a table holding it.
        shown = [f for f in self.holders if f not in self.measures and f not in self.synthetic]
        states = {field: {} for field in shown}
        flagged = " UNION ALL ".join(
            f"SELECT {literal(field)} f, CAST({quote(field)} AS VARCHAR) v, {flag} p FROM {rel(t)} WHERE {quote(field)} IS NOT NULL"
            for field in shown
            for t in self.holders[field]
            for flag, rel in (("FALSE", source), ("TRUE", poss))
        )
        found = self.con.execute(f"SELECT f, v, bool_or(p) FROM ({flagged}) GROUP BY f, v").fetchall() if shown else []
        for field, v, possible in found:
            if v in selections.get(field, []):
                states[field][v] = "S"
            elif possible and field not in selections:
                states[field][v] = "O"
            else:
                states[field][v] = "X"
        charts = [self.chart(chart, poss) for chart in case["charts"]]
        return {"states": states, "charts": charts}

    def walk(self, start):
        """Tables reached from `start` along the associations: table -> (parent, key)."""
        came = {start: None}
        order = [start]
        at = 0
        while at < len(order):
            t = order[at]
            at += 1
            for k in self.tables[t]:
                if k in self.keys:
                    for other in self.holders[k]:
                        if other not in came:
                            came[other] = (t, k)
                            order.append(other)
        return came, order

    def pairs(self, table, dimensions, poss):
        """SQL of (_r, d0, d1, ...): each possible row of `table` with each combination of
        dimension values it reaches, the emptier combinations left out."""
        came, order = self.walk(table)
        homes = []
        for d in dimensions:
            home = next((t for t in order if d in self.tables[t]), None)
            homes.append(home)
        needed = set()
        for home in homes:
            t = home
            while t is not None and t != table:
                needed.add(t)
                t = came[t][0]
        alias = {t: f"j{i}" for i, t in enumerate(order)}
        joins = [f"{poss(table)} {alias[table]}"]
        for t in order:
            if t in needed:
                parent, key = came[t]
                joins.append(
                    f"LEFT JOIN {poss(t)} {alias[t]} ON {alias[t]}.{quote(key)} = {alias[parent]}.{quote(key)}"
                )
        columns = []
        for i, (d, home) in enumerate(zip(dimensions, homes)):
            if home is None:
                island = " UNION ".join(
                    f"SELECT DISTINCT CAST({quote(d)} AS VARCHAR) v FROM {poss(t)} WHERE {quote(d)} IS NOT NULL"
                    for t in self.holders[d]
                )
                joins.append(f"LEFT JOIN ({island}) i{i} ON TRUE")
                columns.append(f"i{i}.v AS d{i}")
            else:
                columns.append(f"CAST({alias[home]}.{quote(d)} AS VARCHAR) AS d{i}")
        select = ", ".join([f"{alias[table]}._r AS _r"] + columns)
        raw = f"SELECT DISTINCT {select} FROM {' '.join(joins)}"
        n = len(dimensions)
        if n == 0:
            return raw
        # A combination p is left out when another q of the same row agrees with it wherever p
        # has a value and has one where p has none. For each pattern of the dimensions p has
        # values in (M), that is: some combination of the row with p's values in M has a value
        # outside M. A window per pattern, rather than a join of the combinations with
        # themselves (quadratic when a row reaches thousands).
        patterns = [m for m in range(2**n) if m != 2**n - 1]
        flags, dropped = [], []
        for m in patterns:
            inside = [i for i in range(n) if m >> i & 1]
            outside = [i for i in range(n) if not m >> i & 1]
            partition = ", ".join(["_r"] + [f"d{i}" for i in inside])
            fuller = " OR ".join(f"d{i} IS NOT NULL" for i in outside)
            flags.append(f"bool_or({fuller}) OVER (PARTITION BY {partition}) AS f{m}")
            shape = " AND ".join(
                [f"d{i} IS NOT NULL" for i in inside] + [f"d{i} IS NULL" for i in outside]
            )
            dropped.append(f"({shape} AND f{m})")
        keep = ", ".join(["_r"] + [f"d{i}" for i in range(n)])
        return (
            f"WITH raw AS ({raw}), flagged AS (SELECT *, {', '.join(flags)} FROM raw) "
            f"SELECT {keep} FROM flagged WHERE NOT ({' OR '.join(dropped)})"
        )

    def chart(self, chart, poss):
        dimensions = chart["dimensions"]
        n = len(dimensions)
        dims = ", ".join(f"d{i}" for i in range(n))
        rows = {}
        totals = []
        for m, measure in enumerate(chart["measures"]):
            field, aggregation = measure["field"], measure["aggregation"]
            tables = self.holders[field]
            parts = []
            for t in tables:
                pairs = self.pairs(t, dimensions, poss)
                picked = ", ".join(["p._r"] + [f"p.d{i}" for i in range(n)])
                parts.append(
                    f"SELECT {picked}, '{t}' AS _t, m.{quote(field)} AS x FROM ({pairs}) p JOIN {poss(t)} m ON m._r = p._r"
                )
            union = " UNION ALL ".join(parts)
            function = {
                "sum": "COALESCE(SUM(x), 0)",
                "count": "COUNT(x)",
                "count_distinct": "COUNT(DISTINCT x)",
                "avg": "AVG(x)",
                "min": "MIN(x)",
                "max": "MAX(x)",
            }[aggregation]
            group = f"GROUP BY {dims}" if n else ""
            select_dims = f"{dims}, " if n else ""
            for row in self.con.execute(f"SELECT {select_dims}{function} FROM ({union}) {group}").fetchall():
                key = tuple(row[:n])
                rows.setdefault(key, {})[m] = row[n]
            total_union = " UNION ALL ".join(
                f"SELECT {quote(field)} AS x FROM {poss(t)}" for t in tables
            )
            totals.append(self.con.execute(f"SELECT {function} FROM ({total_union})").fetchone()[0])
        empty = {
            "sum": 0.0,
            "count": 0,
            "count_distinct": 0,
            "avg": None,
            "min": None,
            "max": None,
        }
        out = []
        for key, values in rows.items():
            out.append(
                {
                    "labels": list(key),
                    "values": [
                        values.get(m, empty[measure["aggregation"]])
                        for m, measure in enumerate(chart["measures"])
                    ],
                }
            )
        return {"rows": out, "totals": totals}


def main():
    workdir = tempfile.mkdtemp(prefix="sightline-oracle-")
    con = duckdb.connect()
    con.execute("SET threads TO 1")
    for number, line in enumerate(sys.stdin):
        line = line.strip()
        if not line:
            continue
        case = json.loads(line)
        try:
            answer = Case(con, case, f"c{number % 2}_", workdir).answer()
        except Exception as error:  # the case is printed by the test with this
            answer = {"error": f"{type(error).__name__}: {error}"}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
