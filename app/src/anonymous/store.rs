//! SQL for anonymous links (link shares), allowed origins, capacity, usage and views. No rules.

use sqlx::AnyConnection;

mod seats;
pub use seats::*;

#[derive(sqlx::FromRow, Clone, Debug)]
pub struct LinkRow {
    pub id: String,
    pub tenant_id: String,
    pub space_id: String,
    pub app_id: String,
    pub link_name: String,
    pub link_code: String,
    pub link_generation: i64,
    pub disabled: i64,
    pub link_expires_at: Option<i64>,
    pub link_reduction: String,
    /// Whose section access bounds the link (who made it or last set its reduction).
    pub link_maker: String,
    pub created_at: i64,
    pub updated_at: i64,
}

const LINK_COLUMNS: &str = "id, tenant_id, space_id, app_id, link_name, link_code, link_generation, disabled, link_expires_at,
     link_reduction, link_maker, created_at, updated_at";

pub async fn links_of_app(conn: &mut AnyConnection, app_id: &str) -> sqlx::Result<Vec<LinkRow>> {
    sqlx::query_as(&format!("SELECT {LINK_COLUMNS} FROM app_shares WHERE app_id = $1 AND assignee_type = 'link' ORDER BY created_at, id"))
        .bind(app_id)
        .fetch_all(conn)
        .await
}

pub async fn links_of_space(
    conn: &mut AnyConnection,
    space_id: &str,
) -> sqlx::Result<Vec<LinkRow>> {
    sqlx::query_as(&format!("SELECT {LINK_COLUMNS} FROM app_shares WHERE space_id = $1 AND assignee_type = 'link' ORDER BY created_at, id"))
        .bind(space_id)
        .fetch_all(conn)
        .await
}

pub async fn get_link(conn: &mut AnyConnection, id: &str) -> sqlx::Result<Option<LinkRow>> {
    sqlx::query_as(&format!(
        "SELECT {LINK_COLUMNS} FROM app_shares WHERE id = $1 AND assignee_type = 'link'"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await
}

pub struct NewLink<'a> {
    pub id: &'a str,
    pub tenant_id: &'a str,
    pub space_id: &'a str,
    pub app_id: &'a str,
    pub name: &'a str,
    pub code: &'a str,
    pub created_by: &'a str,
    pub now: i64,
}

pub async fn insert_link(conn: &mut AnyConnection, link: NewLink<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO app_shares (id, tenant_id, space_id, app_id, assignee_type, roles, disabled, created_at, created_by, updated_at,
                                 link_name, link_code, link_generation, link_maker)
         VALUES ($1, $2, $3, $4, 'link', 'consumer', 0, $5, $6, $5, $7, $8, 1, $6)",
    )
    .bind(link.id)
    .bind(link.tenant_id)
    .bind(link.space_id)
    .bind(link.app_id)
    .bind(link.now)
    .bind(link.created_by)
    .bind(link.name)
    .bind(link.code)
    .execute(conn)
    .await?;
    Ok(())
}

/// What an update of a link changes; `None` leaves a column as it is, so that two people
/// changing different settings of one link at once never undo each other.
#[derive(Debug, Default)]
pub struct LinkUpdate {
    pub name: Option<String>,
    pub expires_at: Option<Option<i64>>,
    /// The reduction's text and its maker, who bounds it from now on.
    pub reduction: Option<(String, String)>,
    pub disabled: Option<bool>,
}

pub async fn update_link(
    conn: &mut AnyConnection,
    id: &str,
    update: &LinkUpdate,
    now: i64,
) -> sqlx::Result<()> {
    // Column names are constants; every value is bound.
    let mut sets = vec!["updated_at = $2".to_string()];
    let mut n = 2;
    let mut next = |column: &str| {
        n += 1;
        format!("{column} = ${n}")
    };
    if update.name.is_some() {
        sets.push(next("link_name"));
    }
    if update.expires_at.is_some() {
        sets.push(next("link_expires_at"));
    }
    if update.reduction.is_some() {
        sets.push(next("link_reduction"));
        sets.push(next("link_maker"));
    }
    if update.disabled.is_some() {
        sets.push(next("disabled"));
    }
    let sql = format!("UPDATE app_shares SET {} WHERE id = $1", sets.join(", "));
    let mut query = sqlx::query(&sql).bind(id).bind(now);
    if let Some(name) = &update.name {
        query = query.bind(name);
    }
    if let Some(expires_at) = update.expires_at {
        query = query.bind(expires_at);
    }
    if let Some((text, maker)) = &update.reduction {
        query = query.bind(text).bind(maker);
    }
    if let Some(disabled) = update.disabled {
        query = query.bind(i64::from(disabled));
    }
    query.execute(conn).await?;
    Ok(())
}

/// A new code, and a new generation so that tokens issued under the old one stop.
pub async fn reset_code(
    conn: &mut AnyConnection,
    id: &str,
    code: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE app_shares SET link_code = $2, link_generation = link_generation + 1, updated_at = $3 WHERE id = $1")
        .bind(id)
        .bind(code)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_links_disabled(
    conn: &mut AnyConnection,
    app_id: &str,
    disabled: bool,
    now: i64,
) -> sqlx::Result<u64> {
    Ok(sqlx::query("UPDATE app_shares SET disabled = $2, updated_at = $3 WHERE app_id = $1 AND assignee_type = 'link' AND disabled <> $2")
        .bind(app_id)
        .bind(i64::from(disabled))
        .bind(now)
        .execute(conn)
        .await?
        .rows_affected())
}

impl LinkRow {
    /// Whether the link lets visitors in at `now` (the rule is `rules::link_status`).
    pub fn status(&self, now: i64) -> crate::anonymous::model::LinkStatus {
        crate::anonymous::rules::link_status(self.disabled != 0, self.link_expires_at, now)
    }
}

/// `rules::link_status` is Live, in SQL, for a link share `s` at `$1` (now).
const LIVE_LINK: &str = "s.assignee_type = 'link' AND s.disabled = 0 AND (s.link_expires_at IS NULL OR s.link_expires_at > $1)";

/// (app id, live links) for these apps: not paused and not past their expiry.
pub async fn live_link_counts(
    conn: &mut AnyConnection,
    app_ids: &[String],
    now: i64,
) -> sqlx::Result<Vec<(String, i64)>> {
    if app_ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT s.app_id, COUNT(*) FROM app_shares s WHERE {LIVE_LINK} AND s.app_id IN ({}) GROUP BY s.app_id",
        crate::directory::store::placeholders(2, app_ids.len())
    );
    let mut query = sqlx::query_as::<_, (String, i64)>(&sql).bind(now);
    for id in app_ids {
        query = query.bind(id);
    }
    query.fetch_all(conn).await
}

/// (app id, app name) of the apps of a space that live links reach, by name.
pub async fn live_link_apps(
    conn: &mut AnyConnection,
    space_id: &str,
    now: i64,
) -> sqlx::Result<Vec<(String, String)>> {
    sqlx::query_as(&format!(
        "SELECT DISTINCT a.id, a.name, a.name_key FROM app_shares s JOIN apps a ON a.id = s.app_id
          WHERE {LIVE_LINK} AND s.space_id = $2 ORDER BY a.name_key, a.id"
    ))
    .bind(now)
    .bind(space_id)
    .fetch_all(conn)
    .await
    .map(|rows: Vec<(String, String, String)>| {
        rows.into_iter().map(|(id, name, _)| (id, name)).collect()
    })
}

// --- Views and usage (written by housekeeping from counters in memory) ------------------------

pub async fn add_views(
    conn: &mut AnyConnection,
    share_id: &str,
    day: i64,
    views: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO link_views (share_id, day, views) SELECT $1, $2, $3 WHERE EXISTS (SELECT 1 FROM app_shares WHERE id = $1)
         ON CONFLICT (share_id, day) DO UPDATE SET views = link_views.views + excluded.views",
    )
    .bind(share_id)
    .bind(day)
    .bind(views)
    .execute(conn)
    .await?;
    Ok(())
}

/// (share id, views on `today`, views over the 30 days up to `today`) for an app's links.
pub async fn views_of_app(
    conn: &mut AnyConnection,
    app_id: &str,
    today: i64,
) -> sqlx::Result<Vec<(String, i64, i64)>> {
    sqlx::query_as(
        "SELECT v.share_id, CAST(SUM(CASE WHEN v.day = $2 THEN v.views ELSE 0 END) AS BIGINT), CAST(SUM(v.views) AS BIGINT)
           FROM link_views v JOIN app_shares s ON s.id = v.share_id
          WHERE s.app_id = $1 AND v.day > $2 - 30 GROUP BY v.share_id",
    )
    .bind(app_id)
    .bind(today)
    .fetch_all(conn)
    .await
}

pub async fn add_usage(
    conn: &mut AnyConnection,
    tenant_id: &str,
    hour: i64,
    peak: i64,
    started: i64,
    refused: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO anonymous_usage (tenant_id, hour, peak, started, refused) SELECT $1, $2, $3, $4, $5
          WHERE EXISTS (SELECT 1 FROM tenants WHERE id = $1)
         ON CONFLICT (tenant_id, hour) DO UPDATE SET
           peak = CASE WHEN excluded.peak > anonymous_usage.peak THEN excluded.peak ELSE anonymous_usage.peak END,
           started = anonymous_usage.started + excluded.started, refused = anonymous_usage.refused + excluded.refused",
    )
    .bind(tenant_id)
    .bind(hour)
    .bind(peak)
    .bind(started)
    .bind(refused)
    .execute(conn)
    .await?;
    Ok(())
}

/// (hour, peak, started, refused) from `from_hour` on, oldest first.
pub async fn usage_since(
    conn: &mut AnyConnection,
    tenant_id: &str,
    from_hour: i64,
) -> sqlx::Result<Vec<(i64, i64, i64, i64)>> {
    sqlx::query_as("SELECT hour, peak, started, refused FROM anonymous_usage WHERE tenant_id = $1 AND hour >= $2 ORDER BY hour")
        .bind(tenant_id)
        .bind(from_hour)
        .fetch_all(conn)
        .await
}

pub async fn capacity(conn: &mut AnyConnection, tenant_id: &str) -> sqlx::Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT anonymous_max_sessions FROM tenants WHERE id = $1")
            .bind(tenant_id)
            .fetch_optional(conn)
            .await?
            .unwrap_or(0),
    )
}

pub async fn set_capacity(conn: &mut AnyConnection, tenant_id: &str, max: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE tenants SET anonymous_max_sessions = $2 WHERE id = $1")
        .bind(tenant_id)
        .bind(max)
        .execute(conn)
        .await?;
    Ok(())
}

// --- Allowed origins --------------------------------------------------------------------------

#[derive(sqlx::FromRow, Clone, Debug)]
pub struct OriginRow {
    pub id: String,
    pub name: String,
    pub origin: String,
    pub description: String,
    pub frame_ancestors: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

pub async fn list_origins(
    conn: &mut AnyConnection,
    tenant_id: &str,
) -> sqlx::Result<Vec<OriginRow>> {
    sqlx::query_as("SELECT id, name, origin, description, frame_ancestors, created_at, updated_at FROM csp_origins WHERE tenant_id = $1 ORDER BY origin")
        .bind(tenant_id)
        .fetch_all(conn)
        .await
}

pub async fn get_origin(
    conn: &mut AnyConnection,
    tenant_id: &str,
    id: &str,
) -> sqlx::Result<Option<OriginRow>> {
    sqlx::query_as("SELECT id, name, origin, description, frame_ancestors, created_at, updated_at FROM csp_origins WHERE tenant_id = $1 AND id = $2")
        .bind(tenant_id)
        .bind(id)
        .fetch_optional(conn)
        .await
}

pub async fn origin_taken(
    conn: &mut AnyConnection,
    tenant_id: &str,
    origin: &str,
    except_id: &str,
) -> sqlx::Result<bool> {
    Ok(sqlx::query_scalar::<_, String>(
        "SELECT id FROM csp_origins WHERE tenant_id = $1 AND origin = $2 AND id <> $3",
    )
    .bind(tenant_id)
    .bind(origin)
    .bind(except_id)
    .fetch_optional(conn)
    .await?
    .is_some())
}

pub async fn insert_origin(
    conn: &mut AnyConnection,
    tenant_id: &str,
    id: &str,
    o: &crate::anonymous::model::NewOrigin,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO csp_origins (id, tenant_id, name, origin, description, frame_ancestors, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
    )
    .bind(id)
    .bind(tenant_id)
    .bind(&o.name)
    .bind(&o.origin)
    .bind(&o.description)
    .bind(i64::from(o.frame_ancestors))
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn update_origin(
    conn: &mut AnyConnection,
    tenant_id: &str,
    id: &str,
    o: &crate::anonymous::model::NewOrigin,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE csp_origins SET name = $3, origin = $4, description = $5, frame_ancestors = $6, updated_at = $7 WHERE tenant_id = $1 AND id = $2")
        .bind(tenant_id)
        .bind(id)
        .bind(&o.name)
        .bind(&o.origin)
        .bind(&o.description)
        .bind(i64::from(o.frame_ancestors))
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn delete_origin(
    conn: &mut AnyConnection,
    tenant_id: &str,
    id: &str,
) -> sqlx::Result<u64> {
    Ok(
        sqlx::query("DELETE FROM csp_origins WHERE tenant_id = $1 AND id = $2")
            .bind(tenant_id)
            .bind(id)
            .execute(conn)
            .await?
            .rows_affected(),
    )
}

/// The origins that may frame the embed pages of the tenant that owns `app_id`.
/// The origins that may frame an app's embed pages; `None` when there is no such app.
pub async fn frame_origins_for_app(
    conn: &mut AnyConnection,
    app_id: &str,
) -> sqlx::Result<Option<Vec<String>>> {
    let rows: Vec<(Option<String>,)> = sqlx::query_as(
        "SELECT o.origin FROM apps a LEFT JOIN csp_origins o ON o.tenant_id = a.tenant_id AND o.frame_ancestors = 1 WHERE a.id = $1 ORDER BY o.origin",
    )
    .bind(app_id)
    .fetch_all(conn)
    .await?;
    if rows.is_empty() {
        return Ok(None);
    }
    Ok(Some(
        rows.into_iter().filter_map(|(origin,)| origin).collect(),
    ))
}

// --- The signing key --------------------------------------------------------------------------

/// The key anonymous session tokens are signed with: made once, shared by every server process
/// on the database.
pub async fn signing_key(pool: &sqlx::AnyPool, candidate: &str, now: i64) -> sqlx::Result<String> {
    sqlx::query("INSERT INTO server_keys (name, secret, created_at) VALUES ('anonymous_sessions', $1, $2) ON CONFLICT (name) DO NOTHING")
        .bind(candidate)
        .bind(now)
        .execute(pool)
        .await?;
    sqlx::query_scalar("SELECT secret FROM server_keys WHERE name = 'anonymous_sessions'")
        .fetch_one(pool)
        .await
}
