//! Embedding: what an embedded chart, sheet or app of a live link is allowed to show, and which
//! sites may frame it.

use super::*;

/// How long a frame-ancestors directive is served from memory at most. A change by an admin
/// clears it at once in this process and, on PostgreSQL, in every other (NOTIFY); this bounds
/// the staleness when a notification is lost (a listener reconnecting).
pub(super) const FRAME_ANCESTORS_MS: i64 = 30_000;
/// The most apps whose directive is kept: only real apps are kept, and past this many the cache
/// starts over, so request data can never make it grow.
pub(super) const FRAME_ANCESTORS_KEPT: usize = 4096;

impl Anonymous {
    /// Forgets one app's directive (`*`: every app's).
    pub fn forget_frame_ancestors(&self, app_id: &str) {
        let mut live = self.lock();
        if app_id == "*" {
            live.frame_ancestors.clear();
        } else {
            live.frame_ancestors.remove(app_id);
        }
    }
}

/// An app's allowed framers changed (`*`: an allowed origin, so every app's): forgotten here,
/// and every other process is told.
pub(super) async fn frame_ancestors_changed(state: &AppState, app_id: &str) {
    state.anonymous.forget_frame_ancestors(app_id);
    crate::sql::notify(&state.db, crate::anonymous::runtime::CACHE_CHANNEL, app_id).await;
}

/// The `frame-ancestors` directive for an app's embed pages: its tenant's allowed origins. A
/// path that names no app (not an id, or no such app) may be framed by nobody and costs no
/// memory; it runs before any authentication, for every request under `/embed/`.
pub async fn frame_ancestors_for(state: &AppState, app_id: &str) -> String {
    if !crate::ids::is_id(app_id) {
        return rules::frame_ancestors(&[]);
    }
    let now = state.now();
    if let Some((read_at, directive)) = state.anonymous.lock().frame_ancestors.get(app_id) {
        if now - read_at < FRAME_ANCESTORS_MS {
            return directive.clone();
        }
    }
    let origins = match state.db.acquire().await {
        Ok(mut conn) => store::frame_origins_for_app(&mut conn, app_id)
            .await
            .unwrap_or_default(),
        Err(_) => None,
    };
    let Some(origins) = origins else {
        return rules::frame_ancestors(&[]);
    };
    let directive = rules::frame_ancestors(&origins);
    let mut live = state.anonymous.lock();
    if live.frame_ancestors.len() >= FRAME_ANCESTORS_KEPT {
        live.frame_ancestors.clear();
    }
    live.frame_ancestors
        .insert(app_id.to_string(), (now, directive.clone()));
    directive
}

/// For tests: how many apps' directives are kept in memory.
pub fn frame_ancestors_kept(state: &AppState) -> usize {
    state.anonymous.lock().frame_ancestors.len()
}
