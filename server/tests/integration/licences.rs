//! Licences on SQLite and PostgreSQL, as QlikView's CALs and Qlik Sense's access passes work:
//! who gets which licence when an app opens, what a denied person reads, quarantine and its end,
//! and 200 opens at once against 6 Session CALs.

use crate::common::TestDb;
use app::auth::principal::{Credential, Principal};
use app::content::service as content;
use app::error::AppError;
use app::licences::model::LicenceKind;
use app::licences::model::LicenceSettings;
use app::licences::model::Scheme;
use app::licences::rules::Release;
use app::licences::service as licences;

use crate::common::world::{world, World};

/// The same person in another browser: another client, for Session CALs.
fn in_browser(principal: &Principal, browser: &str) -> Principal {
    Principal {
        credential: Credential::Session {
            id_hash: format!("{}-{browser}", principal.user_id),
        },
        ..principal.clone()
    }
}

async fn open(t: &TestDb, w: &World, who: &Principal) -> Result<(), AppError> {
    content::open_sheet(&t.state, who, &w.app.id, None, None)
        .await
        .map(|_| ())
}

fn tried(error: AppError) -> Vec<(String, String)> {
    match error {
        AppError::NoLicence { tried, .. } => tried.into_iter().map(|t| (t.code, t.why)).collect(),
        other => panic!("expected a licence denial, got {other:?}"),
    }
}

async fn cals(t: &TestDb, w: &World, named: i64, session: i64, usage: i64) {
    licences::set_licence_settings(
        &t.state,
        &w.admin,
        LicenceSettings {
            scheme: Some(Scheme::Cals),
            named_cals: named,
            dynamic_named: true,
            session_cals: session,
            usage_cals: usage,
            ..Default::default()
        },
    )
    .await
    .unwrap();
}

async fn tokens(t: &TestDb, w: &World, tokens: i64) {
    let settings = LicenceSettings {
        scheme: Some(Scheme::Tokens),
        tokens,
        ..Default::default()
    };
    licences::set_licence_settings(&t.state, &w.admin, settings)
        .await
        .unwrap();
}

async fn ledger_count(t: &TestDb, event: &str, kind: &str) -> i64 {
    t.count(&format!(
        "SELECT COUNT(*) FROM licence_ledger WHERE event = '{event}' AND kind = '{kind}'"
    ))
    .await
}

async fn a_tenant_without_a_scheme_counts_nothing(t: TestDb) {
    let w = world(&t).await;
    open(&t, &w, &w.ali).await.unwrap();
    assert_eq!(t.count("SELECT COUNT(*) FROM licence_connections").await, 0);
}

async fn cals_are_given_in_the_seeds_order_and_a_denial_says_why_for_each(t: TestDb) {
    let w = world(&t).await;
    cals(&t, &w, 1, 1, 0).await;
    // Anna takes the one Named CAL (dynamic assignment), Ali the one Session CAL.
    open(&t, &w, &w.anna).await.unwrap();
    open(&t, &w, &w.ali).await.unwrap();
    assert_eq!(ledger_count(&t, "allocate", "named_cal").await, 1);
    assert_eq!(ledger_count(&t, "consume", "session_cal").await, 1);
    // Anna again: her Named CAL, nothing new.
    open(&t, &w, &in_browser(&w.anna, "phone")).await.unwrap();
    assert_eq!(ledger_count(&t, "allocate", "named_cal").await, 1);
    // Pat is denied, and reads why each kind was unavailable.
    let denial = open(&t, &w, &w.pat).await.unwrap_err();
    assert_eq!(denial.status(), 403);
    let reasons = tried(denial);
    let codes: Vec<&str> = reasons.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(
        codes,
        [
            "NoAvailableAccessType",
            "NoDocumentPool",
            "NoAvailableAccessType",
            "NoAvailableAccessType"
        ]
    );
    assert!(
        reasons[2]
            .1
            .starts_with("no Session CAL free: 1 of 1 in use"),
        "{reasons:?}"
    );
    assert_eq!(ledger_count(&t, "deny", "usage_cal").await, 1);
    // Ali closes the app: the Session CAL is held 15 minutes from when it was taken.
    licences::disconnect(&t.state, &w.ali, &w.app.id)
        .await
        .unwrap();
    t.minutes(5);
    let reasons = tried(open(&t, &w, &w.pat).await.unwrap_err());
    assert!(reasons[2].1.contains("the next frees at"), "{reasons:?}");
    t.minutes(10);
    open(&t, &w, &w.pat).await.unwrap();
}

async fn the_same_client_reuses_its_session_cal_within_15_minutes(t: TestDb) {
    let w = world(&t).await;
    cals(&t, &w, 0, 1, 0).await;
    open(&t, &w, &w.ali).await.unwrap();
    licences::disconnect(&t.state, &w.ali, &w.app.id)
        .await
        .unwrap();
    t.minutes(3);
    open(&t, &w, &w.ali).await.unwrap();
    assert_eq!(
        ledger_count(&t, "consume", "session_cal").await,
        1,
        "reopened within 15 minutes: the same CAL"
    );
    assert!(
        open(&t, &w, &w.pat).await.is_err(),
        "and still held for others"
    );
}

async fn an_idle_connection_ends_and_frees_its_session_cal(t: TestDb) {
    let w = world(&t).await;
    cals(&t, &w, 0, 1, 0).await;
    open(&t, &w, &w.ali).await.unwrap();
    t.minutes(29);
    assert!(open(&t, &w, &w.pat).await.is_err());
    t.minutes(2);
    open(&t, &w, &w.pat).await.unwrap();
}

async fn two_hundred_opens_at_once_against_six_session_cals_give_exactly_six(t: TestDb) {
    let w = world(&t).await;
    cals(&t, &w, 0, 6, 0).await;
    let mut tasks = Vec::new();
    for i in 0..200 {
        let state = t.state.clone();
        let who = in_browser(&w.ali, &format!("b{i}"));
        let app_id = w.app.id.clone();
        tasks.push(tokio::spawn(async move {
            content::open_sheet(&state, &who, &app_id, None, None).await
        }));
    }
    let (mut granted, mut denied) = (0, 0);
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => granted += 1,
            Err(AppError::NoLicence { tried, .. }) => {
                assert!(
                    tried.iter().any(|t| t.why.contains("6 of 6 in use")),
                    "{tried:?}"
                );
                denied += 1;
            }
            Err(other) => panic!("an open failed otherwise: {other:?}"),
        }
    }
    assert_eq!((granted, denied), (6, 194));
    assert_eq!(ledger_count(&t, "consume", "session_cal").await, 6);
    assert_eq!(
        t.count("SELECT COUNT(*) FROM licence_ledger WHERE event = 'deny'")
            .await,
        194
    );
}

/// The review's finding 9: deleting a user freed their pass at once, quarantine and all. Now
/// the deletion takes it back as a removal does: its token waits out the quarantine, and the
/// ledger says so.
async fn deleting_a_user_does_not_free_their_pass_before_its_quarantine_ends(t: TestDb) {
    let w = world(&t).await;
    tokens(&t, &w, 1).await;
    licences::assign_licence(
        &t.state,
        &w.admin,
        LicenceKind::UserPass,
        &w.ali.user_id,
        "",
    )
    .await
    .unwrap();
    open(&t, &w, &w.ali).await.unwrap();
    app::directory::service::delete_user(&t.state, &w.admin, &w.ali.user_id)
        .await
        .unwrap();
    assert_eq!(ledger_count(&t, "quarantine", "user_pass").await, 1);
    let refused = licences::assign_licence(
        &t.state,
        &w.admin,
        LicenceKind::UserPass,
        &w.pat.user_id,
        "",
    )
    .await
    .unwrap_err();
    assert!(
        refused
            .to_string()
            .contains("1 of 1 in use or in quarantine"),
        "{refused}"
    );
    t.minutes(7 * 24 * 60 + 1);
    licences::assign_licence(
        &t.state,
        &w.admin,
        LicenceKind::UserPass,
        &w.pat.user_id,
        "",
    )
    .await
    .expect("free once the quarantine is over");
}

async fn a_removed_pass_waits_in_quarantine_and_comes_back_to_its_person_at_no_cost(t: TestDb) {
    let w = world(&t).await;
    tokens(&t, &w, 1).await;
    licences::assign_licence(
        &t.state,
        &w.admin,
        LicenceKind::UserPass,
        &w.ali.user_id,
        "",
    )
    .await
    .unwrap();
    open(&t, &w, &w.ali).await.unwrap();
    let denied = tried(open(&t, &w, &w.pat).await.unwrap_err());
    assert_eq!(denied[0].0, "NotAssigned");
    let release = licences::remove_licence(
        &t.state,
        &w.admin,
        LicenceKind::UserPass,
        &w.ali.user_id,
        "",
    )
    .await
    .unwrap();
    let Release::QuarantinedUntil(until) = release else {
        panic!("a pass used just now is quarantined");
    };
    assert_eq!(until, t.state.now() + 7 * 24 * 60 * 60 * 1000);
    // Its token is not free for Pat.
    let refused = licences::assign_licence(
        &t.state,
        &w.admin,
        LicenceKind::UserPass,
        &w.pat.user_id,
        "",
    )
    .await
    .unwrap_err();
    assert!(
        refused
            .to_string()
            .contains("1 of 1 in use or in quarantine"),
        "{refused}"
    );
    // Given back to Ali, at no cost.
    licences::assign_licence(
        &t.state,
        &w.admin,
        LicenceKind::UserPass,
        &w.ali.user_id,
        "",
    )
    .await
    .unwrap();
    assert_eq!(ledger_count(&t, "reinstate", "user_pass").await, 1);
    open(&t, &w, &in_browser(&w.ali, "again")).await.unwrap();
}

async fn five_apps_at_once_under_access_passes_and_five_minutes_after_closing_one(t: TestDb) {
    let w = world(&t).await;
    tokens(&t, &w, 1).await;
    licences::assign_licence(
        &t.state,
        &w.admin,
        LicenceKind::UserPass,
        &w.ali.user_id,
        "",
    )
    .await
    .unwrap();
    for i in 0..5 {
        open(&t, &w, &in_browser(&w.ali, &format!("tab{i}")))
            .await
            .unwrap();
    }
    let sixth = tried(open(&t, &w, &in_browser(&w.ali, "tab5")).await.unwrap_err());
    assert_eq!(sixth[0].0, "MaxParallelSessionsExceeded");
    licences::disconnect(&t.state, &in_browser(&w.ali, "tab0"), &w.app.id)
        .await
        .unwrap();
    let waiting = tried(open(&t, &w, &in_browser(&w.ali, "tab5")).await.unwrap_err());
    assert_eq!(waiting[0].0, "ParallelSessionWait");
    t.minutes(5);
    open(&t, &w, &in_browser(&w.ali, "tab5")).await.unwrap();
}

async fn analyzer_capacity_is_spent_in_units_and_stops_at_its_ceiling(t: TestDb) {
    let w = world(&t).await;
    licences::set_licence_settings(
        &t.state,
        &w.admin,
        LicenceSettings {
            scheme: Some(Scheme::UserBased),
            capacity_minutes: 12,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    open(&t, &w, &w.ali).await.unwrap();
    open(&t, &w, &w.pat).await.unwrap();
    let denied = tried(open(&t, &w, &w.anna).await.unwrap_err());
    assert_eq!(denied.last().unwrap().0, "CapacityExhausted");
    assert!(
        denied.last().unwrap().1.contains("12 of 12 minutes"),
        "{denied:?}"
    );
}

async fn bad_licence_input_is_refused_by_name_and_changes_nothing(t: TestDb) {
    let w = world(&t).await;
    let negative = licences::set_licence_settings(
        &t.state,
        &w.admin,
        LicenceSettings {
            scheme: Some(Scheme::Cals),
            session_cals: -3,
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert!(
        negative
            .to_string()
            .contains("session_cals must be a whole number from 0"),
        "{negative}"
    );
    assert_eq!(t.count("SELECT COUNT(*) FROM licence_settings").await, 0);
    let not_admin = licences::get_licence_settings(&t.state, &w.ali)
        .await
        .unwrap_err();
    assert_eq!(not_admin.status(), 403);
    cals(&t, &w, 2, 0, 0).await;
    let wrong_scheme = licences::assign_licence(
        &t.state,
        &w.admin,
        LicenceKind::UserPass,
        &w.ali.user_id,
        "",
    )
    .await
    .unwrap_err();
    assert!(
        wrong_scheme.to_string().contains("choose that scheme"),
        "{wrong_scheme}"
    );
    let unknown = licences::assign_licence(&t.state, &w.admin, LicenceKind::NamedCal, "nobody", "")
        .await
        .unwrap_err();
    assert!(
        unknown
            .to_string()
            .contains("no active user with id nobody"),
        "{unknown}"
    );
    let not_held = licences::remove_licence(
        &t.state,
        &w.admin,
        LicenceKind::NamedCal,
        &w.ali.user_id,
        "",
    )
    .await
    .unwrap_err();
    assert_eq!(not_held.status(), 404);
    let session = licences::assign_licence(
        &t.state,
        &w.admin,
        LicenceKind::SessionCal,
        &w.ali.user_id,
        "",
    )
    .await
    .unwrap_err();
    assert!(
        session.to_string().contains("taken when an app opens"),
        "{session}"
    );
    assert_eq!(t.count("SELECT COUNT(*) FROM licence_assignments").await, 0);
}

async fn a_person_sees_their_open_apps_and_ends_one(t: TestDb) {
    let w = world(&t).await;
    cals(&t, &w, 0, 1, 0).await;
    open(&t, &w, &w.ali).await.unwrap();
    let mine = licences::list_my_connections(&t.state, &w.ali)
        .await
        .unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].app_name, w.app.name);
    assert_eq!(mine[0].kind, Some(LicenceKind::SessionCal));
    assert!(mine[0].this_browser);
    assert!(licences::list_my_connections(&t.state, &w.pat)
        .await
        .unwrap()
        .is_empty());
    let not_hers = licences::end_my_connection(&t.state, &w.pat, &mine[0].id)
        .await
        .unwrap_err();
    assert_eq!(not_hers.status(), 404, "nobody ends another person's app");
    licences::end_my_connection(&t.state, &w.ali, &mine[0].id)
        .await
        .unwrap();
    assert!(licences::list_my_connections(&t.state, &w.ali)
        .await
        .unwrap()
        .is_empty());
    t.minutes(15);
    open(&t, &w, &w.pat).await.unwrap();
}

async fn login_passes_cover_an_hour_and_a_deleted_group_keeps_the_tokens_of_passes_out(t: TestDb) {
    let w = world(&t).await;
    tokens(&t, &w, 2).await;
    let floor = app::directory::service::create_group(
        &t.state,
        &w.admin,
        app::directory::model::NewGroup {
            name: "Shop floor".into(),
            description: String::new(),
            role_ids: vec![],
        },
    )
    .await
    .unwrap();
    app::directory::service::add_group_member(&t.state, &w.admin, &floor.id, &w.ali.user_id)
        .await
        .unwrap();
    licences::add_login_group(&t.state, &w.admin, &floor.id, 1)
        .await
        .unwrap();
    let too_many = licences::add_login_group(&t.state, &w.admin, &floor.id, 2)
        .await
        .unwrap_err();
    assert!(
        too_many.to_string().contains("Only 1 of 2 tokens are free"),
        "{too_many}"
    );
    open(&t, &w, &w.ali).await.unwrap();
    licences::disconnect(&t.state, &w.ali, &w.app.id)
        .await
        .unwrap();
    t.minutes(30);
    open(&t, &w, &in_browser(&w.ali, "later")).await.unwrap();
    assert_eq!(
        ledger_count(&t, "consume", "login_pass").await,
        1,
        "the same pass within the hour"
    );
    t.minutes(31);
    licences::disconnect(&t.state, &in_browser(&w.ali, "later"), &w.app.id)
        .await
        .unwrap();
    open(&t, &w, &in_browser(&w.ali, "next hour"))
        .await
        .unwrap();
    assert_eq!(
        ledger_count(&t, "consume", "login_pass").await,
        2,
        "minute 61: a new pass"
    );
    let extras = licences::get_licence_extras(&t.state, &w.admin)
        .await
        .unwrap();
    assert_eq!(extras.login_groups[0].passes, 10);
    assert_eq!(extras.login_groups[0].passes_in_use, 2);
    // Pat is in no login group and holds no pass.
    let pat = tried(open(&t, &w, &w.pat).await.unwrap_err());
    assert_eq!(
        pat.iter().map(|p| p.0.as_str()).collect::<Vec<_>>(),
        ["NotAssigned", "NoLoginGroup"]
    );
    // Deleting the group: its token stays held while two passes are out.
    let held = licences::delete_login_group(&t.state, &w.admin, &extras.login_groups[0].id)
        .await
        .unwrap();
    assert_eq!(held, 1);
    let overview = licences::get_licence_overview(&t.state, &w.admin)
        .await
        .unwrap();
    assert_eq!(overview.tokens_free, 1);
}

on_both_databases!(
    login_passes_cover_an_hour_and_a_deleted_group_keeps_the_tokens_of_passes_out,
    a_person_sees_their_open_apps_and_ends_one,
    a_tenant_without_a_scheme_counts_nothing,
    cals_are_given_in_the_seeds_order_and_a_denial_says_why_for_each,
    the_same_client_reuses_its_session_cal_within_15_minutes,
    an_idle_connection_ends_and_frees_its_session_cal,
    two_hundred_opens_at_once_against_six_session_cals_give_exactly_six,
    a_removed_pass_waits_in_quarantine_and_comes_back_to_its_person_at_no_cost,
    deleting_a_user_does_not_free_their_pass_before_its_quarantine_ends,
    five_apps_at_once_under_access_passes_and_five_minutes_after_closing_one,
    analyzer_capacity_is_spent_in_units_and_stops_at_its_ceiling,
    bad_licence_input_is_refused_by_name_and_changes_nothing,
);

/// The review's finding 10: every licensed open took the tenant's lock by writing its row, and
/// the write emptied every process's cache of what anonymous visits read. The lock changes no
/// column, and now counts as no change. (SQLite counts changes in a table; PostgreSQL's trigger
/// fires only for a row whose values changed, which `OLD.* IS DISTINCT FROM NEW.*` decides.)
#[test]
fn a_licensed_open_does_not_empty_the_visit_cache() {
    crate::common::run(async {
        let t = TestDb::new(crate::common::Backend::Sqlite).await;
        let w = world(&t).await;
        cals(&t, &w, 10, 0, 0).await;
        let visits = || t.count("SELECT version FROM changes WHERE name = 'visits'");
        let before = visits().await;
        for _ in 0..5 {
            open(&t, &w, &w.admin).await.unwrap();
        }
        assert_eq!(
            visits().await,
            before,
            "five opens, no change to what visits read"
        );
        app::anonymous::service::set_anonymous_capacity(&t.state, &w.admin, 7)
            .await
            .unwrap();
        assert_eq!(
            visits().await,
            before + 1,
            "a real change to the tenant still counts"
        );
    });
}
