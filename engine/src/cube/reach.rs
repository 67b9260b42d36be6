//! Which dimension values each row of a measure's table is associated with: every combination of
//! the chart's dimensions that a chain of possible rows joins it to, along the association tree
//! from the measure's table (`docs/ASSOCIATIVE-MODEL.md`, "Aggregation"). A row associated with
//! no value of a dimension has the missing value there.
//!
//! A combination is packed into a `u128`, a 32-bit lane per dimension (at most three), a missing
//! value being all ones (`NULL`): joining the partial combinations of two branches, whose lanes
//! differ, is their bitwise AND. Of a row's combinations, one that another fills in further
//! (`fills`) is left out: a row is missing from a dimension only where it reaches no value.
//!
//! Built from the far tables inwards: each table on the way maps the key it is reached by to the
//! combinations its possible rows reach. In a star or snowflake each key reaches one combination,
//! kept as one `u128` per key; a key reaching several (a many-to-many lookup) turns the map into
//! lists.

use std::collections::VecDeque;

use crate::codes::Codes;
use crate::model::{DataModel, NULL};
use crate::selection::Evaluation;

/// A combination that knows no value in any dimension.
pub(super) const NOTHING: u128 = u128::MAX;

/// `tuple` with `code` in dimension `lane`.
#[inline]
pub(super) fn with_lane(lane: usize, code: u32) -> u128 {
    !(u128::from(u32::MAX) << (32 * lane)) | (u128::from(code) << (32 * lane))
}

#[inline]
pub(super) fn lane(tuple: u128, lane: usize) -> u32 {
    (tuple >> (32 * lane)) as u32
}

/// Combinations reached by each code of a key.
pub(super) enum Map {
    /// One per key (`NOTHING`: none).
    One(Vec<u128>),
    /// Key `k`'s are `tuples[offsets[k]..offsets[k + 1]]`.
    Many {
        offsets: Vec<u32>,
        tuples: Vec<u128>,
    },
}

impl Map {
    #[inline]
    pub(super) fn get(&self, key: u32) -> &[u128] {
        if key == NULL {
            return &[];
        }
        match self {
            Map::One(one) => {
                let t = &one[key as usize];
                if *t == NOTHING {
                    &[]
                } else {
                    std::slice::from_ref(t)
                }
            }
            Map::Many { offsets, tuples } => {
                &tuples[offsets[key as usize] as usize..offsets[key as usize + 1] as usize]
            }
        }
    }

    pub(super) fn is_one(&self) -> bool {
        matches!(self, Map::One(_))
    }

    /// The map of one lane as codes by key (`NULL`: missing), when each key reaches one.
    pub(super) fn codes(&self, lane_at: usize) -> Option<Vec<u32>> {
        match self {
            Map::One(one) => Some(one.iter().map(|&t| lane(t, lane_at)).collect()),
            Map::Many { .. } => None,
        }
    }
}

/// How a row of the measure's table reaches the dimensions: its own columns (a lane each), and a
/// map per branch, read through the row's key.
pub(super) enum Part<'a> {
    Own {
        lane: usize,
        codes: &'a Codes,
    },
    Branch {
        key_field: usize,
        key: &'a Codes,
        map: Map,
    },
    /// A dimension in no table associated with the measure's: every possible value of it.
    Island {
        tuples: Vec<u128>,
    },
}

pub(super) struct Reach<'a> {
    pub parts: Vec<Part<'a>>,
}

impl Reach<'_> {
    /// Whether every row reaches one combination.
    pub(super) fn is_one(&self) -> bool {
        self.parts.iter().all(|p| match p {
            Part::Own { .. } => true,
            Part::Branch { map, .. } => map.is_one(),
            Part::Island { tuples } => tuples.len() <= 1,
        })
    }
}

/// Whether `fuller` agrees with `tuple` on every dimension `tuple` has a value in (and so fills
/// it in, or equals it).
#[inline]
pub(super) fn fills(tuple: u128, fuller: u128) -> bool {
    (0..4).all(|l| {
        let mine = lane(tuple, l);
        mine == NULL || mine == lane(fuller, l)
    })
}

/// Keeps the combinations of `tuples` that no other one fills in further, each once.
pub(super) fn most_filled(tuples: &mut Vec<u128>) {
    if tuples.len() < 2 {
        return;
    }
    tuples.sort_unstable();
    tuples.dedup();
    if tuples.len() <= 16 {
        most_filled_by_pairs(tuples);
        return;
    }
    // Many (a dimension of thousands of values reached by every row): a combination is filled
    // in further exactly when it is another's values on some of that one's dimensions, so
    // every such part of every combination is listed once, and the combinations listed are
    // left out. Linear, where comparing every pair would be quadratic.
    let mut parts = std::collections::HashSet::new();
    for &t in tuples.iter() {
        let present: Vec<usize> = (0..4).filter(|&l| lane(t, l) != NULL).collect();
        for subset in 0..(1u32 << present.len()) - 1 {
            let part = present
                .iter()
                .enumerate()
                .filter(|(bit, _)| subset >> bit & 1 == 1)
                .fold(NOTHING, |part, (_, &l)| part & with_lane(l, lane(t, l)));
            parts.insert(part);
        }
    }
    tuples.retain(|t| !parts.contains(t));
}

/// `most_filled` of distinct, sorted combinations by comparing every pair: the rule as it is
/// stated, quick for a few.
pub(super) fn most_filled_by_pairs(tuples: &mut Vec<u128>) {
    let all = tuples.clone();
    tuples.retain(|&t| !all.iter().any(|&o| o != t && fills(t, o)));
}

/// Every combination of one from each set (`sets` empty: `NOTHING`), into `out`.
pub(super) fn product(base: u128, sets: &[&[u128]], out: &mut Vec<u128>) {
    out.clear();
    out.push(base);
    for set in sets {
        if set.is_empty() {
            continue;
        }
        if set.len() == 1 {
            for t in out.iter_mut() {
                *t &= set[0];
            }
            continue;
        }
        let before = std::mem::take(out);
        for t in before {
            out.extend(set.iter().map(|s| t & s));
        }
    }
    most_filled(out);
}

/// The tables between `from` and every other table of its tree: for each, the table and key it is
/// reached through.
fn walk(model: &DataModel, evaluation: &Evaluation, from: usize) -> Vec<Option<(usize, usize)>> {
    let forest = &evaluation.forest;
    let mut came: Vec<Option<(usize, usize)>> = vec![None; model.tables.len()];
    let mut seen = vec![false; model.tables.len()];
    seen[from] = true;
    let mut queue = VecDeque::from([from]);
    while let Some(t) = queue.pop_front() {
        for &k in &forest.keys_of[t] {
            for &next in &forest.members[k] {
                if !seen[next] {
                    seen[next] = true;
                    came[next] = Some((t, k));
                    queue.push_back(next);
                }
            }
        }
    }
    came
}

fn codes_of(model: &DataModel, table: usize, field: usize) -> Option<&Codes> {
    model.tables[table]
        .columns
        .iter()
        .find(|c| c.field == field)
        .map(|c| &c.codes)
}

/// How the rows of `table` reach `dimensions`.
pub(super) fn reach<'a>(
    model: &'a DataModel,
    evaluation: &Evaluation,
    table: usize,
    dimensions: &[usize],
) -> Reach<'a> {
    let came = walk(model, evaluation, table);
    let reached = |t: usize| t == table || came[t].is_some();
    // Each dimension from the nearest table holding it (the walk's order is by distance).
    let mut home: Vec<Option<usize>> = Vec::with_capacity(dimensions.len());
    for &d in dimensions {
        let holders = &evaluation.forest.tables_of[d];
        let nearest = holders
            .iter()
            .copied()
            .filter(|&t| reached(t))
            .min_by_key(|&t| depth(&came, table, t));
        home.push(nearest);
    }
    // The tables on the way from the measure's table to each dimension's.
    let mut needed = vec![false; model.tables.len()];
    for &h in home.iter().flatten() {
        let mut at = h;
        while at != table {
            needed[at] = true;
            at = came[at].expect("reached").0;
        }
    }
    let mut order: Vec<usize> = (0..model.tables.len()).filter(|&t| needed[t]).collect();
    order.sort_by_key(|&t| std::cmp::Reverse(depth(&came, table, t)));
    let mut maps: Vec<Option<Map>> = (0..model.tables.len()).map(|_| None).collect();
    for &t in &order {
        let own: Vec<(usize, &Codes)> = lanes_at(model, &home, dimensions, t);
        let branches: Vec<(&Codes, &Map)> = (0..model.tables.len())
            .filter(|&c| needed[c] && came[c].is_some_and(|(p, _)| p == t))
            .map(|c| {
                let key = came[c].expect("reached").1;
                (
                    codes_of(model, t, key).expect("held"),
                    maps[c].as_ref().expect("built first"),
                )
            })
            .collect();
        let key = came[t].expect("reached").1;
        let map = build(
            model,
            evaluation,
            t,
            codes_of(model, t, key).expect("held"),
            key,
            &own,
            &branches,
        );
        maps[t] = Some(map);
    }
    let mut parts = Vec::new();
    for (lane, codes) in lanes_at(model, &home, dimensions, table) {
        parts.push(Part::Own { lane, codes });
    }
    for c in 0..model.tables.len() {
        if needed[c] && came[c].is_some_and(|(p, _)| p == table) {
            let key = came[c].expect("reached").1;
            parts.push(Part::Branch {
                key_field: key,
                key: codes_of(model, table, key).expect("held"),
                map: maps[c].take().expect("built"),
            });
        }
    }
    for (lane, &d) in dimensions.iter().enumerate() {
        if home[lane].is_none() {
            let possible = evaluation.possible(model, d);
            let tuples: Vec<u128> = (0..possible.len())
                .filter(|&c| possible[c])
                .map(|c| with_lane(lane, c as u32))
                .collect();
            parts.push(Part::Island { tuples });
        }
    }
    Reach { parts }
}

fn depth(came: &[Option<(usize, usize)>], from: usize, mut t: usize) -> usize {
    let mut d = 0;
    while t != from {
        match came[t] {
            Some((p, _)) => t = p,
            None => return usize::MAX,
        }
        d += 1;
    }
    d
}

/// The dimensions whose home is table `t`, with their columns there.
fn lanes_at<'a>(
    model: &'a DataModel,
    home: &[Option<usize>],
    dimensions: &[usize],
    t: usize,
) -> Vec<(usize, &'a Codes)> {
    (0..dimensions.len())
        .filter(|&lane| home[lane] == Some(t))
        .map(|lane| (lane, codes_of(model, t, dimensions[lane]).expect("held")))
        .collect()
}

/// The map of table `t`: for each code of the key it is reached by, the combinations its possible
/// rows with that key reach (their own lanes joined with their branches').
fn build(
    model: &DataModel,
    evaluation: &Evaluation,
    t: usize,
    key: &Codes,
    key_field: usize,
    own: &[(usize, &Codes)],
    branches: &[(&Codes, &Map)],
) -> Map {
    let width = model.fields[key_field].values.len();
    let rows = row_list(model, evaluation, t);
    let combinations = |row: usize, out: &mut Vec<u128>| {
        let mut base = NOTHING;
        for &(lane, codes) in own {
            let code = crate::with_codes!(codes, c => crate::codes::Code::widen(c[row]));
            base &= with_lane(lane, code);
        }
        let sets: Vec<&[u128]> = branches
            .iter()
            .map(|(k, map)| {
                let code = crate::with_codes!(*k, c => crate::codes::Code::widen(c[row]));
                map.get(code)
            })
            .collect();
        product(base, &sets, out);
    };
    let key_at = |row: usize| crate::with_codes!(key, c => crate::codes::Code::widen(c[row]));
    // One combination per key, until a key reaches two that neither fills in.
    let mut one = vec![NOTHING; width];
    let mut buffer = Vec::new();
    let mut single = true;
    for &row in &rows {
        let k = key_at(row as usize);
        if k == NULL {
            continue;
        }
        combinations(row as usize, &mut buffer);
        for &tuple in &buffer {
            let slot = &mut one[k as usize];
            if fills(*slot, tuple) {
                *slot = tuple;
            } else if !fills(tuple, *slot) {
                single = false;
            }
        }
        if !single || buffer.len() > 1 {
            single = false;
            break;
        }
    }
    if single {
        return Map::One(one);
    }
    let mut pairs: Vec<(u32, u128)> = Vec::new();
    for &row in &rows {
        let k = key_at(row as usize);
        if k == NULL {
            continue;
        }
        combinations(row as usize, &mut buffer);
        pairs.extend(buffer.iter().map(|&t| (k, t)));
    }
    pairs.sort_unstable();
    pairs.dedup();
    let mut offsets = Vec::with_capacity(width + 1);
    let mut tuples = Vec::with_capacity(pairs.len());
    let mut at = 0;
    for k in 0..width as u32 {
        offsets.push(tuples.len() as u32);
        let start = tuples.len();
        while at < pairs.len() && pairs[at].0 == k {
            tuples.push(pairs[at].1);
            at += 1;
        }
        let mut mine = tuples.split_off(start);
        most_filled(&mut mine);
        mine.retain(|&t| t != NOTHING);
        tuples.extend(mine);
    }
    offsets.push(tuples.len() as u32);
    Map::Many { offsets, tuples }
}

/// The possible rows of a table, as row numbers.
fn row_list(model: &DataModel, evaluation: &Evaluation, t: usize) -> Vec<u32> {
    match &evaluation.alive[t] {
        Some(rows) => rows.clone(),
        None => (0..model.tables[t].rows as u32).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_combination_filled_in_further_hides_the_emptier_one() {
        let a = with_lane(0, 3);
        let ab = a & with_lane(1, 7);
        let b = with_lane(1, 7);
        let mut tuples = vec![NOTHING, a, ab, b, with_lane(0, 4)];
        most_filled(&mut tuples);
        tuples.sort_unstable();
        let mut expected = vec![ab, with_lane(0, 4)];
        expected.sort_unstable();
        assert_eq!(tuples, expected);
        assert_eq!(lane(ab, 0), 3);
        assert_eq!(lane(ab, 1), 7);
        assert_eq!(lane(ab, 2), NULL);
        let mut out = Vec::new();
        product(NOTHING, &[&[a, with_lane(0, 4)], &[b]], &mut out);
        out.sort_unstable();
        let mut expected = vec![ab, with_lane(0, 4) & b];
        expected.sort_unstable();
        assert_eq!(out, expected);
        assert!(
            !fills(with_lane(0, 1), with_lane(0, 0)) && !fills(with_lane(0, 0), with_lane(0, 1)),
            "two values of one dimension: neither fills the other in (1 & 0 is 0, but 0 is not 1)"
        );
        assert!(fills(NOTHING, with_lane(0, 0)) && fills(with_lane(1, 5), ab & with_lane(1, 5)));
    }
}
