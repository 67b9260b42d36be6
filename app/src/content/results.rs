//! Charts computed once per model, selection state and chart, for every viewer who asks the
//! same: a shared dashboard opened by a hundred people is computed once, not a hundred times,
//! on the portal as for visitors. Server-only.
//!
//! The key is everything a chart's numbers depend on (`compute::chart_data`): the model (an
//! app's data at one load, as one section-access reduction sees it), the selections by code, and
//! the chart's definition. Two viewers whose section access differs have different models, so
//! they never share a result. New data is a new model key; the old results age out.
//! Past the byte budget, the least recently used results go, down to three quarters of it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use engine::Selections;

use super::model::ChartData;

/// What a chart's numbers depend on.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ResultKey {
    /// `engines::ModelKey::label()`: `<app>:<data version>:<section-access reduction>`.
    pub model: String,
    pub selections: Selections,
    /// The chart's definition as JSON (`ChartSpec`'s fields, in their declared order).
    pub spec: String,
}

struct Kept {
    data: Arc<ChartData>,
    bytes: usize,
    last_used: u64,
}

#[derive(Default)]
struct Inner {
    kept: HashMap<ResultKey, Kept>,
    bytes: usize,
    tick: u64,
    hits: u64,
    misses: u64,
}

pub struct Results {
    budget_bytes: usize,
    inner: Mutex<Inner>,
}

/// What the results hold, for the admin and the benchmarks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ResultStats {
    pub results: usize,
    pub bytes: usize,
    pub hits: u64,
    pub misses: u64,
}

impl Results {
    pub fn new(budget_bytes: usize) -> Self {
        Results {
            budget_bytes,
            inner: Mutex::new(Inner::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // Every change is one insert or remove: a panic elsewhere leaves nothing half-changed.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn get(&self, key: &ResultKey) -> Option<Arc<ChartData>> {
        let mut inner = self.lock();
        inner.tick += 1;
        let tick = inner.tick;
        let found = inner.kept.get_mut(key).map(|kept| {
            kept.last_used = tick;
            kept.data.clone()
        });
        match found {
            Some(_) => inner.hits += 1,
            None => inner.misses += 1,
        }
        found
    }

    /// Keeps a result of `bytes` (as sent); past the budget, the least recently used go until
    /// three quarters of it are held. A result bigger than a quarter of the budget is not kept.
    pub fn insert(&self, key: ResultKey, data: Arc<ChartData>, bytes: usize) {
        let bytes = bytes + key.spec.len() + key.selections.heap_bytes() + 128;
        if bytes > self.budget_bytes / 4 {
            return;
        }
        let mut inner = self.lock();
        inner.tick += 1;
        let last_used = inner.tick;
        if let Some(old) = inner.kept.insert(
            key,
            Kept {
                data,
                bytes,
                last_used,
            },
        ) {
            inner.bytes -= old.bytes;
        }
        inner.bytes += bytes;
        if inner.bytes > self.budget_bytes {
            // Once past the budget, down to three quarters of it in one pass (sorting once),
            // rather than one scan of every result for each insert from then on.
            let mut by_use: Vec<(u64, ResultKey)> = inner
                .kept
                .iter()
                .map(|(key, kept)| (kept.last_used, key.clone()))
                .collect();
            by_use.sort_unstable_by_key(|(used, _)| *used);
            for (_, key) in by_use {
                if inner.bytes <= self.budget_bytes / 4 * 3 {
                    break;
                }
                if let Some(gone) = inner.kept.remove(&key) {
                    inner.bytes -= gone.bytes;
                }
            }
        }
    }

    /// Drops an app's results (its data was replaced, or it was deleted).
    pub fn forget_app(&self, app_id: &str) {
        let mut inner = self.lock();
        let mut freed = 0;
        inner.kept.retain(|key, kept| {
            let keep = key.model.split(':').next() != Some(app_id);
            if !keep {
                freed += kept.bytes;
            }
            keep
        });
        inner.bytes -= freed;
    }

    pub fn stats(&self) -> ResultStats {
        let inner = self.lock();
        ResultStats {
            results: inner.kept.len(),
            bytes: inner.bytes,
            hits: inner.hits,
            misses: inner.misses,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(app: &str, access: &str, selected: &[u32], spec: &str) -> ResultKey {
        let mut selections = Selections::default();
        if !selected.is_empty() {
            selections.select(0, selected.to_vec());
        }
        ResultKey {
            model: format!("{app}:1:{access}"),
            selections,
            spec: spec.into(),
        }
    }

    fn data(text: &str) -> Arc<ChartData> {
        Arc::new(ChartData::Problem(text.into()))
    }

    #[test]
    fn a_result_is_shared_only_by_the_same_model_selections_and_chart() {
        let results = Results::new(1 << 20);
        results.insert(key("a", "", &[1], "bar"), data("a, all, 1, bar"), 100);
        assert_eq!(
            results.get(&key("a", "", &[1], "bar")).as_deref(),
            Some(&ChartData::Problem("a, all, 1, bar".into()))
        );
        for other in [
            key("b", "", &[1], "bar"),
            key("a", "region=North", &[1], "bar"),
            key("a", "", &[2], "bar"),
            key("a", "", &[], "bar"),
            key("a", "", &[1], "pie"),
        ] {
            assert!(results.get(&other).is_none(), "{other:?}");
        }
        let stats = results.stats();
        assert_eq!((stats.hits, stats.misses), (1, 5));
    }

    #[test]
    fn past_the_budget_the_least_recently_used_go() {
        let results = Results::new(4_000);
        results.insert(key("a", "", &[1], "x"), data("1"), 700);
        results.insert(key("a", "", &[2], "x"), data("2"), 700);
        results.insert(key("a", "", &[3], "x"), data("3"), 700);
        assert!(results.get(&key("a", "", &[1], "x")).is_some());
        results.insert(key("a", "", &[4], "x"), data("4"), 700);
        results.insert(key("a", "", &[5], "x"), data("5"), 700);
        assert!(results.get(&key("a", "", &[1], "x")).is_some(), "used last");
        assert!(
            results.get(&key("a", "", &[2], "x")).is_none(),
            "used least"
        );
        assert!(results.stats().bytes <= 4_000);
        results.insert(key("a", "", &[6], "x"), data("too big"), 1_500);
        assert!(
            results.get(&key("a", "", &[6], "x")).is_none(),
            "over a quarter"
        );
        results.forget_app("a");
        assert_eq!(results.stats().results, 0);
        assert_eq!(results.stats().bytes, 0);
    }
}
