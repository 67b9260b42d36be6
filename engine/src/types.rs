//! Field types, inferred over a whole column: integer, decimal, date, timestamp, else text.

use std::cmp::Ordering;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldType {
    Integer,
    Decimal,
    Date,
    Timestamp,
    /// A time of day.
    Time,
    Text,
}

impl FieldType {
    /// The type as people read it (and as the load plan writes it).
    pub fn name(self) -> &'static str {
        match self {
            FieldType::Integer => "integer",
            FieldType::Decimal => "decimal",
            FieldType::Date => "date",
            FieldType::Timestamp => "timestamp",
            FieldType::Time => "time",
            FieldType::Text => "text",
        }
    }

    /// Whether a measure can add its values up (sum, average, minimum, maximum).
    pub fn is_numeric(self) -> bool {
        matches!(self, FieldType::Integer | FieldType::Decimal)
    }
}

/// One distinct value of a field.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Int(i64),
    Num(f64),
    /// Days since 1970-01-01.
    Date(i32),
    /// Milliseconds since 1970-01-01T00:00:00: as written in the file, or in UTC when the file
    /// gave a zone (`Z`, `+02:00`).
    Timestamp(i64),
    /// Milliseconds since midnight.
    Time(i32),
    Text(String),
}

impl Value {
    /// Numbers order by value, text by characters; a field holds one type, so mixed comparisons
    /// only decide ties.
    pub fn cmp_total(&self, other: &Value) -> Ordering {
        use Value::*;
        match (self, other) {
            (Int(a), Int(b)) => a.cmp(b),
            (Num(a), Num(b)) => a.total_cmp(b),
            (Date(a), Date(b)) => a.cmp(b),
            (Timestamp(a), Timestamp(b)) => a.cmp(b),
            (Time(a), Time(b)) => a.cmp(b),
            (Text(a), Text(b)) => a.cmp(b),
            (a, b) => a.rank().cmp(&b.rank()),
        }
    }

    fn rank(&self) -> u8 {
        match self {
            Value::Int(_) => 0,
            Value::Num(_) => 1,
            Value::Date(_) => 2,
            Value::Timestamp(_) => 3,
            Value::Time(_) => 4,
            Value::Text(_) => 5,
        }
    }

    /// A number a measure can add up; text and dates have none.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Num(n) => Some(*n),
            _ => None,
        }
    }
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Int(i) => write!(f, "{i}"),
            Value::Num(n) => write!(f, "{n}"),
            Value::Date(d) => {
                let (y, m, day) = civil_from_days(*d);
                write!(f, "{y:04}-{m:02}-{day:02}")
            }
            Value::Timestamp(ms) => {
                let days = ms.div_euclid(86_400_000);
                let rest = ms.rem_euclid(86_400_000) / 1000;
                let (y, m, d) = civil_from_days(days as i32);
                write!(
                    f,
                    "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
                    rest / 3600,
                    rest / 60 % 60,
                    rest % 60
                )
            }
            Value::Time(ms) => {
                let s = ms / 1000;
                write!(f, "{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
            }
            Value::Text(t) => f.write_str(t),
        }
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(y: i32, m: u32, d: u32) -> i32 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe as u32 * 365 + yoe as u32 / 4 - yoe as u32 / 100 + doy;
    era * 146_097 + doe as i32 - 719_468
}

pub fn civil_from_days(z: i32) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = (z - era * 146_097) as u32;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe as i32 + era * 400 + i32::from(m <= 2);
    (y, m, d)
}

fn parse_date(text: &str) -> Option<i32> {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let y: i32 = text[0..4].parse().ok()?;
    let m: u32 = text[5..7].parse().ok()?;
    let d: u32 = text[8..10].parse().ok()?;
    let days_in_month = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => return None,
    };
    (1..=days_in_month)
        .contains(&d)
        .then(|| days_from_civil(y, m, d))
}

/// `YYYY-MM-DD`, a space or `T`, a time of day, then optionally a zone: `Z` or an offset
/// (`+02:00`, `+0200`, `-05`). A zoned timestamp is kept in UTC.
fn parse_timestamp(text: &str) -> Option<i64> {
    if text.len() < 16 || !matches!(text.as_bytes()[10], b' ' | b'T') {
        return None;
    }
    let days = parse_date(&text[0..10])?;
    let rest = &text[11..];
    let (time, offset_minutes) = split_zone(rest)?;
    let millis = parse_time(time)?;
    Some(i64::from(days) * 86_400_000 + i64::from(millis) - offset_minutes * 60_000)
}

/// A time of day and the minutes its zone is ahead of UTC (0 for none or `Z`).
fn split_zone(text: &str) -> Option<(&str, i64)> {
    if let Some(time) = text.strip_suffix('Z').or_else(|| text.strip_suffix('z')) {
        return Some((time, 0));
    }
    // An offset starts at the last sign after the seconds (a time has no sign of its own).
    let Some(at) = text.rfind(['+', '-']) else {
        return Some((text, 0));
    };
    let (time, zone) = text.split_at(at);
    let sign = if zone.starts_with('-') { -1 } else { 1 };
    let digits: String = zone[1..].chars().filter(|c| *c != ':').collect();
    if !digits.bytes().all(|b| b.is_ascii_digit()) || !matches!(digits.len(), 2 | 4) {
        return None;
    }
    let hours: i64 = digits[0..2].parse().ok()?;
    let minutes: i64 = if digits.len() == 4 {
        digits[2..4].parse().ok()?
    } else {
        0
    };
    if hours > 14 || minutes > 59 {
        return None;
    }
    Some((time, sign * (hours * 60 + minutes)))
}

/// `HH:MM`, `HH:MM:SS` or `HH:MM:SS.fff…`: milliseconds since midnight.
fn parse_time(text: &str) -> Option<i32> {
    let (hms, fraction) = text.split_once('.').unwrap_or((text, ""));
    let parts: Vec<&str> = hms.split(':').collect();
    if !matches!(parts.len(), 2 | 3)
        || parts
            .iter()
            .any(|p| p.len() != 2 || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let number = |p: &str| p.parse::<i32>().ok();
    let (h, mi) = (number(parts[0])?, number(parts[1])?);
    let s = match parts.get(2) {
        Some(p) => number(p)?,
        None if fraction.is_empty() => 0,
        None => return None,
    };
    if h > 23 || mi > 59 || s > 59 {
        return None;
    }
    let millis: i32 = if fraction.is_empty() {
        0
    } else if fraction.bytes().all(|b| b.is_ascii_digit()) {
        format!("{:0<3}", &fraction[..fraction.len().min(3)])
            .parse()
            .ok()?
    } else {
        return None;
    };
    Some(((h * 60 + mi) * 60 + s) * 1000 + millis)
}

fn parse_integer(text: &str) -> Option<i64> {
    // "007" is a code, not seven: leading zeros keep a column textual.
    let digits = text.strip_prefix('-').unwrap_or(text);
    if digits.len() > 1 && digits.starts_with('0') {
        return None;
    }
    text.parse().ok()
}

fn parse_decimal(text: &str) -> Option<f64> {
    let unsigned = text.trim_start_matches(['-', '+']);
    if unsigned.len() > 1 && unsigned.starts_with('0') && unsigned.as_bytes()[1].is_ascii_digit() {
        return None;
    }
    let ok = text
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'))
        && text.bytes().any(|b| b.is_ascii_digit());
    ok.then(|| text.parse().ok())
        .flatten()
        .filter(|n: &f64| n.is_finite())
}

/// The narrowest type every non-empty cell seen so far fits, narrowed one cell at a time so
/// that a column is typed while the file streams by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TypeGuess(u8);

const INTEGER: u8 = 1;
const DECIMAL: u8 = 2;
const DATE: u8 = 4;
const TIMESTAMP: u8 = 8;
const TIME: u8 = 16;

impl Default for TypeGuess {
    fn default() -> Self {
        TypeGuess(INTEGER | DECIMAL | DATE | TIMESTAMP | TIME)
    }
}

impl TypeGuess {
    pub fn observe(&mut self, cell: &str) {
        if self.0 & INTEGER != 0 && parse_integer(cell).is_none() {
            self.0 &= !INTEGER;
        }
        if self.0 & INTEGER == 0 && self.0 & DECIMAL != 0 && parse_decimal(cell).is_none() {
            self.0 &= !DECIMAL;
        }
        if self.0 & DATE != 0 && parse_date(cell).is_none() {
            self.0 &= !DATE;
        }
        // A timestamp column may hold plain dates (midnight).
        if self.0 & TIMESTAMP != 0 && parse_timestamp(cell).is_none() && parse_date(cell).is_none()
        {
            self.0 &= !TIMESTAMP;
        }
        if self.0 & TIME != 0 && parse_time(cell).is_none() {
            self.0 &= !TIME;
        }
    }

    /// Why the column has its type, in words for the data-model step.
    pub fn reason(self) -> &'static str {
        match self.field_type() {
            FieldType::Integer => "every value is a whole number",
            FieldType::Decimal => "every value is a number, some with decimals",
            FieldType::Date => "every value is a date written YYYY-MM-DD",
            FieldType::Timestamp => "every value is a date and time (ISO 8601)",
            FieldType::Time => "every value is a time of day",
            FieldType::Text => "some values are neither numbers nor dates",
        }
    }

    pub fn field_type(self) -> FieldType {
        if self.0 & INTEGER != 0 {
            FieldType::Integer
        } else if self.0 & DECIMAL != 0 {
            FieldType::Decimal
        } else if self.0 & DATE != 0 {
            FieldType::Date
        } else if self.0 & TIMESTAMP != 0 {
            FieldType::Timestamp
        } else if self.0 & TIME != 0 {
            FieldType::Time
        } else {
            FieldType::Text
        }
    }
}

/// The narrowest type every non-empty cell of a column fits.
pub fn infer<'a>(cells: impl Iterator<Item = Option<&'a str>>) -> FieldType {
    let mut guess = TypeGuess::default();
    for cell in cells.flatten() {
        guess.observe(cell);
    }
    guess.field_type()
}

/// A cell as a value of the field's type, or `None` when it is not one (a type the user chose
/// that some cells do not fit).
pub fn parse_as(text: &str, field_type: FieldType) -> Option<Value> {
    match field_type {
        FieldType::Integer => parse_integer(text).map(Value::Int),
        FieldType::Decimal => parse_decimal(text).map(Value::Num),
        FieldType::Date => parse_date(text).map(Value::Date),
        FieldType::Timestamp => parse_timestamp(text)
            .or_else(|| parse_date(text).map(|d| i64::from(d) * 86_400_000))
            .map(Value::Timestamp),
        FieldType::Time => parse_time(text).map(Value::Time),
        FieldType::Text => Some(Value::Text(text.to_string())),
    }
}

/// A cell as a value of the field's type (the type was inferred to fit, so this succeeds).
pub fn value_of(text: &str, field_type: FieldType) -> Value {
    let fallback = || Value::Text(text.to_string());
    match field_type {
        FieldType::Integer => parse_integer(text).map(Value::Int).unwrap_or_else(fallback),
        FieldType::Decimal => parse_decimal(text).map(Value::Num).unwrap_or_else(fallback),
        FieldType::Date => parse_date(text).map(Value::Date).unwrap_or_else(fallback),
        FieldType::Timestamp => parse_timestamp(text)
            .or_else(|| parse_date(text).map(|d| i64::from(d) * 86_400_000))
            .map(Value::Timestamp)
            .unwrap_or_else(fallback),
        FieldType::Time => parse_time(text).map(Value::Time).unwrap_or_else(fallback),
        FieldType::Text => fallback(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(cells: &[Option<&'static str>]) -> FieldType {
        infer(cells.iter().copied())
    }

    #[test]
    fn each_column_gets_the_narrowest_type_its_cells_fit() {
        let cases: Vec<(&[Option<&str>], FieldType)> = vec![
            (&[Some("1"), Some("-20"), None], FieldType::Integer),
            (&[Some("1"), Some("2.5")], FieldType::Decimal),
            (
                &[Some("2026-11-23"), None, Some("2024-02-29")],
                FieldType::Date,
            ),
            (
                &[Some("2026-11-23 09:00:00"), Some("2026-11-23T10:15:30.25")],
                FieldType::Timestamp,
            ),
            (
                &[Some("2026-11-23T09:00:00Z"), Some("2026-11-23T10:15+02:00")],
                FieldType::Timestamp,
            ),
            (&[Some("2013-01-01T05:00:00-0500")], FieldType::Timestamp),
            (&[Some("09:30"), Some("23:59:59.5")], FieldType::Time),
            (&[Some("2026-11-23T09:00:00Q")], FieldType::Text),
            (&[Some("24:00")], FieldType::Text),
            (&[Some("2023-02-29")], FieldType::Text),
            (&[Some("007"), Some("12")], FieldType::Text),
            (&[Some("North"), Some("1")], FieldType::Text),
            (&[None, None], FieldType::Integer),
        ];
        for (cells, expected) in cases {
            assert_eq!(column(cells), expected, "{cells:?}");
        }
    }

    #[test]
    fn values_print_as_they_were_written() {
        assert_eq!(
            value_of("2026-11-23", FieldType::Date).to_string(),
            "2026-11-23"
        );
        assert_eq!(value_of("1969-12-31", FieldType::Date), Value::Date(-1));
        assert_eq!(
            value_of("2026-11-23T09:05:07", FieldType::Timestamp).to_string(),
            "2026-11-23 09:05:07"
        );
        assert_eq!(value_of("2.50", FieldType::Decimal), Value::Num(2.5));
        assert_eq!(
            value_of("2013-01-01T05:00:00Z", FieldType::Timestamp),
            value_of("2013-01-01 07:00:00+02:00", FieldType::Timestamp),
            "a zoned timestamp is kept in UTC"
        );
        assert_eq!(
            value_of("2013-01-01T05:00:00Z", FieldType::Timestamp).to_string(),
            "2013-01-01 05:00:00"
        );
        assert_eq!(value_of("07:05", FieldType::Time).to_string(), "07:05:00");
        assert_eq!(parse_as("NA", FieldType::Decimal), None);
        for days in [-800_000, -1, 0, 59, 20_415, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }
}
