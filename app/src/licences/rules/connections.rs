//! An open connection between its opening and its end: what activity on it must write.

use super::{CAPACITY_UNIT_MS, MINUTE_MS, USAGE_CAL_MS};
use crate::licences::model::LicenceKind;

/// Where a page that goes away sends its app id (with `sendBeacon`), so that its connection ends
/// at once.
pub const END_CONNECTION_PATH: &str = "/api/licence_end";

/// How stale an open connection's `last_seen_at` may get before activity on it records a new
/// one. A connection ends after 30 idle minutes, so it ends to within this much of them; in
/// exchange a person viewing sheets writes at most once a minute, not on every view.
pub const CONNECTION_TOUCH_MS: i64 = MINUTE_MS;

/// An open connection as activity on it finds it.
#[derive(Debug, Clone, Copy)]
pub struct OpenConnection {
    pub kind: Option<LicenceKind>,
    pub opened_at: i64,
    /// When the Usage CAL or capacity unit it runs on started.
    pub started_at: Option<i64>,
    pub last_seen_at: i64,
}

/// Whether an open (`activity` false) or activity on an open connection changes nothing that
/// must be written now: the connection was seen within `CONNECTION_TOUCH_MS`, and, for activity,
/// the Usage CAL or capacity unit it runs on still covers `now` (past it, activity consumes
/// another, which is decided under the tenant's lock). Other kinds consume nothing on activity.
pub fn quiet(open: &OpenConnection, activity: bool, now: i64) -> bool {
    let seen = (0..CONNECTION_TOUCH_MS).contains(&(now - open.last_seen_at));
    let covered = match open.kind {
        Some(LicenceKind::UsageCal) => {
            open.started_at.unwrap_or(open.opened_at) + USAGE_CAL_MS > now
        }
        Some(LicenceKind::AnalyzerCapacity) => open
            .started_at
            .is_some_and(|started| started + CAPACITY_UNIT_MS > now),
        _ => true,
    };
    seen && (!activity || covered)
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 20_000 * 24 * 60 * MINUTE_MS;
    const MIN: i64 = MINUTE_MS;

    fn open(kind: LicenceKind, started: Option<i64>, seen: i64) -> OpenConnection {
        OpenConnection {
            kind: Some(kind),
            opened_at: T0,
            started_at: started,
            last_seen_at: seen,
        }
    }

    #[test]
    fn activity_on_an_open_connection_writes_at_most_once_a_minute_unless_it_consumes() {
        use LicenceKind::*;
        let cases = [
            (
                open(UserPass, None, T0),
                false,
                T0 + 30_000,
                true,
                "seen 30 s ago",
            ),
            (
                open(UserPass, None, T0),
                true,
                T0 + 59_999,
                true,
                "a selection within the minute",
            ),
            (
                open(UserPass, None, T0),
                true,
                T0 + MIN,
                false,
                "a minute on: touched",
            ),
            (
                open(NamedCal, None, T0 + 5 * MIN),
                false,
                T0 + 4 * MIN,
                false,
                "a clock gone back",
            ),
            (
                open(Professional, None, T0 + 9 * MIN),
                true,
                T0 + 9 * MIN,
                true,
                "the same instant",
            ),
            (
                open(UsageCal, None, T0 + 59 * MIN + 30_000),
                true,
                T0 + 59 * MIN + 40_000,
                true,
                "a Usage CAL within its hour, from the opening",
            ),
            (
                open(UsageCal, None, T0 + 59 * MIN + 30_000),
                true,
                T0 + 60 * MIN,
                false,
                "its hour is over: activity consumes another",
            ),
            (
                open(UsageCal, None, T0 + 59 * MIN + 30_000),
                false,
                T0 + 60 * MIN,
                true,
                "an open alone consumes nothing",
            ),
            (
                open(UsageCal, Some(T0 + 61 * MIN), T0 + 90 * MIN),
                true,
                T0 + 90 * MIN + 10,
                true,
                "the second Usage CAL covers it",
            ),
            (
                open(AnalyzerCapacity, Some(T0), T0 + 5 * MIN),
                true,
                T0 + 5 * MIN + 30_000,
                true,
                "within the 6-minute unit",
            ),
            (
                open(AnalyzerCapacity, Some(T0), T0 + 5 * MIN + 30_000),
                true,
                T0 + 6 * MIN,
                false,
                "the unit is spent: activity starts another",
            ),
            (
                open(AnalyzerCapacity, None, T0),
                true,
                T0 + 1,
                false,
                "no unit runs",
            ),
        ];
        for (connection, activity, now, expected, why) in cases {
            assert_eq!(quiet(&connection, activity, now), expected, "{why}");
        }
    }
}
