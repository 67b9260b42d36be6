//! SQL for the audit log.

use sqlx::AnyConnection;

use super::model::{parse_cursor, AuditEvent, AuditQuery};

pub async fn insert(
    conn: &mut AnyConnection,
    tenant_id: &str,
    event: &AuditEvent,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO audit_events (id, tenant_id, at, actor_id, actor_name, action, target_type, target_id, target_name, detail)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&event.id)
    .bind(tenant_id)
    .bind(event.at)
    .bind(&event.actor_id)
    .bind(&event.actor_name)
    .bind(&event.action)
    .bind(&event.target_type)
    .bind(&event.target_id)
    .bind(&event.target_name)
    .bind(&event.detail)
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    at: i64,
    actor_id: Option<String>,
    actor_name: String,
    action: String,
    target_type: String,
    target_id: String,
    target_name: String,
    detail: String,
}

/// Newest first. Fetches one more than the limit so the caller knows whether there is more.
pub async fn list(
    conn: &mut AnyConnection,
    tenant_id: &str,
    query: &AuditQuery,
    limit: u32,
) -> sqlx::Result<Vec<AuditEvent>> {
    let before = query
        .before
        .as_deref()
        .and_then(parse_cursor)
        .unwrap_or((i64::MAX, String::new()));
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, at, actor_id, actor_name, action, target_type, target_id, target_name, detail
         FROM audit_events
         WHERE tenant_id = $1
           AND ($2 = '' OR action LIKE $3)
           AND ($4 = '' OR lower(actor_name) LIKE $5)
           AND ($6 = '' OR lower(target_name) LIKE $7 OR target_id = $6)
           AND (at < $8 OR (at = $8 AND id < $10))
         ORDER BY at DESC, id DESC
         LIMIT $9",
    )
    .bind(tenant_id)
    .bind(&query.action)
    .bind(format!("{}%", like_escape(&query.action)))
    .bind(&query.actor)
    .bind(format!("%{}%", like_escape(&query.actor.to_lowercase())))
    .bind(&query.target)
    .bind(format!("%{}%", like_escape(&query.target.to_lowercase())))
    .bind(before.0)
    .bind(i64::from(limit) + 1)
    .bind(&before.1)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| AuditEvent {
            id: r.id,
            at: r.at,
            actor_id: r.actor_id,
            actor_name: r.actor_name,
            action: r.action,
            target_type: r.target_type,
            target_id: r.target_id,
            target_name: r.target_name,
            detail: r.detail,
        })
        .collect())
}

/// LIKE treats `%` and `_` as wildcards; a search for them means the characters themselves.
/// Both SQLite and PostgreSQL take `\` as the escape with an ESCAPE clause; without it we simply
/// drop the wildcards, which is what a person searching means.
pub fn like_escape(text: &str) -> String {
    text.chars().filter(|c| *c != '%' && *c != '_').collect()
}
