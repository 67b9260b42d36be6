//! An app's data kept on disk and in memory under a budget, on SQLite and PostgreSQL: a model
//! past the budget is evicted and loaded again when next opened. The fixtures are `content`'s.

use crate::common::TestDb;
use crate::content::*;
use app::apps::model::*;
use app::content::model::*;
use app::content::service as content;

/// Runs with a memory budget smaller than one model: each load evicts the others.
mod memory_budget {
    use crate::common::{run, Backend, TestDb};

    fn tiny(settings: &mut app::settings::Settings) {
        settings.memory_budget_bytes = 700;
    }

    #[test]
    fn sqlite() {
        run(async {
            super::a_model_past_the_memory_budget_is_evicted_and_reloads_transparently(
                TestDb::with_settings(Backend::Sqlite, tiny).await,
            )
            .await
        })
    }

    #[test]
    fn postgres() {
        run(async {
            super::a_model_past_the_memory_budget_is_evicted_and_reloads_transparently(
                TestDb::with_settings(Backend::Postgres, tiny).await,
            )
            .await
        })
    }
}

async fn a_model_past_the_memory_budget_is_evicted_and_reloads_transparently(t: TestDb) {
    let people = tenant(&t).await;
    let (space, app) = sales_app(&t, &people).await;
    let files = vec![
        upload(&t, &people.anna, "customers.csv", CUSTOMERS.as_bytes())
            .await
            .unwrap(),
    ];
    let other = content::create_app_from_uploads(
        &t.state,
        &people.anna,
        NewApp {
            name: "Customers".into(),
            space_id: space.id.clone(),
            ..Default::default()
        },
        files,
    )
    .await
    .unwrap();
    let first = view(&t, &people.ali, &app, None).await;
    let north = code_in(&first, "Region", "North");
    view(
        &t,
        &people.ali,
        &app,
        Some(SelectionChange::Toggle {
            field: "Region".into(),
            code: north,
        }),
    )
    .await;
    view(&t, &people.ali, &other, None).await;
    let stats = t.state.content.engines.stats();
    assert_eq!(
        stats.models, 1,
        "the budget holds one model at a time: {stats:?}"
    );
    assert!(stats.evictions >= 1);
    assert_eq!(
        kpi(&view(&t, &people.ali, &app, None).await),
        155.5,
        "reloaded, with the viewer's selection still on"
    );

    // Without its snapshot, an app loads from its files again and writes a new one.
    let snapshot = t.state.content.storage.snapshot(&app.id, 1);
    std::fs::remove_file(&snapshot).unwrap();
    t.state.content.engines.forget_app(&app.id);
    assert_eq!(kpi(&view(&t, &people.ali, &app, None).await), 255.5);
    assert!(snapshot.exists(), "a new snapshot was written");
}
