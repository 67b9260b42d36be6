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

/// Why a websocket closes (4000-4999, the range applications own).
pub mod close {
    pub const MALFORMED: u16 = 4000;
    pub const ENDED: u16 = 4001;
    pub const REMOVED: u16 = 4003;
    pub const REFUSED: u16 = 4004;
    pub const TOO_BIG: u16 = 4009;
    pub const RESTARTING: u16 = 4012;
    pub const UNKNOWN: u16 = 4404;
    pub const TOO_FREQUENT: u16 = 4429;
}

/// Whether a person may start a session on an app they have open.
pub fn check_may_start(tenant_enabled: bool, app_enabled: bool) -> Result<(), AppError> {
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
pub const TURNED_OFF_APP: &str =
    "The session ended: collaborative sessions were turned off for this app.";
pub const STOPPED: &str = "The person who started this collaborative session stopped it.";
pub const REMOVED: &str = "You were removed from this collaborative session.";
pub const REFUSED: &str = "The person who started this collaborative session did not admit you.";

/// Messages within a burst and a rate: a token bucket per connection.
#[derive(Debug, Clone, Copy)]
pub struct MessageBudget {
    tokens: f64,
    at_ms: i64,
}

impl MessageBudget {
    pub fn new(now_ms: i64) -> Self {
        MessageBudget {
            tokens: MESSAGE_BURST,
            at_ms: now_ms,
        }
    }

    /// Takes one message from the budget; false when there is none left.
    pub fn take(&mut self, now_ms: i64) -> bool {
        let elapsed = (now_ms - self.at_ms).max(0) as f64 / 1000.0;
        self.tokens = (self.tokens + elapsed * MESSAGES_PER_SECOND).min(MESSAGE_BURST);
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

    pub fn move_to(&mut self, sheet: &str) -> bool {
        if self.sheet.as_deref() == Some(sheet) {
            return false;
        }
        self.sheet = Some(sheet.to_string());
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const START: i64 = 1_800_000_000_000;

    #[test]
    fn an_invitation_lets_people_in_for_fifteen_minutes_unless_ended_earlier() {
        let expires = START + INVITATION_MS;
        // (now, ended early, session ended, lets in)
        let cases = [
            (START, false, false, true),
            (START + INVITATION_MS - 1, false, false, true),
            (START + INVITATION_MS, false, false, false),
            (START + 1, true, false, false),
            (START + 1, false, true, false),
        ];
        for (now, early, ended, lets_in) in cases {
            assert_eq!(
                check_invitation(expires, early, ended, now).is_ok(),
                lets_in,
                "{now} {early} {ended}"
            );
        }
        let Err(AppError::Gone(message)) = check_invitation(expires, false, false, expires) else {
            panic!("an expired invitation is gone")
        };
        assert!(message.contains("15 minutes"), "{message}");
    }

    #[test]
    fn who_may_start_and_who_may_join() {
        assert!(check_may_start(true, true).is_ok());
        assert!(
            matches!(check_may_start(false, true), Err(AppError::Forbidden(m)) if m.contains("tenant"))
        );
        assert!(
            matches!(check_may_start(true, false), Err(AppError::Forbidden(m)) if m.contains("this app"))
        );
        // (mode, signed in, removed before, participants, outcome)
        let cases = [
            (Mode::Open, false, false, 1, Ok(Standing::In)),
            (Mode::Lobby, false, false, 1, Ok(Standing::Waiting)),
            (Mode::SignedIn, true, false, 1, Ok(Standing::In)),
            (Mode::SignedIn, false, false, 1, Err("sign in")),
            (Mode::Open, false, true, 1, Err("removed")),
            (Mode::Open, false, false, MAX_PARTICIPANTS, Err("full")),
        ];
        for (mode, signed_in, removed, count, outcome) in cases {
            let got = check_join(mode, signed_in, removed, count);
            match (got, outcome) {
                (Ok(standing), Ok(expected)) => assert_eq!(standing, expected),
                (Err(error), Err(word)) => assert!(
                    error.to_string().to_lowercase().contains(word),
                    "{mode:?}: {error}"
                ),
                (got, expected) => panic!("{mode:?}: {got:?}, expected {expected:?}"),
            }
        }
    }

    #[test]
    fn the_session_ends_when_the_initiator_signs_out_or_leaves() {
        assert_eq!(end_reason(true, START, START + 1_000), None);
        assert_eq!(
            end_reason(true, START, START + INITIATOR_GRACE_MS - 1),
            None,
            "a reload is not leaving"
        );
        assert!(end_reason(true, START, START + INITIATOR_GRACE_MS)
            .unwrap()
            .contains("left"));
        assert!(end_reason(false, START, START + 1)
            .unwrap()
            .contains("signed out"));
    }

    #[test]
    fn bad_and_too_many_messages_close_with_their_codes() {
        assert_eq!(
            parse_message(r#"{"sheet":"abc"}"#),
            Ok(ClientMessage::Sheet("abc".into()))
        );
        assert_eq!(parse_message(r#""follow""#), Ok(ClientMessage::Follow));
        assert_eq!(parse_message("{nope").unwrap_err().0, close::MALFORMED);
        assert!(parse_message("{nope").unwrap_err().1.len() <= 123);
        let huge = format!(r#"{{"sheet":"{}"}}"#, "x".repeat(MAX_MESSAGE_BYTES));
        assert_eq!(parse_message(&huge).unwrap_err().0, close::TOO_BIG);
        let mut budget = MessageBudget::new(START);
        let burst = (0..100).take_while(|_| budget.take(START)).count();
        assert_eq!(burst, MESSAGE_BURST as usize);
        assert!(
            budget.take(START + 100),
            "a tenth of a second buys one more"
        );
        assert!(!budget.take(START + 100));
    }

    fn set(field: &str, values: &[&str]) -> ValueChange {
        ValueChange::Set {
            field: field.into(),
            values: values.iter().map(|v| v.to_string()).collect(),
        }
    }

    #[test]
    fn one_shared_state_with_who_changed_each_field_back_and_forward() {
        let mut state = SharedState::default();
        assert!(state.apply(&set("Region", &["Nordic"]), "alice@example.com"));
        assert!(
            !state.apply(&set("region", &["Nordic"]), "bob@example.com"),
            "no change, no step"
        );
        assert!(state.apply(
            &ValueChange::Toggle {
                field: "Region".into(),
                value: "South".into()
            },
            "bob@example.com"
        ));
        assert_eq!(state.selections[0].values, vec!["Nordic", "South"]);
        assert_eq!(state.selections[0].by, "bob@example.com");
        assert!(state.apply(&set("Product", &["Tea"]), "carol@example.com"));
        assert!(state.back());
        assert_eq!(state.selections.len(), 1);
        assert!(state.forward());
        assert_eq!(state.selections.len(), 2);
        assert!(!state.forward());
        assert!(state.apply(&ValueChange::ClearAll, "alice@example.com"));
        assert!(state.selections.is_empty() && state.forward.is_empty());
        for i in 0..(HISTORY + 10) {
            state.apply(&set("Region", &[&i.to_string()]), "a");
        }
        assert_eq!(state.back.len(), HISTORY, "history is bounded");
        for i in 0..(EVENTS + 5) {
            state.note(START, format!("event {i}"));
        }
        assert_eq!(state.events.len(), EVENTS);
        assert_eq!(state.events.last().unwrap().seq, (EVENTS + 5) as u64);
        assert!(state.move_to("s1") && !state.move_to("s1"));
    }
}
