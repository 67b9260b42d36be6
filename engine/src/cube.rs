//! Hypercubes: dimensions by measures under the current selections, sorted, with top N and an
//! Others row, and totals over every surviving row. A KPI is a cube without dimensions.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

use crate::model::{DataModel, NULL};
use crate::selection::Evaluation;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Aggregation {
    Sum,
    Count,
    CountDistinct,
    Avg,
    Min,
    Max,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Measure {
    pub field: usize,
    pub aggregation: Aggregation,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    /// By the first dimension's values, ascending or descending.
    Dimension { descending: bool },
    /// By a measure's value.
    Measure { index: usize, descending: bool },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CubeRequest {
    pub dimensions: Vec<usize>,
    pub measures: Vec<Measure>,
    pub sort: Sort,
    /// Keep this many rows; the rest are summed into one Others row.
    pub top: Option<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CubeRow {
    /// Codes of the dimension values; empty for the Others row.
    pub keys: Vec<u32>,
    pub others: bool,
    /// One per measure; `None` where there is nothing to aggregate (the average of no rows).
    pub values: Vec<Option<f64>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Cube {
    pub rows: Vec<CubeRow>,
    pub totals: Vec<Option<f64>>,
}

#[derive(Debug, Clone, Default)]
struct Accumulator {
    sum: f64,
    count: u64,
    min: Option<f64>,
    max: Option<f64>,
    distinct: HashSet<u32>,
}

impl Accumulator {
    fn add(&mut self, code: u32, number: Option<f64>, distinct: bool) {
        if code == NULL {
            return;
        }
        self.count += 1;
        if distinct {
            self.distinct.insert(code);
        }
        if let Some(n) = number {
            self.sum += n;
            self.min = Some(self.min.map_or(n, |m| m.min(n)));
            self.max = Some(self.max.map_or(n, |m| m.max(n)));
        }
    }

    fn merge(&mut self, other: &Accumulator) {
        self.sum += other.sum;
        self.count += other.count;
        self.min = match (self.min, other.min) { (Some(a), Some(b)) => Some(a.min(b)), (a, b) => a.or(b) };
        self.max = match (self.max, other.max) { (Some(a), Some(b)) => Some(a.max(b)), (a, b) => a.or(b) };
        self.distinct.extend(other.distinct.iter().copied());
    }

    fn value(&self, aggregation: Aggregation) -> Option<f64> {
        match aggregation {
            Aggregation::Sum => Some(self.sum),
            Aggregation::Count => Some(self.count as f64),
            Aggregation::CountDistinct => Some(self.distinct.len() as f64),
            Aggregation::Avg => (self.count > 0).then(|| self.sum / self.count as f64),
            Aggregation::Min => self.min,
            Aggregation::Max => self.max,
        }
    }
}

/// How a row of the base table reaches a dimension's value: in the same table, or one hop
/// away through a key field the two tables share (a star schema: orders to customers).
enum Path {
    Own(usize),
    Lookup { key_column: usize, by_key: Vec<u32> },
}

/// The table the measures are counted in: the one holding the first measure's field, else the
/// first dimension's.
fn base_table(model: &DataModel, request: &CubeRequest) -> Option<usize> {
    let field = request.measures.first().map(|m| m.field).or_else(|| request.dimensions.first().copied())?;
    model.tables.iter().position(|t| t.columns.iter().any(|c| c.field == field))
}

fn path_to(model: &DataModel, evaluation: &Evaluation, base: usize, field: usize) -> Option<Path> {
    let table = &model.tables[base];
    if let Some(c) = table.columns.iter().position(|c| c.field == field) {
        return Some(Path::Own(c));
    }
    for (t, other) in model.tables.iter().enumerate() {
        let Some(target) = other.columns.iter().find(|c| c.field == field) else { continue };
        for (key_column, key) in table.columns.iter().enumerate() {
            if let Some(their_key) = other.columns.iter().find(|c| c.field == key.field) {
                let mut by_key = vec![NULL; model.fields[key.field].values.len()];
                for r in 0..other.rows {
                    let k = their_key.codes[r];
                    if evaluation.rows[t][r] && k != NULL && by_key[k as usize] == NULL {
                        by_key[k as usize] = target.codes[r];
                    }
                }
                return Some(Path::Lookup { key_column, by_key });
            }
        }
    }
    None
}

/// Computes a cube over the rows that survive the selections.
pub fn compute(model: &DataModel, evaluation: &Evaluation, request: &CubeRequest) -> Cube {
    let empty = Cube { rows: Vec::new(), totals: request.measures.iter().map(|_| None).collect() };
    let Some(base) = base_table(model, request) else { return empty };
    let table = &model.tables[base];
    let Some(paths) = request.dimensions.iter().map(|&d| path_to(model, evaluation, base, d)).collect::<Option<Vec<_>>>() else { return empty };
    let Some(measure_paths) = request.measures.iter().map(|m| path_to(model, evaluation, base, m.field)).collect::<Option<Vec<_>>>() else { return empty };
    // Each field's values as numbers, once, instead of per row.
    let numbers: Vec<Vec<Option<f64>>> = request.measures.iter().map(|m| model.fields[m.field].values.iter().map(|v| v.as_f64()).collect()).collect();
    let distinct: Vec<bool> = request.measures.iter().map(|m| m.aggregation == Aggregation::CountDistinct).collect();
    let code = |path: &Path, r: usize| match path {
        Path::Own(c) => table.columns[*c].codes[r],
        Path::Lookup { key_column, by_key } => {
            let k = table.columns[*key_column].codes[r];
            if k == NULL { NULL } else { by_key[k as usize] }
        }
    };

    let measures = request.measures.len();
    let mut totals: Vec<Accumulator> = vec![Accumulator::default(); measures];
    let mut add = |group: &mut [Accumulator], r: usize| {
        for (m, path) in measure_paths.iter().enumerate() {
            let c = code(path, r);
            let number = if c == NULL { None } else { numbers[m][c as usize] };
            group[m].add(c, number, distinct[m]);
            totals[m].add(c, number, distinct[m]);
        }
    };
    let alive = (0..table.rows).filter(|&r| evaluation.rows[base][r]);
    let mut rows: Vec<(Vec<u32>, Vec<Accumulator>)> = if paths.len() <= 1 {
        // One dimension (or none): accumulators indexed by the value's code, no hashing.
        let width = paths.first().map_or(1, |_| model.fields[request.dimensions[0]].values.len());
        let mut dense: Vec<Option<Vec<Accumulator>>> = vec![None; width];
        for r in alive {
            let slot = match paths.first() {
                Some(path) => code(path, r),
                None => 0,
            };
            if slot == NULL {
                continue;
            }
            add(dense[slot as usize].get_or_insert_with(|| vec![Accumulator::default(); measures]), r);
        }
        dense.into_iter().enumerate().filter_map(|(k, acc)| acc.map(|acc| (if paths.is_empty() { vec![] } else { vec![k as u32] }, acc))).collect()
    } else {
        let mut groups: HashMap<Vec<u32>, Vec<Accumulator>> = HashMap::new();
        let mut keys = Vec::with_capacity(paths.len());
        for r in alive {
            keys.clear();
            keys.extend(paths.iter().map(|p| code(p, r)));
            if keys.contains(&NULL) {
                continue;
            }
            match groups.get_mut(&keys) {
                Some(group) => add(group, r),
                None => add(groups.entry(keys.clone()).or_insert_with(|| vec![Accumulator::default(); measures]), r),
            }
        }
        groups.into_iter().collect()
    };
    let value = |acc: &[Accumulator], m: usize| acc[m].value(request.measures[m].aggregation);
    rows.sort_by(|(ka, aa), (kb, ab)| {
        let by_keys = || ka.iter().zip(kb).map(|(a, b)| a.cmp(b)).find(|o| *o != Ordering::Equal).unwrap_or(Ordering::Equal);
        match request.sort {
            Sort::Dimension { descending } => if descending { by_keys().reverse() } else { by_keys() },
            Sort::Measure { index, descending } => {
                let (a, b) = (value(aa, index).unwrap_or(f64::NEG_INFINITY), value(ab, index).unwrap_or(f64::NEG_INFINITY));
                let o = a.total_cmp(&b);
                (if descending { o.reverse() } else { o }).then_with(by_keys)
            }
        }
    });
    let mut out: Vec<CubeRow> = Vec::new();
    let keep = request.top.unwrap_or(usize::MAX);
    let mut others: Option<Vec<Accumulator>> = None;
    for (i, (keys, acc)) in rows.into_iter().enumerate() {
        if i < keep {
            out.push(CubeRow { values: (0..acc.len()).map(|m| value(&acc, m)).collect(), keys, others: false });
        } else {
            let merged = others.get_or_insert_with(|| vec![Accumulator::default(); acc.len()]);
            for (into, from) in merged.iter_mut().zip(&acc) {
                into.merge(from);
            }
        }
    }
    if let Some(acc) = others {
        out.push(CubeRow { keys: Vec::new(), others: true, values: (0..acc.len()).map(|m| value(&acc, m)).collect() });
    }
    Cube { rows: out, totals: (0..totals.len()).map(|m| value(&totals, m)).collect() }
}

#[cfg(test)]
mod tests {
    use super::Aggregation::*;
    use super::*;
    use crate::selection::{evaluate, Selections};

    const ORDERS: &[u8] = b"OrderId,CustomerId,Product,Amount\n1,10,Bike,100\n2,10,Helmet,50\n3,20,Bike,70\n4,30,Lamp,5.5\n5,30,Bike,\n";
    const CUSTOMERS: &[u8] = b"CustomerId,Region\n10,North\n20,South\n30,North\n40,East\n";

    fn setup() -> DataModel {
        DataModel::from_csv(&[("orders", ORDERS), ("customers", CUSTOMERS)]).unwrap()
    }

    fn labelled(model: &DataModel, request: &CubeRequest, cube: &Cube) -> Vec<(String, Vec<Option<f64>>)> {
        cube.rows
            .iter()
            .map(|row| {
                let label = if row.others { "Others".to_string() } else { row.keys.iter().zip(&request.dimensions).map(|(k, d)| model.fields[*d].values[*k as usize].to_string()).collect::<Vec<_>>().join("/") };
                (label, row.values.clone())
            })
            .collect()
    }

    #[test]
    fn every_aggregation_by_a_dimension_of_another_table_with_totals() {
        let model = setup();
        let f = |name: &str| model.field(name).unwrap();
        let request = CubeRequest {
            dimensions: vec![f("Region")],
            measures: [Sum, Count, CountDistinct, Avg, Min, Max].into_iter().map(|aggregation| Measure { field: f("Amount"), aggregation }).collect(),
            sort: Sort::Dimension { descending: false },
            top: None,
        };
        let cube = compute(&model, &evaluate(&model, &Selections::default()), &request);
        assert_eq!(
            labelled(&model, &request, &cube),
            vec![
                ("North".to_string(), vec![Some(155.5), Some(3.0), Some(3.0), Some(155.5 / 3.0), Some(5.5), Some(100.0)]),
                ("South".to_string(), vec![Some(70.0), Some(1.0), Some(1.0), Some(70.0), Some(70.0), Some(70.0)]),
            ],
            "an empty amount counts nowhere; East has no orders"
        );
        assert_eq!(cube.totals, vec![Some(225.5), Some(4.0), Some(4.0), Some(225.5 / 4.0), Some(5.5), Some(100.0)]);
    }

    #[test]
    fn selections_filter_the_cube_and_a_kpi_is_a_cube_without_dimensions() {
        let model = setup();
        let f = |name: &str| model.field(name).unwrap();
        let mut selections = Selections::default();
        selections.select(f("Region"), vec![model.code_of(f("Region"), "North").unwrap()]);
        let kpi = CubeRequest { dimensions: vec![], measures: vec![Measure { field: f("Amount"), aggregation: Sum }], sort: Sort::Dimension { descending: false }, top: None };
        let cube = compute(&model, &evaluate(&model, &selections), &kpi);
        assert_eq!(cube.rows.len(), 1);
        assert_eq!(cube.rows[0].values, vec![Some(155.5)]);
        assert_eq!(cube.totals, vec![Some(155.5)]);
    }

    #[test]
    fn top_n_sorted_by_a_measure_with_the_rest_in_others() {
        let model = setup();
        let f = |name: &str| model.field(name).unwrap();
        let request = CubeRequest {
            dimensions: vec![f("Product")],
            measures: vec![Measure { field: f("Amount"), aggregation: Sum }, Measure { field: f("CustomerId"), aggregation: CountDistinct }],
            sort: Sort::Measure { index: 0, descending: true },
            top: Some(1),
        };
        let cube = compute(&model, &evaluate(&model, &Selections::default()), &request);
        assert_eq!(
            labelled(&model, &request, &cube),
            vec![("Bike".to_string(), vec![Some(170.0), Some(3.0)]), ("Others".to_string(), vec![Some(55.5), Some(2.0)])],
            "Others counts customers 10 and 30 once each"
        );
    }
}
