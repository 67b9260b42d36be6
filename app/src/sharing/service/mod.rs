//! Access and sharing: how a person's access to a space or app is loaded (and decided by
//! `rules`), app shares, the members list and the share dialog.

mod members;
mod shares;

pub use members::*;
pub use shares::*;

use std::collections::{BTreeMap, BTreeSet};

use sqlx::AnyConnection;

use super::model::*;
use super::rules::{
    self, effective_access, Grant, ShareCounts, SharerPermissions, Source, SpaceAction,
};
use super::store::{self, NewShareRow, ShareFilter, ShareRow};
use crate::access::{
    ensure_can_see_shares, load_app, load_space, managed_share, shareable_app, sharer,
};
use crate::apps::store::{self as app_store};
use crate::audit::model::AuditAction;
use crate::audit::service::{record, Target};
use crate::auth::principal::Principal;
use crate::directory::rules::{Permission, UserStatus};
use crate::error::AppError;
use crate::ids::new_id;
use crate::spaces::rules::{roles_from_text, roles_to_text, ui_names, SpaceRole, SpaceType};
use crate::spaces::store::{self as space_store, AssignmentRow, SpaceRow};
use crate::state::AppState;
