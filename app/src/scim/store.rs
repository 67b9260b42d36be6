//! SQL for provisioning: the tenant's token, the resources as the provider wrote them, and the
//! searches the provider makes.

use sqlx::AnyConnection;

/// The tenant whose SCIM token has this digest: (id, name).
pub async fn tenant_by_token(
    conn: &mut AnyConnection,
    token_hash: &str,
) -> sqlx::Result<Option<(String, String)>> {
    sqlx::query_as(
        "SELECT id, name FROM tenants WHERE scim_token_hash = $1 AND scim_token_hash <> ''",
    )
    .bind(token_hash)
    .fetch_optional(conn)
    .await
}

pub async fn token_set(conn: &mut AnyConnection, tenant_id: &str) -> sqlx::Result<bool> {
    let hash: String = sqlx::query_scalar("SELECT scim_token_hash FROM tenants WHERE id = $1")
        .bind(tenant_id)
        .fetch_one(conn)
        .await?;
    Ok(!hash.is_empty())
}

pub async fn set_token(
    conn: &mut AnyConnection,
    tenant_id: &str,
    token_hash: &str,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE tenants SET scim_token_hash = $2 WHERE id = $1")
        .bind(tenant_id)
        .bind(token_hash)
        .execute(conn)
        .await?;
    Ok(())
}

/// A resource as the provider last wrote it (JSON), if it wrote one.
pub async fn resource(
    conn: &mut AnyConnection,
    tenant_id: &str,
    kind: &str,
    id: &str,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(
        "SELECT body FROM scim_resources WHERE tenant_id = $1 AND kind = $2 AND id = $3",
    )
    .bind(tenant_id)
    .bind(kind)
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// What the provider wrote, kept: replaces what it wrote before.
pub struct Written<'a> {
    pub tenant_id: &'a str,
    pub kind: &'a str,
    pub id: &'a str,
    pub external_id: &'a str,
    pub name_key: &'a str,
    pub body: &'a str,
}

pub async fn put_resource(conn: &mut AnyConnection, written: Written<'_>) -> sqlx::Result<()> {
    delete_resource(conn, written.kind, written.id).await?;
    sqlx::query(
        "INSERT INTO scim_resources (tenant_id, kind, id, external_id, name_key, body) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(written.tenant_id)
    .bind(written.kind)
    .bind(written.id)
    .bind(written.external_id)
    .bind(written.name_key)
    .bind(written.body)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn delete_resource(conn: &mut AnyConnection, kind: &str, id: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM scim_resources WHERE kind = $1 AND id = $2")
        .bind(kind)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The ids of the tenant's users (`kind` User) or groups whose resource or row answers a
/// search, in a stable order: all of them when `search` is `None`.
pub async fn search(
    conn: &mut AnyConnection,
    tenant_id: &str,
    kind: &str,
    search: Option<(&str, &str)>,
) -> sqlx::Result<Vec<String>> {
    let (table, key) = if kind == "User" {
        ("users", "email_key")
    } else {
        ("user_groups", "name_key")
    };
    let mut ids: Vec<String> = match search {
        None => {
            sqlx::query_scalar(&format!(
                "SELECT id FROM {table} WHERE tenant_id = $1 ORDER BY created_at, id"
            ))
            .bind(tenant_id)
            .fetch_all(conn)
            .await?
        }
        Some(("id", value)) => {
            sqlx::query_scalar(&format!(
                "SELECT id FROM {table} WHERE tenant_id = $1 AND id = $2"
            ))
            .bind(tenant_id)
            .bind(value)
            .fetch_all(conn)
            .await?
        }
        Some(("externalid", value)) => {
            sqlx::query_scalar(
                "SELECT id FROM scim_resources WHERE tenant_id = $1 AND kind = $2 AND external_id = $3 ORDER BY id",
            )
            .bind(tenant_id)
            .bind(kind)
            .bind(value)
            .fetch_all(conn)
            .await?
        }
        // A userName or a group's displayName: as the provider wrote it, or as the row's key.
        Some((_, value)) => {
            sqlx::query_scalar(&format!(
                "SELECT id FROM {table} WHERE tenant_id = $1 AND {key} = $3
                 UNION SELECT id FROM scim_resources WHERE tenant_id = $1 AND kind = $2 AND name_key = $3
                 ORDER BY id"
            ))
            .bind(tenant_id)
            .bind(kind)
            .bind(value)
            .fetch_all(conn)
            .await?
        }
    };
    ids.dedup();
    Ok(ids)
}

/// How many users and groups the provider has written.
pub async fn counts(conn: &mut AnyConnection, tenant_id: &str) -> sqlx::Result<(i64, i64)> {
    let count = |kind: &'static str| {
        sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM scim_resources WHERE tenant_id = $1 AND kind = $2",
        )
        .bind(tenant_id.to_string())
        .bind(kind)
    };
    let users = count("User").fetch_one(&mut *conn).await?;
    let groups = count("Group").fetch_one(&mut *conn).await?;
    Ok((users, groups))
}

/// A provisioned account's new email (its unique key with it).
pub async fn set_email(
    conn: &mut AnyConnection,
    user_id: &str,
    email: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET email = $2, email_key = $3, updated_at = $4 WHERE id = $1")
        .bind(user_id)
        .bind(email)
        .bind(crate::directory::rules::unique_key(email))
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}
