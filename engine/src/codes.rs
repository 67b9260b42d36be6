//! A column's codes in the narrowest width its field's dictionary needs: a field of ten regions
//! takes one byte a row, not four. The width's largest number stands for an empty cell, so
//! every width reads out as the same `u32` codes (with `NULL`) that the rest of the engine uses.

use crate::model::NULL;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Codes {
    U8(Vec<u8>),
    U16(Vec<u16>),
    U32(Vec<u32>),
}

/// One width of code: how it widens to a `u32` (its largest value becoming `NULL`).
pub trait Code: Copy + Send + Sync + 'static {
    fn widen(self) -> u32;
}

impl Code for u8 {
    #[inline(always)]
    fn widen(self) -> u32 {
        if self == u8::MAX {
            NULL
        } else {
            u32::from(self)
        }
    }
}

impl Code for u16 {
    #[inline(always)]
    fn widen(self) -> u32 {
        if self == u16::MAX {
            NULL
        } else {
            u32::from(self)
        }
    }
}

impl Code for u32 {
    #[inline(always)]
    fn widen(self) -> u32 {
        self
    }
}

/// Runs `$body` with `$slice` bound to the codes as a slice of their own width, so that a hot
/// loop is compiled once per width instead of asking the width on every row.
#[macro_export]
macro_rules! with_codes {
    ($codes:expr, $slice:ident => $body:expr) => {
        match $codes {
            $crate::codes::Codes::U8($slice) => $body,
            $crate::codes::Codes::U16($slice) => $body,
            $crate::codes::Codes::U32($slice) => $body,
        }
    };
}

impl Codes {
    /// Codes for a field of `values` distinct values, from codes below `values` or `NULL`.
    pub fn narrow(codes: Vec<u32>, values: usize) -> Codes {
        if values < usize::from(u8::MAX) {
            Codes::U8(codes.iter().map(|&c| c.min(255) as u8).collect())
        } else if values < usize::from(u16::MAX) {
            Codes::U16(codes.iter().map(|&c| c.min(65_535) as u16).collect())
        } else {
            let mut codes = codes;
            codes.shrink_to_fit();
            Codes::U32(codes)
        }
    }

    /// Appends a code while a column loads, the column widening when its field outgrows its
    /// width (at most twice): a field of ten values never takes more than a byte a row, not even
    /// while it loads.
    #[inline]
    pub fn push(&mut self, code: u32) {
        match self {
            Codes::U8(c) if code < 255 || code == NULL => c.push(code.min(255) as u8),
            Codes::U16(c) if code < 65_535 || code == NULL => c.push(code.min(65_535) as u16),
            Codes::U32(c) => c.push(code),
            _ => {
                self.widen();
                self.push(code);
            }
        }
    }

    /// Appends another column's codes (of the same field's dictionary), widening as `push` does.
    pub fn append(&mut self, other: &Codes) {
        with_codes!(other, c => c.iter().for_each(|x| self.push(x.widen())));
    }

    /// Appends `rows` empty cells.
    pub fn append_missing(&mut self, rows: usize) {
        match self {
            Codes::U8(c) => c.resize(c.len() + rows, u8::MAX),
            Codes::U16(c) => c.resize(c.len() + rows, u16::MAX),
            Codes::U32(c) => c.resize(c.len() + rows, NULL),
        }
    }

    #[cold]
    fn widen(&mut self) {
        *self = match self {
            Codes::U8(c) => Codes::U16(
                c.iter()
                    .map(|&x| if x == u8::MAX { u16::MAX } else { u16::from(x) })
                    .collect(),
            ),
            Codes::U16(c) => Codes::U32(c.iter().map(|&x| x.widen()).collect()),
            Codes::U32(_) => return,
        };
    }

    /// Every code rewritten through `map` (`NULL` stays `NULL`; `map` may send a code to `NULL`),
    /// in the narrowest width for a field of `values` distinct values. A column loaded before its
    /// field grew past a width comes out wide enough: its codes are never clipped.
    pub fn remap(&self, map: &[u32], values: usize) -> Codes {
        let mut out = Codes::narrow(Vec::new(), values);
        fn apply<C: Code, D: Copy>(
            codes: &[C],
            map: &[u32],
            out: &mut Vec<D>,
            narrow: impl Fn(u32) -> D,
        ) {
            out.reserve_exact(codes.len());
            out.extend(codes.iter().map(|c| {
                let wide = c.widen();
                narrow(if wide == NULL {
                    NULL
                } else {
                    map[wide as usize]
                })
            }));
        }
        match &mut out {
            Codes::U8(o) => with_codes!(self, c => apply(c, map, o, |x| x.min(255) as u8)),
            Codes::U16(o) => with_codes!(self, c => apply(c, map, o, |x| x.min(65_535) as u16)),
            Codes::U32(o) => with_codes!(self, c => apply(c, map, o, |x| x)),
        }
        out
    }

    /// The same codes in the narrowest width for a field of `values` distinct values.
    pub fn narrowed(&self, values: usize) -> Codes {
        let wanted = Codes::narrow(Vec::new(), values).width();
        if wanted == self.width() {
            return self.clone();
        }
        Codes::narrow(self.to_vec(), values)
    }

    pub fn shrink_to_fit(&mut self) {
        with_codes!(self, c => c.shrink_to_fit());
    }

    pub fn len(&self) -> usize {
        with_codes!(self, c => c.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes a code takes.
    pub fn width(&self) -> usize {
        match self {
            Codes::U8(_) => 1,
            Codes::U16(_) => 2,
            Codes::U32(_) => 4,
        }
    }

    pub fn heap_bytes(&self) -> usize {
        with_codes!(self, c => c.capacity()) * self.width()
    }

    /// Every code, widened (tests, snapshots and other cold paths).
    pub fn to_vec(&self) -> Vec<u32> {
        with_codes!(self, c => c.iter().map(|x| x.widen()).collect())
    }

    /// The codes of these rows, widened, into `out` (cleared first).
    #[inline]
    pub fn gather(&self, rows: &[u32], out: &mut Vec<u32>) {
        out.clear();
        with_codes!(self, c => out.extend(rows.iter().map(|&r| c[r as usize].widen())));
    }

    /// The codes of these rows, in this column's width (many rows: a share a thread).
    pub fn pick(&self, rows: &[u32]) -> Codes {
        fn pick<C: Code>(codes: &[C], rows: &[u32]) -> Vec<C> {
            crate::parallel::map_rows(rows, |&r| codes[r as usize])
        }
        match self {
            Codes::U8(c) => Codes::U8(pick(c, rows)),
            Codes::U16(c) => Codes::U16(pick(c, rows)),
            Codes::U32(c) => Codes::U32(pick(c, rows)),
        }
    }

    /// The codes of rows `start..end`, widened, into `out` (cleared first).
    #[inline]
    pub fn gather_range(&self, start: usize, end: usize, out: &mut Vec<u32>) {
        out.clear();
        with_codes!(self, c => out.extend(c[start..end].iter().map(|x| x.widen())));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_field_gets_the_narrowest_width_and_empty_cells_stay_empty() {
        for (values, width) in [(10, 1), (254, 1), (255, 2), (65_534, 2), (65_535, 4)] {
            let codes = Codes::narrow(vec![0, NULL, values as u32 - 1], values);
            assert_eq!(codes.width(), width, "{values} values");
            assert_eq!(codes.to_vec(), vec![0, NULL, values as u32 - 1]);
        }
        let codes = Codes::narrow(vec![3, NULL, 1, 2], 4);
        let mut out = Vec::new();
        codes.gather(&[3, 1], &mut out);
        assert_eq!(out, vec![2, NULL]);
        codes.gather_range(0, 2, &mut out);
        assert_eq!(out, vec![3, NULL]);
    }

    #[test]
    fn a_narrow_column_remapped_into_a_wider_field_keeps_every_code() {
        // Loaded while its field had 9 values (a byte a row); the field ends with 300 values and
        // this column's values sort last.
        let codes = Codes::narrow((0..9).chain([NULL]).collect(), 9);
        assert_eq!(codes.width(), 1);
        let map: Vec<u32> = (0..9).map(|c| 291 + c).collect();
        let remapped = codes.remap(&map, 300);
        assert_eq!(remapped.width(), 2);
        assert_eq!(
            remapped.to_vec(),
            (291..300).chain([NULL]).collect::<Vec<_>>()
        );
        for (values, wide) in [(254, 254), (65_534, 65_534), (70_000, 69_999)] {
            let map = vec![wide - 1; 10];
            let remapped = Codes::narrow(vec![0, 3, NULL], 10).remap(&map, values as usize);
            assert_eq!(
                remapped.to_vec(),
                vec![wide - 1, wide - 1, NULL],
                "{values} values"
            );
        }
    }

    #[test]
    fn a_loading_column_widens_as_its_field_grows_and_keeps_its_empty_cells() {
        let mut codes = Codes::U8(Vec::new());
        codes.push(3);
        codes.push(NULL);
        assert_eq!(codes.width(), 1);
        codes.push(300);
        assert_eq!(codes.width(), 2);
        codes.push(70_000);
        assert_eq!(codes.width(), 4);
        assert_eq!(codes.to_vec(), vec![3, NULL, 300, 70_000]);
        let mut map = vec![0u32; 70_001];
        map[3] = 1;
        map[300] = NULL;
        let remapped = codes.remap(&map, 300);
        assert_eq!(remapped.width(), 2);
        assert_eq!(remapped.to_vec(), vec![1, NULL, NULL, 0]);
    }
}
