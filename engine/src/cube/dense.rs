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
    let mut results = crate::parallel::run(parts, |part, parts| {
        let mut seen = vec![false; width];
        let mut sums = vec![0.0f64; width * measures];
        let mut counts = vec![0u64; width * measures];
        let (mut slot_buffer, mut code_buffer) = (Vec::new(), Vec::new());
        evaluation.for_each_chunk_of_part(model, base, part, parts, |chunk| {
            // Without a dimension every row is in the one group: no slots to read.
            let slots: Option<&[u32]> = match dimension {
                Some(path) => {
                    path.codes(chunk, &mut slot_buffer);
                    Some(to_slots(&mut slot_buffer, missing))
                }
                None => None,
            };
            match slots {
                Some(slots) => mark_seen(slots, &mut seen),
                None => seen[missing] |= !chunk.is_empty(),
            }
            for (m, column) in measure_columns.iter().enumerate() {
                let Some(column) = column else {
                    continue;
                };
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
                column.gather(chunk, &mut code_buffer);
                let codes = &code_buffer[..];
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

/// Counts the rows of each slot as measure `m`'s.
#[inline]
fn count_by_slot(slots: &[u32], counts: &mut [u64], measures: usize, m: usize) {
    for &slot in slots {
        counts[slot as usize * measures + m] += 1;
    }
}

/// Adds each row's number to its slot's sum of measure `m`.
#[inline]
fn sum_by_slot(slots: &[u32], numbers: &[f64], sums: &mut [f64], measures: usize, m: usize) {
    for (&slot, number) in slots.iter().zip(numbers) {
        sums[slot as usize * measures + m] += number;
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
        if code == NULL {
            continue;
        }
        let at = slot as usize * measures + m;
        counts[at] += 1;
        if let Some(number) = numbers.get(code as usize) {
            sums[at] += number;
        }
    }
}
