//! Selection state: the values selected in each field, and what follows for every value of
//! every field (selected, possible or excluded) through the associations between tables.

use std::collections::BTreeMap;

use crate::model::{DataModel, NULL};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    Selected,
    Possible,
    Excluded,
}

/// The values selected per field (by code). A field without an entry is not filtered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selections {
    pub fields: BTreeMap<usize, Vec<u32>>,
}

impl Selections {
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

/// The rows of each table that survive the selections, and the values of each field that are
/// still possible, found by narrowing both until nothing changes: a table's surviving rows
/// limit the values of its fields, which limit the rows of every other table with those fields.
pub struct Evaluation {
    /// Per table, per row: does the row survive?
    pub rows: Vec<Vec<bool>>,
    /// Per field, per value: is it still possible?
    pub possible: Vec<Vec<bool>>,
}

pub fn evaluate(model: &DataModel, selections: &Selections) -> Evaluation {
    let mut possible: Vec<Vec<bool>> = model
        .fields
        .iter()
        .enumerate()
        .map(|(f, field)| match selections.fields.get(&f) {
            Some(codes) => {
                let mut allowed = vec![false; field.values.len()];
                for &c in codes {
                    if let Some(slot) = allowed.get_mut(c as usize) {
                        *slot = true;
                    }
                }
                allowed
            }
            None => vec![true; field.values.len()],
        })
        .collect();
    // Only what a selection reaches is narrowed: with nothing selected, every value is
    // possible, even one that no row of another table matches.
    let mut constrained: Vec<bool> = (0..model.fields.len()).map(|f| selections.fields.contains_key(&f)).collect();
    let mut rows: Vec<Vec<bool>> = model.tables.iter().map(|t| vec![true; t.rows]).collect();
    // A table is rerun only when another table has narrowed one of its fields: what it
    // narrows itself follows from its own rows and changes nothing there.
    let mut stale: Vec<bool> = model.tables.iter().map(|t| t.columns.iter().any(|c| constrained[c.field])).collect();
    while let Some(t) = stale.iter().position(|s| *s) {
        stale[t] = false;
        let table = &model.tables[t];
        let filters: Vec<&crate::model::Column> = table.columns.iter().filter(|c| constrained[c.field]).collect();
        for (r, alive) in rows[t].iter_mut().enumerate() {
            if *alive {
                *alive = filters.iter().all(|c| {
                    let code = c.codes[r];
                    code != NULL && possible[c.field][code as usize]
                });
            }
        }
        for column in &table.columns {
            let mut present = vec![false; possible[column.field].len()];
            for (&code, &alive) in column.codes.iter().zip(&rows[t]) {
                if alive && code != NULL {
                    present[code as usize] = true;
                }
            }
            let mut narrowed = !constrained[column.field];
            constrained[column.field] = true;
            for (slot, here) in possible[column.field].iter_mut().zip(present) {
                if *slot && !here {
                    *slot = false;
                    narrowed = true;
                }
            }
            if narrowed {
                for (other, o) in model.tables.iter().enumerate() {
                    if other != t && o.columns.iter().any(|c| c.field == column.field) {
                        stale[other] = true;
                    }
                }
            }
        }
    }
    Evaluation { rows, possible }
}

/// The state of every value of every field.
pub fn states(model: &DataModel, selections: &Selections) -> Vec<Vec<State>> {
    let evaluation = evaluate(model, selections);
    evaluation
        .possible
        .iter()
        .enumerate()
        .map(|(f, possible)| {
            let selected = selections.fields.get(&f);
            possible
                .iter()
                .enumerate()
                .map(|(code, &p)| match (selected.is_some_and(|s| s.binary_search(&(code as u32)).is_ok()), p) {
                    (true, _) => State::Selected,
                    (false, true) if selected.is_none() => State::Possible,
                    _ => State::Excluded,
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::State::*;
    use super::*;

    const ORDERS: &[u8] = b"OrderId,CustomerId,Product\n1,10,Bike\n2,10,Helmet\n3,20,Bike\n4,30,Lamp\n";
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
        assert_eq!(state_of(&model, &states, "Product", "Lamp"), Possible, "customer 30 is in the North");
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
        assert_eq!(state_of(&model, &states, "Region", "South"), Possible, "customer 20 bought a bike");
        assert_eq!(state_of(&model, &states, "Region", "East"), Excluded, "customer 40 bought nothing");
        let region = model.field("Region").unwrap();
        selections.toggle(region, model.code_of(region, "South").unwrap());
        let states = super::states(&model, &selections);
        assert_eq!(state_of(&model, &states, "OrderId", "3"), Possible);
        assert_eq!(state_of(&model, &states, "OrderId", "1"), Excluded);
        selections.toggle(region, model.code_of(region, "South").unwrap());
        selections.clear(product);
        assert!(super::states(&model, &selections).iter().flatten().all(|s| *s == Possible), "cleared: everything possible again");
    }
}
