//! Selection state: the values selected in each field, and what follows for every value of
//! every field (selected, possible or excluded) through the associations between tables.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use crate::codes::{Code, Codes};
use crate::forest::Forest;
use crate::model::{DataModel, NULL};
use crate::with_codes;

mod infer;
mod scan;

/// Rows handed to a chart a block at a time: a range of row numbers where every row of a table
/// survives, else a slice of the surviving rows' numbers.
#[derive(Debug, Clone, Copy)]
pub enum Chunk<'a> {
    Range(usize, usize),
    /// Surviving rows, the first of which is the `at`-th survivor of its table.
    Rows {
        rows: &'a [u32],
        at: usize,
    },
}

impl Chunk<'_> {
    pub fn len(&self) -> usize {
        match self {
            Chunk::Range(start, end) => end - start,
            Chunk::Rows { rows, .. } => rows.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The codes of these rows in a column, widened, into `out`.
    #[inline]
    pub fn gather(&self, codes: &Codes, out: &mut Vec<u32>) {
        match *self {
            Chunk::Range(start, end) => codes.gather_range(start, end, out),
            Chunk::Rows { rows, .. } => codes.gather(rows, out),
        }
    }
}

/// Rows per chunk: the gathered codes of a few columns stay in the first-level cache.
pub const CHUNK: usize = 2048;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    Selected,
    Possible,
    Excluded,
}

/// The values selected per field (by code). A field without an entry is not filtered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Selections {
    pub fields: BTreeMap<usize, Vec<u32>>,
}

impl Selections {
    /// Bytes the selections hold (their codes and the map's entries).
    pub fn heap_bytes(&self) -> usize {
        self.fields
            .values()
            .map(|codes| codes.capacity() * 4 + 48)
            .sum()
    }

    /// Selects exactly these values in a field.
    pub fn select(&mut self, field: usize, mut codes: Vec<u32>) {
        codes.sort_unstable();
        codes.dedup();
        if codes.is_empty() {
            self.fields.remove(&field);
        } else {
            self.fields.insert(field, codes);
        }
    }

    /// Adds a value to a field's selection, or takes it out if it was in.
    pub fn toggle(&mut self, field: usize, code: u32) {
        let mut codes = self.fields.remove(&field).unwrap_or_default();
        match codes.binary_search(&code) {
            Ok(i) => {
                codes.remove(i);
            }
            Err(i) => codes.insert(i, code),
        }
        self.select(field, codes);
    }

    pub fn clear(&mut self, field: usize) {
        self.fields.remove(&field);
    }
}

/// The rows of each table that the selections leave possible (`infer`), and what charts of one
/// sheet share of them.
///
/// Rows are kept as lists of possible row numbers (or `None` where every row is possible), so
/// that charts visit only those rows.
pub struct Evaluation {
    /// Per table: the possible rows, in order; `None` when every row is possible.
    pub alive: Vec<Option<Vec<u32>>>,
    /// The association forest the inference walked; charts walk the same one.
    pub forest: Forest,
    selections: Selections,
    /// Columns' codes at the surviving rows, gathered once for every chart of a sheet that
    /// reads them: picking a tenth of the rows out of a column costs as much memory traffic as
    /// reading all of it, so the charts after the first read the copy instead.
    /// Kept in the column's own width: a byte a row for a field of ten values, not four.
    gathered: Mutex<HashMap<(usize, usize), Arc<Codes>>>,
    /// Fields' numbers at the surviving rows, for the sums of every chart of a sheet: looking a
    /// number up by its code is a random read, once per row instead of once per chart.
    summed: Mutex<HashMap<(usize, usize), Arc<Vec<f64>>>>,
}

impl Evaluation {
    /// How many rows of a table survive.
    pub fn count(&self, model: &DataModel, table: usize) -> usize {
        self.alive[table]
            .as_ref()
            .map_or(model.tables[table].rows, Vec::len)
    }

    /// Calls `visit` with each surviving row of a table, in order.
    #[inline]
    pub fn for_each_row(&self, model: &DataModel, table: usize, mut visit: impl FnMut(usize)) {
        match &self.alive[table] {
            Some(rows) => rows.iter().for_each(|&r| visit(r as usize)),
            None => (0..model.tables[table].rows).for_each(visit),
        }
    }

    /// Calls `visit` with the surviving rows of a table, a chunk at a time, in order.
    pub fn for_each_chunk(&self, model: &DataModel, table: usize, visit: impl FnMut(Chunk)) {
        self.for_each_chunk_of_part(model, table, 0, 1, visit);
    }

    /// `for_each_chunk` over the `part`-th of `parts` consecutive shares of the surviving rows
    /// (`parallel`): the parts together visit every chunk once.
    pub fn for_each_chunk_of_part(
        &self,
        model: &DataModel,
        table: usize,
        part: usize,
        parts: usize,
        mut visit: impl FnMut(Chunk),
    ) {
        let share = crate::parallel::range(self.count(model, table), part, parts, CHUNK);
        match &self.alive[table] {
            Some(rows) => {
                for at in share.clone().step_by(CHUNK) {
                    visit(Chunk::Rows {
                        rows: &rows[at..(at + CHUNK).min(share.end)],
                        at,
                    })
                }
            }
            None => {
                for start in share.clone().step_by(CHUNK) {
                    visit(Chunk::Range(start, (start + CHUNK).min(share.end)))
                }
            }
        }
    }

    /// The codes of a column (of `table`, for `field`) at every surviving row, in order; `None`
    /// where every row survives (a range of the column is read directly).
    pub fn gathered(&self, model: &DataModel, table: usize, field: usize) -> Option<Arc<Codes>> {
        let (rows, codes) = self.survivors_of(model, table, field)?;
        let mut cache = self.gathered.lock().unwrap_or_else(|e| e.into_inner());
        Some(
            cache
                .entry((table, field))
                .or_insert_with(|| Arc::new(codes.pick(rows)))
                .clone(),
        )
    }

    /// The numbers a sum adds at every surviving row of a table's column, in order: 0 for an
    /// empty cell or a value that is not a number. `None` where every row survives.
    pub fn summed(&self, model: &DataModel, table: usize, field: usize) -> Option<Arc<Vec<f64>>> {
        let (rows, codes) = self.survivors_of(model, table, field)?;
        let mut cache = self.summed.lock().unwrap_or_else(|e| e.into_inner());
        Some(
            cache
                .entry((table, field))
                .or_insert_with(|| {
                    let numbers = model.fields[field].values.numbers();
                    let number = |code: u32| match numbers.get(code as usize) {
                        Some(n) if !n.is_nan() => *n,
                        _ => 0.0,
                    };
                    Arc::new(with_codes!(codes, c => crate::parallel::map_rows(rows, |&r| number(c[r as usize].widen()))))
                })
                .clone(),
        )
    }

    /// A table's surviving rows and its column of `field`; `None` where every row survives or
    /// the table has no such column.
    fn survivors_of<'m>(
        &'m self,
        model: &'m DataModel,
        table: usize,
        field: usize,
    ) -> Option<(&'m [u32], &'m Codes)> {
        let rows = self.alive[table].as_ref()?;
        let column = model.tables[table]
            .columns
            .iter()
            .find(|c| c.field == field)?;
        Some((rows, &column.codes))
    }

    /// The gathered codes of a column, if a chart has gathered them already.
    fn gathered_before(&self, table: usize, field: usize) -> Option<Arc<Codes>> {
        let cache = self.gathered.lock().unwrap_or_else(|e| e.into_inner());
        cache.get(&(table, field)).cloned()
    }

    /// Which values of a field are possible: those in a possible row of any table that holds
    /// the field (selected ones included; a selected value in no possible row is not).
    pub fn possible(&self, model: &DataModel, field: usize) -> Vec<bool> {
        let width = model.fields[field].values.len();
        let tables = &self.forest.tables_of[field];
        if tables.iter().all(|&t| self.alive[t].is_none())
            && !self.selections.fields.contains_key(&field)
        {
            return vec![true; width];
        }
        let mut possible = vec![false; width];
        for &t in tables {
            let column = model.tables[t]
                .columns
                .iter()
                .find(|c| c.field == field)
                .expect("the field's table holds it");
            // A chart of the sheet has usually read this column's surviving codes already: one
            // pass over that short copy instead of picking them out of the whole column again.
            let present = match (&self.alive[t], self.gathered_before(t, field)) {
                (Some(_), Some(gathered)) => present_in_all(&gathered, width),
                (Some(rows), None) => present_in(&column.codes, rows, width),
                (None, _) => present_in_all(&column.codes, width),
            };
            for (slot, here) in possible.iter_mut().zip(present) {
                *slot |= here;
            }
        }
        possible
    }

    /// The selections this evaluation answers.
    pub fn selections(&self) -> &Selections {
        &self.selections
    }
}

/// A field's values before narrowing: the selected ones, or all of them.
pub(crate) fn start_of(model: &DataModel, selections: &Selections, field: usize) -> Vec<bool> {
    let width = model.fields[field].values.len();
    match selections.fields.get(&field) {
        Some(codes) => {
            let mut allowed = vec![false; width];
            for &c in codes {
                if let Some(slot) = allowed.get_mut(c as usize) {
                    *slot = true;
                }
            }
            allowed
        }
        None => vec![true; width],
    }
}

/// Which codes occur in these rows of a column.
pub(crate) fn present_in(codes: &Codes, rows: &[u32], width: usize) -> Vec<bool> {
    fn mark<C: Code>(codes: &[C], rows: &[u32], present: &mut [bool]) {
        for &r in rows {
            let code = codes[r as usize].widen();
            if code != NULL {
                present[code as usize] = true;
            }
        }
    }
    let mut present = vec![false; width];
    with_codes!(codes, c => mark(c, rows, &mut present));
    present
}

/// Which codes occur anywhere in `codes`.
pub(crate) fn present_in_all(codes: &Codes, width: usize) -> Vec<bool> {
    let mut present = vec![false; width];
    with_codes!(codes, c => {
        for code in c.iter().map(|x| x.widen()) {
            if code != NULL {
                present[code as usize] = true;
            }
        }
    });
    present
}

/// What the selections leave possible in every table.
pub fn evaluate(model: &DataModel, selections: &Selections) -> Evaluation {
    let forest = Forest::of(model);
    let alive = infer::possible_rows(model, &forest, selections)
        .into_iter()
        .zip(&model.tables)
        .map(|(rows, table)| rows.filter(|rows| rows.len() < table.rows))
        .collect();
    Evaluation {
        alive,
        forest,
        selections: selections.clone(),
        gathered: Mutex::default(),
        summed: Mutex::default(),
    }
}

/// The state of every value of every field.
pub fn states(model: &DataModel, selections: &Selections) -> Vec<Vec<State>> {
    let evaluation = evaluate(model, selections);
    (0..model.fields.len())
        .map(|f| evaluation.possible(model, f))
        .enumerate()
        .map(|(f, possible)| {
            let selected = selections.fields.get(&f);
            possible
                .iter()
                .enumerate()
                .map(|(code, &p)| {
                    match (
                        selected.is_some_and(|s| s.binary_search(&(code as u32)).is_ok()),
                        p,
                    ) {
                        (true, _) => State::Selected,
                        (false, true) if selected.is_none() => State::Possible,
                        _ => State::Excluded,
                    }
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::State::*;
    use super::*;

    const ORDERS: &[u8] =
        b"OrderId,CustomerId,Product\n1,10,Bike\n2,10,Helmet\n3,20,Bike\n4,30,Lamp\n";
    const CUSTOMERS: &[u8] = b"CustomerId,Region\n10,North\n20,South\n30,North\n40,East\n";

    fn model() -> DataModel {
        DataModel::from_csv(&[("orders", ORDERS), ("customers", CUSTOMERS)]).unwrap()
    }

    fn state_of(model: &DataModel, states: &[Vec<State>], field: &str, value: &str) -> State {
        let f = model.field(field).unwrap();
        states[f][model.code_of(f, value).unwrap() as usize]
    }

    #[test]
    fn selecting_a_region_follows_customers_into_their_orders() {
        let model = model();
        let mut selections = Selections::default();
        let region = model.field("Region").unwrap();
        selections.select(region, vec![model.code_of(region, "North").unwrap()]);
        let states = states(&model, &selections);
        assert_eq!(state_of(&model, &states, "Region", "North"), Selected);
        assert_eq!(state_of(&model, &states, "Region", "South"), Excluded);
        assert_eq!(
            state_of(&model, &states, "Product", "Lamp"),
            Possible,
            "customer 30 is in the North"
        );
        assert_eq!(state_of(&model, &states, "Product", "Helmet"), Possible);
        assert_eq!(state_of(&model, &states, "CustomerId", "20"), Excluded);
        assert_eq!(state_of(&model, &states, "OrderId", "3"), Excluded);
    }

    #[test]
    fn selections_in_two_fields_narrow_each_other_across_tables() {
        let model = model();
        let mut selections = Selections::default();
        let product = model.field("Product").unwrap();
        selections.select(product, vec![model.code_of(product, "Bike").unwrap()]);
        let states = states(&model, &selections);
        assert_eq!(
            state_of(&model, &states, "Region", "South"),
            Possible,
            "customer 20 bought a bike"
        );
        assert_eq!(
            state_of(&model, &states, "Region", "East"),
            Excluded,
            "customer 40 bought nothing"
        );
        let region = model.field("Region").unwrap();
        selections.toggle(region, model.code_of(region, "South").unwrap());
        let states = super::states(&model, &selections);
        assert_eq!(state_of(&model, &states, "OrderId", "3"), Possible);
        assert_eq!(state_of(&model, &states, "OrderId", "1"), Excluded);
        selections.toggle(region, model.code_of(region, "South").unwrap());
        selections.clear(product);
        assert!(
            super::states(&model, &selections)
                .iter()
                .flatten()
                .all(|s| *s == Possible),
            "cleared: everything possible again"
        );
    }
}
