//! The load plan kept with its app (JSON, the engine's `LoadPlan`; empty: the default one).

use sqlx::AnyConnection;

pub async fn load_plan(conn: &mut AnyConnection, app_id: &str) -> sqlx::Result<String> {
    Ok(
        sqlx::query_scalar("SELECT load_plan FROM apps WHERE id = $1")
            .bind(app_id)
            .fetch_optional(conn)
            .await?
            .unwrap_or_default(),
    )
}

pub async fn set_load_plan(conn: &mut AnyConnection, app_id: &str, plan: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE apps SET load_plan = $2 WHERE id = $1")
        .bind(app_id)
        .bind(plan)
        .execute(conn)
        .await?;
    Ok(())
}

/// A copy of an app (publish, duplicate, republish) loads as its source does.
pub async fn copy_load_plan(conn: &mut AnyConnection, from: &str, to: &str) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE apps SET load_plan = (SELECT load_plan FROM apps WHERE id = $1) WHERE id = $2",
    )
    .bind(from)
    .bind(to)
    .execute(conn)
    .await?;
    Ok(())
}
