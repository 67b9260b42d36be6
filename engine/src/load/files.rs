//! Encoding a CSV file's rows (`Source::Csv`): a large file on more than one thread, each
//! reading every row and coding its share of the columns.

use crate::codes::Codes;
use crate::csv::{Cells, CsvError, Records};
use crate::model::NULL;

use super::dictionary::Dictionary;

/// Reads a file's rows and encodes each kept column (`(header position, field)`) with its
/// field's dictionary: the rows and each column's codes, in the order given.
///
/// A large file on more than one thread: each thread reads every row (reading is the smaller
/// part of loading) and encodes its share of the columns with their fields' dictionaries. A table
/// names each field once (`run` refuses a name twice), so no dictionary is in two shares and
/// none is merged.
pub(super) fn encode(
    records: Records,
    columns: &[(usize, usize)],
    dictionaries: &mut [Dictionary],
    bytes: usize,
) -> Result<(usize, Vec<(usize, Codes)>), CsvError> {
    // A guess at the rows from the bytes, for the parts and for the codes' first capacity.
    let guess = bytes / 64;
    let parts = crate::parallel::parts_for(guess).min(columns.len()).max(1);
    let mut by_field: Vec<Option<&mut Dictionary>> = dictionaries.iter_mut().map(Some).collect();
    let mut shares: Vec<Vec<(usize, usize, &mut Dictionary)>> =
        (0..parts).map(|_| Vec::new()).collect();
    for (at, &(header, field)) in columns.iter().enumerate() {
        let dictionary = by_field[field]
            .take()
            .expect("a table names each field once");
        shares[at % parts].push((at, header, dictionary));
    }
    let encoded = crate::parallel::run_each(shares, |mut share| {
        let mut codes: Vec<Codes> = share
            .iter()
            .map(|_| Codes::U8(Vec::with_capacity(guess)))
            .collect();
        let (mut records, mut cells, mut rows) = (records.clone(), Cells::default(), 0);
        while records.next_into(&mut cells)? {
            for ((_, header, dictionary), codes) in share.iter_mut().zip(&mut codes) {
                codes.push(match cells.get(*header) {
                    None => NULL,
                    Some(text) => dictionary.code(text),
                });
            }
            rows += 1;
        }
        let order: Vec<usize> = share.iter().map(|(at, _, _)| *at).collect();
        Ok::<_, CsvError>((rows, order.into_iter().zip(codes).collect::<Vec<_>>()))
    });
    let mut rows = 0;
    let mut encoded_columns = Vec::with_capacity(columns.len());
    for part in encoded {
        let (part_rows, part_columns) = part?;
        rows = part_rows;
        encoded_columns.extend(part_columns);
    }
    encoded_columns.sort_unstable_by_key(|(at, _)| *at);
    Ok((
        rows,
        encoded_columns
            .into_iter()
            .map(|(at, codes)| (columns[at].1, codes))
            .collect(),
    ))
}
