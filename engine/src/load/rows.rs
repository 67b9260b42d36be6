//! Encoding rows read elsewhere (`Source::Rows`): one pass over the batches as they arrive, each
//! kept column's cells coded with its field's dictionary, on one thread (whoever reads the rows,
//! a database's driver or a workbook's reader, works beside it).

use crate::codes::Codes;
use crate::csv::CsvError;
use crate::model::NULL;
use crate::source::{Batch, RowSource};

use super::dictionary::Dictionary;

fn failed(rows: usize, message: String) -> CsvError {
    CsvError {
        line: 0,
        column: None,
        message: if rows == 0 {
            message
        } else {
            format!("after {rows} rows: {message}")
        },
    }
}

/// The column names of the source, checked as a file's header is.
pub(super) fn headers(source: &mut dyn RowSource) -> Result<Vec<String>, CsvError> {
    let names = source.headers().map_err(|m| failed(0, m))?;
    if names.is_empty() {
        return Err(failed(0, "The source has no columns.".into()));
    }
    crate::csv::check_headers(names.into_iter().map(Some).collect()).map_err(|e| CsvError {
        line: 0,
        column: e.column,
        message: format!(
            "column {}: {}",
            e.column.unwrap_or(0),
            e.message.trim_end_matches('.')
        ) + ": give the columns different names (in a query, with AS).",
    })
}

/// Reads every batch of `source` (of `width` cells a row) and codes each kept column
/// (`(cell position, field)`): the rows and each column's codes, in the order given.
pub(super) fn encode(
    mut source: Box<dyn RowSource + '_>,
    width: usize,
    columns: &[(usize, usize)],
    dictionaries: &mut [Dictionary],
) -> Result<(usize, Vec<(usize, Codes)>), CsvError> {
    let mut codes: Vec<Codes> = columns.iter().map(|_| Codes::U8(Vec::new())).collect();
    let mut batch = Batch::new(width);
    let mut rows = 0;
    loop {
        let more = source.next_batch(&mut batch).map_err(|m| failed(rows, m))?;
        if !more {
            break;
        }
        // One thread: the reading of the rows (the database's driver) has the other core.
        for (&(cell, field), column) in columns.iter().zip(codes.iter_mut()) {
            let dictionary = &mut dictionaries[field];
            for row in 0..batch.rows() {
                column.push(match batch.get(row, cell) {
                    None => NULL,
                    Some(text) => dictionary.code(text),
                });
            }
        }
        rows += batch.rows();
    }
    if rows == 0 {
        return Err(failed(
            0,
            "It gave no rows: each table needs at least one. Check the query's conditions, or take the table out of the model.".into(),
        ));
    }
    Ok((
        rows,
        columns.iter().map(|&(_, field)| field).zip(codes).collect(),
    ))
}
