//! The licence decision, pure: from what the tenant and the person hold at `now`, the licence a
//! new connection uses, or every kind tried and why each was unavailable. It runs after sharing
//! and section access have said yes: a licence never grants access that sharing does not give
//! (CALs are licensing, never security).
//!
//! The numbers are Qlik's: an access pass costs one token, a token buys ten login passes, a login
//! pass opens a 60-minute window and returns 28 days after it; a removed pass or CAL waits 7 days
//! in quarantine; a Session CAL is held at least 15 minutes; a Usage CAL lasts 60 minutes and the
//! pool recharges by 1/28 a day; analyzer capacity is spent in 6-minute units.

use super::model::{Attempt, LicenceKind, Reason};

pub const MINUTE_MS: i64 = 60 * 1000;
pub const DAY_MS: i64 = 24 * 60 * MINUTE_MS;

/// The most connections (apps open) one person holds at once under access passes.
pub const MAX_PARALLEL: u32 = 5;
/// After a person at the limit ends a connection, this long passes before that slot reopens.
pub const PARALLEL_WAIT_MS: i64 = 5 * MINUTE_MS;
/// How long a removed pass or CAL that was in use stays unavailable to others.
pub const QUARANTINE_MS: i64 = 7 * DAY_MS;
pub const PASSES_PER_TOKEN: u32 = 10;
/// A login pass's window, from the first connection.
pub const LOGIN_WINDOW_MS: i64 = 60 * MINUTE_MS;
/// A used login pass returns to its group this long after its window ends.
pub const LOGIN_RETURN_MS: i64 = 28 * DAY_MS;
/// A Session CAL is held at least this long, and the same client reuses it meanwhile.
pub const SESSION_CAL_MIN_MS: i64 = 15 * MINUTE_MS;
/// A Usage CAL covers one person and one app for this long.
pub const USAGE_CAL_MS: i64 = 60 * MINUTE_MS;
/// The Usage CAL pool recharges by 1/`USAGE_RECHARGE_DAYS` of its size each day.
pub const USAGE_RECHARGE_DAYS: i64 = 28;
/// Analyzer capacity is spent in units of this length.
pub const CAPACITY_UNIT_MS: i64 = 6 * MINUTE_MS;
pub const CAPACITY_UNIT_MINUTES: u32 = 6;

/// How the chosen licence is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// What the person already holds: their pass, CAL or entitlement, a login window, a Session
    /// CAL of their client, a Usage CAL or capacity unit still running.
    Held,
    /// A lasting assignment made now: a user pass by a group rule, a Named or Document CAL by
    /// dynamic assignment, an entitlement by auto-assignment.
    Assign,
    /// Something spent now: a login pass's window, a Session CAL, a Usage CAL, a capacity unit.
    Start,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grant {
    pub kind: LicenceKind,
    pub step: Step,
}

/// The licence used, or every kind tried (in order) and why each was unavailable.
pub type Decision = Result<Grant, Vec<Attempt>>;

fn attempt(kind: LicenceKind, reason: Reason) -> Attempt {
    Attempt { kind, reason }
}

fn earliest(times: impl Iterator<Item = i64>) -> Option<i64> {
    times.min()
}

// --- Quarantine and release ---------------------------------------------------------------------

/// When a removed pass or CAL becomes free for someone else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Release {
    Now,
    QuarantinedUntil(i64),
}

/// A user access pass: used in the last 7 days, its token waits until 7 days after that use;
/// otherwise it frees at once.
pub fn release_of_pass(last_used: Option<i64>, now: i64) -> Release {
    match last_used {
        Some(used) if used + QUARANTINE_MS > now => Release::QuarantinedUntil(used + QUARANTINE_MS),
        _ => Release::Now,
    }
}

/// A Named or Document CAL that was ever used waits 7 days from its removal.
pub fn release_of_cal(last_used: Option<i64>, now: i64) -> Release {
    match last_used {
        Some(_) => Release::QuarantinedUntil(now + QUARANTINE_MS),
        None => Release::Now,
    }
}

/// A limited pool of lasting assignments: tokens, Named CALs, one app's Document CALs,
/// entitlements. Quarantined ones count as used until they are released.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pool {
    pub total: u32,
    pub assigned: u32,
    /// When each quarantined one is released.
    pub quarantine: Vec<i64>,
}

impl Pool {
    pub fn quarantined(&self, now: i64) -> u32 {
        self.quarantine.iter().filter(|&&t| t > now).count() as u32
    }

    pub fn in_use(&self, now: i64) -> u32 {
        self.assigned + self.quarantined(now)
    }

    pub fn free(&self, now: i64) -> u32 {
        self.total.saturating_sub(self.in_use(now))
    }

    pub fn next_release(&self, now: i64) -> Option<i64> {
        earliest(self.quarantine.iter().copied().filter(|&t| t > now))
    }

    fn none_free(&self, now: i64) -> Reason {
        Reason::NoneFree {
            in_use: self.in_use(now).min(self.total),
            total: self.total,
            next_free_at: self.next_release(now),
        }
    }
}

// --- Parallel connections (access passes) -------------------------------------------------------

/// A person's apps open now, and when slots closed at the limit reopen.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Connections {
    pub open: u32,
    pub waits: Vec<i64>,
}

/// Whether one more connection may open.
pub fn check_parallel(connections: &Connections, now: i64) -> Result<(), Reason> {
    if connections.open >= MAX_PARALLEL {
        return Err(Reason::MaxParallelSessionsExceeded {
            open: connections.open,
        });
    }
    let waiting: Vec<i64> = connections
        .waits
        .iter()
        .copied()
        .filter(|&t| t > now)
        .collect();
    if connections.open + waiting.len() as u32 >= MAX_PARALLEL {
        return Err(Reason::ParallelWait {
            until: waiting.into_iter().min().unwrap_or(now),
        });
    }
    Ok(())
}

/// Ending a connection while at the limit closes its slot for 5 minutes.
pub fn wait_after_end(open_before_end: u32, ended_at: i64) -> Option<i64> {
    (open_before_end >= MAX_PARALLEL).then_some(ended_at + PARALLEL_WAIT_MS)
}

// --- Tokens: access passes ------------------------------------------------------------------------

/// The tenant's tokens: what user passes and login groups hold, and what is in quarantine.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tokens {
    pub total: u32,
    pub user_passes: u32,
    /// Tokens held by login groups, deleted ones included until their passes return.
    pub login_tokens: u32,
    pub quarantine: Vec<i64>,
}

impl Tokens {
    pub fn pool(&self) -> Pool {
        Pool {
            total: self.total,
            assigned: self.user_passes + self.login_tokens,
            quarantine: self.quarantine.clone(),
        }
    }
}

/// A group's login passes: ten per token, each out from its first use until 28 days after its
/// window ends.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoginGroup {
    pub tokens: u32,
    /// When each used pass returns (its window's end plus 28 days).
    pub returns: Vec<i64>,
}

impl LoginGroup {
    pub fn passes(&self) -> u32 {
        self.tokens * PASSES_PER_TOKEN
    }

    pub fn in_use(&self, now: i64) -> u32 {
        self.returns.iter().filter(|&&t| t > now).count() as u32
    }

    pub fn free(&self, now: i64) -> u32 {
        self.passes().saturating_sub(self.in_use(now))
    }

    /// Tokens a deleted group still holds: one per ten passes not yet returned.
    pub fn tokens_held_when_deleted(&self, now: i64) -> u32 {
        self.in_use(now).div_ceil(PASSES_PER_TOKEN).min(self.tokens)
    }
}

/// When a login pass first used at `window_start` returns.
pub fn login_pass_returns_at(window_start: i64) -> i64 {
    window_start + LOGIN_WINDOW_MS + LOGIN_RETURN_MS
}

/// What a person holds under access passes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TokenHolder {
    pub has_user_pass: bool,
    /// A group rule gives members a user pass on first use.
    pub rule_gives_pass: bool,
    /// The login group the person belongs to (the one with passes free first), and the start of
    /// their latest window in it.
    pub login: Option<(LoginGroup, Option<i64>)>,
}

/// A new connection under access passes, in Qlik Sense's order: the user's pass, a pass by rule,
/// a login pass (its running window, or a new one). At most 5 connections at once.
pub fn decide_tokens(
    tokens: &Tokens,
    holder: &TokenHolder,
    connections: &Connections,
    now: i64,
) -> Decision {
    let mut tried = Vec::new();
    if holder.has_user_pass {
        return match check_parallel(connections, now) {
            Ok(()) => Ok(Grant {
                kind: LicenceKind::UserPass,
                step: Step::Held,
            }),
            Err(reason) => Err(vec![attempt(LicenceKind::UserPass, reason)]),
        };
    }
    let pool = tokens.pool();
    if !holder.rule_gives_pass {
        tried.push(attempt(LicenceKind::UserPass, Reason::NotAssigned));
    } else if pool.free(now) == 0 {
        tried.push(attempt(LicenceKind::UserPass, pool.none_free(now)));
    } else if let Err(reason) = check_parallel(connections, now) {
        tried.push(attempt(LicenceKind::UserPass, reason));
        return Err(tried);
    } else {
        return Ok(Grant {
            kind: LicenceKind::UserPass,
            step: Step::Assign,
        });
    }
    let Some((group, window)) = &holder.login else {
        tried.push(attempt(LicenceKind::LoginPass, Reason::NoLoginGroup));
        return Err(tried);
    };
    let running = window.is_some_and(|start| start + LOGIN_WINDOW_MS > now);
    let step = if running {
        Step::Held
    } else if group.free(now) > 0 {
        Step::Start
    } else {
        tried.push(attempt(
            LicenceKind::LoginPass,
            Reason::NoneFree {
                in_use: group.in_use(now).min(group.passes()),
                total: group.passes(),
                next_free_at: earliest(group.returns.iter().copied().filter(|&t| t > now)),
            },
        ));
        return Err(tried);
    };
    match check_parallel(connections, now) {
        Ok(()) => Ok(Grant {
            kind: LicenceKind::LoginPass,
            step,
        }),
        Err(reason) => {
            tried.push(attempt(LicenceKind::LoginPass, reason));
            Err(tried)
        }
    }
}

// --- CALs: QlikView Server --------------------------------------------------------------------------

/// A Session CAL held by one client: open, or closed and freeing at `frees_at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionHold {
    pub client: String,
    pub frees_at: Option<i64>,
}

impl SessionHold {
    pub fn active(&self, now: i64) -> bool {
        self.frees_at.is_none_or(|t| t > now)
    }
}

/// When a Session CAL taken at `started` and given back at `ended` frees: never before 15
/// minutes.
pub fn session_cal_frees_at(started: i64, ended: i64) -> i64 {
    ended.max(started + SESSION_CAL_MIN_MS)
}

/// The Usage CAL pool at `now`, in 28ths of a CAL: full when the pool was set at `since`, 28 less
/// for each CAL consumed (`consumed`, in time order), and `total` more (1/28 of the pool) at each
/// midnight UTC, never above the pool.
pub fn usage_balance(total: u32, since: i64, consumed: &[i64], now: i64) -> i64 {
    let full = i64::from(total) * USAGE_RECHARGE_DAYS;
    let day = |t: i64| t.div_euclid(DAY_MS);
    let (mut balance, mut at) = (full, since);
    for &t in consumed.iter().filter(|&&t| t >= since && t <= now) {
        balance = (balance + (day(t) - day(at)) * i64::from(total)).min(full);
        balance -= USAGE_RECHARGE_DAYS;
        at = t;
    }
    (balance + (day(now) - day(at)) * i64::from(total)).min(full)
}

/// Whole Usage CALs available in a balance.
pub fn usage_available(balance: i64) -> u32 {
    balance.div_euclid(USAGE_RECHARGE_DAYS).max(0) as u32
}

/// The tenant's CALs as one decision needs them (Document CALs: the app's pool).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cals {
    pub named: Pool,
    /// The app's Document CALs; `None` when none are allocated to it.
    pub document: Option<Pool>,
    pub dynamic_named: bool,
    pub dynamic_document: bool,
    pub session_total: u32,
    pub sessions: Vec<SessionHold>,
    pub usage_total: u32,
    /// In 28ths (see `usage_balance`).
    pub usage_balance: i64,
}

/// What a person holds under CALs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CalHolder {
    pub has_named: bool,
    /// A Document CAL for this app.
    pub has_document: bool,
    /// Their client (browser session), for Session CAL reuse.
    pub client: String,
    /// The start of their latest Usage CAL for this app.
    pub usage_started: Option<i64>,
}

/// A new connection under CALs, in QlikView's order: the user's Named CAL, their Document CAL for
/// this app, a new Named CAL (dynamic), a new Document CAL (dynamic), a Session CAL, a Usage CAL.
pub fn decide_cals(cals: &Cals, holder: &CalHolder, now: i64) -> Decision {
    let grant = |kind, step| Ok(Grant { kind, step });
    if holder.has_named {
        return grant(LicenceKind::NamedCal, Step::Held);
    }
    if holder.has_document {
        return grant(LicenceKind::DocumentCal, Step::Held);
    }
    let mut tried = Vec::new();
    if !cals.dynamic_named {
        tried.push(attempt(LicenceKind::NamedCal, Reason::DynamicAssignmentOff));
    } else if cals.named.free(now) == 0 {
        tried.push(attempt(LicenceKind::NamedCal, cals.named.none_free(now)));
    } else {
        return grant(LicenceKind::NamedCal, Step::Assign);
    }
    match &cals.document {
        None => tried.push(attempt(LicenceKind::DocumentCal, Reason::NoDocumentPool)),
        Some(_) if !cals.dynamic_document => tried.push(attempt(
            LicenceKind::DocumentCal,
            Reason::DynamicAssignmentOff,
        )),
        Some(pool) if pool.free(now) == 0 => {
            tried.push(attempt(LicenceKind::DocumentCal, pool.none_free(now)))
        }
        Some(_) => return grant(LicenceKind::DocumentCal, Step::Assign),
    }
    let active: Vec<&SessionHold> = cals.sessions.iter().filter(|h| h.active(now)).collect();
    if active.iter().any(|h| h.client == holder.client) {
        return grant(LicenceKind::SessionCal, Step::Held);
    }
    if (active.len() as u32) < cals.session_total {
        return grant(LicenceKind::SessionCal, Step::Start);
    }
    tried.push(attempt(
        LicenceKind::SessionCal,
        Reason::NoneFree {
            in_use: active.len() as u32,
            total: cals.session_total,
            next_free_at: earliest(active.iter().filter_map(|h| h.frees_at)),
        },
    ));
    if holder
        .usage_started
        .is_some_and(|start| start + USAGE_CAL_MS > now)
    {
        return grant(LicenceKind::UsageCal, Step::Held);
    }
    if usage_available(cals.usage_balance) > 0 {
        return grant(LicenceKind::UsageCal, Step::Start);
    }
    tried.push(attempt(
        LicenceKind::UsageCal,
        Reason::NoneFree {
            in_use: cals.usage_total,
            total: cals.usage_total,
            next_free_at: (cals.usage_total > 0).then_some((now.div_euclid(DAY_MS) + 1) * DAY_MS),
        },
    ));
    Err(tried)
}

/// Activity (a selection, a sheet change) on a connection that a Usage CAL opened: past its 60
/// minutes it consumes a second one. `Ok(true)`: a new Usage CAL starts now.
pub fn usage_activity(started: i64, balance: i64, total: u32, now: i64) -> Result<bool, Reason> {
    if started + USAGE_CAL_MS > now {
        return Ok(false);
    }
    if usage_available(balance) > 0 {
        Ok(true)
    } else {
        Err(Reason::NoneFree {
            in_use: total,
            total,
            next_free_at: Some((now.div_euclid(DAY_MS) + 1) * DAY_MS),
        })
    }
}

// --- User-based: Qlik Cloud ---------------------------------------------------------------------------

/// The kind of entitlement a person is assigned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entitlement {
    Professional,
    Analyzer,
}

impl Entitlement {
    pub fn kind(self) -> LicenceKind {
        match self {
            Entitlement::Professional => LicenceKind::Professional,
            Entitlement::Analyzer => LicenceKind::Analyzer,
        }
    }
}

/// The month's analyzer capacity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Capacity {
    pub minutes: u32,
    /// How far past `minutes` use may go (0: none).
    pub overage_minutes: u32,
    pub used_minutes: u32,
    pub resets_at: i64,
}

impl Capacity {
    pub fn limit(&self) -> u32 {
        self.minutes + self.overage_minutes
    }

    fn room_for_a_unit(&self) -> bool {
        self.used_minutes + CAPACITY_UNIT_MINUTES <= self.limit()
    }

    fn exhausted(&self) -> Reason {
        Reason::CapacityExhausted {
            used_minutes: self.used_minutes,
            limit_minutes: self.limit(),
            resets_at: self.resets_at,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserBased {
    pub professional: Pool,
    pub analyzer: Pool,
    pub auto_professional: bool,
    pub auto_analyzer: bool,
    pub capacity: Capacity,
}

/// What a person holds under user-based licensing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserBasedHolder {
    /// Their entitlement, and whether it is excluded (beyond a lowered licence).
    pub entitlement: Option<(Entitlement, bool)>,
    /// Until when their running capacity unit lasts.
    pub unit_until: Option<i64>,
}

/// A new connection under user-based licensing: the person's entitlement, an auto-assigned
/// professional, then analyzer entitlement, then analyzer capacity.
pub fn decide_user_based(licence: &UserBased, holder: &UserBasedHolder, now: i64) -> Decision {
    let mut tried = Vec::new();
    match holder.entitlement {
        Some((entitlement, false)) => {
            return Ok(Grant {
                kind: entitlement.kind(),
                step: Step::Held,
            })
        }
        Some((entitlement, true)) => {
            tried.push(attempt(entitlement.kind(), Reason::ExcessAssignment))
        }
        None => {}
    }
    if holder.entitlement.is_none() {
        for (kind, pool, auto) in [
            (
                LicenceKind::Professional,
                &licence.professional,
                licence.auto_professional,
            ),
            (
                LicenceKind::Analyzer,
                &licence.analyzer,
                licence.auto_analyzer,
            ),
        ] {
            if !auto {
                tried.push(attempt(kind, Reason::NotAssigned));
            } else if pool.free(now) == 0 {
                tried.push(attempt(kind, pool.none_free(now)));
            } else {
                return Ok(Grant {
                    kind,
                    step: Step::Assign,
                });
            }
        }
    }
    match capacity_activity(&licence.capacity, holder.unit_until, now) {
        Ok(started) => Ok(Grant {
            kind: LicenceKind::AnalyzerCapacity,
            step: if started { Step::Start } else { Step::Held },
        }),
        Err(reason) => {
            tried.push(attempt(LicenceKind::AnalyzerCapacity, reason));
            Err(tried)
        }
    }
}

/// An app opened, a selection or a sheet change under analyzer capacity: it starts a 6-minute
/// unit unless one is running; idle time costs nothing. `Ok(true)`: a unit starts now.
pub fn capacity_activity(
    capacity: &Capacity,
    unit_until: Option<i64>,
    now: i64,
) -> Result<bool, Reason> {
    if unit_until.is_some_and(|until| until > now) {
        return Ok(false);
    }
    if capacity.room_for_a_unit() {
        Ok(true)
    } else {
        Err(capacity.exhausted())
    }
}

/// After a licence is lowered below what is assigned, the latest assignments beyond it are
/// excluded, as Qlik does: given each assignment's time, which are excluded.
pub fn excluded(assigned_at: &[i64], total: u32) -> Vec<bool> {
    let mut order: Vec<usize> = (0..assigned_at.len()).collect();
    order.sort_by_key(|&i| (assigned_at[i], i));
    let mut out = vec![false; assigned_at.len()];
    for &i in order.iter().skip(total as usize) {
        out[i] = true;
    }
    out
}

mod connections;
mod ledger;
pub use connections::*;
pub use ledger::csv_cell;

#[cfg(test)]
mod simulation;
#[cfg(test)]
mod tests;
