//! The engine on the benchmark's sales CSV (bench/generate.py; bench/run.sh sets it beside
//! DuckDB): load speed and memory per row, one selection and a sheet of 4 charts and 3 filter
//! panes recomputed, and group-by throughput with 100 and with 1 million groups. One core, or
//! `SIGHTLINE_THREADS` for large questions (`engine::parallel`; loading stays on one).
//! Prints `figure <name> <value>` lines, then a readable summary.

use std::hint::black_box;
use std::time::Instant;

use engine::{compute, evaluate, Aggregation, CubeRequest, DataModel, Measure, Selections, Sort};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Reopening the app: its snapshot written next to the CSV, dropped from the page cache
/// (`posix_fadvise`, through Python: no root needed), then read back from disk.
fn snapshot_figures(model: &DataModel, csv: &str, load: f64) {
    let path = format!("{csv}.snap");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path).expect("the snapshot file"));
    engine::snapshot::write(model, &mut out).expect("write the snapshot");
    let file = out.into_inner().expect("flush");
    file.sync_all().expect("sync");
    let evicted = std::process::Command::new("python3")
        .args([
            "-c",
            "import os,sys; fd=os.open(sys.argv[1], os.O_RDONLY); os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)",
            &path,
        ])
        .status()
        .is_ok_and(|s| s.success());
    let start = Instant::now();
    let mut input = std::io::BufReader::with_capacity(
        1 << 20,
        std::fs::File::open(&path).expect("the snapshot"),
    );
    let back = engine::snapshot::read(&mut input).expect("read the snapshot");
    let open = start.elapsed().as_secs_f64();
    assert_eq!(back.rows(), model.rows());
    println!("figure engine_snapshot_open_s {open:.2}");
    println!(
        "  (snapshot of {} MB opened in {open:.2} s{}, against {load:.1} s to load the CSV)",
        std::fs::metadata(&path).map_or(0, |m| m.len()) >> 20,
        if evicted {
            ", cold: dropped from the page cache first"
        } else {
            ", warm: the page cache could not be dropped"
        },
    );
    let _ = std::fs::remove_file(&path);
}

/// The snowflake sheet: a selection in a lookup table, four charts by lookup tables' fields (one
/// two hops away), measures of the fact table and of a lookup table.
fn snowflake(folder: &str) {
    let read =
        |name: &str| std::fs::read(format!("{folder}/{name}.csv")).expect("the snowflake files");
    let files: Vec<(&str, Vec<u8>)> = ["sales", "products", "categories", "stores"]
        .into_iter()
        .map(|n| (n, read(n)))
        .collect();
    let named: Vec<(&str, &[u8])> = files.iter().map(|(n, b)| (*n, b.as_slice())).collect();
    let model = DataModel::from_csv(&named).expect("load");
    let f = |name: &str| model.field(name).unwrap();
    let measure = |field: &str, aggregation| Measure {
        field: f(field),
        aggregation,
    };
    let by = |dimension: &str, measure: Measure| CubeRequest {
        dimensions: vec![f(dimension)],
        measures: vec![measure],
        sort: Sort::Dimension { descending: false },
        top: None,
        hide_missing: false,
    };
    let charts = [
        by("Category", measure("Amount", Aggregation::Sum)),
        by("Store", measure("Quantity", Aggregation::Sum)),
        by("Region", measure("Amount", Aggregation::Sum)),
        by("Category", measure("Weight", Aggregation::Avg)),
    ];
    let mut selections = Selections::default();
    selections.select(
        f("Region"),
        vec![model.code_of(f("Region"), "North").unwrap()],
    );
    let mut times = Vec::new();
    let mut parts = vec![Vec::new(); charts.len() + 1];
    for _ in 0..5 {
        let start = Instant::now();
        let evaluation = evaluate(&model, &selections);
        parts[0].push(start.elapsed().as_secs_f64() * 1000.0);
        for (i, chart) in charts.iter().enumerate() {
            let at = Instant::now();
            black_box(compute(&model, &evaluation, chart));
            parts[i + 1].push(at.elapsed().as_secs_f64() * 1000.0);
        }
        times.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    println!("figure engine_snowflake_ms {:.1}", median(times.clone()));
    let runs: Vec<String> = times.iter().map(|t| format!("{t:.0}")).collect();
    println!("  (runs: {} ms)", runs.join(", "));
    let parts: Vec<String> = parts
        .into_iter()
        .map(|p| format!("{:.1}", median(p)))
        .collect();
    println!(
        "  (the selection's evaluation {} ms; the charts by category, store, region, and the lookup's average: {} ms)",
        parts[0],
        parts[1..].join(", ")
    );
}

fn main() {
    if let Ok(folder) = std::env::var("SIGHTLINE_BENCH_SNOWFLAKE") {
        let threads = std::env::var("SIGHTLINE_THREADS").map_or(1, |t| t.parse().unwrap_or(1));
        engine::parallel::set_threads(threads);
        snowflake(&folder);
        return;
    }
    let Ok(path) = std::env::var("SIGHTLINE_BENCH_CSV") else {
        println!("Set SIGHTLINE_BENCH_CSV to a CSV from bench/generate.py, or run bench/run.sh (make bench-engine).");
        return;
    };
    let threads = std::env::var("SIGHTLINE_THREADS").map_or(1, |t| t.parse().unwrap_or(1));
    engine::parallel::set_threads(threads);
    let bytes = std::fs::read(&path).expect("the benchmark CSV");
    let start = Instant::now();
    let model = DataModel::from_csv(&[("sales", &bytes)]).expect("load");
    let load = start.elapsed().as_secs_f64();
    drop(bytes);
    let rows = model.tables[0].rows;
    let f = |name: &str| model.field(name).unwrap();
    println!("figure engine_load_rows_per_s {:.0}", rows as f64 / load);
    println!(
        "figure engine_bytes_per_row {:.1}",
        model.heap_bytes() as f64 / rows as f64
    );

    let sum = |field: &str| Measure {
        field: f(field),
        aggregation: Aggregation::Sum,
    };
    let by = |dimensions: Vec<usize>, measures: Vec<Measure>| CubeRequest {
        dimensions,
        measures,
        sort: Sort::Dimension { descending: false },
        top: None,
        hide_missing: false,
    };
    let charts = [
        by(vec![], vec![sum("Amount")]),
        by(vec![f("Product")], vec![sum("Amount")]),
        by(vec![f("OrderDate")], vec![sum("Amount")]),
        by(
            vec![f("Channel")],
            vec![
                sum("Quantity"),
                Measure {
                    field: f("OrderId"),
                    aggregation: Aggregation::Count,
                },
            ],
        ),
    ];
    let mut selections = Selections::default();
    selections.select(
        f("Region"),
        vec![model.code_of(f("Region"), "North").unwrap()],
    );
    let mut sheet = Vec::new();
    let mut evaluations = Vec::new();
    let mut parts = vec![Vec::new(); charts.len() + 1];
    for _ in 0..5 {
        let start = Instant::now();
        // The selection, then every chart; the filter panes read the evaluation's possible values.
        let evaluation = evaluate(&model, &selections);
        evaluations.push(start.elapsed().as_secs_f64() * 1000.0);
        for (i, chart) in charts.iter().enumerate() {
            let at = Instant::now();
            black_box(compute(&model, &evaluation, chart));
            parts[i].push(at.elapsed().as_secs_f64() * 1000.0);
        }
        let at = Instant::now();
        let panes: usize = ["Region", "Product", "Channel"]
            .iter()
            .map(|p| {
                evaluation
                    .possible(&model, f(p))
                    .iter()
                    .filter(|x| **x)
                    .count()
            })
            .sum();
        black_box(panes);
        parts[charts.len()].push(at.elapsed().as_secs_f64() * 1000.0);
        sheet.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    println!("figure engine_sheet_ms {:.1}", median(sheet.clone()));
    println!(
        "  (of which the selection's evaluation: {:.1} ms)",
        median(evaluations)
    );
    let parts: Vec<String> = parts
        .into_iter()
        .map(|p| format!("{:.1}", median(p)))
        .collect();
    println!(
        "  (the charts: total, by product, by date, by channel: {} ms; the three filter panes: {} ms)",
        parts[..charts.len()].join(", "),
        parts[charts.len()]
    );

    snapshot_figures(&model, &path, load);

    let all = evaluate(&model, &Selections::default());
    for (name, field) in [("100", "Product"), ("1m", "CustomerId")] {
        let start = Instant::now();
        let cube = compute(&model, &all, &by(vec![f(field)], vec![sum("Amount")]));
        let seconds = start.elapsed().as_secs_f64();
        println!(
            "figure engine_groupby_{name}_rows_per_s {:.0}",
            rows as f64 / seconds
        );
        println!("  ({} groups)", cube.rows.len());
    }
    println!(
        "Sightline engine: {rows} rows loaded in {load:.1} s; sheet of 4 charts and 3 filter panes after one selection: median {:.1} ms (runs: {:?})",
        median(sheet.clone()),
        sheet.iter().map(|ms| format!("{ms:.0}")).collect::<Vec<_>>()
    );
}
