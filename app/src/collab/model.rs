//! What a collaborative session shows its participants, and the messages of its websocket.

use serde::{Deserialize, Serialize};

use crate::content::model::{SelectionChange, SheetView};

/// How attendees join, chosen by the initiator when starting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Mode {
    /// As in QlikView: an email, no account, the initiator's rights and data reduction.
    Open,
    /// Each attendee signs in and sees the shared selections through their own section access.
    SignedIn,
    /// As open, but the initiator admits or refuses each joiner.
    Lobby,
}

impl Mode {
    pub const ALL: [Mode; 3] = [Mode::Open, Mode::SignedIn, Mode::Lobby];

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Open => "open",
            Mode::SignedIn => "signed_in",
            Mode::Lobby => "lobby",
        }
    }

    pub fn parse(text: &str) -> Option<Mode> {
        Mode::ALL.into_iter().find(|m| m.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            Mode::Open => "Anyone with the link",
            Mode::SignedIn => "Signed-in people only",
            Mode::Lobby => "Anyone I admit",
        }
    }

    /// What joining means, said before anyone joins.
    pub fn explanation(self, initiator: &str) -> String {
        match self {
            Mode::Open => format!(
                "You will see exactly what {initiator} sees: their rights and their data, not yours. Anyone with this link can join by typing an email; no account is checked."
            ),
            Mode::SignedIn => format!(
                "Sign in to join. You will share {initiator}'s sheet and selections, and see the data through your own access: what you may not see stays hidden from you."
            ),
            Mode::Lobby => format!(
                "{initiator} admits each person who asks to join. Once in, you will see exactly what {initiator} sees: their rights and their data, not yours."
            ),
        }
    }
}

/// A participant's standing in the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Standing {
    /// Asked to join a lobby session; not admitted yet.
    Waiting,
    In,
    Refused,
    Removed,
}

impl Standing {
    pub fn as_str(self) -> &'static str {
        match self {
            Standing::Waiting => "waiting",
            Standing::In => "in",
            Standing::Refused => "refused",
            Standing::Removed => "removed",
        }
    }

    pub fn parse(text: &str) -> Standing {
        match text {
            "waiting" => Standing::Waiting,
            "in" => Standing::In,
            "refused" => Standing::Refused,
            _ => Standing::Removed,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Participant {
    pub id: String,
    /// The name, or the email an attendee typed.
    pub name: String,
    /// Sent to the initiator only: attendees see names, not each other's addresses.
    pub email: String,
    /// The name comes from a signed-in account. An email typed on the join page is not checked
    /// by anyone: it is shown as typed and marked unverified.
    pub verified: bool,
    pub initiator: bool,
    pub standing: Standing,
    pub joined_at: i64,
    /// A connection is open now (on any server process).
    pub connected: bool,
}

/// The live invitation, shown to the initiator only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invitation {
    /// The path to send (`/collab/join/<token>`); the token is shown once, when it is made.
    pub path: Option<String>,
    pub expires_at: i64,
}

/// Something that happened, for the note everyone sees ("Bob joined").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub seq: u64,
    pub at: i64,
    pub text: String,
}

/// A field of the shared selections, with who selected it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedChip {
    pub field: String,
    /// The first values this participant may see.
    pub values: Vec<String>,
    pub count: usize,
    pub by: String,
    /// Some selected values are not this participant's to see.
    pub filtered: bool,
    /// Dates are written in each participant's own order.
    #[serde(default)]
    pub kind: crate::content::model::ValueKind,
}

/// Everything one participant's page shows, sent whenever the session changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionView {
    pub session_id: String,
    pub version: i64,
    pub mode: Mode,
    pub initiator_name: String,
    pub you: String,
    pub is_initiator: bool,
    /// The sheet everyone follows.
    pub shared_sheet: Option<String>,
    /// This participant is on the shared sheet (they may look at another and come back).
    pub following: bool,
    pub sheet: SheetView,
    pub chips: Vec<SharedChip>,
    pub can_back: bool,
    pub can_forward: bool,
    pub participants: Vec<Participant>,
    pub invitation: Option<Invitation>,
    pub events: Vec<Event>,
}

/// From the browser over the websocket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientMessage {
    /// A selection, clear, back or forward, for everyone.
    Select(SelectionChange),
    /// Move to a sheet: everyone following moves too.
    Sheet(String),
    /// Look at a sheet alone, without moving the others.
    Look(String),
    /// Back to following the shared sheet.
    Follow,
}

/// From the server over the websocket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServerMessage {
    View(Box<SessionView>),
    /// Waiting for the initiator to admit this participant.
    Waiting {
        message: String,
    },
    /// A change this participant asked for was refused (the session goes on).
    Problem {
        message: String,
    },
    /// Who is in and connected, sent when someone connects or leaves: no sheet is rendered
    /// again for it, and the session's state and version do not change.
    Presence {
        participants: Vec<Participant>,
    },
    /// The end of this participant's part: the socket closes after it with `code`.
    Closed {
        code: u16,
        message: String,
    },
}

/// What the join page shows before anyone joins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationPage {
    pub app_name: String,
    pub initiator_name: String,
    pub mode: Mode,
    pub explanation: String,
    pub expires_at: i64,
    /// The signed-in person's email, when there is one (signed-in mode uses it).
    pub signed_in_as: Option<String>,
}

/// What starting a session gives the initiator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Started {
    pub session_id: String,
    /// The path of the first invitation (`/collab/join/<token>`), shown once.
    pub invitation: String,
}

/// Whether collaborative sessions are allowed: for the tenant, and for one app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollabSwitches {
    pub tenant_enabled: bool,
    /// The caller may start sessions that people without an account join (the tenant allows
    /// them and the caller holds `collab_outsiders`).
    pub outsiders: bool,
    pub app_enabled: bool,
    /// The caller may turn them off or on for the app.
    pub can_change_app: bool,
}

/// The tenant's switches (tenant admins): sessions at all, and sessions that people without an
/// account join. The second is off until a tenant admin turns it on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TenantCollab {
    pub enabled: bool,
    pub outsiders: bool,
}
