//! SQL for tenants, users, groups and roles. No rules here: callers have decided.

mod groups;
mod roles;
mod users;

pub use groups::*;
pub use roles::*;
pub use users::*;

use sqlx::AnyConnection;

use super::model::{DirectoryCounts, GroupRef, RoleRef};
use super::rules::{Permission, RoleKind, UserStatus};

/// Groups and roles: named in the tenant, described, renamed and removed alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Named {
    Group,
    Role,
}

impl Named {
    /// What people call it.
    pub const fn noun(self) -> &'static str {
        match self {
            Named::Group => "group",
            Named::Role => "role",
        }
    }

    const fn table(self) -> &'static str {
        match self {
            Named::Group => "user_groups",
            Named::Role => "roles",
        }
    }
}

/// The group or role of the tenant that holds this name key, if any.
pub async fn name_owner(
    conn: &mut AnyConnection,
    named: Named,
    tenant_id: &str,
    name_key: &str,
) -> sqlx::Result<Option<String>> {
    let table = named.table();
    sqlx::query_scalar(&format!(
        "SELECT id FROM {table} WHERE tenant_id = $1 AND name_key = $2"
    ))
    .bind(tenant_id)
    .bind(name_key)
    .fetch_optional(conn)
    .await
}

pub async fn update_named(
    conn: &mut AnyConnection,
    named: Named,
    id: &str,
    name: &str,
    description: &str,
    now: i64,
) -> sqlx::Result<()> {
    let table = named.table();
    sqlx::query(&format!(
        "UPDATE {table} SET name = $2, name_key = $3, description = $4, updated_at = $5 WHERE id = $1"
    ))
    .bind(id)
    .bind(name)
    .bind(super::rules::unique_key(name))
    .bind(description)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn delete_named(conn: &mut AnyConnection, named: Named, id: &str) -> sqlx::Result<()> {
    let table = named.table();
    sqlx::query(&format!("DELETE FROM {table} WHERE id = $1"))
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Who holds roles directly: a user or a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleHolder {
    User,
    Group,
}

/// Gives the user or group exactly these roles.
pub async fn set_roles(
    conn: &mut AnyConnection,
    holder: RoleHolder,
    id: &str,
    role_ids: &[String],
) -> sqlx::Result<()> {
    let (table, column) = match holder {
        RoleHolder::User => ("user_roles", "user_id"),
        RoleHolder::Group => ("group_roles", "group_id"),
    };
    sqlx::query(&format!("DELETE FROM {table} WHERE {column} = $1"))
        .bind(id)
        .execute(&mut *conn)
        .await?;
    for role_id in role_ids {
        sqlx::query(&format!(
            "INSERT INTO {table} ({column}, role_id) VALUES ($1, $2)"
        ))
        .bind(id)
        .bind(role_id)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// `$first, $first+1, …` for an IN list of `count` values.
pub fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

pub async fn insert_tenant(
    conn: &mut AnyConnection,
    id: &str,
    name: &str,
    hostname: Option<&str>,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO tenants (id, name, hostname, created_at) VALUES ($1, $2, $3, $4)")
        .bind(id)
        .bind(name)
        .bind(hostname)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
pub struct TenantRow {
    pub id: String,
    pub name: String,
}

pub async fn first_tenant(conn: &mut AnyConnection) -> sqlx::Result<Option<TenantRow>> {
    sqlx::query_as("SELECT id, name FROM tenants ORDER BY created_at, id LIMIT 1")
        .fetch_optional(conn)
        .await
}
