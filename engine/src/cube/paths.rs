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

impl Path<'_> {
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
