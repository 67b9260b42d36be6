//! Hypercubes: dimensions by measures under the current selections, sorted, with top N and an
//! Others row, and totals over every surviving row. A KPI is a cube without dimensions.

mod paths;

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::model::{DataModel, NULL};
use crate::selection::{Chunk, Evaluation};
use paths::{base_table, path_to, Path};

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

/// One group's running figures for one measure. Distinct codes are kept only for count
/// distinct, in a set made on first use.
#[derive(Debug, Clone)]
struct Accumulator {
    sum: f64,
    count: u64,
    min: f64,
    max: f64,
    // Boxed: one pointer instead of a 48-byte set in every accumulator of a cube, most of which
    // never count distinct values.
    #[allow(clippy::box_collection)]
    distinct: Option<Box<HashSet<u32>>>,
}

impl Default for Accumulator {
    fn default() -> Self {
        Accumulator {
            sum: 0.0,
            count: 0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            distinct: None,
        }
    }
}

impl Accumulator {
    #[inline]
    fn add(&mut self, code: u32, number: f64, distinct: bool) {
        self.count += 1;
        if distinct {
            self.distinct
                .get_or_insert_with(Default::default)
                .insert(code);
        }
        // NaN: a value that is not a number counts, but adds nothing.
        if !number.is_nan() {
            self.sum += number;
            self.min = self.min.min(number);
            self.max = self.max.max(number);
        }
    }

    fn merge(&mut self, other: &Accumulator) {
        self.sum += other.sum;
        self.count += other.count;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
        if let Some(theirs) = &other.distinct {
            self.distinct
                .get_or_insert_with(Default::default)
                .extend(theirs.iter().copied());
        }
    }

    fn value(&self, aggregation: Aggregation) -> Option<f64> {
        match aggregation {
            Aggregation::Sum => Some(self.sum),
            Aggregation::Count => Some(self.count as f64),
            Aggregation::CountDistinct => {
                Some(self.distinct.as_ref().map_or(0, |d| d.len()) as f64)
            }
            Aggregation::Avg => (self.count > 0).then(|| self.sum / self.count as f64),
            Aggregation::Min => (self.min != f64::INFINITY).then_some(self.min),
            Aggregation::Max => (self.max != f64::NEG_INFINITY).then_some(self.max),
        }
    }
}

/// Groups found so far: a slot per group, found by the group's codes packed into one number
/// (up to three dimensions of 32-bit codes), or by the code itself for one dimension.
enum Groups {
    Dense {
        seen: Vec<bool>,
    },
    Packed {
        slots: HashMap<u128, u32>,
        keys: Vec<u128>,
    },
}

/// Computes a cube over the rows that survive the selections.
pub fn compute(model: &DataModel, evaluation: &Evaluation, request: &CubeRequest) -> Cube {
    let empty = Cube {
        rows: Vec::new(),
        totals: request.measures.iter().map(|_| None).collect(),
    };
    let Some(base) = base_table(model, request) else {
        return empty;
    };
    let Some(paths) = request
        .dimensions
        .iter()
        .map(|&d| path_to(model, evaluation, base, d))
        .collect::<Option<Vec<_>>>()
    else {
        return empty;
    };
    let Some(measure_paths) = request
        .measures
        .iter()
        .map(|m| path_to(model, evaluation, base, m.field))
        .collect::<Option<Vec<_>>>()
    else {
        return empty;
    };
    if paths.len() > 3 {
        return empty;
    }
    // Each field's values as numbers, once, instead of per row (NaN: not a number). Counts need
    // none: a key field of a million values would cost more than the count itself.
    let numbers: Vec<Cow<[f64]>> = request
        .measures
        .iter()
        .map(|m| match m.aggregation {
            Aggregation::Count | Aggregation::CountDistinct => Cow::Borrowed(&[][..]),
            _ => model.fields[m.field].values.numbers(),
        })
        .collect();
    // The common case (one dimension or none; sums, counts and averages) runs a tight loop over
    // plain arrays, and is then read out as accumulators.
    let simple = paths.len() <= 1
        && request.measures.iter().all(|m| {
            matches!(
                m.aggregation,
                Aggregation::Sum | Aggregation::Count | Aggregation::Avg
            )
        });
    let (groups, accumulators) = if simple {
        dense_sums(
            model,
            evaluation,
            base,
            request,
            paths.first(),
            &measure_paths,
            &numbers,
        )
    } else {
        general(
            model,
            evaluation,
            base,
            request,
            &paths,
            &measure_paths,
            &numbers,
        )
    };
    finish(request, paths.len(), groups, accumulators)
}

/// One dimension (or none) with sums, counts and averages only: a slot per value of the
/// dimension, numbers that are not numbers summed as zero.
fn dense_sums(
    model: &DataModel,
    evaluation: &Evaluation,
    base: usize,
    request: &CubeRequest,
    dimension: Option<&Path>,
    measure_paths: &[Path],
    numbers: &[Cow<[f64]>],
) -> (Groups, Vec<Accumulator>) {
    let width = request
        .dimensions
        .first()
        .map_or(1, |&d| model.fields[d].values.len());
    let measures = measure_paths.len();
    // Sums over numbers that are never NaN (decimal fields') read them where they are.
    let summable: Vec<Cow<[f64]>> = numbers
        .iter()
        .map(|n| {
            if n.iter().any(|v| v.is_nan()) {
                n.iter()
                    .map(|v| if v.is_nan() { 0.0 } else { *v })
                    .collect()
            } else {
                Cow::Borrowed(&n[..])
            }
        })
        .collect();
    // A count of a column without empty cells counts rows: its codes need not be read.
    let rows_only: Vec<bool> = measure_paths
        .iter()
        .zip(&request.measures)
        .map(|(path, m)| {
            m.aggregation == Aggregation::Count && matches!(path, Path::Own(c) if c.nulls == 0)
        })
        .collect();
    // Sums read their numbers at the surviving rows, shared by the sheet's charts.
    let summed: Vec<Option<Arc<Vec<f64>>>> = measure_paths
        .iter()
        .zip(&request.measures)
        .map(|(path, m)| match path {
            Path::Own(_) if m.aggregation == Aggregation::Sum => {
                evaluation.summed(model, base, m.field)
            }
            _ => None,
        })
        .collect();
    // Many rows: a share of them a thread, each into arrays of its own, added up after; not
    // when the groups are nearly as many as the rows (a million customers), where each thread's
    // arrays and their adding up would cost more than the split saves.
    let rows = evaluation.count(model, base);
    let parts = if width * 64 <= rows {
        crate::parallel::parts_for(rows)
    } else {
        1
    };
    let mut results = crate::parallel::run(parts, |part, parts| {
        let mut seen = vec![false; width];
        let mut sums = vec![0.0f64; width * measures];
        let mut counts = vec![0u64; width * measures];
        let (mut slot_buffer, mut code_buffer) = (Vec::new(), Vec::new());
        evaluation.for_each_chunk_of_part(model, base, part, parts, |chunk| {
            // Without a dimension every row is in the one group: no slots to read.
            let slots = dimension.map(|path| path.codes(chunk, &mut slot_buffer));
            match slots {
                Some(slots) => mark_seen(slots, &mut seen),
                None => seen[0] |= !chunk.is_empty(),
            }
            for (m, path) in measure_paths.iter().enumerate() {
                if rows_only[m] {
                    match slots {
                        Some(slots) => count_by_slot(slots, &mut counts, measures, m),
                        None => counts[m] += chunk.len() as u64,
                    }
                    continue;
                }
                if let (Some(summed), Chunk::Rows { rows, at }) = (&summed[m], chunk) {
                    let numbers = &summed[at..at + rows.len()];
                    match slots {
                        Some(slots) => sum_by_slot(slots, numbers, &mut sums, measures, m),
                        None => sums[m] = numbers.iter().fold(sums[m], |sum, n| sum + n),
                    }
                    continue;
                }
                let codes = path.codes(chunk, &mut code_buffer);
                let numbers = &summable[m];
                match slots {
                    Some(slots) => {
                        add_by_slot(slots, codes, numbers, &mut sums, &mut counts, measures, m)
                    }
                    None => {
                        // Added in row order, as with a dimension: the same total either way.
                        let (mut sum, mut count) = (sums[m], 0);
                        for &code in codes.iter().filter(|c| **c != NULL) {
                            count += 1;
                            sum += numbers.get(code as usize).copied().unwrap_or(0.0);
                        }
                        sums[m] = sum;
                        counts[m] += count;
                    }
                }
            }
        });
        (seen, sums, counts)
    })
    .into_iter();
    let (mut seen, mut sums, mut counts) = results.next().expect("one part at least");
    for (part_seen, part_sums, part_counts) in results {
        seen.iter_mut().zip(part_seen).for_each(|(a, b)| *a |= b);
        sums.iter_mut().zip(part_sums).for_each(|(a, b)| *a += b);
        counts
            .iter_mut()
            .zip(part_counts)
            .for_each(|(a, b)| *a += b);
    }
    let accumulators = sums
        .into_iter()
        .zip(counts)
        .map(|(sum, count)| Accumulator {
            sum,
            count,
            ..Accumulator::default()
        })
        .collect();
    (Groups::Dense { seen }, accumulators)
}

#[inline]
fn mark_seen(slots: &[u32], seen: &mut [bool]) {
    for &slot in slots.iter().filter(|s| **s != NULL) {
        seen[slot as usize] = true;
    }
}

/// Counts the rows of each slot as measure `m`'s.
#[inline]
fn count_by_slot(slots: &[u32], counts: &mut [u64], measures: usize, m: usize) {
    for &slot in slots.iter().filter(|s| **s != NULL) {
        counts[slot as usize * measures + m] += 1;
    }
}

/// Adds each row's number to its slot's sum of measure `m`.
#[inline]
fn sum_by_slot(slots: &[u32], numbers: &[f64], sums: &mut [f64], measures: usize, m: usize) {
    for (&slot, number) in slots.iter().zip(numbers) {
        if slot != NULL {
            sums[slot as usize * measures + m] += number;
        }
    }
}

/// Adds measure `m`'s numbers at `codes` into the sums and counts of the rows' slots. A function
/// of its own: with the arrays as its arguments, the compiler keeps their addresses and lengths
/// in registers instead of reading them again after every store.
#[inline]
fn add_by_slot(
    slots: &[u32],
    codes: &[u32],
    numbers: &[f64],
    sums: &mut [f64],
    counts: &mut [u64],
    measures: usize,
    m: usize,
) {
    for (&slot, &code) in slots.iter().zip(codes) {
        if slot == NULL || code == NULL {
            continue;
        }
        let at = slot as usize * measures + m;
        counts[at] += 1;
        if let Some(number) = numbers.get(code as usize) {
            sums[at] += number;
        }
    }
}

/// Any aggregation, up to three dimensions.
fn general(
    model: &DataModel,
    evaluation: &Evaluation,
    base: usize,
    request: &CubeRequest,
    paths: &[Path],
    measure_paths: &[Path],
    numbers: &[Cow<[f64]>],
) -> (Groups, Vec<Accumulator>) {
    let distinct: Vec<bool> = request
        .measures
        .iter()
        .map(|m| m.aggregation == Aggregation::CountDistinct)
        .collect();
    let measures = request.measures.len();
    let mut accumulators: Vec<Accumulator> = Vec::new();
    let mut groups = match paths.len() {
        0 => Groups::Dense {
            seen: vec![false; 1],
        },
        1 => Groups::Dense {
            seen: vec![false; model.fields[request.dimensions[0]].values.len()],
        },
        _ => Groups::Packed {
            slots: HashMap::new(),
            keys: Vec::new(),
        },
    };
    if let Groups::Dense { seen } = &groups {
        accumulators = vec![Accumulator::default(); seen.len() * measures];
    }
    let mut dim_buffers: Vec<Vec<u32>> = vec![Vec::new(); paths.len()];
    let mut code_buffers: Vec<Vec<u32>> = vec![Vec::new(); measures];
    evaluation.for_each_chunk(model, base, |chunk| {
        let dims: Vec<&[u32]> = paths
            .iter()
            .zip(dim_buffers.iter_mut())
            .map(|(path, out)| path.codes(chunk, out))
            .collect();
        let codes: Vec<&[u32]> = measure_paths
            .iter()
            .zip(code_buffers.iter_mut())
            .map(|(path, out)| path.codes(chunk, out))
            .collect();
        'rows: for i in 0..chunk.len() {
            let slot = match &mut groups {
                Groups::Dense { seen } => {
                    let slot = dims.first().map_or(0, |d| d[i]);
                    if slot == NULL {
                        continue;
                    }
                    seen[slot as usize] = true;
                    slot as usize
                }
                Groups::Packed { slots, keys } => {
                    let mut key: u128 = 0;
                    for d in &dims {
                        if d[i] == NULL {
                            continue 'rows;
                        }
                        key = (key << 32) | u128::from(d[i]);
                    }
                    let next = keys.len() as u32;
                    let slot = *slots.entry(key).or_insert_with(|| {
                        keys.push(key);
                        accumulators.extend(std::iter::repeat_n(Accumulator::default(), measures));
                        next
                    });
                    slot as usize
                }
            };
            for (m, codes) in codes.iter().enumerate() {
                let code = codes[i];
                if code != NULL {
                    accumulators[slot * measures + m].add(
                        code,
                        numbers[m].get(code as usize).copied().unwrap_or(f64::NAN),
                        distinct[m],
                    );
                }
            }
        }
    });
    (groups, accumulators)
}

/// Groups into rows: sorted, top N with the rest as Others, totals over every group.
fn finish(
    request: &CubeRequest,
    dims: usize,
    groups: Groups,
    accumulators: Vec<Accumulator>,
) -> Cube {
    let measures = request.measures.len();
    let mut rows: Vec<(Vec<u32>, &[Accumulator])> = match &groups {
        Groups::Dense { seen } => seen
            .iter()
            .enumerate()
            .filter(|(_, s)| **s)
            .map(|(k, _)| {
                (
                    if dims == 0 { vec![] } else { vec![k as u32] },
                    &accumulators[k * measures..(k + 1) * measures],
                )
            })
            .collect(),
        Groups::Packed { keys, .. } => keys
            .iter()
            .enumerate()
            .map(|(slot, &key)| {
                let codes = (0..dims)
                    .map(|d| (key >> (32 * (dims - 1 - d))) as u32)
                    .collect();
                (codes, &accumulators[slot * measures..(slot + 1) * measures])
            })
            .collect(),
    };
    let mut totals: Vec<Accumulator> = vec![Accumulator::default(); measures];
    for (_, acc) in &rows {
        for (total, group) in totals.iter_mut().zip(acc.iter()) {
            total.merge(group);
        }
    }
    let value = |acc: &[Accumulator], m: usize| acc[m].value(request.measures[m].aggregation);
    // One dimension comes out of the dense slots already in value order.
    let presorted = dims <= 1 && request.sort == (Sort::Dimension { descending: false });
    if !presorted {
        rows.sort_by(|(ka, aa), (kb, ab)| {
            let by_keys = || {
                ka.iter()
                    .zip(kb)
                    .map(|(a, b)| a.cmp(b))
                    .find(|o| *o != Ordering::Equal)
                    .unwrap_or(Ordering::Equal)
            };
            match request.sort {
                Sort::Dimension { descending } => {
                    if descending {
                        by_keys().reverse()
                    } else {
                        by_keys()
                    }
                }
                Sort::Measure { index, descending } => {
                    let (a, b) = (
                        value(aa, index).unwrap_or(f64::NEG_INFINITY),
                        value(ab, index).unwrap_or(f64::NEG_INFINITY),
                    );
                    let o = a.total_cmp(&b);
                    (if descending { o.reverse() } else { o }).then_with(by_keys)
                }
            }
        });
    }
    let mut out: Vec<CubeRow> = Vec::new();
    let keep = request.top.unwrap_or(usize::MAX);
    let mut others: Option<Vec<Accumulator>> = None;
    for (i, (keys, acc)) in rows.into_iter().enumerate() {
        if i < keep {
            out.push(CubeRow {
                values: (0..measures).map(|m| value(acc, m)).collect(),
                keys,
                others: false,
            });
        } else {
            let merged = others.get_or_insert_with(|| vec![Accumulator::default(); measures]);
            for (into, from) in merged.iter_mut().zip(acc) {
                into.merge(from);
            }
        }
    }
    if let Some(acc) = others {
        out.push(CubeRow {
            keys: Vec::new(),
            others: true,
            values: (0..measures).map(|m| value(&acc, m)).collect(),
        });
    }
    Cube {
        rows: out,
        totals: (0..measures).map(|m| value(&totals, m)).collect(),
    }
}

#[cfg(test)]
mod tests;
