//! Both cores (or as many as are allowed) for large questions: a question over at least `LARGE`
//! rows is split into parts of consecutive rows, one a thread, and the parts' results merged.
//! Smaller ones stay on the calling thread, where starting threads would cost more than it saves.
//! Loading a large file splits its fields instead (`load::encode`): dictionaries are not merged.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Rows from which a question is split: a share of 128 K rows takes a millisecond or so, far
/// more than starting a thread.
pub const LARGE: usize = 1 << 18;

/// 0: not set, the machine's cores.
static THREADS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// A lower limit for the work of this thread alone (`with_threads`); 0: none.
    static LIMIT: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Threads a large question may use (1: the calling thread alone).
pub fn threads() -> usize {
    let all = match THREADS.load(Ordering::Relaxed) {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    match LIMIT.with(std::cell::Cell::get) {
        0 => all,
        limit => limit.min(all),
    }
}

/// Runs `work` with at most `threads` threads for what it starts from this thread: background
/// work (a reload's load) that must leave cores to the questions people are waiting for.
pub fn with_threads<T>(threads: usize, work: impl FnOnce() -> T) -> T {
    let before = LIMIT.with(|l| l.replace(threads.max(1)));
    let out = work();
    LIMIT.with(|l| l.set(before));
    out
}

/// Sets the threads a large question may use; benchmarks measure one and two. 0: the machine's
/// cores again.
pub fn set_threads(threads: usize) {
    THREADS.store(threads, Ordering::Relaxed);
}

/// How many parts `rows` rows make: one unless they are many.
pub fn parts_for(rows: usize) -> usize {
    if rows < LARGE {
        1
    } else {
        threads().min(rows / (LARGE / 2)).max(1)
    }
}

/// `work(part, parts)` for each part, on threads of their own but the first; results in part
/// order.
pub fn run<T: Send>(parts: usize, work: impl Fn(usize, usize) -> T + Sync) -> Vec<T> {
    let parts = parts.max(1);
    run_each((0..parts).collect(), |part| work(part, parts))
}

/// `work` of each input (a part's own share of something), on threads of their own but the
/// first; results in input order.
pub fn run_each<I: Send, T: Send>(inputs: Vec<I>, work: impl Fn(I) -> T + Sync) -> Vec<T> {
    let mut inputs = inputs.into_iter();
    let Some(first) = inputs.next() else {
        return Vec::new();
    };
    if inputs.len() == 0 {
        return vec![work(first)];
    }
    std::thread::scope(|scope| {
        let others: Vec<_> = inputs
            .map(|input| {
                let work = &work;
                scope.spawn(move || work(input))
            })
            .collect();
        let mut results = vec![work(first)];
        results.extend(
            others
                .into_iter()
                .map(|handle| handle.join().expect("a part of the question failed")),
        );
        results
    })
}

/// `f` of each of `rows`, in order; many rows: a share a thread.
pub fn map_rows<T: Send>(rows: &[u32], f: impl Fn(&u32) -> T + Sync) -> Vec<T> {
    joined(run(parts_for(rows.len()), |part, parts| {
        rows[range(rows.len(), part, parts, 1)]
            .iter()
            .map(&f)
            .collect::<Vec<T>>()
    }))
}

/// The parts' pieces one after the other, in part order.
pub fn joined<T>(pieces: Vec<Vec<T>>) -> Vec<T> {
    let mut pieces = pieces.into_iter();
    let mut out = pieces.next().unwrap_or_default();
    for piece in pieces {
        out.extend(piece);
    }
    out
}

/// The `part`-th of `parts` near-equal consecutive ranges of `0..len`, in units of `step`.
pub fn range(len: usize, part: usize, parts: usize, step: usize) -> std::ops::Range<usize> {
    let steps = len.div_ceil(step);
    let at = |p: usize| (steps * p / parts * step).min(len);
    at(part)..at(part + 1)
}

#[cfg(test)]
mod tests {
    use crate::{
        compute, evaluate, Aggregation, CubeRequest, DataModel, Measure, Selections, Sort,
    };

    /// The tests that set the threads, one at a time: the setting is the process's.
    fn lock() -> std::sync::MutexGuard<'static, ()> {
        static SETTING: std::sync::Mutex<()> = std::sync::Mutex::new(());
        SETTING
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    #[test]
    fn background_work_takes_at_most_the_threads_it_is_given_on_its_own_thread() {
        let _one_at_a_time = lock();
        super::set_threads(2);
        assert_eq!(super::parts_for(1 << 22), 2);
        let inside = super::with_threads(1, || super::parts_for(1 << 22));
        assert_eq!(inside, 1, "the limit holds inside");
        assert_eq!(super::parts_for(1 << 22), 2, "and ends with the work");
        let elsewhere = super::with_threads(1, || {
            std::thread::spawn(|| super::parts_for(1 << 22))
                .join()
                .unwrap()
        });
        assert_eq!(elsewhere, 2, "another thread's questions keep both");
        super::set_threads(0);
    }

    #[test]
    fn a_large_question_has_the_same_answer_on_one_thread_and_on_two() {
        let _one_at_a_time = lock();
        // 1.5 million rows, half a million surviving: past `LARGE`, so both the selection's
        // scan and the cube split: by rows for 101 products, by groups for 100,000 customers.
        let mut csv = String::from("Region,Product,Customer,Amount\n");
        for row in 0..1_500_000u64 {
            let region = ["North", "South", "East"][(row * 7 % 3) as usize];
            let (product, customer) = (row * 13 % 101, row * 31 % 100_000);
            csv.push_str(&format!("{region},P{product},C{customer},{}\n", row % 997));
        }
        let model = DataModel::from_csv(&[("sales", csv.as_bytes())]).unwrap();
        let f = |name: &str| model.field(name).unwrap();
        let mut selections = Selections::default();
        selections.select(
            f("Region"),
            vec![model.code_of(f("Region"), "North").unwrap()],
        );
        let request = |dimension: &str| CubeRequest {
            dimensions: vec![f(dimension)],
            measures: [Aggregation::Sum, Aggregation::Count, Aggregation::Avg]
                .into_iter()
                .map(|aggregation| Measure {
                    field: f("Amount"),
                    aggregation,
                })
                .collect(),
            sort: Sort::Dimension { descending: false },
            top: None,
            hide_missing: false,
        };
        let answer = |threads: usize| {
            super::set_threads(threads);
            let evaluation = evaluate(&model, &selections);
            let rows = evaluation.alive[0].clone();
            let cubes = ["Product", "Customer"].map(|d| compute(&model, &evaluation, &request(d)));
            (rows, cubes)
        };
        let (one_rows, one) = answer(1);
        let (two_rows, two) = answer(2);
        super::set_threads(0);
        assert_eq!(one_rows.as_ref().map(Vec::len), Some(500_000));
        assert_eq!(one_rows, two_rows, "the same rows survive");
        assert_eq!(
            one, two,
            "the same cube (whole numbers: sums exact in any order)"
        );
        assert_eq!(one[0].rows.len(), 101);
        assert_eq!(one[1].rows.len(), 100_000);
    }

    #[test]
    fn a_large_file_loads_the_same_on_one_thread_and_on_two() {
        // Over 16 MB: past `LARGE` rows at the 64 bytes a row the loader guesses, so its columns
        // are encoded on two threads; the second file's fields are the first's.
        let _one_at_a_time = lock();
        let mut csv = String::from("Id,Region,Customer,Amount,Note\n");
        for row in 0..300_000u64 {
            let region = ["North", "South", "East"][(row % 3) as usize];
            let note = format!(
                "a note long enough to pass sixteen megabytes {}",
                row % 1000
            );
            let amount = format!("{}.{:02}", row % 997, row % 100);
            csv.push_str(&format!(
                "{row},{region},C{},{amount},{note}\n",
                row % 70_001
            ));
        }
        assert!(csv.len() > super::LARGE * 64, "{} bytes", csv.len());
        let load = |threads: usize, csv: &str| {
            super::set_threads(threads);
            let loaded = DataModel::from_csv(&[
                ("sales", csv.as_bytes()),
                ("more", b"Customer,Region\nC1,West\n"),
            ]);
            super::set_threads(0);
            loaded
        };
        let (one, two) = (load(1, &csv).unwrap(), load(2, &csv).unwrap());
        let fields = |m: &DataModel| -> Vec<_> {
            m.fields
                .iter()
                .map(|f| (f.name.clone(), f.field_type, f.values.to_vec()))
                .collect()
        };
        let codes = |m: &DataModel| -> Vec<_> {
            m.tables
                .iter()
                .flat_map(|t| {
                    t.columns
                        .iter()
                        .map(move |c| (t.rows, c.field, c.codes.to_vec()))
                })
                .collect()
        };
        assert_eq!(
            fields(&one),
            fields(&two),
            "the same fields, types and values"
        );
        assert_eq!(codes(&one), codes(&two), "the same codes in every column");
        assert_eq!(
            one.fields.len(),
            6,
            "five, and the synthetic key of Customer and Region, which both files hold"
        );

        // A bad row is reported alike, wherever it is read.
        csv.push_str("300000,North,C1\n");
        let (one, two) = (load(1, &csv).unwrap_err(), load(2, &csv).unwrap_err());
        assert_eq!(one, two);
        assert!(one.to_string().contains("300002"), "{one}");
    }
}
