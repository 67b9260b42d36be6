//! Rows read elsewhere (a database's query, a workbook's sheet) load exactly as the same cells
//! in a CSV file do: the same fields, types, values, codes and report, for random tables with
//! unmatched keys, missing values written as `NA`, empty cells and cells with no value,
//! numbers, dates and text, tables appended to one another, and types the user chose. One load
//! pipeline: a source only changes where the cells come from.

use engine::plan::LoadPlan;
use engine::seeded::SeededRng;
use engine::source::{MemoryRows, Source};
use engine::types::FieldType;

/// A random table: its headers and cells (`None`: no value).
fn table(rng: &mut SeededRng, headers: &[&str]) -> Vec<Vec<Option<String>>> {
    let rows = 1 + rng.below(300) as usize;
    (0..rows)
        .map(|_| {
            headers
                .iter()
                .map(|header| {
                    if rng.below(12) == 0 {
                        return None;
                    }
                    if rng.below(15) == 0 {
                        return Some("NA".to_string());
                    }
                    Some(match *header {
                        "id" | "customer" => rng.below(60).to_string(),
                        "amount" => format!("{}.{}", rng.below(1000), rng.below(100)),
                        "day" => format!("2026-{:02}-{:02}", 1 + rng.below(12), 1 + rng.below(28)),
                        "flag" => ["yes", "no", "7", "1e3"][rng.below(4) as usize].to_string(),
                        _ => ["Oslo", "Bergen", "a, \"quoted\" one", "Tromsø"]
                            [rng.below(4) as usize]
                            .to_string(),
                    })
                })
                .collect()
        })
        .collect()
}

fn csv(headers: &[&str], rows: &[Vec<Option<String>>]) -> Vec<u8> {
    let mut out = headers.join(",");
    out.push('\n');
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .map(|cell| match cell {
                None => String::new(),
                Some(text) if text.contains([',', '"']) => {
                    format!("\"{}\"", text.replace('"', "\"\""))
                }
                Some(text) => text.clone(),
            })
            .collect();
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out.into_bytes()
}

#[test]
fn rows_load_as_the_same_cells_in_a_file_do() {
    let shapes: [(&str, &[&str]); 4] = [
        ("orders", &["id", "customer", "amount", "day"]),
        ("customers", &["customer", "city", "flag"]),
        ("more_orders", &["id", "customer", "amount"]),
        ("notes", &["id", "city"]),
    ];
    for seed in 0..40u64 {
        let mut rng = SeededRng::new(seed);
        let tables: Vec<(&str, &[&str], Vec<Vec<Option<String>>>)> = shapes
            .iter()
            .map(|&(name, headers)| (name, headers, table(&mut rng, headers)))
            .collect();
        let files: Vec<Vec<u8>> = tables.iter().map(|(_, h, rows)| csv(h, rows)).collect();
        // A CSV file cannot tell a cell without a value from an empty one; rows can, and both
        // are missing.
        let mut plan = LoadPlan::for_sources(&["orders", "customers", "notes"]);
        plan.tables[0].appended = vec!["more_orders".into()];
        if seed % 2 == 0 {
            plan.tables[1].column_mut("flag").field_type = Some(FieldType::Integer);
            plan.tables[2].qualify = true;
            plan.tables[2].column_mut("id").key = true;
        }
        let from_files = engine::load::run(
            &plan,
            &tables
                .iter()
                .zip(&files)
                .map(|((name, _, _), bytes)| (*name, bytes.as_slice()))
                .collect::<Vec<_>>(),
        );
        let from_rows = engine::load::load(
            &plan,
            tables
                .iter()
                .map(|(name, headers, rows)| {
                    let source: Source =
                        Source::Rows(Box::new(MemoryRows::new(headers, rows.clone())));
                    (*name, source)
                })
                .collect(),
        );
        match (from_files, from_rows) {
            (Ok(files), Ok(rows)) => {
                assert_eq!(files.report, rows.report, "seed {seed}: the same report");
                assert_eq!(
                    format!("{:?}", files.model),
                    format!("{:?}", rows.model),
                    "seed {seed}: the same fields, values and codes"
                );
            }
            (files, rows) => assert_eq!(
                files.err(),
                rows.err(),
                "seed {seed}: both load, or both fail with the same error"
            ),
        }
    }
}

#[test]
fn a_source_of_rows_is_read_by_one_table_and_its_errors_name_it() {
    let rows = || {
        Source::Rows(Box::new(MemoryRows::new(
            &["id", "ID"],
            vec![vec![Some("1".into()), Some("2".into())]],
        )))
    };
    let plan = LoadPlan::for_sources(&["query"]);
    let error = engine::load::load(&plan, vec![("query", rows())]).unwrap_err();
    assert_eq!(error.file, "query");
    assert!(
        error.to_string().contains("\"ID\" is used twice") && error.to_string().contains("with AS"),
        "{error}"
    );
    let good = || {
        Source::Rows(Box::new(MemoryRows::new(
            &["id"],
            vec![vec![Some("1".into())]],
        )))
    };
    let mut twice = LoadPlan::for_sources(&["query", "query"]);
    twice.tables[1].name = "again".into();
    let error = engine::load::load(&twice, vec![("query", good())]).unwrap_err();
    assert!(
        error.to_string().contains("Two tables read this source"),
        "{error}"
    );
    let none = Source::Rows(Box::new(MemoryRows::new(&["id"], Vec::new())));
    let error = engine::load::load(&plan, vec![("query", none)]).unwrap_err();
    assert!(error.to_string().contains("It gave no rows"), "{error}");
    let missing = engine::load::load(&plan, vec![("other", good())]).unwrap_err();
    assert!(
        missing.to_string().contains("not among the app's data"),
        "{missing}"
    );
}
