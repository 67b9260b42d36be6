//! A field's dictionary while its tables load: each distinct text once, with a code in the
//! order first seen. Plainly written integers (the commonest keys) skip the text dictionary:
//! they are parsed on the spot and found by value, in a direct table when they are small and
//! dense (row numbers, customer numbers) and in a hash table otherwise. Text is found by its
//! bytes in a table hashed with foldhash: a plain multiply hash sends sequential keys into
//! clusters. At the end each distinct value is typed and parsed once, and sorted.

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::Arc;

use foldhash::fast::FixedState;
use hashbrown::HashTable;

use crate::model::NULL;
use crate::types::{parse_as, FieldType, TypeGuess, Value};
use crate::values::Values;

/// A direct table covers integers from 0 up to at least this, or four times the distinct
/// integers seen so far: row numbers and customer numbers stay out of the hash table.
const DENSE_FLOOR: i64 = 1 << 20;

/// A field's distinct values while loading, each with its code (the order first seen).
pub(super) struct Dictionary {
    /// While every cell has been a plainly written integer.
    ints: Option<Ints>,
    texts: Texts,
    guess: TypeGuess,
    /// Texts that are missing values (the plan's list); their codes, once seen.
    missing: Arc<[Box<[u8]>]>,
    missing_codes: Vec<u32>,
}

/// What a field's dictionary became: its type and why, its values, each load code's final code
/// (`NULL` for a missing value), and what the load found that the data-model step shows.
pub(super) struct Finished {
    pub field_type: FieldType,
    pub reason: &'static str,
    pub values: Values,
    /// New code by load code; `None`: the codes are final already.
    pub map: Option<Vec<u32>>,
    /// The missing-value texts that occurred.
    pub missing_found: Vec<String>,
    /// Distinct texts that did not fit a type the user chose, read as missing.
    pub unreadable: Vec<String>,
}

#[derive(Default)]
struct Ints {
    /// Code by value, for values below its length (`NULL`: not seen).
    dense: Vec<u32>,
    sparse: HashMap<i64, u32, FixedState>,
    values: Vec<i64>,
}

#[derive(Default)]
pub(super) struct Texts {
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
    pub(super) fn new(missing: Arc<[Box<[u8]>]>) -> Self {
        Dictionary {
            ints: Some(Ints::default()),
            texts: Texts::default(),
            guess: TypeGuess::default(),
            missing,
            missing_codes: Vec::new(),
        }
    }

    /// The code of a cell's text (UTF-8, checked by the reader). A missing-value text gets a code
    /// like any other while loading (no cell pays for a comparison) and becomes `NULL` at the end.
    #[inline]
    pub(super) fn code(&mut self, text: &[u8]) -> u32 {
        if let Some(ints) = &mut self.ints {
            if let Some(n) = plain_integer(text) {
                return ints.code(n);
            }
            self.switch_to_texts();
        }
        let (code, new) = self.texts.code(text);
        if new {
            if self.missing.iter().any(|m| **m == *text) {
                self.missing_codes.push(code);
            } else {
                self.guess
                    .observe(std::str::from_utf8(text).expect("cells are UTF-8"));
            }
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

    /// The field's type (the one the user chose, else the narrowest its values fit) and values,
    /// sorted, with each load code's new one.
    pub(super) fn finish(mut self, chosen: Option<FieldType>) -> Finished {
        if chosen.is_some_and(|t| t != FieldType::Integer) {
            self.switch_to_texts();
        }
        if let Some(mut ints) = self.ints {
            ints.values.shrink_to_fit();
            let reason = if chosen.is_some() {
                "you chose it"
            } else {
                self.guess.reason()
            };
            let mut finished = Finished {
                field_type: FieldType::Integer,
                reason,
                values: Values::Int(Vec::new()),
                map: None,
                missing_found: Vec::new(),
                unreadable: Vec::new(),
            };
            if ints.values.is_sorted() {
                finished.values = Values::Int(ints.values);
                return finished;
            }
            let mut order: Vec<u32> = (0..ints.values.len() as u32).collect();
            order.sort_unstable_by_key(|&c| ints.values[c as usize]);
            finished.map = Some(inverse(&order));
            finished.values = Values::Int(order.iter().map(|&c| ints.values[c as usize]).collect());
            return finished;
        }
        let texts = &self.texts;
        let text = |c: u32| std::str::from_utf8(texts.text(c)).expect("cells are UTF-8");
        let (field_type, reason) = match chosen {
            Some(chosen) => (chosen, "you chose it"),
            None => (self.guess.field_type(), self.guess.reason()),
        };
        let mut missing = vec![false; texts.len()];
        for &c in &self.missing_codes {
            missing[c as usize] = true;
        }
        let mut missing_found: Vec<String> = self
            .missing_codes
            .iter()
            .map(|&c| text(c).to_string())
            .collect();
        missing_found.sort();
        // Each value parsed once (a text field's values are their texts); `None`: missing.
        let mut unreadable = Vec::new();
        let parsed: Vec<Option<Value>> = (0..texts.len() as u32)
            .map(|c| {
                if missing[c as usize] {
                    return None;
                }
                let value = parse_as(text(c), field_type);
                if value.is_none() && unreadable.len() < 1000 {
                    unreadable.push(text(c).to_string());
                }
                value
            })
            .collect();
        let mut order: Vec<u32> = (0..parsed.len() as u32)
            .filter(|&c| parsed[c as usize].is_some())
            .collect();
        let value = |c: u32| parsed[c as usize].as_ref().expect("kept codes have values");
        if field_type == FieldType::Text {
            order.sort_unstable_by(|a, b| texts.text(*a).cmp(texts.text(*b)));
        } else {
            order.sort_unstable_by(|a, b| value(*a).cmp_total(value(*b)));
        }
        // Typed: texts that are one value ("2.5" and "2.50") become one code.
        let mut map = vec![NULL; parsed.len()];
        let mut distinct: Vec<Value> = Vec::with_capacity(order.len());
        for &old in &order {
            let v = value(old);
            if distinct.last().is_none_or(|last| last.cmp_total(v).is_ne()) {
                distinct.push(v.clone());
            }
            map[old as usize] = distinct.len() as u32 - 1;
        }
        Finished {
            field_type,
            reason,
            values: Values::from_sorted(field_type, distinct),
            map: Some(map),
            missing_found,
            unreadable,
        }
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
}
