//! The `notices` table.

use sqlx::AnyConnection;

use super::model::*;

#[derive(sqlx::FromRow, Clone, Debug)]
pub struct NoticeRow {
    pub id: String,
    pub kind: String,
    pub app_id: String,
    pub title: String,
    pub body: String,
    pub created_at: i64,
    pub read_at: Option<i64>,
}

impl NoticeRow {
    pub fn to_notice(&self) -> Notice {
        Notice {
            id: self.id.clone(),
            kind: NoticeKind::parse(&self.kind).unwrap_or(NoticeKind::ReloadFailed),
            app_id: self.app_id.clone(),
            title: self.title.clone(),
            body: self.body.clone(),
            created_at: self.created_at,
            read: self.read_at.is_some(),
        }
    }
}

pub struct NewNotice<'a> {
    pub id: &'a str,
    pub tenant_id: &'a str,
    pub user_id: &'a str,
    pub kind: NoticeKind,
    pub app_id: &'a str,
    pub title: &'a str,
    pub body: &'a str,
    pub now: i64,
}

/// A notice, and the person's oldest beyond the `MAX_KEPT` newest removed.
pub async fn insert(conn: &mut AnyConnection, new: NewNotice<'_>) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO notices (id, tenant_id, user_id, kind, app_id, title, body, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(new.id)
        .bind(new.tenant_id)
        .bind(new.user_id)
        .bind(new.kind.as_str())
        .bind(new.app_id)
        .bind(new.title)
        .bind(new.body)
        .bind(new.now)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM notices WHERE user_id = $1 AND id NOT IN (SELECT id FROM notices WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2)")
        .bind(new.user_id)
        .bind(super::MAX_KEPT)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn list(
    conn: &mut AnyConnection,
    user_id: &str,
    limit: i64,
) -> sqlx::Result<Vec<NoticeRow>> {
    sqlx::query_as("SELECT id, kind, app_id, title, body, created_at, read_at FROM notices WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2")
        .bind(user_id)
        .bind(limit)
        .fetch_all(conn)
        .await
}

pub async fn unread(conn: &mut AnyConnection, user_id: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM notices WHERE user_id = $1 AND read_at IS NULL")
        .bind(user_id)
        .fetch_one(conn)
        .await
}

pub async fn mark_read(conn: &mut AnyConnection, user_id: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE notices SET read_at = $2 WHERE user_id = $1 AND read_at IS NULL")
        .bind(user_id)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn mark_emailed(conn: &mut AnyConnection, id: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE notices SET emailed = $2 WHERE id = $1")
        .bind(id)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// An active person's name and email, for a notice by email.
pub async fn recipient(
    conn: &mut AnyConnection,
    user_id: &str,
) -> sqlx::Result<Option<(String, String, String)>> {
    sqlx::query_as("SELECT tenant_id, name, email FROM users WHERE id = $1 AND status = 'active'")
        .bind(user_id)
        .fetch_optional(conn)
        .await
}

/// Whether a person is still in the directory (active or not).
pub async fn user_exists(conn: &mut AnyConnection, user_id: &str) -> sqlx::Result<bool> {
    let found: Option<String> = sqlx::query_scalar("SELECT id FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(conn)
        .await?;
    Ok(found.is_some())
}
