//! SQL for app shares and for the sources of a person's access. No rules here.

use sqlx::AnyConnection;

/// One source of a person's access to a space or its apps, as stored.
#[derive(sqlx::FromRow, Clone, Debug)]
pub struct GrantRow {
    /// owner | member | space_group | share_user | share_group | share_everyone
    pub kind: String,
    pub group_id: String,
    /// The shared app, for shares.
    pub app_id: String,
    pub roles: String,
}

/// Every source that gives `user_id` a role in the space or, for shares, on its apps: one round
/// trip. `app_id` narrows the shares to one app; empty means every app of the space (the list
/// of a space's apps). For one app, `app_grants` is faster.
pub async fn grants(
    conn: &mut AnyConnection,
    user_id: &str,
    space_id: &str,
    app_id: &str,
) -> sqlx::Result<Vec<GrantRow>> {
    sqlx::query_as(
        "SELECT 'owner' AS kind, '' AS group_id, '' AS app_id, '' AS roles FROM spaces WHERE id = $1 AND owner_id = $2
         UNION ALL
         SELECT 'member', '', '', roles FROM space_assignments WHERE space_id = $1 AND user_id = $2
         UNION ALL
         SELECT 'space_group', a.group_id, '', a.roles FROM space_assignments a JOIN group_members m ON m.group_id = a.group_id
          WHERE a.space_id = $1 AND m.user_id = $2
         UNION ALL
         SELECT 'share_user', '', s.app_id, s.roles FROM app_shares s
          WHERE s.space_id = $1 AND s.user_id = $2 AND s.disabled = 0 AND ($3 = '' OR s.app_id = $3)
         UNION ALL
         SELECT 'share_group', s.group_id, s.app_id, s.roles FROM app_shares s JOIN group_members m ON m.group_id = s.group_id
          WHERE s.space_id = $1 AND m.user_id = $2 AND s.disabled = 0 AND ($3 = '' OR s.app_id = $3)
         UNION ALL
         SELECT 'share_everyone', '', s.app_id, s.roles FROM app_shares s
          WHERE s.space_id = $1 AND s.assignee_type = 'everyone' AND s.disabled = 0 AND ($3 = '' OR s.app_id = $3)",
    )
    .bind(space_id)
    .bind(user_id)
    .bind(app_id)
    .fetch_all(conn)
    .await
}

/// The sources for one app: the same rows as `grants`, but every lookup goes through a unique
/// index (the app and the person, or the app and each of the person's groups), so the cost does
/// not grow with the number of shares in the space. This is the check every page and route
/// makes.
pub async fn app_grants(
    conn: &mut AnyConnection,
    user_id: &str,
    space_id: &str,
    app_id: &str,
) -> sqlx::Result<Vec<GrantRow>> {
    sqlx::query_as(
        "SELECT 'owner' AS kind, '' AS group_id, '' AS app_id, '' AS roles FROM spaces WHERE id = $1 AND owner_id = $2
         UNION ALL
         SELECT 'member', '', '', roles FROM space_assignments WHERE space_id = $1 AND user_id = $2
         UNION ALL
         SELECT 'space_group', group_id, '', roles FROM space_assignments
          WHERE space_id = $1 AND group_id IN (SELECT group_id FROM group_members WHERE user_id = $2)
         UNION ALL
         SELECT 'share_user', '', app_id, roles FROM app_shares WHERE app_id = $3 AND user_id = $2 AND disabled = 0
         UNION ALL
         SELECT 'share_group', group_id, app_id, roles FROM app_shares
          WHERE app_id = $3 AND group_id IN (SELECT group_id FROM group_members WHERE user_id = $2) AND disabled = 0
         UNION ALL
         SELECT 'share_everyone', '', app_id, roles FROM app_shares WHERE app_id = $3 AND assignee_type = 'everyone' AND disabled = 0",
    )
    .bind(space_id)
    .bind(user_id)
    .bind(app_id)
    .fetch_all(conn)
    .await
}

/// (space id, grant) for several spaces at once, without app shares: the space listing.
#[derive(sqlx::FromRow, Clone, Debug)]
pub struct SpaceGrantRow {
    pub space_id: String,
    pub kind: String,
    pub group_id: String,
    pub roles: String,
}

pub async fn space_grants(
    conn: &mut AnyConnection,
    user_id: &str,
    space_ids: &[String],
) -> sqlx::Result<Vec<SpaceGrantRow>> {
    if space_ids.is_empty() {
        return Ok(Vec::new());
    }
    let ids = crate::directory::store::placeholders(2, space_ids.len());
    let sql = format!(
        "SELECT id AS space_id, 'owner' AS kind, '' AS group_id, '' AS roles FROM spaces WHERE owner_id = $1 AND id IN ({ids})
         UNION ALL
         SELECT space_id, 'member', '', roles FROM space_assignments WHERE user_id = $1 AND space_id IN ({ids})
         UNION ALL
         SELECT a.space_id, 'space_group', a.group_id, a.roles FROM space_assignments a JOIN group_members m ON m.group_id = a.group_id
          WHERE m.user_id = $1 AND a.space_id IN ({ids})
         UNION ALL
         SELECT DISTINCT s.space_id, 'app_share', '', '' FROM app_shares s
          WHERE s.disabled = 0 AND s.space_id IN ({ids})
            AND (s.user_id = $1 OR s.assignee_type = 'everyone' OR s.group_id IN (SELECT group_id FROM group_members WHERE user_id = $1))"
    );
    let mut query = sqlx::query_as::<_, SpaceGrantRow>(&sql).bind(user_id);
    for id in space_ids {
        query = query.bind(id);
    }
    query.fetch_all(conn).await
}

#[derive(sqlx::FromRow, Clone, Debug)]
pub struct ShareRow {
    pub id: String,
    pub tenant_id: String,
    pub space_id: String,
    pub app_id: String,
    pub app_name: String,
    pub assignee_type: String,
    pub user_id: Option<String>,
    pub group_id: Option<String>,
    pub assignee_name: String,
    pub assignee_email: String,
    pub roles: String,
    pub disabled: i64,
    pub created_at: i64,
    pub created_by: String,
    pub updated_at: i64,
}

const SHARE_COLUMNS: &str = "s.id, s.tenant_id, s.space_id, s.app_id, ap.name AS app_name, s.assignee_type, s.user_id, s.group_id,
     COALESCE(u.name, g.name, '') AS assignee_name, COALESCE(u.email, '') AS assignee_email, s.roles, s.disabled,
     s.created_at, s.created_by, s.updated_at";
const SHARE_FROM: &str = "app_shares s JOIN apps ap ON ap.id = s.app_id
     LEFT JOIN users u ON u.id = s.user_id LEFT JOIN user_groups g ON g.id = s.group_id";

/// Which shares of a space to list. Empty strings do not filter.
#[derive(Default)]
pub struct ShareFilter<'a> {
    pub app_id: &'a str,
    pub user_id: &'a str,
    pub group_id: &'a str,
}

pub async fn list_shares(
    conn: &mut AnyConnection,
    space_id: &str,
    filter: &ShareFilter<'_>,
) -> sqlx::Result<Vec<ShareRow>> {
    sqlx::query_as(&format!(
        "SELECT {SHARE_COLUMNS} FROM {SHARE_FROM}
         WHERE s.space_id = $1 AND ($2 = '' OR s.app_id = $2) AND ($3 = '' OR s.user_id = $3) AND ($4 = '' OR s.group_id = $4)
         ORDER BY ap.name_key, s.assignee_type DESC, lower(COALESCE(u.name, g.name, '')), s.id"
    ))
    .bind(space_id)
    .bind(filter.app_id)
    .bind(filter.user_id)
    .bind(filter.group_id)
    .fetch_all(conn)
    .await
}

pub async fn get_share(
    conn: &mut AnyConnection,
    space_id: &str,
    id: &str,
) -> sqlx::Result<Option<ShareRow>> {
    sqlx::query_as(&format!(
        "SELECT {SHARE_COLUMNS} FROM {SHARE_FROM} WHERE s.space_id = $1 AND s.id = $2"
    ))
    .bind(space_id)
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// The share of this app with this assignee (`everyone` has no id), if any.
pub async fn share_of(
    conn: &mut AnyConnection,
    app_id: &str,
    assignee_type: &str,
    assignee_id: &str,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(
        "SELECT id FROM app_shares WHERE app_id = $1 AND assignee_type = $2 AND COALESCE(user_id, group_id, '') = $3",
    )
    .bind(app_id)
    .bind(assignee_type)
    .bind(assignee_id)
    .fetch_optional(conn)
    .await
}

pub struct NewShareRow<'a> {
    pub id: &'a str,
    pub tenant_id: &'a str,
    pub space_id: &'a str,
    pub app_id: &'a str,
    pub assignee_type: &'a str,
    pub user_id: Option<&'a str>,
    pub group_id: Option<&'a str>,
    pub roles: &'a str,
    pub created_by: &'a str,
    pub now: i64,
}

pub async fn insert_share(conn: &mut AnyConnection, row: NewShareRow<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO app_shares (id, tenant_id, space_id, app_id, assignee_type, user_id, group_id, roles, disabled, created_at, created_by, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, $10, $9)",
    )
    .bind(row.id)
    .bind(row.tenant_id)
    .bind(row.space_id)
    .bind(row.app_id)
    .bind(row.assignee_type)
    .bind(row.user_id)
    .bind(row.group_id)
    .bind(row.roles)
    .bind(row.now)
    .bind(row.created_by)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn update_share(
    conn: &mut AnyConnection,
    id: &str,
    roles: &str,
    disabled: bool,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE app_shares SET roles = $2, disabled = $3, updated_at = $4 WHERE id = $1")
        .bind(id)
        .bind(roles)
        .bind(i64::from(disabled))
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn delete_share(conn: &mut AnyConnection, id: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM app_shares WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Removes every share of an app (it moved to another space); returns how many there were.
pub async fn delete_shares_of_app(conn: &mut AnyConnection, app_id: &str) -> sqlx::Result<u64> {
    Ok(sqlx::query("DELETE FROM app_shares WHERE app_id = $1")
        .bind(app_id)
        .execute(conn)
        .await?
        .rows_affected())
}

/// How many shares the app, the assignee (in this space) and the space have now.
pub async fn share_counts(
    conn: &mut AnyConnection,
    space_id: &str,
    app_id: &str,
    assignee_type: &str,
    assignee_id: &str,
) -> sqlx::Result<(i64, i64, i64)> {
    sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM app_shares WHERE app_id = $2),
                (SELECT COUNT(*) FROM app_shares WHERE space_id = $1 AND assignee_type = $3 AND COALESCE(user_id, group_id, '') = $4),
                (SELECT COUNT(*) FROM app_shares WHERE space_id = $1)",
    )
    .bind(space_id)
    .bind(app_id)
    .bind(assignee_type)
    .bind(assignee_id)
    .fetch_one(conn)
    .await
}

/// (user id, group id, group name) for these users' memberships of these groups.
pub async fn memberships(
    conn: &mut AnyConnection,
    group_ids: &[String],
) -> sqlx::Result<Vec<(String, String, String)>> {
    if group_ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT m.user_id, m.group_id, g.name FROM group_members m JOIN user_groups g ON g.id = m.group_id WHERE m.group_id IN ({})",
        crate::directory::store::placeholders(1, group_ids.len())
    );
    let mut query = sqlx::query_as::<_, (String, String, String)>(&sql);
    for id in group_ids {
        query = query.bind(id);
    }
    query.fetch_all(conn).await
}

/// (kind, id, name, email or member count) of users and groups whose name or email contains
/// `search`; disabled users are left out. Users first, then groups, by name.
/// Whether the user builds or manages something that needs people picked from the directory:
/// they own a shared or managed space, or a personal space with apps, or hold Can manage, Can
/// edit or Can edit data in apps in a space (directly or through a group).
pub async fn builds_or_manages(
    conn: &mut AnyConnection,
    tenant_id: &str,
    user_id: &str,
) -> sqlx::Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM spaces s WHERE s.tenant_id = $1 AND (
           (s.owner_id = $2 AND (s.type <> 'personal' OR EXISTS (SELECT 1 FROM apps a WHERE a.space_id = s.id)))
           OR EXISTS (SELECT 1 FROM space_assignments m WHERE m.space_id = s.id
                 AND (m.user_id = $2 OR m.group_id IN (SELECT group_id FROM group_members WHERE user_id = $2))
                 AND (',' || m.roles || ',' LIKE '%,facilitator,%' OR ',' || m.roles || ',' LIKE '%,producer,%' OR ',' || m.roles || ',' LIKE '%,codeveloper,%')))",
    )
    .bind(tenant_id)
    .bind(user_id)
    .fetch_one(conn)
    .await?;
    Ok(n > 0)
}

pub async fn candidates(
    conn: &mut AnyConnection,
    tenant_id: &str,
    search: &str,
    limit: i64,
) -> sqlx::Result<Vec<(String, String, String, String)>> {
    let like = format!(
        "%{}%",
        crate::audit::store::like_escape(&search.to_lowercase())
    );
    sqlx::query_as(
        "SELECT kind, id, name, detail FROM (
           SELECT 'user' AS kind, id, name, email AS detail, lower(name) AS sort_key FROM users
            WHERE tenant_id = $1 AND status <> 'disabled' AND (lower(name) LIKE $2 OR email_key LIKE $2)
           UNION ALL
           SELECT 'group', g.id, g.name, CAST((SELECT COUNT(*) FROM group_members m WHERE m.group_id = g.id) AS TEXT), g.name_key FROM user_groups g
            WHERE g.tenant_id = $1 AND g.name_key LIKE $2
         ) c ORDER BY kind DESC, sort_key LIMIT $3",
    )
    .bind(tenant_id)
    .bind(like)
    .bind(limit)
    .fetch_all(conn)
    .await
}
