//! SQL for lasting assignments: passes, CALs and entitlements, with removal and quarantine.

use super::*;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AssignmentRow {
    pub id: String,
    pub kind: String,
    pub user_id: String,
    pub user_name: String,
    pub user_email: String,
    pub app_id: String,
    pub assigned_at: i64,
    pub assigned_by: String,
    pub last_used_at: Option<i64>,
    pub removed_at: Option<i64>,
    pub quarantine_until: Option<i64>,
}

pub(super) const ASSIGNMENT_COLUMNS: &str =
    "a.id, a.kind, a.user_id, COALESCE(u.name, '(deleted user)') AS user_name, COALESCE(u.email, '') AS user_email, a.app_id, \
     a.assigned_at, a.assigned_by, a.last_used_at, a.removed_at, a.quarantine_until";

/// Live assignments of `kinds` (and removed ones still in quarantine at `now`), oldest first.
pub async fn assignments(
    conn: &mut AnyConnection,
    tenant_id: &str,
    kind: &str,
    now: i64,
) -> sqlx::Result<Vec<AssignmentRow>> {
    sqlx::query_as(&format!(
        "SELECT {ASSIGNMENT_COLUMNS} FROM licence_assignments a LEFT JOIN users u ON u.id = a.user_id
         WHERE a.tenant_id = $1 AND a.kind = $2
           AND (a.removed_at IS NULL OR a.quarantine_until > $3)
         ORDER BY a.assigned_at, a.id"
    ))
    .bind(tenant_id)
    .bind(kind)
    .bind(now)
    .fetch_all(conn)
    .await
}

/// A lasting assignment to make.
pub struct NewAssignment<'a> {
    pub tenant_id: &'a str,
    pub kind: &'a str,
    pub user_id: &'a str,
    /// The app of a Document CAL; empty for every other kind.
    pub app_id: &'a str,
    /// Who gave it: an admin's user id, or `rule`, `dynamic`, `auto`.
    pub assigned_by: &'a str,
}

pub async fn insert_assignment(
    conn: &mut AnyConnection,
    id: &str,
    new: &NewAssignment<'_>,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO licence_assignments (id, tenant_id, kind, user_id, app_id, assigned_at, assigned_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id)
    .bind(new.tenant_id)
    .bind(new.kind)
    .bind(new.user_id)
    .bind(new.app_id)
    .bind(now)
    .bind(new.assigned_by)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn mark_used(conn: &mut AnyConnection, id: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE licence_assignments SET last_used_at = $2 WHERE id = $1")
        .bind(id)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn remove_assignment(
    conn: &mut AnyConnection,
    id: &str,
    now: i64,
    quarantine_until: Option<i64>,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE licence_assignments SET removed_at = $2, quarantine_until = $3 WHERE id = $1",
    )
    .bind(id)
    .bind(now)
    .bind(quarantine_until)
    .execute(conn)
    .await?;
    Ok(())
}

/// Gives a quarantined assignment back to its person: the quarantine ends at no cost.
pub async fn reinstate_assignment(conn: &mut AnyConnection, id: &str) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE licence_assignments SET removed_at = NULL, quarantine_until = NULL WHERE id = $1",
    )
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Licences allocated now in every tenant, by kind (the operators' metrics).
pub async fn allocation_counts(conn: &mut AnyConnection) -> sqlx::Result<Vec<(String, i64)>> {
    sqlx::query_as(
        "SELECT kind, COUNT(*) FROM licence_assignments WHERE removed_at IS NULL GROUP BY kind ORDER BY kind",
    )
    .fetch_all(conn)
    .await
}
