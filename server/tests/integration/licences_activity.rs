//! A person viewing sheets on an open connection: the licence is checked on every view, and the
//! connection is written at most once a minute, with no lock of the tenant, unless the view
//! consumes (a Usage CAL past its hour).

use std::time::Duration;

use crate::common::{Backend, TestDb};
use app::content::service as content;
use app::licences::model::{LicenceSettings, Scheme};
use app::licences::service as licences;
use app::sql::{lock_row, Parent};

use crate::common::world::{world, World};

async fn view(t: &TestDb, w: &World) {
    let viewing = content::open_sheet(&t.state, &w.ali, &w.app.id, None, None);
    tokio::time::timeout(Duration::from_secs(20), viewing)
        .await
        .expect("a view on an open connection waits for nobody's lock")
        .expect("the view is licensed");
}

async fn last_seen(t: &TestDb, w: &World) -> i64 {
    sqlx::query_scalar(
        "SELECT last_seen_at FROM licence_connections WHERE user_id = $1 AND ended_at IS NULL",
    )
    .bind(&w.ali.user_id)
    .fetch_one(&t.state.db)
    .await
    .unwrap()
}

async fn scheme(t: &TestDb, w: &World, settings: LicenceSettings) {
    licences::set_licence_settings(&t.state, &w.admin, settings)
        .await
        .unwrap();
}

async fn views_within_a_minute_write_nothing_and_wait_for_no_tenant_lock(t: TestDb) {
    let w = world(&t).await;
    let named = LicenceSettings {
        scheme: Some(Scheme::Cals),
        named_cals: 10,
        dynamic_named: true,
        ..Default::default()
    };
    scheme(&t, &w, named).await;
    view(&t, &w).await;
    let opened = last_seen(&t, &w).await;

    // An admin's licence change holds the tenant's row lock on PostgreSQL (on SQLite, one
    // process, writers take turns on the one connection anyway); Ali goes on selecting.
    let mut admin = match t.backend() {
        Backend::Postgres => {
            let mut admin = t.state.db.begin().await.unwrap();
            lock_row(&mut admin, Parent::Tenant, &w.admin.tenant_id)
                .await
                .unwrap();
            Some(admin)
        }
        Backend::Sqlite => None,
    };
    for _ in 0..3 {
        t.clock.advance_ms(15_000);
        view(&t, &w).await;
    }
    assert_eq!(
        last_seen(&t, &w).await,
        opened,
        "seen 45 s ago: not written"
    );
    if let Some(admin) = admin.take() {
        admin.rollback().await.unwrap();
    }

    t.clock.advance_ms(15_000);
    view(&t, &w).await;
    assert_eq!(
        last_seen(&t, &w).await,
        opened + 60_000,
        "a minute on, the view is recorded"
    );
    assert_eq!(
        t.count("SELECT COUNT(*) FROM licence_connections").await,
        1,
        "one connection throughout"
    );
}

async fn a_usage_cal_past_its_hour_consumes_another_even_when_seen_a_moment_ago(t: TestDb) {
    let w = world(&t).await;
    let usage = LicenceSettings {
        scheme: Some(Scheme::Cals),
        usage_cals: 10,
        ..Default::default()
    };
    scheme(&t, &w, usage).await;
    let consumed = || {
        t.count(
            "SELECT COUNT(*) FROM licence_ledger WHERE event = 'consume' AND kind = 'usage_cal'",
        )
    };
    view(&t, &w).await;
    assert_eq!(consumed().await, 1);
    for _ in 0..2 {
        t.minutes(20);
        view(&t, &w).await;
    }
    t.clock.advance_ms(19 * 60_000 + 30_000);
    view(&t, &w).await;
    assert_eq!(consumed().await, 1, "within the hour");
    t.clock.advance_ms(30_000);
    view(&t, &w).await;
    assert_eq!(consumed().await, 2, "the hour is over: a second Usage CAL");
    t.clock.advance_ms(10_000);
    view(&t, &w).await;
    assert_eq!(consumed().await, 2, "the second one covers the next view");

    // Ali leaves for 40 minutes (the connection ends idle) and comes back: the second Usage CAL
    // still covers the new connection, until its own hour ends, not for an hour from the return.
    t.minutes(40);
    view(&t, &w).await;
    assert_eq!(consumed().await, 2, "back within the second hour");
    t.minutes(20);
    view(&t, &w).await;
    assert_eq!(consumed().await, 3, "the second hour is over: a third");
}

on_both_databases!(
    views_within_a_minute_write_nothing_and_wait_for_no_tenant_lock,
    a_usage_cal_past_its_hour_consumes_another_even_when_seen_a_moment_ago,
);
