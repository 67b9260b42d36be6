//! Time as the product shows it. Times are kept as Unix milliseconds (UTC) everywhere; this is
//! the one place that turns them into text, for the REST API (RFC 3339) and the pages.

/// Splits Unix milliseconds into a civil UTC date and time.
fn civil(ms: i64) -> (i64, u32, u32, u32, u32, u32, u32) {
    let secs = ms.div_euclid(1000);
    let millis = ms.rem_euclid(1000) as u32;
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400) as u32;
    // Days to civil date (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (
        year,
        month,
        day,
        sod / 3600,
        sod / 60 % 60,
        sod % 60,
        millis,
    )
}

/// `2026-11-23T09:07:00.123Z`
pub fn rfc3339(ms: i64) -> String {
    let (y, mo, d, h, mi, s, milli) = civil(ms);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{milli:03}Z")
}

/// `2026-11-23`, as date inputs take it.
pub fn date(ms: i64) -> String {
    let (y, mo, d, ..) = civil(ms);
    format!("{y:04}-{mo:02}-{d:02}")
}

/// The Unix milliseconds at which a `YYYY-MM-DD` date ends (midnight UTC after it): a link that
/// expires on a date works through that whole day.
pub fn end_of_date(text: &str) -> Option<i64> {
    let mut parts = text.trim().splitn(3, '-');
    let (y, m, d): (i64, i64, i64) = (
        parts.next()?.parse().ok()?,
        parts.next()?.parse().ok()?,
        parts.next()?.parse().ok()?,
    );
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let ms = (days_from_civil(y, m, d) + 1) * 86_400_000;
    (date(ms - 1) == format!("{y:04}-{m:02}-{d:02}")).then_some(ms)
}

/// Days since 1970-01-01 of a civil date (the inverse of `civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The first moment (midnight UTC) of the calendar month `ms` falls in.
pub fn month_start(ms: i64) -> i64 {
    let (y, m, ..) = civil(ms);
    days_from_civil(y, i64::from(m), 1) * 86_400_000
}

/// The first moment of the next calendar month: when a monthly allowance resets.
pub fn next_month_start(ms: i64) -> i64 {
    let (y, m, ..) = civil(ms);
    let (y, m) = if m == 12 {
        (y + 1, 1)
    } else {
        (y, i64::from(m) + 1)
    };
    days_from_civil(y, m, 1) * 86_400_000
}

/// `09:07 UTC`, for a moment later today in a message.
pub fn clock(ms: i64) -> String {
    let (_, _, _, h, mi, _, _) = civil(ms);
    format!("{h:02}:{mi:02} UTC")
}

/// `2026-11-23 09:07 UTC`, for tables in the portal.
pub fn short(ms: i64) -> String {
    let (y, mo, d, h, mi, _, _) = civil(ms);
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02} UTC")
}

/// "in 12 minutes", "in 40 seconds": how long until a moment, for messages.
pub fn wait_phrase(secs: u64) -> String {
    match secs {
        0..=59 => format!("{} second{}", secs.max(1), if secs == 1 { "" } else { "s" }),
        _ => {
            let minutes = secs.div_ceil(60);
            format!("{minutes} minute{}", if minutes == 1 { "" } else { "s" })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(rfc3339(1_795_426_020_123), "2026-11-23T09:27:00.123Z");
        assert_eq!(short(1_795_426_020_123), "2026-11-23 09:27 UTC");
    }

    #[test]
    fn wait_phrases_round_up() {
        assert_eq!(wait_phrase(1), "1 second");
        assert_eq!(wait_phrase(45), "45 seconds");
        assert_eq!(wait_phrase(61), "2 minutes");
        assert_eq!(wait_phrase(900), "15 minutes");
    }

    #[test]
    fn a_date_ends_at_the_next_midnight() {
        assert_eq!(end_of_date("1970-01-01"), Some(86_400_000));
        assert_eq!(
            end_of_date("2000-02-29").map(date),
            Some("2000-03-01".into())
        );
        assert_eq!(date(end_of_date("2026-11-23").unwrap() - 1), "2026-11-23");
        assert_eq!(end_of_date("2026-02-30"), None, "no such day");
        assert_eq!(end_of_date("soon"), None);
    }
}
