//! Loading CSV files into a model in one pass: each cell is looked up in its field's dictionary
//! as it streams by and becomes a code; only each distinct value is typed and parsed, once, at
//! the end. Typing the distinct values types every cell (a column's cells are its values), so
//! nothing is guessed from a sample and nothing is parsed twice.
//!
//! Integers written plainly (the commonest keys) skip the text dictionary: they are parsed on
//! the spot and found by value, in a direct table when they are small and dense (row numbers,
//! customer numbers) and in a hash table otherwise. Text is found by its bytes in a table
//! hashed with foldhash: a plain multiply hash sends sequential keys into clusters.

use std::collections::HashMap;
use std::hash::BuildHasher;

use foldhash::fast::FixedState;
use hashbrown::HashTable;

use crate::codes::Codes;
use crate::csv::{Cells, CsvError, Records};
use crate::model::{Column, DataModel, Field, LoadError, Table, NULL};
use crate::types::{value_of, FieldType, TypeGuess, Value};
use crate::values::Values;

/// A direct table covers integers from 0 up to at least this, or four times the distinct
/// integers seen so far: row numbers and customer numbers stay out of the hash table.
const DENSE_FLOOR: i64 = 1 << 20;

/// A field's distinct values while loading, each with its code (the order first seen).
struct Dictionary {
    /// While every cell has been a plainly written integer.
    ints: Option<Ints>,
    texts: Texts,
    guess: TypeGuess,
}

#[derive(Default)]
struct Ints {
    /// Code by value, for values below its length (`NULL`: not seen).
    dense: Vec<u32>,
    sparse: HashMap<i64, u32, FixedState>,
    values: Vec<i64>,
}

#[derive(Default)]
struct Texts {
    bytes: Vec<u8>,
    /// Where each code's text ends in `bytes`.
    ends: Vec<usize>,
    /// Codes of texts of at most 16 bytes (nearly every cell: names, dates, amounts), found by
    /// the text itself packed into two words, which the lookup compares without reading `bytes`.
    short: HashTable<Short>,
    /// Codes of longer texts, found by their text's hash.
    table: HashTable<(u64, u32)>,
    hasher: FixedState,
}

/// A short text's words and length, and its code.
#[derive(Clone, Copy)]
struct Short {
    words: [u64; 2],
    len: u32,
    code: u32,
}

/// A text of at most 16 bytes as two words: its first and last eight bytes (four, or single
/// bytes, when shorter), overlapping below 16 bytes. With the length they tell every text apart:
/// together the parts cover every byte.
#[inline]
fn short_words(text: &[u8]) -> Option<[u64; 2]> {
    let n = text.len();
    let word = |at: usize| u64::from_le_bytes(text[at..at + 8].try_into().expect("8 bytes"));
    let half = |at: usize| {
        u64::from(u32::from_le_bytes(
            text[at..at + 4].try_into().expect("4 bytes"),
        ))
    };
    match n {
        0 => Some([0, 0]),
        1..=3 => Some([
            u64::from(text[0]) | u64::from(text[n / 2]) << 8 | u64::from(text[n - 1]) << 16,
            0,
        ]),
        4..=7 => Some([half(0) | half(n - 4) << 32, 0]),
        8..=16 => Some([word(0), word(n - 8)]),
        _ => None,
    }
}

/// The text of `code` in a dictionary's bytes.
fn text_at<'a>(bytes: &'a [u8], ends: &[usize], code: u32) -> &'a [u8] {
    let code = code as usize;
    let start = if code == 0 { 0 } else { ends[code - 1] };
    &bytes[start..ends[code]]
}

impl Texts {
    fn text(&self, code: u32) -> &[u8] {
        text_at(&self.bytes, &self.ends, code)
    }

    /// The code of a text, and whether it is new.
    #[inline]
    fn code(&mut self, text: &[u8]) -> (u32, bool) {
        if let Some(words) = short_words(text) {
            let len = text.len() as u32;
            let hash = self.hasher.hash_one((words, len));
            let same = |s: &Short| s.words == words && s.len == len;
            if let Some(found) = self.short.find(hash, same) {
                return (found.code, false);
            }
            let code = self.push(text);
            let hasher = self.hasher;
            self.short
                .insert_unique(hash, Short { words, len, code }, |s| {
                    hasher.hash_one((s.words, s.len))
                });
            return (code, true);
        }
        let hash = self.hasher.hash_one(text);
        let Texts {
            bytes, ends, table, ..
        } = self;
        if let Some(&(_, code)) = table.find(hash, |&(h, code)| {
            h == hash && text_at(bytes, ends, code) == text
        }) {
            return (code, false);
        }
        let code = self.push(text);
        self.table.insert_unique(hash, (hash, code), |&(h, _)| h);
        (code, true)
    }

    /// Keeps a new text; its code.
    fn push(&mut self, text: &[u8]) -> u32 {
        let code = self.ends.len() as u32;
        self.bytes.extend_from_slice(text);
        self.ends.push(self.bytes.len());
        code
    }

    fn len(&self) -> usize {
        self.ends.len()
    }
}

/// A plainly written integer: digits, an optional minus, no leading zero ("007" is a code, not
/// seven), short enough never to overflow. Anything else goes to the text dictionary.
#[inline]
fn plain_integer(text: &[u8]) -> Option<i64> {
    let (negative, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    if digits.is_empty()
        || digits.len() > 18
        || (digits[0] == b'0' && (digits.len() > 1 || negative))
    {
        return None;
    }
    let mut n: i64 = 0;
    for &b in digits {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        n = n * 10 + i64::from(d);
    }
    Some(if negative { -n } else { n })
}

impl Dictionary {
    fn new() -> Self {
        Dictionary {
            ints: Some(Ints::default()),
            texts: Texts::default(),
            guess: TypeGuess::default(),
        }
    }

    /// The code of a cell's text (UTF-8, checked by the reader).
    #[inline]
    fn code(&mut self, text: &[u8]) -> u32 {
        if let Some(ints) = &mut self.ints {
            if let Some(n) = plain_integer(text) {
                return ints.code(n);
            }
            self.switch_to_texts();
        }
        let (code, new) = self.texts.code(text);
        if new {
            self.guess
                .observe(std::str::from_utf8(text).expect("cells are UTF-8"));
        }
        code
    }

    /// The first cell that is not a plain integer: the integers so far become texts, written as
    /// they were (a plain integer has one way of being written), under the same codes.
    fn switch_to_texts(&mut self) {
        let Some(ints) = self.ints.take() else {
            return;
        };
        for n in ints.values {
            let text = n.to_string();
            self.texts.code(text.as_bytes());
            self.guess.observe(&text);
        }
    }

    /// The field's type and values, sorted, with each old code's new one (`None`: unchanged).
    fn finish(self) -> (FieldType, Values, Option<Vec<u32>>) {
        if let Some(mut ints) = self.ints {
            ints.values.shrink_to_fit();
            let mut order: Vec<u32> = (0..ints.values.len() as u32).collect();
            if ints.values.is_sorted() {
                return (FieldType::Integer, Values::Int(ints.values), None);
            }
            order.sort_unstable_by_key(|&c| ints.values[c as usize]);
            let map = inverse(&order);
            let values = order.iter().map(|&c| ints.values[c as usize]).collect();
            return (FieldType::Integer, Values::Int(values), Some(map));
        }
        let field_type = self.guess.field_type();
        let texts = &self.texts;
        let text = |c: u32| std::str::from_utf8(texts.text(c)).expect("cells are UTF-8");
        if field_type == FieldType::Text {
            let mut order: Vec<u32> = (0..texts.len() as u32).collect();
            order.sort_unstable_by(|a, b| texts.text(*a).cmp(texts.text(*b)));
            let values = order.iter().map(|&c| text(c).into()).collect();
            return (field_type, Values::Text(values), Some(inverse(&order)));
        }
        // Typed: texts that are one value ("2.5" and "2.50") become one code.
        let parsed: Vec<Value> = (0..texts.len() as u32)
            .map(|c| value_of(text(c), field_type))
            .collect();
        let mut order: Vec<u32> = (0..parsed.len() as u32).collect();
        order.sort_unstable_by(|a, b| parsed[*a as usize].cmp_total(&parsed[*b as usize]));
        let mut map = vec![0u32; parsed.len()];
        let mut distinct: Vec<Value> = Vec::with_capacity(parsed.len());
        for &old in &order {
            let value = &parsed[old as usize];
            if distinct
                .last()
                .is_none_or(|last| last.cmp_total(value).is_ne())
            {
                distinct.push(value.clone());
            }
            map[old as usize] = distinct.len() as u32 - 1;
        }
        (
            field_type,
            Values::from_sorted(field_type, distinct),
            Some(map),
        )
    }
}

impl Ints {
    #[inline]
    fn code(&mut self, n: i64) -> u32 {
        let next = self.values.len() as u32;
        if n >= 0 {
            let limit = DENSE_FLOOR.max(4 * i64::from(next));
            if n < self.dense.len() as i64 || n < limit {
                let slot = n as usize;
                if slot >= self.dense.len() {
                    let grown = (slot + 1).next_power_of_two().min(limit as usize + 1);
                    self.dense.resize(grown.max(slot + 1), NULL);
                }
                if self.dense[slot] == NULL {
                    // Seen before the direct table reached it: keep its code.
                    self.dense[slot] = match self.sparse.get(&n) {
                        Some(&code) => code,
                        None => {
                            self.values.push(n);
                            next
                        }
                    };
                }
                return self.dense[slot];
            }
        }
        let values = &mut self.values;
        *self.sparse.entry(n).or_insert_with(|| {
            values.push(n);
            next
        })
    }
}

/// Old code by new code, turned into new code by old code.
fn inverse(order: &[u32]) -> Vec<u32> {
    let mut map = vec![0u32; order.len()];
    for (new, &old) in order.iter().enumerate() {
        map[old as usize] = new as u32;
    }
    map
}

fn failed(file: &str, error: CsvError) -> LoadError {
    LoadError {
        file: file.to_string(),
        error,
    }
}

/// Reads a file's rows and encodes each column with its field's dictionary: the rows and each
/// column's codes, in column order.
///
/// A large file on more than one thread: each thread reads every row (reading is the smaller
/// part of loading) and encodes its share of the columns with their fields' dictionaries. A file
/// names each field once (`Records::open` refuses a name twice), so no dictionary is in two
/// shares and none is merged.
fn encode(
    records: Records,
    column_fields: &[usize],
    dictionaries: &mut [Dictionary],
    bytes: usize,
) -> Result<(usize, Vec<(usize, Codes)>), CsvError> {
    // A guess at the rows from the bytes, for the parts and for the codes' first capacity.
    let guess = bytes / 64;
    let parts = crate::parallel::parts_for(guess)
        .min(column_fields.len())
        .max(1);
    let mut by_field: Vec<Option<&mut Dictionary>> = dictionaries.iter_mut().map(Some).collect();
    let mut shares: Vec<Vec<(usize, &mut Dictionary)>> = (0..parts).map(|_| Vec::new()).collect();
    for (c, &field) in column_fields.iter().enumerate() {
        let dictionary = by_field[field]
            .take()
            .expect("a file names each field once");
        shares[c % parts].push((c, dictionary));
    }
    let encoded = crate::parallel::run_each(shares, |mut share| {
        let mut codes: Vec<Codes> = share
            .iter()
            .map(|_| Codes::U8(Vec::with_capacity(guess)))
            .collect();
        let (mut records, mut cells, mut rows) = (records.clone(), Cells::default(), 0);
        while records.next_into(&mut cells)? {
            for ((c, dictionary), codes) in share.iter_mut().zip(&mut codes) {
                codes.push(match cells.get(*c) {
                    None => NULL,
                    Some(text) => dictionary.code(text),
                });
            }
            rows += 1;
        }
        let columns: Vec<usize> = share.iter().map(|(c, _)| *c).collect();
        Ok::<_, CsvError>((rows, columns.into_iter().zip(codes).collect::<Vec<_>>()))
    });
    let mut rows = 0;
    let mut columns = Vec::with_capacity(column_fields.len());
    for part in encoded {
        let (part_rows, part_columns) = part?;
        rows = part_rows;
        columns.extend(part_columns);
    }
    columns.sort_unstable_by_key(|(c, _)| *c);
    Ok((
        rows,
        columns
            .into_iter()
            .map(|(c, codes)| (column_fields[c], codes))
            .collect(),
    ))
}

/// Loads tables from CSV files, named by `(table name, bytes)`. Columns of the same name (any
/// case) in several tables are one field: that is what associates the tables.
pub fn from_csv(files: &[(&str, &[u8])]) -> Result<DataModel, LoadError> {
    let mut names: Vec<String> = Vec::new();
    let mut dictionaries: Vec<Dictionary> = Vec::new();
    let mut tables: Vec<(String, usize, Vec<(usize, Codes)>)> = Vec::with_capacity(files.len());
    for (name, bytes) in files {
        let records = Records::open(bytes).map_err(|error| failed(name, error))?;
        let column_fields: Vec<usize> = records
            .headers
            .iter()
            .map(
                |header| match names.iter().position(|n| n.eq_ignore_ascii_case(header)) {
                    Some(f) => f,
                    None => {
                        names.push(header.clone());
                        dictionaries.push(Dictionary::new());
                        names.len() - 1
                    }
                },
            )
            .collect();
        let (rows, columns) = encode(records, &column_fields, &mut dictionaries, bytes.len())
            .map_err(|error| failed(name, error))?;
        tables.push((name.to_string(), rows, columns));
    }
    let mut fields = Vec::with_capacity(names.len());
    let mut maps = Vec::with_capacity(names.len());
    for (name, dictionary) in names.into_iter().zip(dictionaries) {
        let (field_type, values, map) = dictionary.finish();
        fields.push(Field {
            name,
            field_type,
            values,
        });
        maps.push(map);
    }
    let tables = tables
        .into_iter()
        .map(|(name, rows, columns)| Table {
            name,
            rows,
            columns: columns
                .into_iter()
                .map(|(field, mut codes)| {
                    if let Some(map) = &maps[field] {
                        codes.renumber(map);
                    }
                    codes.shrink_to_fit();
                    Column::new(field, codes)
                })
                .collect(),
        })
        .collect();
    Ok(DataModel { fields, tables })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_integers_are_read_on_the_spot_and_the_rest_is_text() {
        for (text, expected) in [
            ("0", Some(0)),
            ("42", Some(42)),
            ("-7", Some(-7)),
            ("007", None),
            ("-0", None),
            ("+5", None),
            ("1.5", None),
            ("", None),
            ("-", None),
            ("1234567890123456789", None),
        ] {
            assert_eq!(plain_integer(text.as_bytes()), expected, "{text:?}");
        }
    }

    #[test]
    fn texts_of_every_length_that_differ_in_one_byte_get_their_own_codes() {
        let mut texts = Texts::default();
        let mut written = Vec::new();
        for len in 0..=20usize {
            let base: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
            written.push(base.clone());
            for at in 0..len {
                let mut changed = base.clone();
                changed[at] = b'#';
                written.push(changed);
            }
        }
        let codes: Vec<u32> = written.iter().map(|t| texts.code(t).0).collect();
        let distinct: std::collections::HashSet<u32> = codes.iter().copied().collect();
        assert_eq!(distinct.len(), written.len(), "one code per text");
        for (text, code) in written.iter().zip(&codes) {
            assert_eq!(texts.code(text), (*code, false), "{text:?} found again");
            assert_eq!(texts.text(*code), text.as_slice());
        }
    }

    #[test]
    fn a_field_that_turns_out_textual_keeps_every_value_as_written() {
        let model = from_csv(&[("t", b"Code\n12\n5\n007\n12\nA1\n")]).unwrap();
        assert_eq!(model.fields[0].field_type, FieldType::Text);
        assert_eq!(
            model.fields[0].values.to_vec(),
            ["007", "12", "5", "A1"]
                .map(|t| Value::Text(t.into()))
                .to_vec()
        );
        assert_eq!(
            model.tables[0].columns[0].codes.to_vec(),
            vec![1, 2, 0, 1, 3]
        );
    }

    #[test]
    fn texts_that_are_one_value_share_a_code() {
        let model = from_csv(&[(
            "t",
            b"Amount,At\n2.5,2026-01-02\n2.50,2026-01-02 00:00:00\n+3,2026-01-03 10:00:00\n3,\n",
        )])
        .unwrap();
        assert_eq!(model.fields[0].values, Values::Num(vec![2.5, 3.0]));
        assert_eq!(model.tables[0].columns[0].codes.to_vec(), vec![0, 0, 1, 1]);
        assert_eq!(model.fields[1].field_type, FieldType::Timestamp);
        assert_eq!(model.fields[1].values.len(), 2);
        assert_eq!(
            model.tables[0].columns[1].codes.to_vec(),
            vec![0, 0, 1, NULL]
        );
    }

    #[test]
    fn columns_of_one_field_in_two_tables_share_a_type() {
        let model = from_csv(&[
            ("a", b"Id,Day,Code\n1,2026-01-02,7\n".as_slice()),
            ("b", b"id,day,code\n2.5,2026-01-02 10:00:00,X\n".as_slice()),
        ])
        .unwrap();
        let types: Vec<FieldType> = model.fields.iter().map(|f| f.field_type).collect();
        assert_eq!(
            types,
            vec![FieldType::Decimal, FieldType::Timestamp, FieldType::Text]
        );
        assert_eq!(
            model.fields[2].values.to_vec(),
            vec![Value::Text("7".into()), Value::Text("X".into())]
        );
    }

    #[test]
    fn integers_far_apart_and_dense_ones_load_alike() {
        let mut csv = String::from("Id\n");
        for n in [5_000_000_000i64, -3, 2, 1 << 40, 2, 7] {
            csv.push_str(&format!("{n}\n"));
        }
        let model = from_csv(&[("t", csv.as_bytes())]).unwrap();
        assert_eq!(
            model.fields[0].values,
            Values::Int(vec![-3, 2, 7, 5_000_000_000, 1 << 40])
        );
        assert_eq!(
            model.tables[0].columns[0].codes.to_vec(),
            vec![3, 0, 1, 4, 1, 2]
        );
    }
}
