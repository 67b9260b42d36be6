//! Which rows of a column pass a selection's allowed values: the scans under `evaluate`, by
//! width of code, in shares of rows on several threads when there are many.

use crate::codes::Codes;
use crate::model::NULL;

/// The rows of a column whose code is allowed: from `rows`, or from every row when `None`.
pub(super) fn passing(codes: &Codes, allowed: &[bool], rows: Option<&[u32]>) -> Vec<u32> {
    // Many rows: a share of them a thread (`parallel`), in blocks of 64, the pieces in order.
    let len = rows.map_or(codes.len(), <[u32]>::len);
    crate::parallel::joined(crate::parallel::run(
        crate::parallel::parts_for(len),
        |part, parts| {
            let share = crate::parallel::range(len, part, parts, 64);
            match rows {
                Some(rows) => passing_in(codes, allowed, Some(&rows[share]), 0..codes.len()),
                None => passing_in(codes, allowed, None, share),
            }
        },
    ))
}

/// `passing` over `rows` (`share`: the whole column), or over the rows of `share` (starting at a
/// multiple of 64) when `None`.
fn passing_in(
    codes: &Codes,
    allowed: &[bool],
    rows: Option<&[u32]>,
    share: std::ops::Range<usize>,
) -> Vec<u32> {
    let first = share.start;
    // One byte or two a code: a table of every code's answer, the empty cell's (the width's
    // largest code) included, so that the scan asks nothing but the table.
    fn table(allowed: &[bool], size: usize) -> Vec<bool> {
        let mut table = vec![false; size];
        for (slot, &ok) in table.iter_mut().zip(allowed) {
            *slot = ok;
        }
        table
    }
    match codes {
        // A few values of a small field (a region, a channel) selected in the whole table: the
        // codes compared with each, eight at a time.
        Codes::U8(c) if rows.is_none() && allowed.iter().filter(|a| **a).count() <= FEW => {
            let wanted: Vec<u8> = (0..allowed.len())
                .filter(|&code| allowed[code])
                .map(|code| code as u8)
                .collect();
            scan_equal(&c[share], &wanted, first)
        }
        Codes::U8(c) => {
            let table = table(allowed, 256);
            scan(&c[share], |x| table[usize::from(x)], rows, first)
        }
        Codes::U16(c) => {
            let table = table(allowed, 65_536);
            scan(&c[share], |x| table[usize::from(x)], rows, first)
        }
        Codes::U32(c) => scan(&c[share], |x| x != NULL && allowed[x as usize], rows, first),
    }
}

/// At most this many selected values are compared one by one (`scan_equal`).
const FEW: usize = 4;

/// The rows whose code is one of `wanted`, `codes` being those of rows `first..`: eight codes at
/// a time, compared as the bytes of one word.
fn scan_equal(codes: &[u8], wanted: &[u8], first: usize) -> Vec<u32> {
    let mut out = Vec::new();
    let mut blocks = codes.chunks_exact(64);
    for (b, block) in blocks.by_ref().enumerate() {
        let mut mask = 0u64;
        for (k, bytes) in block.chunks_exact(8).enumerate() {
            let word = u64::from_le_bytes(bytes.try_into().expect("8 codes"));
            let hits = wanted
                .iter()
                .fold(0u8, |hits, &w| hits | equal_bytes(word, w));
            mask |= u64::from(hits) << (8 * k);
        }
        push_rows(&mut out, first + b * 64, mask);
    }
    let at = first + codes.len() - blocks.remainder().len();
    for (i, c) in blocks.remainder().iter().enumerate() {
        if wanted.contains(c) {
            out.push((at + i) as u32);
        }
    }
    out
}

/// Which bytes of `word` equal `w`: bit i for byte i (little-endian, the codes' order).
#[inline]
fn equal_bytes(word: u64, w: u8) -> u8 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let x = word ^ (u64::from(w) * 0x0101_0101_0101_0101);
    // 0x80 in each byte of `x` that is zero, nothing elsewhere: no carry crosses a byte.
    let zero = !(((x & LOW7) + LOW7) | x | LOW7);
    // Each byte's flag gathered into the top byte by one multiplication.
    ((zero >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56) as u8
}

/// The rows of a block of 64 starting at `first` whose bit is set in `mask`.
#[inline]
fn push_rows(out: &mut Vec<u32>, first: usize, mut mask: u64) {
    while mask != 0 {
        out.push(first as u32 + mask.trailing_zeros());
        mask &= mask - 1;
    }
}

/// The rows whose code passes: from `rows` (`codes`: the whole column), or every row when `None`
/// (`codes`: those of rows `first..`).
fn scan<C: Copy>(
    codes: &[C],
    pass: impl Fn(C) -> bool,
    rows: Option<&[u32]>,
    first: usize,
) -> Vec<u32> {
    match rows {
        Some(rows) => rows
            .iter()
            .copied()
            .filter(|&r| pass(codes[r as usize]))
            .collect(),
        None => {
            // A block of 64 rows makes one mask, and the mask the row numbers: the loop over
            // the codes has no branch.
            let mut out = Vec::new();
            for (b, block) in codes.chunks(64).enumerate() {
                let mut mask = 0u64;
                for (i, &c) in block.iter().enumerate() {
                    mask |= u64::from(pass(c)) << i;
                }
                push_rows(&mut out, first + b * 64, mask);
            }
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comparing_eight_codes_to_a_word_finds_what_the_table_finds() {
        // Codes of a field of five values and empty cells, past a block of 64 and a word of 8.
        let codes: Vec<u8> = (0..1_000u32)
            .map(|i| [0, 3, 1, 255, 4, 1, 2][(i * 7 % 11 % 7) as usize])
            .collect();
        for wanted in [vec![1u8], vec![0, 4], vec![2, 3, 4, 0], vec![]] {
            let mut allowed = vec![false; 5];
            for &w in &wanted {
                allowed[w as usize] = true;
            }
            let table: Vec<u32> = (0..codes.len() as u32)
                .filter(|&r| codes[r as usize] != 255 && allowed[codes[r as usize] as usize])
                .collect();
            assert_eq!(
                passing(&Codes::U8(codes.clone()), &allowed, None),
                table,
                "{wanted:?}"
            );
            for first in [0, 64, 640] {
                assert_eq!(
                    scan_equal(&codes[first..], &wanted, first),
                    table
                        .iter()
                        .copied()
                        .filter(|&r| r as usize >= first)
                        .collect::<Vec<_>>(),
                    "{wanted:?} from row {first}"
                );
            }
        }
    }
}
