//! SQL for spaces and space assignments. No rules here: callers have decided.

use sqlx::AnyConnection;

use super::rules::SpaceType;
use crate::directory::store::placeholders;

#[derive(sqlx::FromRow, Clone, Debug)]
pub struct SpaceRow {
    pub id: String,
    pub tenant_id: String,
    pub space_type: String,
    pub name: String,
    pub name_key: String,
    pub description: String,
    pub owner_id: Option<String>,
    pub owner_name: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl SpaceRow {
    pub fn kind(&self) -> SpaceType {
        SpaceType::parse(&self.space_type).unwrap_or(SpaceType::Personal)
    }

    /// The name as people read it: "Personal" for every personal space.
    pub fn display_name(&self) -> String {
        if self.kind() == SpaceType::Personal {
            PERSONAL_NAME.into()
        } else {
            self.name.clone()
        }
    }
}

/// What people see as a personal space's name.
pub const PERSONAL_NAME: &str = "Personal";

const SPACE_COLUMNS: &str =
    "s.id, s.tenant_id, s.type AS space_type, s.name, s.name_key, s.description, s.owner_id,
     u.name AS owner_name, s.created_at, s.updated_at";

pub struct NewSpaceRow<'a> {
    pub id: &'a str,
    pub tenant_id: &'a str,
    pub space_type: SpaceType,
    pub name: &'a str,
    pub name_key: &'a str,
    pub description: &'a str,
    pub owner_id: &'a str,
    pub now: i64,
}

pub async fn insert_space(conn: &mut AnyConnection, row: NewSpaceRow<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO spaces (id, tenant_id, type, name, name_key, description, owner_id, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
    )
    .bind(row.id)
    .bind(row.tenant_id)
    .bind(row.space_type.api_name())
    .bind(row.name)
    .bind(row.name_key)
    .bind(row.description)
    .bind(row.owner_id)
    .bind(row.now)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn get_space(
    conn: &mut AnyConnection,
    tenant_id: &str,
    id: &str,
) -> sqlx::Result<Option<SpaceRow>> {
    sqlx::query_as(&format!("SELECT {SPACE_COLUMNS} FROM spaces s LEFT JOIN users u ON u.id = s.owner_id WHERE s.tenant_id = $1 AND s.id = $2"))
        .bind(tenant_id)
        .bind(id)
        .fetch_optional(conn)
        .await
}

pub async fn personal_space_of(
    conn: &mut AnyConnection,
    user_id: &str,
) -> sqlx::Result<Option<SpaceRow>> {
    sqlx::query_as(&format!("SELECT {SPACE_COLUMNS} FROM spaces s LEFT JOIN users u ON u.id = s.owner_id WHERE s.type = 'personal' AND s.owner_id = $1"))
        .bind(user_id)
        .fetch_optional(conn)
        .await
}

pub async fn delete_personal_space(conn: &mut AnyConnection, user_id: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM spaces WHERE type = 'personal' AND owner_id = $1")
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn space_name_owner(
    conn: &mut AnyConnection,
    tenant_id: &str,
    name_key: &str,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(
        "SELECT id FROM spaces WHERE tenant_id = $1 AND name_key = $2 AND type <> 'personal'",
    )
    .bind(tenant_id)
    .bind(name_key)
    .fetch_optional(conn)
    .await
}

/// The filters of a space listing, resolved by the service.
pub struct SpaceFilter<'a> {
    pub user_id: &'a str,
    /// Admins see every shared and managed space; personal spaces stay their owners' own.
    pub all_shared_and_managed: bool,
    pub space_type: &'a str,
    pub name_like: &'a str,
    pub owner_id: &'a str,
    pub after: Option<(String, String)>,
}

/// Spaces the user reaches (owner, member directly or through a group, or an app shared with
/// them, a group of theirs or everyone), personal first, then by name; one more than `limit`.
pub async fn list_spaces(
    conn: &mut AnyConnection,
    tenant_id: &str,
    filter: &SpaceFilter<'_>,
    limit: u32,
) -> sqlx::Result<Vec<SpaceRow>> {
    let (after_key, after_id) = filter.after.clone().unwrap_or_default();
    sqlx::query_as(&format!(
        "SELECT {SPACE_COLUMNS} FROM spaces s LEFT JOIN users u ON u.id = s.owner_id
         WHERE s.tenant_id = $1
           AND (s.owner_id = $2
                OR ($3 = 1 AND s.type <> 'personal')
                OR s.id IN (SELECT space_id FROM space_assignments WHERE user_id = $2)
                OR s.id IN (SELECT a.space_id FROM space_assignments a JOIN group_members m ON m.group_id = a.group_id WHERE m.user_id = $2)
                OR s.id IN (SELECT space_id FROM app_shares WHERE disabled = 0 AND (user_id = $2 OR assignee_type = 'everyone'
                            OR group_id IN (SELECT group_id FROM group_members WHERE user_id = $2))))
           AND ($4 = '' OR s.type = $4)
           AND ($5 = '' OR s.name_key LIKE $5)
           AND ($6 = '' OR s.owner_id = $6)
           AND ($7 = '' OR (CASE WHEN s.type = 'personal' THEN '' ELSE s.name_key END) > $8
                OR ((CASE WHEN s.type = 'personal' THEN '' ELSE s.name_key END) = $8 AND s.id > $7))
         ORDER BY CASE WHEN s.type = 'personal' THEN '' ELSE s.name_key END, s.id
         LIMIT $9"
    ))
    .bind(tenant_id)
    .bind(filter.user_id)
    .bind(i64::from(filter.all_shared_and_managed))
    .bind(filter.space_type)
    .bind(filter.name_like)
    .bind(filter.owner_id)
    .bind(after_id)
    .bind(after_key)
    .bind(i64::from(limit) + 1)
    .fetch_all(conn)
    .await
}

pub async fn update_space(conn: &mut AnyConnection, row: &SpaceRow, now: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE spaces SET name = $2, name_key = $3, description = $4, owner_id = $5, updated_at = $6 WHERE id = $1")
        .bind(&row.id)
        .bind(&row.name)
        .bind(&row.name_key)
        .bind(&row.description)
        .bind(&row.owner_id)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn delete_space(conn: &mut AnyConnection, id: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM spaces WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn count_apps(conn: &mut AnyConnection, space_id: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM apps WHERE space_id = $1")
        .bind(space_id)
        .fetch_one(conn)
        .await
}

/// (space id, number of apps) for these spaces.
pub async fn app_counts(
    conn: &mut AnyConnection,
    space_ids: &[String],
) -> sqlx::Result<Vec<(String, i64)>> {
    if space_ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT space_id, COUNT(*) FROM apps WHERE space_id IN ({}) GROUP BY space_id",
        placeholders(1, space_ids.len())
    );
    let mut query = sqlx::query_as::<_, (String, i64)>(&sql);
    for id in space_ids {
        query = query.bind(id);
    }
    query.fetch_all(conn).await
}

// ---- assignments ----

#[derive(sqlx::FromRow, Clone, Debug)]
pub struct AssignmentRow {
    pub id: String,
    pub space_id: String,
    pub tenant_id: String,
    pub user_id: Option<String>,
    pub group_id: Option<String>,
    pub assignee_name: String,
    pub assignee_email: String,
    pub roles: String,
    pub created_at: i64,
    pub created_by: String,
    pub updated_at: i64,
}

const ASSIGNMENT_COLUMNS: &str = "a.id, a.space_id, a.tenant_id, a.user_id, a.group_id,
     COALESCE(u.name, g.name, '') AS assignee_name, COALESCE(u.email, '') AS assignee_email, a.roles, a.created_at, a.created_by, a.updated_at";
const ASSIGNMENT_FROM: &str =
    "space_assignments a LEFT JOIN users u ON u.id = a.user_id LEFT JOIN user_groups g ON g.id = a.group_id";

pub async fn list_assignments(
    conn: &mut AnyConnection,
    space_id: &str,
) -> sqlx::Result<Vec<AssignmentRow>> {
    sqlx::query_as(&format!(
        "SELECT {ASSIGNMENT_COLUMNS} FROM {ASSIGNMENT_FROM} WHERE a.space_id = $1 ORDER BY lower(COALESCE(u.name, g.name, '')), a.id"
    ))
    .bind(space_id)
    .fetch_all(conn)
    .await
}

pub async fn get_assignment(
    conn: &mut AnyConnection,
    space_id: &str,
    id: &str,
) -> sqlx::Result<Option<AssignmentRow>> {
    sqlx::query_as(&format!(
        "SELECT {ASSIGNMENT_COLUMNS} FROM {ASSIGNMENT_FROM} WHERE a.space_id = $1 AND a.id = $2"
    ))
    .bind(space_id)
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// The assignment of this user or group in the space, if any.
pub async fn assignment_of(
    conn: &mut AnyConnection,
    space_id: &str,
    user_id: Option<&str>,
    group_id: Option<&str>,
) -> sqlx::Result<Option<AssignmentRow>> {
    sqlx::query_as(&format!(
        "SELECT {ASSIGNMENT_COLUMNS} FROM {ASSIGNMENT_FROM} WHERE a.space_id = $1 AND (a.user_id = $2 OR a.group_id = $3)"
    ))
    .bind(space_id)
    .bind(user_id.unwrap_or(""))
    .bind(group_id.unwrap_or(""))
    .fetch_optional(conn)
    .await
}

#[allow(clippy::too_many_arguments)]
pub async fn insert_assignment(
    conn: &mut AnyConnection,
    id: &str,
    tenant_id: &str,
    space_id: &str,
    user_id: Option<&str>,
    group_id: Option<&str>,
    roles: &str,
    created_by: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO space_assignments (id, tenant_id, space_id, user_id, group_id, roles, created_at, created_by, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $7)",
    )
    .bind(id)
    .bind(tenant_id)
    .bind(space_id)
    .bind(user_id)
    .bind(group_id)
    .bind(roles)
    .bind(now)
    .bind(created_by)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn update_assignment_roles(
    conn: &mut AnyConnection,
    id: &str,
    roles: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE space_assignments SET roles = $2, updated_at = $3 WHERE id = $1")
        .bind(id)
        .bind(roles)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn delete_assignment(conn: &mut AnyConnection, id: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM space_assignments WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}
