//! Directory operations: users, groups, roles and tenants. Each function authorizes, validates,
//! writes in one transaction and records what it did in the audit log.

mod groups;
mod roles;
mod tenants;
mod users;

pub use groups::*;
pub use roles::*;
pub use tenants::*;
pub use users::*;

use std::collections::{BTreeMap, BTreeSet};

use sqlx::AnyConnection;

use super::model::*;
use super::rules::{
    clean_description, clean_email, clean_name, unique_key, Permission, RoleKind, UserStatus,
    MAX_NAME_CHARS,
};
use super::store::{self, GroupRow, Named, RoleHolder, RoleRow, UserFilter, UserRow};
use crate::audit::service::{record, Actor, Target};
use crate::auth::principal::{Credential, Principal};
use crate::auth::service as auth;
use crate::error::AppError;
use crate::ids::new_id;
use crate::paging::{decode_cursor, encode_cursor, page_size, paginate, Page};
use crate::state::AppState;

/// A group's or role's name must be free in the tenant (but for the one being renamed).
async fn ensure_name_free(
    conn: &mut AnyConnection,
    named: Named,
    tenant_id: &str,
    name: &str,
    except: Option<&str>,
) -> Result<(), AppError> {
    match store::name_owner(conn, named, tenant_id, &unique_key(name)).await? {
        Some(owner) if Some(owner.as_str()) != except => Err(AppError::conflict(format!(
            "A {} named \"{name}\" already exists.",
            named.noun()
        ))),
        _ => Ok(()),
    }
}
