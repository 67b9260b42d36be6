//! Where a table's rows come from: the bytes of a CSV file, or rows that the program around the
//! engine reads (a database query, a sheet of a workbook) and hands over a batch at a time. The
//! engine does not know which: it sees column names, then cells of text or no value, and types
//! each column over its distinct values as it does a file's.
//!
//! Rows stream: a source's whole result is never held, only the batch in hand, and each cell
//! becomes a code as it passes (`load`).

/// One source of a load, by the name the plan's tables use.
pub enum Source<'a> {
    /// A CSV file's bytes (its delimiter detected, its header the first row).
    Csv(&'a [u8]),
    /// Rows read elsewhere, a batch at a time.
    Rows(Box<dyn RowSource + 'a>),
}

/// Rows read elsewhere: the column names first, then batches until there are none left. An
/// error is a sentence the person loading will read ("the query ran longer than 60 s").
pub trait RowSource: Send {
    /// The column names, in the order of the cells of each row.
    fn headers(&mut self) -> Result<Vec<String>, String>;
    /// Fills `batch` (emptied first) with the next rows; `false` when there are no more.
    fn next_batch(&mut self, batch: &mut Batch) -> Result<bool, String>;
}

/// Rows of cells, each its UTF-8 text or no value, in one buffer: a batch is reused from one
/// read to the next, so that reading rows allocates nothing once it has grown.
#[derive(Debug, Clone, Default)]
pub struct Batch {
    width: usize,
    text: String,
    /// Each cell's `start..end` in `text`; `start == u32::MAX`: no value.
    cells: Vec<(u32, u32)>,
}

const NONE: (u32, u32) = (u32::MAX, 0);

impl Batch {
    /// An empty batch of rows of `width` cells.
    pub fn new(width: usize) -> Batch {
        Batch {
            width: width.max(1),
            ..Batch::default()
        }
    }

    pub fn width(&self) -> usize {
        self.width
    }

    pub fn clear(&mut self) {
        self.text.clear();
        self.cells.clear();
    }

    /// Rows held; a row is complete once `width` cells were pushed.
    pub fn rows(&self) -> usize {
        self.cells.len() / self.width
    }

    /// Bytes of text held: a reader fills a batch up to a budget of these, not only of rows.
    pub fn text_bytes(&self) -> usize {
        self.text.len()
    }

    /// The next cell: its text, or no value.
    pub fn push(&mut self, cell: Option<&str>) {
        match cell {
            None => self.cells.push(NONE),
            Some(text) => {
                let start = self.text.len() as u32;
                self.text.push_str(text);
                self.cells.push((start, self.text.len() as u32));
            }
        }
    }

    /// The next cell from bytes: UTF-8 as it is, anything else read as UTF-8 with each bad
    /// sequence replaced (a binary column).
    pub fn push_bytes(&mut self, cell: Option<&[u8]>) {
        match cell.map(String::from_utf8_lossy) {
            None => self.push(None),
            Some(text) => self.push(Some(&text)),
        }
    }

    /// The next cell, written by `write` straight into the batch (a number formatted without a
    /// string of its own).
    pub fn push_with(&mut self, write: impl FnOnce(&mut String)) {
        let start = self.text.len() as u32;
        write(&mut self.text);
        self.cells.push((start, self.text.len() as u32));
    }

    /// A cell's bytes; `None`: no value or empty text (an empty cell is missing, as in a file).
    #[inline]
    pub fn get(&self, row: usize, column: usize) -> Option<&[u8]> {
        let (start, end) = *self.cells.get(row * self.width + column)?;
        if start == u32::MAX || start == end {
            return None;
        }
        Some(&self.text.as_bytes()[start as usize..end as usize])
    }
}

impl Batch {
    /// A cell's text; `None`: no value or empty text.
    pub fn text(&self, row: usize, column: usize) -> Option<&str> {
        let (start, end) = *self.cells.get(row * self.width + column)?;
        if start == u32::MAX || start == end {
            return None;
        }
        // Every cell was pushed as a whole `str`: its ends are character boundaries.
        Some(&self.text[start as usize..end as usize])
    }
}

/// Rows held in memory: a test's table, or a small sheet already read.
pub struct MemoryRows {
    headers: Vec<String>,
    rows: std::vec::IntoIter<Vec<Option<String>>>,
}

impl MemoryRows {
    pub fn new(headers: &[&str], rows: Vec<Vec<Option<String>>>) -> MemoryRows {
        MemoryRows {
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows: rows.into_iter(),
        }
    }
}

impl RowSource for MemoryRows {
    fn headers(&mut self) -> Result<Vec<String>, String> {
        Ok(self.headers.clone())
    }

    fn next_batch(&mut self, batch: &mut Batch) -> Result<bool, String> {
        batch.clear();
        for row in self.rows.by_ref().take(1024) {
            for at in 0..batch.width() {
                batch.push(row.get(at).and_then(|c| c.as_deref()));
            }
        }
        Ok(batch.rows() > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_holds_cells_of_text_and_cells_without_a_value() {
        let mut batch = Batch::new(2);
        batch.push(Some("Oslo"));
        batch.push(None);
        batch.push_with(|t| t.push_str("42"));
        batch.push(Some(""));
        batch.push_bytes(Some(b"caf\xc3\xa9"));
        batch.push_bytes(Some(b"\xff"));
        assert_eq!(batch.rows(), 3);
        assert_eq!(batch.get(0, 0), Some(&b"Oslo"[..]));
        assert_eq!(batch.get(0, 1), None);
        assert_eq!(batch.get(1, 0), Some(&b"42"[..]));
        assert_eq!(batch.get(1, 1), None, "empty text is missing, as in a file");
        assert_eq!(batch.get(2, 0), Some("café".as_bytes()));
        assert_eq!(batch.get(2, 1), Some("\u{fffd}".as_bytes()));
        assert_eq!(batch.text(2, 0), Some("café"));
        assert_eq!((batch.text(0, 1), batch.text(1, 1)), (None, None));
        batch.clear();
        assert_eq!((batch.rows(), batch.text_bytes()), (0, 0));
    }
}
