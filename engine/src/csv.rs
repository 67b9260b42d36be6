//! Reading CSV into rows of text cells: the header row, the delimiter (detected), RFC 4180
//! quoting, UTF-8, and errors that name the line and column. Types are decided later
//! (`types`), over whole columns.

use std::fmt;

/// The most a single field may hold. A bigger one is almost always a broken quote that swallowed
/// the rest of the file; saying so beats loading it.
pub const MAX_FIELD_BYTES: usize = 1 << 20;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvError {
    /// 1-based line of the file where the problem is; 0 for the file as a whole.
    pub line: usize,
    /// 1-based column, when one is to blame.
    pub column: Option<usize>,
    pub message: String,
}

impl fmt::Display for CsvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (0, _) => write!(f, "{}", self.message),
            (line, Some(column)) => write!(f, "line {line}, column {column}: {}", self.message),
            (line, None) => write!(f, "line {line}: {}", self.message),
        }
    }
}

impl std::error::Error for CsvError {}

fn error(line: usize, column: Option<usize>, message: impl Into<String>) -> CsvError {
    CsvError {
        line,
        column,
        message: message.into(),
    }
}

/// A parsed file: the header's names and each row's cells (`None` for an empty cell).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub delimiter: u8,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Option<String>>>,
}

/// The delimiter the header line uses most, outside quotes: comma, semicolon, tab or pipe.
pub fn detect_delimiter(bytes: &[u8]) -> u8 {
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0), (b'|', 0)];
    let mut quoted = false;
    for &b in bytes {
        if !quoted && (b == b'\n' || b == b'\r') {
            break;
        }
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted {
            if let Some(entry) = counts.iter_mut().find(|(d, _)| *d == b) {
                entry.1 += 1;
            }
        }
    }
    // Ties go to the comma, the first listed.
    counts
        .iter()
        .fold(
            (b',', 0),
            |best, &(d, n)| if n > best.1 { (d, n) } else { best },
        )
        .0
}

/// The cells of one row, reused from row to row: where each lies in the file, so that an
/// unquoted cell (nearly all of them) is never copied; a quoted one is unescaped into `quoted`.
#[derive(Debug, Default)]
pub struct Cells<'a> {
    file: &'a [u8],
    spans: Vec<Span>,
    quoted: Vec<u8>,
}

/// A cell's bytes: `start..end` of the file, or of `Cells::quoted`.
#[derive(Debug, Clone, Copy)]
struct Span {
    start: usize,
    end: usize,
    quoted: bool,
}

impl<'a> Cells<'a> {
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// The cell's bytes (UTF-8: the reader checked them); `None` when it is empty.
    #[inline]
    pub fn get(&self, column: usize) -> Option<&[u8]> {
        let span = self.spans.get(column)?;
        let bytes = if span.quoted {
            &self.quoted[span.start..span.end]
        } else {
            &self.file[span.start..span.end]
        };
        (!bytes.is_empty()).then_some(bytes)
    }

    /// The cell's text; `None` when it is empty.
    pub fn text(&self, column: usize) -> Option<&str> {
        self.get(column)
            .map(|bytes| std::str::from_utf8(bytes).expect("the reader checked every cell"))
    }

    fn clear(&mut self) {
        self.spans.clear();
        self.quoted.clear();
    }
}

/// A file read a row at a time: its header, then its data rows. A clone reads on from where
/// the original is, on its own.
#[derive(Clone)]
pub struct Records<'a> {
    reader: Reader<'a>,
    pub delimiter: u8,
    pub headers: Vec<String>,
    rows: usize,
}

impl<'a> Records<'a> {
    /// Reads the header; refuses an empty file and bad column names.
    pub fn open(bytes: &'a [u8]) -> Result<Records<'a>, CsvError> {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        if bytes.iter().all(|b| b.is_ascii_whitespace()) {
            return Err(error(
                0,
                None,
                "The file is empty: it needs a header row and at least one row of data.",
            ));
        }
        let delimiter = detect_delimiter(bytes);
        let mut reader = Reader {
            bytes,
            pos: 0,
            line: 1,
            delimiter,
            // One check of the whole file (fast: it skips ASCII a word at a time) instead of one
            // per cell; a file that fails it is checked cell by cell, to say where.
            checked: std::str::from_utf8(bytes).is_ok(),
        };
        let mut header = Cells::default();
        reader.record(&mut header)?;
        let headers = check_headers(
            (0..header.len())
                .map(|i| header.text(i).map(str::to_string))
                .collect(),
        )?;
        Ok(Records {
            reader,
            delimiter,
            headers,
            rows: 0,
        })
    }

    /// Reads the next data row into `cells`; `false` at the end of the file. Blank lines are
    /// skipped; a row with a different number of fields than the header is refused.
    pub fn next_into(&mut self, cells: &mut Cells<'a>) -> Result<bool, CsvError> {
        loop {
            let line = self.reader.line;
            if !self.reader.record(cells)? {
                if self.rows == 0 {
                    return Err(error(0, None, "The file has a header row but no data."));
                }
                return Ok(false);
            }
            if cells.len() == 1 && cells.get(0).is_none() {
                continue;
            }
            if cells.len() != self.headers.len() {
                return Err(error(
                    line,
                    None,
                    format!(
                        "this row has {} fields; the header has {}.",
                        cells.len(),
                        self.headers.len()
                    ),
                ));
            }
            self.rows += 1;
            return Ok(true);
        }
    }
}

/// Parses a whole file into memory (small files and tests; the model reads row by row).
pub fn parse(bytes: &[u8]) -> Result<Parsed, CsvError> {
    let mut records = Records::open(bytes)?;
    let mut cells = Cells::default();
    let mut rows = Vec::new();
    while records.next_into(&mut cells)? {
        rows.push(
            (0..cells.len())
                .map(|i| cells.text(i).map(str::to_string))
                .collect(),
        );
    }
    Ok(Parsed {
        delimiter: records.delimiter,
        headers: records.headers,
        rows,
    })
}

/// The column names of a header row, trimmed: none empty, none twice (in any case).
pub fn check_headers(header: Vec<Option<String>>) -> Result<Vec<String>, CsvError> {
    let mut names: Vec<String> = Vec::with_capacity(header.len());
    for (i, cell) in header.into_iter().enumerate() {
        let name = cell.map(|c| c.trim().to_string()).unwrap_or_default();
        if name.is_empty() {
            return Err(error(
                1,
                Some(i + 1),
                "this header is empty; every column needs a name.",
            ));
        }
        if let Some(first) = names.iter().position(|n| n.eq_ignore_ascii_case(&name)) {
            return Err(error(
                1,
                Some(i + 1),
                format!(
                    "the column name \"{name}\" is used twice (also column {}).",
                    first + 1
                ),
            ));
        }
        names.push(name);
    }
    Ok(names)
}

#[derive(Clone)]
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    line: usize,
    delimiter: u8,
    /// The whole file is UTF-8: no cell needs checking.
    checked: bool,
}

impl<'a> Reader<'a> {
    /// Reads the next record into `cells`; `false` at the end of the file.
    fn record(&mut self, cells: &mut Cells<'a>) -> Result<bool, CsvError> {
        cells.clear();
        cells.file = self.bytes;
        if self.pos >= self.bytes.len() {
            return Ok(false);
        }
        let record_line = self.line;
        loop {
            let column = cells.len() + 1;
            let end = self.field(cells, record_line, column)?;
            if !matches!(end, End::Delimiter) {
                return Ok(true);
            }
        }
    }

    fn field(&mut self, cells: &mut Cells, line: usize, column: usize) -> Result<End, CsvError> {
        if self.bytes.get(self.pos) == Some(&b'"') {
            return self.quoted_field(cells, line, column);
        }
        let start = self.pos;
        while let Some(&b) = self.bytes.get(self.pos) {
            if b == self.delimiter || b == b'\n' || b == b'\r' {
                break;
            }
            self.pos += 1;
        }
        if self.pos - start > MAX_FIELD_BYTES {
            return Err(error(
                line,
                Some(column),
                format!("a field is longer than {} MB.", MAX_FIELD_BYTES >> 20),
            ));
        }
        let (start, end) = (start, self.pos);
        let raw = &self.bytes[start..end];
        if !self.checked {
            std::str::from_utf8(raw).map_err(|_| not_utf8(line, column))?;
        }
        let (start, end) = trimmed(raw, start, end);
        let ends = self.end_of_field(line, column, false)?;
        cells.spans.push(Span {
            start,
            end,
            quoted: false,
        });
        Ok(ends)
    }

    fn quoted_field(
        &mut self,
        cells: &mut Cells,
        line: usize,
        column: usize,
    ) -> Result<End, CsvError> {
        self.pos += 1;
        let start = cells.quoted.len();
        loop {
            let Some(&b) = self.bytes.get(self.pos) else {
                return Err(error(
                    line,
                    Some(column),
                    "a quoted field is never closed: a quote (\") is missing.",
                ));
            };
            self.pos += 1;
            match b {
                b'"' if self.bytes.get(self.pos) == Some(&b'"') => {
                    cells.quoted.push(b'"');
                    self.pos += 1;
                }
                b'"' => break,
                b'\n' => {
                    self.line += 1;
                    cells.quoted.push(b);
                }
                _ => cells.quoted.push(b),
            }
            if cells.quoted.len() - start > MAX_FIELD_BYTES {
                return Err(error(
                    line,
                    Some(column),
                    format!(
                        "a field is longer than {} MB; is a closing quote missing?",
                        MAX_FIELD_BYTES >> 20
                    ),
                ));
            }
        }
        let ends = self.end_of_field(line, column, true)?;
        if !self.checked {
            std::str::from_utf8(&cells.quoted[start..]).map_err(|_| not_utf8(line, column))?;
        }
        cells.spans.push(Span {
            start,
            end: cells.quoted.len(),
            quoted: true,
        });
        Ok(ends)
    }

    /// Consumes what ends a field: a delimiter, a line break or the end of the file.
    fn end_of_field(&mut self, line: usize, column: usize, quoted: bool) -> Result<End, CsvError> {
        match self.bytes.get(self.pos) {
            None => Ok(End::File),
            Some(&b) if b == self.delimiter => {
                self.pos += 1;
                Ok(End::Delimiter)
            }
            Some(b'\r') | Some(b'\n') => {
                if self.bytes[self.pos] == b'\r' && self.bytes.get(self.pos + 1) == Some(&b'\n') {
                    self.pos += 1;
                }
                self.pos += 1;
                self.line += 1;
                Ok(End::Record)
            }
            Some(&b) if quoted => Err(error(line, Some(column), format!("unexpected \"{}\" after a closing quote; quotes inside a field are written twice (\"\").", b as char))),
            Some(_) => unreachable!("an unquoted field ends at a delimiter or a line break"),
        }
    }
}

/// An unquoted cell's bounds without the white space around it (any Unicode white space, as
/// `str::trim`); a cell that starts and ends with a visible ASCII character, nearly every one,
/// is looked at no further.
#[inline]
fn trimmed(raw: &[u8], start: usize, end: usize) -> (usize, usize) {
    let visible = |b: &u8| b.is_ascii() && !b.is_ascii_whitespace();
    if raw.first().is_none_or(visible) && raw.last().is_none_or(visible) {
        return (start, end);
    }
    let Ok(text) = std::str::from_utf8(raw) else {
        return (start, end);
    };
    let inner = text.trim_start();
    let skipped = text.len() - inner.len();
    (start + skipped, start + skipped + inner.trim_end().len())
}

fn not_utf8(line: usize, column: usize) -> CsvError {
    error(
        line,
        Some(column),
        "this field is not valid UTF-8; save the file as UTF-8.",
    )
}

enum End {
    Delimiter,
    Record,
    File,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(parsed: &Parsed) -> Vec<Vec<Option<&str>>> {
        parsed
            .rows
            .iter()
            .map(|r| r.iter().map(|c| c.as_deref()).collect())
            .collect()
    }

    #[test]
    fn a_header_row_then_data_with_the_delimiter_detected() {
        for (text, delimiter) in [
            ("a,b\n1,2\n", b','),
            ("a;b\n1;2\n", b';'),
            ("a\tb\n1\t2\n", b'\t'),
            ("a|b\r\n1|2", b'|'),
        ] {
            let parsed = parse(text.as_bytes()).unwrap();
            assert_eq!(parsed.delimiter, delimiter, "{text:?}");
            assert_eq!(parsed.headers, vec!["a", "b"]);
            assert_eq!(cells(&parsed), vec![vec![Some("1"), Some("2")]]);
        }
    }

    #[test]
    fn quoted_fields_hold_delimiters_quotes_and_line_breaks() {
        let parsed =
            parse(b"name,note\n\"Smith, Ann\",\"said \"\"hi\"\"\"\n\"multi\nline\",\n").unwrap();
        assert_eq!(
            cells(&parsed),
            vec![
                vec![Some("Smith, Ann"), Some("said \"hi\"")],
                vec![Some("multi\nline"), None]
            ]
        );
    }

    #[test]
    fn empty_cells_are_null_and_blank_lines_are_skipped() {
        let parsed = parse("\u{feff}a,b\n,x\n\n1, \n\u{a0}Zoë\u{2003},\"\"\n".as_bytes()).unwrap();
        assert_eq!(
            cells(&parsed),
            vec![
                vec![None, Some("x")],
                vec![Some("1"), None],
                vec![Some("Zoë"), None]
            ],
            "cells are trimmed of any white space, Unicode's too"
        );
    }

    #[test]
    fn bad_files_are_refused_with_the_line_and_column() {
        let cases: Vec<(&[u8], &str)> = vec![
            (b"", "The file is empty"),
            (b"a,b\n", "no data"),
            (
                b"a,b\n1,2\n3\n",
                "line 3: this row has 1 fields; the header has 2.",
            ),
            (
                b"a,A\n1,2\n",
                "line 1, column 2: the column name \"A\" is used twice",
            ),
            (b"a,\n1,2\n", "line 1, column 2: this header is empty"),
            (
                b"a,b\n1,\"open\n2,3\n",
                "line 2, column 2: a quoted field is never closed",
            ),
            (
                b"a,b\n1,\"x\"y\n",
                "line 2, column 2: unexpected \"y\" after a closing quote",
            ),
            (
                b"a,b\n1,\xff\xfe\n",
                "line 2, column 2: this field is not valid UTF-8",
            ),
        ];
        for (bytes, expected) in cases {
            let err = parse(bytes).unwrap_err().to_string();
            assert!(
                err.contains(expected),
                "{:?}: {err}",
                String::from_utf8_lossy(bytes)
            );
        }
    }

    #[test]
    fn a_field_past_the_size_limit_is_refused() {
        let mut file = b"a\n\"".to_vec();
        file.extend(std::iter::repeat_n(b'x', MAX_FIELD_BYTES + 1));
        file.extend(b"\"\n");
        assert!(parse(&file)
            .unwrap_err()
            .to_string()
            .contains("longer than 1 MB"));
    }
}
