//! Anonymous access: links (shares of type `link`) and their codes, anonymous sessions, capacity,
//! the per-address limit, views, allowed origins. Server-only.
//!
//! A session is a signed token (no row); its seat is a row on PostgreSQL, where several processes
//! share the tenant's capacity, and in memory on SQLite (`seats`). Its selections are saved like a
//! signed-in viewer's, when they change. The counters (sessions at once, views per link and day)
//! are written by housekeeping once a minute.

mod embedding;
mod housekeeping;
mod links;
mod origins;
mod seats;
mod visitors;

pub use embedding::*;
pub use housekeeping::*;
pub use links::*;
pub use origins::*;
pub use seats::*;
pub use visitors::*;

use std::collections::HashMap;

use sqlx::AnyConnection;

use super::model::*;
use super::rules::{self, SessionClaims};
use super::runtime::{Anonymous, HourCounts, Seat};
use super::store::{self, LinkRow};
use crate::access::{app_for, managed_app, managed_link};
use crate::apps::store::{self as app_store, AppRow};
use crate::audit::service::{record, Target};
use crate::auth::principal::Principal;
use crate::content::model::{SelectionChange, SheetView};
use crate::content::rules::DataAccess;
use crate::content::service::{render_sheet, SheetRequest, SheetViewer};
use crate::directory::rules::Permission;
use crate::error::AppError;
use crate::ids::{constant_time_eq, new_id, new_secret};
use crate::sharing::rules::Access;
use crate::spaces::rules::SpaceType;
use crate::sql::{lock_row, Parent};
use crate::state::AppState;

const HOUR_MS: i64 = 60 * 60 * 1000;
const DAY_MS: i64 = 24 * HOUR_MS;

/// The key tokens are signed with, from the database (made on first start).
pub async fn load_signing_key(db: &sqlx::AnyPool, now: i64) -> Result<String, String> {
    store::signing_key(db, &new_secret(), now)
        .await
        .map_err(|e| format!("Reading the session signing key failed: {e}"))
}
