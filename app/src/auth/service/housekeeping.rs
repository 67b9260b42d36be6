//! Housekeeping: failed sign-ins that no longer count are forgotten.

use super::*;

/// Drops failed sign-ins that no longer count, so the table stays small.
pub async fn forget_old_failures(state: &AppState) -> Result<u64, AppError> {
    let mut conn = state.db.acquire().await?;
    Ok(store::forget_failures_before(
        &mut conn,
        state.now() - state.settings.login_limits.window_ms,
    )
    .await?)
}
