//! How the fast path of a cube reads a row's dimension value: in the measure's table, or through
//! a key whose every code reaches one value (a star's or a snowflake's lookup), folded into one
//! map from the key's code to the value's code.

use std::sync::{Arc, OnceLock};

use crate::codes::Codes;
use crate::model::{DataModel, NULL};
use crate::selection::{Chunk, Evaluation};

pub(super) enum Path<'a> {
    Own(Column<'a>),
    Lookup { keys: Column<'a>, by_key: Vec<u32> },
}

/// A column of the measure's table, and its codes at the possible rows, gathered when first read.
pub(super) struct Column<'a> {
    codes: &'a Codes,
    pub(super) nulls: usize,
    model: &'a DataModel,
    evaluation: &'a Evaluation,
    table: usize,
    field: usize,
    gathered: OnceLock<Option<Arc<Codes>>>,
}

impl<'a> Column<'a> {
    pub(super) fn of(
        model: &'a DataModel,
        evaluation: &'a Evaluation,
        table: usize,
        field: usize,
    ) -> Option<Column<'a>> {
        let column = model.tables[table]
            .columns
            .iter()
            .find(|c| c.field == field)?;
        Some(Column {
            codes: &column.codes,
            nulls: column.nulls,
            model,
            evaluation,
            table,
            field,
            gathered: OnceLock::new(),
        })
    }

    /// The codes of a chunk of rows, widened, into `out`: from the copy gathered for the whole
    /// sheet when the chunk is of surviving rows.
    #[inline]
    pub(super) fn gather(&self, chunk: Chunk, out: &mut Vec<u32>) {
        let gathered = self
            .gathered
            .get_or_init(|| self.evaluation.gathered(self.model, self.table, self.field));
        match (gathered, chunk) {
            (Some(gathered), Chunk::Rows { rows, at }) => {
                gathered.gather_range(at, at + rows.len(), out)
            }
            _ => chunk.gather(self.codes, out),
        }
    }
}

impl Column<'_> {
    /// Each row's slot, read in one pass through `table` (indexed by the column's own one- or
    /// two-byte code, the empty cell's included), into `out`.
    #[inline]
    pub(super) fn slots_through(&self, chunk: Chunk, table: &[u32], out: &mut Vec<u32>) {
        let gathered = self
            .gathered
            .get_or_init(|| self.evaluation.gathered(self.model, self.table, self.field));
        out.clear();
        match (gathered, chunk) {
            (Some(gathered), Chunk::Rows { rows, at }) => crate::with_codes!(&**gathered, c => {
                out.extend(c[at..at + rows.len()].iter().map(|&x| table[x as usize]))
            }),
            (_, Chunk::Rows { rows, .. }) => crate::with_codes!(self.codes, c => {
                out.extend(rows.iter().map(|&r| table[c[r as usize] as usize]))
            }),
            (_, Chunk::Range(start, end)) => crate::with_codes!(self.codes, c => {
                out.extend(c[start..end].iter().map(|&x| table[x as usize]))
            }),
        }
    }
}

impl Path<'_> {
    /// The slot of each of the column's own codes (`missing` for the empty cell and for a key
    /// that reaches no value), when its codes take one or two bytes and the `rows` to read are
    /// more than the table's entries: a chunk's slots are then read in one pass
    /// (`Column::slots_through`).
    pub(super) fn slot_table(&self, missing: usize, rows: usize) -> Option<Vec<u32>> {
        let size = match self.column().codes.width() {
            1 => 1 << 8,
            2 => 1 << 16,
            _ => return None,
        };
        if rows < size {
            return None;
        }
        let slot = |code: u32| if code == NULL { missing as u32 } else { code };
        Some(
            (0..size)
                .map(|code| match self {
                    // The width's largest code is the empty cell.
                    _ if code == size - 1 => missing as u32,
                    Path::Own(_) => slot(code as u32),
                    Path::Lookup { by_key, .. } => slot(by_key.get(code).copied().unwrap_or(NULL)),
                })
                .collect(),
        )
    }

    /// The column each row's slot is read from.
    pub(super) fn column(&self) -> &Column<'_> {
        match self {
            Path::Own(column) | Path::Lookup { keys: column, .. } => column,
        }
    }

    /// The codes of a chunk of rows, widened, read into `out` (`NULL`: the missing value).
    #[inline]
    pub(super) fn codes<'b>(&self, chunk: Chunk, out: &'b mut Vec<u32>) -> &'b [u32] {
        match self {
            Path::Own(column) => column.gather(chunk, out),
            Path::Lookup { keys, by_key } => {
                keys.gather(chunk, out);
                for code in out.iter_mut() {
                    if *code != NULL {
                        *code = by_key[*code as usize];
                    }
                }
            }
        }
        out
    }
}
