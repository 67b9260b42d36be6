//! RFC 5545 recurrence rules, the `RRULE:` lines Qlik's reload tasks keep: read, checked and put
//! in words. Which instants a rule names depends on a time zone and is worked out on the server
//! (`schedule.rs`); this part is pure text and runs on both sides.
//!
//! Supported: `FREQ` of `HOURLY`, `DAILY`, `WEEKLY`, `MONTHLY`, `YEARLY`; `INTERVAL`, `COUNT`,
//! `UNTIL`, `WKST`; `BYMONTH`, `BYMONTHDAY`, `BYDAY` (with `1MO`, `-1FR` in a month), `BYHOUR`,
//! `BYMINUTE`, `BYSECOND`. Refused, with words: more often than hourly, `BYSETPOS`,
//! `BYYEARDAY`, `BYWEEKNO`, and `DTSTART`/`EXDATE` lines (the start and end are the task's).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Freq {
    Hourly,
    Daily,
    Weekly,
    Monthly,
    Yearly,
}

/// A weekday of `BYDAY`, Monday 0 to Sunday 6, with its place in the month (`1` first, `-1`
/// last; `0` every one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DaySpec {
    pub nth: i8,
    pub weekday: u8,
}

/// `UNTIL`: an instant (written with `Z`), or a local date and time in the task's time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Until {
    Utc(Civil),
    Local(Civil),
}

/// A date and time without a zone, as days since 1970-01-01 and seconds into the day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Civil {
    pub days: i64,
    pub seconds: u32,
}

/// One rule, read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    pub freq: Freq,
    pub interval: u32,
    pub count: Option<u32>,
    pub until: Option<Until>,
    /// The first day of a week, Monday 0.
    pub week_start: u8,
    pub by_month: Vec<u8>,
    pub by_month_day: Vec<i8>,
    pub by_day: Vec<DaySpec>,
    pub by_hour: Vec<u8>,
    pub by_minute: Vec<u8>,
    pub by_second: Vec<u8>,
}

/// The most runs a `COUNT` may ask for.
pub const MAX_COUNT: u32 = 10_000;
/// The most minutes in an hour a rule may name (`BYMINUTE=0,15,30,45`): a schedule runs at most
/// every quarter of an hour.
pub const MAX_MINUTES: usize = 4;

pub const WEEKDAYS: [&str; 7] = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];
pub const WEEKDAY_NAMES: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year - era * 400;
    let m = month as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number: (year, month, day).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + if month <= 2 { 1 } else { 0 };
    (year, month, day)
}

/// Monday 0 to Sunday 6 (1970-01-01 was a Thursday).
pub fn weekday_of(days: i64) -> u8 {
    (days + 3).rem_euclid(7) as u8
}

pub fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

impl Civil {
    pub fn new(year: i64, month: u32, day: u32, hour: u32, minute: u32, second: u32) -> Civil {
        Civil {
            days: days_from_civil(year, month, day),
            seconds: hour * 3600 + minute * 60 + second,
        }
    }

    /// (year, month, day, hour, minute, second).
    pub fn parts(self) -> (i64, u32, u32, u32, u32, u32) {
        let (y, m, d) = civil_from_days(self.days);
        (
            y,
            m,
            d,
            self.seconds / 3600,
            self.seconds / 60 % 60,
            self.seconds % 60,
        )
    }

    /// Reads `2027-03-28T08:00:00` (seconds may be left out; a trailing offset or `Z` is the
    /// caller's to take off first).
    pub fn parse_iso(text: &str) -> Option<Civil> {
        let (date, time) = text.split_once(['T', ' ']).unwrap_or((text, "00:00:00"));
        let mut d = date.splitn(3, '-');
        let year: i64 = d.next()?.parse().ok()?;
        let month: u32 = d.next()?.parse().ok()?;
        let day: u32 = d.next()?.parse().ok()?;
        let time = time.split('.').next()?;
        let mut t = time.splitn(3, ':');
        let hour: u32 = t.next()?.parse().ok()?;
        let minute: u32 = t.next()?.parse().ok()?;
        let second: u32 = t.next().map(str::parse).transpose().ok()?.unwrap_or(0);
        Civil::checked(year, month, day, hour, minute, second)
    }

    /// Reads RFC 5545's `20271231T235900` or `20271231`.
    fn parse_basic(text: &str) -> Option<Civil> {
        let digits = |range: std::ops::Range<usize>| -> Option<u32> {
            let part = text.get(range)?;
            part.bytes()
                .all(|b| b.is_ascii_digit())
                .then(|| part.parse().ok())?
        };
        let (year, month, day) = (digits(0..4)? as i64, digits(4..6)?, digits(6..8)?);
        let (hour, minute, second) = match text.len() {
            8 => (0, 0, 0),
            15 if text.as_bytes()[8] == b'T' => (digits(9..11)?, digits(11..13)?, digits(13..15)?),
            _ => return None,
        };
        Civil::checked(year, month, day, hour, minute, second)
    }

    fn checked(year: i64, month: u32, day: u32, hour: u32, min: u32, sec: u32) -> Option<Civil> {
        let valid = (1..=9999).contains(&year)
            && (1..=12).contains(&month)
            && (1..=days_in_month(year, month)).contains(&day)
            && hour < 24
            && min < 60
            && sec < 60;
        valid.then(|| Civil::new(year, month, day, hour, min, sec))
    }

    /// `2027-03-28T08:00:00`, as Qlik writes a task's start and end.
    pub fn iso(self) -> String {
        let (y, m, d, h, mi, s) = self.parts();
        format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}")
    }
}

fn numbers<T: std::str::FromStr + PartialOrd + Copy>(
    name: &str,
    value: &str,
    range: std::ops::RangeInclusive<T>,
) -> Result<Vec<T>, String> {
    let mut out = Vec::new();
    for part in value.split(',') {
        match part.trim().parse::<T>() {
            Ok(n) if range.contains(&n) => out.push(n),
            _ => {
                return Err(format!(
                    "{name}={value} is not a list of numbers in the range it allows."
                ))
            }
        }
    }
    Ok(out)
}

fn weekday(code: &str) -> Option<u8> {
    WEEKDAYS.iter().position(|w| *w == code).map(|i| i as u8)
}

/// Reads one `RRULE:` line (the `RRULE:` itself may be left out).
pub fn parse_rule(line: &str) -> Result<Rule, String> {
    let line = line.trim();
    let upper = line.to_ascii_uppercase();
    let body = match upper.split_once(':') {
        Some(("RRULE", body)) => body.to_string(),
        Some((name, _)) => {
            return Err(format!(
                "{name} lines are not taken: a recurrence is RRULE lines; the start and end are the task's startDateTime and endDateTime."
            ))
        }
        None => upper,
    };
    let mut rule = Rule {
        freq: Freq::Daily,
        interval: 1,
        count: None,
        until: None,
        week_start: 0,
        by_month: Vec::new(),
        by_month_day: Vec::new(),
        by_day: Vec::new(),
        by_hour: Vec::new(),
        by_minute: Vec::new(),
        by_second: Vec::new(),
    };
    let mut freq = None;
    for part in body.split(';').filter(|p| !p.trim().is_empty()) {
        let (name, value) = part
            .split_once('=')
            .ok_or_else(|| format!("\"{part}\" is not NAME=VALUE."))?;
        let (name, value) = (name.trim(), value.trim());
        match name {
            "FREQ" => {
                freq = Some(match value {
                    "HOURLY" => Freq::Hourly,
                    "DAILY" => Freq::Daily,
                    "WEEKLY" => Freq::Weekly,
                    "MONTHLY" => Freq::Monthly,
                    "YEARLY" => Freq::Yearly,
                    "MINUTELY" | "SECONDLY" => {
                        return Err("A reload runs at most every hour (or at up to four minutes of each hour with BYMINUTE): FREQ=MINUTELY and SECONDLY are not taken.".into())
                    }
                    other => return Err(format!("FREQ={other} is not a frequency: use HOURLY, DAILY, WEEKLY, MONTHLY or YEARLY.")),
                })
            }
            "INTERVAL" => rule.interval = numbers(name, value, 1..=1000)?[0],
            "COUNT" => rule.count = Some(numbers(name, value, 1..=MAX_COUNT)?[0]),
            "UNTIL" => {
                let (text, utc) = match value.strip_suffix('Z') {
                    Some(text) => (text, true),
                    None => (value, false),
                };
                let civil = Civil::parse_basic(text).ok_or_else(|| {
                    format!("UNTIL={value} is not a date (20271231) or a date and time (20271231T235900Z).")
                })?;
                rule.until = Some(if utc { Until::Utc(civil) } else { Until::Local(civil) });
            }
            "WKST" => {
                rule.week_start = weekday(value)
                    .ok_or_else(|| format!("WKST={value} is not a weekday (MO to SU)."))?
            }
            "BYMONTH" => rule.by_month = numbers(name, value, 1..=12)?,
            "BYMONTHDAY" => {
                rule.by_month_day = numbers(name, value, -31..=31)?;
                if rule.by_month_day.contains(&0) {
                    return Err("BYMONTHDAY=0 is not a day: use 1 to 31, or -1 for the last.".into());
                }
            }
            "BYDAY" => {
                for code in value.split(',') {
                    let code = code.trim();
                    let split = code.len().saturating_sub(2);
                    let (nth, day) = code.split_at(split);
                    let weekday = weekday(day)
                        .ok_or_else(|| format!("BYDAY {code} is not a weekday (MO, TU, WE, TH, FR, SA, SU, or 1MO, -1FR)."))?;
                    let nth = match nth {
                        "" => 0,
                        n => match n.trim_start_matches('+').parse::<i8>() {
                            Ok(n) if n != 0 && (-5..=5).contains(&n) => n,
                            _ => return Err(format!("BYDAY {code}: a weekday's place in the month is 1 to 5 or -1 to -5.")),
                        },
                    };
                    rule.by_day.push(DaySpec { nth, weekday });
                }
            }
            "BYHOUR" => rule.by_hour = numbers(name, value, 0..=23)?,
            "BYMINUTE" => rule.by_minute = numbers(name, value, 0..=59)?,
            "BYSECOND" => rule.by_second = numbers(name, value, 0..=59)?,
            "BYSETPOS" | "BYYEARDAY" | "BYWEEKNO" => {
                return Err(format!("{name} is not taken: name the days with BYDAY and BYMONTHDAY."))
            }
            other => return Err(format!("{other} is not part of a recurrence rule.")),
        }
    }
    rule.freq =
        freq.ok_or("A recurrence rule needs FREQ (HOURLY, DAILY, WEEKLY, MONTHLY or YEARLY).")?;
    if rule.count.is_some() && rule.until.is_some() {
        return Err("A rule has COUNT or UNTIL, not both.".into());
    }
    let has_nth = rule.by_day.iter().any(|d| d.nth != 0);
    if has_nth && !matches!(rule.freq, Freq::Monthly | Freq::Yearly) {
        return Err("A weekday's place (like -1FR, the last Friday) is for MONTHLY rules.".into());
    }
    if has_nth && rule.freq == Freq::Yearly && rule.by_month.is_empty() {
        return Err("A weekday's place in a YEARLY rule needs BYMONTH.".into());
    }
    if rule.by_minute.len() > MAX_MINUTES {
        return Err(format!(
            "A rule names at most {MAX_MINUTES} minutes of the hour."
        ));
    }
    if rule.by_second.len() > 1 {
        return Err("A rule names at most one second (BYSECOND).".into());
    }
    for list in [&mut rule.by_month, &mut rule.by_hour, &mut rule.by_minute] {
        list.sort_unstable();
        list.dedup();
    }
    Ok(rule)
}

fn list<T: std::fmt::Display>(items: impl IntoIterator<Item = T>) -> String {
    let items: Vec<String> = items.into_iter().map(|i| i.to_string()).collect();
    match items.len() {
        0 => String::new(),
        1 => items[0].clone(),
        n => format!("{} and {}", items[..n - 1].join(", "), items[n - 1]),
    }
}

fn ordinal(n: i8) -> String {
    match n {
        -1 => "last".into(),
        -2 => "second to last".into(),
        1 => "first".into(),
        2 => "second".into(),
        3 => "third".into(),
        4 => "fourth".into(),
        5 => "fifth".into(),
        n => format!("{n}th from the end"),
    }
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A rule in words, for the pages: "Every day at 08:00 and 14:00", "Every 2 weeks on Monday and
/// Friday at 09:30", "Every month on the last Friday at 06:00". `start` gives the times, days
/// and months the rule leaves to it.
pub fn describe(rule: &Rule, start: Civil) -> String {
    let (_, month, day, hour, minute, second) = start.parts();
    let every = |one: &str, many: &str| match rule.interval {
        1 => format!("Every {one}"),
        n => format!("Every {n} {many}"),
    };
    let minutes: Vec<u32> = if rule.by_minute.is_empty() {
        vec![minute]
    } else {
        rule.by_minute.iter().map(|&m| m as u32).collect()
    };
    let hours: Vec<u32> = if rule.by_hour.is_empty() {
        vec![hour]
    } else {
        rule.by_hour.iter().map(|&h| h as u32).collect()
    };
    let second = rule.by_second.first().map(|&s| s as u32).unwrap_or(second);
    let secs = |s: u32| {
        if s == 0 {
            String::new()
        } else {
            format!(":{s:02}")
        }
    };
    let mut text = match rule.freq {
        Freq::Hourly => format!(
            "{} at {} past",
            every("hour", "hours"),
            list(minutes.iter().map(|m| format!(":{m:02}{}", secs(second))))
        ),
        _ => {
            let times = hours
                .iter()
                .flat_map(|h| minutes.iter().map(move |m| format!("{h:02}:{m:02}")))
                .map(|t| format!("{t}{}", secs(second)));
            let at = format!("at {}", list(times));
            let days = |default: String| -> String {
                let mut parts = Vec::new();
                if !rule.by_month_day.is_empty() {
                    parts.push(format!(
                        "day {}",
                        list(rule.by_month_day.iter().map(|&d| match d {
                            -1 => "the last".to_string(),
                            d if d < 0 => format!("{} from the end", -d),
                            d => d.to_string(),
                        }))
                    ));
                }
                if !rule.by_day.is_empty() {
                    parts.push(list(rule.by_day.iter().map(|d| match d.nth {
                        0 => WEEKDAY_NAMES[d.weekday as usize].to_string(),
                        n => format!("the {} {}", ordinal(n), WEEKDAY_NAMES[d.weekday as usize]),
                    })));
                }
                if parts.is_empty() {
                    default
                } else {
                    parts.join(" that is a ")
                }
            };
            match rule.freq {
                Freq::Daily if rule.by_day.is_empty() => format!("{} {at}", every("day", "days")),
                Freq::Daily => format!("{} on {} {at}", every("day", "days"), days(String::new())),
                Freq::Weekly => format!(
                    "{} on {} {at}",
                    every("week", "weeks"),
                    days(WEEKDAY_NAMES[weekday_of(start.days) as usize].to_string())
                ),
                Freq::Monthly => format!(
                    "{} on {} {at}",
                    every("month", "months"),
                    days(format!("day {day}"))
                ),
                _ => format!(
                    "{} on {}{} {at}",
                    every("year", "years"),
                    days(format!("day {day}")),
                    if rule.by_month.is_empty() {
                        format!(" of {}", MONTHS[month as usize - 1])
                    } else {
                        String::new()
                    }
                ),
            }
        }
    };
    if !rule.by_month.is_empty() {
        text.push_str(&format!(
            ", in {}",
            list(rule.by_month.iter().map(|&m| MONTHS[m as usize - 1]))
        ));
    }
    match (&rule.count, &rule.until) {
        (Some(n), _) => text.push_str(&format!(", {n} times")),
        (_, Some(Until::Utc(c))) => {
            text.push_str(&format!(", until {} UTC", c.iso().replace('T', " ")))
        }
        (_, Some(Until::Local(c))) => {
            text.push_str(&format!(", until {}", c.iso().replace('T', " ")))
        }
        _ => {}
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_numbers_round_trip_and_know_their_weekday() {
        for days in -800_000..800_000 {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        // 2027-03-28 is a Sunday; 2024-02-29 a Thursday.
        assert_eq!(weekday_of(days_from_civil(2027, 3, 28)), 6);
        assert_eq!(weekday_of(days_from_civil(2024, 2, 29)), 3);
        assert_eq!(days_in_month(2024, 2), 29);
        assert_eq!(days_in_month(1900, 2), 28);
        assert_eq!(days_in_month(2000, 2), 29);
    }

    #[test]
    fn rules_read_as_qlik_writes_them_and_in_words() {
        let start = Civil::parse_iso("2027-03-01T08:00:00").unwrap();
        let cases = [
            (
                "RRULE:FREQ=DAILY;INTERVAL=1;BYHOUR=8;BYMINUTE=0;BYSECOND=0",
                "Every day at 08:00",
            ),
            (
                "RRULE:FREQ=DAILY;BYHOUR=8,12,16;BYMINUTE=30",
                "Every day at 08:30, 12:30 and 16:30",
            ),
            (
                "RRULE:FREQ=HOURLY;INTERVAL=2;BYMINUTE=15",
                "Every 2 hours at :15 past",
            ),
            (
                "RRULE:FREQ=HOURLY;BYMINUTE=0,30",
                "Every hour at :00 and :30 past",
            ),
            (
                "RRULE:FREQ=WEEKLY;BYDAY=MO,FR;BYHOUR=9;BYMINUTE=30",
                "Every week on Monday and Friday at 09:30",
            ),
            ("FREQ=WEEKLY;INTERVAL=2", "Every 2 weeks on Monday at 08:00"),
            (
                "RRULE:FREQ=MONTHLY;BYDAY=-1FR;BYHOUR=6;BYMINUTE=0",
                "Every month on the last Friday at 06:00",
            ),
            (
                "RRULE:FREQ=MONTHLY;BYMONTHDAY=-1",
                "Every month on day the last at 08:00",
            ),
            (
                "RRULE:FREQ=MONTHLY;BYMONTHDAY=1,15;COUNT=6",
                "Every month on day 1 and 15 at 08:00, 6 times",
            ),
            ("RRULE:FREQ=YEARLY", "Every year on day 1 of March at 08:00"),
            (
                "RRULE:FREQ=DAILY;UNTIL=20271231T235900Z",
                "Every day at 08:00, until 2027-12-31 23:59:00 UTC",
            ),
            (
                "rrule:freq=daily;byday=mo,tu,we,th,fr",
                "Every day on Monday, Tuesday, Wednesday, Thursday and Friday at 08:00",
            ),
        ];
        for (line, words) in cases {
            let rule = parse_rule(line).unwrap_or_else(|e| panic!("{line}: {e}"));
            assert_eq!(describe(&rule, start), words, "{line}");
        }
    }

    #[test]
    fn rules_that_cannot_be_kept_say_why() {
        let cases = [
            ("RRULE:FREQ=MINUTELY", "at most every hour"),
            ("RRULE:INTERVAL=2", "needs FREQ"),
            ("RRULE:FREQ=FORTNIGHTLY", "not a frequency"),
            ("DTSTART:20270101T000000Z", "startDateTime"),
            ("EXDATE:20270101T000000Z", "EXDATE lines are not taken"),
            (
                "RRULE:FREQ=MONTHLY;BYSETPOS=-1;BYDAY=MO,TU",
                "BYSETPOS is not taken",
            ),
            ("RRULE:FREQ=DAILY;BYHOUR=24", "BYHOUR=24"),
            ("RRULE:FREQ=DAILY;BYMONTHDAY=0", "BYMONTHDAY=0"),
            ("RRULE:FREQ=WEEKLY;BYDAY=1MO", "MONTHLY rules"),
            ("RRULE:FREQ=MONTHLY;BYDAY=XX", "not a weekday"),
            ("RRULE:FREQ=MONTHLY;BYDAY=9MO", "1 to 5"),
            (
                "RRULE:FREQ=HOURLY;BYMINUTE=0,10,20,30,40",
                "at most 4 minutes",
            ),
            ("RRULE:FREQ=DAILY;COUNT=2;UNTIL=20270101", "not both"),
            ("RRULE:FREQ=DAILY;UNTIL=2027-01-01", "not a date"),
            ("RRULE:FREQ=DAILY;COUNT=0", "COUNT=0"),
            ("RRULE:FREQ=DAILY;COLOR=RED", "COLOR is not part"),
        ];
        for (line, words) in cases {
            let error = parse_rule(line).expect_err(line);
            assert!(error.contains(words), "{line}: {error}");
        }
    }

    #[test]
    fn dates_and_times_read_strictly() {
        assert_eq!(
            Civil::parse_iso("2027-03-28T02:30").map(Civil::iso),
            Some("2027-03-28T02:30:00".into())
        );
        assert_eq!(
            Civil::parse_iso("2027-03-28T02:30:15.000").map(Civil::iso),
            Some("2027-03-28T02:30:15".into())
        );
        for bad in [
            "2027-02-29T00:00:00",
            "2027-13-01T00:00",
            "tomorrow",
            "2027-01-01T25:00",
        ] {
            assert_eq!(Civil::parse_iso(bad), None, "{bad}");
        }
    }
}
