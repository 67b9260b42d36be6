//! App content authored and carried on SQLite and PostgreSQL: editors' sheets and charts and
//! contributors' private sheets, section access on every path, and what published and
//! duplicated copies keep. The fixtures are `content`'s.

use crate::common::TestDb;
use crate::content::*;
use app::apps::model::*;
use app::apps::service as apps;
use app::content::model::*;
use app::content::service as content;
use app::directory::service as directory;
use app::spaces::model::*;
use app::spaces::rules::{SpaceRole, SpaceType};
use app::spaces::service as spaces;

on_both_databases!(
    editors_build_sheets_and_charts_and_contributors_keep_private_sheets,
    section_access_shows_each_viewer_only_their_rows_everywhere,
    published_and_duplicated_apps_carry_their_data_sheets_and_rules,
);

fn bar(title: &str, dimension: &str) -> ChartSpec {
    ChartSpec {
        kind: ChartKind::Bar,
        title: title.into(),
        dimensions: vec![dimension.into()],
        measures: vec![MeasureSpec {
            field: "Amount".into(),
            aggregation: Aggregation::Sum,
        }],
        sort_by: SortBy::Measure,
        descending: true,
        top: None,
        hide_missing: false,
    }
}

async fn editors_build_sheets_and_charts_and_contributors_keep_private_sheets(t: TestDb) {
    let people = tenant(&t).await;
    let (space, app) = sales_app(&t, &people).await;
    let trends = content::add_sheet(&t.state, &people.anna, &app.id, "Trends")
        .await
        .unwrap();
    assert!(!trends.private, "an editor's sheet is part of the app");
    let line = ChartSpec {
        kind: ChartKind::Line,
        title: String::new(),
        dimensions: vec!["month".into()],
        measures: vec![MeasureSpec {
            field: "Amount".into(),
            aggregation: Aggregation::Sum,
        }],
        sort_by: SortBy::Dimension,
        descending: false,
        top: None,
        hide_missing: false,
    };
    let line_id = content::save_chart(&t.state, &people.anna, &trends.id, None, line)
        .await
        .unwrap();
    let table = ChartSpec {
        kind: ChartKind::Table,
        title: "Orders by product".into(),
        dimensions: vec!["Product".into(), "Region".into()],
        measures: vec![MeasureSpec {
            field: "OrderId".into(),
            aggregation: Aggregation::Count,
        }],
        sort_by: SortBy::Dimension,
        descending: false,
        top: None,
        hide_missing: false,
    };
    let table_id = content::save_chart(&t.state, &people.anna, &trends.id, None, table)
        .await
        .unwrap();
    content::move_chart(&t.state, &people.anna, &table_id, 0)
        .await
        .unwrap();
    let opened = content::open_sheet(&t.state, &people.ali, &app.id, Some(&trends.id), None)
        .await
        .unwrap();
    assert_eq!(
        opened
            .charts
            .iter()
            .map(|c| c.id.as_str())
            .collect::<Vec<_>>(),
        vec![table_id.as_str(), line_id.as_str()],
        "the table moved first"
    );
    assert_eq!(
        opened.charts[1].spec.dimensions,
        vec!["Month"],
        "fields named as the data names them"
    );
    if let ChartData::Cube { rows, totals, .. } = &opened.charts[0].data {
        assert_eq!(totals, &vec![Some(5.0)]);
        assert_eq!(rows[0].labels, vec!["Bike", "East"]);
    }
    let error = content::save_chart(&t.state, &people.anna, &trends.id, None, bar("", "Country"))
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "The data has no field \"Country\". Pick one of the app's fields."
    );
    content::rename_sheet(&t.state, &people.anna, &trends.id, "Monthly trends")
        .await
        .unwrap();
    content::move_sheet(&t.state, &people.anna, &trends.id, 0)
        .await
        .unwrap();
    let sheets = view(&t, &people.ali, &app, None).await.sheets;
    assert_eq!(
        sheets.iter().map(|s| s.title.as_str()).collect::<Vec<_>>(),
        vec!["Monthly trends", "Overview"]
    );

    // Ali only views: no sheets, no changes.
    assert_eq!(
        content::add_sheet(&t.state, &people.ali, &app.id, "Mine")
            .await
            .unwrap_err()
            .status(),
        403
    );
    assert_eq!(
        content::delete_chart(&t.state, &people.ali, &line_id)
            .await
            .unwrap_err()
            .status(),
        403
    );

    // Bob contributes through his group in a managed space: a private sheet only he sees.
    let managed = spaces::create_space(
        &t.state,
        &people.admin,
        NewSpace {
            space_type: SpaceType::Managed,
            name: "Published".into(),
            description: String::new(),
        },
    )
    .await
    .unwrap();
    let assign = |kind, id: &str, role| NewAssignment {
        assignee_type: kind,
        assignee_id: id.into(),
        roles: vec![role],
    };
    spaces::create_assignment(
        &t.state,
        &people.admin,
        &managed.id,
        assign(AssigneeType::Group, &people.sales, SpaceRole::Contributor),
    )
    .await
    .unwrap();
    spaces::create_assignment(
        &t.state,
        &people.admin,
        &managed.id,
        assign(
            AssigneeType::User,
            &people.anna.user_id,
            SpaceRole::Publisher,
        ),
    )
    .await
    .unwrap();
    spaces::create_assignment(
        &t.state,
        &people.admin,
        &managed.id,
        assign(AssigneeType::User, &people.ali.user_id, SpaceRole::Consumer),
    )
    .await
    .unwrap();
    let published = apps::publish_app(
        &t.state,
        &people.anna,
        &app.id,
        PublishInput {
            space_id: managed.id.clone(),
            name: None,
        },
    )
    .await
    .unwrap();
    let mine = content::add_sheet(&t.state, &people.bob, &published.id, "Bob's notes")
        .await
        .unwrap();
    assert!(mine.private);
    content::save_chart(
        &t.state,
        &people.bob,
        &mine.id,
        None,
        bar("My regions", "Region"),
    )
    .await
    .unwrap();
    let bob_sees = view(&t, &people.bob, &published, None).await;
    assert_eq!(bob_sees.sheets.len(), 3);
    let ali_sees = view(&t, &people.ali, &published, None).await;
    assert_eq!(
        ali_sees.sheets.len(),
        2,
        "a private sheet is its maker's alone"
    );
    assert_eq!(
        content::open_sheet(&t.state, &people.ali, &published.id, Some(&mine.id), None)
            .await
            .unwrap_err()
            .status(),
        404
    );
    let public = &bob_sees.sheets.iter().find(|s| !s.private).unwrap().id;
    assert_eq!(
        content::rename_sheet(&t.state, &people.bob, public, "Mine now")
            .await
            .unwrap_err()
            .status(),
        403,
        "a contributor leaves the public sheets alone"
    );
    content::delete_sheet(&t.state, &people.bob, &mine.id)
        .await
        .unwrap();
    content::delete_sheet(&t.state, &people.anna, &trends.id)
        .await
        .unwrap();
    assert_eq!(view(&t, &people.ali, &app, None).await.sheets.len(), 1);
    let _ = space;
}

async fn section_access_shows_each_viewer_only_their_rows_everywhere(t: TestDb) {
    let people = tenant(&t).await;
    let (space, app) = sales_app(&t, &people).await;
    spaces::create_assignment(
        &t.state,
        &people.anna,
        &space.id,
        NewAssignment {
            assignee_type: AssigneeType::Group,
            assignee_id: people.sales.clone(),
            roles: vec![SpaceRole::Consumer],
        },
    )
    .await
    .unwrap();
    let rule = |kind: &str, id: &str, allowed: &str| NewAccessRule {
        assignee_type: kind.into(),
        assignee_id: id.into(),
        field: "region".into(),
        allowed: allowed.into(),
    };
    let north = content::add_section_access(
        &t.state,
        &people.anna,
        &app.id,
        rule("user", &people.ali.user_id, "North"),
    )
    .await
    .unwrap();
    assert_eq!(north.field, "Region");
    assert_eq!(north.assignee_name, "Ali");
    content::add_section_access(
        &t.state,
        &people.anna,
        &app.id,
        rule("group", &people.sales, "South, East"),
    )
    .await
    .unwrap();
    assert_eq!(
        content::add_section_access(
            &t.state,
            &people.ali,
            &app.id,
            rule("user", &people.ali.user_id, "South")
        )
        .await
        .unwrap_err()
        .status(),
        403,
        "only editors set section access"
    );
    assert!(content::add_section_access(
        &t.state,
        &people.anna,
        &app.id,
        NewAccessRule {
            field: "Country".into(),
            ..rule("user", &people.ali.user_id, "X")
        }
    )
    .await
    .unwrap_err()
    .to_string()
    .contains("\"Country\""));

    let ali = view(&t, &people.ali, &app, None).await;
    assert_eq!(kpi(&ali), 155.5, "the North's orders, no others");
    assert_eq!(
        pane(&ali, "Region"),
        vec![("North".into(), ValueState::Possible)],
        "the list holds no other region"
    );
    assert!(ali.data.as_ref().unwrap().reduced);
    let customers: usize = ali
        .data
        .as_ref()
        .unwrap()
        .tables
        .iter()
        .find(|t| t.name == "customers")
        .unwrap()
        .rows;
    assert_eq!(customers, 2, "counts hold only the North");
    let searched = content::open_sheet(
        &t.state,
        &people.ali,
        &app.id,
        None,
        Some(SelectionChange::Search {
            field: "Region".into(),
            text: "South".into(),
        }),
    )
    .await;
    assert!(searched.is_err(), "search finds nothing of the South");
    if let ChartData::Cube { rows, .. } = chart(&ali, ChartKind::Table) {
        assert!(rows
            .iter()
            .all(|r| !r.labels.contains(&"South".to_string())
                && !r.labels.contains(&"East".to_string())));
    }

    let bob = view(&t, &people.bob, &app, None).await;
    assert_eq!(
        kpi(&bob),
        100.0,
        "Sales may see the South and the East: 70 + 30"
    );
    let admin_member = spaces::create_assignment(
        &t.state,
        &people.anna,
        &space.id,
        NewAssignment {
            assignee_type: AssigneeType::User,
            assignee_id: people.admin.user_id.clone(),
            roles: vec![SpaceRole::Consumer],
        },
    )
    .await;
    assert!(admin_member.is_ok());
    let nobody = view(&t, &people.admin, &app, None).await;
    assert!(
        matches!(chart(&nobody, ChartKind::Kpi), ChartData::Cube { rows, .. } if rows.is_empty() || rows[0].values[0].unwrap_or(0.0) == 0.0),
        "named by no rule: no data"
    );
    assert_eq!(
        kpi(&view(&t, &people.anna, &app, None).await),
        255.5,
        "the app's editor sees everything"
    );

    content::delete_section_access(&t.state, &people.anna, &north.id)
        .await
        .unwrap();
    let rules = content::list_section_access(&t.state, &people.anna, &app.id)
        .await
        .unwrap();
    assert_eq!(rules.len(), 1);
    let after = view(&t, &people.ali, &app, None).await;
    assert!(
        pane(&after, "Region").is_empty(),
        "Ali is named by no rule now"
    );
}

async fn published_and_duplicated_apps_carry_their_data_sheets_and_rules(t: TestDb) {
    let people = tenant(&t).await;
    let (_, app) = sales_app(&t, &people).await;
    content::add_section_access(
        &t.state,
        &people.anna,
        &app.id,
        NewAccessRule {
            assignee_type: "user".into(),
            assignee_id: people.ali.user_id.clone(),
            field: "Region".into(),
            allowed: "East".into(),
        },
    )
    .await
    .unwrap();
    let managed = spaces::create_space(
        &t.state,
        &people.admin,
        NewSpace {
            space_type: SpaceType::Managed,
            name: "Published".into(),
            description: String::new(),
        },
    )
    .await
    .unwrap();
    let assign = |id: &str, role| NewAssignment {
        assignee_type: AssigneeType::User,
        assignee_id: id.into(),
        roles: vec![role],
    };
    spaces::create_assignment(
        &t.state,
        &people.admin,
        &managed.id,
        assign(&people.anna.user_id, SpaceRole::Publisher),
    )
    .await
    .unwrap();
    spaces::create_assignment(
        &t.state,
        &people.admin,
        &managed.id,
        assign(&people.ali.user_id, SpaceRole::Consumer),
    )
    .await
    .unwrap();
    let published = apps::publish_app(
        &t.state,
        &people.anna,
        &app.id,
        PublishInput {
            space_id: managed.id.clone(),
            name: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(published.data_rows, 9);
    assert_eq!(
        kpi(&view(&t, &people.ali, &published, None).await),
        30.0,
        "the copy keeps the data and the rule"
    );

    let extra = content::add_sheet(&t.state, &people.anna, &app.id, "Extra")
        .await
        .unwrap();
    apps::republish_app(&t.state, &people.anna, &app.id, &published.id)
        .await
        .unwrap();
    assert_eq!(
        view(&t, &people.anna, &published, None).await.sheets.len(),
        2,
        "republishing brings the new sheet"
    );
    let copy = apps::duplicate_app(&t.state, &people.anna, &app.id, DuplicateInput::default())
        .await
        .unwrap();
    assert_eq!(view(&t, &people.anna, &copy, None).await.sheets.len(), 2);
    apps::delete_app(&t.state, &people.anna, &app.id)
        .await
        .unwrap();
    assert_eq!(
        kpi(&view(&t, &people.anna, &copy, None).await),
        255.5,
        "the copy's data outlives the original"
    );
    assert_eq!(kpi(&view(&t, &people.ali, &published, None).await), 30.0);
    let _ = extra;
    assert!(
        !t.state.content.storage.app_dir(&app.id).exists(),
        "a deleted app's data goes with it"
    );

    // An app in a personal space goes with its user's account by cascade; housekeeping then
    // removes its data.
    let files = vec![
        upload(&t, &people.bob, "customers.csv", CUSTOMERS.as_bytes())
            .await
            .unwrap(),
    ];
    let mine = content::create_app_from_uploads(
        &t.state,
        &people.bob,
        NewApp {
            name: "Bob's".into(),
            ..Default::default()
        },
        files,
    )
    .await
    .unwrap();
    assert!(t.state.content.storage.app_dir(&mine.id).exists());
    assert_eq!(
        content::forget_orphaned_app_data(&t.state).await.unwrap(),
        0
    );
    directory::delete_user(&t.state, &people.admin, &people.bob.user_id)
        .await
        .unwrap();
    assert_eq!(
        content::forget_orphaned_app_data(&t.state).await.unwrap(),
        1
    );
    assert!(!t.state.content.storage.app_dir(&mine.id).exists());
    assert!(
        t.state.content.storage.app_dir(&copy.id).exists(),
        "other apps' data stays"
    );
}
