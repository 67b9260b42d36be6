//! SQL helpers every feature's store may use, on SQLite and PostgreSQL alike. Server-only.

use sqlx::AnyConnection;

/// The tables whose rows `lock_row` takes: the parents that count limits and invariants are
/// checked under.
#[derive(Debug, Clone, Copy)]
pub enum Parent {
    Tenant,
    Space,
    App,
    Share,
    CollabSession,
}

impl Parent {
    fn table(self) -> &'static str {
        match self {
            Parent::Tenant => "tenants",
            Parent::Space => "spaces",
            Parent::App => "apps",
            Parent::Share => "app_shares",
            Parent::CollabSession => "collab_sessions",
        }
    }
}

/// Takes the row's write lock for the rest of the transaction, by writing it unchanged: on
/// PostgreSQL a second transaction that does the same waits here until the first commits, so a
/// "count, then insert" or "check, then change" under the lock cannot interleave (READ COMMITTED
/// would otherwise let both pass). On SQLite the one connection serialises writers already; the
/// statement is the same there, so both dialects run one code path.
pub async fn lock_row(conn: &mut AnyConnection, parent: Parent, id: &str) -> sqlx::Result<()> {
    sqlx::query(&format!(
        "UPDATE {} SET id = id WHERE id = $1",
        parent.table()
    ))
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}
