//! App content on SQLite and PostgreSQL: an app made from CSV uploads, its sheets and charts,
//! each viewer's selections, section access, and data kept on disk and in memory under a budget.

use crate::common::TestDb;
use app::apps::model::*;
use app::auth::principal::{Credential, Principal};
use app::content::model::*;
use app::content::service as content;
use app::directory::model::NewGroup;
use app::directory::service as directory;
use app::error::AppError;
use app::spaces::model::*;
use app::spaces::rules::{SpaceRole, SpaceType};
use app::spaces::service as spaces;

pub(crate) const ORDERS: &str = "OrderId,CustomerId,Product,Amount,Month\n1,10,Bike,100,2026-01\n2,10,Helmet,50,2026-01\n3,20,Bike,70,2026-02\n4,30,Lamp,5.5,2026-02\n5,40,Bike,30,2026-03\n";
pub(crate) const CUSTOMERS: &str = "CustomerId,Region,Segment\n10,North,Retail\n20,South,Retail\n30,North,Wholesale\n40,East,Retail\n";

pub(crate) struct Tenant {
    pub admin: Principal,
    pub anna: Principal,
    pub ali: Principal,
    pub bob: Principal,
    pub sales: String,
}

pub(crate) async fn tenant(t: &TestDb) -> Tenant {
    let admin = t.acme().await;
    let anna = t.active_user(&admin, "Anna").await;
    let ali = t.active_user(&admin, "Ali").await;
    let bob = t.active_user(&admin, "Bob").await;
    let sales = directory::create_group(
        &t.state,
        &admin,
        NewGroup {
            name: "Sales".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .id;
    directory::add_group_member(&t.state, &admin, &sales, &bob.user_id)
        .await
        .unwrap();
    Tenant {
        admin,
        anna,
        ali,
        bob,
        sales,
    }
}

/// Stages a file through the service (the HTTP tests go through the route itself).
pub(crate) async fn upload(
    t: &TestDb,
    who: &Principal,
    name: &str,
    contents: &[u8],
) -> Result<String, AppError> {
    Ok(content::stage_file(&t.state, who, name, contents).await?.id)
}

/// Anna's shared space "Sales" with an app made from orders and customers; Ali can view it.
pub(crate) async fn sales_app(t: &TestDb, people: &Tenant) -> (Space, App) {
    let space = spaces::create_space(
        &t.state,
        &people.anna,
        NewSpace {
            space_type: SpaceType::Shared,
            name: "Sales".into(),
            description: String::new(),
        },
    )
    .await
    .unwrap();
    let member = |id: &str, role| NewAssignment {
        assignee_type: AssigneeType::User,
        assignee_id: id.into(),
        roles: vec![role],
    };
    spaces::create_assignment(
        &t.state,
        &people.anna,
        &space.id,
        member(&people.ali.user_id, SpaceRole::Consumer),
    )
    .await
    .unwrap();
    let files = vec![
        upload(t, &people.anna, "orders.csv", ORDERS.as_bytes())
            .await
            .unwrap(),
        upload(t, &people.anna, "customers.csv", CUSTOMERS.as_bytes())
            .await
            .unwrap(),
    ];
    let app = content::create_app_from_uploads(
        &t.state,
        &people.anna,
        NewApp {
            name: "Sales".into(),
            space_id: space.id.clone(),
            ..Default::default()
        },
        files,
    )
    .await
    .unwrap();
    (space, app)
}

pub(crate) async fn view(
    t: &TestDb,
    who: &Principal,
    app: &App,
    change: Option<SelectionChange>,
) -> SheetView {
    content::open_sheet(&t.state, who, &app.id, None, change)
        .await
        .unwrap()
}

pub(crate) fn chart(view: &SheetView, kind: ChartKind) -> &ChartData {
    &view
        .charts
        .iter()
        .find(|c| c.spec.kind == kind)
        .unwrap_or_else(|| panic!("a {kind:?} on the sheet"))
        .data
}

pub(crate) fn kpi(view: &SheetView) -> f64 {
    match chart(view, ChartKind::Kpi) {
        ChartData::Cube { totals, .. } => totals[0].unwrap(),
        other => panic!("a KPI, not {other:?}"),
    }
}

/// The values of a field's filter pane with their states.
pub(crate) fn pane(view: &SheetView, field: &str) -> Vec<(String, ValueState)> {
    view.charts
        .iter()
        .find_map(|c| match &c.data {
            ChartData::List {
                field: f, values, ..
            } if f == field => Some(values.iter().map(|v| (v.label.clone(), v.state)).collect()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("a filter pane of {field}"))
}

pub(crate) fn code_in(view: &SheetView, field: &str, label: &str) -> u32 {
    view.charts
        .iter()
        .find_map(|c| match &c.data {
            ChartData::List {
                field: f, values, ..
            } if f == field => values.iter().find(|v| v.label == label).map(|v| v.code),
            _ => None,
        })
        .unwrap()
}

pub(crate) fn session(principal: &Principal, id: &str) -> Principal {
    Principal {
        credential: Credential::Session { id_hash: id.into() },
        ..principal.clone()
    }
}

on_both_databases!(
    an_app_made_from_two_files_associates_them_and_opens_to_a_laid_out_sheet,
    a_click_updates_every_chart_and_the_selections_bar_with_back_and_forward,
    each_viewer_has_their_own_selections,
    a_bad_file_makes_no_app_and_the_error_says_where,
);

async fn an_app_made_from_two_files_associates_them_and_opens_to_a_laid_out_sheet(t: TestDb) {
    let people = tenant(&t).await;
    let (_, app) = sales_app(&t, &people).await;
    assert_eq!(app.data_rows, 9, "5 orders and 4 customers");
    let sheet = view(&t, &people.ali, &app, None).await;
    assert_eq!(sheet.sheets.len(), 1);
    assert_eq!(sheet.sheet.as_ref().unwrap().title, "Overview");
    let kinds: Vec<ChartKind> = sheet.charts.iter().map(|c| c.spec.kind).collect();
    for kind in [
        ChartKind::Kpi,
        ChartKind::Bar,
        ChartKind::Pie,
        ChartKind::Line,
        ChartKind::Table,
        ChartKind::FilterPane,
    ] {
        assert!(
            kinds.contains(&kind),
            "the first sheet has a {kind:?}: {kinds:?}"
        );
    }
    assert_eq!(kpi(&sheet), 255.5, "Sum of Amount over every order");
    let data = sheet.data.as_ref().unwrap();
    assert_eq!(
        data.tables
            .iter()
            .map(|t| (t.name.as_str(), t.rows))
            .collect::<Vec<_>>(),
        vec![("orders", 5), ("customers", 4)]
    );
    let key = data.fields.iter().find(|f| f.name == "CustomerId").unwrap();
    assert_eq!(
        key.tables,
        vec!["orders", "customers"],
        "CustomerId associates the two tables"
    );
    assert!(
        !sheet.can_edit_sheet && !sheet.can_add_sheet,
        "Ali can view only"
    );
    assert!(
        pane(&sheet, "Region")
            .iter()
            .all(|(_, s)| *s == ValueState::Possible),
        "nothing selected: everything possible"
    );
    assert_eq!(
        t.count("SELECT COUNT(*) FROM data_files WHERE app_id IS NOT NULL")
            .await,
        2
    );

    // A chart saved in a form this version cannot read says so in its place; the rest still work.
    sqlx::query("UPDATE charts SET spec = 'not a chart' WHERE spec LIKE '%\"kind\":\"bar\"%'")
        .execute(&t.state.db)
        .await
        .unwrap();
    let damaged = view(&t, &people.ali, &app, None).await;
    assert!(damaged.charts.iter().any(|c| c.data
        == ChartData::Problem("This chart could not be read. Remove it and add it again.".into())));
    assert_eq!(kpi(&damaged), 255.5);
}

async fn a_click_updates_every_chart_and_the_selections_bar_with_back_and_forward(t: TestDb) {
    let people = tenant(&t).await;
    let (_, app) = sales_app(&t, &people).await;
    let first = view(&t, &people.ali, &app, None).await;
    let north = code_in(&first, "Region", "North");
    let selected = view(
        &t,
        &people.ali,
        &app,
        Some(SelectionChange::Toggle {
            field: "Region".into(),
            code: north,
        }),
    )
    .await;
    assert_eq!(kpi(&selected), 155.5, "orders of customers 10 and 30");
    assert_eq!(
        pane(&selected, "Region"),
        vec![
            ("North".into(), ValueState::Selected),
            ("East".into(), ValueState::Excluded),
            ("South".into(), ValueState::Excluded)
        ]
    );
    let segments = pane(&selected, "Segment");
    assert!(
        segments.contains(&("Wholesale".into(), ValueState::Possible))
            && segments.contains(&("Retail".into(), ValueState::Possible))
    );
    assert_eq!(
        selected.selections,
        vec![SelectionChip {
            field: "Region".into(),
            values: vec!["North".into()],
            count: 1,
            kind: app::content::model::ValueKind::Text,
        }]
    );
    if let ChartData::Cube { rows, .. } = chart(&selected, ChartKind::Line) {
        assert_eq!(
            rows.iter()
                .map(|r| r.labels[0].as_str())
                .collect::<Vec<_>>(),
            vec!["2026-01", "2026-02"],
            "March was the East's"
        );
    }

    let searched = view(
        &t,
        &people.ali,
        &app,
        Some(SelectionChange::Search {
            field: "Segment".into(),
            text: "whole".into(),
        }),
    )
    .await;
    assert_eq!(kpi(&searched), 5.5);
    assert_eq!(searched.selections.len(), 2);
    let nothing = content::open_sheet(
        &t.state,
        &people.ali,
        &app.id,
        None,
        Some(SelectionChange::Search {
            field: "Segment".into(),
            text: "zzz".into(),
        }),
    )
    .await
    .unwrap_err();
    assert_eq!(
        nothing.to_string(),
        "No possible value of Segment contains \"zzz\"."
    );
    let unknown = content::open_sheet(
        &t.state,
        &people.ali,
        &app.id,
        None,
        Some(SelectionChange::Clear {
            field: "Country".into(),
        }),
    )
    .await
    .unwrap_err();
    assert_eq!(unknown.status(), 400);

    let back = view(&t, &people.ali, &app, Some(SelectionChange::Back)).await;
    assert_eq!(kpi(&back), 155.5);
    assert!(back.can_forward);
    let forward = view(&t, &people.ali, &app, Some(SelectionChange::Forward)).await;
    assert_eq!(kpi(&forward), 5.5);
    let cleared = view(
        &t,
        &people.ali,
        &app,
        Some(SelectionChange::Clear {
            field: "Segment".into(),
        }),
    )
    .await;
    assert_eq!(kpi(&cleared), 155.5);
    let all = view(&t, &people.ali, &app, Some(SelectionChange::ClearAll)).await;
    assert_eq!(kpi(&all), 255.5);
    assert!(all.selections.is_empty());
}

async fn each_viewer_has_their_own_selections(t: TestDb) {
    let people = tenant(&t).await;
    let (_, app) = sales_app(&t, &people).await;
    let first = view(&t, &people.ali, &app, None).await;
    let east = code_in(&first, "Region", "East");
    let laptop = session(&people.ali, "laptop");
    let phone = session(&people.ali, "phone");
    assert_eq!(
        kpi(&view(
            &t,
            &laptop,
            &app,
            Some(SelectionChange::Toggle {
                field: "Region".into(),
                code: east
            })
        )
        .await),
        30.0
    );
    assert_eq!(
        kpi(&view(&t, &phone, &app, None).await),
        255.5,
        "another browser session starts clean"
    );
    assert_eq!(
        kpi(&view(&t, &people.anna, &app, None).await),
        255.5,
        "another person too"
    );
    assert_eq!(
        kpi(&view(&t, &laptop, &app, None).await),
        30.0,
        "and the first keeps its own"
    );
}

async fn a_bad_file_makes_no_app_and_the_error_says_where(t: TestDb) {
    let people = tenant(&t).await;
    let apps_before = t.count("SELECT COUNT(*) FROM apps").await;
    let make = |files: Vec<String>| {
        content::create_app_from_uploads(
            &t.state,
            &people.anna,
            NewApp {
                name: "Broken".into(),
                ..Default::default()
            },
            files,
        )
    };
    let good = upload(&t, &people.anna, "customers.csv", CUSTOMERS.as_bytes())
        .await
        .unwrap();
    let ragged = upload(
        &t,
        &people.anna,
        "orders.csv",
        b"OrderId,CustomerId,Amount\n1,10,100\n2,20\n",
    )
    .await
    .unwrap();
    assert_eq!(
        make(vec![good.clone(), ragged.clone()])
            .await
            .unwrap_err()
            .to_string(),
        "orders.csv: line 3: this row has 2 fields; the header has 3."
    );
    let latin1 = upload(&t, &people.anna, "names.csv", b"Name\nS\xF6ren\n")
        .await
        .unwrap();
    let error = make(vec![latin1]).await.unwrap_err().to_string();
    assert!(
        error.starts_with("names.csv: line 2") && error.contains("UTF-8"),
        "{error}"
    );
    let duplicate = upload(&t, &people.anna, "dupes.csv", b"Id,Region,region\n1,a,b\n")
        .await
        .unwrap();
    assert!(make(vec![duplicate])
        .await
        .unwrap_err()
        .to_string()
        .contains("dupes.csv: line 1"));
    let mut huge = b"Id,Note\n1,\"".to_vec();
    huge.extend(std::iter::repeat_n(b'x', 10 * 1024 * 1024));
    huge.extend(b"\"\n");
    let big = upload(&t, &people.anna, "notes.csv", &huge).await.unwrap();
    let error = make(vec![big]).await.unwrap_err().to_string();
    assert!(error.starts_with("notes.csv: line 2, column 2"), "{error}");
    assert_eq!(
        upload(&t, &people.anna, "empty.csv", b"")
            .await
            .unwrap_err()
            .to_string(),
        "empty.csv is empty: a CSV file needs a header row and at least one row of data."
    );
    assert!(upload(&t, &people.anna, "sheet.xls", b"x")
        .await
        .unwrap_err()
        .to_string()
        .contains("not a CSV file or an Excel workbook"));
    // A workbook that is not one uploads, and making the app says what it is not.
    let junk = upload(&t, &people.anna, "sheet.xlsx", b"x").await.unwrap();
    assert!(make(vec![junk])
        .await
        .unwrap_err()
        .to_string()
        .contains("could not be read as an Excel workbook (.xlsx)"));
    let twin = upload(&t, &people.anna, "customers.csv", CUSTOMERS.as_bytes())
        .await
        .unwrap();
    assert!(make(vec![good.clone(), twin])
        .await
        .unwrap_err()
        .to_string()
        .contains("Two files are named customers.csv"));
    assert!(make(vec![]).await.is_err());
    assert_eq!(
        t.count("SELECT COUNT(*) FROM apps").await,
        apps_before,
        "no half-made app"
    );
    assert_eq!(t.count("SELECT COUNT(*) FROM sheets").await, 0);

    // The good upload is still staged: fix the other file and try again.
    let fixed = upload(&t, &people.anna, "orders.csv", ORDERS.as_bytes())
        .await
        .unwrap();
    let app = make(vec![good, fixed]).await.unwrap();
    assert_eq!(app.data_rows, 9);
    assert!(
        make(vec![ragged.clone()])
            .await
            .unwrap_err()
            .to_string()
            .contains("orders.csv"),
        "a failed upload can be retried"
    );
    let someone_elses = content::create_app_from_uploads(
        &t.state,
        &people.ali,
        NewApp {
            name: "Mine".into(),
            ..Default::default()
        },
        vec![ragged.clone()],
    )
    .await
    .unwrap_err();
    assert_eq!(
        someone_elses.to_string(),
        "An upload is no longer there. Upload the file again.",
        "uploads are their uploader's only"
    );

    // Uploads nobody makes an app from are forgotten after a day, files and all.
    let staged = t
        .count("SELECT COUNT(*) FROM data_files WHERE app_id IS NULL")
        .await;
    assert!(staged > 0);
    assert_eq!(
        content::forget_stale_uploads(&t.state).await.unwrap(),
        0,
        "not yet"
    );
    t.minutes(25 * 60);
    assert_eq!(
        content::forget_stale_uploads(&t.state).await.unwrap(),
        staged as usize
    );
    assert!(!t.state.content.storage.staging_file(&ragged).exists());
    assert_eq!(
        t.count("SELECT COUNT(*) FROM data_files WHERE app_id IS NOT NULL")
            .await,
        2,
        "the app's own files stay"
    );
}
