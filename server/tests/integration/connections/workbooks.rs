//! Excel workbooks, written by openpyxl (a library that writes real .xlsx files): an uploaded
//! workbook's sheets become tables, the data-model step says where a sheet's header row is and
//! which sheets to keep, the numbers and dates load typed, and a reload reads the workbook
//! again. A server folder's workbook offers its sheets too.

use app::apps::model::NewApp;
use app::connections::service as connections;
use app::content::service as content;
use app::modelling::service as modelling;
use app::reloads::model::{ReloadKind, ReloadStatus};
use app::reloads::service as reloads;

use super::*;
use crate::common::{Backend, TestDb};
use crate::reloads::ended;

on_both_backends!(a_workbooks_sheets_become_tables_with_their_header_row_and_types);

/// A workbook made by openpyxl: "Orders" with a title row above its header, an empty header
/// cell, numbers, dates and an error; "Regions", plain.
fn workbook(path: &std::path::Path) {
    let script = r#"
import sys, datetime, openpyxl
book = openpyxl.Workbook()
orders = book.active
orders.title = "Orders"
orders.append(["Orders exported 2026-12-01"])
orders.append(["order_id", "region", "amount", "ordered", None])
orders.append([1, "North", 10.5, datetime.date(2026, 11, 1), "first"])
orders.append([2, "North", 20, datetime.datetime(2026, 11, 2, 14, 30), None])
orders.append([3, "South", "=1/0", datetime.date(2026, 11, 3), "NA"])
regions = book.create_sheet("Regions")
regions.append(["region", "manager"])
regions.append(["North", "Ingrid"])
regions.append(["South", "Sven"])
book.save(sys.argv[1])
"#;
    let made = std::process::Command::new("python3")
        .args(["-c", script, &path.to_string_lossy()])
        .output()
        .expect("python3 runs");
    assert!(
        made.status.success(),
        "openpyxl (scripts/setup.sh installs it): {}",
        String::from_utf8_lossy(&made.stderr)
    );
}

async fn a_workbooks_sheets_become_tables_with_their_header_row_and_types(backend: Backend) {
    let dir = std::env::temp_dir().join(format!("sl-book-{}", &app::ids::new_id()[..8]));
    std::fs::create_dir_all(&dir).unwrap();
    workbook(&dir.join("sales.xlsx"));
    let bytes = std::fs::read(dir.join("sales.xlsx")).unwrap();
    let folder = dir.to_string_lossy().into_owned();
    let t = TestDb::with_settings(backend, |s| {
        s.sources.folders = vec![("books".into(), folder.clone())]
    })
    .await;
    let (root, ali, _, space) = team(&t).await;

    // Uploaded: each sheet a table, named after it.
    let file = content::stage_file(&t.state, &ali, "sales.xlsx", &bytes)
        .await
        .unwrap()
        .id;
    let first = modelling::preview_uploads(&t.state, &ali, std::slice::from_ref(&file), None)
        .await
        .unwrap();
    let names: Vec<&str> = first.tables.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, vec!["Orders", "Regions"]);
    assert_eq!(
        first.tables[0].columns[0].header, "Orders exported 2026-12-01",
        "the first row is the header until the plan says otherwise"
    );

    // The step says the header is the second row, and leaves Regions out.
    let mut plan = first.plan.clone();
    plan.sources
        .iter_mut()
        .find(|s| s.sheet.as_deref() == Some("Orders"))
        .unwrap()
        .header_row = 1;
    plan.tables.retain(|t| t.name != "Regions");
    plan.sources
        .retain(|s| s.sheet.as_deref() != Some("Regions"));
    let page = modelling::preview_uploads(
        &t.state,
        &ali,
        std::slice::from_ref(&file),
        Some(plan.clone()),
    )
    .await
    .unwrap();
    assert_eq!(page.tables.len(), 1);
    let columns: Vec<(String, Option<String>, usize)> = page.tables[0]
        .columns
        .iter()
        .map(|c| (c.header.clone(), c.field_type.clone(), c.missing))
        .collect();
    assert_eq!(
        columns,
        vec![
            ("order_id".into(), Some("integer".into()), 0),
            ("region".into(), Some("text".into()), 0),
            ("amount".into(), Some("decimal".into()), 1),
            ("ordered".into(), Some("timestamp".into()), 0),
            ("Column 5".into(), Some("text".into()), 2),
        ],
        "an error cell and NA are missing; dates with a time make the column a timestamp"
    );
    assert_eq!(page.tables[0].rows, 3);
    let app = content::create_app_with_plan(
        &t.state,
        &ali,
        NewApp {
            name: "Orders".into(),
            ..Default::default()
        },
        vec![file],
        Some(plan),
    )
    .await
    .unwrap();
    let queued = reloads::create_reload(&t.state, &ali, &app.id, vec![], ReloadKind::Hub)
        .await
        .unwrap();
    let done = ended(&t, &ali, &queued.id).await;
    assert_eq!(
        done.status,
        ReloadStatus::Succeeded,
        "{}\n{}",
        done.error,
        done.log
    );
    assert_eq!(
        done.tables.iter().map(|t| t.rows).collect::<Vec<_>>(),
        vec![3]
    );

    // In a server folder: the workbook's sheets are offered one by one.
    let books = connect(
        &t,
        &root,
        app::connections::model::ConnectionInput {
            space_id: space.clone(),
            name: "Books".into(),
            kind: "folder".into(),
            folder: "books".into(),
            ..Default::default()
        },
    )
    .await;
    let tables = connections::connection_tables(&t.state, &ali, &books.id)
        .await
        .unwrap();
    let offered: Vec<(&str, Option<&str>)> = tables
        .iter()
        .map(|t| (t.name.as_str(), t.sheet.as_deref()))
        .collect();
    assert_eq!(
        offered,
        vec![
            ("sales.xlsx: Orders", Some("Orders")),
            ("sales.xlsx: Regions", Some("Regions"))
        ]
    );
    let preview = connections::preview_source(&t.state, &ali, &books.id, tables[1].clone())
        .await
        .unwrap();
    assert_eq!(preview.headers, vec!["region", "manager"]);
    assert_eq!(preview.rows.len(), 2);

    // A file that is not a workbook says so, and makes nothing.
    let broken = content::stage_file(&t.state, &ali, "broken.xlsx", b"not a zip")
        .await
        .unwrap()
        .id;
    let error = modelling::preview_uploads(&t.state, &ali, &[broken], None)
        .await
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("could not be read as an Excel workbook"),
        "{error}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
