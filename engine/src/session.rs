//! One viewer's selection state over an app's data model: select, toggle, select by search,
//! clear a field, clear all, back and forward. It holds codes, not the model: the model can be
//! evicted and loaded again (codes come out the same) while the viewer's state stays.

use crate::model::DataModel;
use crate::selection::{evaluate, Evaluation, Selections};

/// The most steps back a viewer can take.
pub const HISTORY: usize = 100;
/// The most bytes the steps back and forward may hold together: a viewer who selects thousands
/// of values at each step keeps fewer steps, never more memory.
pub const HISTORY_BYTES: usize = 1 << 20;

#[derive(Debug, Clone, Default)]
pub struct ViewerState {
    selections: Selections,
    back: Vec<Selections>,
    forward: Vec<Selections>,
}

impl ViewerState {
    pub fn new() -> Self {
        ViewerState::default()
    }

    pub fn selections(&self) -> &Selections {
        &self.selections
    }

    pub fn evaluate(&self, model: &DataModel) -> Evaluation {
        evaluate(model, &self.selections)
    }

    pub fn can_go_back(&self) -> bool {
        !self.back.is_empty()
    }

    pub fn can_go_forward(&self) -> bool {
        !self.forward.is_empty()
    }

    /// Bytes the state holds: the current selections and every step back and forward.
    pub fn heap_bytes(&self) -> usize {
        size_of::<Self>() + self.selections.heap_bytes() + self.history_bytes()
    }

    fn history_bytes(&self) -> usize {
        self.back
            .iter()
            .chain(&self.forward)
            .map(Selections::heap_bytes)
            .sum()
    }

    /// Applies a change as one step of history; a change that changes nothing is no step.
    fn change(&mut self, apply: impl FnOnce(&mut Selections)) {
        let mut next = self.selections.clone();
        apply(&mut next);
        if next != self.selections {
            self.back
                .push(std::mem::replace(&mut self.selections, next));
            self.forward.clear();
            let mut bytes = self.history_bytes();
            while !self.back.is_empty() && (self.back.len() > HISTORY || bytes > HISTORY_BYTES) {
                bytes -= self.back.remove(0).heap_bytes();
            }
        }
    }

    pub fn select(&mut self, field: usize, codes: Vec<u32>) {
        self.change(|s| s.select(field, codes));
    }

    pub fn toggle(&mut self, field: usize, code: u32) {
        self.change(|s| s.toggle(field, code));
    }

    /// Selects the values of a field whose text contains `query` (any case) and that are still
    /// possible; returns how many.
    pub fn select_by_search(&mut self, model: &DataModel, field: usize, query: &str) -> usize {
        let needle = query.trim().to_lowercase();
        let possible = self.evaluate(model).possible(model, field);
        let values = &model.fields[field].values;
        let codes: Vec<u32> = (0..values.len())
            .filter(|&code| {
                possible[code]
                    && values
                        .text(code)
                        .is_some_and(|t| t.to_lowercase().contains(&needle))
            })
            .map(|code| code as u32)
            .collect();
        let found = codes.len();
        if found > 0 {
            self.select(field, codes);
        }
        found
    }

    pub fn clear(&mut self, field: usize) {
        self.change(|s| s.clear(field));
    }

    pub fn clear_all(&mut self) {
        self.change(|s| s.fields.clear());
    }

    pub fn back(&mut self) -> bool {
        match self.back.pop() {
            Some(previous) => {
                self.forward
                    .push(std::mem::replace(&mut self.selections, previous));
                true
            }
            None => false,
        }
    }

    /// The state as bytes, to keep it where every server process can read it: per set of
    /// selections (now, then each step back, then each step forward) its field count and per
    /// field its index, code count and codes, all as little-endian u32.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.heap_bytes());
        let mut put = |n: usize| out.extend_from_slice(&(n as u32).to_le_bytes());
        put(self.back.len());
        put(self.forward.len());
        for selections in std::iter::once(&self.selections)
            .chain(&self.back)
            .chain(&self.forward)
        {
            put(selections.fields.len());
            for (field, codes) in &selections.fields {
                put(*field);
                put(codes.len());
                for code in codes {
                    put(*code as usize);
                }
            }
        }
        out
    }

    /// Whether every field and code of the state is one of `model`'s (a state read back from
    /// elsewhere is checked before it is evaluated).
    pub fn fits(&self, model: &DataModel) -> bool {
        std::iter::once(&self.selections)
            .chain(&self.back)
            .chain(&self.forward)
            .flat_map(|s| &s.fields)
            .all(|(field, codes)| {
                model.fields.get(*field).is_some_and(|f| {
                    let values = f.values.len();
                    codes.iter().all(|c| (*c as usize) < values)
                })
            })
    }

    /// The state `encode` wrote, or none when the bytes are not such a state.
    pub fn decode(bytes: &[u8]) -> Option<ViewerState> {
        let mut words = bytes
            .chunks_exact(4)
            .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]));
        if !bytes.len().is_multiple_of(4) {
            return None;
        }
        let mut next = || words.next();
        let backs = next()? as usize;
        let forwards = next()? as usize;
        // Each set takes at least one word: counts past the bytes are not a state.
        if backs.saturating_add(forwards) >= bytes.len() / 4 {
            return None;
        }
        let read = |next: &mut dyn FnMut() -> Option<u32>| -> Option<Selections> {
            let mut selections = Selections::default();
            for _ in 0..next()? {
                let field = next()? as usize;
                let count = next()? as usize;
                let codes = (0..count).map(|_| next()).collect::<Option<Vec<u32>>>()?;
                selections.fields.insert(field, codes);
            }
            Some(selections)
        };
        let selections = read(&mut next)?;
        let back = (0..backs).map(|_| read(&mut next)).collect::<Option<_>>()?;
        let forward = (0..forwards)
            .map(|_| read(&mut next))
            .collect::<Option<_>>()?;
        if next().is_some() {
            return None;
        }
        Some(ViewerState {
            selections,
            back,
            forward,
        })
    }

    /// The state on new data (the app reloaded): each selected field found by its name in `to`,
    /// each selected value by its value (or, where the field changed type, its text); values and
    /// fields that are gone are dropped, and a field left with nothing selected is cleared. The
    /// steps back and forward are of the old data's codes: they do not come along.
    pub fn carried(&self, from: &DataModel, to: &DataModel) -> ViewerState {
        let mut selections = Selections::default();
        for (&field, codes) in &self.selections.fields {
            let Some(old) = from.fields.get(field) else {
                continue;
            };
            let Some(new) = to.field(&old.name) else {
                continue;
            };
            let mut kept: Vec<u32> = codes
                .iter()
                .filter_map(|&code| {
                    let value = old.values.get(code as usize)?;
                    match to.fields[new].values.search(&value) {
                        Ok(at) => Some(at as u32),
                        Err(_) => to.code_of(new, &old.values.text(code as usize)?),
                    }
                })
                .collect();
            kept.sort_unstable();
            kept.dedup();
            if !kept.is_empty() {
                selections.fields.insert(new, kept);
            }
        }
        ViewerState {
            selections,
            back: Vec::new(),
            forward: Vec::new(),
        }
    }

    pub fn forward(&mut self) -> bool {
        match self.forward.pop() {
            Some(next) => {
                self.back
                    .push(std::mem::replace(&mut self.selections, next));
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_comes_back_whole_from_its_bytes_and_bad_bytes_are_refused() {
        let mut viewer = ViewerState::new();
        viewer.select(2, vec![5, 7, 9]);
        viewer.toggle(0, 1);
        viewer.select(2, vec![4]);
        viewer.back();
        let bytes = viewer.encode();
        let again = ViewerState::decode(&bytes).expect("its own bytes");
        assert_eq!(again.selections(), viewer.selections());
        assert_eq!(again.back, viewer.back);
        assert_eq!(again.forward, viewer.forward);
        assert_eq!(
            ViewerState::decode(&ViewerState::new().encode())
                .unwrap()
                .back
                .len(),
            0
        );
        assert!(
            ViewerState::decode(&bytes[..bytes.len() - 4]).is_none(),
            "cut short"
        );
        assert!(
            ViewerState::decode(&bytes[..bytes.len() - 1]).is_none(),
            "not words"
        );
        assert!(
            ViewerState::decode(&[0xff; 8]).is_none(),
            "counts past the bytes"
        );
        let mut longer = bytes.clone();
        longer.extend_from_slice(&[0, 0, 0, 0]);
        assert!(ViewerState::decode(&longer).is_none(), "bytes left over");
    }

    #[test]
    fn history_is_bounded_in_bytes_as_well_as_in_steps() {
        let mut viewer = ViewerState::new();
        // Each step selects 50,000 values (200 KB): a few steps fill the history's bytes.
        for step in 0..40u32 {
            viewer.select(0, (step..step + 50_000).collect());
        }
        assert!(
            viewer.history_bytes() <= HISTORY_BYTES,
            "{} bytes of history",
            viewer.history_bytes()
        );
        assert!(viewer.can_go_back(), "the latest steps are kept");
        assert!(viewer.heap_bytes() < HISTORY_BYTES + 300_000);
        for step in 0..200u32 {
            viewer.toggle(1, step);
        }
        assert!(viewer.back.len() <= HISTORY);
    }

    const SALES: &[u8] = b"Region,Product\nNorth,Bike\nSouth,Bike\nNorth Sea,Lamp\nEast,Helmet\n";

    #[test]
    fn search_selects_possible_matches_and_history_goes_back_and_forward() {
        let model = DataModel::from_csv(&[("sales", SALES)]).unwrap();
        let region = model.field("Region").unwrap();
        let product = model.field("Product").unwrap();
        let mut viewer = ViewerState::new();
        assert_eq!(viewer.select_by_search(&model, region, "NORTH"), 2);
        viewer.toggle(product, model.code_of(product, "Bike").unwrap());
        assert_eq!(viewer.selections().fields.len(), 2);
        assert_eq!(
            viewer.select_by_search(&model, product, "helmet"),
            0,
            "Helmet is not possible in the North"
        );

        assert!(viewer.back());
        assert_eq!(viewer.selections().fields.len(), 1);
        assert!(viewer.forward());
        assert_eq!(viewer.selections().fields.len(), 2);
        viewer.clear(region);
        assert_eq!(
            viewer
                .selections()
                .fields
                .keys()
                .copied()
                .collect::<Vec<_>>(),
            vec![product]
        );
        viewer.clear_all();
        viewer.clear_all();
        assert!(viewer.selections().fields.is_empty());
        assert!(
            viewer.back(),
            "clearing everything is one step, and clearing again is none"
        );
        assert_eq!(
            viewer
                .selections()
                .fields
                .keys()
                .copied()
                .collect::<Vec<_>>(),
            vec![product]
        );
        assert!(viewer.forward());
        assert!(viewer.selections().fields.is_empty());
        assert!(!viewer.forward(), "nothing further forward");
    }

    #[test]
    fn selections_carry_to_new_data_by_value_and_what_is_gone_is_dropped() {
        let old = DataModel::from_csv(&[(
            "sales",
            b"Month,Region,Year\nNov,North,2025\nDec,South,2025\nDec,East,2025\n".as_slice(),
        )])
        .unwrap();
        // A month more; East gone; Year now text (a value "FY26" arrived); a field renamed away.
        let new = DataModel::from_csv(&[(
            "sales",
            b"Year,Month,Area\nFY26,Jan,North\n2025,Nov,South\n2025,Dec,North\n".as_slice(),
        )])
        .unwrap();
        let code = |m: &DataModel, f: &str, t: &str| m.code_of(m.field(f).unwrap(), t).unwrap();
        let mut viewer = ViewerState::new();
        viewer.select(
            old.field("Month").unwrap(),
            vec![code(&old, "Month", "Dec")],
        );
        viewer.select(old.field("Year").unwrap(), vec![code(&old, "Year", "2025")]);
        viewer.select(
            old.field("Region").unwrap(),
            vec![code(&old, "Region", "East")],
        );
        let carried = viewer.carried(&old, &new);
        let mut expected = Selections::default();
        expected.fields.insert(
            new.field("Month").unwrap(),
            vec![code(&new, "Month", "Dec")],
        );
        expected
            .fields
            .insert(new.field("Year").unwrap(), vec![code(&new, "Year", "2025")]);
        assert_eq!(carried.selections(), &expected);
        assert!(
            !carried.can_go_back(),
            "no step back into the old data's codes"
        );
        assert!(carried.fits(&new));
    }
}
