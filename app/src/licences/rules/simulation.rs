//! Sixty days of 300 people opening, closing and reopening apps while admins remove and give
//! back licences, under each scheme: after every step nothing is over-allocated, every
//! quarantine holds, and the ledger of assignments and consumption matches the state.

use super::*;

const T0: i64 = 20_000 * DAY_MS;
const MIN: i64 = MINUTE_MS;

/// A small deterministic generator (xorshift), so that a failure repeats.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// One person's open connection in the simulation.
#[derive(Clone)]
struct Open {
    person: usize,
    client: String,
    kind: LicenceKind,
    opened: i64,
}

#[derive(Default)]
struct Ledger {
    /// Lasting assignments in force, by kind: +1 on each assignment, -1 on each removal.
    assigned: std::collections::BTreeMap<LicenceKind, i64>,
    consumed: std::collections::BTreeMap<LicenceKind, i64>,
    denials: u64,
}

const PEOPLE: usize = 300;
const DAYS: i64 = 60;

#[test]
fn sixty_days_of_300_people_never_over_allocate_and_the_ledger_matches_the_state() {
    simulate_tokens(7);
    simulate_cals(11);
    simulate_user_based(13);
}

fn simulate_tokens(seed: u64) {
    let mut rng = Rng(seed);
    let mut tokens = Tokens {
        total: 40,
        ..Default::default()
    };
    let mut has_pass = vec![false; PEOPLE];
    let mut last_used: Vec<Option<i64>> = vec![None; PEOPLE];
    // quarantined token: (person it was taken from, release)
    let mut quarantine: Vec<(usize, i64)> = Vec::new();
    let mut group = LoginGroup {
        tokens: 5,
        returns: vec![],
    };
    tokens.login_tokens = group.tokens;
    let mut windows: Vec<Option<i64>> = vec![None; PEOPLE];
    let mut open: Vec<Open> = Vec::new();
    let mut waits: Vec<Vec<i64>> = vec![Vec::new(); PEOPLE];
    let mut ledger = Ledger::default();
    let mut now = T0;
    while now < T0 + DAYS * DAY_MS {
        now += rng.below(4 * MIN as u64) as i64 + 1;
        let person = rng.below(PEOPLE as u64) as usize;
        tokens.quarantine = quarantine.iter().map(|q| q.1).collect();
        match rng.below(10) {
            0..=4 => {
                let holder = TokenHolder {
                    has_user_pass: has_pass[person],
                    rule_gives_pass: person.is_multiple_of(3),
                    login: (!person.is_multiple_of(3)).then(|| (group.clone(), windows[person])),
                };
                let connections = Connections {
                    open: open.iter().filter(|o| o.person == person).count() as u32,
                    waits: waits[person].clone(),
                };
                match decide_tokens(&tokens, &holder, &connections, now) {
                    Ok(grant) => {
                        match (grant.kind, grant.step) {
                            (LicenceKind::UserPass, Step::Assign) => {
                                has_pass[person] = true;
                                tokens.user_passes += 1;
                                *ledger.assigned.entry(LicenceKind::UserPass).or_default() += 1;
                            }
                            (LicenceKind::LoginPass, Step::Start) => {
                                windows[person] = Some(now);
                                group.returns.push(login_pass_returns_at(now));
                                *ledger.consumed.entry(LicenceKind::LoginPass).or_default() += 1;
                            }
                            _ => {}
                        }
                        if grant.kind == LicenceKind::UserPass {
                            last_used[person] = Some(now);
                        }
                        open.push(Open {
                            person,
                            client: String::new(),
                            kind: grant.kind,
                            opened: now,
                        });
                    }
                    Err(tried) => {
                        assert!(!tried.is_empty());
                        ledger.denials += 1;
                    }
                }
            }
            5..=7 => {
                if let Some(i) = open.iter().position(|o| o.person == person) {
                    let before = open.iter().filter(|o| o.person == person).count() as u32;
                    open.remove(i);
                    if let Some(wait) = wait_after_end(before, now) {
                        waits[person].push(wait);
                    }
                }
            }
            8 => {
                // An admin removes a pass, or gives one back (during quarantine: at no cost).
                if has_pass[person] {
                    open.retain(|o| !(o.person == person && o.kind == LicenceKind::UserPass));
                    has_pass[person] = false;
                    tokens.user_passes -= 1;
                    *ledger.assigned.entry(LicenceKind::UserPass).or_default() -= 1;
                    if let Release::QuarantinedUntil(until) =
                        release_of_pass(last_used[person], now)
                    {
                        quarantine.push((person, until));
                    }
                } else if let Some(i) = quarantine.iter().position(|q| q.0 == person && q.1 > now) {
                    quarantine.remove(i);
                    has_pass[person] = true;
                    tokens.user_passes += 1;
                    *ledger.assigned.entry(LicenceKind::UserPass).or_default() += 1;
                }
            }
            _ => {}
        }
        quarantine.retain(|q| q.1 > now);
        for w in waits.iter_mut() {
            w.retain(|&t| t > now);
        }
        // Never over-allocated; every quarantine holds its token.
        let pool = tokens.pool();
        tokens.quarantine = quarantine.iter().map(|q| q.1).collect();
        assert!(
            tokens.pool().in_use(now) <= tokens.total,
            "tokens over-allocated at {now}: {pool:?}"
        );
        assert!(
            group.in_use(now) <= group.passes(),
            "login passes over-allocated"
        );
        for p in 0..PEOPLE {
            assert!(open.iter().filter(|o| o.person == p).count() as u32 <= MAX_PARALLEL);
        }
        assert_eq!(
            ledger
                .assigned
                .get(&LicenceKind::UserPass)
                .copied()
                .unwrap_or(0),
            i64::from(tokens.user_passes),
            "the ledger sums to the overview"
        );
    }
    assert!(
        ledger
            .consumed
            .get(&LicenceKind::LoginPass)
            .copied()
            .unwrap_or(0)
            > 0
    );
    assert!(ledger.denials > 0, "the simulation reaches the limits");
}

fn simulate_cals(seed: u64) {
    let mut rng = Rng(seed);
    let mut cals = Cals {
        named: Pool {
            total: 20,
            ..Default::default()
        },
        document: Some(Pool {
            total: 10,
            ..Default::default()
        }),
        dynamic_named: true,
        dynamic_document: true,
        session_total: 6,
        sessions: vec![],
        usage_total: 14,
        usage_balance: 0,
    };
    let mut named = vec![false; PEOPLE];
    let mut document = vec![false; PEOPLE];
    let mut usage_started: Vec<Option<i64>> = vec![None; PEOPLE];
    let mut usage_consumed: Vec<i64> = Vec::new();
    let mut holds: Vec<(String, i64, Option<i64>)> = Vec::new(); // client, started, ended
    let mut open: Vec<Open> = Vec::new();
    let mut ledger = Ledger::default();
    let mut now = T0;
    while now < T0 + DAYS * DAY_MS {
        now += rng.below(6 * MIN as u64) as i64 + 1;
        let person = rng.below(PEOPLE as u64) as usize;
        let client = format!("p{person}-c{}", rng.below(2));
        cals.sessions = holds
            .iter()
            .map(|(c, started, ended)| SessionHold {
                client: c.clone(),
                frees_at: ended.map(|e| session_cal_frees_at(*started, e)),
            })
            .collect();
        cals.usage_balance = usage_balance(cals.usage_total, T0, &usage_consumed, now);
        match rng.below(10) {
            0..=5 => {
                let holder = CalHolder {
                    has_named: named[person],
                    has_document: document[person],
                    client: client.clone(),
                    usage_started: usage_started[person],
                };
                match decide_cals(&cals, &holder, now) {
                    Ok(grant) => {
                        match (grant.kind, grant.step) {
                            (LicenceKind::NamedCal, Step::Assign) => {
                                named[person] = true;
                                cals.named.assigned += 1;
                                *ledger.assigned.entry(LicenceKind::NamedCal).or_default() += 1;
                            }
                            (LicenceKind::DocumentCal, Step::Assign) => {
                                document[person] = true;
                                cals.document.as_mut().unwrap().assigned += 1;
                                *ledger.assigned.entry(LicenceKind::DocumentCal).or_default() += 1;
                            }
                            (LicenceKind::SessionCal, Step::Start) => {
                                holds.push((client.clone(), now, None));
                                *ledger.consumed.entry(LicenceKind::SessionCal).or_default() += 1;
                            }
                            (LicenceKind::SessionCal, Step::Held) => {
                                // Reopened by the same client: held again until closed.
                                if let Some(h) = holds.iter_mut().find(|h| h.0 == client) {
                                    h.2 = None;
                                }
                            }
                            (LicenceKind::UsageCal, Step::Start) => {
                                usage_started[person] = Some(now);
                                usage_consumed.push(now);
                                *ledger.consumed.entry(LicenceKind::UsageCal).or_default() += 1;
                            }
                            _ => {}
                        }
                        open.push(Open {
                            person,
                            client: client.clone(),
                            kind: grant.kind,
                            opened: now,
                        });
                    }
                    Err(_) => ledger.denials += 1,
                }
            }
            6..=8 => {
                if let Some(i) = open.iter().position(|o| o.person == person) {
                    let closed = open.remove(i);
                    if closed.kind == LicenceKind::SessionCal
                        && !open.iter().any(|o| o.client == closed.client)
                    {
                        if let Some(h) = holds.iter_mut().find(|h| h.0 == closed.client) {
                            h.2 = Some(now.max(closed.opened));
                        }
                    }
                }
            }
            _ => {
                if named[person] && !open.iter().any(|o| o.person == person) {
                    named[person] = false;
                    cals.named.assigned -= 1;
                    *ledger.assigned.entry(LicenceKind::NamedCal).or_default() -= 1;
                    if let Release::QuarantinedUntil(until) = release_of_cal(Some(now), now) {
                        cals.named.quarantine.push(until);
                    }
                }
            }
        }
        holds.retain(|(_, started, ended)| {
            ended.is_none_or(|e| session_cal_frees_at(*started, e) > now)
        });
        let active = holds.len() as u32;
        assert!(
            active <= cals.session_total,
            "Session CALs over-allocated: {active}"
        );
        assert!(
            cals.named.in_use(now) <= cals.named.total,
            "Named CALs over-allocated"
        );
        let doc = cals.document.as_ref().unwrap();
        assert!(doc.in_use(now) <= doc.total, "Document CALs over-allocated");
        assert!(
            usage_balance(cals.usage_total, T0, &usage_consumed, now) >= 0,
            "Usage CALs overspent"
        );
        assert_eq!(
            ledger
                .assigned
                .get(&LicenceKind::NamedCal)
                .copied()
                .unwrap_or(0),
            i64::from(cals.named.assigned)
        );
        assert_eq!(
            ledger
                .consumed
                .get(&LicenceKind::UsageCal)
                .copied()
                .unwrap_or(0),
            usage_consumed.len() as i64
        );
    }
    assert!(ledger.denials > 0);
}

fn simulate_user_based(seed: u64) {
    let mut rng = Rng(seed);
    let mut licence = UserBased {
        professional: Pool {
            total: 10,
            ..Default::default()
        },
        analyzer: Pool {
            total: 50,
            ..Default::default()
        },
        auto_professional: false,
        auto_analyzer: true,
        capacity: Capacity {
            minutes: 6_000,
            overage_minutes: 600,
            used_minutes: 0,
            resets_at: crate::timefmt::next_month_start(T0),
        },
    };
    let mut entitlement: Vec<Option<Entitlement>> = vec![None; PEOPLE];
    let mut unit_until: Vec<Option<i64>> = vec![None; PEOPLE];
    let mut ledger = Ledger::default();
    let mut now = T0;
    while now < T0 + DAYS * DAY_MS {
        now += rng.below(3 * MIN as u64) as i64 + 1;
        if now >= licence.capacity.resets_at {
            licence.capacity.used_minutes = 0;
            licence.capacity.resets_at = crate::timefmt::next_month_start(now);
        }
        let person = rng.below(PEOPLE as u64) as usize;
        if person < 5 && entitlement[person].is_none() && licence.professional.free(now) > 0 {
            entitlement[person] = Some(Entitlement::Professional);
            licence.professional.assigned += 1;
        }
        let holder = UserBasedHolder {
            entitlement: entitlement[person].map(|e| (e, false)),
            unit_until: unit_until[person],
        };
        match decide_user_based(&licence, &holder, now) {
            Ok(grant) => match (grant.kind, grant.step) {
                (LicenceKind::Analyzer, Step::Assign) => {
                    entitlement[person] = Some(Entitlement::Analyzer);
                    licence.analyzer.assigned += 1;
                    *ledger.assigned.entry(LicenceKind::Analyzer).or_default() += 1;
                }
                (LicenceKind::AnalyzerCapacity, Step::Start) => {
                    unit_until[person] = Some(now + CAPACITY_UNIT_MS);
                    licence.capacity.used_minutes += CAPACITY_UNIT_MINUTES;
                    *ledger
                        .consumed
                        .entry(LicenceKind::AnalyzerCapacity)
                        .or_default() += i64::from(CAPACITY_UNIT_MINUTES);
                }
                _ => {}
            },
            Err(tried) => {
                assert_eq!(tried.last().unwrap().kind, LicenceKind::AnalyzerCapacity);
                ledger.denials += 1;
            }
        }
        assert!(licence.analyzer.in_use(now) <= licence.analyzer.total);
        assert!(licence.capacity.used_minutes <= licence.capacity.limit());
    }
    assert_eq!(
        ledger
            .assigned
            .get(&LicenceKind::Analyzer)
            .copied()
            .unwrap_or(0),
        i64::from(licence.analyzer.assigned)
    );
    assert!(
        ledger
            .consumed
            .get(&LicenceKind::AnalyzerCapacity)
            .copied()
            .unwrap_or(0)
            > 0
    );
}
