//! The licence rules, case by case as Qlik's documents state them.

use super::*;

const T0: i64 = 20_000 * DAY_MS; // a midnight, UTC
const MIN: i64 = MINUTE_MS;

fn kinds(tried: &[Attempt]) -> Vec<LicenceKind> {
    tried.iter().map(|a| a.kind).collect()
}

fn granted(kind: LicenceKind, step: Step) -> Decision {
    Ok(Grant { kind, step })
}

// --- access passes --------------------------------------------------------------------------

#[test]
fn removing_a_pass_used_in_the_last_7_days_quarantines_its_token_until_7_days_after_that_use() {
    let cases = [
        (None, Release::Now, "never used: free at once"),
        (
            Some(T0 - 8 * DAY_MS),
            Release::Now,
            "unused for 8 days: free at once",
        ),
        (
            Some(T0 - 2 * DAY_MS),
            Release::QuarantinedUntil(T0 + 5 * DAY_MS),
            "used two days ago: five more days",
        ),
        (
            Some(T0),
            Release::QuarantinedUntil(T0 + 7 * DAY_MS),
            "used just now: seven days",
        ),
    ];
    for (last_used, expected, why) in cases {
        assert_eq!(release_of_pass(last_used, T0), expected, "{why}");
    }
}

#[test]
fn a_quarantined_token_is_not_free_until_its_release() {
    let tokens = Tokens {
        total: 2,
        user_passes: 1,
        login_tokens: 0,
        quarantine: vec![T0 + DAY_MS],
    };
    let holder = TokenHolder {
        rule_gives_pass: true,
        ..Default::default()
    };
    let denied = decide_tokens(&tokens, &holder, &Connections::default(), T0).unwrap_err();
    assert_eq!(
        denied[0].reason,
        Reason::NoneFree {
            in_use: 2,
            total: 2,
            next_free_at: Some(T0 + DAY_MS)
        }
    );
    assert_eq!(
        decide_tokens(&tokens, &holder, &Connections::default(), T0 + DAY_MS),
        granted(LicenceKind::UserPass, Step::Assign),
        "released at the day's end"
    );
}

#[test]
fn one_token_buys_ten_login_passes() {
    let group = LoginGroup {
        tokens: 2,
        returns: vec![T0 + DAY_MS; 19],
    };
    assert_eq!(group.passes(), 20);
    assert_eq!(group.free(T0), 1);
    let holder = TokenHolder {
        login: Some((group.clone(), None)),
        ..Default::default()
    };
    let tokens = Tokens::default();
    assert_eq!(
        decide_tokens(&tokens, &holder, &Connections::default(), T0),
        granted(LicenceKind::LoginPass, Step::Start)
    );
    let full = LoginGroup {
        tokens: 2,
        returns: vec![T0 + DAY_MS; 20],
    };
    let holder = TokenHolder {
        login: Some((full, None)),
        ..Default::default()
    };
    let tried = decide_tokens(&tokens, &holder, &Connections::default(), T0).unwrap_err();
    assert_eq!(
        kinds(&tried),
        [LicenceKind::UserPass, LicenceKind::LoginPass]
    );
    assert_eq!(
        tried[1].reason,
        Reason::NoneFree {
            in_use: 20,
            total: 20,
            next_free_at: Some(T0 + DAY_MS)
        }
    );
}

#[test]
fn a_login_pass_covers_reconnections_for_60_minutes_and_minute_61_uses_a_new_one() {
    let group = LoginGroup {
        tokens: 1,
        returns: vec![login_pass_returns_at(T0)],
    };
    let at = |minute: i64, window: Option<i64>| {
        let holder = TokenHolder {
            login: Some((group.clone(), window)),
            ..Default::default()
        };
        decide_tokens(
            &Tokens::default(),
            &holder,
            &Connections::default(),
            T0 + minute * MIN,
        )
    };
    assert_eq!(at(0, None), granted(LicenceKind::LoginPass, Step::Start));
    for minute in [1, 30, 59] {
        assert_eq!(
            at(minute, Some(T0)),
            granted(LicenceKind::LoginPass, Step::Held),
            "minute {minute}: the same pass"
        );
    }
    assert_eq!(
        at(61, Some(T0)),
        granted(LicenceKind::LoginPass, Step::Start),
        "minute 61: a new pass"
    );
}

#[test]
fn a_used_login_pass_returns_28_days_after_its_window_ends() {
    let returns = login_pass_returns_at(T0);
    assert_eq!(returns, T0 + 60 * MIN + 28 * DAY_MS);
    let group = LoginGroup {
        tokens: 1,
        returns: vec![returns; 10],
    };
    assert_eq!(group.free(returns - 1), 0);
    assert_eq!(group.free(returns), 10);
}

#[test]
fn deleting_a_login_group_frees_one_token_per_ten_passes_unused_or_returned() {
    let group = LoginGroup {
        tokens: 3,
        returns: vec![T0 + DAY_MS; 12],
    };
    // 30 passes, 12 out: 18 unused frees one token now; two are held until passes return.
    assert_eq!(group.tokens_held_when_deleted(T0), 2);
    assert_eq!(group.tokens_held_when_deleted(T0 + DAY_MS), 0);
}

#[test]
fn five_connections_at_once_and_five_minutes_before_a_slot_closed_at_the_limit_reopens() {
    let holder = TokenHolder {
        has_user_pass: true,
        ..Default::default()
    };
    let open = |open: u32, waits: Vec<i64>, now: i64| {
        decide_tokens(
            &Tokens::default(),
            &holder,
            &Connections { open, waits },
            now,
        )
    };
    assert!(open(4, vec![], T0).is_ok(), "a fifth connection opens");
    assert_eq!(
        open(5, vec![], T0).unwrap_err()[0].reason,
        Reason::MaxParallelSessionsExceeded { open: 5 }
    );
    // At five, one ends at T0: its slot reopens at T0 + 5 minutes.
    let wait = wait_after_end(5, T0).unwrap();
    assert_eq!(wait, T0 + 5 * MIN);
    assert_eq!(wait_after_end(4, T0), None, "below the limit, no wait");
    assert_eq!(
        open(4, vec![wait], T0 + 4 * MIN).unwrap_err()[0].reason,
        Reason::ParallelWait { until: wait }
    );
    assert!(open(4, vec![wait], T0 + 5 * MIN).is_ok());
    assert!(
        open(3, vec![wait], T0 + MIN).is_ok(),
        "another free slot is not waiting"
    );
}

#[test]
fn access_passes_are_tried_in_qlik_senses_order() {
    let tokens = Tokens {
        total: 1,
        ..Default::default()
    };
    let login = Some((
        LoginGroup {
            tokens: 1,
            returns: vec![],
        },
        None,
    ));
    let cases = [
        (
            TokenHolder {
                has_user_pass: true,
                rule_gives_pass: true,
                login: login.clone(),
            },
            granted(LicenceKind::UserPass, Step::Held),
        ),
        (
            TokenHolder {
                rule_gives_pass: true,
                login: login.clone(),
                ..Default::default()
            },
            granted(LicenceKind::UserPass, Step::Assign),
        ),
        (
            TokenHolder {
                login: login.clone(),
                ..Default::default()
            },
            granted(LicenceKind::LoginPass, Step::Start),
        ),
    ];
    for (holder, expected) in cases {
        assert_eq!(
            decide_tokens(&tokens, &holder, &Connections::default(), T0),
            expected,
            "{holder:?}"
        );
    }
    let tried = decide_tokens(
        &tokens,
        &TokenHolder::default(),
        &Connections::default(),
        T0,
    )
    .unwrap_err();
    assert_eq!(
        tried,
        [
            Attempt {
                kind: LicenceKind::UserPass,
                reason: Reason::NotAssigned
            },
            Attempt {
                kind: LicenceKind::LoginPass,
                reason: Reason::NoLoginGroup
            },
        ]
    );
}

// --- CALs ----------------------------------------------------------------------------------------

fn cals() -> Cals {
    Cals {
        named: Pool {
            total: 1,
            ..Default::default()
        },
        document: Some(Pool {
            total: 1,
            ..Default::default()
        }),
        dynamic_named: true,
        dynamic_document: true,
        session_total: 1,
        sessions: vec![],
        usage_total: 1,
        usage_balance: 28,
    }
}

#[test]
fn cals_are_tried_in_the_seeds_order() {
    let held = |named, document| CalHolder {
        has_named: named,
        has_document: document,
        client: "c1".into(),
        usage_started: None,
    };
    assert_eq!(
        decide_cals(&cals(), &held(true, true), T0),
        granted(LicenceKind::NamedCal, Step::Held),
        "the user's Named CAL first"
    );
    assert_eq!(
        decide_cals(&cals(), &held(false, true), T0),
        granted(LicenceKind::DocumentCal, Step::Held),
        "then their Document CAL for this app"
    );
    assert_eq!(
        decide_cals(&cals(), &held(false, false), T0),
        granted(LicenceKind::NamedCal, Step::Assign),
        "then a new Named CAL"
    );
    let mut no_named = cals();
    no_named.dynamic_named = false;
    assert_eq!(
        decide_cals(&no_named, &held(false, false), T0),
        granted(LicenceKind::DocumentCal, Step::Assign),
        "then a new Document CAL"
    );
    no_named.dynamic_document = false;
    assert_eq!(
        decide_cals(&no_named, &held(false, false), T0),
        granted(LicenceKind::SessionCal, Step::Start),
        "then a Session CAL"
    );
    no_named.session_total = 0;
    assert_eq!(
        decide_cals(&no_named, &held(false, false), T0),
        granted(LicenceKind::UsageCal, Step::Start),
        "then a Usage CAL"
    );
    no_named.usage_balance = 27;
    let tried = decide_cals(&no_named, &held(false, false), T0).unwrap_err();
    assert_eq!(
        kinds(&tried),
        [
            LicenceKind::NamedCal,
            LicenceKind::DocumentCal,
            LicenceKind::SessionCal,
            LicenceKind::UsageCal
        ],
        "else denied, with every kind tried"
    );
    assert_eq!(tried[0].reason, Reason::DynamicAssignmentOff);
}

#[test]
fn a_denial_says_how_many_session_cals_are_in_use_and_when_the_next_frees() {
    let mut c = cals();
    c.dynamic_named = false;
    c.document = None;
    c.session_total = 6;
    c.usage_total = 0;
    c.usage_balance = 0;
    c.sessions = (0..6)
        .map(|i| SessionHold {
            client: format!("other{i}"),
            frees_at: (i > 2).then_some(T0 + (20 + i) * MIN),
        })
        .collect();
    let holder = CalHolder {
        client: "mine".into(),
        ..Default::default()
    };
    let tried = decide_cals(&c, &holder, T0).unwrap_err();
    let session = tried
        .iter()
        .find(|a| a.kind == LicenceKind::SessionCal)
        .unwrap();
    assert_eq!(
        session.reason,
        Reason::NoneFree {
            in_use: 6,
            total: 6,
            next_free_at: Some(T0 + 23 * MIN)
        }
    );
    assert_eq!(
        session.explain(),
        "no Session CAL free: 6 of 6 in use; the next frees at 00:23 UTC"
    );
}

#[test]
fn a_session_cal_is_held_at_least_15_minutes_and_the_same_client_reuses_it() {
    assert_eq!(
        session_cal_frees_at(T0, T0 + 2 * MIN),
        T0 + 15 * MIN,
        "closed after 2 minutes: held 15"
    );
    assert_eq!(session_cal_frees_at(T0, T0 + 40 * MIN), T0 + 40 * MIN);
    let mut c = cals();
    c.dynamic_named = false;
    c.dynamic_document = false;
    c.usage_balance = 0;
    c.sessions = vec![SessionHold {
        client: "c1".into(),
        frees_at: Some(T0 + 15 * MIN),
    }];
    let by = |client: &str, now| {
        decide_cals(
            &c,
            &CalHolder {
                client: client.into(),
                ..Default::default()
            },
            now,
        )
    };
    assert_eq!(
        by("c1", T0 + 10 * MIN),
        granted(LicenceKind::SessionCal, Step::Held),
        "the same client within 15 minutes reuses it"
    );
    assert!(by("c2", T0 + 10 * MIN).is_err(), "another client waits");
    assert_eq!(
        by("c2", T0 + 15 * MIN),
        granted(LicenceKind::SessionCal, Step::Start),
        "after 15 minutes it is free"
    );
}

#[test]
fn a_usage_cal_lasts_60_minutes_and_activity_past_them_consumes_a_second() {
    assert_eq!(usage_activity(T0, 28, 1, T0 + 59 * MIN), Ok(false));
    assert_eq!(usage_activity(T0, 28, 1, T0 + 60 * MIN), Ok(true));
    assert!(matches!(
        usage_activity(T0, 27, 1, T0 + 61 * MIN),
        Err(Reason::NoneFree { .. })
    ));
    let mut c = cals();
    c.dynamic_named = false;
    c.dynamic_document = false;
    c.session_total = 0;
    c.usage_balance = 0;
    let holder = CalHolder {
        usage_started: Some(T0),
        ..Default::default()
    };
    assert_eq!(
        decide_cals(&c, &holder, T0 + 30 * MIN),
        granted(LicenceKind::UsageCal, Step::Held),
        "reopening the app within the hour uses the same Usage CAL"
    );
}

#[test]
fn the_usage_pool_recharges_by_a_28th_of_its_size_each_day() {
    // 28 Usage CALs, all 28 consumed on day 0.
    let consumed = vec![T0 + MIN; 28];
    assert_eq!(usage_balance(28, T0, &consumed, T0 + 2 * MIN), 0);
    assert_eq!(
        usage_available(usage_balance(28, T0, &consumed, T0 + DAY_MS)),
        1
    );
    assert_eq!(
        usage_available(usage_balance(28, T0, &consumed, T0 + 10 * DAY_MS)),
        10
    );
    assert_eq!(
        usage_available(usage_balance(28, T0, &consumed, T0 + 40 * DAY_MS)),
        28,
        "never above the pool"
    );
    // A pool of 7 recharges a quarter of a CAL a day: one whole CAL every 4 days.
    let consumed = vec![T0 + MIN; 7];
    assert_eq!(
        usage_available(usage_balance(7, T0, &consumed, T0 + 3 * DAY_MS)),
        0
    );
    assert_eq!(
        usage_available(usage_balance(7, T0, &consumed, T0 + 4 * DAY_MS)),
        1
    );
}

#[test]
fn removing_a_used_named_or_document_cal_quarantines_it_for_7_days() {
    assert_eq!(release_of_cal(None, T0), Release::Now);
    assert_eq!(
        release_of_cal(Some(T0 - 30 * DAY_MS), T0),
        Release::QuarantinedUntil(T0 + 7 * DAY_MS)
    );
}

// --- user-based -------------------------------------------------------------------------------

fn user_based() -> UserBased {
    UserBased {
        professional: Pool {
            total: 1,
            ..Default::default()
        },
        analyzer: Pool {
            total: 1,
            ..Default::default()
        },
        auto_professional: false,
        auto_analyzer: true,
        capacity: Capacity {
            minutes: 60,
            overage_minutes: 0,
            used_minutes: 0,
            resets_at: T0 + 10 * DAY_MS,
        },
    }
}

#[test]
fn user_based_licences_are_tried_entitlement_then_auto_assignment_then_capacity() {
    let licence = user_based();
    let holder = |entitlement| UserBasedHolder {
        entitlement,
        unit_until: None,
    };
    assert_eq!(
        decide_user_based(
            &licence,
            &holder(Some((Entitlement::Professional, false))),
            T0
        ),
        granted(LicenceKind::Professional, Step::Held)
    );
    assert_eq!(
        decide_user_based(&licence, &holder(None), T0),
        granted(LicenceKind::Analyzer, Step::Assign),
        "auto-assigned analyzer"
    );
    let mut full = user_based();
    full.analyzer.assigned = 1;
    assert_eq!(
        decide_user_based(&full, &holder(None), T0),
        granted(LicenceKind::AnalyzerCapacity, Step::Start),
        "no entitlement free: capacity"
    );
    let excluded = decide_user_based(&full, &holder(Some((Entitlement::Analyzer, true))), T0);
    assert_eq!(
        excluded,
        granted(LicenceKind::AnalyzerCapacity, Step::Start),
        "an excluded analyzer falls back on capacity"
    );
}

#[test]
fn capacity_is_spent_in_6_minute_units_and_idle_time_costs_nothing() {
    let capacity = Capacity {
        minutes: 12,
        overage_minutes: 6,
        used_minutes: 0,
        resets_at: T0 + DAY_MS,
    };
    assert_eq!(
        capacity_activity(&capacity, None, T0),
        Ok(true),
        "opening starts a unit"
    );
    assert_eq!(
        capacity_activity(&capacity, Some(T0 + 6 * MIN), T0 + 5 * MIN),
        Ok(false),
        "a selection within the unit costs nothing more"
    );
    assert_eq!(
        capacity_activity(&capacity, Some(T0 + 6 * MIN), T0 + 40 * MIN),
        Ok(true),
        "after idle time, the next selection starts a new unit; the idle minutes cost nothing"
    );
    let at_overage = Capacity {
        used_minutes: 18,
        ..capacity
    };
    assert_eq!(
        capacity_activity(&at_overage, None, T0),
        Err(Reason::CapacityExhausted {
            used_minutes: 18,
            limit_minutes: 18,
            resets_at: T0 + DAY_MS
        }),
        "at the overage ceiling, access stops until the month resets"
    );
}

#[test]
fn lowering_a_licence_excludes_the_latest_assignments() {
    assert_eq!(
        excluded(&[T0 + 3, T0 + 1, T0 + 2, T0 + 4], 2),
        [true, false, false, true]
    );
    assert_eq!(excluded(&[T0, T0], 5), [false, false]);
}
