//! A space's editor connects to the company's PostgreSQL, picks two tables, makes an app and
//! reloads it after rows were added; a data consumer uses the connection, a viewer cannot see
//! it, and the password is never shown again. MariaDB's tables load with their types.

use app::apps::model::NewApp;
use app::connections::service as connections;
use app::content::model::{ChartData, SheetView};
use app::content::service as content;
use app::error::AppError;
use app::modelling::model::{Plan, SourcePlan, TablePlan};
use app::modelling::service as modelling;
use app::reloads::model::{ReloadKind, ReloadStatus};
use app::reloads::service as reloads;

use super::*;
use crate::common::TestDb;
use crate::reloads::ended;

on_both_databases!(
    an_editor_loads_two_postgres_tables_into_an_app_and_reloads_it_after_rows_were_added,
    mariadb_tables_load_with_their_types,
);

const WAREHOUSE: &str = "
CREATE TABLE customers (customer_id integer PRIMARY KEY, city text);
INSERT INTO customers VALUES (1, 'Oslo'), (2, 'Bergen'), (3, 'NA'), (4, NULL);
CREATE TABLE orders (order_id integer, customer_id integer, amount numeric(10,2), ordered date, paid_at timestamptz);
INSERT INTO orders VALUES
  (1, 1, 10.50, '2026-11-01', '2026-11-01 10:00:00+00'),
  (2, 1, 20.25, '2026-11-02', NULL),
  (3, 2, 5.00, '2026-11-03', '2026-11-03 08:30:00+00'),
  (4, 9, 1.75, '2026-11-04', '2026-11-04 12:00:00+01'),
  (5, NULL, NULL, NULL, NULL);
";

/// The plan that reads each `(name, query)` of the connection as a table of that name.
pub fn plan_of(connection: &str, queries: &[(&str, &str)]) -> Plan {
    Plan {
        tables: queries
            .iter()
            .map(|(name, _)| TablePlan {
                source: name.to_string(),
                name: name.to_string(),
                ..Default::default()
            })
            .collect(),
        sources: queries
            .iter()
            .map(|(name, query)| SourcePlan {
                name: name.to_string(),
                connection: Some(connection.to_string()),
                query: Some(query.to_string()),
                ..Default::default()
            })
            .collect(),
        missing: engine::plan::MISSING
            .iter()
            .map(|m| m.to_string())
            .collect(),
    }
}

/// The total of the first chart that adds up `amount`, as the sheet shows it.
fn amount_total(sheet: &SheetView) -> Option<f64> {
    sheet.charts.iter().find_map(|c| match &c.data {
        ChartData::Cube {
            measures, totals, ..
        } if measures.iter().any(|m| m.contains("amount")) => totals[0],
        _ => None,
    })
}

async fn an_editor_loads_two_postgres_tables_into_an_app_and_reloads_it_after_rows_were_added(
    t: TestDb,
) {
    let source = PgSource::new(WAREHOUSE).await;
    let (root, ali, bo, space) = team(&t).await;

    // The server's own addresses are out of reach until a tenant admin lists them.
    let refused = connections::create_connection(&t.state, &root, source.input(&space))
        .await
        .unwrap_err();
    assert!(matches!(refused, AppError::Forbidden(_)), "{refused:?}");
    assert!(
        refused.to_string().contains("server's own network"),
        "{refused}"
    );
    let not_admin = connections::set_connection_hosts(&t.state, &ali, "127.0.0.1").await;
    assert!(not_admin.is_err(), "only a tenant admin lists hosts");
    allow_local(&t, &root).await;

    // Ali may use the space's connections, not make them; Root makes one, tested first.
    let by_ali = connections::create_connection(&t.state, &ali, source.input(&space)).await;
    assert!(matches!(by_ali, Err(AppError::Forbidden(_))), "{by_ali:?}");
    let tested = connections::test_connection(&t.state, &root, None, source.input(&space))
        .await
        .unwrap();
    assert!(tested.starts_with("Connected to PostgreSQL"), "{tested}");
    let warehouse = connect(&t, &root, source.input(&space)).await;
    assert!(warehouse.has_password);

    // The password is never shown, kept in the clear, or written to the audit log.
    let listed = connections::list_connections(&t.state, &ali, Some(&space))
        .await
        .unwrap();
    assert_eq!(listed.connections.len(), 1);
    assert!(!listed.can_create && !listed.connections[0].can_manage);
    let shown =
        serde_json::to_string(&listed).unwrap() + &serde_json::to_string(&warehouse).unwrap();
    assert!(!shown.contains(READER_PASSWORD), "{shown}");
    let kept: String = sqlx::query_scalar("SELECT secret FROM data_connections")
        .fetch_one(&t.state.db)
        .await
        .unwrap();
    assert!(kept.starts_with("v1.") && !kept.contains(READER_PASSWORD));
    let audit: Vec<String> = sqlx::query_scalar("SELECT detail FROM audit_events")
        .fetch_all(&t.state.db)
        .await
        .unwrap();
    assert!(
        audit.iter().all(|d| !d.contains(READER_PASSWORD)),
        "{audit:?}"
    );
    assert!(
        audit.iter().any(|d| d.contains(&source.reader)),
        "{audit:?}"
    );

    // Bo, who views the space, does not see its connections at all.
    let for_bo = connections::list_connections(&t.state, &bo, Some(&space))
        .await
        .unwrap();
    assert!(for_bo.connections.is_empty());
    let hidden = connections::get_connection(&t.state, &bo, &warehouse.id).await;
    assert!(matches!(hidden, Err(AppError::NotFound(_))), "{hidden:?}");

    // Ali picks two tables, previews one, and makes an app in her personal space.
    let tables = connections::connection_tables(&t.state, &ali, &warehouse.id)
        .await
        .unwrap();
    let names: Vec<&str> = tables.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, vec!["customers", "orders"]);
    let preview = connections::preview_source(&t.state, &ali, &warehouse.id, tables[1].clone())
        .await
        .unwrap();
    assert_eq!(
        preview.headers,
        vec!["order_id", "customer_id", "amount", "ordered", "paid_at"]
    );
    assert_eq!(preview.rows.len(), 5);
    assert_eq!(preview.rows[0][2].as_deref(), Some("10.50"));
    assert_eq!(
        preview.rows[3][4].as_deref(),
        Some("2026-11-04 11:00:00"),
        "a time with a zone, in UTC"
    );
    let plan = plan_of(
        &warehouse.id,
        &[
            ("customers", &tables[0].query),
            ("orders", &tables[1].query),
        ],
    );
    let page = modelling::preview_uploads(&t.state, &ali, &[], Some(plan.clone()))
        .await
        .unwrap();
    assert_eq!(
        page.tables.iter().map(|t| t.rows).collect::<Vec<_>>(),
        vec![4, 5]
    );
    let types: Vec<(String, Option<String>)> = page.tables[1]
        .columns
        .iter()
        .map(|c| (c.header.clone(), c.field_type.clone()))
        .collect();
    assert_eq!(
        types,
        vec![
            ("order_id".into(), Some("integer".into())),
            ("customer_id".into(), Some("integer".into())),
            ("amount".into(), Some("decimal".into())),
            ("ordered".into(), Some("date".into())),
            ("paid_at".into(), Some("timestamp".into())),
        ]
    );
    let city = &page.tables[0].columns[1];
    assert_eq!(
        (city.missing, city.missing_found.clone()),
        (2, vec!["NA".to_string()]),
        "NULL and NA are missing"
    );
    let bo_refused = modelling::preview_uploads(&t.state, &bo, &[], Some(plan.clone())).await;
    assert!(bo_refused.is_err(), "Bo may not use the connection");
    let app = content::create_app_with_plan(
        &t.state,
        &ali,
        NewApp {
            name: "Orders".into(),
            ..Default::default()
        },
        vec![],
        Some(plan),
    )
    .await
    .unwrap();
    let sheet = content::open_sheet(&t.state, &ali, &app.id, None, None)
        .await
        .unwrap();
    assert_eq!(
        amount_total(&sheet),
        Some(37.5),
        "the sum PostgreSQL gives: 10.50 + 20.25 + 5.00 + 1.75"
    );

    // Rows are added at the source; the reload reads the same queries again.
    source.execute("INSERT INTO orders VALUES (6, 2, 100.00, '2026-11-05', NULL); INSERT INTO customers VALUES (5, 'Tromsø');").await;
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
    let rows: Vec<(String, i64)> = done
        .tables
        .iter()
        .map(|t| (t.table.clone(), t.rows))
        .collect();
    assert_eq!(
        rows,
        vec![("customers".to_string(), 5), ("orders".to_string(), 6)]
    );
    assert!(
        done.log.contains("SELECT * FROM \"public\".\"orders\""),
        "{}",
        done.log
    );
    assert!(!done.log.contains(READER_PASSWORD));
    let sheet = content::open_sheet(&t.state, &ali, &app.id, None, None)
        .await
        .unwrap();
    assert_eq!(amount_total(&sheet), Some(137.5));

    // Once the connection is gone, a reload says so and the app keeps its data.
    connections::delete_connection(&t.state, &root, &warehouse.id)
        .await
        .unwrap();
    let queued = reloads::create_reload(&t.state, &ali, &app.id, vec![], ReloadKind::Hub)
        .await
        .unwrap();
    let done = ended(&t, &ali, &queued.id).await;
    assert_eq!(done.status, ReloadStatus::Failed);
    assert!(
        done.error.contains("its data connection is gone"),
        "{}",
        done.error
    );
    let sheet = content::open_sheet(&t.state, &ali, &app.id, None, None)
        .await
        .unwrap();
    assert_eq!(amount_total(&sheet), Some(137.5));
}

const SHOP: &str = "
CREATE TABLE {p}_products (sku VARCHAR(20) PRIMARY KEY, price DECIMAL(8,2), added DATETIME, stock INT, note TEXT);
INSERT INTO {p}_products VALUES ('A-1', 9.99, '2026-10-01 09:00:00', 3, 'first'), ('B-2', 0.50, '2026-10-02 10:30:00', NULL, 'N/A'), ('C-3', 120.00, NULL, 7, NULL);
";

async fn mariadb_tables_load_with_their_types(t: TestDb) {
    let prefix = mariadb_tables(SHOP).await;
    let (root, ali, _, space) = team(&t).await;
    allow_local(&t, &root).await;
    let tested = connections::test_connection(&t.state, &root, None, mariadb_input(&space))
        .await
        .unwrap();
    assert!(tested.starts_with("Connected to MariaDB"), "{tested}");
    let shop = connect(&t, &root, mariadb_input(&space)).await;
    let tables = connections::connection_tables(&t.state, &ali, &shop.id)
        .await
        .unwrap();
    let products = tables
        .iter()
        .find(|t| t.name == format!("{prefix}_products"))
        .expect("the table");
    assert_eq!(products.query, format!("SELECT * FROM `{prefix}_products`"));
    let plan = plan_of(&shop.id, &[("products", &products.query)]);
    let page = modelling::preview_uploads(&t.state, &ali, &[], Some(plan))
        .await
        .unwrap();
    let columns: Vec<(String, Option<String>, usize)> = page.tables[0]
        .columns
        .iter()
        .map(|c| (c.header.clone(), c.field_type.clone(), c.missing))
        .collect();
    assert_eq!(
        columns,
        vec![
            ("sku".into(), Some("text".into()), 0),
            ("price".into(), Some("decimal".into()), 0),
            ("added".into(), Some("timestamp".into()), 1),
            ("stock".into(), Some("integer".into()), 1),
            ("note".into(), Some("text".into()), 2),
        ]
    );
}
