use super::*;

fn utc(text: &str) -> i64 {
    let (civil, offset) = split_offset(text);
    let civil = Civil::parse_iso(civil).expect(text);
    utc_ms(civil) - offset.unwrap_or(0) as i64 * 1000
}

fn iso(ms: i64) -> String {
    format!("{}Z", local_in(&TimeZone::UTC, ms).iso())
}

fn schedule(rules: &[&str], zone: &str, start: &str, end: &str) -> Schedule {
    let rules: Vec<String> = rules.iter().map(|r| r.to_string()).collect();
    Schedule::new(&rules, zone, start, end).unwrap_or_else(|e| panic!("{rules:?}: {e}"))
}

/// The first runs of a schedule, as UTC instants.
fn first_runs(s: &Schedule, n: usize) -> Vec<String> {
    s.upcoming(i64::MIN / 2, n).into_iter().map(iso).collect()
}

#[test]
fn runs_keep_their_local_time_across_daylight_saving_changes() {
    // (rules, zone, start, end, the first runs in UTC)
    let cases: &[(&[&str], &str, &str, &str, &[&str])] = &[
        // Paris springs forward on 2027-03-28: 08:00 is 07:00Z, then 06:00Z.
        (
            &["RRULE:FREQ=DAILY;BYHOUR=8;BYMINUTE=0;BYSECOND=0"],
            "Europe/Paris",
            "2027-03-26T00:00:00",
            "",
            &[
                "2027-03-26T07:00:00Z",
                "2027-03-27T07:00:00Z",
                "2027-03-28T06:00:00Z",
                "2027-03-29T06:00:00Z",
            ],
        ),
        // New York's 02:30 does not exist on 2027-03-14: it runs at 03:30 EDT.
        (
            &["RRULE:FREQ=DAILY;BYHOUR=2;BYMINUTE=30"],
            "America/New_York",
            "2027-03-13T00:00:00",
            "",
            &[
                "2027-03-13T07:30:00Z",
                "2027-03-14T07:30:00Z",
                "2027-03-15T06:30:00Z",
            ],
        ),
        // 01:30 happens twice on 2027-11-07: it runs once, the first time (EDT).
        (
            &["RRULE:FREQ=DAILY;BYHOUR=1;BYMINUTE=30"],
            "America/New_York",
            "2027-11-06T00:00:00",
            "",
            &[
                "2027-11-06T05:30:00Z",
                "2027-11-07T05:30:00Z",
                "2027-11-08T06:30:00Z",
            ],
        ),
        // Paris falls back on 2027-10-31.
        (
            &["RRULE:FREQ=WEEKLY;BYDAY=SU;BYHOUR=9"],
            "Europe/Paris",
            "2027-10-20T00:00:00",
            "",
            &[
                "2027-10-24T07:00:00Z",
                "2027-10-31T08:00:00Z",
                "2027-11-07T08:00:00Z",
            ],
        ),
        // Times named in a skipped hour and just after it run once each, in order.
        (
            &["RRULE:FREQ=DAILY;BYHOUR=2,3;BYMINUTE=0,30"],
            "America/New_York",
            "2027-03-14T00:00:00",
            "2027-03-14T23:00:00",
            &["2027-03-14T07:00:00Z", "2027-03-14T07:30:00Z"],
        ),
    ];
    for (rules, zone, start, end, runs) in cases {
        let s = schedule(rules, zone, start, end);
        assert_eq!(first_runs(&s, runs.len()), *runs, "{rules:?} in {zone}");
    }
}

#[test]
fn hourly_rules_count_elapsed_hours_on_change_days() {
    let s = schedule(
        &["RRULE:FREQ=HOURLY;BYMINUTE=0"],
        "America/New_York",
        "2027-01-01T00:00:00",
        "",
    );
    let runs_in = |from: &str, to: &str| {
        s.upcoming(utc(from) - 1, 30)
            .into_iter()
            .filter(|&at| at < utc(to))
            .count()
    };
    // The local day of 2027-11-07 lasts 25 hours, that of 2027-03-14 23.
    assert_eq!(runs_in("2027-11-07T04:00:00Z", "2027-11-08T05:00:00Z"), 25);
    assert_eq!(runs_in("2027-03-14T05:00:00Z", "2027-03-15T04:00:00Z"), 23);
    assert_eq!(runs_in("2027-06-01T04:00:00Z", "2027-06-02T04:00:00Z"), 24);
}

#[test]
fn hourly_daily_weekly_monthly_and_yearly_rules_run_when_they_say() {
    let cases: &[(&[&str], &str, &[&str])] = &[
        (
            &["RRULE:FREQ=DAILY;BYHOUR=8,12,16;BYMINUTE=0"],
            "2027-03-01T09:00:00",
            &[
                "2027-03-01T12:00:00Z",
                "2027-03-01T16:00:00Z",
                "2027-03-02T08:00:00Z",
            ],
        ),
        (
            &["RRULE:FREQ=HOURLY;INTERVAL=4;BYMINUTE=15"],
            "2027-03-01T09:40:00",
            &[
                "2027-03-01T13:15:00Z",
                "2027-03-01T17:15:00Z",
                "2027-03-01T21:15:00Z",
            ],
        ),
        (
            &["RRULE:FREQ=HOURLY;BYMINUTE=0,30;BYHOUR=9,10;BYDAY=MO"],
            "2027-03-01T00:00:00",
            &[
                "2027-03-01T09:00:00Z",
                "2027-03-01T09:30:00Z",
                "2027-03-01T10:00:00Z",
                "2027-03-01T10:30:00Z",
                "2027-03-08T09:00:00Z",
            ],
        ),
        // Wednesday 2027-03-03: Friday, then Monday, then Friday.
        (
            &["RRULE:FREQ=WEEKLY;BYDAY=MO,FR;BYHOUR=9;BYMINUTE=30"],
            "2027-03-03T00:00:00",
            &[
                "2027-03-05T09:30:00Z",
                "2027-03-08T09:30:00Z",
                "2027-03-12T09:30:00Z",
            ],
        ),
        (
            &["RRULE:FREQ=WEEKLY;INTERVAL=2"],
            "2027-03-01T08:00:00",
            &[
                "2027-03-01T08:00:00Z",
                "2027-03-15T08:00:00Z",
                "2027-03-29T08:00:00Z",
            ],
        ),
        (
            &["RRULE:FREQ=MONTHLY;BYDAY=-1FR;BYHOUR=6;BYMINUTE=0"],
            "2027-01-01T00:00:00",
            &[
                "2027-01-29T06:00:00Z",
                "2027-02-26T06:00:00Z",
                "2027-03-26T06:00:00Z",
                "2027-04-30T06:00:00Z",
            ],
        ),
        (
            &["RRULE:FREQ=MONTHLY;BYDAY=1MO"],
            "2027-01-01T07:00:00",
            &[
                "2027-01-04T07:00:00Z",
                "2027-02-01T07:00:00Z",
                "2027-03-01T07:00:00Z",
            ],
        ),
        // Months without a 31st are skipped; -1 is each month's last day.
        (
            &["RRULE:FREQ=MONTHLY;BYMONTHDAY=31"],
            "2027-01-01T08:00:00",
            &[
                "2027-01-31T08:00:00Z",
                "2027-03-31T08:00:00Z",
                "2027-05-31T08:00:00Z",
                "2027-07-31T08:00:00Z",
            ],
        ),
        (
            &["RRULE:FREQ=MONTHLY;BYMONTHDAY=-1"],
            "2027-01-01T08:00:00",
            &[
                "2027-01-31T08:00:00Z",
                "2027-02-28T08:00:00Z",
                "2027-03-31T08:00:00Z",
                "2027-04-30T08:00:00Z",
            ],
        ),
        (
            &["RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29"],
            "2027-01-01T08:00:00",
            &["2028-02-29T08:00:00Z", "2032-02-29T08:00:00Z"],
        ),
        // Several rules: their runs together.
        (
            &[
                "RRULE:FREQ=DAILY;BYHOUR=8",
                "RRULE:FREQ=WEEKLY;BYDAY=SU;BYHOUR=20",
            ],
            "2027-03-06T09:00:00",
            &[
                "2027-03-07T08:00:00Z",
                "2027-03-07T20:00:00Z",
                "2027-03-08T08:00:00Z",
            ],
        ),
        // A start after the day's time: the first run is the next day's.
        (
            &["RRULE:FREQ=DAILY;BYHOUR=8;BYMINUTE=0"],
            "2027-01-01T09:00:00",
            &["2027-01-02T08:00:00Z", "2027-01-03T08:00:00Z"],
        ),
        (
            &["RRULE:FREQ=DAILY;COUNT=3"],
            "2027-01-01T08:00:00",
            &[
                "2027-01-01T08:00:00Z",
                "2027-01-02T08:00:00Z",
                "2027-01-03T08:00:00Z",
            ],
        ),
        (
            &["RRULE:FREQ=DAILY;UNTIL=20270102T080000Z"],
            "2027-01-01T08:00:00",
            &["2027-01-01T08:00:00Z", "2027-01-02T08:00:00Z"],
        ),
    ];
    for (rules, start, runs) in cases {
        let s = schedule(rules, "UTC", start, "");
        assert_eq!(
            first_runs(&s, runs.len() + 3)[..runs.len()],
            **runs,
            "{rules:?}"
        );
    }
}

#[test]
fn schedules_end_at_their_end_count_or_until() {
    let ended = [
        (
            schedule(
                &["RRULE:FREQ=DAILY;COUNT=3"],
                "UTC",
                "2027-01-01T08:00:00",
                "",
            ),
            3,
        ),
        (
            schedule(
                &["RRULE:FREQ=DAILY;UNTIL=20270102T080000Z"],
                "UTC",
                "2027-01-01T08:00:00",
                "",
            ),
            2,
        ),
        (
            schedule(
                &["RRULE:FREQ=DAILY"],
                "UTC",
                "2027-01-01T08:00:00",
                "2027-01-04T07:59:00",
            ),
            3,
        ),
        (
            schedule(
                &["RRULE:FREQ=DAILY;UNTIL=20270102"],
                "Europe/Paris",
                "2027-01-01T08:00:00",
                "",
            ),
            1,
        ),
        (
            schedule(
                &["RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"],
                "UTC",
                "2027-01-01T08:00:00",
                "",
            ),
            0,
        ),
    ];
    for (s, runs) in ended {
        let all = s.upcoming(i64::MIN / 2, 10);
        assert_eq!(all.len(), runs, "{:?}", s.rules());
        if let Some(&last) = all.last() {
            assert_eq!(s.next_after(last), None);
            assert_eq!(s.next_after(last - 1), Some(last));
        }
    }
}

#[test]
fn a_start_with_an_offset_fixes_the_zone_or_is_read_in_the_named_one() {
    let fixed = schedule(&["RRULE:FREQ=DAILY"], "", "2027-01-01T08:00:00+01:00", "");
    assert_eq!(first_runs(&fixed, 1), ["2027-01-01T07:00:00Z"]);
    assert_eq!(fixed.zone_name(), "+01:00");
    let kept = schedule(&["RRULE:FREQ=DAILY"], "+01:00", &fixed.start().iso(), "");
    assert_eq!(first_runs(&kept, 1), ["2027-01-01T07:00:00Z"]);
    let named = schedule(
        &["RRULE:FREQ=DAILY"],
        "Europe/Paris",
        "2027-01-01T07:00:00Z",
        "",
    );
    assert_eq!(named.start().iso(), "2027-01-01T08:00:00");
    let utc = schedule(&["RRULE:FREQ=DAILY"], "", "2027-01-01T08:00:00", "");
    assert_eq!(first_runs(&utc, 1), ["2027-01-01T08:00:00Z"]);
    assert_eq!(utc.zone_name(), "UTC");
}

#[test]
fn schedules_that_cannot_run_say_why() {
    let daily = vec!["RRULE:FREQ=DAILY".to_string()];
    let cases = [
        (
            vec![],
            "UTC",
            "2027-01-01T08:00:00",
            "",
            "needs a recurrence rule",
        ),
        (
            daily.clone(),
            "Mars/Olympus",
            "2027-01-01T08:00:00",
            "",
            "not a time zone",
        ),
        (
            daily.clone(),
            "UTC",
            "next Tuesday",
            "",
            "not a date and time",
        ),
        (
            daily.clone(),
            "UTC",
            "2027-01-02T08:00:00",
            "2027-01-01T08:00:00",
            "end must come after",
        ),
        (
            vec!["RRULE:FREQ=MINUTELY".into()],
            "UTC",
            "2027-01-01T08:00:00",
            "",
            "at most every hour",
        ),
    ];
    for (rules, zone, start, end, words) in cases {
        let error = Schedule::new(&rules, zone, start, end).expect_err(words);
        assert!(error.contains(words), "{error}");
    }
}

#[test]
fn the_next_run_after_any_instant_is_the_first_listed_after_it() {
    // The search skips whole periods before the instant asked about; it must never skip a run.
    let rules: &[&str] = &[
        "RRULE:FREQ=HOURLY;INTERVAL=5;BYMINUTE=10,40",
        "RRULE:FREQ=DAILY;INTERVAL=3;BYHOUR=1,23",
        "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=SU,WE;WKST=SU",
        "RRULE:FREQ=MONTHLY;INTERVAL=5;BYMONTHDAY=-2,3",
        "RRULE:FREQ=MONTHLY;BYDAY=2TU,-1SA",
        "RRULE:FREQ=YEARLY;INTERVAL=2;BYMONTH=3,10;BYDAY=-1SU;BYHOUR=2;BYMINUTE=30",
    ];
    let mut seed = 0x5eed_u64;
    let mut random = move |n: i64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as i64
    };
    for rule in rules {
        for zone in [
            "UTC",
            "Europe/Paris",
            "America/New_York",
            "Australia/Lord_Howe",
        ] {
            let s = schedule(&[rule], zone, "2026-02-27T13:45:00", "");
            let all = s.upcoming(i64::MIN / 2, 60);
            assert_eq!(all.len(), 60, "{rule} in {zone}");
            assert!(all.windows(2).all(|w| w[0] < w[1]), "{rule} in {zone}");
            for _ in 0..200 {
                let at = all[0] - 3_600_000 + random(all[59] - all[0]);
                let expected = all.iter().copied().find(|&r| r > at);
                assert_eq!(
                    s.next_after(at),
                    expected,
                    "{rule} in {zone} after {}",
                    iso(at)
                );
            }
        }
    }
}
