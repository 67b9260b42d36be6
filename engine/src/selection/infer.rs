//! The logical inference: which rows of every table a set of selections leaves possible, as
//! `docs/ASSOCIATIVE-MODEL.md` defines it. Associations are full outer joins: a table constrains
//! another only through a side of the association forest that holds a selection, so a row whose
//! key has no partner in a table nobody selected in stays possible.
//!
//! Two passes over each tree of the forest (Yannakakis' semijoin reduction, with a side that
//! holds no selection sending no constraint): upwards, each table's rows that its own selections
//! and the sides below it allow, summed up per key as the key's values they hold; downwards,
//! each table's rows that everything outside its side allows as well.

use crate::forest::Forest;
use crate::model::DataModel;
use crate::selection::{present_in, present_in_all, start_of, Selections};

use super::scan::passing;

/// Rows of a table: `None` for all of them.
type Rows = Option<Vec<u32>>;

/// A filter on one column: the field and which of its codes pass.
type Filter<'a> = (usize, &'a [bool]);

/// The rows of `table` that pass every filter.
fn filtered(model: &DataModel, table: usize, filters: &[Filter]) -> Rows {
    let mut rows: Rows = None;
    for &(field, allowed) in filters {
        let Some(column) = model.tables[table]
            .columns
            .iter()
            .find(|c| c.field == field)
        else {
            continue;
        };
        rows = Some(passing(&column.codes, allowed, rows.as_deref()));
    }
    rows
}

/// Which codes of `field` occur in these rows of `table`.
fn values(model: &DataModel, table: usize, field: usize, rows: &Rows) -> Vec<bool> {
    let column = model.tables[table]
        .columns
        .iter()
        .find(|c| c.field == field)
        .expect("a key's table holds it");
    let width = model.fields[field].values.len();
    match rows {
        Some(rows) => present_in(&column.codes, rows, width),
        None => present_in_all(&column.codes, width),
    }
}

fn and(into: &mut Option<Vec<bool>>, other: Vec<bool>) {
    match into {
        Some(set) => set.iter_mut().zip(other).for_each(|(a, b)| *a &= b),
        None => *into = Some(other),
    }
}

/// The possible rows of every table (`None`: all of them).
pub(super) fn possible_rows(
    model: &DataModel,
    forest: &Forest,
    selections: &Selections,
) -> Vec<Rows> {
    let tables = model.tables.len();
    if selections.fields.is_empty() {
        return vec![None; tables];
    }
    let allowed: Vec<(usize, Vec<bool>)> = selections
        .fields
        .keys()
        .map(|&f| (f, start_of(model, selections, f)))
        .collect();
    let own: Vec<Vec<Filter>> = (0..tables)
        .map(|t| {
            allowed
                .iter()
                .filter(|(f, _)| forest.tables_of[*f].contains(&t))
                .map(|(f, a)| (*f, a.as_slice()))
                .collect()
        })
        .collect();
    let parent_key: Vec<Option<usize>> = {
        let mut p = vec![None; tables];
        for &(t, k) in &forest.order {
            p[t] = k;
        }
        p
    };
    let parent_key = &parent_key;
    let children = |t: usize| {
        forest.keys_of[t]
            .iter()
            .copied()
            .filter(move |&k| Some(k) != parent_key[t])
    };
    // A key's first member reached it; the others hang below it.
    let below = |k: usize| forest.members[k][1..].iter().copied();

    // Upwards: whether a table's side below it holds a selection, its rows as that side allows
    // them, and per key the values the selected sides below it hold.
    let mut selected_below = vec![false; tables];
    let mut up: Vec<Rows> = vec![None; tables];
    let mut key_up: Vec<Option<Vec<bool>>> = vec![None; model.fields.len()];
    for &(t, _) in forest.order.iter().rev() {
        let constraining: Vec<usize> = children(t).filter(|&k| key_up[k].is_some()).collect();
        selected_below[t] = !own[t].is_empty() || !constraining.is_empty();
        if !selected_below[t] {
            continue;
        }
        let mut filters = own[t].clone();
        filters.extend(
            constraining
                .iter()
                .map(|&k| (k, key_up[k].as_deref().expect("some"))),
        );
        up[t] = filtered(model, t, &filters);
        if let Some(k) = parent_key[t] {
            let present = values(model, t, k, &up[t]);
            and(&mut key_up[k], present);
        }
    }

    // Downwards: per table, the values of its parent key that everything outside its side
    // allows (`None`: nothing outside constrains it), then its possible rows.
    let mut from_above: Vec<Option<Vec<bool>>> = vec![None; tables];
    let mut possible: Vec<Rows> = vec![None; tables];
    for &(t, parent) in &forest.order {
        let mut filters = own[t].clone();
        let constraining: Vec<usize> = children(t).filter(|&k| key_up[k].is_some()).collect();
        let from_below = filters.len();
        filters.extend(
            constraining
                .iter()
                .map(|&k| (k, key_up[k].as_deref().expect("some"))),
        );
        let above = from_above[t].take();
        if let (Some(k), Some(above)) = (parent, above.as_deref()) {
            filters.push((k, above));
        }
        // Nothing from above: the upward pass found these rows already (its siblings' rows
        // were read when its parent passed its keys down, before this table's turn).
        possible[t] = if above.is_none() {
            up[t].take()
        } else {
            filtered(model, t, &filters)
        };
        // What this table passes down each key: the key's values in its rows as everything but
        // that key's own side allows them (nothing, when nothing else constrains them), and the
        // values the selected siblings below the key hold.
        for k in children(t) {
            let own_side = constraining
                .iter()
                .position(|&c| c == k)
                .map(|at| from_below + at);
            let others: Vec<Filter> = filters
                .iter()
                .enumerate()
                .filter(|(at, _)| Some(*at) != own_side)
                .map(|(_, f)| *f)
                .collect();
            let passed = (!others.is_empty()).then(|| match own_side {
                None => values(model, t, k, &possible[t]),
                Some(_) => values(model, t, k, &filtered(model, t, &others)),
            });
            for c in below(k) {
                let mut constraint = passed.clone();
                for sibling in below(k).filter(|&s| s != c && selected_below[s]) {
                    and(&mut constraint, values(model, sibling, k, &up[sibling]));
                }
                from_above[c] = constraint;
            }
        }
    }
    possible
}
