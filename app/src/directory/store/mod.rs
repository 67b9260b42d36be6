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
