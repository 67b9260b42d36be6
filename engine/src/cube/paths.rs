//! How a cube reaches its fields from the table its measures are counted in: in that table, or
//! through key fields across as many tables as it takes.

use std::sync::{Arc, OnceLock};

use super::CubeRequest;
use crate::codes::Codes;
use crate::model::{DataModel, NULL};
use crate::selection::{Chunk, Evaluation};

/// How a row of the base table reaches a field's value: in the same table, or through key
/// fields across as many tables as it takes (orders to customers to regions; a snowflake),
/// folded into one table from the base table's key code to the value's code.
pub(super) enum Path<'a> {
    Own(Column<'a>),
    Lookup { keys: Column<'a>, by_key: Vec<u32> },
}

/// A column of the base table, and its codes at the surviving rows, gathered when first read.
pub(super) struct Column<'a> {
    codes: &'a Codes,
    pub(super) nulls: usize,
    model: &'a DataModel,
    evaluation: &'a Evaluation,
    table: usize,
    field: usize,
    gathered: OnceLock<Option<Arc<Codes>>>,
}

impl Column<'_> {
    /// The codes of a chunk of rows, widened, into `out`: from the copy gathered for the whole
    /// sheet when the chunk is of surviving rows.
    #[inline]
    fn gather(&self, chunk: Chunk, out: &mut Vec<u32>) {
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
    /// The codes of a chunk of rows, widened, read into `out`.
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

/// The table the measures are counted in: the one holding the first measure's field, else the
/// first dimension's.
pub(super) fn base_table(model: &DataModel, request: &CubeRequest) -> Option<usize> {
    let field = request
        .measures
        .first()
        .map(|m| m.field)
        .or_else(|| request.dimensions.first().copied())?;
    model
        .tables
        .iter()
        .position(|t| t.columns.iter().any(|c| c.field == field))
}

fn column(model: &DataModel, table: usize, field: usize) -> Option<&crate::model::Column> {
    model.tables[table]
        .columns
        .iter()
        .find(|c| c.field == field)
}

/// The shortest chain of associations from the base table to a table holding `field`: the
/// tables on the way and the key field each step crosses, from the base outwards.
fn chain(model: &DataModel, base: usize, field: usize) -> Option<Vec<(usize, usize)>> {
    let mut came_from: Vec<Option<(usize, usize)>> = vec![None; model.tables.len()];
    let mut seen = vec![false; model.tables.len()];
    seen[base] = true;
    let mut queue = std::collections::VecDeque::from([base]);
    while let Some(t) = queue.pop_front() {
        if t != base && column(model, t, field).is_some() {
            let mut steps = vec![(t, came_from[t]?.1)];
            let mut at = came_from[t]?.0;
            while at != base {
                let (previous, key) = came_from[at]?;
                steps.push((at, key));
                at = previous;
            }
            steps.reverse();
            return Some(steps);
        }
        for key in &model.tables[t].columns {
            for (next, other) in model.tables.iter().enumerate() {
                if !seen[next] && other.columns.iter().any(|c| c.field == key.field) {
                    seen[next] = true;
                    came_from[next] = Some((t, key.field));
                    queue.push_back(next);
                }
            }
        }
    }
    None
}

pub(super) fn path_to<'a>(
    model: &'a DataModel,
    evaluation: &'a Evaluation,
    base: usize,
    field: usize,
) -> Option<Path<'a>> {
    let own = |field: usize| {
        let own = column(model, base, field)?;
        Some(Column {
            codes: &own.codes,
            nulls: own.nulls,
            model,
            evaluation,
            table: base,
            field,
            gathered: OnceLock::new(),
        })
    };
    if let Some(own) = own(field) {
        return Some(Path::Own(own));
    }
    let steps = chain(model, base, field)?;
    // From the far end back: each table's surviving rows map the key it was reached by to the
    // value, through what the step beyond it mapped.
    let mut by_key: Option<Vec<u32>> = None;
    let mut gathered = Vec::new();
    let mut further = Vec::new();
    for (i, &(t, key)) in steps.iter().enumerate().rev() {
        let keys = &column(model, t, key)?.codes;
        let (source, through) = match steps.get(i + 1) {
            None => (&column(model, t, field)?.codes, None),
            Some(&(_, next_key)) => (&column(model, t, next_key)?.codes, by_key.as_deref()),
        };
        let mut map = vec![NULL; model.fields[key].values.len()];
        evaluation.for_each_chunk(model, t, |chunk| {
            chunk.gather(keys, &mut gathered);
            chunk.gather(source, &mut further);
            for (&k, &v) in gathered.iter().zip(&further) {
                let v = match through {
                    Some(map) if v != NULL => map[v as usize],
                    _ => v,
                };
                if k != NULL && map[k as usize] == NULL {
                    map[k as usize] = v;
                }
            }
        });
        by_key = Some(map);
    }
    Some(Path::Lookup {
        keys: own(steps[0].1)?,
        by_key: by_key?,
    })
}
