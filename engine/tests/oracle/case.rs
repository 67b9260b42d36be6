//! The differential test's cases: random models, reductions, selections and charts, as files
//! and as the oracle's JSON.

use engine::seeded::SeededRng;
use engine::Aggregation;
use serde_json::{json, Value};

#[derive(Debug, Clone)]
pub struct Table {
    pub name: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Option<String>>>,
}

#[derive(Debug, Clone)]
pub struct Chart {
    pub dimensions: Vec<String>,
    pub measures: Vec<(String, Aggregation)>,
}

#[derive(Debug, Clone)]
pub struct Case {
    pub tables: Vec<Table>,
    /// The order the files are loaded in.
    pub order: Vec<usize>,
    /// The texts that mean "no value" (the load plan's list).
    pub missing: Vec<String>,
    pub measures: Vec<String>,
    pub reduction: Option<(String, Vec<String>)>,
    pub selections: Vec<(String, Vec<String>)>,
    pub charts: Vec<Chart>,
}

pub const MISSING: [&str; 6] = ["NA", "N/A", "NULL", "null", "NaN", "-"];

fn chance(rng: &mut SeededRng, one_in: u64) -> bool {
    rng.below(one_in) == 0
}

pub fn generate(rng: &mut SeededRng) -> Case {
    let count = 2 + rng.below(5) as usize;
    let mut tables: Vec<Table> = (0..count)
        .map(|t| Table {
            name: format!("t{t}"),
            columns: Vec::new(),
            rows: Vec::new(),
        })
        .collect();
    // The association tree: each table after the first hangs on an earlier one through a key of
    // its own, or joins one of that table's keys (a key held by three tables), or stays apart.
    let mut keys: Vec<(String, u64, bool)> = Vec::new(); // name, domain, textual
    let mut keys_of: Vec<Vec<usize>> = vec![Vec::new(); count];
    for t in 1..count {
        if chance(rng, 10) {
            continue;
        }
        let parent = rng.below(t as u64) as usize;
        if !keys_of[parent].is_empty() && chance(rng, 4) {
            let k = *rng.pick(&keys_of[parent]);
            keys_of[t].push(k);
            continue;
        }
        let domain = match rng.below(300) {
            0 => 70_000,
            1..=25 => 300,
            26..=125 => 20,
            126..=225 => 8,
            _ => 3,
        };
        keys.push((format!("k{t}"), domain, chance(rng, 2)));
        keys_of[parent].push(keys.len() - 1);
        keys_of[t].push(keys.len() - 1);
        // Now and then a second shared field: the two tables associate through the
        // combination (a synthetic key).
        if chance(rng, 6) {
            keys.push((format!("k{t}b"), 3, chance(rng, 2)));
            keys_of[parent].push(keys.len() - 1);
            keys_of[t].push(keys.len() - 1);
        }
    }
    let mut measures = Vec::new();
    for (t, table) in tables.iter_mut().enumerate() {
        let name = table.name.clone();
        let dims = 1 + rng.below(2) as usize;
        let cardinality: Vec<u64> = (0..dims).map(|_| 2 + rng.below(5)).collect();
        let big = keys_of[t].iter().map(|&k| keys[k].1).max().unwrap_or(0);
        let rows = if big >= 300 && chance(rng, 2) {
            big as usize + rng.below(big / 8) as usize
        } else {
            1 + rng.below(25) as usize
        };
        for &k in &keys_of[t] {
            table.columns.push(keys[k].0.clone());
        }
        for d in 0..dims {
            table.columns.push(format!("{name}_d{d}"));
        }
        let measure = format!("{name}_x");
        table.columns.push(measure.clone());
        measures.push(measure);
        let integers = chance(rng, 2);
        for _ in 0..rows {
            let mut row = Vec::new();
            for &k in &keys_of[t] {
                let (_, domain, textual) = keys[k];
                row.push(if chance(rng, 12) {
                    None
                } else {
                    // Now and then a key no other table has.
                    let v = if chance(rng, 8) {
                        domain * (2 + t as u64) + rng.below(domain)
                    } else {
                        rng.below(domain)
                    };
                    Some(if textual {
                        format!("K{v}")
                    } else {
                        v.to_string()
                    })
                });
            }
            for c in &cardinality {
                row.push(match rng.below(20) {
                    0 | 1 => None,
                    2 => Some((*rng.pick(&MISSING)).to_string()),
                    _ => Some(format!("{name}v{}", rng.below(*c))),
                });
            }
            row.push(match rng.below(12) {
                0 => None,
                1 => Some((*rng.pick(&MISSING[..5])).to_string()),
                _ if integers => Some((rng.below(200) as i64 - 50).to_string()),
                _ => Some(format!(
                    "{}.{:02}",
                    rng.below(400) as i64 - 100,
                    rng.below(100)
                )),
            });
            table.rows.push(row);
        }
    }
    let mut order: Vec<usize> = (0..count).collect();
    for i in (1..count).rev() {
        order.swap(i, rng.below(i as u64 + 1) as usize);
    }
    let mut case = Case {
        tables,
        order,
        missing: MISSING.iter().map(|m| m.to_string()).collect(),
        measures,
        reduction: None,
        selections: Vec::new(),
        charts: Vec::new(),
    };
    let fields = case.non_measures();
    if !fields.is_empty() && chance(rng, 4) {
        let field = rng.pick(&fields).clone();
        let mut allowed = case.some_values(rng, &field, 2);
        if chance(rng, 6) {
            allowed.push("nowhere".into());
        }
        case.reduction = Some((field, allowed));
    }
    for _ in 0..rng.below(4) {
        let field = rng.pick(&fields).clone();
        if case.selections.iter().any(|(f, _)| *f == field) {
            continue;
        }
        let values = case.some_values(rng, &field, 3);
        if !values.is_empty() {
            case.selections.push((field, values));
        }
    }
    for _ in 0..3 {
        let dimensions = match rng.below(10) {
            0 | 1 => 0,
            2..=6 => 1,
            _ => 2,
        };
        let mut chart = Chart {
            dimensions: Vec::new(),
            measures: Vec::new(),
        };
        for _ in 0..dimensions {
            let d = rng.pick(&fields).clone();
            if !chart.dimensions.contains(&d) {
                chart.dimensions.push(d);
            }
        }
        for _ in 0..1 + rng.below(2) {
            let numeric = [
                Aggregation::Sum,
                Aggregation::Count,
                Aggregation::CountDistinct,
                Aggregation::Avg,
                Aggregation::Min,
                Aggregation::Max,
            ];
            chart.measures.push(if chance(rng, 4) {
                // A count of a dimension or of a key's distinct values.
                let field = rng.pick(&fields).clone();
                let aggregation = if case.is_key(&field) || chance(rng, 2) {
                    Aggregation::CountDistinct
                } else {
                    Aggregation::Count
                };
                (field, aggregation)
            } else {
                (rng.pick(&case.measures).clone(), *rng.pick(&numeric))
            });
        }
        case.charts.push(chart);
    }
    case
}

impl Case {
    pub fn non_measures(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for t in &self.tables {
            for c in &t.columns {
                if !self.measures.contains(c) && !out.contains(c) {
                    out.push(c.clone());
                }
            }
        }
        out
    }

    fn is_key(&self, field: &str) -> bool {
        self.tables
            .iter()
            .filter(|t| t.columns.iter().any(|c| c == field))
            .count()
            > 1
    }

    /// Up to `n` values the field holds somewhere.
    fn some_values(&self, rng: &mut SeededRng, field: &str, n: u64) -> Vec<String> {
        let mut pool: Vec<String> = Vec::new();
        for t in &self.tables {
            if let Some(c) = t.columns.iter().position(|c| c == field) {
                for row in &t.rows {
                    if let Some(v) = &row[c] {
                        if !MISSING.contains(&v.as_str()) {
                            pool.push(v.clone());
                        }
                    }
                }
            }
        }
        let mut out: Vec<String> = Vec::new();
        for _ in 0..1 + rng.below(n) {
            if pool.is_empty() {
                break;
            }
            let v = rng.pick(&pool).clone();
            if !out.contains(&v) {
                out.push(v);
            }
        }
        out
    }

    pub fn csv(&self, t: usize) -> String {
        let table = &self.tables[t];
        let mut out = table.columns.join(",");
        out.push('\n');
        for row in &table.rows {
            let cells: Vec<&str> = row.iter().map(|c| c.as_deref().unwrap_or("")).collect();
            out.push_str(&cells.join(","));
            out.push('\n');
        }
        out
    }

    fn aggregation_name(a: Aggregation) -> &'static str {
        match a {
            Aggregation::Sum => "sum",
            Aggregation::Count => "count",
            Aggregation::CountDistinct => "count_distinct",
            Aggregation::Avg => "avg",
            Aggregation::Min => "min",
            Aggregation::Max => "max",
        }
    }

    pub fn to_json(&self, selections: &[(String, Vec<String>)]) -> Value {
        json!({
            "tables": self.tables.iter().map(|t| json!({
                "name": t.name, "columns": t.columns, "rows": t.rows,
            })).collect::<Vec<_>>(),
            "missing": self.missing,
            "measures": self.measures,
            "reduction": self.reduction.as_ref().map(|(f, a)| json!({"field": f, "allowed": a})),
            "selections": selections.iter().map(|(f, v)| json!({"field": f, "values": v})).collect::<Vec<_>>(),
            "charts": self.charts.iter().map(|c| json!({
                "dimensions": c.dimensions,
                "measures": c.measures.iter().map(|(f, a)| json!({"field": f, "aggregation": Self::aggregation_name(*a)})).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        })
    }

    /// What it looks like to a person: the files, the reduction, the selections, the charts.
    pub fn describe(&self) -> String {
        let mut out = String::new();
        for &t in &self.order {
            out.push_str(&format!("--- {}.csv\n{}", self.tables[t].name, self.csv(t)));
        }
        out.push_str(&format!(
            "reduction: {:?}\nselections: {:?}\n",
            self.reduction, self.selections
        ));
        for chart in &self.charts {
            out.push_str(&format!(
                "chart: {:?} by {:?}\n",
                chart.measures, chart.dimensions
            ));
        }
        out
    }
}
