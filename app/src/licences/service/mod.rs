//! Licences as operations: the tenant's settings, assigning and removing licences, and the
//! connection an app open makes. Every decision is `rules`'; each is applied in one transaction
//! under the tenant's row lock, so that parallel opens cannot over-allocate on PostgreSQL (on
//! SQLite writers take turns anyway), and written to the ledger.

mod admin;
mod ending;
mod groups;
mod opening;
mod overview;

pub use admin::*;
pub use ending::*;
pub use groups::*;
pub use opening::*;
pub use overview::*;

use sqlx::{Acquire, AnyConnection};

use super::model::{Attempt, LicenceKind, Reason, Scheme};
use super::rules::{self, Grant, Step};
use super::store::{self, AssignmentRow, ConnectionRow, LedgerRow, SettingsRow};
use crate::apps::store::AppRow;
use crate::audit::model::AuditAction;
use crate::audit::service::{record, Target};
use crate::auth::principal::Principal;
use crate::error::{AppError, Tried};
use crate::ids::new_id;
use crate::sql::{lock_row, Parent};
use crate::state::AppState;

/// A connection nobody has used for this long has ended (the tab was closed without a word).
pub const CONNECTION_IDLE_MS: i64 = 30 * rules::MINUTE_MS;

/// The largest number any licence setting takes.
pub const MAX_UNITS: i64 = 1_000_000;

fn ledger_row(
    event: &str,
    kind: LicenceKind,
    principal: &Principal,
    app_id: &str,
    now: i64,
) -> LedgerRow {
    LedgerRow {
        id: new_id(),
        at: now,
        event: event.to_string(),
        kind: kind.as_str().to_string(),
        user_id: principal.user_id.clone(),
        user_name: principal.name.clone(),
        app_id: app_id.to_string(),
        units: 1,
        reason: String::new(),
    }
}

fn flag(value: i64) -> bool {
    value != 0
}

fn count(value: i64) -> u32 {
    value.clamp(0, i64::from(u32::MAX)) as u32
}

fn quarantines(rows: &[AssignmentRow], now: i64) -> Vec<i64> {
    rows.iter()
        .filter(|r| r.removed_at.is_some())
        .filter_map(|r| r.quarantine_until)
        .filter(|&t| t > now)
        .collect()
}

fn live(rows: &[AssignmentRow]) -> impl Iterator<Item = &AssignmentRow> {
    rows.iter().filter(|r| r.removed_at.is_none())
}

fn pool(total: i64, rows: &[AssignmentRow], now: i64) -> rules::Pool {
    rules::Pool {
        total: count(total),
        assigned: live(rows).count() as u32,
        quarantine: quarantines(rows, now),
    }
}

/// A login group's passes as the rules take them, with the windows still out: (person, start).
async fn login_group_state(
    conn: &mut AnyConnection,
    group: &store::LoginGroupRow,
    now: i64,
) -> Result<(rules::LoginGroup, Vec<(String, i64)>), AppError> {
    let since = now - rules::LOGIN_WINDOW_MS - rules::LOGIN_RETURN_MS;
    let windows = store::login_windows(conn, &group.id, since).await?;
    let state = rules::LoginGroup {
        tokens: count(group.tokens),
        returns: windows
            .iter()
            .map(|w| rules::login_pass_returns_at(w.1))
            .collect(),
    };
    Ok((state, windows))
}
