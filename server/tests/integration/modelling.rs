//! The data-model step on a real app, as the correct-answers issue tells it: three files whose
//! same-named column links tables it should not, the warning with its fix, the fix applied as
//! the load plan, the app loaded again from its stored files with its sheets, shares and links
//! kept, and the numbers right. Only the app's editors who see all of its rows see its model.

use app::apps::model::NewApp;
use app::content::service as content;
use app::error::AppError;
use app::modelling::service as modelling;
use app::reloads::model::ReloadStatus;
use app::reloads::service as reloads;
use app::spaces::model::{AssigneeType, NewAssignment, NewSpace};
use app::spaces::rules::{SpaceRole, SpaceType};
use app::spaces::service as spaces;

use crate::common::TestDb;

const EVENTS: &str = "id,carrier,plane,year,delay\n1,AA,P1,2013,10\n2,AA,P2,2013,NA\n3,UA,P1,2013,30\n4,UA,P3,2013,-\n";
const CARRIERS: &str = "carrier,name\nAA,American\nUA,United\n";
// `year` here is the year the plane was built: not the events' year.
const PLANES: &str = "plane,year,seats\nP1,1999,150\nP2,2004,180\nP3,2010,200\n";

on_both_databases!(
    a_clashing_field_is_warned_about_fixed_in_the_plan_and_loaded_again,
    the_step_before_an_app_is_made_previews_the_uploads_and_the_app_keeps_the_plan,
);

/// Before the app is made: the uploads previewed, the fix checked, the app made with the plan,
/// which it keeps. Someone else's uploads are nobody's to preview.
async fn the_step_before_an_app_is_made_previews_the_uploads_and_the_app_keeps_the_plan(t: TestDb) {
    let root = t.acme().await;
    let ali = t.active_user(&root, "Ali").await;
    let mut files = Vec::new();
    for (name, csv) in [("events.csv", EVENTS), ("planes.csv", PLANES)] {
        files.push(
            content::stage_file(&t.state, &root, name, csv.as_bytes())
                .await
                .unwrap()
                .id,
        );
    }
    let preview = modelling::preview_uploads(&t.state, &root, &files, None)
        .await
        .unwrap();
    let fix = preview
        .warnings
        .iter()
        .find_map(|w| w.fix.clone())
        .expect("the synthetic key's fix");
    let mut plan = preview.plan.clone();
    plan.column_mut(&fix.table, &fix.field).unwrap().rename = Some(fix.to.clone());
    let checked = modelling::preview_uploads(&t.state, &root, &files, Some(plan.clone()))
        .await
        .unwrap();
    assert!(checked.warnings.is_empty(), "{:?}", checked.warnings);
    let refused = modelling::preview_uploads(&t.state, &ali, &files, None).await;
    assert!(refused.is_err(), "Ali cannot preview Root's uploads");
    let app = content::create_app_with_plan(
        &t.state,
        &root,
        NewApp {
            name: "Flights".into(),
            ..Default::default()
        },
        files,
        Some(plan.clone()),
    )
    .await
    .unwrap();
    let model = modelling::get_data_model(&t.state, &root, &app.id)
        .await
        .unwrap();
    assert_eq!(model.plan, checked.plan);
    assert!(model.warnings.is_empty());
}

async fn a_clashing_field_is_warned_about_fixed_in_the_plan_and_loaded_again(t: TestDb) {
    let root = t.acme().await;
    let ali = t.active_user(&root, "Ali").await;
    let space = spaces::create_space(
        &t.state,
        &root,
        NewSpace {
            space_type: SpaceType::Shared,
            name: "Flights".into(),
            description: String::new(),
        },
    )
    .await
    .unwrap();
    spaces::create_assignment(
        &t.state,
        &root,
        &space.id,
        NewAssignment {
            assignee_type: AssigneeType::User,
            assignee_id: ali.user_id.clone(),
            roles: vec![SpaceRole::Consumer],
        },
    )
    .await
    .unwrap();
    let mut files = Vec::new();
    for (name, csv) in [
        ("events.csv", EVENTS),
        ("carriers.csv", CARRIERS),
        ("planes.csv", PLANES),
    ] {
        files.push(
            content::stage_file(&t.state, &root, name, csv.as_bytes())
                .await
                .unwrap()
                .id,
        );
    }
    let app = content::create_app_from_uploads(
        &t.state,
        &root,
        NewApp {
            name: "Flights".into(),
            space_id: space.id.clone(),
            ..Default::default()
        },
        files,
    )
    .await
    .unwrap();

    // The model as loaded: `plane` and `year` both link events to planes, a synthetic key.
    let model = modelling::get_data_model(&t.state, &root, &app.id)
        .await
        .unwrap();
    assert_eq!(model.tables.len(), 3);
    let delay = model.tables[0]
        .columns
        .iter()
        .find(|c| c.header == "delay")
        .unwrap();
    assert_eq!(
        delay.field_type.as_deref(),
        Some("integer"),
        "NA and - are missing"
    );
    assert_eq!(delay.missing, 2);
    assert_eq!(delay.missing_found, vec!["-", "NA"]);
    let synthetic = model
        .warnings
        .iter()
        .find(|w| w.kind == "synthetic_key")
        .expect("a warning about the synthetic key");
    assert!(
        synthetic.fields.contains(&"year".to_string()),
        "{synthetic:?}"
    );
    let fix = synthetic.fix.clone().expect("a one-click fix");
    // The graph draws the synthetic key's table between the two, with what it combines.
    assert_eq!(model.synthetic.len(), 1, "{:?}", model.synthetic);
    assert_eq!(model.synthetic[0].name, "$Syn 1 Table");
    let mut combined = model.synthetic[0].fields.clone();
    combined.sort();
    assert_eq!(combined, vec!["plane", "year"]);

    // The fix, as the page applies it: the plan renames the planes' `year`.
    let mut plan = model.plan.clone();
    plan.column_mut(&fix.table, &fix.field).unwrap().rename = Some("year built".into());
    let sheets_before = t.count("SELECT COUNT(*) FROM sheets").await;
    let charts_before = t.count("SELECT COUNT(*) FROM charts").await;
    let fixed = reloads::set_load_plan(&t.state, &root, &app.id, plan)
        .await
        .unwrap();
    assert!(
        fixed.warnings.iter().all(|w| w.kind != "synthetic_key"),
        "{:?}",
        fixed.warnings
    );
    assert!(fixed.synthetic.is_empty(), "{:?}", fixed.synthetic);
    let plane = fixed.links.iter().find(|l| l.field == "plane").unwrap();
    assert!(
        plane.sides.iter().all(|s| s.matched == s.values),
        "{plane:?}"
    );
    assert!(fixed.links.iter().all(|l| l.field != "year"));
    assert_eq!(t.count("SELECT COUNT(*) FROM sheets").await, sheets_before);
    assert_eq!(t.count("SELECT COUNT(*) FROM charts").await, charts_before);
    // "Load again" is a reload like any other: in the app's history, by whom, with its tables.
    let history = reloads::list_reloads(
        &t.state,
        &root,
        reloads::ReloadQuery {
            app_id: Some(app.id.clone()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(history.reloads.len(), 1, "{:?}", history.reloads);
    let reload = &history.reloads[0];
    assert_eq!(reload.status, ReloadStatus::Succeeded, "{reload:?}");
    assert_eq!(reload.user_id, root.user_id);
    assert!(
        reload.tables.iter().any(|t| t.table == "planes"),
        "{reload:?}"
    );
    // The plan is kept: the page shows it again, and a copy of the app loads the same way.
    let again = modelling::get_data_model(&t.state, &root, &app.id)
        .await
        .unwrap();
    assert_eq!(again.plan, fixed.plan);
    // The sheet opens on the new data: every event, whatever plane year.
    let sheet = content::open_sheet(&t.state, &root, &app.id, None, None)
        .await
        .unwrap();
    assert!(!sheet.charts.is_empty());

    // Bad plans are refused by name and change nothing.
    let mut bad = fixed.plan.clone();
    bad.column_mut("planes", "seats").unwrap().field_type = Some("number".into());
    let refused = reloads::set_load_plan(&t.state, &root, &app.id, bad)
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("not a type"), "{refused}");
    assert_eq!(
        t.count("SELECT COUNT(*) FROM reloads").await,
        1,
        "a refused plan queues nothing"
    );

    // A viewer does not see the model (it shows values of every row).
    let refused = modelling::get_data_model(&t.state, &ali, &app.id).await;
    assert!(
        matches!(refused, Err(AppError::Forbidden(_))),
        "{refused:?}"
    );
    // Section access decides through the one rule the sheets use (`content::rules::
    // sees_all_rows`): a draft's editors see every row, rules or not, so an editor sees the
    // model even with a rule naming them; everyone else is refused above.
    let assignment = spaces::list_assignments(&t.state, &root, &space.id)
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.assignee_id == ali.user_id)
        .unwrap();
    spaces::update_assignment(
        &t.state,
        &root,
        &space.id,
        &assignment.id,
        vec![SpaceRole::Producer],
    )
    .await
    .unwrap();
    content::add_section_access(
        &t.state,
        &root,
        &app.id,
        app::content::model::NewAccessRule {
            assignee_type: "user".into(),
            assignee_id: ali.user_id.clone(),
            field: "carrier".into(),
            allowed: "AA".into(),
        },
    )
    .await
    .unwrap();
    let seen = modelling::get_data_model(&t.state, &ali, &app.id)
        .await
        .unwrap();
    assert_eq!(seen.tables.len(), 3);
    let sheet = content::open_sheet(&t.state, &ali, &app.id, None, None)
        .await
        .unwrap();
    let rows = sheet.charts.iter().find_map(|c| match &c.data {
        app::content::model::ChartData::Cube {
            dimensions,
            measures,
            totals,
            ..
        } if dimensions.is_empty() && measures == &["Count of id"] => totals[0],
        _ => None,
    });
    assert_eq!(
        rows,
        Some(4.0),
        "the sheets show the editor every flight too, AA's and UA's"
    );
}
