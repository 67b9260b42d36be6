//! Hypercubes: dimensions by measures under the current selections, sorted, with top N and an
//! Others row, a row for records associated with no value of a dimension (the missing value),
//! and totals. A KPI is a cube without dimensions.
//!
//! As `docs/ASSOCIATIVE-MODEL.md` defines them: a measure aggregates the possible rows of the
//! table its field lives in, each row once per dimension value it is associated with (`reach`),
//! and the total is the same aggregation over every possible row, once each: a KPI and a chart's
//! total of the same measure always agree.

mod accumulator;
mod dense;
mod paths;
mod reach;

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

use crate::model::{DataModel, NULL};
use crate::selection::Evaluation;
use accumulator::Accumulator;
use reach::{lane, with_lane, Part, Reach, NOTHING};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Aggregation {
    Sum,
    Count,
    CountDistinct,
    Avg,
    Min,
    Max,
}

impl Aggregation {
    /// Whether it adds numbers up: only a numeric field has them.
    pub fn is_numeric(self) -> bool {
        !matches!(self, Aggregation::Count | Aggregation::CountDistinct)
    }
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
    /// Keep this many rows; the rest are aggregated into one Others row.
    pub top: Option<usize>,
    /// Leave out the rows of records associated with no value of a dimension (the totals still
    /// count them).
    pub hide_missing: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CubeRow {
    /// Codes of the dimension values (`NULL`: the missing value); empty for the Others row.
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

/// The groups one table's rows fell into, with each group's accumulators (`slot * measures + m`;
/// only the measures of that table are filled) and the totals of its measures.
struct Grouped {
    groups: Groups,
    accumulators: Vec<Accumulator>,
    totals: Vec<Accumulator>,
    /// Whether some row fell into several groups (a many-to-many association): the Others row
    /// must then be aggregated from the rows, not from the groups.
    several: bool,
}

/// Groups found: a slot per value of the one dimension (or none), the last for the missing
/// value; or a slot per combination, found by its packed codes.
enum Groups {
    Dense {
        seen: Vec<bool>,
    },
    Packed {
        slots: HashMap<u128, u32>,
        keys: Vec<u128>,
    },
}

impl Groups {
    fn packed() -> Groups {
        Groups::Packed {
            slots: HashMap::new(),
            keys: Vec::new(),
        }
    }

    /// Every group seen, as its packed codes, with its slot.
    fn each(&self) -> Vec<(u128, usize)> {
        match self {
            Groups::Dense { seen } => {
                let width = seen.len() - 1;
                seen.iter()
                    .enumerate()
                    .filter(|(_, s)| **s)
                    .map(|(slot, _)| {
                        let code = if slot == width { NULL } else { slot as u32 };
                        (with_lane(0, code), slot)
                    })
                    .collect()
            }
            Groups::Packed { keys, .. } => keys.iter().copied().zip(0..).collect(),
        }
    }
}

/// The tables a measure aggregates: its field's table; for a count of distinct values of a key
/// field (one that associates tables), every table that holds it. Any other aggregation of a key
/// has no one table to aggregate in: an error that says what to do.
fn measure_tables(
    model: &DataModel,
    evaluation: &Evaluation,
    measure: &Measure,
) -> Result<Vec<usize>, String> {
    let tables = &evaluation.forest.tables_of[measure.field];
    let field = &model.fields[measure.field];
    if measure.aggregation.is_numeric() && !field.field_type.is_numeric() {
        return Err(format!(
            "\"{}\" holds {} values, not numbers: count them, or pick a numeric field to add up.",
            field.name,
            field.field_type.name()
        ));
    }
    if tables.len() > 1 && measure.aggregation != Aggregation::CountDistinct {
        let names: Vec<String> = tables
            .iter()
            .map(|&t| model.tables[t].name.clone())
            .collect();
        return Err(format!(
            "\"{}\" associates {}, so it is not clear which table's rows to aggregate: count its distinct values, or aggregate a field of one table.",
            field.name,
            crate::associate::list(&names)
        ));
    }
    Ok(tables.clone())
}

/// Why a chart cannot be computed as asked (a measure of a key field, or a numeric aggregation
/// of a field without numbers), for its editor.
pub fn problem(
    model: &DataModel,
    evaluation: &Evaluation,
    request: &CubeRequest,
) -> Option<String> {
    if request.dimensions.len() > 3 {
        return Some("A chart has at most three dimensions.".into());
    }
    request
        .measures
        .iter()
        .find_map(|m| measure_tables(model, evaluation, m).err())
}

/// Computes a cube over the rows the selections leave possible.
pub fn compute(model: &DataModel, evaluation: &Evaluation, request: &CubeRequest) -> Cube {
    let measures = request.measures.len();
    let empty = Cube {
        rows: Vec::new(),
        totals: vec![None; measures],
    };
    if request.dimensions.len() > 3 {
        return empty;
    }
    let homes: Vec<Vec<usize>> = request
        .measures
        .iter()
        .map(|m| measure_tables(model, evaluation, m).unwrap_or_default())
        .collect();
    let mut tables: Vec<usize> = homes.iter().flatten().copied().collect();
    tables.sort_unstable();
    tables.dedup();
    if tables.is_empty() {
        // Dimensions alone: the combinations the first dimension's table reaches.
        match request
            .dimensions
            .first()
            .and_then(|&d| evaluation.forest.tables_of[d].first())
        {
            Some(&t) => tables.push(t),
            None => return empty,
        }
    }
    // Per measure table: its measures, how its rows reach the dimensions, and its groups.
    let mut grouped: Vec<(usize, Vec<usize>, Reach, Grouped)> = tables
        .iter()
        .map(|&t| {
            let mine: Vec<usize> = (0..measures).filter(|&m| homes[m].contains(&t)).collect();
            let reach = reach::reach(model, evaluation, t, &request.dimensions);
            let grouped = dense::sums(model, evaluation, t, request, &reach, &mine)
                .unwrap_or_else(|| general(model, evaluation, t, request, &reach, &mine));
            (t, mine, reach, grouped)
        })
        .collect();
    let (groups, accumulators, totals, several) = if grouped.len() == 1 {
        let g = &mut grouped[0].3;
        (
            std::mem::replace(&mut g.groups, Groups::packed()),
            std::mem::take(&mut g.accumulators),
            std::mem::take(&mut g.totals),
            g.several,
        )
    } else {
        merge(grouped.iter().map(|(_, _, _, g)| g), measures)
    };
    let mut rows: Vec<(u128, &[Accumulator])> = groups
        .each()
        .into_iter()
        .map(|(key, slot)| (key, &accumulators[slot * measures..(slot + 1) * measures]))
        .collect();
    let dims = request.dimensions.len();
    let missing = |key: u128| (0..dims).any(|d| lane(key, d) == NULL);
    if request.hide_missing {
        rows.retain(|(key, _)| !missing(*key));
    }
    let value = |acc: &[Accumulator], m: usize| acc[m].value(request.measures[m].aggregation);
    // One dimension's dense slots come out in value order (the missing value last) already.
    let presorted = dims <= 1
        && matches!(groups, Groups::Dense { .. })
        && request.sort == (Sort::Dimension { descending: false });
    if !presorted {
        sort(&mut rows, request, dims, value);
    }
    // Rows with a missing value come last and are never folded into Others.
    let (mut kept, missing_rows): (Vec<_>, Vec<_>) =
        rows.into_iter().partition(|(k, _)| !missing(*k));
    let keep = request.top.unwrap_or(usize::MAX);
    let rest: Vec<(u128, &[Accumulator])> = if kept.len() > keep {
        kept.split_off(keep)
    } else {
        Vec::new()
    };
    let others = (!rest.is_empty()).then(|| {
        if several {
            // A row in several groups counts once in Others: aggregated again from the rows.
            let folded: HashSet<u128> = rest.iter().map(|(k, _)| *k).collect();
            let mut acc = vec![Accumulator::default(); measures];
            for (t, mine, reach, _) in &grouped {
                each_row(
                    model,
                    evaluation,
                    *t,
                    request,
                    reach,
                    mine,
                    |tuples, row_measures| {
                        if tuples.iter().any(|k| folded.contains(k)) {
                            for &(m, code, number) in row_measures {
                                acc[m].add(
                                    code,
                                    number,
                                    request.measures[m].aggregation == Aggregation::CountDistinct,
                                );
                            }
                        }
                    },
                );
            }
            acc
        } else {
            let mut acc = vec![Accumulator::default(); measures];
            for (_, group) in &rest {
                for (into, from) in acc.iter_mut().zip(group.iter()) {
                    into.merge(from);
                }
            }
            acc
        }
    });
    let codes = |key: u128| (0..dims).map(|d| lane(key, d)).collect();
    let mut out: Vec<CubeRow> = kept
        .iter()
        .map(|(key, acc)| CubeRow {
            keys: codes(*key),
            others: false,
            values: (0..measures).map(|m| value(acc, m)).collect(),
        })
        .collect();
    if let Some(acc) = others {
        out.push(CubeRow {
            keys: Vec::new(),
            others: true,
            values: (0..measures).map(|m| value(&acc, m)).collect(),
        });
    }
    out.extend(missing_rows.iter().map(|(key, acc)| CubeRow {
        keys: codes(*key),
        others: false,
        values: (0..measures).map(|m| value(acc, m)).collect(),
    }));
    Cube {
        rows: out,
        totals: (0..measures).map(|m| value(&totals, m)).collect(),
    }
}

/// Sorts the groups as the request asks; ties by the dimensions' values.
fn sort(
    rows: &mut [(u128, &[Accumulator])],
    request: &CubeRequest,
    dims: usize,
    value: impl Fn(&[Accumulator], usize) -> Option<f64>,
) {
    let by_keys = |a: u128, b: u128| {
        (0..dims)
            .map(|d| lane(a, d).cmp(&lane(b, d)))
            .find(|o| *o != Ordering::Equal)
            .unwrap_or(Ordering::Equal)
    };
    rows.sort_by(|(ka, aa), (kb, ab)| match request.sort {
        Sort::Dimension { descending } => {
            let o = by_keys(*ka, *kb);
            if descending {
                o.reverse()
            } else {
                o
            }
        }
        Sort::Measure { index, descending } => {
            let (a, b) = (
                value(aa, index).unwrap_or(f64::NEG_INFINITY),
                value(ab, index).unwrap_or(f64::NEG_INFINITY),
            );
            let o = a.total_cmp(&b);
            (if descending { o.reverse() } else { o }).then_with(|| by_keys(*ka, *kb))
        }
    });
}

/// The groups of several tables (a measure each, or a count of a key's distinct values in each
/// table holding it) as one set of groups.
fn merge<'a>(
    grouped: impl Iterator<Item = &'a Grouped>,
    measures: usize,
) -> (Groups, Vec<Accumulator>, Vec<Accumulator>, bool) {
    let mut groups = Groups::packed();
    let mut accumulators: Vec<Accumulator> = Vec::new();
    let mut totals = vec![Accumulator::default(); measures];
    let mut several = false;
    for g in grouped {
        several |= g.several;
        for (total, theirs) in totals.iter_mut().zip(&g.totals) {
            total.merge(theirs);
        }
        for (key, slot) in g.groups.each() {
            let at = slot_of(&mut groups, &mut accumulators, key, measures);
            for m in 0..measures {
                accumulators[at * measures + m].merge(&g.accumulators[slot * measures + m]);
            }
        }
    }
    (groups, accumulators, totals, several)
}

/// The slot of a group, made on first sight.
#[inline]
fn slot_of(
    groups: &mut Groups,
    accumulators: &mut Vec<Accumulator>,
    key: u128,
    measures: usize,
) -> usize {
    match groups {
        Groups::Dense { seen } => {
            let width = seen.len() - 1;
            let code = lane(key, 0);
            let slot = if code == NULL { width } else { code as usize };
            seen[slot] = true;
            slot
        }
        Groups::Packed { slots, keys } => {
            let next = keys.len() as u32;
            *slots.entry(key).or_insert_with(|| {
                keys.push(key);
                accumulators.extend(std::iter::repeat_n(Accumulator::default(), measures));
                next
            }) as usize
        }
    }
}

/// Calls `visit` with each possible row of `table`: the combinations it reaches, and for each of
/// the table's measures (`mine`) with a value at the row, the measure, the value's code and its
/// number (NaN: not a number).
fn each_row(
    model: &DataModel,
    evaluation: &Evaluation,
    table: usize,
    request: &CubeRequest,
    reach: &Reach,
    mine: &[usize],
    mut visit: impl FnMut(&[u128], &[(usize, u32, f64)]),
) {
    let columns: Vec<&crate::codes::Codes> = mine
        .iter()
        .map(|&m| {
            &model.tables[table]
                .columns
                .iter()
                .find(|c| c.field == request.measures[m].field)
                .expect("a measure's table holds its field")
                .codes
        })
        .collect();
    let numbers: Vec<Cow<[f64]>> = mine
        .iter()
        .map(|&m| model.fields[request.measures[m].field].values.numbers())
        .collect();
    let mut part_codes: Vec<Vec<u32>> = vec![Vec::new(); reach.parts.len()];
    let mut measure_codes: Vec<Vec<u32>> = vec![Vec::new(); mine.len()];
    let mut tuples = Vec::new();
    let mut row_measures = Vec::with_capacity(mine.len());
    let mut sets: Vec<&[u128]> = Vec::new();
    evaluation.for_each_chunk(model, table, |chunk| {
        for (part, out) in reach.parts.iter().zip(part_codes.iter_mut()) {
            match part {
                Part::Own { codes, .. } => chunk.gather(codes, out),
                Part::Branch { key, .. } => chunk.gather(key, out),
                Part::Island { .. } => out.clear(),
            }
        }
        for (codes, out) in columns.iter().zip(measure_codes.iter_mut()) {
            chunk.gather(codes, out);
        }
        for i in 0..chunk.len() {
            let mut base = NOTHING;
            sets.clear();
            for (part, codes) in reach.parts.iter().zip(&part_codes) {
                match part {
                    Part::Own { lane, .. } => base &= with_lane(*lane, codes[i]),
                    Part::Branch { map, .. } => sets.push(map.get(codes[i])),
                    Part::Island { tuples } => sets.push(tuples),
                }
            }
            reach::product(base, &sets, &mut tuples);
            row_measures.clear();
            for (at, &m) in mine.iter().enumerate() {
                let code = measure_codes[at][i];
                if code != NULL {
                    let number = numbers[at].get(code as usize).copied().unwrap_or(f64::NAN);
                    row_measures.push((m, code, number));
                }
            }
            visit(&tuples, &row_measures);
        }
    });
}

/// Any aggregation, up to three dimensions, any association: each row once in every group it
/// reaches, and once in the totals.
fn general(
    model: &DataModel,
    evaluation: &Evaluation,
    table: usize,
    request: &CubeRequest,
    reach: &Reach,
    mine: &[usize],
) -> Grouped {
    let measures = request.measures.len();
    let distinct: Vec<bool> = request
        .measures
        .iter()
        .map(|m| m.aggregation == Aggregation::CountDistinct)
        .collect();
    let mut groups = match request.dimensions.len() {
        0 => Groups::Dense {
            seen: vec![false; 1],
        },
        1 => Groups::Dense {
            seen: vec![false; model.fields[request.dimensions[0]].values.len() + 1],
        },
        _ => Groups::packed(),
    };
    let mut accumulators: Vec<Accumulator> = match &groups {
        Groups::Dense { seen } => vec![Accumulator::default(); seen.len() * measures],
        Groups::Packed { .. } => Vec::new(),
    };
    let mut totals = vec![Accumulator::default(); measures];
    let mut several = false;
    each_row(
        model,
        evaluation,
        table,
        request,
        reach,
        mine,
        |tuples, row_measures| {
            several |= tuples.len() > 1;
            for &(m, code, number) in row_measures {
                totals[m].add(code, number, distinct[m]);
            }
            for &key in tuples {
                let slot = slot_of(&mut groups, &mut accumulators, key, measures);
                for &(m, code, number) in row_measures {
                    accumulators[slot * measures + m].add(code, number, distinct[m]);
                }
            }
        },
    );
    Grouped {
        groups,
        accumulators,
        totals,
        several,
    }
}

#[cfg(test)]
mod tests;
