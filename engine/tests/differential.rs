//! The differential test: random models (two to six tables as stars, snowflakes and chains, some
//! tables on their own; keys unmatched on either side, missing, duplicated on the lookup side,
//! some crossing 255 and 65,535 distinct values; now and then two tables sharing two fields (a
//! synthetic key); `NA` among the cells; the files in any order),
//! random reductions (as section access and links make them), random selections and random
//! charts, each answered by the engine and by DuckDB (`tests/oracle/oracle.py`, written from
//! `docs/ASSOCIATIVE-MODEL.md`). Every value state of every field, every chart row and every
//! total must agree.
//!
//! `SIGHTLINE_ORACLE_CASES` (default 2000) and `SIGHTLINE_ORACLE_SEED` run it longer or
//! elsewhere; a failing case is shrunk to fewer rows and printed whole, with its seed.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::Instant;

use engine::seeded::SeededRng;
use engine::{compute, evaluate, reduce, states, CubeRequest, DataModel, Measure};
use engine::{Reduction, Selections, Sort, State};
use serde_json::Value;

#[path = "oracle/case.rs"]
mod case;
use case::{generate, Case};

#[path = "oracle/real_data.rs"]
mod real_data;

/// The oracle, one process for the whole run.
pub struct Oracle {
    /// Time spent waiting for answers.
    seconds: f64,
    _child: Child,
    input: ChildStdin,
    output: BufReader<ChildStdout>,
}

impl Oracle {
    pub fn start() -> Oracle {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/oracle/oracle.py");
        let mut child = Command::new("python3")
            .arg(script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs the oracle (scripts/setup.sh test installs DuckDB for it)");
        Oracle {
            seconds: 0.0,
            input: child.stdin.take().expect("piped"),
            output: BufReader::new(child.stdout.take().expect("piped")),
            _child: child,
        }
    }

    fn ask(&mut self, case: &Value) -> Value {
        let asked = Instant::now();
        // One write: the pipe is unbuffered, and a real data set's case is megabytes.
        let mut line = case.to_string();
        line.push('\n');
        if let Ok(path) = std::env::var("SIGHTLINE_ORACLE_DUMP") {
            // The cases as the oracle reads them, to time or debug it on its own.
            let mut file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .expect("the dump file opens");
            file.write_all(line.as_bytes())
                .expect("the dump is written");
        }
        self.input
            .write_all(line.as_bytes())
            .expect("the oracle reads");
        let mut line = String::new();
        self.output
            .read_line(&mut line)
            .expect("the oracle answers");
        self.seconds += asked.elapsed().as_secs_f64();
        assert!(
            !line.is_empty(),
            "the oracle stopped: is DuckDB installed (python3 -m pip install duckdb)?"
        );
        let answer: Value = serde_json::from_str(&line).expect("the oracle answers JSON");
        if let Some(error) = answer.get("error") {
            panic!("the oracle failed on a case: {error}\n{case}");
        }
        answer
    }
}

type Labels = Vec<Option<String>>;

/// The engine's answer, in the oracle's terms.
pub struct Answer {
    states: BTreeMap<String, BTreeMap<String, char>>,
    charts: Vec<(BTreeMap<Labels, Vec<Option<f64>>>, Vec<Option<f64>>)>,
    selections: Vec<(String, Vec<String>)>,
}

fn engine_answer(case: &Case) -> Answer {
    let csvs: Vec<(String, String)> = case
        .order
        .iter()
        .map(|&t| (case.tables[t].name.clone(), case.csv(t)))
        .collect();
    let files: Vec<(&str, &[u8])> = csvs
        .iter()
        .map(|(n, c)| (n.as_str(), c.as_bytes()))
        .collect();
    answer_on(
        DataModel::from_csv(&files).expect("a generated case loads"),
        case,
    )
}

/// The engine's answer to `case`'s reduction, selections and charts on `model` (loaded from
/// the case's files, or from real files under a load plan).
pub fn answer_on(mut model: DataModel, case: &Case) -> Answer {
    if let Some((field, allowed)) = &case.reduction {
        model = reduce(
            &model,
            &[Reduction {
                field: field.clone(),
                allowed: allowed.clone(),
            }],
        )
        .expect("the field is there");
    }
    // Selected values the reduced data lacks are dropped, as for a viewer; a field left with
    // none is not selected (for the oracle too).
    let mut selections = Selections::default();
    let mut kept = Vec::new();
    for (field, values) in &case.selections {
        let f = model.field(field).expect("generated field");
        let present: Vec<String> = values
            .iter()
            .filter(|v| model.code_of(f, v).is_some())
            .cloned()
            .collect();
        if !present.is_empty() {
            selections.select(
                f,
                present
                    .iter()
                    .map(|v| model.code_of(f, v).unwrap())
                    .collect(),
            );
            kept.push((field.clone(), present));
        }
    }
    let evaluation = evaluate(&model, &selections);
    let mut answer_states = BTreeMap::new();
    for (f, field_states) in states(&model, &selections).into_iter().enumerate() {
        let name = model.fields[f].name.clone();
        if case.measures.contains(&name) {
            continue;
        }
        let map = field_states
            .into_iter()
            .enumerate()
            .map(|(code, state)| {
                let text = model.fields[f].values.text(code).unwrap();
                let mark = match state {
                    State::Selected => 'S',
                    State::Possible => 'O',
                    State::Excluded => 'X',
                };
                (text, mark)
            })
            .collect();
        answer_states.insert(name, map);
    }
    let mut charts = Vec::new();
    for chart in &case.charts {
        let dimensions: Vec<usize> = chart
            .dimensions
            .iter()
            .map(|d| model.field(d).unwrap())
            .collect();
        let request = CubeRequest {
            dimensions: dimensions.clone(),
            measures: chart
                .measures
                .iter()
                .map(|(f, a)| Measure {
                    field: model.field(f).unwrap(),
                    aggregation: *a,
                })
                .collect(),
            sort: Sort::Dimension { descending: false },
            top: None,
            hide_missing: false,
        };
        let cube = compute(&model, &evaluation, &request);
        let rows = cube
            .rows
            .iter()
            .map(|row| {
                let labels = row
                    .keys
                    .iter()
                    .zip(&dimensions)
                    .map(|(&k, &d)| model.fields[d].values.text(k as usize))
                    .collect();
                (labels, row.values.clone())
            })
            .collect();
        charts.push((rows, cube.totals));
    }
    Answer {
        states: answer_states,
        charts,
        selections: kept,
    }
}

fn number(v: &Value) -> Option<f64> {
    v.as_f64()
}

fn same(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1.0),
        _ => false,
    }
}

/// The first difference between the engine and the oracle, in words; `None` when they agree.
fn compare(case: &Case, oracle: &mut Oracle) -> Option<String> {
    compare_answer(case, engine_answer(case), oracle)
}

/// The first difference between the engine's `ours` and the oracle's answer to `case`.
pub fn compare_answer(case: &Case, ours: Answer, oracle: &mut Oracle) -> Option<String> {
    let theirs = oracle.ask(&case.to_json(&ours.selections));
    let their_states = theirs["states"].as_object().expect("states");
    for (field, values) in their_states {
        let expected: BTreeMap<String, char> = values
            .as_object()
            .expect("values")
            .iter()
            .map(|(v, s)| (v.clone(), s.as_str().unwrap().chars().next().unwrap()))
            .collect();
        let got = ours.states.get(field).cloned().unwrap_or_default();
        if got != expected {
            return Some(format!(
                "states of {field}: engine {got:?}, DuckDB {expected:?}"
            ));
        }
    }
    for (c, (chart, (rows, totals))) in case.charts.iter().zip(&ours.charts).enumerate() {
        let answer = &theirs["charts"][c];
        let their_totals: Vec<Option<f64>> = answer["totals"]
            .as_array()
            .unwrap()
            .iter()
            .map(number)
            .collect();
        if totals.len() != their_totals.len()
            || !totals.iter().zip(&their_totals).all(|(a, b)| same(*a, *b))
        {
            return Some(format!(
                "chart {c} ({:?} by {:?}) totals: engine {totals:?}, DuckDB {their_totals:?}",
                chart.measures, chart.dimensions
            ));
        }
        if chart.dimensions.is_empty() {
            continue;
        }
        let their_rows: BTreeMap<Labels, Vec<Option<f64>>> = answer["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|row| {
                let labels = row["labels"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|l| l.as_str().map(String::from))
                    .collect();
                let values = row["values"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(number)
                    .collect();
                (labels, values)
            })
            .collect();
        let agree = rows.len() == their_rows.len()
            && rows.iter().all(|(k, v)| {
                their_rows.get(k).is_some_and(|w| {
                    v.len() == w.len() && v.iter().zip(w).all(|(a, b)| same(*a, *b))
                })
            });
        if !agree {
            return Some(format!(
                "chart {c} ({:?} by {:?}) rows:\n  engine {rows:?}\n  DuckDB {their_rows:?}",
                chart.measures, chart.dimensions
            ));
        }
    }
    None
}

/// Fewer rows, fewer charts, fewer selections, while the difference stays.
fn shrink(mut case: Case, oracle: &mut Oracle) -> (Case, String) {
    let mut why = compare(&case, oracle).expect("a failing case");
    let mut progress = true;
    while progress {
        progress = false;
        for c in (0..case.charts.len()).rev() {
            if case.charts.len() > 1 {
                let mut smaller = case.clone();
                smaller.charts.remove(c);
                if let Some(w) = compare(&smaller, oracle) {
                    (case, why, progress) = (smaller, w, true);
                }
            }
        }
        for s in (0..case.selections.len()).rev() {
            let mut smaller = case.clone();
            smaller.selections.remove(s);
            if let Some(w) = compare(&smaller, oracle) {
                (case, why, progress) = (smaller, w, true);
            }
        }
        for t in 0..case.tables.len() {
            let mut step = case.tables[t].rows.len().div_ceil(2).max(1);
            while step >= 1 {
                let mut at = 0;
                while at < case.tables[t].rows.len() {
                    let mut smaller = case.clone();
                    let end = (at + step).min(smaller.tables[t].rows.len());
                    // A file keeps a row at least: an empty one is refused.
                    if end - at >= smaller.tables[t].rows.len() {
                        at += step;
                        continue;
                    }
                    smaller.tables[t].rows.drain(at..end);
                    match compare(&smaller, oracle) {
                        Some(w) => (case, why, progress) = (smaller, w, true),
                        None => at += step,
                    }
                }
                if step == 1 {
                    break;
                }
                step /= 2;
            }
        }
    }
    (case, why)
}

/// What one worker of the differential test checked.
#[derive(Default)]
struct Tally {
    charts: usize,
    rows: usize,
    values: usize,
    /// Time spent waiting for the oracle's answers.
    oracle_seconds: f64,
}

#[test]
fn every_number_state_and_total_agrees_with_duckdb() {
    let cases: u64 = std::env::var("SIGHTLINE_ORACLE_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(2000);
    let seed: u64 = std::env::var("SIGHTLINE_ORACLE_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_261_206);
    // The cases shared among workers, each with an oracle of its own: the engine's half of a
    // case and DuckDB's run side by side on the machine's cores.
    let workers = std::env::var("SIGHTLINE_ORACLE_WORKERS")
        .ok()
        .and_then(|w| w.parse().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get().min(4)))
        .max(1) as u64;
    let started = Instant::now();
    let results: Vec<Result<Tally, (u64, String)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|worker| {
                scope.spawn(move || {
                    let mut oracle = Oracle::start();
                    let mut tally = Tally::default();
                    for n in (worker..cases).step_by(workers as usize) {
                        let mut rng =
                            SeededRng::new(seed.wrapping_add(n.wrapping_mul(0x9E37_79B9)));
                        let case = generate(&mut rng);
                        let ours = engine_answer(&case);
                        tally.charts += ours.charts.len();
                        tally.rows += ours.charts.iter().map(|(r, _)| r.len()).sum::<usize>();
                        tally.values += ours.states.values().map(BTreeMap::len).sum::<usize>();
                        if compare_answer(&case, ours, &mut oracle).is_some() {
                            let (small, why) = shrink(case, &mut oracle);
                            return Err((
                                n,
                                format!(
                                    "case {n} of seed {seed} (SIGHTLINE_ORACLE_SEED={seed} SIGHTLINE_ORACLE_CASES={}) differs: {why}\nshrunk to:\n{}",
                                    n + 1,
                                    small.describe()
                                ),
                            ));
                        }
                    }
                    tally.oracle_seconds = oracle.seconds;
                    Ok(tally)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a worker ran"))
            .collect()
    });
    // The first case that differs, whichever worker found it.
    if let Some((_, why)) = results
        .iter()
        .filter_map(|r| r.as_ref().err())
        .min_by_key(|(n, _)| *n)
    {
        panic!("{why}");
    }
    let tallies: Vec<&Tally> = results.iter().map(|r| r.as_ref().unwrap()).collect();
    let charts: usize = tallies.iter().map(|t| t.charts).sum();
    let rows: usize = tallies.iter().map(|t| t.rows).sum();
    let values: usize = tallies.iter().map(|t| t.values).sum();
    let oracle_seconds: f64 = tallies.iter().map(|t| t.oracle_seconds).sum();
    println!(
        "figure differential_cases {cases} (seed {seed}): {charts} charts, {rows} chart rows and {values} value states agree with DuckDB, in {:.1} s on {workers} workers (DuckDB's answers took {oracle_seconds:.1} s of their time)",
        started.elapsed().as_secs_f64(),
    );
}
