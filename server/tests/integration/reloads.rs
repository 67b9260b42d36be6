//! Reloads, as the data-that-stays-current issue tells them: an editor appends a month to an app
//! that a viewer has open with a selection; the reload runs in the background, the app keeps its
//! id, sheets and shares, and the viewer's next look shows the new month with their selection
//! kept. A bad file fails the reload and leaves the old data serving; a reload whose process
//! stopped is marked failed; one reload per app at a time; viewers cannot reload.

use app::apps::model::NewApp;
use app::content::model::{ChartData, SelectionChange, SheetView};
use app::content::service as content;
use app::error::AppError;
use app::reloads::model::{DataChange, Reload, ReloadKind, ReloadStatus};
use app::reloads::service::{self as reloads, ReloadQuery};
use app::spaces::model::{AssigneeType, NewAssignment, NewSpace};
use app::spaces::rules::{SpaceRole, SpaceType};
use app::spaces::service as spaces;

use crate::common::TestDb;

const NOVEMBER: &str = "Month,Region,Amount\nNov,North,10\nNov,South,20\nNov,NA,5\n";
const DECEMBER: &str = "Month,Amount,Region\nDec,100,North\nDec,200,East\n";
const REGIONS: &str = "Region,Manager\nNorth,Ann\nSouth,Bo\n";

on_both_databases!(
    an_editor_appends_a_month_and_a_viewer_keeps_their_selection,
    a_bad_file_fails_the_reload_and_the_old_data_keeps_serving,
    one_reload_at_a_time_and_only_editors_reload,
    a_replaced_file_goes_and_a_stopped_process_fails_its_reload,
);

pub(crate) async fn stage(
    t: &TestDb,
    who: &app::auth::principal::Principal,
    name: &str,
    csv: &str,
) -> String {
    content::stage_file(&t.state, who, name, csv.as_bytes())
        .await
        .unwrap()
        .id
}

/// The app of November's sales and the regions, in a shared space where Ali is a consumer.
pub(crate) async fn sales_app(
    t: &TestDb,
) -> (
    app::auth::principal::Principal,
    app::auth::principal::Principal,
    String,
) {
    let root = t.acme().await;
    let ali = t.active_user(&root, "Ali").await;
    let space = spaces::create_space(
        &t.state,
        &root,
        NewSpace {
            space_type: SpaceType::Shared,
            name: "Sales".into(),
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
    let files = vec![
        stage(t, &root, "sales.csv", NOVEMBER).await,
        stage(t, &root, "regions.csv", REGIONS).await,
    ];
    let app = content::create_app_from_uploads(
        &t.state,
        &root,
        NewApp {
            name: "Sales".into(),
            space_id: space.id.clone(),
            ..Default::default()
        },
        files,
    )
    .await
    .unwrap();
    (root, ali, app.id)
}

/// Waits for a reload to end, as a page polling its record would.
pub(crate) async fn ended(t: &TestDb, who: &app::auth::principal::Principal, id: &str) -> Reload {
    for _ in 0..400 {
        let reload = reloads::get_reload(&t.state, who, id).await.unwrap();
        if !reload.status.is_active() {
            return reload;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("the reload did not end within 10 seconds");
}

/// The total of the first chart that adds up `Amount`, as the sheet shows it.
fn amount_total(sheet: &SheetView) -> Option<f64> {
    sheet.charts.iter().find_map(|c| match &c.data {
        ChartData::Cube {
            measures, totals, ..
        } if measures.iter().any(|m| m.contains("Amount")) => totals[0],
        _ => None,
    })
}

async fn an_editor_appends_a_month_and_a_viewer_keeps_their_selection(t: TestDb) {
    let (root, ali, app_id) = sales_app(&t).await;
    let sheets = t.count("SELECT COUNT(*) FROM sheets").await;
    let charts = t.count("SELECT COUNT(*) FROM charts").await;
    // Ali looks at the North.
    let before = content::open_sheet(
        &t.state,
        &ali,
        &app_id,
        None,
        Some(SelectionChange::SelectValues {
            field: "Region".into(),
            values: vec!["North".into()],
        }),
    )
    .await
    .unwrap();
    assert_eq!(amount_total(&before), Some(10.0), "November's North");
    let version = before.data_version;

    // Root appends December, whose columns come in another order.
    let december = stage(&t, &root, "sales-2026-12.csv", DECEMBER).await;
    let queued = reloads::create_reload(
        &t.state,
        &root,
        &app_id,
        vec![DataChange::Append {
            table: "sales".into(),
            file_id: december,
        }],
        ReloadKind::Hub,
    )
    .await
    .unwrap();
    assert_eq!(queued.app_id, app_id, "the same app");
    let done = ended(&t, &root, &queued.id).await;
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
        vec![("sales".to_string(), 5), ("regions".to_string(), 2)]
    );
    assert!(done.log.contains("sales-2026-12.csv"), "{}", done.log);
    assert!(done.started_at.is_some() && done.ended_at >= done.started_at);

    // Ali's next look: the new month, the North still selected, the sheet as it was.
    let after = content::open_sheet(&t.state, &ali, &app_id, None, None)
        .await
        .unwrap();
    assert_eq!(
        after.data_version,
        version + 1,
        "the sheet can say the data was updated"
    );
    assert!(after.data_loaded_at > 0);
    let chips: Vec<(String, Vec<String>)> = after
        .selections
        .iter()
        .map(|c| (c.field.clone(), c.values.clone()))
        .collect();
    assert_eq!(
        chips,
        vec![("Region".to_string(), vec!["North".to_string()])]
    );
    assert_eq!(
        amount_total(&after),
        Some(110.0),
        "November's and December's North"
    );
    assert_eq!(t.count("SELECT COUNT(*) FROM sheets").await, sheets);
    assert_eq!(t.count("SELECT COUNT(*) FROM charts").await, charts);
    assert_eq!(
        t.count("SELECT COUNT(*) FROM data_files WHERE app_id IS NOT NULL")
            .await,
        3
    );

    // The history, newest first, for whoever may open the app; the audit names who did it.
    let history = reloads::list_reloads(
        &t.state,
        &ali,
        ReloadQuery {
            app_id: Some(app_id.clone()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(history.reloads.len(), 1);
    assert!(!history.can_reload, "Ali views; she does not reload");
    assert_eq!(
        t.count("SELECT COUNT(*) FROM audit_events WHERE action = 'reload.create'")
            .await,
        1
    );
    assert_eq!(
        t.count("SELECT COUNT(*) FROM audit_events WHERE action = 'app.load' AND detail LIKE 'reloaded%'").await,
        1
    );

    // A reload from the app's files alone loads the same rows again.
    let again = reloads::create_reload(&t.state, &root, &app_id, vec![], ReloadKind::External)
        .await
        .unwrap();
    let again = ended(&t, &root, &again.id).await;
    assert_eq!(again.status, ReloadStatus::Succeeded, "{}", again.error);
    assert_eq!(again.tables[0].rows, 5);
    // Only the snapshot of the load before the current one stays beside it.
    let dir = t.data_dir().join("apps").join(&app_id);
    let mut snapshots: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".snap"))
        .collect();
    snapshots.sort();
    assert_eq!(
        snapshots,
        vec![
            format!("model-{}.snap", version + 1),
            format!("model-{}.snap", version + 2)
        ]
    );
}

async fn a_bad_file_fails_the_reload_and_the_old_data_keeps_serving(t: TestDb) {
    let (root, _ali, app_id) = sales_app(&t).await;
    let broken = stage(
        &t,
        &root,
        "sales-2026-12.csv",
        "Month,Amount\nDec,1,2,3\n\"unclosed\n",
    )
    .await;
    let queued = reloads::create_reload(
        &t.state,
        &root,
        &app_id,
        vec![DataChange::Append {
            table: "sales".into(),
            file_id: broken,
        }],
        ReloadKind::Hub,
    )
    .await
    .unwrap();
    let done = ended(&t, &root, &queued.id).await;
    assert_eq!(done.status, ReloadStatus::Failed);
    assert!(
        done.error.contains("sales-2026-12.csv"),
        "the error names the file: {}",
        done.error
    );
    let sheet = content::open_sheet(&t.state, &root, &app_id, None, None)
        .await
        .unwrap();
    assert_eq!(sheet.data_version, 1, "the old data");
    assert_eq!(amount_total(&sheet), Some(35.0));
    // The upload is still the caller's, to fix and try again.
    assert_eq!(
        t.count("SELECT COUNT(*) FROM data_files WHERE app_id IS NULL")
            .await,
        1
    );
}

async fn one_reload_at_a_time_and_only_editors_reload(t: TestDb) {
    let (root, ali, app_id) = sales_app(&t).await;
    let refused = reloads::create_reload(&t.state, &ali, &app_id, vec![], ReloadKind::Hub).await;
    assert!(
        matches!(refused, Err(AppError::Forbidden(_))),
        "{refused:?}"
    );

    // While the process's turns are all taken, a reload waits, queued.
    let turns = t
        .state
        .content
        .reload_turns
        .acquire_many(app::reloads::MAX_RUNNING as u32)
        .await
        .unwrap();
    let first = reloads::create_reload(&t.state, &root, &app_id, vec![], ReloadKind::Hub)
        .await
        .unwrap();
    assert_eq!(first.status, ReloadStatus::Queued);
    let second =
        reloads::create_reload(&t.state, &root, &app_id, vec![], ReloadKind::External).await;
    match second {
        Err(AppError::Conflict(message)) => {
            assert!(
                message.contains("already reloading") && message.contains("cancel"),
                "{message}"
            )
        }
        other => panic!("a second reload while one is queued: {other:?}"),
    }
    let refused = reloads::cancel_reload(&t.state, &ali, &first.id).await;
    assert!(
        matches!(refused, Err(AppError::Forbidden(_))),
        "{refused:?}"
    );
    let cancelled = reloads::cancel_reload(&t.state, &root, &first.id)
        .await
        .unwrap();
    assert_eq!(cancelled.status, ReloadStatus::Canceled);
    drop(turns);
    let over = reloads::cancel_reload(&t.state, &root, &first.id).await;
    assert!(matches!(over, Err(AppError::Conflict(_))), "{over:?}");
    // Cancelled before it started: the next one runs.
    let next = reloads::create_reload(&t.state, &root, &app_id, vec![], ReloadKind::Hub)
        .await
        .unwrap();
    assert_eq!(
        ended(&t, &root, &next.id).await.status,
        ReloadStatus::Succeeded
    );
    assert_eq!(
        t.count("SELECT COUNT(*) FROM audit_events WHERE action = 'reload.cancel'")
            .await,
        1
    );
}

async fn a_replaced_file_goes_and_a_stopped_process_fails_its_reload(t: TestDb) {
    let (root, _ali, app_id) = sales_app(&t).await;
    // A filter pane of the managers, whose column the new regions file no longer has.
    let sheet = content::open_sheet(&t.state, &root, &app_id, None, None)
        .await
        .unwrap()
        .sheet
        .unwrap();
    let managers = app::content::model::ChartSpec {
        kind: app::content::model::ChartKind::FilterPane,
        title: "Managers".into(),
        dimensions: vec!["Manager".into()],
        measures: vec![],
        sort_by: app::content::model::SortBy::Dimension,
        descending: false,
        top: None,
        hide_missing: false,
    };
    let chart = content::save_chart(&t.state, &root, &sheet.id, None, managers)
        .await
        .unwrap();
    let old: String = sqlx::query_scalar("SELECT id FROM data_files WHERE name = 'regions.csv'")
        .fetch_one(&t.state.db)
        .await
        .unwrap();
    let regions = stage(&t, &root, "regions.csv", "Region,Boss\nNorth,Cy\nEast,Di\n").await;
    let queued = reloads::create_reload(
        &t.state,
        &root,
        &app_id,
        vec![DataChange::Replace {
            table: "regions".into(),
            file_id: regions.clone(),
        }],
        ReloadKind::Hub,
    )
    .await
    .unwrap();
    let done = ended(&t, &root, &queued.id).await;
    assert_eq!(done.status, ReloadStatus::Succeeded, "{}", done.error);
    let files: Vec<String> =
        sqlx::query_scalar("SELECT id FROM data_files WHERE app_id IS NOT NULL ORDER BY name")
            .fetch_all(&t.state.db)
            .await
            .unwrap();
    assert!(
        files.contains(&regions) && !files.contains(&old),
        "{files:?}"
    );
    assert!(!t.data_dir().join("apps").join(&app_id).join(&old).exists());
    // The chart whose field is gone says so, by name; the app and the rest of its sheet serve.
    let after = content::open_sheet(&t.state, &root, &app_id, None, None)
        .await
        .unwrap();
    let pane = after.charts.iter().find(|c| c.id == chart).unwrap();
    match &pane.data {
        ChartData::Problem(words) => {
            assert!(words.contains("no field \"Manager\" any more"), "{words}")
        }
        other => panic!("the managers' pane on data without managers: {other:?}"),
    }

    // A reload whose process was killed: its claim runs out, and it is marked failed.
    sqlx::query("INSERT INTO reloads (id, tenant_id, app_id, user_id, kind, status, created_at, started_at, lease_owner, lease_until) SELECT 'gone', tenant_id, id, '', 'hub', 'RELOADING', 1, 1, 'a killed process', 2 FROM apps WHERE id = $1")
        .bind(&app_id)
        .execute(&t.state.db)
        .await
        .unwrap();
    assert_eq!(reloads::fail_abandoned_reloads(&t.state).await.unwrap(), 1);
    let gone = reloads::get_reload(&t.state, &root, "gone").await.unwrap();
    assert_eq!(gone.status, ReloadStatus::Failed);
    assert!(
        gone.error.contains("stopped before it finished"),
        "{}",
        gone.error
    );
    assert_eq!(reloads::fail_abandoned_reloads(&t.state).await.unwrap(), 0);
}
