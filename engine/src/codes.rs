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

    /// The code of a row (`NULL` for an empty cell).
    #[inline]
    pub fn get(&self, row: usize) -> u32 {
        with_codes!(self, c => c[row].widen())
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

    /// The codes of rows `start..end`, widened, into `out` (cleared first).
    #[inline]
    pub fn gather_range(&self, start: usize, end: usize, out: &mut Vec<u32>) {
        out.clear();
        with_codes!(self, c => out.extend(c[start..end].iter().map(|x| x.widen())));
    }

    /// Rewrites every code that is not `NULL` through `map`, for a field that now has `values`
    /// distinct values.
    pub fn renumber(&self, map: &[u32], values: usize) -> Codes {
        let mut wide = self.to_vec();
        for code in wide.iter_mut().filter(|c| **c != NULL) {
            *code = map[*code as usize];
        }
        Codes::narrow(wide, values)
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
            assert_eq!(codes.get(1), NULL);
        }
        let codes = Codes::narrow(vec![3, NULL, 1, 2], 4);
        let mut out = Vec::new();
        codes.gather(&[3, 1], &mut out);
        assert_eq!(out, vec![2, NULL]);
        codes.gather_range(0, 2, &mut out);
        assert_eq!(out, vec![3, NULL]);
    }
}
