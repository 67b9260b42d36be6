//! SQL for data connections and the hosts a tenant lets them reach.

use sqlx::AnyConnection;

#[derive(sqlx::FromRow, Clone, Debug)]
pub struct ConnectionRow {
    pub id: String,
    pub tenant_id: String,
    pub space_id: String,
    pub name: String,
    pub kind: String,
    pub host: String,
    pub port: i64,
    pub database_name: String,
    pub username: String,
    /// The sealed password (`service::secrets`); empty: none.
    pub secret: String,
    pub folder: String,
    pub path: String,
    pub created_by: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub creator_name: Option<String>,
}

const COLUMNS: &str = "c.id, c.tenant_id, c.space_id, c.name, c.kind, c.host, c.port, c.database_name, c.username, c.secret, c.folder, c.path, c.created_by, c.created_at, c.updated_at, u.name AS creator_name";
const FROM: &str = "FROM data_connections c LEFT JOIN users u ON u.id = c.created_by";

pub async fn get(
    conn: &mut AnyConnection,
    tenant_id: &str,
    id: &str,
) -> sqlx::Result<Option<ConnectionRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} {FROM} WHERE c.tenant_id = $1 AND c.id = $2"
    ))
    .bind(tenant_id)
    .bind(id)
    .fetch_optional(conn)
    .await
}

pub async fn in_space(
    conn: &mut AnyConnection,
    space_id: &str,
) -> sqlx::Result<Vec<ConnectionRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} {FROM} WHERE c.space_id = $1 ORDER BY c.name_key, c.id"
    ))
    .bind(space_id)
    .fetch_all(conn)
    .await
}

/// Every connection of the tenant, for a list the caller's access then filters.
pub async fn of_tenant(
    conn: &mut AnyConnection,
    tenant_id: &str,
) -> sqlx::Result<Vec<ConnectionRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} {FROM} WHERE c.tenant_id = $1 ORDER BY c.name_key, c.id"
    ))
    .bind(tenant_id)
    .fetch_all(conn)
    .await
}

pub async fn count_in_space(conn: &mut AnyConnection, space_id: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM data_connections WHERE space_id = $1")
        .bind(space_id)
        .fetch_one(conn)
        .await
}

pub async fn name_taken(
    conn: &mut AnyConnection,
    space_id: &str,
    name_key: &str,
    except_id: &str,
) -> sqlx::Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM data_connections WHERE space_id = $1 AND name_key = $2 AND id <> $3",
    )
    .bind(space_id)
    .bind(name_key)
    .bind(except_id)
    .fetch_one(conn)
    .await?;
    Ok(n > 0)
}

pub async fn insert(conn: &mut AnyConnection, row: &ConnectionRow) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO data_connections (id, tenant_id, space_id, name, name_key, kind, host, port, database_name, username, secret, folder, path, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)")
        .bind(&row.id)
        .bind(&row.tenant_id)
        .bind(&row.space_id)
        .bind(&row.name)
        .bind(row.name.to_lowercase())
        .bind(&row.kind)
        .bind(&row.host)
        .bind(row.port)
        .bind(&row.database_name)
        .bind(&row.username)
        .bind(&row.secret)
        .bind(&row.folder)
        .bind(&row.path)
        .bind(&row.created_by)
        .bind(row.created_at)
        .bind(row.updated_at)
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn update(conn: &mut AnyConnection, row: &ConnectionRow) -> sqlx::Result<()> {
    sqlx::query("UPDATE data_connections SET space_id = $1, name = $2, name_key = $3, kind = $4, host = $5, port = $6, database_name = $7, username = $8, secret = $9, folder = $10, path = $11, updated_at = $12 WHERE id = $13")
        .bind(&row.space_id)
        .bind(&row.name)
        .bind(row.name.to_lowercase())
        .bind(&row.kind)
        .bind(&row.host)
        .bind(row.port)
        .bind(&row.database_name)
        .bind(&row.username)
        .bind(&row.secret)
        .bind(&row.folder)
        .bind(&row.path)
        .bind(row.updated_at)
        .bind(&row.id)
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn delete(conn: &mut AnyConnection, id: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM data_connections WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await
        .map(|_| ())
}

/// Every sealed password, for sealing again under a new key.
pub async fn secrets(conn: &mut AnyConnection) -> sqlx::Result<Vec<(String, String)>> {
    sqlx::query_as("SELECT id, secret FROM data_connections WHERE secret <> ''")
        .fetch_all(conn)
        .await
}

pub async fn set_secret(conn: &mut AnyConnection, id: &str, secret: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE data_connections SET secret = $1 WHERE id = $2")
        .bind(secret)
        .bind(id)
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn hosts(conn: &mut AnyConnection, tenant_id: &str) -> sqlx::Result<String> {
    sqlx::query_scalar("SELECT connection_hosts FROM tenants WHERE id = $1")
        .bind(tenant_id)
        .fetch_optional(conn)
        .await
        .map(Option::unwrap_or_default)
}

pub async fn set_hosts(conn: &mut AnyConnection, tenant_id: &str, hosts: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE tenants SET connection_hosts = $1 WHERE id = $2")
        .bind(hosts)
        .bind(tenant_id)
        .execute(conn)
        .await
        .map(|_| ())
}
