//! A server folder the operator allows: its CSV files and a SQLite file in it load as tables;
//! nothing outside it can be named, through `..` or through a link.

use app::apps::model::NewApp;
use app::connections::model::{ConnectionInput, SourceTable};
use app::connections::service as connections;
use app::content::service as content;
use app::modelling::model::{Plan, SourcePlan, TablePlan};
use app::modelling::service as modelling;

use super::databases::plan_of;
use super::*;
use crate::common::{Backend, TestDb};

on_both_backends!(a_folder_and_a_sqlite_file_in_it_load_and_nothing_outside_can_be_named);

async fn a_folder_and_a_sqlite_file_in_it_load_and_nothing_outside_can_be_named(backend: Backend) {
    let dir = std::env::temp_dir().join(format!("sl-folder-{}", &app::ids::new_id()[..8]));
    std::fs::create_dir_all(dir.join("2026")).unwrap();
    std::fs::write(dir.join("stores.csv"), "store,city\nS1,Oslo\nS2,Bergen\n").unwrap();
    std::fs::write(
        dir.join("2026/sales.tsv"),
        "store\tamount\nS1\t10\nS2\t5\nS3\tNA\n",
    )
    .unwrap();
    std::fs::write(dir.join("notes.md"), "not data").unwrap();
    std::os::unix::fs::symlink("/etc", dir.join("escape")).unwrap();
    {
        let options = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(dir.join("shop.db"))
            .create_if_missing(true);
        let mut db = <sqlx::SqliteConnection as sqlx::Connection>::connect_with(&options)
            .await
            .unwrap();
        sqlx::Executor::execute(&mut db, "CREATE TABLE stock (store TEXT, units INTEGER, weight REAL); INSERT INTO stock VALUES ('S1', 4, 1.5), ('S2', NULL, 0.25);").await.unwrap();
    }
    let folder = dir.to_string_lossy().into_owned();
    let t = TestDb::with_settings(backend, |s| {
        s.sources.folders = vec![("exports".into(), folder.clone())]
    })
    .await;
    let (root, ali, _, space) = team(&t).await;
    let input = |kind: &str, path: &str| ConnectionInput {
        space_id: space.clone(),
        name: format!("{kind} {path}"),
        kind: kind.into(),
        folder: "exports".into(),
        path: path.into(),
        ..Default::default()
    };

    // A folder connection lists the files it can load.
    let exports = connect(&t, &root, input("folder", "")).await;
    let files: Vec<String> = connections::connection_tables(&t.state, &ali, &exports.id)
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(
        files,
        vec!["2026/sales.tsv", "stores.csv"],
        "CSV and TSV, not the notes, nothing through the link"
    );
    let preview = connections::preview_source(
        &t.state,
        &ali,
        &exports.id,
        SourceTable {
            name: "x".into(),
            query: "2026/sales.tsv".into(),
            sheet: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(preview.headers, vec!["store", "amount"]);

    // Nothing outside the folder can be named.
    for path in ["../", "escape/passwd", "/etc/passwd"] {
        let outside = connections::preview_source(
            &t.state,
            &ali,
            &exports.id,
            SourceTable {
                name: "x".into(),
                query: path.into(),
                sheet: None,
            },
        )
        .await;
        assert!(outside.is_err(), "{path}");
        let as_connection =
            connections::create_connection(&t.state, &root, input("sqlite", path)).await;
        assert!(as_connection.is_err(), "{path}");
    }
    let escaped = connections::create_connection(&t.state, &root, input("folder", "escape"))
        .await
        .unwrap_err();
    assert!(
        escaped.to_string().contains("leads outside its folder"),
        "{escaped}"
    );

    // The SQLite file, read-only, with its typed values.
    let shop = connect(&t, &root, input("sqlite", "shop.db")).await;
    let tables = connections::connection_tables(&t.state, &ali, &shop.id)
        .await
        .unwrap();
    assert_eq!(
        tables.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
        vec!["stock"]
    );
    let not_sqlite = connections::create_connection(&t.state, &root, input("sqlite", "stores.csv"))
        .await
        .unwrap_err();
    assert!(
        not_sqlite.to_string().contains("not a SQLite database"),
        "{not_sqlite}"
    );

    // One app from the folder's two files and the SQLite table.
    let mut plan: Plan = plan_of(&shop.id, &[("stock", &tables[0].query)]);
    for (name, file) in [("stores", "stores.csv"), ("sales", "2026/sales.tsv")] {
        plan.sources.push(SourcePlan {
            name: name.into(),
            connection: Some(exports.id.clone()),
            file: Some(file.into()),
            ..Default::default()
        });
        plan.tables.push(TablePlan {
            source: name.into(),
            name: name.into(),
            ..Default::default()
        });
    }
    let page = modelling::preview_uploads(&t.state, &ali, &[], Some(plan.clone()))
        .await
        .unwrap();
    let shape: Vec<(String, usize)> = page
        .tables
        .iter()
        .map(|t| (t.name.clone(), t.rows))
        .collect();
    assert_eq!(
        shape,
        vec![
            ("stock".into(), 2),
            ("stores".into(), 2),
            ("sales".into(), 3)
        ]
    );
    let weight = &page.tables[0].columns[2];
    assert_eq!(weight.field_type.as_deref(), Some("decimal"), "{weight:?}");
    content::create_app_with_plan(
        &t.state,
        &ali,
        NewApp {
            name: "Stores".into(),
            ..Default::default()
        },
        vec![],
        Some(plan),
    )
    .await
    .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
