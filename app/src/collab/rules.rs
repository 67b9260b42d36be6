//! The decisions of collaborative sessions, pure and table-tested: who may start one, when an
//! invitation is spent, who may join, when a session ends, which messages a connection may
//! send, and the shared state every participant sees (sheet, selections by value, history).

use serde::{Deserialize, Serialize};

use super::model::{ClientMessage, Event, Mode, Standing};
use crate::content::model::{ValueChange, ValueField};
use crate::error::AppError;

/// An invitation is good for 15 minutes after it is made (the seed: "the link to the session
/// will expire in 15 minutes from the time the particular sharing is started").
pub const INVITATION_MS: i64 = 15 * 60 * 1000;
/// A connection says it is alive this often; a participant is connected while one has.
pub const HEARTBEAT_MS: i64 = 10_000;
/// A participant whose connections said nothing for this long is not connected.
pub const CONNECTED_MS: i64 = 3 * HEARTBEAT_MS;
/// The initiator may be gone this long (a reload, a dropped network) before their leaving ends
/// the session for everyone.
pub const INITIATOR_GRACE_MS: i64 = 60_000;
/// The most participants in one session, the initiator included.
pub const MAX_PARTICIPANTS: usize = 100;
/// The largest message a browser may send.
pub const MAX_MESSAGE_BYTES: usize = 8 * 1024;
/// Messages a connection may send in a burst, and per second after it.
pub const MESSAGE_BURST: f64 = 20.0;
pub const MESSAGES_PER_SECOND: f64 = 10.0;
/// Steps of the shared history kept for back.
pub const HISTORY: usize = 50;
/// Events kept for late joiners' notes.
pub const EVENTS: usize = 20;
/// The event every participant sees when the app's data is loaded again under the session.
pub const NEW_DATA_NOTE: &str = "Data updated: everyone now sees the app's new data.";
/// The most values one field of the shared selections may hold: a session is explored by
/// people, and a search that matches more is refused rather than written for everyone.
pub const MAX_SHARED_VALUES: usize = 1_000;
/// The most bytes the session's state may take, history included: older steps of back and
/// forward are dropped to stay within it, and a selection that alone would not fit is refused.
pub const MAX_STATE_BYTES: usize = 64 * 1024;
/// Connections one participant may hold open at once on a server process (a second tab, a
/// reconnect that overlaps the old socket).
pub const SOCKETS_PER_PARTICIPANT: usize = 2;
/// Changes a whole session may write, in a burst and per second after it, whoever sends them.
pub const SESSION_CHANGE_BURST: f64 = 20.0;
pub const SESSION_CHANGES_PER_SECOND: f64 = 5.0;
/// The longest detail an audit row of a shared selection keeps.
pub const AUDIT_DETAIL_CHARS: usize = 200;

/// Why a websocket closes (4000-4999, the range applications own).
pub mod close {
    pub const MALFORMED: u16 = 4000;
    pub const ENDED: u16 = 4001;
    pub const REMOVED: u16 = 4003;
    pub const REFUSED: u16 = 4004;
    pub const NO_LICENCE: u16 = 4402;
    pub const TOO_BIG: u16 = 4009;
    pub const RESTARTING: u16 = 4012;
    pub const UNKNOWN: u16 = 4404;
    pub const TOO_FREQUENT: u16 = 4429;
}

/// Whether people without an account may join a session: the tenant's switch and the
/// initiator's permission, both needed for "Anyone with the link" and "Anyone I admit".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outsiders {
    pub tenant_allows: bool,
    pub permitted: bool,
}

/// Whether a person may start a session on an app they have open.
pub fn check_may_start(
    tenant_enabled: bool,
    app_enabled: bool,
    mode: Mode,
    outsiders: Outsiders,
) -> Result<(), AppError> {
    if !tenant_enabled {
        return Err(AppError::forbidden(
            "Collaborative sessions are turned off for this tenant. A tenant admin can turn them on under Admin, Embedding.",
        ));
    }
    if !app_enabled {
        return Err(AppError::forbidden(
            "Collaborative sessions are turned off for this app by those who manage it.",
        ));
    }
    if mode != Mode::SignedIn {
        if !outsiders.tenant_allows {
            return Err(AppError::forbidden(
                "Sessions that people without an account can join are off for this tenant. Choose \"Signed-in people only\", or ask a tenant admin to turn them on under Admin, Embedding.",
            ));
        }
        if !outsiders.permitted {
            return Err(AppError::forbidden(
                "Letting people without an account into a session is anonymous access, which your roles do not allow (collab_outsiders). Choose \"Signed-in people only\", or ask a tenant admin for the permission.",
            ));
        }
    }
    Ok(())
}

/// Why an invitation no longer lets anyone in, or nothing when it does.
pub fn check_invitation(
    expires_at: i64,
    ended_early: bool,
    session_ended: bool,
    now: i64,
) -> Result<(), AppError> {
    if session_ended {
        return Err(AppError::Gone(
            "This collaborative session has ended. Ask the person who invited you to start a new one."
                .into(),
        ));
    }
    if ended_early {
        return Err(AppError::Gone(
            "This invitation was ended by the person who sent it. Ask them for a new one.".into(),
        ));
    }
    if now >= expires_at {
        return Err(AppError::Gone(
            "This invitation has expired: invitations last 15 minutes. Ask the person who invited you for a new one."
                .into(),
        ));
    }
    Ok(())
}

/// Whom a join lets in: the standing the joiner gets, or why not.
pub fn check_join(
    mode: Mode,
    signed_in: bool,
    removed_before: bool,
    participants: usize,
) -> Result<Standing, AppError> {
    if removed_before {
        return Err(AppError::forbidden(
            "You were removed from this collaborative session and cannot join it again.",
        ));
    }
    if mode == Mode::SignedIn && !signed_in {
        return Err(AppError::Unauthenticated);
    }
    if participants >= MAX_PARTICIPANTS {
        return Err(AppError::Conflict(format!(
            "This collaborative session is full: at most {MAX_PARTICIPANTS} people take part at once."
        )));
    }
    Ok(match mode {
        Mode::Lobby => Standing::Waiting,
        Mode::Open | Mode::SignedIn => Standing::In,
    })
}

/// Someone without an account joins while the tenant's anonymous seats (`capacity`) are not
/// all taken by link visitors and other outsiders (`taken`).
pub fn check_anonymous_seat(taken: i64, capacity: i64) -> Result<(), AppError> {
    if taken < capacity {
        return Ok(());
    }
    Err(AppError::Unavailable {
        message: format!("Every anonymous seat of this organisation is taken ({capacity}): people without an account count against them in sessions as on public links. Try again in a few minutes, or ask the person who invited you to sign you in."),
        retry_after_secs: 60,
    })
}

/// Why the session ends now, when it does: the initiator's portal session ended, or they left
/// (no connection for the grace period, counted from the start when they never connected).
pub fn end_reason(
    initiator_session_alive: bool,
    initiator_last_seen: i64,
    now: i64,
) -> Option<&'static str> {
    if !initiator_session_alive {
        return Some("The session ended: the person who started it signed out.");
    }
    if now - initiator_last_seen >= INITIATOR_GRACE_MS {
        return Some("The session ended: the person who started it left.");
    }
    None
}

pub const TURNED_OFF_TENANT: &str =
    "The session ended: a tenant admin turned collaborative sessions off.";
pub const TURNED_OFF_OUTSIDERS: &str =
    "The session ended: a tenant admin turned off sessions that people without an account join.";
pub const TURNED_OFF_APP: &str =
    "The session ended: collaborative sessions were turned off for this app.";
pub const INITIATOR_GONE: &str = "The session ended: the person who started it signed out.";
pub const NO_LICENCE: &str =
    "The session ended: the person who started it no longer has a licence to open this app.";
pub const YOUR_LICENCE: &str =
    "Your licence no longer lets you open this app, so your part in the session ended.";
pub const STOPPED: &str = "The person who started this collaborative session stopped it.";
pub const REMOVED: &str = "You were removed from this collaborative session.";
pub const REFUSED: &str = "The person who started this collaborative session did not admit you.";

/// Messages within a burst and a rate: a token bucket per participant (all their connections
/// draw on one), or per session for the changes it writes.
#[derive(Debug, Clone, Copy)]
pub struct MessageBudget {
    tokens: f64,
    at_ms: i64,
    burst: f64,
    per_second: f64,
}

impl MessageBudget {
    /// A participant's: `MESSAGE_BURST`, then `MESSAGES_PER_SECOND`.
    pub fn new(now_ms: i64) -> Self {
        MessageBudget::with(now_ms, MESSAGE_BURST, MESSAGES_PER_SECOND)
    }

    /// A session's changes: `SESSION_CHANGE_BURST`, then `SESSION_CHANGES_PER_SECOND`.
    pub fn for_changes(now_ms: i64) -> Self {
        MessageBudget::with(now_ms, SESSION_CHANGE_BURST, SESSION_CHANGES_PER_SECOND)
    }

    fn with(now_ms: i64, burst: f64, per_second: f64) -> Self {
        MessageBudget {
            tokens: burst,
            at_ms: now_ms,
            burst,
            per_second,
        }
    }

    /// The budget has filled again by `now_ms`: forgetting it loses nothing.
    pub fn is_full(&self, now_ms: i64) -> bool {
        let elapsed = (now_ms - self.at_ms).max(0) as f64 / 1000.0;
        self.tokens + elapsed * self.per_second >= self.burst
    }

    /// Takes one message from the budget; false when there is none left.
    pub fn take(&mut self, now_ms: i64) -> bool {
        let elapsed = (now_ms - self.at_ms).max(0) as f64 / 1000.0;
        self.tokens = (self.tokens + elapsed * self.per_second).min(self.burst);
        self.at_ms = now_ms;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// A browser's message, or the close code and reason for a bad one.
pub fn parse_message(text: &str) -> Result<ClientMessage, (u16, String)> {
    if text.len() > MAX_MESSAGE_BYTES {
        return Err((
            close::TOO_BIG,
            format!("A message may hold at most {MAX_MESSAGE_BYTES} bytes."),
        ));
    }
    serde_json::from_str(text).map_err(|error| {
        // Close reasons must fit in 123 bytes.
        let mut reason = format!("Not a message this session understands: {error}");
        reason.truncate(120);
        (close::MALFORMED, reason)
    })
}

/// Refuses a change that would make one field of the shared selections hold more than
/// `MAX_SHARED_VALUES` values, saying how many it would hold and what to do.
pub fn check_shared_change(state: &SharedState, change: &ValueChange) -> Result<(), AppError> {
    let (field, count) = match change {
        ValueChange::Set { field, values } => (field, values.len()),
        ValueChange::Toggle { field, value } => {
            let held = state
                .selections
                .iter()
                .find(|f| f.field.eq_ignore_ascii_case(field));
            match held {
                Some(f) if !f.values.contains(value) => (field, f.values.len() + 1),
                _ => return Ok(()),
            }
        }
        ValueChange::Clear { .. } | ValueChange::ClearAll => return Ok(()),
    };
    if count > MAX_SHARED_VALUES {
        return Err(AppError::invalid(
            "selection",
            format!(
                "In a collaborative session a field holds at most {MAX_SHARED_VALUES} selected values; this would select {count} values of {field}. Narrow the search, or select in a field with fewer values."
            ),
        ));
    }
    Ok(())
}

/// What the audit log keeps of a shared selection: its field, how many values, the first few;
/// never longer than `AUDIT_DETAIL_CHARS`.
pub fn audit_detail(change: &ValueChange) -> String {
    let mut text = match change {
        ValueChange::Set { field, values } if values.len() > 3 => format!(
            "{field} = {} values: {}, …",
            values.len(),
            values[..3].join(", ")
        ),
        ValueChange::Set { field, values } => format!("{field} = {}", values.join(", ")),
        ValueChange::Toggle { field, value } => format!("{field} ± {value}"),
        ValueChange::Clear { field } => format!("cleared {field}"),
        ValueChange::ClearAll => "cleared all".into(),
    };
    if text.chars().count() > AUDIT_DETAIL_CHARS {
        text = text.chars().take(AUDIT_DETAIL_CHARS - 1).collect();
        text.push('…');
    }
    text
}

/// One field of the shared selections, with who made the change that set it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedField {
    pub field: String,
    pub values: Vec<String>,
    pub by: String,
}

/// The one state every participant sees: the sheet everyone follows, the selections by value
/// (so that each participant's own reduction can read them), back and forward, and the recent
/// events. Stored as JSON in the session's row, with a version that every change increases.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedState {
    pub sheet: Option<String>,
    pub selections: Vec<SharedField>,
    pub back: Vec<Vec<SharedField>>,
    pub forward: Vec<Vec<SharedField>>,
    pub events: Vec<Event>,
    pub next_event: u64,
}

impl SharedState {
    pub fn values(&self) -> Vec<ValueField> {
        self.selections
            .iter()
            .map(|s| ValueField {
                field: s.field.clone(),
                values: s.values.clone(),
            })
            .collect()
    }

    pub fn note(&mut self, at: i64, text: impl Into<String>) {
        self.next_event += 1;
        self.events.push(Event {
            seq: self.next_event,
            at,
            text: text.into(),
        });
        let extra = self.events.len().saturating_sub(EVENTS);
        self.events.drain(..extra);
    }

    /// Applies a change by `by`; false when it changes nothing (no history step, no version).
    pub fn apply(&mut self, change: &ValueChange, by: &str) -> bool {
        let mut next = self.selections.clone();
        let find = |fields: &[SharedField], name: &str| {
            fields
                .iter()
                .position(|f| f.field.eq_ignore_ascii_case(name))
        };
        match change {
            ValueChange::Set { field, values } => {
                let mut values = values.clone();
                values.sort();
                values.dedup();
                match (find(&next, field), values.is_empty()) {
                    (Some(i), true) => {
                        next.remove(i);
                    }
                    (Some(i), false) => {
                        if next[i].values != values {
                            next[i].values = values;
                            next[i].by = by.into();
                        }
                    }
                    (None, true) => {}
                    (None, false) => next.push(SharedField {
                        field: field.clone(),
                        values,
                        by: by.into(),
                    }),
                }
            }
            ValueChange::Toggle { field, value } => match find(&next, field) {
                Some(i) => {
                    let held = &mut next[i];
                    match held.values.iter().position(|v| v == value) {
                        Some(at) => {
                            held.values.remove(at);
                        }
                        None => {
                            held.values.push(value.clone());
                            held.values.sort();
                        }
                    }
                    held.by = by.into();
                    if held.values.is_empty() {
                        next.remove(i);
                    }
                }
                None => next.push(SharedField {
                    field: field.clone(),
                    values: vec![value.clone()],
                    by: by.into(),
                }),
            },
            ValueChange::Clear { field } => {
                if let Some(i) = find(&next, field) {
                    next.remove(i);
                }
            }
            ValueChange::ClearAll => next.clear(),
        }
        if next == self.selections {
            return false;
        }
        self.back
            .push(std::mem::replace(&mut self.selections, next));
        self.forward.clear();
        let extra = self.back.len().saturating_sub(HISTORY);
        self.back.drain(..extra);
        true
    }

    pub fn back(&mut self) -> bool {
        let Some(previous) = self.back.pop() else {
            return false;
        };
        self.forward
            .push(std::mem::replace(&mut self.selections, previous));
        true
    }

    pub fn forward(&mut self) -> bool {
        let Some(next) = self.forward.pop() else {
            return false;
        };
        self.back
            .push(std::mem::replace(&mut self.selections, next));
        true
    }

    #[cfg(feature = "ssr")]
    /// The state as stored, within `max_bytes`: the oldest steps of back, then of forward, are
    /// dropped until it fits. Refused when the selections alone do not fit.
    pub fn fit(&mut self, max_bytes: usize) -> Result<String, AppError> {
        loop {
            let text = serde_json::to_string(self).map_err(AppError::internal)?;
            if text.len() <= max_bytes {
                return Ok(text);
            }
            if !self.back.is_empty() {
                self.back.remove(0);
            } else if !self.forward.is_empty() {
                self.forward.remove(0);
            } else {
                return Err(AppError::invalid(
                    "selection",
                    format!(
                        "These selections are too large to share: a session's selections take at most {} KB. Select fewer or shorter values.",
                        max_bytes / 1024
                    ),
                ));
            }
        }
    }

    pub fn move_to(&mut self, sheet: &str) -> bool {
        if self.sheet.as_deref() == Some(sheet) {
            return false;
        }
        self.sheet = Some(sheet.to_string());
        true
    }
}

#[cfg(test)]
mod tests;
