//! Telling people: a notice in the portal for each, written in the caller's transaction, and
//! (when the server has an SMTP server) an email sent once it has committed.

use sqlx::AnyConnection;

use super::model::*;
use super::store::{self, NewNotice};
use crate::auth::principal::Principal;
use crate::error::AppError;
use crate::ids::new_id;
use crate::state::AppState;

pub mod mail;

/// An email to send once the notice it carries is committed.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub notice_id: String,
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// What to tell, and about which app.
pub struct Tell<'a> {
    pub kind: NoticeKind,
    pub app_id: &'a str,
    pub title: &'a str,
    pub body: &'a str,
}

/// Writes a notice for each of `people` (each once; those gone or not active are left out).
/// Returns the emails to send with `send` after the transaction commits.
pub async fn notify(
    conn: &mut AnyConnection,
    state: &AppState,
    people: &[&str],
    tell: Tell<'_>,
) -> Result<Vec<Outgoing>, AppError> {
    let now = state.now();
    let mut outgoing = Vec::new();
    let mut told: Vec<&str> = Vec::new();
    for &person in people {
        if person.is_empty() || told.contains(&person) {
            continue;
        }
        told.push(person);
        let Some((tenant_id, name, email)) = store::recipient(conn, person).await? else {
            continue;
        };
        let id = new_id();
        store::insert(
            conn,
            NewNotice {
                id: &id,
                tenant_id: &tenant_id,
                user_id: person,
                kind: tell.kind,
                app_id: tell.app_id,
                title: tell.title,
                body: tell.body,
                now,
            },
        )
        .await?;
        let link = if tell.app_id.is_empty() {
            format!("{}/notices", state.settings.public_url)
        } else {
            format!("{}/apps/{}", state.settings.public_url, tell.app_id)
        };
        outgoing.push(Outgoing {
            notice_id: id,
            to: email,
            subject: tell.title.to_string(),
            body: format!("Hello {name},\n\n{}\n\n{link}\n\nSightline", tell.body),
        });
    }
    Ok(outgoing)
}

/// Sends the emails in the background when the server has an SMTP server; without one the
/// notices in the portal are all. A failed send is logged; the notice stays in the portal.
pub fn send(state: &AppState, outgoing: Vec<Outgoing>) {
    let server = state.settings.mail.smtp_server.clone();
    if server.is_empty() || outgoing.is_empty() {
        return;
    }
    let state = state.clone();
    tokio::spawn(async move {
        for mail in outgoing {
            let message = mail::Message {
                from: &state.settings.mail.from,
                to: &mail.to,
                subject: &mail.subject,
                body: &mail.body,
                date_ms: state.now(),
            };
            match mail::send(&server, &message).await {
                Ok(()) => {
                    if let Ok(mut conn) = state.db.acquire().await {
                        let _ = store::mark_emailed(&mut conn, &mail.notice_id, state.now()).await;
                    }
                }
                Err(error) => {
                    tracing::warn!(%server, to = %mail.to, %error, "a notice's email was not sent")
                }
            }
        }
    });
}

/// The caller's notices, newest first.
pub async fn list_notices(state: &AppState, principal: &Principal) -> Result<NoticeList, AppError> {
    let mut conn = state.reader.acquire().await?;
    let rows = store::list(&mut conn, &principal.user_id, super::PAGE).await?;
    Ok(NoticeList {
        notices: rows.iter().map(store::NoticeRow::to_notice).collect(),
        unread: store::unread(&mut conn, &principal.user_id).await?,
    })
}

/// How many of the caller's notices are unread, for the header.
pub async fn count_unread_notices(
    state: &AppState,
    principal: &Principal,
) -> Result<i64, AppError> {
    let mut conn = state.reader.acquire().await?;
    Ok(store::unread(&mut conn, &principal.user_id).await?)
}

/// Marks the caller's notices read.
pub async fn mark_notices_read(state: &AppState, principal: &Principal) -> Result<(), AppError> {
    let mut conn = state.db.acquire().await?;
    store::mark_read(&mut conn, &principal.user_id, state.now()).await?;
    Ok(())
}
