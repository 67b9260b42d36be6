//! SQL for apps. No rules here: callers have decided.

use sqlx::AnyConnection;

#[derive(sqlx::FromRow, Clone, Debug)]
pub struct AppRow {
    pub id: String,
    pub tenant_id: String,
    pub space_id: String,
    pub name: String,
    pub description: String,
    pub owner_id: Option<String>,
    pub owner_name: Option<String>,
    pub source_app_id: Option<String>,
    pub published_at: Option<i64>,
    pub content_version: i64,
    /// Which load of the data is current (0: none yet) and its rows over all tables.
    pub data_version: i64,
    pub data_rows: i64,
    /// When the current data was loaded (0: never).
    pub data_loaded_at: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

const APP_COLUMNS: &str = "a.id, a.tenant_id, a.space_id, a.name, a.description, a.owner_id, u.name AS owner_name,
     a.source_app_id, a.published_at, a.content_version, a.data_version, a.data_rows, a.data_loaded_at, a.created_at, a.updated_at";
const APP_FROM: &str = "apps a LEFT JOIN users u ON u.id = a.owner_id";

pub async fn insert_app(conn: &mut AnyConnection, row: &AppRow) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO apps (id, tenant_id, space_id, name, name_key, description, owner_id, source_app_id, published_at,
                           content_version, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(&row.id)
    .bind(&row.tenant_id)
    .bind(&row.space_id)
    .bind(&row.name)
    .bind(row.name.to_lowercase())
    .bind(&row.description)
    .bind(&row.owner_id)
    .bind(&row.source_app_id)
    .bind(row.published_at)
    .bind(row.content_version)
    .bind(row.created_at)
    .bind(row.updated_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn get_app(
    conn: &mut AnyConnection,
    tenant_id: &str,
    id: &str,
) -> sqlx::Result<Option<AppRow>> {
    sqlx::query_as(&format!(
        "SELECT {APP_COLUMNS} FROM {APP_FROM} WHERE a.tenant_id = $1 AND a.id = $2"
    ))
    .bind(tenant_id)
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// An app by id alone, for anonymous visitors (who belong to no tenant).
pub async fn get_app_by_id(conn: &mut AnyConnection, id: &str) -> sqlx::Result<Option<AppRow>> {
    sqlx::query_as(&format!(
        "SELECT {APP_COLUMNS} FROM {APP_FROM} WHERE a.id = $1"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await
}

pub async fn apps_in_space(conn: &mut AnyConnection, space_id: &str) -> sqlx::Result<Vec<AppRow>> {
    sqlx::query_as(&format!(
        "SELECT {APP_COLUMNS} FROM {APP_FROM} WHERE a.space_id = $1 ORDER BY a.name_key, a.id"
    ))
    .bind(space_id)
    .fetch_all(conn)
    .await
}

/// The app published from `source_id` into `space_id`, if there is one (republishing replaces it).
pub async fn published_copy(
    conn: &mut AnyConnection,
    source_id: &str,
    space_id: &str,
) -> sqlx::Result<Option<AppRow>> {
    sqlx::query_as(&format!(
        "SELECT {APP_COLUMNS} FROM {APP_FROM} WHERE a.source_app_id = $1 AND a.space_id = $2"
    ))
    .bind(source_id)
    .bind(space_id)
    .fetch_optional(conn)
    .await
}

/// Apps published from this one, in any space.
pub async fn published_copies(
    conn: &mut AnyConnection,
    source_id: &str,
) -> sqlx::Result<Vec<AppRow>> {
    sqlx::query_as(&format!(
        "SELECT {APP_COLUMNS} FROM {APP_FROM} WHERE a.source_app_id = $1 ORDER BY a.name_key, a.id"
    ))
    .bind(source_id)
    .fetch_all(conn)
    .await
}

pub async fn update_details(
    conn: &mut AnyConnection,
    id: &str,
    name: &str,
    description: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE apps SET name = $2, name_key = $3, description = $4, updated_at = $5 WHERE id = $1",
    )
    .bind(id)
    .bind(name)
    .bind(name.to_lowercase())
    .bind(description)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Replaces a published app's content with its source's: same id, next content version.
pub async fn replace_content(
    conn: &mut AnyConnection,
    id: &str,
    description: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE apps SET description = $2, content_version = content_version + 1, published_at = $3, updated_at = $3 WHERE id = $1")
        .bind(id)
        .bind(description)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_space(
    conn: &mut AnyConnection,
    id: &str,
    space_id: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE apps SET space_id = $2, updated_at = $3 WHERE id = $1")
        .bind(id)
        .bind(space_id)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn delete_app(conn: &mut AnyConnection, id: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM apps WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}
