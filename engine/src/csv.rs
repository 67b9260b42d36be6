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

/// The cells of one row, reused from row to row so that reading allocates almost nothing.
#[derive(Debug, Default)]
pub struct Cells {
    text: Vec<String>,
    present: Vec<bool>,
    len: usize,
}

impl Cells {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The cell's text; `None` when it is empty.
    pub fn get(&self, column: usize) -> Option<&str> {
        (column < self.len && self.present[column]).then(|| self.text[column].as_str())
    }

    fn clear(&mut self) {
        self.len = 0;
    }

    /// A fresh cell to write into, returned cleared.
    fn next(&mut self) -> &mut String {
        if self.len == self.text.len() {
            self.text.push(String::new());
            self.present.push(false);
        }
        self.len += 1;
        let cell = &mut self.text[self.len - 1];
        cell.clear();
        cell
    }

    fn finish_last(&mut self) {
        let i = self.len - 1;
        self.present[i] = !self.text[i].is_empty();
    }
}

/// A file read a row at a time: its header, then its data rows.
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
            scratch: Vec::new(),
        };
        let mut header = Cells::default();
        reader.record(&mut header)?;
        let headers = check_headers(
            (0..header.len())
                .map(|i| header.get(i).map(str::to_string))
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
    pub fn next_into(&mut self, cells: &mut Cells) -> Result<bool, CsvError> {
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
                .map(|i| cells.get(i).map(str::to_string))
                .collect(),
        );
    }
    Ok(Parsed {
        delimiter: records.delimiter,
        headers: records.headers,
        rows,
    })
}

fn check_headers(header: Vec<Option<String>>) -> Result<Vec<String>, CsvError> {
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

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    line: usize,
    delimiter: u8,
    /// Unescaped bytes of a quoted field.
    scratch: Vec<u8>,
}

impl Reader<'_> {
    /// Reads the next record into `cells`; `false` at the end of the file.
    fn record(&mut self, cells: &mut Cells) -> Result<bool, CsvError> {
        cells.clear();
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
        let quoted = self.bytes.get(self.pos) == Some(&b'"');
        let text: &str;
        let end;
        if quoted {
            self.pos += 1;
            self.scratch.clear();
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
                        self.scratch.push(b'"');
                        self.pos += 1;
                    }
                    b'"' => break,
                    b'\n' => {
                        self.line += 1;
                        self.scratch.push(b);
                    }
                    _ => self.scratch.push(b),
                }
                if self.scratch.len() > MAX_FIELD_BYTES {
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
            end = self.end_of_field(line, column, true)?;
            text = std::str::from_utf8(&self.scratch).map_err(|_| not_utf8(line, column))?;
            let cell = cells.next();
            cell.push_str(text);
        } else {
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
            let raw = &self.bytes[start..self.pos];
            end = self.end_of_field(line, column, false)?;
            text = std::str::from_utf8(raw).map_err(|_| not_utf8(line, column))?;
            let cell = cells.next();
            cell.push_str(text.trim());
        }
        cells.finish_last();
        Ok(end)
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
        let parsed = parse("\u{feff}a,b\n,x\n\n1, \n".as_bytes()).unwrap();
        assert_eq!(
            cells(&parsed),
            vec![vec![None, Some("x")], vec![Some("1"), None]]
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
