//! SQL for app content: data files, sheets, charts, section access. No rules here.

use sqlx::AnyConnection;

use crate::ids::new_id;

#[derive(sqlx::FromRow, Clone, Debug)]
pub struct SheetRow {
    pub id: String,
    pub app_id: String,
    pub title: String,
    pub position: i64,
    pub owner_id: Option<String>,
}

#[derive(sqlx::FromRow, Clone, Debug)]
pub struct ChartRow {
    pub id: String,
    pub sheet_id: String,
    pub position: i64,
    pub spec: String,
}

#[derive(sqlx::FromRow, Clone, Debug)]
pub struct FileRow {
    pub id: String,
    pub owner_id: Option<String>,
    pub app_id: Option<String>,
    pub name: String,
    pub size_bytes: i64,
}

#[derive(sqlx::FromRow, Clone, Debug)]
pub struct RuleRow {
    pub id: String,
    pub app_id: String,
    pub user_id: Option<String>,
    pub group_id: Option<String>,
    pub assignee_type: String,
    /// The user's or group's name now, or the name the rule was made for when they are gone.
    pub assignee_name: String,
    pub field: String,
    pub allowed: String,
}

// --- Data files -------------------------------------------------------------------------------

pub async fn insert_file(
    conn: &mut AnyConnection,
    id: &str,
    tenant_id: &str,
    owner_id: &str,
    name: &str,
    size: i64,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO data_files (id, tenant_id, owner_id, app_id, name, size_bytes, created_at) VALUES ($1, $2, $3, NULL, $4, $5, $6)")
        .bind(id)
        .bind(tenant_id)
        .bind(owner_id)
        .bind(name)
        .bind(size)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// A file the owner staged and has not yet made an app from.
pub async fn staged_file(
    conn: &mut AnyConnection,
    owner_id: &str,
    id: &str,
) -> sqlx::Result<Option<FileRow>> {
    sqlx::query_as("SELECT id, owner_id, app_id, name, size_bytes FROM data_files WHERE id = $1 AND owner_id = $2 AND app_id IS NULL")
        .bind(id)
        .bind(owner_id)
        .fetch_optional(conn)
        .await
}

/// Staged uploads made before `cutoff` that no app took.
/// Bytes of the user's uploads not yet made into an app.
pub async fn staged_bytes(conn: &mut AnyConnection, owner_id: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT CAST(COALESCE(SUM(size_bytes), 0) AS BIGINT) FROM data_files WHERE owner_id = $1 AND app_id IS NULL").bind(owner_id).fetch_one(conn).await
}

pub async fn stale_staged_files(
    conn: &mut AnyConnection,
    cutoff: i64,
) -> sqlx::Result<Vec<String>> {
    let rows: Vec<(String,)> =
        sqlx::query_as("SELECT id FROM data_files WHERE app_id IS NULL AND created_at < $1")
            .bind(cutoff)
            .fetch_all(conn)
            .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

pub async fn app_exists(conn: &mut AnyConnection, app_id: &str) -> sqlx::Result<bool> {
    Ok(
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM apps WHERE id = $1")
            .bind(app_id)
            .fetch_one(conn)
            .await?
            > 0,
    )
}

pub async fn delete_file(conn: &mut AnyConnection, id: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM data_files WHERE id = $1 AND app_id IS NULL")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn files_of_app(conn: &mut AnyConnection, app_id: &str) -> sqlx::Result<Vec<FileRow>> {
    sqlx::query_as("SELECT id, owner_id, app_id, name, size_bytes FROM data_files WHERE app_id = $1 ORDER BY name, id").bind(app_id).fetch_all(conn).await
}

/// Forgets a file of an app that a reload replaced.
pub async fn delete_app_file(conn: &mut AnyConnection, app_id: &str, id: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM data_files WHERE id = $1 AND app_id = $2")
        .bind(id)
        .bind(app_id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn attach_file(conn: &mut AnyConnection, id: &str, app_id: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE data_files SET app_id = $2 WHERE id = $1")
        .bind(id)
        .bind(app_id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn insert_app_file(
    conn: &mut AnyConnection,
    id: &str,
    tenant_id: &str,
    app_id: &str,
    file: &FileRow,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO data_files (id, tenant_id, owner_id, app_id, name, size_bytes, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(id)
        .bind(tenant_id)
        .bind(&file.owner_id)
        .bind(app_id)
        .bind(&file.name)
        .bind(file.size_bytes)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn delete_files_of_app(conn: &mut AnyConnection, app_id: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM data_files WHERE app_id = $1")
        .bind(app_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Which load of the data is current, and how many rows it has.
pub async fn set_app_data(
    conn: &mut AnyConnection,
    app_id: &str,
    version: i64,
    rows: i64,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE apps SET data_version = $2, data_rows = $3, updated_at = $4, data_loaded_at = $4 WHERE id = $1")
        .bind(app_id)
        .bind(version)
        .bind(rows)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn app_data(conn: &mut AnyConnection, app_id: &str) -> sqlx::Result<(i64, i64)> {
    sqlx::query_as("SELECT data_version, data_rows FROM apps WHERE id = $1")
        .bind(app_id)
        .fetch_one(conn)
        .await
}

// --- Sheets and charts ------------------------------------------------------------------------

pub async fn sheets_of_app(conn: &mut AnyConnection, app_id: &str) -> sqlx::Result<Vec<SheetRow>> {
    sqlx::query_as("SELECT id, app_id, title, position, owner_id FROM sheets WHERE app_id = $1 ORDER BY position, id").bind(app_id).fetch_all(conn).await
}

pub async fn get_sheet(conn: &mut AnyConnection, id: &str) -> sqlx::Result<Option<SheetRow>> {
    sqlx::query_as("SELECT id, app_id, title, position, owner_id FROM sheets WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await
}

pub async fn insert_sheet(conn: &mut AnyConnection, row: &SheetRow, now: i64) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO sheets (id, app_id, title, position, owner_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)")
        .bind(&row.id)
        .bind(&row.app_id)
        .bind(&row.title)
        .bind(row.position)
        .bind(&row.owner_id)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn rename_sheet(
    conn: &mut AnyConnection,
    id: &str,
    title: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE sheets SET title = $2, updated_at = $3 WHERE id = $1")
        .bind(id)
        .bind(title)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn delete_sheet(conn: &mut AnyConnection, id: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM sheets WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_sheet_position(
    conn: &mut AnyConnection,
    id: &str,
    position: i64,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE sheets SET position = $2 WHERE id = $1")
        .bind(id)
        .bind(position)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn charts_of_sheet(
    conn: &mut AnyConnection,
    sheet_id: &str,
) -> sqlx::Result<Vec<ChartRow>> {
    sqlx::query_as(
        "SELECT id, sheet_id, position, spec FROM charts WHERE sheet_id = $1 ORDER BY position, id",
    )
    .bind(sheet_id)
    .fetch_all(conn)
    .await
}

pub async fn get_chart(conn: &mut AnyConnection, id: &str) -> sqlx::Result<Option<ChartRow>> {
    sqlx::query_as("SELECT id, sheet_id, position, spec FROM charts WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await
}

pub async fn insert_chart(
    conn: &mut AnyConnection,
    id: &str,
    sheet_id: &str,
    position: i64,
    spec: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO charts (id, sheet_id, position, spec, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)")
        .bind(id)
        .bind(sheet_id)
        .bind(position)
        .bind(spec)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn update_chart(
    conn: &mut AnyConnection,
    id: &str,
    spec: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE charts SET spec = $2, updated_at = $3 WHERE id = $1")
        .bind(id)
        .bind(spec)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn delete_chart(conn: &mut AnyConnection, id: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM charts WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_chart_position(
    conn: &mut AnyConnection,
    id: &str,
    position: i64,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE charts SET position = $2 WHERE id = $1")
        .bind(id)
        .bind(position)
        .execute(conn)
        .await?;
    Ok(())
}

/// Copies an app's public sheets and their charts to another app (publish, republish,
/// duplicate): private sheets stay with their makers.
pub async fn copy_sheets(
    conn: &mut AnyConnection,
    from_app: &str,
    to_app: &str,
    now: i64,
) -> sqlx::Result<()> {
    for sheet in sheets_of_app(conn, from_app)
        .await?
        .into_iter()
        .filter(|s| s.owner_id.is_none())
    {
        let copy = SheetRow {
            id: new_id(),
            app_id: to_app.to_string(),
            ..sheet.clone()
        };
        insert_sheet(conn, &copy, now).await?;
        for chart in charts_of_sheet(conn, &sheet.id).await? {
            insert_chart(conn, &new_id(), &copy.id, chart.position, &chart.spec, now).await?;
        }
    }
    Ok(())
}

/// Removes the public sheets of an app (republish replaces them).
pub async fn delete_public_sheets(conn: &mut AnyConnection, app_id: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM sheets WHERE app_id = $1 AND owner_id IS NULL")
        .bind(app_id)
        .execute(conn)
        .await?;
    Ok(())
}

// --- Section access ---------------------------------------------------------------------------

const RULE_COLUMNS: &str = "r.id, r.app_id, r.user_id, r.group_id, r.assignee_type, COALESCE(u.name, g.name, r.assignee_name) AS assignee_name, r.field, r.allowed";
const RULE_FROM: &str = "section_access r LEFT JOIN users u ON u.id = r.user_id LEFT JOIN user_groups g ON g.id = r.group_id";

/// The saved specs of every chart on the app's public sheets.
pub async fn public_chart_specs(
    conn: &mut AnyConnection,
    app_id: &str,
) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("SELECT c.spec FROM charts c JOIN sheets s ON s.id = c.sheet_id WHERE s.app_id = $1 AND s.owner_id IS NULL ORDER BY s.position, c.position")
        .bind(app_id)
        .fetch_all(conn)
        .await
}

pub async fn rules_of_app(conn: &mut AnyConnection, app_id: &str) -> sqlx::Result<Vec<RuleRow>> {
    sqlx::query_as(&format!(
        "SELECT {RULE_COLUMNS} FROM {RULE_FROM} WHERE r.app_id = $1 ORDER BY r.created_at, r.id"
    ))
    .bind(app_id)
    .fetch_all(conn)
    .await
}

pub async fn get_rule(conn: &mut AnyConnection, id: &str) -> sqlx::Result<Option<RuleRow>> {
    sqlx::query_as(&format!(
        "SELECT {RULE_COLUMNS} FROM {RULE_FROM} WHERE r.id = $1"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// A rule to store: for the user or group (`None` for both copies a rule that names nobody).
pub struct NewRule<'a> {
    pub user_id: Option<&'a str>,
    pub group_id: Option<&'a str>,
    pub assignee_type: &'a str,
    pub assignee_name: &'a str,
    pub field: &'a str,
    pub allowed: &'a str,
}

pub async fn insert_rule(
    conn: &mut AnyConnection,
    id: &str,
    app_id: &str,
    rule: NewRule<'_>,
    now: i64,
) -> sqlx::Result<()> {
    let NewRule {
        user_id,
        group_id,
        assignee_type,
        assignee_name,
        field,
        allowed,
    } = rule;
    sqlx::query("INSERT INTO section_access (id, app_id, user_id, group_id, assignee_type, assignee_name, field, allowed, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
        .bind(id)
        .bind(app_id)
        .bind(user_id)
        .bind(group_id)
        .bind(assignee_type)
        .bind(assignee_name)
        .bind(field)
        .bind(allowed)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn delete_rule(conn: &mut AnyConnection, id: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM section_access WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn copy_rules(
    conn: &mut AnyConnection,
    from_app: &str,
    to_app: &str,
    now: i64,
) -> sqlx::Result<()> {
    for rule in rules_of_app(conn, from_app).await? {
        // Rules that name nobody are copied too: the copy denies what the source denies.
        let copy = NewRule {
            user_id: rule.user_id.as_deref(),
            group_id: rule.group_id.as_deref(),
            assignee_type: &rule.assignee_type,
            assignee_name: &rule.assignee_name,
            field: &rule.field,
            allowed: &rule.allowed,
        };
        insert_rule(conn, &new_id(), to_app, copy, now).await?;
    }
    Ok(())
}

pub async fn delete_rules_of_app(conn: &mut AnyConnection, app_id: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM section_access WHERE app_id = $1")
        .bind(app_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The groups a user belongs to.
pub async fn group_ids_of(conn: &mut AnyConnection, user_id: &str) -> sqlx::Result<Vec<String>> {
    let rows: Vec<(String,)> =
        sqlx::query_as("SELECT group_id FROM group_members WHERE user_id = $1")
            .bind(user_id)
            .fetch_all(conn)
            .await?;
    Ok(rows.into_iter().map(|(g,)| g).collect())
}

/// A viewer's saved selections of an app: (model, version, state).
pub async fn viewer_state(
    conn: &mut AnyConnection,
    viewer: &str,
    app_id: &str,
) -> sqlx::Result<Option<(String, i64, Vec<u8>)>> {
    sqlx::query_as(
        "SELECT model, version, state FROM viewer_selections WHERE viewer = $1 AND app_id = $2",
    )
    .bind(viewer)
    .bind(app_id)
    .fetch_optional(conn)
    .await
}

/// Saves a viewer's selections; returns the version the database gave them (one more than the
/// saved one, whichever process saved it).
pub async fn save_viewer_state(
    conn: &mut AnyConnection,
    viewer: &str,
    app_id: &str,
    model: &str,
    state: &[u8],
    now: i64,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO viewer_selections (viewer, app_id, model, state, version, updated_at) \
         VALUES ($1, $2, $3, $4, 1, $5) \
         ON CONFLICT (viewer, app_id) DO UPDATE SET model = excluded.model, state = excluded.state, \
         version = viewer_selections.version + 1, updated_at = excluded.updated_at \
         RETURNING version",
    )
    .bind(viewer)
    .bind(app_id)
    .bind(model)
    .bind(state)
    .bind(now)
    .fetch_one(conn)
    .await
}

/// Forgets a viewer's saved selections of every app (their session ended).
pub async fn forget_viewer_states(conn: &mut AnyConnection, viewer: &str) -> sqlx::Result<u64> {
    let done = sqlx::query("DELETE FROM viewer_selections WHERE viewer = $1")
        .bind(viewer)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

/// Forgets every viewer's saved selections of an app (its values were numbered anew).
pub async fn forget_app_viewer_states(conn: &mut AnyConnection, app_id: &str) -> sqlx::Result<u64> {
    let done = sqlx::query("DELETE FROM viewer_selections WHERE app_id = $1")
        .bind(app_id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

/// Forgets the saved selections untouched since before `cutoff`.
pub async fn forget_idle_viewer_states(conn: &mut AnyConnection, cutoff: i64) -> sqlx::Result<u64> {
    let done = sqlx::query("DELETE FROM viewer_selections WHERE updated_at < $1")
        .bind(cutoff)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}
