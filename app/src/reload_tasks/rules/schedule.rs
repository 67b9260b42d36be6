//! When a task runs: its recurrence rules, in its time zone, from its start to its end. Local
//! times that a daylight saving change skips run at the same time after the change (02:30 on
//! the spring morning runs at 03:30); times it repeats run once, the first time (RFC 5545 §3.3.5).
//! Hourly rules count elapsed hours, so the autumn night's repeated hour runs too.

use jiff::{tz::TimeZone, Timestamp};

use super::recurrence::*;

const HOUR_MS: i64 = 3_600_000;

/// A task's schedule, read and checked.
#[derive(Debug, Clone)]
pub struct Schedule {
    rules: Vec<Rule>,
    zone: TimeZone,
    zone_name: String,
    start: Civil,
    start_ms: i64,
    end_ms: Option<i64>,
}

/// Takes a trailing `Z` or `+01:00` off a date and time: (the rest, the offset in seconds).
fn split_offset(text: &str) -> (&str, Option<i32>) {
    if let Some(rest) = text.strip_suffix('Z').or_else(|| text.strip_suffix('z')) {
        return (rest, Some(0));
    }
    let Some(t) = text.find('T') else {
        return (text, None);
    };
    if let Some(at) = text[t..].rfind(['+', '-']).map(|i| i + t) {
        let offset = &text[at + 1..];
        let mut parts = offset.splitn(2, ':');
        let hours: Option<i32> = parts.next().and_then(|h| h.parse().ok());
        let minutes: Option<i32> = parts.next().map_or(Some(0), |m| m.parse().ok());
        if let (Some(h), Some(m)) = (hours, minutes) {
            let sign = if text.as_bytes()[at] == b'-' { -1 } else { 1 };
            return (&text[..at], Some(sign * (h * 3600 + m * 60)));
        }
    }
    (text, None)
}

fn jiff_civil(c: Civil) -> jiff::civil::DateTime {
    let (y, m, d, h, mi, s) = c.parts();
    jiff::civil::date(y as i16, m as i8, d as i8).at(h as i8, mi as i8, s as i8, 0)
}

fn utc_ms(c: Civil) -> i64 {
    c.days * 86_400_000 + c.seconds as i64 * 1000
}

impl Schedule {
    /// Reads a task's schedule: RRULE lines, an IANA time zone (`Europe/Paris`; empty: the start
    /// and end carry their offset, or are UTC), and its start and end (`2027-03-28T08:00:00`;
    /// the end may be empty: no end).
    pub fn new(
        recurrence: &[String],
        time_zone: &str,
        start: &str,
        end: &str,
    ) -> Result<Schedule, String> {
        if recurrence.is_empty() {
            return Err(
                "A schedule needs a recurrence rule, such as RRULE:FREQ=DAILY;BYHOUR=8;BYMINUTE=0."
                    .into(),
            );
        }
        if recurrence.len() > 10 {
            return Err("A schedule has at most 10 recurrence rules.".into());
        }
        let rules = recurrence
            .iter()
            .map(|line| parse_rule(line).map_err(|e| format!("{line}: {e}")))
            .collect::<Result<Vec<_>, _>>()?;
        let (start_text, start_offset) = split_offset(start.trim());
        let fixed = |offset: i32| -> Result<(TimeZone, String), String> {
            let zone = jiff::tz::Offset::from_seconds(offset)
                .map(TimeZone::fixed)
                .map_err(|_| format!("{start}: the offset is out of range."))?;
            let name = match offset {
                0 => "UTC".to_string(),
                o => format!(
                    "{}{:02}:{:02}",
                    if o < 0 { '-' } else { '+' },
                    o.abs() / 3600,
                    o.abs() / 60 % 60
                ),
            };
            Ok((zone, name))
        };
        let (zone, zone_name) = match (time_zone.trim(), start_offset) {
            ("", Some(offset)) => fixed(offset)?,
            ("", None) => (TimeZone::UTC, "UTC".to_string()),
            // A fixed offset as a zone: "+01:00".
            (name, _) if name.starts_with(['+', '-']) => match split_offset(&format!("T{name}")) {
                (_, Some(offset)) => fixed(offset)?,
                _ => return Err(format!("\"{name}\" is not an offset such as +01:00.")),
            },
            (name, _) => (
                TimeZone::get(name).map_err(|_| {
                    format!("\"{name}\" is not a time zone: use a name of the IANA database, such as Europe/Paris or America/New_York.")
                })?,
                name.to_string(),
            ),
        };
        let read = |text: &str, offset: Option<i32>, what: &str| -> Result<Civil, String> {
            let civil = Civil::parse_iso(text).ok_or_else(|| {
                format!("The {what} \"{text}\" is not a date and time such as 2027-03-28T08:00:00.")
            })?;
            Ok(match offset {
                // An instant given with its offset: the same instant, read in the zone.
                Some(offset) => {
                    let ms = utc_ms(civil) - offset as i64 * 1000;
                    local_in(&zone, ms)
                }
                None => civil,
            })
        };
        let start = read(start_text, start_offset, "start")?;
        let end = match end.trim() {
            "" => None,
            end => {
                let (text, offset) = split_offset(end);
                Some(read(text, offset, "end")?)
            }
        };
        let mut schedule = Schedule {
            rules,
            start_ms: 0,
            end_ms: None,
            start,
            zone,
            zone_name,
        };
        schedule.start_ms = schedule.to_ms(start);
        schedule.end_ms = end.map(|e| schedule.to_ms(e));
        if schedule.end_ms.is_some_and(|e| e <= schedule.start_ms) {
            return Err("The end must come after the start.".into());
        }
        Ok(schedule)
    }

    /// The start, in the task's time zone.
    pub fn start(&self) -> Civil {
        self.start
    }

    /// The time zone's name as kept: an IANA name, `UTC`, or a fixed offset such as `+01:00`.
    pub fn zone_name(&self) -> &str {
        &self.zone_name
    }

    /// The end, in the task's time zone.
    pub fn end(&self) -> Option<Civil> {
        self.end_ms.map(|ms| self.local(ms))
    }

    /// The rules, read.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    fn to_ms(&self, c: Civil) -> i64 {
        self.zone
            .to_timestamp(jiff_civil(c))
            .map(Timestamp::as_millisecond)
            .unwrap_or(i64::MAX)
    }

    /// An instant as a date and time in the task's zone.
    pub fn local(&self, ms: i64) -> Civil {
        local_in(&self.zone, ms)
    }

    /// The first run after `after_ms` (Unix ms); none when the schedule has ended.
    pub fn next_after(&self, after_ms: i64) -> Option<i64> {
        self.rules
            .iter()
            .filter_map(|rule| self.next_of(rule, after_ms))
            .min()
    }

    /// The next `n` runs after `after_ms`.
    pub fn upcoming(&self, after_ms: i64, n: usize) -> Vec<i64> {
        let mut runs = Vec::with_capacity(n);
        let mut after = after_ms;
        while runs.len() < n {
            match self.next_after(after) {
                Some(at) => {
                    runs.push(at);
                    after = at;
                }
                None => break,
            }
        }
        runs
    }

    fn next_of(&self, rule: &Rule, after_ms: i64) -> Option<i64> {
        let until = rule.until.map(|u| match u {
            Until::Utc(c) => utc_ms(c),
            Until::Local(c) => self.to_ms(c),
        });
        let limit = match (until, self.end_ms) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let first = if rule.count.is_some() {
            0
        } else {
            self.periods_before(rule, after_ms)
        };
        let scanned: i64 = match rule.freq {
            Freq::Hourly => 24 * 366 * 2,
            Freq::Daily => 366 * 12,
            Freq::Weekly => 53 * 12,
            Freq::Monthly => 12 * 100,
            Freq::Yearly => 400,
        };
        let mut seen = 0u32;
        for k in first..first + scanned {
            let runs = self.period(rule, k)?;
            for at in runs {
                if at < self.start_ms {
                    continue;
                }
                if limit.is_some_and(|l| at > l) {
                    return None;
                }
                seen += 1;
                if at > after_ms {
                    return Some(at);
                }
                if rule.count.is_some_and(|c| seen >= c) {
                    return None;
                }
            }
        }
        None
    }

    fn hour_zero_ms(&self) -> i64 {
        self.start_ms - (self.start.seconds % 3600) as i64 * 1000
    }

    fn week_zero(&self, rule: &Rule) -> i64 {
        let back = (weekday_of(self.start.days) as i64 - rule.week_start as i64).rem_euclid(7);
        self.start.days - back
    }

    /// Periods that surely end before `after_ms`: where a search may begin.
    fn periods_before(&self, rule: &Rule, after_ms: i64) -> i64 {
        if after_ms <= self.start_ms {
            return 0;
        }
        let interval = rule.interval as i64;
        let after = self.local(after_ms);
        let (sy, sm, ..) = self.start.parts();
        let (ay, am, ..) = after.parts();
        let periods = match rule.freq {
            Freq::Hourly => (after_ms - self.hour_zero_ms()).div_euclid(interval * HOUR_MS),
            Freq::Daily => (after.days - self.start.days).div_euclid(interval),
            Freq::Weekly => (after.days - self.week_zero(rule)).div_euclid(7 * interval),
            Freq::Monthly => ((ay * 12 + am as i64) - (sy * 12 + sm as i64)).div_euclid(interval),
            Freq::Yearly => (ay - sy).div_euclid(interval),
        };
        (periods - 1).max(0)
    }

    /// The runs of the `k`th period of a rule, in order; none past the year 9999.
    fn period(&self, rule: &Rule, k: i64) -> Option<Vec<i64>> {
        let interval = rule.interval as i64;
        let (sy, sm, sd, sh, smin, ss) = self.start.parts();
        let minutes: Vec<u32> = pick(&rule.by_minute, smin);
        let seconds: Vec<u32> = pick(&rule.by_second, ss);
        let mut runs = Vec::new();
        if rule.freq == Freq::Hourly {
            let hour_ms = self.hour_zero_ms() + k * interval * HOUR_MS;
            let local = self.local(hour_ms);
            let (y, m, d, h, ..) = local.parts();
            if y > 9999 {
                return None;
            }
            if day_matches(rule, local.days, y, m, d)
                && (rule.by_hour.is_empty() || rule.by_hour.contains(&(h as u8)))
            {
                for &mi in &minutes {
                    for &s in &seconds {
                        runs.push(hour_ms + (mi as i64 * 60 + s as i64) * 1000);
                    }
                }
            }
            return Some(runs);
        }
        let mut days: Vec<i64> = Vec::new();
        match rule.freq {
            Freq::Daily => {
                let day = self.start.days + k * interval;
                let (y, m, d) = civil_from_days(day);
                if day_matches(rule, day, y, m, d) {
                    days.push(day);
                }
            }
            Freq::Weekly => {
                let week = self.week_zero(rule) + 7 * k * interval;
                for day in week..week + 7 {
                    let (_, m, _) = civil_from_days(day);
                    let weekday = weekday_of(day);
                    let on = if rule.by_day.is_empty() {
                        weekday == weekday_of(self.start.days)
                    } else {
                        rule.by_day.iter().any(|s| s.weekday == weekday)
                    };
                    if on && month_matches(rule, m) {
                        days.push(day);
                    }
                }
            }
            Freq::Monthly => {
                let index = sy * 12 + (sm as i64 - 1) + k * interval;
                let (y, m) = (index.div_euclid(12), index.rem_euclid(12) as u32 + 1);
                if month_matches(rule, m) {
                    days.extend(days_of_month(rule, y, m, sd));
                }
            }
            Freq::Yearly => {
                let y = sy + k * interval;
                for m in pick(&rule.by_month, sm) {
                    days.extend(days_of_month(rule, y, m, sd));
                }
            }
            Freq::Hourly => unreachable!(),
        }
        if days.first().is_some_and(|&d| civil_from_days(d).0 > 9999)
            || (days.is_empty() && civil_from_days(self.start.days + k * interval * 28).0 > 9999)
        {
            return None;
        }
        let hours = pick(&rule.by_hour, sh);
        for day in days {
            for &h in &hours {
                for &mi in &minutes {
                    for &s in &seconds {
                        runs.push(self.to_ms(Civil {
                            days: day,
                            seconds: h * 3600 + mi * 60 + s,
                        }));
                    }
                }
            }
        }
        // A skipped hour's times move after the change and may meet later ones: keep order, once.
        runs.sort_unstable();
        runs.dedup();
        Some(runs)
    }
}

fn local_in(zone: &TimeZone, ms: i64) -> Civil {
    let stamp = Timestamp::from_millisecond(ms).unwrap_or(if ms < 0 {
        Timestamp::MIN
    } else {
        Timestamp::MAX
    });
    let dt = zone.to_datetime(stamp);
    Civil::new(
        dt.year() as i64,
        dt.month() as u32,
        dt.day() as u32,
        dt.hour() as u32,
        dt.minute() as u32,
        dt.second() as u32,
    )
}

fn pick(list: &[u8], default: u32) -> Vec<u32> {
    if list.is_empty() {
        vec![default]
    } else {
        list.iter().map(|&v| v as u32).collect()
    }
}

fn month_matches(rule: &Rule, month: u32) -> bool {
    rule.by_month.is_empty() || rule.by_month.contains(&(month as u8))
}

/// Whether a day passes a rule's month, day-of-month and weekday filters (for hourly and daily
/// rules, where they limit rather than expand).
fn day_matches(rule: &Rule, day: i64, year: i64, month: u32, dom: u32) -> bool {
    let dim = days_in_month(year, month) as i32;
    month_matches(rule, month)
        && (rule.by_month_day.is_empty()
            || rule.by_month_day.iter().any(|&d| {
                let d = d as i32;
                (if d > 0 { d } else { dim + 1 + d }) == dom as i32
            }))
        && (rule.by_day.is_empty() || rule.by_day.iter().any(|s| s.weekday == weekday_of(day)))
}

/// The days of one month a monthly (or yearly) rule names, in order, as day numbers.
fn days_of_month(rule: &Rule, year: i64, month: u32, start_day: u32) -> Vec<i64> {
    let dim = days_in_month(year, month);
    let first = days_from_civil(year, month, 1);
    let by_month_day: Option<Vec<u32>> = (!rule.by_month_day.is_empty()).then(|| {
        rule.by_month_day
            .iter()
            .filter_map(|&d| {
                let d = if d > 0 {
                    d as i32
                } else {
                    dim as i32 + 1 + d as i32
                };
                (1..=dim as i32).contains(&d).then_some(d as u32)
            })
            .collect()
    });
    let by_day: Option<Vec<u32>> = (!rule.by_day.is_empty()).then(|| {
        let mut days = Vec::new();
        for spec in &rule.by_day {
            let matching: Vec<u32> = (1..=dim)
                .filter(|&d| weekday_of(first + d as i64 - 1) == spec.weekday)
                .collect();
            match spec.nth {
                0 => days.extend(matching),
                n if n > 0 => days.extend(matching.get(n as usize - 1)),
                n => days.extend(
                    matching
                        .len()
                        .checked_sub((-n) as usize)
                        .map(|i| matching[i]),
                ),
            }
        }
        days
    });
    let mut days = match (by_month_day, by_day) {
        (Some(a), Some(b)) => a.into_iter().filter(|d| b.contains(d)).collect(),
        (Some(a), None) | (None, Some(a)) => a,
        (None, None) if start_day <= dim => vec![start_day],
        (None, None) => Vec::new(),
    };
    days.sort_unstable();
    days.dedup();
    days.into_iter().map(|d| first + d as i64 - 1).collect()
}

#[cfg(test)]
#[path = "schedule_tests.rs"]
mod tests;
