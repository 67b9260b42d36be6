//! Finding 8: no data is lost to housekeeping or to a deleted account.

use super::*;

// --- 8. No data is lost ------------------------------------------------------------------------

async fn housekeeping_never_removes_the_data_of_an_app_being_made(t: TestDb) {
    let w = world(&t).await;
    let draft_id = w.app.source_app_id.clone().unwrap();
    let draft = app::apps::store::get_app(
        &mut t.state.db.acquire().await.unwrap(),
        &w.anna.tenant_id,
        &draft_id,
    )
    .await
    .unwrap()
    .unwrap();
    let now = t.state.now();
    let mut tx = t.state.db.begin().await.unwrap();
    let copy = apps::insert_new_app(
        &mut tx,
        &w.anna,
        &NewApp {
            name: "In the making".into(),
            space_id: draft.space_id.clone(),
            ..Default::default()
        },
        now,
    )
    .await
    .unwrap();
    app::content::data::copy_content(&mut tx, &t.state, &draft, &copy.id, false, now)
        .await
        .unwrap();
    // Housekeeping runs meanwhile (on PostgreSQL it cannot see the uncommitted row).
    let state = t.state.clone();
    let housekeeping =
        tokio::spawn(async move { content::forget_orphaned_app_data(&state).await.unwrap() });
    if t.url.starts_with("postgres") {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    }
    tx.commit().await.unwrap();
    housekeeping.await.unwrap();
    app::content::data::promote(&t.state, &copy.id);
    assert!(
        t.state.content.storage.snapshot(&copy.id, 1).exists(),
        "the new app's snapshot survived housekeeping"
    );
    assert!(content::open_sheet(&t.state, &w.anna, &copy.id, None, None)
        .await
        .is_ok());
}

async fn deleting_an_uploader_keeps_the_data_of_apps_that_survive_them(t: TestDb) {
    let w = world(&t).await;
    let files = |id: &str| format!("SELECT COUNT(*) FROM data_files WHERE app_id = '{id}'");
    assert_eq!(t.count(&files(&w.app.id)).await, 2);
    // Anna uploaded the files; the published app lives on in the managed space without her.
    directory::delete_user(&t.state, &w.admin, &w.anna.user_id)
        .await
        .unwrap();
    assert_eq!(
        t.count(&files(&w.app.id)).await,
        2,
        "the published app keeps its data files"
    );
    // A damaged snapshot is rebuilt from them, not from nothing.
    let version = t
        .count(&format!(
            "SELECT data_version FROM apps WHERE id = '{}'",
            w.app.id
        ))
        .await;
    let snapshot = t.state.content.storage.snapshot(&w.app.id, version);
    assert!(snapshot.exists());
    std::fs::write(&snapshot, b"damaged").unwrap();
    t.state.content.engines.forget_app(&w.app.id);
    assert_eq!(sees(&t, &w.pat, &w.app.id).await, ALL);
    // With neither snapshot nor files, opening fails loudly instead of writing an empty model.
    sqlx::query("DELETE FROM data_files WHERE app_id = $1")
        .bind(&w.app.id)
        .execute(&t.state.db)
        .await
        .unwrap();
    std::fs::write(&snapshot, b"damaged").unwrap();
    t.state.content.engines.forget_app(&w.app.id);
    let failed = content::open_sheet(&t.state, &w.pat, &w.app.id, None, None).await;
    assert!(
        matches!(failed, Err(AppError::Internal { .. })),
        "{failed:?}"
    );
    assert_eq!(
        std::fs::read(&snapshot).unwrap(),
        b"damaged",
        "nothing was written over it"
    );
}

on_both_databases!(
    housekeeping_never_removes_the_data_of_an_app_being_made,
    deleting_an_uploader_keeps_the_data_of_apps_that_survive_them,
);
