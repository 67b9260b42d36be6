//! The cube's fast path: one dimension or none, reached through keys that each lead to one value,
//! and sums, counts and averages only. A slot per value of the dimension and one for the missing
//! value, in plain arrays filled by tight loops, a share of the rows a thread.

use std::borrow::Cow;
use std::sync::Arc;

use super::paths::{Column, Path};
use super::reach::{Part, Reach};
use super::{Accumulator, Aggregation, CubeRequest, Grouped, Groups};
use crate::model::{DataModel, NULL};
use crate::selection::{Chunk, Evaluation};

/// The cube of one table's measures (`mine`) on the fast path; `None` when the request needs the
/// general one.
pub(super) fn sums(
    model: &DataModel,
    evaluation: &Evaluation,
    table: usize,
    request: &CubeRequest,
    reach: &Reach,
    mine: &[usize],
) -> Option<Grouped> {
    if request.dimensions.len() > 1
        || !reach.is_one()
        || mine.iter().any(|&m| {
            !matches!(
                request.measures[m].aggregation,
                Aggregation::Sum | Aggregation::Count | Aggregation::Avg
            )
        })
    {
        return None;
    }
    let dimension = match reach.parts.first() {
        None => None,
        Some(Part::Own { .. }) => Some(Path::Own(Column::of(
            model,
            evaluation,
            table,
            request.dimensions[0],
        )?)),
        Some(Part::Branch { map, key_field, .. }) => Some(Path::Lookup {
            keys: Column::of(model, evaluation, table, *key_field)?,
            by_key: map.codes(0)?,
        }),
        Some(Part::Island { .. }) => return None,
    };
    let measure_columns: Vec<Option<Column>> = (0..request.measures.len())
        .map(|m| {
            mine.contains(&m)
                .then(|| Column::of(model, evaluation, table, request.measures[m].field))
                .flatten()
        })
        .collect();
    let numbers: Vec<Cow<[f64]>> = request
        .measures
        .iter()
        .enumerate()
        .map(|(m, measure)| match measure.aggregation {
            Aggregation::Sum | Aggregation::Avg if mine.contains(&m) => {
                model.fields[measure.field].values.numbers()
            }
            _ => Cow::Borrowed(&[][..]),
        })
        .collect();
    let (groups, accumulators) = dense_sums(
        model,
        evaluation,
        table,
        request,
        dimension.as_ref(),
        &measure_columns,
        &numbers,
    );
    let measures = request.measures.len();
    let mut totals = vec![Accumulator::default(); measures];
    for group in accumulators.chunks(measures) {
        for (total, acc) in totals.iter_mut().zip(group) {
            total.merge(acc);
        }
    }
    Some(Grouped {
        groups,
        accumulators,
        totals,
        several: false,
    })
}

/// One dimension (or none) with sums, counts and averages only: a slot per value of the
/// dimension and the last for the missing value.
fn dense_sums(
    model: &DataModel,
    evaluation: &Evaluation,
    base: usize,
    request: &CubeRequest,
    dimension: Option<&Path>,
    measure_columns: &[Option<Column>],
    numbers: &[Cow<[f64]>],
) -> (Groups, Vec<Accumulator>) {
    let missing = request
        .dimensions
        .first()
        .map_or(0, |&d| model.fields[d].values.len());
    let width = missing + 1;
    let measures = measure_columns.len();
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
    let rows_only: Vec<bool> = measure_columns
        .iter()
        .zip(&request.measures)
        .map(|(column, m)| {
            m.aggregation == Aggregation::Count && column.as_ref().is_some_and(|c| c.nulls == 0)
        })
        .collect();
    // Sums read their numbers at the surviving rows, shared by the sheet's charts.
    let summed: Vec<Option<Arc<Vec<f64>>>> = measure_columns
        .iter()
        .zip(&request.measures)
        .map(|(column, m)| match column {
            Some(_) if m.aggregation == Aggregation::Sum => evaluation.summed(model, base, m.field),
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
    // Few groups: each array four times over (`LANES`), consecutive rows adding into different
    // copies, so that rows of one group do not wait for each other's sums; the copies are added
    // up after, always in the same order. Many groups rarely meet twice in a row, and four
    // copies of their arrays would no longer fit in the cache: one copy.
    let stride = width * measures;
    let lanes = if stride <= MANY_GROUPS { LANES } else { 1 };
    let slot_table = dimension.and_then(|path| path.slot_table(missing, rows));
    let mut results = crate::parallel::run(parts, |part, parts| {
        let mut seen = vec![false; width];
        let mut sums = vec![0.0f64; lanes * stride];
        let mut counts = vec![0u64; lanes * stride];
        let (mut slot_buffer, mut code_buffer) = (Vec::new(), Vec::new());
        evaluation.for_each_chunk_of_part(model, base, part, parts, |chunk| {
            // Without a dimension every row is in the one group (slot 0, the missing value's),
            // and goes through the same additions as with one: a KPI and the total of a chart
            // of one group are the same number.
            let slots: &[u32] = match dimension {
                Some(path) => {
                    let slots = match &slot_table {
                        Some(table) => {
                            path.column().slots_through(chunk, table, &mut slot_buffer);
                            &slot_buffer[..]
                        }
                        None => {
                            path.codes(chunk, &mut slot_buffer);
                            to_slots(&mut slot_buffer, missing)
                        }
                    };
                    mark_seen(slots, &mut seen);
                    slots
                }
                None => {
                    slot_buffer.clear();
                    slot_buffer.resize(chunk.len(), 0);
                    seen[missing] |= !chunk.is_empty();
                    &slot_buffer
                }
            };
            for (m, column) in measure_columns.iter().enumerate() {
                let Some(column) = column else {
                    continue;
                };
                if rows_only[m] {
                    count_by_slot(slots, &mut counts, stride, measures, m);
                    continue;
                }
                if let (Some(summed), Chunk::Rows { rows, at }) = (&summed[m], chunk) {
                    let numbers = &summed[at..at + rows.len()];
                    sum_by_slot(slots, numbers, &mut sums, stride, measures, m);
                    continue;
                }
                column.gather(chunk, &mut code_buffer);
                let numbers = &summable[m];
                add_by_slot(
                    slots,
                    &code_buffer,
                    numbers,
                    (&mut sums, &mut counts),
                    stride,
                    measures,
                    m,
                );
            }
        });
        (seen, fold_lanes(&sums, stride), fold_lanes(&counts, stride))
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
            // Sums and averages are of numeric fields: every value is a number.
            numbers: count,
            ..Accumulator::default()
        })
        .collect();
    (Groups::Dense { seen }, accumulators)
}

/// A chunk's dimension codes as slots: the missing value's is the last.
#[inline]
fn to_slots(codes: &mut [u32], missing: usize) -> &[u32] {
    for code in codes.iter_mut() {
        if *code == NULL {
            *code = missing as u32;
        }
    }
    codes
}

#[inline]
fn mark_seen(slots: &[u32], seen: &mut [bool]) {
    for &slot in slots {
        seen[slot as usize] = true;
    }
}

/// How many copies of the sums and counts each part keeps for few groups (see `dense_sums`).
const LANES: usize = 4;
/// Above this many sums (groups times measures), one copy.
const MANY_GROUPS: usize = 4096;

/// The copies of an array added up, the first to the last.
fn fold_lanes<T: Copy + std::ops::Add<Output = T>>(lanes: &[T], stride: usize) -> Vec<T> {
    let mut out = lanes[..stride].to_vec();
    for lane in lanes[stride..].chunks(stride) {
        out.iter_mut().zip(lane).for_each(|(a, &b)| *a = *a + b);
    }
    out
}

/// Where row `i` of a chunk adds its measure `m` in slot `slot`: in copy `i % LANES` when the
/// arrays have `LANES` copies of `stride`, else in the one (`copies`: 1 or `LANES`, a power of
/// two).
#[inline]
fn at(i: usize, slot: u32, stride: usize, copies: usize, measures: usize, m: usize) -> usize {
    (i & (copies - 1)) * stride + slot as usize * measures + m
}

/// Counts the rows of each slot as measure `m`'s.
#[inline]
fn count_by_slot(slots: &[u32], counts: &mut [u64], stride: usize, measures: usize, m: usize) {
    let copies = counts.len() / stride;
    for (i, &slot) in slots.iter().enumerate() {
        counts[at(i, slot, stride, copies, measures, m)] += 1;
    }
}

/// Adds each row's number to its slot's sum of measure `m`.
#[inline]
fn sum_by_slot(
    slots: &[u32],
    numbers: &[f64],
    sums: &mut [f64],
    stride: usize,
    measures: usize,
    m: usize,
) {
    let copies = sums.len() / stride;
    for (i, (&slot, number)) in slots.iter().zip(numbers).enumerate() {
        sums[at(i, slot, stride, copies, measures, m)] += number;
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
    (sums, counts): (&mut [f64], &mut [u64]),
    stride: usize,
    measures: usize,
    m: usize,
) {
    let copies = sums.len() / stride;
    for (i, (&slot, &code)) in slots.iter().zip(codes).enumerate() {
        if code == NULL {
            continue;
        }
        let at = at(i, slot, stride, copies, measures, m);
        counts[at] += 1;
        if let Some(number) = numbers.get(code as usize) {
            sums[at] += number;
        }
    }
}
