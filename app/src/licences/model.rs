//! Licences as the browser and the REST API see them: the tenant's scheme, the kinds of
//! licence, and a decision's trace of what was tried and why each kind was unavailable.

use serde::{Deserialize, Serialize};

use crate::timefmt;

/// How a tenant licenses its users; one per tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scheme {
    /// Qlik Sense access passes, bought with tokens.
    Tokens,
    /// QlikView Server client access licences.
    Cals,
    /// Qlik Cloud's professional and analyzer entitlements, with analyzer capacity.
    UserBased,
}

impl Scheme {
    pub const ALL: [Scheme; 3] = [Scheme::Tokens, Scheme::Cals, Scheme::UserBased];

    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Tokens => "tokens",
            Scheme::Cals => "cals",
            Scheme::UserBased => "user_based",
        }
    }

    pub fn parse(text: &str) -> Option<Scheme> {
        Scheme::ALL.into_iter().find(|s| s.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            Scheme::Tokens => "Tokens (access passes)",
            Scheme::Cals => "CALs",
            Scheme::UserBased => "User-based (professional and analyzer)",
        }
    }
}

/// What lets a person open an app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LicenceKind {
    UserPass,
    LoginPass,
    NamedCal,
    DocumentCal,
    SessionCal,
    UsageCal,
    Professional,
    Analyzer,
    AnalyzerCapacity,
}

impl LicenceKind {
    pub const ALL: [LicenceKind; 9] = [
        LicenceKind::UserPass,
        LicenceKind::LoginPass,
        LicenceKind::NamedCal,
        LicenceKind::DocumentCal,
        LicenceKind::SessionCal,
        LicenceKind::UsageCal,
        LicenceKind::Professional,
        LicenceKind::Analyzer,
        LicenceKind::AnalyzerCapacity,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LicenceKind::UserPass => "user_pass",
            LicenceKind::LoginPass => "login_pass",
            LicenceKind::NamedCal => "named_cal",
            LicenceKind::DocumentCal => "document_cal",
            LicenceKind::SessionCal => "session_cal",
            LicenceKind::UsageCal => "usage_cal",
            LicenceKind::Professional => "professional",
            LicenceKind::Analyzer => "analyzer",
            LicenceKind::AnalyzerCapacity => "analyzer_capacity",
        }
    }

    pub fn parse(text: &str) -> Option<LicenceKind> {
        LicenceKind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// The name people read: "Session CAL".
    pub fn label(self) -> &'static str {
        match self {
            LicenceKind::UserPass => "user access pass",
            LicenceKind::LoginPass => "login access pass",
            LicenceKind::NamedCal => "Named User CAL",
            LicenceKind::DocumentCal => "Document CAL",
            LicenceKind::SessionCal => "Session CAL",
            LicenceKind::UsageCal => "Usage CAL",
            LicenceKind::Professional => "Professional entitlement",
            LicenceKind::Analyzer => "Analyzer entitlement",
            LicenceKind::AnalyzerCapacity => "analyzer capacity",
        }
    }

    pub fn scheme(self) -> Scheme {
        match self {
            LicenceKind::UserPass | LicenceKind::LoginPass => Scheme::Tokens,
            LicenceKind::NamedCal
            | LicenceKind::DocumentCal
            | LicenceKind::SessionCal
            | LicenceKind::UsageCal => Scheme::Cals,
            LicenceKind::Professional | LicenceKind::Analyzer | LicenceKind::AnalyzerCapacity => {
                Scheme::UserBased
            }
        }
    }
}

/// Why one kind of licence could not be used. The codes are stable (the REST API and the ledger
/// carry them); Qlik's own names are used where Qlik has one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "camelCase")]
pub enum Reason {
    /// The person holds none and none is given out by itself (no dynamic assignment, no rule).
    NotAssigned,
    /// Dynamic assignment is off for this kind.
    DynamicAssignmentOff,
    /// Every one is in use (or in quarantine); `next_free_at` is when the first one frees, when
    /// that is known.
    NoneFree {
        in_use: u32,
        total: u32,
        next_free_at: Option<i64>,
    },
    /// The person belongs to no group with login access passes.
    NoLoginGroup,
    /// The app has no Document CALs allocated to it.
    NoDocumentPool,
    /// Already `open` connections, the most a person may hold at once.
    MaxParallelSessionsExceeded { open: u32 },
    /// A connection ended while at the limit; another may open at `until`.
    ParallelWait { until: i64 },
    /// The person's entitlement is beyond what the licence now allows (after it was lowered).
    ExcessAssignment,
    /// The month's analyzer capacity (with any overage) is used up until `resets_at`.
    CapacityExhausted {
        used_minutes: u32,
        limit_minutes: u32,
        resets_at: i64,
    },
}

impl Reason {
    pub fn code(&self) -> &'static str {
        match self {
            Reason::NotAssigned => "NotAssigned",
            Reason::DynamicAssignmentOff => "DynamicAssignmentOff",
            Reason::NoneFree { .. } => "NoAvailableAccessType",
            Reason::NoLoginGroup => "NoLoginGroup",
            Reason::NoDocumentPool => "NoDocumentPool",
            Reason::MaxParallelSessionsExceeded { .. } => "MaxParallelSessionsExceeded",
            Reason::ParallelWait { .. } => "ParallelSessionWait",
            Reason::ExcessAssignment => "ExcessAssignment",
            Reason::CapacityExhausted { .. } => "CapacityExhausted",
        }
    }
}

/// A stored reason code as the licence center reads it.
pub fn code_phrase(code: &str) -> &'static str {
    match code {
        "NotAssigned" => "holds none",
        "DynamicAssignmentOff" => "none given on first use",
        "NoAvailableAccessType" => "none free",
        "NoLoginGroup" => "in no login group",
        "NoDocumentPool" => "no Document CALs for the app",
        "MaxParallelSessionsExceeded" => "5 apps open already",
        "ParallelSessionWait" => "waiting 5 minutes after closing one",
        "ExcessAssignment" => "beyond a lowered licence",
        "CapacityExhausted" => "capacity used up",
        _ => "refused",
    }
}

/// One kind tried, and why it was unavailable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempt {
    pub kind: LicenceKind,
    pub reason: Reason,
}

impl Attempt {
    /// The sentence a denied person reads: "no Session CAL free: 6 of 6 in use; the next frees
    /// at 14:07 UTC".
    pub fn explain(&self) -> String {
        let kind = self.kind.label();
        match &self.reason {
            Reason::NotAssigned => format!("you hold no {kind}, and none is given out by itself"),
            Reason::DynamicAssignmentOff => {
                format!("you hold no {kind}, and they are not assigned on first use")
            }
            Reason::NoneFree {
                in_use,
                total,
                next_free_at,
            } => {
                let next = match next_free_at {
                    Some(at) => format!("; the next frees at {}", timefmt::clock(*at)),
                    None => String::new(),
                };
                format!("no {kind} free: {in_use} of {total} in use{next}")
            }
            Reason::NoLoginGroup => format!("you are in no group that has {kind}es"),
            Reason::NoDocumentPool => format!("this app has no {kind}s"),
            Reason::MaxParallelSessionsExceeded { open } => format!(
                "you already have {open} apps open, the most at once: close one of them first"
            ),
            Reason::ParallelWait { until } => format!(
                "you were at the most apps open at once and closed one: another can open at {}",
                timefmt::clock(*until)
            ),
            Reason::ExcessAssignment => format!(
                "your {kind} is beyond what the licence now allows (it was lowered)"
            ),
            Reason::CapacityExhausted {
                used_minutes,
                limit_minutes,
                resets_at,
            } => format!(
                "the month's {kind} is used up ({used_minutes} of {limit_minutes} minutes); it resets on {}",
                timefmt::date(*resets_at)
            ),
        }
    }
}

/// A denial as the person sees it: every kind tried, in order, and whom to ask.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Denial {
    pub scheme: Scheme,
    pub tried: Vec<Attempt>,
    /// The tenant admins' names, to ask for a licence.
    pub ask: Vec<String>,
}

/// One line of the licence center's overview: a kind's total and how it is used now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverviewLine {
    pub kind: LicenceKind,
    /// What the licence allows (minutes for analyzer capacity).
    pub total: i64,
    /// Assigned, held or consumed now (this month's minutes for capacity).
    pub used: i64,
    pub quarantined: i64,
    pub free: i64,
    /// Beyond `total` allowed (capacity overage), when there is one.
    pub overage: i64,
    /// Assignments beyond a lowered licence.
    pub excess: i64,
}

/// A licence waiting in quarantine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuarantineEntry {
    pub kind: LicenceKind,
    pub user_id: String,
    pub user_name: String,
    pub until: i64,
}

/// A denied open, for the licence center's "denied in the last 7 days".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DenialEntry {
    pub at: i64,
    pub user_id: String,
    pub user_name: String,
    pub app_id: String,
    /// The reason codes of every kind tried.
    pub codes: Vec<String>,
}

/// One day of the ledger: what was allocated, consumed and denied.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayUse {
    /// Midnight UTC of the day.
    pub day: i64,
    pub allocated: i64,
    pub consumed: i64,
    pub denied: i64,
}

/// The licence center's overview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenceOverview {
    pub scheme: Option<Scheme>,
    pub lines: Vec<OverviewLine>,
    /// Tokens (access passes): what they are spent on.
    pub tokens_total: i64,
    pub tokens_free: i64,
    /// Analyzer capacity: minutes this month at the rate so far, to the month's end.
    pub capacity_forecast: i64,
    pub month_resets_at: i64,
    pub quarantine: Vec<QuarantineEntry>,
    pub denials: Vec<DenialEntry>,
    /// The last 30 days, oldest first.
    pub history: Vec<DayUse>,
}

/// A lasting assignment, as the licence center and the REST API list it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignmentInfo {
    pub kind: LicenceKind,
    pub user_id: String,
    pub user_name: String,
    pub user_email: String,
    pub app_id: String,
    pub assigned_at: i64,
    pub last_used_at: Option<i64>,
    /// Beyond a lowered licence: it gives no access until others are removed.
    pub excess: bool,
    /// When it would be released if removed now.
    pub release_if_removed: Option<i64>,
}

/// The tenant's licence settings as an admin enters them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenceSettings {
    pub scheme: Option<Scheme>,
    pub tokens: i64,
    pub named_cals: i64,
    pub dynamic_named: bool,
    pub dynamic_document: bool,
    pub session_cals: i64,
    pub usage_cals: i64,
    pub professional: i64,
    pub analyzer: i64,
    pub auto_professional: bool,
    pub auto_analyzer: bool,
    pub capacity_minutes: i64,
    pub overage_minutes: i64,
}

/// One of a person's open apps (a connection), as their account page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyConnection {
    pub id: String,
    pub app_id: String,
    pub app_name: String,
    pub kind: Option<LicenceKind>,
    pub opened_at: i64,
    pub last_seen_at: i64,
    /// Opened in the browser this list is shown in.
    pub this_browser: bool,
}

/// A group with login access passes, as the settings list it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginGroupInfo {
    pub id: String,
    pub group_name: String,
    pub tokens: i64,
    pub passes: i64,
    pub passes_in_use: i64,
}

/// The extras of each scheme: login groups and pass rules (tokens), Document CAL pools (CALs).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenceExtras {
    pub login_groups: Vec<LoginGroupInfo>,
    /// Groups whose members get a user access pass on first use: (group id, name).
    pub pass_rules: Vec<(String, String)>,
    /// Apps with Document CALs: (app id, name, pool size).
    pub document_pools: Vec<(String, String, i64)>,
    /// Every app of the tenant, to give one Document CALs: (id, name).
    pub apps: Vec<(String, String)>,
}
