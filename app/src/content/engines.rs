//! The apps loaded in memory and each viewer's selections. Server-only.
//!
//! A model loads on first open and stays while it fits the memory budget; when a load would go
//! past it, the least recently used models are dropped, and the next open reloads them from
//! their snapshot. Viewers keep codes, not models, so their selections survive an eviction
//! (a snapshot loads to the same codes).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use engine::{DataModel, ViewerState};

use super::results::Results;

/// Which model: an app's data at one load, as one section-access reduction sees it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ModelKey {
    pub app_id: String,
    pub data_version: i64,
    /// `DataAccess::key()`: empty for the whole data.
    pub access: String,
}

struct Loaded {
    model: Arc<DataModel>,
    bytes: usize,
    last_used: u64,
}

impl ModelKey {
    /// The key as text, kept beside a viewer's saved state.
    pub fn label(&self) -> String {
        format!("{}:{}:{}", self.app_id, self.data_version, self.access)
    }
}

/// A viewer's state as the database keeps it, for every server process to read: the model it
/// was made on, its version (one more at each change) and `ViewerState::encode`'s bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedViewer {
    pub model: String,
    pub version: i64,
    pub state: Vec<u8>,
}

struct Viewer {
    model: ModelKey,
    state: ViewerState,
    /// The version of the saved state this one is (0: never saved).
    version: i64,
    /// `state.heap_bytes()` after its last change: viewers count against the budget too.
    bytes: usize,
    last_used_ms: i64,
    last_used: u64,
}

#[derive(Default)]
struct Inner {
    models: HashMap<ModelKey, Loaded>,
    viewers: HashMap<(String, String), Viewer>,
    tick: u64,
    loads: u64,
    evictions: u64,
}

/// What the engines hold, for the admin and the benchmarks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EngineStats {
    pub models: usize,
    pub bytes: usize,
    pub viewers: usize,
    /// Bytes the viewers' selections and histories hold.
    pub viewer_bytes: usize,
    pub loads: u64,
    pub evictions: u64,
}

pub struct Engines {
    budget_bytes: usize,
    inner: Mutex<Inner>,
    /// One gate per model being loaded: the requests that miss the same model at once (every
    /// visitor's next click after a reload) wait for one load instead of each making their own.
    loading: Mutex<HashMap<ModelKey, Arc<tokio::sync::Mutex<()>>>>,
    /// Charts computed on these models, for every viewer who asks the same.
    pub results: Results,
}

impl Engines {
    pub fn new(budget_bytes: usize) -> Self {
        Engines {
            budget_bytes,
            inner: Mutex::new(Inner::default()),
            loading: Mutex::new(HashMap::new()),
            // A sixteenth of the models' budget, between 1 and 64 MB.
            results: Results::new((budget_bytes / 16).clamp(1 << 20, 64 << 20)),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic elsewhere cannot leave the maps half-changed: every change is one insert or remove.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn cached(&self, key: &ModelKey) -> Option<Arc<DataModel>> {
        let mut inner = self.lock();
        inner.tick += 1;
        let tick = inner.tick;
        inner.models.get_mut(key).map(|loaded| {
            loaded.last_used = tick;
            loaded.model.clone()
        })
    }

    /// The gate of a model's load: hold it while loading (and look in the cache again once
    /// held: another request may have loaded it meanwhile); `insert` opens it for good.
    pub fn load_gate(&self, key: &ModelKey) -> Arc<tokio::sync::Mutex<()>> {
        self.loading
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(key.clone())
            .or_default()
            .clone()
    }

    /// Keeps a freshly loaded model, dropping the least recently used others while the total
    /// is over the budget. A model bigger than the budget on its own is still served (and
    /// dropped first next time).
    pub fn insert(&self, key: ModelKey, model: Arc<DataModel>) -> Arc<DataModel> {
        self.loading
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&key);
        let mut inner = self.lock();
        if let Some(existing) = inner.models.get(&key) {
            // Another request loaded it meanwhile: share that one.
            return existing.model.clone();
        }
        let bytes = model.heap_bytes();
        inner.tick += 1;
        inner.loads += 1;
        // Loading a model makes room among the models only: viewers keep their selections across
        // evictions, and are dropped only when viewers themselves pass the budget.
        Self::make_room(&mut inner, self.budget_bytes, bytes, None, false);
        let tick = inner.tick;
        inner.models.insert(
            key,
            Loaded {
                model: model.clone(),
                bytes,
                last_used: tick,
            },
        );
        model
    }

    /// Drops the least recently used models, then (with `viewers`) the least recently used
    /// viewers (never `keep`), until `extra` more bytes fit the budget beside what is held.
    fn make_room(
        inner: &mut Inner,
        budget: usize,
        extra: usize,
        keep: Option<&(String, String)>,
        viewers: bool,
    ) {
        let mut total: usize = inner.models.values().map(|l| l.bytes).sum::<usize>()
            + inner.viewers.values().map(|v| v.bytes).sum::<usize>()
            + extra;
        while total > budget {
            let Some(oldest) = inner
                .models
                .iter()
                .min_by_key(|(_, l)| l.last_used)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            if let Some(gone) = inner.models.remove(&oldest) {
                total -= gone.bytes;
                inner.evictions += 1;
            }
        }
        while viewers && total > budget {
            let Some(oldest) = inner
                .viewers
                .iter()
                .filter(|(k, _)| Some(*k) != keep)
                .min_by_key(|(_, v)| v.last_used)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            if let Some(gone) = inner.viewers.remove(&oldest) {
                total -= gone.bytes;
            }
        }
    }

    /// Drops one model (a reload's, put in memory before its transaction, which did not commit).
    pub fn forget(&self, key: &ModelKey) {
        self.lock().models.remove(key);
    }

    /// Drops every loaded model of an app (its data was replaced, or it was deleted).
    pub fn forget_app(&self, app_id: &str) {
        let mut inner = self.lock();
        inner.models.retain(|k, _| k.app_id != app_id);
        inner.viewers.retain(|(_, app), _| app != app_id);
        drop(inner);
        self.results.forget_app(app_id);
    }

    /// Runs `change` on a viewer's state of an app, starting afresh when the viewer is new or
    /// the model they looked at is not this one (new data, or another reduction).
    /// The viewer's state counts against the memory budget: past it, models and then other
    /// viewers idle the longest are dropped.
    pub fn with_viewer<R>(
        &self,
        viewer: &str,
        model: &ModelKey,
        data: &DataModel,
        now_ms: i64,
        change: impl FnOnce(&mut ViewerState) -> R,
    ) -> R {
        self.with_saved_viewer(viewer, model, data, None, now_ms, change)
            .0
    }

    /// As `with_viewer`, for a viewer whose state is also saved where other processes read it:
    /// `saved` (when it is of this model, fits it, and is another version than the one held
    /// here) replaces the state first, because another process changed it since. Returns, beside
    /// `change`'s result, the state to save when `change` changed it; once saved, `saved_as`
    /// records the version the database gave it.
    ///
    /// A viewer of the app's previous data (it was reloaded) moves to `data` (the model `model`
    /// names) with the selections whose values are still there, when the previous model is still
    /// held here; the previous model goes once no viewer looks at it.
    pub fn with_saved_viewer<R>(
        &self,
        viewer: &str,
        model: &ModelKey,
        data: &DataModel,
        saved: Option<&SavedViewer>,
        now_ms: i64,
        change: impl FnOnce(&mut ViewerState) -> R,
    ) -> (R, Option<SavedViewer>) {
        let mut inner = self.lock();
        inner.tick += 1;
        let tick = inner.tick;
        let key = (viewer.to_string(), model.app_id.clone());
        let Inner {
            models, viewers, ..
        } = &mut *inner;
        let entry = viewers.entry(key.clone()).or_insert_with(|| Viewer {
            model: model.clone(),
            state: ViewerState::new(),
            version: 0,
            bytes: 0,
            last_used_ms: now_ms,
            last_used: tick,
        });
        let mut moved = false;
        if entry.model != *model {
            let newer = entry.model.app_id == model.app_id
                && entry.model.access == model.access
                && entry.model.data_version < model.data_version;
            entry.state = match models.get(&entry.model) {
                Some(old) if newer => {
                    moved = true;
                    entry.state.carried(&old.model, data)
                }
                _ => ViewerState::new(),
            };
            entry.model = model.clone();
            entry.version = 0;
        }
        let label = model.label();
        if let Some(saved) = saved {
            if saved.model == label && saved.version != entry.version {
                if let Some(state) = ViewerState::decode(&saved.state).filter(|s| s.fits(data)) {
                    entry.state = state;
                    entry.version = saved.version;
                }
            }
        }
        entry.last_used_ms = now_ms;
        entry.last_used = tick;
        let before = entry.state.encode();
        let result = change(&mut entry.state);
        let after = entry.state.encode();
        let save = (moved || after != before).then_some(SavedViewer {
            model: label,
            version: entry.version,
            state: after,
        });
        entry.bytes = entry.state.heap_bytes();
        if moved {
            Self::drop_unwatched(&mut inner, &model.app_id, model.data_version);
        }
        Self::make_room(&mut inner, self.budget_bytes, 0, Some(&key), true);
        (result, save)
    }

    /// New data for an app (a reload): its models of older loads go, except those a viewer still
    /// looks at; each viewer moves on at their next request (`with_saved_viewer`).
    pub fn new_data(&self, app_id: &str, version: i64) {
        Self::drop_unwatched(&mut self.lock(), app_id, version);
    }

    /// Drops the app's models of loads before `version` that no viewer looks at.
    fn drop_unwatched(inner: &mut Inner, app_id: &str, version: i64) {
        let Inner {
            models, viewers, ..
        } = inner;
        models.retain(|k, _| {
            k.app_id != app_id
                || k.data_version >= version
                || viewers.values().any(|v| v.model == *k)
        });
    }

    /// The viewer's state of `app_id` was saved as `version` (the database counts versions, so
    /// that two processes saving at once never end up holding different states of one version).
    pub fn saved_as(&self, viewer: &str, app_id: &str, version: i64) {
        if let Some(entry) = self
            .lock()
            .viewers
            .get_mut(&(viewer.to_string(), app_id.to_string()))
        {
            entry.version = version;
        }
    }

    /// Forgets one viewer's selections of every app (their session ended).
    pub fn forget_viewer(&self, viewer: &str) {
        self.lock().viewers.retain(|(v, _), _| v != viewer);
    }

    /// Forgets the selections of viewers idle since before `cutoff_ms`.
    pub fn forget_idle_viewers(&self, cutoff_ms: i64) -> usize {
        let mut inner = self.lock();
        let before = inner.viewers.len();
        inner.viewers.retain(|_, v| v.last_used_ms >= cutoff_ms);
        // Models of an app's older loads that the viewers who went were the last to look at.
        let mut newest: HashMap<String, i64> = HashMap::new();
        for key in inner.models.keys() {
            let at = newest.entry(key.app_id.clone()).or_default();
            *at = (*at).max(key.data_version);
        }
        for (app_id, version) in newest {
            Self::drop_unwatched(&mut inner, &app_id, version);
        }
        before - inner.viewers.len()
    }

    pub fn stats(&self) -> EngineStats {
        let inner = self.lock();
        EngineStats {
            models: inner.models.len(),
            bytes: inner.models.values().map(|l| l.bytes).sum(),
            viewers: inner.viewers.len(),
            viewer_bytes: inner.viewers.values().map(|v| v.bytes).sum(),
            loads: inner.loads,
            evictions: inner.evictions,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(rows: usize) -> Arc<DataModel> {
        let mut csv = String::from("Id,Region\n");
        for i in 0..rows {
            csv.push_str(&format!("{i},R{}\n", i % 3));
        }
        Arc::new(DataModel::from_csv(&[("t", csv.as_bytes())]).unwrap())
    }

    fn key(app: &str) -> ModelKey {
        ModelKey {
            app_id: app.into(),
            data_version: 1,
            access: String::new(),
        }
    }

    #[test]
    fn the_least_recently_used_model_goes_when_the_budget_is_reached() {
        let one = model(1000);
        let engines = Engines::new(one.heap_bytes() * 2 + 10);
        engines.insert(key("a"), one.clone());
        engines.insert(key("b"), model(1000));
        assert!(
            engines.cached(&key("a")).is_some(),
            "a is now the most recently used"
        );
        engines.insert(key("c"), model(1000));
        assert!(
            engines.cached(&key("b")).is_none(),
            "b was used least recently"
        );
        assert!(engines.cached(&key("a")).is_some() && engines.cached(&key("c")).is_some());
        let stats = engines.stats();
        assert_eq!((stats.models, stats.loads, stats.evictions), (2, 3, 1));
    }

    #[test]
    fn a_viewers_selections_stay_across_eviction_and_restart_with_new_data() {
        let engines = Engines::new(1);
        let data = model(10);
        engines.with_viewer("v", &key("a"), &data, 0, |s| s.select(0, vec![1]));
        engines.insert(key("a"), model(10));
        engines.insert(key("b"), model(10));
        assert_eq!(
            engines.with_viewer("v", &key("a"), &data, 1, |s| s.selections().fields.len()),
            1,
            "the model went; the selections did not"
        );
        let reloaded = ModelKey {
            data_version: 2,
            ..key("a")
        };
        assert_eq!(
            engines.with_viewer("v", &reloaded, &data, 2, |s| s.selections().fields.len()),
            0,
            "new data, the old model gone: nothing to read the old codes by, a fresh state"
        );
        assert_eq!(engines.forget_idle_viewers(3), 1);
    }

    #[test]
    fn viewers_count_against_the_budget() {
        let engines = Engines::new(2_000_000);
        let data = engines.insert(key("a"), model(1000));
        for v in 0..40 {
            engines.with_viewer(&format!("v{v}"), &key("a"), &data, v, |s| {
                s.select(0, (0..20_000).collect())
            });
        }
        let stats = engines.stats();
        assert!(stats.bytes + stats.viewer_bytes <= 2_000_000, "{stats:?}");
        assert!(stats.viewers < 40, "the viewers idle the longest went");
        assert_eq!(
            engines.with_viewer("v39", &key("a"), &data, 50, |s| s.selections().fields.len()),
            1,
            "the latest viewer kept their selection"
        );
    }

    fn csv_model(csv: &str) -> Arc<DataModel> {
        Arc::new(DataModel::from_csv(&[("t", csv.as_bytes())]).unwrap())
    }

    #[test]
    fn after_a_reload_viewers_keep_the_selections_still_there_and_the_old_model_goes_with_the_last()
    {
        let engines = Engines::new(usize::MAX);
        let old = engines.insert(key("a"), csv_model("Month\nNov\nDec\n"));
        let dec = old.code_of(0, "Dec").unwrap();
        for viewer in ["v", "w"] {
            engines.with_viewer(viewer, &key("a"), &old, 0, |s| s.select(0, vec![dec]));
        }
        let reloaded = ModelKey {
            data_version: 2,
            ..key("a")
        };
        let new = engines.insert(reloaded.clone(), csv_model("Month\nJan\nNov\nDec\n"));
        engines.new_data("a", 2);
        assert!(
            engines.cached(&key("a")).is_some(),
            "two viewers still look at it"
        );
        let (selected, saved) =
            engines.with_saved_viewer("v", &reloaded, &new, None, 1, |s| s.selections().clone());
        let selected: Vec<Option<String>> = selected.fields[&0]
            .iter()
            .map(|&c| new.fields[0].values.text(c as usize))
            .collect();
        assert_eq!(selected, vec![Some("Dec".to_string())], "Dec, by value");
        assert!(
            saved.is_some_and(|s| s.model == reloaded.label()),
            "saved for the new data"
        );
        assert!(engines.cached(&key("a")).is_some(), "w still looks at it");
        engines.with_viewer("w", &reloaded, &new, 2, |_| ());
        assert!(
            engines.cached(&key("a")).is_none(),
            "the last viewer moved on"
        );
        assert_eq!(engines.stats().models, 1);
    }
}
