//! SQL for licences: settings, assignments, login groups, Document CAL pools, connections,
//! Session CAL holds and the ledger. No rules here: callers have decided.

mod assignments;
mod connections;
mod ledger;
mod pools;

pub use assignments::*;
pub use connections::*;
pub use ledger::*;
pub use pools::*;

use sqlx::AnyConnection;

/// The tenant's licence settings; `None` when it has chosen no scheme.
#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct SettingsRow {
    pub scheme: String,
    pub tokens: i64,
    pub named_cals: i64,
    pub dynamic_named: i64,
    pub dynamic_document: i64,
    pub session_cals: i64,
    pub usage_cals: i64,
    pub usage_since: i64,
    pub professional: i64,
    pub analyzer: i64,
    pub auto_professional: i64,
    pub auto_analyzer: i64,
    pub capacity_minutes: i64,
    pub overage_minutes: i64,
    pub updated_at: i64,
}

const SETTINGS_COLUMNS: &str = "scheme, tokens, named_cals, dynamic_named, dynamic_document, \
     session_cals, usage_cals, usage_since, professional, analyzer, auto_professional, \
     auto_analyzer, capacity_minutes, overage_minutes, updated_at";

pub async fn settings(
    conn: &mut AnyConnection,
    tenant_id: &str,
) -> sqlx::Result<Option<SettingsRow>> {
    sqlx::query_as(&format!(
        "SELECT {SETTINGS_COLUMNS} FROM licence_settings WHERE tenant_id = $1"
    ))
    .bind(tenant_id)
    .fetch_optional(conn)
    .await
}

pub async fn save_settings(
    conn: &mut AnyConnection,
    tenant_id: &str,
    s: &SettingsRow,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM licence_settings WHERE tenant_id = $1")
        .bind(tenant_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query(&format!(
        "INSERT INTO licence_settings (tenant_id, {SETTINGS_COLUMNS})
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
    ))
    .bind(tenant_id)
    .bind(&s.scheme)
    .bind(s.tokens)
    .bind(s.named_cals)
    .bind(s.dynamic_named)
    .bind(s.dynamic_document)
    .bind(s.session_cals)
    .bind(s.usage_cals)
    .bind(s.usage_since)
    .bind(s.professional)
    .bind(s.analyzer)
    .bind(s.auto_professional)
    .bind(s.auto_analyzer)
    .bind(s.capacity_minutes)
    .bind(s.overage_minutes)
    .bind(s.updated_at)
    .execute(conn)
    .await?;
    Ok(())
}
