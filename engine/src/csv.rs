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
    CsvError { line, column, message: message.into() }
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
    counts.iter().fold((b',', 0), |best, &(d, n)| if n > best.1 { (d, n) } else { best }).0
}

/// Parses a whole file.
pub fn parse(bytes: &[u8]) -> Result<Parsed, CsvError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(error(0, None, "The file is empty: it needs a header row and at least one row of data."));
    }
    let delimiter = detect_delimiter(bytes);
    let mut reader = Reader { bytes, pos: 0, line: 1, delimiter };
    let header = reader.record()?.ok_or_else(|| error(1, None, "The file has no header row."))?;
    let headers = check_headers(header)?;
    let mut rows = Vec::new();
    while let Some((line, record)) = reader.record_at()? {
        if record.len() == 1 && record[0].is_none() {
            continue; // a blank line
        }
        if record.len() != headers.len() {
            return Err(error(line, None, format!("this row has {} fields; the header has {}.", record.len(), headers.len())));
        }
        rows.push(record);
    }
    if rows.is_empty() {
        return Err(error(0, None, "The file has a header row but no data."));
    }
    Ok(Parsed { delimiter, headers, rows })
}

fn check_headers(header: Vec<Option<String>>) -> Result<Vec<String>, CsvError> {
    let mut names: Vec<String> = Vec::with_capacity(header.len());
    for (i, cell) in header.into_iter().enumerate() {
        let name = cell.map(|c| c.trim().to_string()).unwrap_or_default();
        if name.is_empty() {
            return Err(error(1, Some(i + 1), "this header is empty; every column needs a name."));
        }
        if let Some(first) = names.iter().position(|n| n.eq_ignore_ascii_case(&name)) {
            return Err(error(1, Some(i + 1), format!("the column name \"{name}\" is used twice (also column {}).", first + 1)));
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
}

impl Reader<'_> {
    fn record_at(&mut self) -> Result<Option<(usize, Vec<Option<String>>)>, CsvError> {
        let line = self.line;
        Ok(self.record()?.map(|r| (line, r)))
    }

    /// The next record, or `None` at the end of the file.
    fn record(&mut self) -> Result<Option<Vec<Option<String>>>, CsvError> {
        if self.pos >= self.bytes.len() {
            return Ok(None);
        }
        let start_line = self.line;
        let mut fields = Vec::new();
        loop {
            let column = fields.len() + 1;
            let (field, end) = self.field(start_line, column)?;
            fields.push(field);
            match end {
                End::Delimiter => continue,
                End::Record | End::File => return Ok(Some(fields)),
            }
        }
    }

    fn field(&mut self, record_line: usize, column: usize) -> Result<(Option<String>, End), CsvError> {
        let mut buf: Vec<u8> = Vec::new();
        let quoted = self.bytes.get(self.pos) == Some(&b'"');
        if quoted {
            self.pos += 1;
            loop {
                let Some(&b) = self.bytes.get(self.pos) else {
                    return Err(error(record_line, Some(column), "a quoted field is never closed: a quote (\") is missing."));
                };
                self.pos += 1;
                match b {
                    b'"' if self.bytes.get(self.pos) == Some(&b'"') => {
                        buf.push(b'"');
                        self.pos += 1;
                    }
                    b'"' => break,
                    b'\n' => {
                        self.line += 1;
                        buf.push(b);
                    }
                    _ => buf.push(b),
                }
                if buf.len() > MAX_FIELD_BYTES {
                    return Err(error(record_line, Some(column), format!("a field is longer than {} MB; is a closing quote missing?", MAX_FIELD_BYTES >> 20)));
                }
            }
        }
        loop {
            match self.bytes.get(self.pos) {
                None => return Ok((self.finish(buf, quoted, record_line, column)?, End::File)),
                Some(&b) if b == self.delimiter => {
                    self.pos += 1;
                    return Ok((self.finish(buf, quoted, record_line, column)?, End::Delimiter));
                }
                Some(b'\r') | Some(b'\n') => {
                    if self.bytes[self.pos] == b'\r' && self.bytes.get(self.pos + 1) == Some(&b'\n') {
                        self.pos += 1;
                    }
                    self.pos += 1;
                    self.line += 1;
                    return Ok((self.finish(buf, quoted, record_line, column)?, End::Record));
                }
                Some(&b) if quoted => {
                    return Err(error(record_line, Some(column), format!("unexpected \"{}\" after a closing quote; quotes inside a field are written twice (\"\").", b as char)));
                }
                Some(&b) => {
                    buf.push(b);
                    self.pos += 1;
                    if buf.len() > MAX_FIELD_BYTES {
                        return Err(error(record_line, Some(column), format!("a field is longer than {} MB.", MAX_FIELD_BYTES >> 20)));
                    }
                }
            }
        }
    }

    fn finish(&self, buf: Vec<u8>, quoted: bool, line: usize, column: usize) -> Result<Option<String>, CsvError> {
        let text = String::from_utf8(buf).map_err(|_| error(line, Some(column), "this field is not valid UTF-8; save the file as UTF-8."))?;
        let text = if quoted { text } else { text.trim().to_string() };
        Ok(if text.is_empty() { None } else { Some(text) })
    }
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
        parsed.rows.iter().map(|r| r.iter().map(|c| c.as_deref()).collect()).collect()
    }

    #[test]
    fn a_header_row_then_data_with_the_delimiter_detected() {
        for (text, delimiter) in [("a,b\n1,2\n", b','), ("a;b\n1;2\n", b';'), ("a\tb\n1\t2\n", b'\t'), ("a|b\r\n1|2", b'|')] {
            let parsed = parse(text.as_bytes()).unwrap();
            assert_eq!(parsed.delimiter, delimiter, "{text:?}");
            assert_eq!(parsed.headers, vec!["a", "b"]);
            assert_eq!(cells(&parsed), vec![vec![Some("1"), Some("2")]]);
        }
    }

    #[test]
    fn quoted_fields_hold_delimiters_quotes_and_line_breaks() {
        let parsed = parse(b"name,note\n\"Smith, Ann\",\"said \"\"hi\"\"\"\n\"multi\nline\",\n").unwrap();
        assert_eq!(cells(&parsed), vec![vec![Some("Smith, Ann"), Some("said \"hi\"")], vec![Some("multi\nline"), None]]);
    }

    #[test]
    fn empty_cells_are_null_and_blank_lines_are_skipped() {
        let parsed = parse("\u{feff}a,b\n,x\n\n1, \n".as_bytes()).unwrap();
        assert_eq!(cells(&parsed), vec![vec![None, Some("x")], vec![Some("1"), None]]);
    }

    #[test]
    fn bad_files_are_refused_with_the_line_and_column() {
        let cases: Vec<(&[u8], &str)> = vec![
            (b"", "The file is empty"),
            (b"a,b\n", "no data"),
            (b"a,b\n1,2\n3\n", "line 3: this row has 1 fields; the header has 2."),
            (b"a,A\n1,2\n", "line 1, column 2: the column name \"A\" is used twice"),
            (b"a,\n1,2\n", "line 1, column 2: this header is empty"),
            (b"a,b\n1,\"open\n2,3\n", "line 2, column 2: a quoted field is never closed"),
            (b"a,b\n1,\"x\"y\n", "line 2, column 2: unexpected \"y\" after a closing quote"),
            (b"a,b\n1,\xff\xfe\n", "line 2, column 2: this field is not valid UTF-8"),
        ];
        for (bytes, expected) in cases {
            let err = parse(bytes).unwrap_err().to_string();
            assert!(err.contains(expected), "{:?}: {err}", String::from_utf8_lossy(bytes));
        }
    }

    #[test]
    fn a_field_past_the_size_limit_is_refused() {
        let mut file = b"a\n\"".to_vec();
        file.extend(std::iter::repeat_n(b'x', MAX_FIELD_BYTES + 1));
        file.extend(b"\"\n");
        assert!(parse(&file).unwrap_err().to_string().contains("longer than 1 MB"));
    }
}
