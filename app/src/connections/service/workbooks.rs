//! Excel workbooks (`.xlsx`, uploaded or in a server folder): each sheet is a table. A sheet is
//! read a cell at a time (calamine's cell reader) on a thread of its own and handed to the load
//! a batch of rows at a time, so that a large sheet is never held whole. The header is the row
//! the plan names (the first by default); a header cell left empty names its column `Column N`.
//! Numbers are written as numbers, Excel's dates as `YYYY-MM-DD` (with the time when it has
//! one), errors (`#N/A`) as missing values: the load types each column as it types a file's.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use calamine::{DataRef, Reader, Xlsx};

use super::super::{BATCH_BYTES, BATCH_ROWS};
use super::drivers::Message;
use crate::error::AppError;
use engine::{Batch, RowSource};

fn unreadable(path: &Path, error: impl std::fmt::Display) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    format!("{name} could not be read as an Excel workbook (.xlsx): {error}. Save it again from Excel as .xlsx, or export the sheet as CSV.")
}

fn open(path: &Path) -> Result<Xlsx<std::io::BufReader<std::fs::File>>, String> {
    calamine::open_workbook(path).map_err(|e: calamine::XlsxError| unreadable(path, e))
}

/// The sheets of a workbook, in its order.
pub fn sheet_names(path: &Path) -> Result<Vec<String>, AppError> {
    let workbook = open(path).map_err(|m| AppError::invalid("file", m))?;
    Ok(workbook.sheet_names())
}

/// A cell as text in the batch.
fn push_cell(batch: &mut Batch, value: &DataRef<'_>) {
    match value {
        DataRef::Empty | DataRef::Error(_) => batch.push(None),
        DataRef::String(text) => batch.push(Some(text)),
        DataRef::SharedString(text) => batch.push(Some(text)),
        DataRef::DateTimeIso(text) | DataRef::DurationIso(text) => batch.push(Some(text)),
        DataRef::Bool(b) => batch.push(Some(if *b { "true" } else { "false" })),
        DataRef::Int(n) => batch.push_with(|t| write!(t, "{n}").expect("a string")),
        DataRef::Float(x) if !x.is_finite() => batch.push(None),
        // Excel keeps every number as a float: a whole one is written as an integer.
        DataRef::Float(x) if x.fract() == 0.0 && x.abs() < 1e15 => {
            batch.push_with(|t| write!(t, "{}", *x as i64).expect("a string"))
        }
        DataRef::Float(x) => batch.push_with(|t| write!(t, "{x}").expect("a string")),
        DataRef::DateTime(when) => match excel_date(when.as_f64(), when.is_datetime()) {
            Some(text) => batch.push(Some(&text)),
            None => batch.push_with(|t| write!(t, "{}", when.as_f64()).expect("a string")),
        },
    }
}

/// An Excel serial date (days since 1899-12-30, the fraction the time of day) as text.
/// Durations stay numbers of days.
pub fn excel_date(serial: f64, is_datetime: bool) -> Option<String> {
    if !is_datetime || !(0.0..2_958_466.0).contains(&serial) {
        return None;
    }
    let days = serial.floor();
    let seconds = ((serial - days) * 86_400.0).round() as i64;
    // Excel counts a 29 February 1900 that never was: serials before it start a day later.
    let epoch = if days < 60.0 {
        jiff::civil::date(1899, 12, 31)
    } else {
        jiff::civil::date(1899, 12, 30)
    };
    let date = epoch
        .checked_add(jiff::Span::new().days(days as i64))
        .ok()?;
    Some(match seconds {
        0 => date.to_string(),
        s => format!(
            "{date} {:02}:{:02}:{:02}",
            (s / 3600).min(23),
            (s % 3600) / 60,
            s % 60
        ),
    })
}

/// Reads `sheet` of the workbook at `path` and sends its header, then its rows, to `send`.
fn read_sheet(
    path: &Path,
    sheet: &str,
    header_row: usize,
    max_rows: u64,
    send: &std::sync::mpsc::SyncSender<Message>,
) -> Result<(), String> {
    let mut workbook = open(path)?;
    let mut cells = workbook
        .worksheet_cells_reader(sheet)
        .map_err(|e| format!("The sheet \"{sheet}\" could not be read: {e}."))?;
    let header_row = header_row as u32;
    // The sheet's used columns, as it declares them: a column whose header cell is empty still
    // counts (`Column N`).
    let declared = cells.dimensions().end.1 as usize + 1;
    let mut headers: Vec<Option<String>> = Vec::new();
    let mut width = None::<usize>;
    let mut batch = Batch::new(1);
    let mut row: Vec<Option<DataRef<'_>>> = Vec::new();
    let mut current = None::<u32>;
    let mut count: u64 = 0;
    let flush_row = |row: &mut Vec<Option<DataRef<'_>>>, batch: &mut Batch, width: usize| {
        for at in 0..width {
            match row.get(at).and_then(Option::as_ref) {
                Some(value) => push_cell(batch, value),
                None => batch.push(None),
            }
        }
        row.clear();
    };
    loop {
        let cell = cells
            .next_cell()
            .map_err(|e| format!("The sheet \"{sheet}\" could not be read: {e}."))?;
        let position = cell.as_ref().map(|c| c.get_position());
        // A new row starts (or the sheet ends): the header once it is whole, or the row before.
        if position.map(|p| p.0) != current {
            match (current, width) {
                (Some(r), None) if r >= header_row => {
                    let mut names = std::mem::take(&mut headers);
                    if names.len() < declared && declared <= 16_384 {
                        names.resize(declared, None);
                    }
                    let names: Vec<String> = names
                        .into_iter()
                        .enumerate()
                        .map(|(at, name)| {
                            name.filter(|n| !n.trim().is_empty())
                                .unwrap_or_else(|| format!("Column {}", at + 1))
                        })
                        .collect();
                    width = Some(names.len());
                    batch = Batch::new(names.len());
                    if send.send(Message::Headers(names)).is_err() {
                        return Ok(());
                    }
                }
                (Some(_), Some(w)) => {
                    count += 1;
                    if count > max_rows {
                        return Err(format!(
                            "The sheet has more than {max_rows} rows, the limit (source_max_rows)."
                        ));
                    }
                    flush_row(&mut row, &mut batch, w);
                    if batch.rows() >= BATCH_ROWS || batch.text_bytes() >= BATCH_BYTES {
                        let full = std::mem::replace(&mut batch, Batch::new(w));
                        if send.send(Message::Rows(full)).is_err() {
                            return Ok(());
                        }
                    }
                }
                _ => {}
            }
            current = position.map(|p| p.0);
        }
        let Some(cell) = cell else { break };
        let (r, c) = cell.get_position();
        let c = c as usize;
        if r < header_row {
            continue;
        }
        match width {
            None => {
                if headers.len() <= c {
                    headers.resize(c + 1, None);
                }
                let name = match cell.get_value() {
                    DataRef::Empty => None,
                    value => {
                        let mut one = Batch::new(1);
                        push_cell(&mut one, value);
                        one.text(0, 0).map(|t| t.trim().to_string())
                    }
                };
                headers[c] = name;
            }
            Some(w) if c < w => {
                if row.len() <= c {
                    row.resize(c + 1, None);
                }
                row[c] = Some(cell.get_value().clone());
            }
            Some(_) if !matches!(cell.get_value(), DataRef::Empty) => {
                return Err(format!(
                    "Row {} of \"{sheet}\" has a value in column {}, right of the header's last column: give that column a name in the header row.",
                    r + 1,
                    c + 1
                ));
            }
            Some(_) => {}
        }
    }
    if width.is_none() {
        return Err(format!(
            "The sheet \"{sheet}\" has no row {} to take its column names from.",
            header_row + 1
        ));
    }
    if batch.rows() > 0 {
        let _ = send.send(Message::Rows(batch));
    }
    Ok(())
}

/// A sheet's rows for the load, read on a thread of their own.
pub struct SheetRows {
    start: Option<(PathBuf, String, usize, u64)>,
    receiver: Option<std::sync::mpsc::Receiver<Message>>,
}

impl SheetRows {
    pub fn new(path: PathBuf, sheet: String, header_row: usize, max_rows: u64) -> SheetRows {
        SheetRows {
            start: Some((path, sheet, header_row, max_rows)),
            receiver: None,
        }
    }
}

impl RowSource for SheetRows {
    fn headers(&mut self) -> Result<Vec<String>, String> {
        let (path, sheet, header_row, max_rows) =
            self.start.take().ok_or("The sheet was opened twice.")?;
        let (send, receive) = std::sync::mpsc::sync_channel(2);
        std::thread::Builder::new()
            .name("sheet".into())
            .spawn(move || {
                if let Err(message) = read_sheet(&path, &sheet, header_row, max_rows, &send) {
                    let _ = send.send(Message::Failed(message));
                }
            })
            .map_err(|e| e.to_string())?;
        let first = receive.recv();
        self.receiver = Some(receive);
        match first {
            Ok(Message::Headers(names)) => Ok(names),
            Ok(Message::Failed(message)) => Err(message),
            _ => Err("The sheet ended before its column names.".into()),
        }
    }

    fn next_batch(&mut self, batch: &mut Batch) -> Result<bool, String> {
        match self.receiver.as_ref().map(|r| r.recv()) {
            Some(Ok(Message::Rows(rows))) => {
                *batch = rows;
                Ok(true)
            }
            Some(Ok(Message::Failed(message))) => Err(message),
            Some(Ok(Message::Headers(_))) => Err("The sheet sent its column names twice.".into()),
            Some(Err(_)) => Ok(false),
            None => Err("The sheet was not opened.".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::excel_date;

    #[test]
    fn excel_serial_dates_are_written_as_dates() {
        let cases: &[(f64, Option<&str>)] = &[
            (1.0, Some("1900-01-01")),
            (59.0, Some("1900-02-28")),
            (61.0, Some("1900-03-01")),
            (45_992.0, Some("2025-12-01")),
            (45_992.5, Some("2025-12-01 12:00:00")),
            (45_992.75, Some("2025-12-01 18:00:00")),
            (-1.0, None),
        ];
        for &(serial, text) in cases {
            assert_eq!(excel_date(serial, true).as_deref(), text, "{serial}");
        }
        assert_eq!(excel_date(1.5, false), None, "a duration stays a number");
    }
}
