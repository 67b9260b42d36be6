//! Security and data safety on SQLite and PostgreSQL, one test per finding of the December 2026
//! review: section access binds everyone who opens an app and fails closed, a link shows no
//! more than its maker may see, visitors reach only what public sheets show, no request without
//! an account can exhaust memory, limits and invariants hold under concurrency, and no data is
//! lost to housekeeping or a deleted account.

use crate::common::world::{world, World, ALL, NORTH};
use crate::common::{TestDb, PASSWORD};
use app::anonymous::model::*;
use app::anonymous::service::{self as anonymous, Visit};
use app::apps::model::*;
use app::apps::service as apps;
use app::auth::principal::{Principal, RequestInfo};
use app::auth::service as auth;
use app::content::model::*;
use app::content::service as content;
use app::directory::model::{NewGroup, UserChanges};
use app::directory::service as directory;
use app::error::AppError;
use app::sharing::model::{NewShare, ShareAssignee};
use app::sharing::service as sharing;
use app::spaces::model::*;
use app::spaces::rules::{SpaceRole, SpaceType};
use app::spaces::service as spaces;

/// Runs the futures at once, each on its own task, and gathers their results in order.
async fn all<T: Send + 'static, F: std::future::Future<Output = T> + Send + 'static>(
    tasks: impl IntoIterator<Item = F>,
) -> Vec<T> {
    let handles: Vec<_> = tasks.into_iter().map(tokio::spawn).collect();
    let mut results = Vec::new();
    for handle in handles {
        results.push(handle.await.unwrap());
    }
    results
}

fn kpi(view: &SheetView) -> Option<f64> {
    view.charts
        .iter()
        .find_map(|c| match (&c.spec.kind, &c.data) {
            (ChartKind::Kpi, ChartData::Cube { totals, .. }) => Some(totals[0].unwrap_or(0.0)),
            _ => None,
        })
}

async fn sees(t: &TestDb, who: &Principal, app_id: &str) -> f64 {
    kpi(&content::open_sheet(&t.state, who, app_id, None, None)
        .await
        .unwrap())
    .expect("a KPI")
}

fn rule(assignee_type: &str, id: &str, allowed: &str) -> NewAccessRule {
    NewAccessRule {
        assignee_type: assignee_type.into(),
        assignee_id: id.into(),
        field: "Region".into(),
        allowed: allowed.into(),
    }
}

/// Adds section-access rules to the draft of the world's app and republishes it.
async fn publish_rules(t: &TestDb, w: &World, rules: Vec<NewAccessRule>) {
    let draft = w.app.source_app_id.clone().unwrap();
    for r in rules {
        content::add_section_access(&t.state, &w.anna, &draft, r)
            .await
            .unwrap();
    }
    apps::republish_app(&t.state, &w.anna, &draft, &w.app.id)
        .await
        .unwrap();
}

async fn turn_on(t: &TestDb, w: &World) -> LinkInfo {
    anonymous::set_anonymous_access(&t.state, &w.anna, &w.app.id, true)
        .await
        .unwrap()
        .links
        .remove(0)
}

async fn visit(
    t: &TestDb,
    w: &World,
    code: &str,
    addr: &str,
) -> Result<AnonymousSession, AppError> {
    anonymous::start_anonymous_session(
        &t.state,
        Visit {
            client_addr: addr,
            page: None,
        },
        &w.app.id,
        code,
        None,
        None,
        None,
        "",
    )
    .await
}

fn forbidden_with(result: Result<impl std::fmt::Debug, AppError>, fragment: &str) {
    match result {
        Err(AppError::Forbidden(message)) => assert!(message.contains(fragment), "{message}"),
        other => panic!("expected a refusal saying \"{fragment}\", got {other:?}"),
    }
}

// --- 1. Section access binds everyone who opens an app, on every path --------------------------

async fn a_reduced_viewer_can_neither_copy_nor_move_the_rows_they_may_not_see(t: TestDb) {
    let w = world(&t).await;
    publish_rules(
        &t,
        &w,
        vec![
            rule("user", &w.pat.user_id, "North"),
            rule("user", &w.anna.user_id, "North"),
        ],
    )
    .await;
    assert_eq!(
        sees(&t, &w.pat, &w.app.id).await,
        NORTH,
        "Pat (Can publish) sees the North"
    );
    // Ali's attack of the review, as Pat: duplicate into the personal space.
    forbidden_with(
        apps::duplicate_app(&t.state, &w.pat, &w.app.id, DuplicateInput::default()).await,
        "Section access limits the rows you see",
    );
    forbidden_with(
        apps::duplicate_app(&t.state, &w.anna, &w.app.id, DuplicateInput::default()).await,
        "a copy would hold all of them",
    );
    assert_eq!(
        t.count("SELECT COUNT(*) FROM apps WHERE source_app_id IS NULL AND name LIKE '%(copy)%'")
            .await,
        0,
        "no copy was made"
    );

    // A Can manage member of a shared space, limited by the draft's rules, moves nothing out.
    let draft = w.app.source_app_id.clone().unwrap();
    let draft_space = apps::get_app(&t.state, &w.anna, &draft)
        .await
        .unwrap()
        .app
        .space_id;
    let manager = NewAssignment {
        assignee_type: AssigneeType::User,
        assignee_id: w.ali.user_id.clone(),
        roles: vec![SpaceRole::Facilitator],
    };
    spaces::create_assignment(&t.state, &w.anna, &draft_space, manager)
        .await
        .unwrap();
    assert_eq!(
        sees(&t, &w.ali, &draft).await,
        0.0,
        "Ali is named by no rule of the draft: no rows"
    );
    forbidden_with(
        apps::move_app(&t.state, &w.ali, &draft, "").await,
        "the app where you move it",
    );
    forbidden_with(
        apps::duplicate_app(&t.state, &w.ali, &draft, DuplicateInput::default()).await,
        "Section access",
    );
}

async fn in_a_managed_space_no_role_widens_anyones_rows(t: TestDb) {
    let w = world(&t).await;
    publish_rules(&t, &w, vec![rule("user", &w.ali.user_id, "North")]).await;
    assert_eq!(sees(&t, &w.ali, &w.app.id).await, NORTH);
    // The tenant admin gives Ali every role a managed space has, and takes one themselves.
    let public = &w.public_space;
    let everything = vec![
        SpaceRole::Facilitator,
        SpaceRole::Publisher,
        SpaceRole::Contributor,
        SpaceRole::Consumer,
    ];
    let ali = spaces::list_assignments(&t.state, &w.admin, public)
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.assignee_id == w.ali.user_id)
        .unwrap();
    spaces::update_assignment(&t.state, &w.admin, public, &ali.id, everything.clone())
        .await
        .unwrap();
    assert_eq!(
        sees(&t, &w.ali, &w.app.id).await,
        NORTH,
        "more roles, the same rows"
    );
    let own = NewAssignment {
        assignee_type: AssigneeType::User,
        assignee_id: w.admin.user_id.clone(),
        roles: everything,
    };
    spaces::create_assignment(&t.state, &w.admin, public, own)
        .await
        .unwrap();
    assert_eq!(
        sees(&t, &w.admin, &w.app.id).await,
        0.0,
        "an admin who gives themselves a role is named by no rule: no rows"
    );
    // The owner of the managed space too; the rules say who sees everything, with *.
    assert_eq!(
        sees(&t, &w.anna, &w.app.id).await,
        0.0,
        "Can manage is no exemption"
    );
    publish_rules(&t, &w, vec![rule("user", &w.anna.user_id, "*")]).await;
    assert_eq!(
        sees(&t, &w.anna, &w.app.id).await,
        ALL,
        "a rule allowing * sees every value"
    );
    assert_eq!(sees(&t, &w.ali, &w.app.id).await, NORTH);
}

// --- 2. Section access fails closed -----------------------------------------------------------

async fn deleting_whom_the_rules_name_never_opens_data(t: TestDb) {
    let w = world(&t).await;
    let partners = directory::create_group(
        &t.state,
        &w.admin,
        NewGroup {
            name: "Partners".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    directory::add_group_member(&t.state, &w.admin, &partners.id, &w.ali.user_id)
        .await
        .unwrap();
    let link = turn_on(&t, &w).await;
    publish_rules(
        &t,
        &w,
        vec![
            rule("group", &partners.id, "North"),
            rule("user", &w.pat.user_id, "North"),
        ],
    )
    .await;
    let code = link.code.clone().unwrap();
    assert_eq!(
        kpi(&visit(&t, &w, &code, "203.0.113.1").await.unwrap().view),
        Some(0.0),
        "the link's maker is named by no rule"
    );
    assert_eq!(sees(&t, &w.ali, &w.app.id).await, NORTH);

    directory::delete_group(&t.state, &w.admin, &partners.id)
        .await
        .unwrap();
    directory::delete_user(&t.state, &w.admin, &w.pat.user_id)
        .await
        .unwrap();
    assert_eq!(
        sees(&t, &w.ali, &w.app.id).await,
        0.0,
        "the rules outlive the group and deny what they denied"
    );
    assert_eq!(
        kpi(&visit(&t, &w, &code, "203.0.113.2").await.unwrap().view),
        Some(0.0),
        "the public link still shows nothing"
    );

    // The app's editors are told which rules name nobody any more (the draft keeps its own).
    let draft = w.app.source_app_id.clone().unwrap();
    let rules = content::list_section_access(&t.state, &w.anna, &draft)
        .await
        .unwrap();
    let mut gone: Vec<&str> = rules
        .iter()
        .filter(|r| r.names_nobody)
        .map(|r| r.assignee_name.as_str())
        .collect();
    gone.sort();
    assert_eq!(
        gone,
        vec!["Partners", "Pat"],
        "the rules keep the names they were made for"
    );
    apps::republish_app(&t.state, &w.anna, &draft, &w.app.id)
        .await
        .unwrap();
    assert_eq!(
        sees(&t, &w.ali, &w.app.id).await,
        0.0,
        "republishing carries the rules that name nobody"
    );
}

async fn a_table_no_reduced_field_reaches_is_emptied(t: TestDb) {
    let admin = t.acme().await;
    let ali = t.active_user(&admin, "Ali").await;
    let space = spaces::create_space(
        &t.state,
        &admin,
        NewSpace {
            space_type: SpaceType::Shared,
            name: "Plans".into(),
            description: String::new(),
        },
    )
    .await
    .unwrap();
    let viewer = NewAssignment {
        assignee_type: AssigneeType::User,
        assignee_id: ali.user_id.clone(),
        roles: vec![SpaceRole::Consumer],
    };
    spaces::create_assignment(&t.state, &admin, &space.id, viewer)
        .await
        .unwrap();
    let mut files = Vec::new();
    for (name, text) in [
        ("orders.csv", crate::common::world::ORDERS),
        ("customers.csv", crate::common::world::CUSTOMERS),
        (
            "targets.csv",
            "SalesRegion,Quarter,Target\nNorth,Q1,1000\nSouth,Q1,2000\n",
        ),
    ] {
        files.push(
            content::stage_file(&t.state, &admin, name, text.as_bytes())
                .await
                .unwrap()
                .id,
        );
    }
    let app = content::create_app_from_uploads(
        &t.state,
        &admin,
        NewApp {
            name: "Plans".into(),
            space_id: space.id.clone(),
            ..Default::default()
        },
        files,
    )
    .await
    .unwrap();
    content::add_section_access(
        &t.state,
        &admin,
        &app.id,
        rule("user", &ali.user_id, "North"),
    )
    .await
    .unwrap();
    let view = content::open_sheet(&t.state, &ali, &app.id, None, None)
        .await
        .unwrap();
    let summary = view.data.expect("a data summary");
    let targets = summary
        .tables
        .iter()
        .find(|t| t.name == "targets")
        .expect("the targets table");
    assert_eq!(
        targets.rows, 0,
        "the targets share no field with Region: emptied, not left whole"
    );
    assert_eq!(
        summary
            .tables
            .iter()
            .find(|t| t.name == "orders")
            .unwrap()
            .rows,
        3
    );
}

// --- 3. A link never shows more than its maker may see ----------------------------------------

async fn a_links_reduction_never_exceeds_its_makers_section_access(t: TestDb) {
    let w = world(&t).await;
    let link = turn_on(&t, &w).await;
    publish_rules(
        &t,
        &w,
        vec![
            rule("user", &w.anna.user_id, "North"),
            rule("user", &w.pat.user_id, "*"),
        ],
    )
    .await;
    let code = link.code.clone().unwrap();
    // Anna, limited to the North, locks her link to a segment: the visitor sees the North only.
    let retail = LinkReduction {
        field: "Segment".into(),
        allowed: vec!["Retail".into()],
    };
    anonymous::update_link(
        &t.state,
        &w.anna,
        &link.id,
        LinkChanges {
            reduction: Some(Some(retail)),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        kpi(&visit(&t, &w, &code, "203.0.113.1").await.unwrap().view),
        Some(150.0),
        "North and Retail: orders 1 and 2"
    );
    // Locking it to the South opens nothing of the South.
    let south = LinkReduction {
        field: "Region".into(),
        allowed: vec!["South".into(), "North".into()],
    };
    anonymous::update_link(
        &t.state,
        &w.anna,
        &link.id,
        LinkChanges {
            reduction: Some(Some(south)),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        kpi(&visit(&t, &w, &code, "203.0.113.2").await.unwrap().view),
        Some(NORTH)
    );

    // The link settings show Anna only values of her own reduction, and non-managers none.
    let panel = anonymous::get_anonymous_panel(&t.state, &w.anna, &w.app.id)
        .await
        .unwrap();
    assert_eq!(
        panel.links[0].reduction.as_ref().unwrap().allowed,
        vec!["North"],
        "South is not Anna's to read"
    );
    let ali_panel = anonymous::get_anonymous_panel(&t.state, &w.ali, &w.app.id)
        .await
        .unwrap();
    assert!(
        ali_panel.links[0].reduction.is_none(),
        "a viewer reads no link's reduction"
    );
}

// --- 4. Visitors reach only what public sheets show -------------------------------------------

async fn visitors_list_search_and_select_only_public_fields(t: TestDb) {
    let w = world(&t).await;
    let code = turn_on(&t, &w).await.code.unwrap();
    let session = visit(&t, &w, &code, "203.0.113.1").await.unwrap();
    let summary = session.view.data.clone().expect("a summary");
    assert!(
        summary.files.is_empty() && summary.tables.is_empty(),
        "no file or table name reaches a visitor"
    );
    let fields: Vec<&str> = summary.fields.iter().map(|f| f.name.as_str()).collect();
    assert!(
        !fields.contains(&"OrderId") && !fields.contains(&"CustomerId"),
        "{fields:?}"
    );
    assert!(fields.contains(&"Region"));
    // The review's attack: a pane of a field no public chart uses, a search, a selection.
    let refused =
        anonymous::anonymous_sheet(&t.state, &session.token, None, Some("CustomerId"), None)
            .await
            .unwrap_err();
    assert!(
        refused
            .to_string()
            .contains("not on this app's public sheets"),
        "{refused}"
    );
    let search = SelectionChange::Search {
        field: "OrderId".into(),
        text: "1".into(),
    };
    assert!(
        anonymous::anonymous_sheet(&t.state, &session.token, None, None, Some(search))
            .await
            .is_err()
    );
    let select = anonymous::start_anonymous_session(
        &t.state,
        Visit {
            client_addr: "203.0.113.2",
            page: None,
        },
        &w.app.id,
        &code,
        None,
        None,
        Some("OrderId"),
        "",
    )
    .await;
    assert!(select.is_err(), "an embedded field must be a public one");
    assert!(
        anonymous::anonymous_sheet(&t.state, &session.token, None, Some("region"), None)
            .await
            .is_ok(),
        "a public field works, in any case"
    );
}

// --- 5. No request without an account can exhaust memory or CPU --------------------------------

async fn the_frame_ancestors_cache_holds_only_real_apps(t: TestDb) {
    let w = world(&t).await;
    for i in 0..500 {
        let bogus = format!("{i:024x}{}", "z".repeat(i % 50));
        assert_eq!(
            anonymous::frame_ancestors_for(&t.state, &bogus).await,
            "frame-ancestors 'none'"
        );
    }
    assert_eq!(
        anonymous::frame_ancestors_kept(&t.state),
        0,
        "nothing kept for ids of no app"
    );
    anonymous::frame_ancestors_for(&t.state, &w.app.id).await;
    assert_eq!(anonymous::frame_ancestors_kept(&t.state), 1);
}

async fn an_invitation_is_looked_up_before_any_hashing(t: TestDb) {
    t.acme().await;
    let started = std::time::Instant::now();
    let attempts = (0..200).map(|i| {
        let state = t.state.clone();
        async move {
            auth::accept_invite(
                &state,
                &RequestInfo::default(),
                &format!("made-up-{i}"),
                "0123456789abc",
            )
            .await
        }
    });
    for result in all(attempts).await {
        assert!(matches!(result, Err(AppError::NotFound(_))), "{result:?}");
    }
    // 200 Argon2 hashes take seconds even in parallel; 200 indexed reads do not.
    println!(
        "200 made-up invitations answered in {:?}",
        started.elapsed()
    );
}

async fn parallel_wrong_passwords_record_no_more_than_the_limit(t: TestDb) {
    let admin = t.acme().await;
    t.active_user(&admin, "Anna").await;
    let request = RequestInfo {
        host: "sightline.test".into(),
        client_addr: "203.0.113.9".into(),
        user_agent: String::new(),
    };
    let guesses = (0..50).map(|i| {
        let (state, request) = (t.state.clone(), request.clone());
        async move {
            auth::sign_in(
                &state,
                &request,
                "anna@acme.test",
                &format!("guess number {i}"),
            )
            .await
        }
    });
    let results = all(guesses).await;
    let checked = results
        .iter()
        .filter(|r| matches!(r, Err(AppError::Invalid { .. })))
        .count();
    assert!(
        checked <= 5,
        "{checked} guesses were checked; the limit is 5 per account"
    );
    let failed = t
        .count("SELECT COUNT(*) FROM audit_events WHERE action = 'auth.sign_in_failed'")
        .await;
    assert_eq!(
        failed as usize, checked,
        "every checked guess is recorded, and only those"
    );
    assert!(
        results.iter().all(|r| matches!(
            r,
            Err(AppError::Invalid { .. } | AppError::TooManyRequests { .. })
        )),
        "{results:?}"
    );
    assert_eq!(
        t.count("SELECT COUNT(*) FROM login_failures WHERE subject LIKE 'account:%'")
            .await as usize,
        checked,
        "refused attempts were taken back"
    );
    if checked == 5 {
        // The right password is refused too while the account waits, and says for how long.
        let wait = auth::sign_in(&t.state, &request, "anna@acme.test", PASSWORD)
            .await
            .unwrap_err();
        assert!(matches!(wait, AppError::TooManyRequests { .. }), "{wait:?}");
    }
}

async fn a_huge_sign_in_email_is_refused_and_written_nowhere(t: TestDb) {
    t.acme().await;
    let request = RequestInfo {
        host: "sightline.test".into(),
        client_addr: "203.0.113.9".into(),
        user_agent: String::new(),
    };
    let email = format!("{}@acme.test", "a".repeat(2_000_000));
    assert!(auth::sign_in(&t.state, &request, &email, "whatever it is")
        .await
        .is_err());
    let longest = t
        .count("SELECT COALESCE(MAX(LENGTH(subject)), 0) FROM login_failures")
        .await;
    assert!(longest < 400, "{longest} characters kept");
    assert_eq!(
        t.count("SELECT COUNT(*) FROM audit_events WHERE LENGTH(actor_name) > 400")
            .await,
        0
    );
}

// --- 6. Anonymous capacity cannot be taken by one client ---------------------------------------

async fn one_address_holds_a_few_seats_and_a_page_that_goes_gives_its_seat_back(t: TestDb) {
    let w = world(&t).await;
    let link = turn_on(&t, &w).await;
    let code = link.code.clone().unwrap();
    let mut sessions = Vec::new();
    for _ in 0..5 {
        sessions.push(visit(&t, &w, &code, "198.51.100.7").await.unwrap());
    }
    match visit(&t, &w, &code, "198.51.100.7").await {
        Err(AppError::TooManyRequests { message, .. }) => assert!(
            message.contains("already has 5 anonymous sessions"),
            "{message}"
        ),
        other => panic!("a sixth seat for one address: {other:?}"),
    }
    assert!(
        visit(&t, &w, &code, "198.51.100.8").await.is_ok(),
        "another visitor still gets in"
    );
    // The page of one session goes away (a refresh): its seat is free at once.
    anonymous::end_session(&t.state, &sessions[0].token).await;
    assert!(
        visit(&t, &w, &code, "198.51.100.7").await.is_ok(),
        "the refresh gets the seat back"
    );
    assert_eq!(
        anonymous::live_sessions(&t.state, &w.app.tenant_id)
            .await
            .unwrap(),
        6
    );
    anonymous::end_session(&t.state, "not a token").await;
    assert_eq!(
        anonymous::live_sessions(&t.state, &w.app.tenant_id)
            .await
            .unwrap(),
        6,
        "a made-up token ends nothing"
    );
    // A reset of the access code ends every session of the link: their seats are free at once,
    // not when they would have expired.
    let code = anonymous::reset_link_code(&t.state, &w.anna, &link.id)
        .await
        .unwrap()
        .code
        .unwrap();
    assert_eq!(
        anonymous::live_sessions(&t.state, &w.app.tenant_id)
            .await
            .unwrap(),
        0
    );
    for _ in 0..5 {
        visit(&t, &w, &code, "198.51.100.7").await.unwrap();
    }
}

// --- 7. Memory per viewer is bounded -----------------------------------------------------------

async fn a_selection_is_limited_in_size(t: TestDb) {
    let w = world(&t).await;
    let huge = SelectionChange::Select {
        field: "Region".into(),
        codes: (0..60_000).collect(),
    };
    let refused = content::open_sheet(&t.state, &w.ali, &w.app.id, None, Some(huge))
        .await
        .unwrap_err();
    assert!(
        refused.to_string().contains("at most 50000 values"),
        "{refused}"
    );
}

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

// --- 9. Limits and invariants under concurrency ------------------------------------------------

async fn fifty_parallel_shares_at_399_end_with_exactly_400(t: TestDb) {
    let w = world(&t).await;
    // 449 groups; 399 of them already have a share of the app (written directly, for speed).
    let now = t.state.now();
    for i in 0..449 {
        sqlx::query("INSERT INTO user_groups (id, tenant_id, name, name_key, created_at, updated_at) VALUES ($1, $2, $3, $3, $4, $4)")
            .bind(format!("{i:024x}"))
            .bind(&w.admin.tenant_id)
            .bind(format!("group {i}"))
            .bind(now)
            .execute(&t.state.db)
            .await
            .unwrap();
    }
    for i in 0..399 {
        sqlx::query("INSERT INTO app_shares (id, tenant_id, space_id, app_id, assignee_type, group_id, roles, disabled, created_at, updated_at) VALUES ($1, $2, $3, $4, 'group', $5, 'consumer', 0, $6, $6)")
            .bind(format!("5{i:023x}"))
            .bind(&w.admin.tenant_id)
            .bind(&w.public_space)
            .bind(&w.app.id)
            .bind(format!("{i:024x}"))
            .bind(now)
            .execute(&t.state.db)
            .await
            .unwrap();
    }
    let sharer = w.admin.clone();
    let shares = (399..449).map(|i| {
        let (state, sharer, space, app) = (
            t.state.clone(),
            sharer.clone(),
            w.public_space.clone(),
            w.app.id.clone(),
        );
        async move {
            let share = NewShare {
                app_id: app,
                assignee_type: ShareAssignee::Group,
                assignee_id: format!("{i:024x}"),
                roles: vec![SpaceRole::Consumer],
            };
            sharing::create_share(&state, &sharer, &space, share).await
        }
    });
    let results = all(shares).await;
    let made = results.iter().filter(|r| r.is_ok()).count();
    let refusal = results
        .iter()
        .find_map(|r| r.as_ref().err())
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert_eq!(made, 1, "exactly one share fits; refused with: {refusal}");
    assert_eq!(
        t.count(&format!(
            "SELECT COUNT(*) FROM app_shares WHERE app_id = '{}' AND assignee_type = 'group'",
            w.app.id
        ))
        .await,
        400
    );
}

async fn two_admins_removing_each_other_leave_one(t: TestDb) {
    let root = t.acme().await;
    let bea = t.active_user(&root, "Bea").await;
    let roles = directory::list_roles(&t.state, &root).await.unwrap();
    let admin_role = roles
        .iter()
        .find(|r| r.name == "TenantAdmin")
        .unwrap()
        .id
        .clone();
    directory::update_user(
        &t.state,
        &root,
        &bea.user_id,
        UserChanges {
            role_ids: Some(vec![admin_role]),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let bea = t.principal("bea@acme.test").await;
    let none = || UserChanges {
        role_ids: Some(vec![]),
        ..Default::default()
    };
    let (a, b) = tokio::join!(
        directory::update_user(&t.state, &root, &bea.user_id, none()),
        directory::update_user(&t.state, &bea, &root.user_id, none())
    );
    assert!(
        a.is_ok() != b.is_ok(),
        "one change passes and one is refused: {a:?} / {b:?}"
    );
    let admins = t.count("SELECT COUNT(*) FROM user_roles ur JOIN roles r ON r.id = ur.role_id WHERE r.kind = 'tenant_admin'").await;
    assert_eq!(admins, 1, "the tenant keeps an active tenant admin");
}

async fn twenty_parallel_links_never_pass_the_limit(t: TestDb) {
    let w = world(&t).await;
    let links = (0..25).map(|i| {
        let (state, anna, app) = (t.state.clone(), w.anna.clone(), w.app.id.clone());
        async move { anonymous::create_link(&state, &anna, &app, &format!("Link {i}")).await }
    });
    let made = all(links).await.into_iter().filter(|r| r.is_ok()).count();
    assert_eq!(made, 20);
    assert_eq!(
        t.count(&format!(
            "SELECT COUNT(*) FROM app_shares WHERE app_id = '{}' AND assignee_type = 'link'",
            w.app.id
        ))
        .await,
        20
    );
}

async fn concurrent_edits_of_one_link_never_undo_each_other(t: TestDb) {
    let w = world(&t).await;
    let link = turn_on(&t, &w).await;
    for round in 0..10 {
        let pause = LinkChanges {
            disabled: Some(true),
            ..Default::default()
        };
        let rename = LinkChanges {
            name: Some(format!("Partner site {round}")),
            ..Default::default()
        };
        let (a, b) = tokio::join!(
            anonymous::update_link(&t.state, &w.anna, &link.id, pause),
            anonymous::update_link(&t.state, &w.anna, &link.id, rename)
        );
        a.unwrap();
        b.unwrap();
        let now = anonymous::get_link(&t.state, &w.anna, &link.id)
            .await
            .unwrap();
        assert!(
            now.disabled,
            "round {round}: the rename did not resume the paused link"
        );
        assert_eq!(now.name, format!("Partner site {round}"));
        anonymous::update_link(
            &t.state,
            &w.anna,
            &link.id,
            LinkChanges {
                disabled: Some(false),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    }
}

// --- 11. Smaller items -------------------------------------------------------------------------

async fn people_who_only_view_cannot_page_through_the_directory(t: TestDb) {
    let w = world(&t).await;
    let refused = sharing::find_candidates(&t.state, &w.ali, "a")
        .await
        .unwrap_err();
    assert!(
        refused
            .to_string()
            .contains("Finding people is for those who build apps"),
        "{refused}"
    );
    assert!(
        !sharing::find_candidates(&t.state, &w.anna, "ali")
            .await
            .unwrap()
            .is_empty(),
        "Anna manages a space"
    );
    assert!(
        !sharing::find_candidates(&t.state, &w.admin, "ali")
            .await
            .unwrap()
            .is_empty(),
        "admins find people"
    );
}

async fn uploads_waiting_for_an_app_have_a_quota(t: TestDb) {
    let t = TestDb::with_settings(
        if t.url.starts_with("postgres") {
            crate::common::Backend::Postgres
        } else {
            crate::common::Backend::Sqlite
        },
        |s| s.max_staged_bytes = 100,
    )
    .await;
    let admin = t.acme().await;
    content::stage_file(&t.state, &admin, "a.csv", &[b'x'; 60])
        .await
        .unwrap();
    let refused = content::stage_file(&t.state, &admin, "b.csv", &[b'x'; 60])
        .await
        .unwrap_err();
    assert!(
        matches!(refused, AppError::TooLarge(ref m) if m.contains("waiting to become apps")),
        "{refused:?}"
    );
}

// --- Over HTTP: the real server on port 0 ------------------------------------------------------

/// A process's resident memory, in MB.
fn resident_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0.0);
    kb / 1024.0
}

async fn a_flood_without_an_account_leaves_the_server_answering_in_bounded_memory(t: TestDb) {
    // The real binary in a process of its own, so that its memory is measured alone.
    t.acme().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = spawn_server(&t, port);
    wait_until_up(&base).await;
    let before = resident_mb(server.id());
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(60))
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let invites = (0..300).map(|i| {
        let (client, url) = (client.clone(), format!("{base}/api/accept_invite"));
        async move {
            let form = [
                ("token", format!("made-up-{i}")),
                ("password", "0123456789abc".to_string()),
                ("confirm", "0123456789abc".to_string()),
            ];
            client
                .post(url)
                .header("accept", "application/json")
                .form(&form)
                .send()
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or(0)
        }
    });
    let sign_ins = (0..300).map(|i| {
        let (client, url) = (client.clone(), format!("{base}/api/sign_in"));
        async move {
            let form = [
                ("email", format!("nobody{i}@acme.test")),
                ("password", "not the password".to_string()),
            ];
            client
                .post(url)
                .header("accept", "application/json")
                .form(&form)
                .send()
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or(0)
        }
    });
    let (invite_statuses, sign_in_statuses) = tokio::join!(all(invites), all(sign_ins));
    let flood = started.elapsed();
    let after_flood = resident_mb(server.id());
    assert!(
        invite_statuses.iter().all(|s| *s == 404),
        "made-up invitations: {:?}",
        invite_statuses
            .iter()
            .filter(|s| **s != 404)
            .take(5)
            .collect::<Vec<_>>()
    );
    assert!(
        sign_in_statuses.iter().all(|s| [400, 429, 503].contains(s)),
        "{:?}",
        sign_in_statuses
            .iter()
            .filter(|s| ![400, 429, 503].contains(*s))
            .take(5)
            .collect::<Vec<_>>()
    );
    // 2,000 embed addresses naming no app, each with a 15 KB id, 50 at a time.
    let mut embed_statuses = Vec::new();
    for batch in 0..40 {
        let embeds = (0..50).map(|i| {
            let (client, url) = (
                client.clone(),
                format!("{base}/embed/{batch}x{i}{}/app", "x".repeat(15_000)),
            );
            async move {
                client
                    .get(url)
                    .send()
                    .await
                    .map(|r| r.status().as_u16())
                    .unwrap_or(0)
            }
        });
        embed_statuses.extend(all(embeds).await);
    }
    assert!(
        embed_statuses.iter().all(|s| *s != 0 && *s < 500),
        "every embed answered"
    );
    let health = client.get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(
        health.status(),
        reqwest::StatusCode::OK,
        "the server still answers"
    );
    let after = resident_mb(server.id());
    let limited = sign_in_statuses.iter().filter(|s| **s != 400).count();
    println!(
        "flood ({}): 300 made-up invitations and 300 wrong sign-ins at once ({limited} of the sign-ins limited or busy) in {flood:?}: server memory {before:.0} MB -> {after_flood:.0} MB; then 2,000 embeds of no app: {after:.0} MB (+{:.0} MB in all; the review measured +5,700 MB for the invitations alone)",
        t.url.split(':').next().unwrap_or(""),
        after - before
    );
    server.kill().unwrap();
    server.wait().unwrap();
    assert!(
        after - before < 300.0,
        "resident memory grew by {:.0} MB",
        after - before
    );
}

async fn requests_for_another_host_and_page_exits_over_http(t: TestDb) {
    let live = crate::common::live::start(t).await;
    let client = live.client();
    let rebound = client
        .get(live.url("/api/v1/users/me"))
        .header("host", "evil.example:3000")
        .bearer_auth(&live.key)
        .send()
        .await
        .unwrap();
    assert_eq!(
        rebound.status(),
        reqwest::StatusCode::MISDIRECTED_REQUEST,
        "a rebinding site's name is refused"
    );
    assert!(rebound
        .text()
        .await
        .unwrap()
        .contains("not as evil.example"));
    let own = client
        .get(live.url("/api/v1/users/me"))
        .bearer_auth(&live.key)
        .send()
        .await
        .unwrap();
    assert_eq!(
        own.status(),
        reqwest::StatusCode::OK,
        "the loopback address is answered"
    );
    let end = client
        .post(live.url(app::anonymous::rules::END_SESSION_PATH))
        .body("not a token")
        .send()
        .await
        .unwrap();
    assert_eq!(
        end.status(),
        reqwest::StatusCode::NO_CONTENT,
        "a page going away is answered the same whatever it sends"
    );
}

/// The server binary as a child process on this test's database and data directory.
fn spawn_server(t: &TestDb, port: u16) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_sightline"))
        .arg("serve")
        .env("SIGHTLINE_DATABASE_URL", &t.url)
        .env("SIGHTLINE_DATA_DIR", t.data_dir())
        .env("SIGHTLINE_LISTEN", format!("127.0.0.1:{port}"))
        .env("SIGHTLINE_PUBLIC_URL", "http://sightline.test")
        .env("SIGHTLINE_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("the sightline binary starts")
}

async fn wait_until_up(base: &str) {
    for _ in 0..200 {
        if reqwest::get(format!("{base}/healthz"))
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the server did not come up at {base}");
}

async fn a_server_killed_mid_work_keeps_every_app_it_reported_and_nothing_half_made(t: TestDb) {
    let root = t.acme().await;
    let key = auth::create_api_key(&t.state, &root, "crash test")
        .await
        .unwrap()
        .secret;
    let space = spaces::create_space(
        &t.state,
        &root,
        NewSpace {
            space_type: SpaceType::Shared,
            name: "Crash".into(),
            description: String::new(),
        },
    )
    .await
    .unwrap();
    let group = directory::create_group(
        &t.state,
        &root,
        NewGroup {
            name: "Readers".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = spawn_server(&t, port);
    wait_until_up(&base).await;

    // Apps from uploads and shares, in a loop, until the server dies under it.
    let reported = std::sync::Arc::new(std::sync::Mutex::new((
        Vec::<String>::new(),
        Vec::<String>::new(),
    )));
    let work = {
        let (reported, base, key, space, group) = (
            reported.clone(),
            base.clone(),
            key.clone(),
            space.id.clone(),
            group.id.clone(),
        );
        tokio::spawn(async move {
            let client = reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(10))
                .build()
                .unwrap();
            for i in 0.. {
                let Ok(upload) = client
                    .post(format!("{base}/api/v1/data-files?name=orders.csv"))
                    .bearer_auth(&key)
                    .body(crate::common::world::ORDERS)
                    .send()
                    .await
                else {
                    break;
                };
                let Ok(file) = upload.json::<serde_json::Value>().await else {
                    break;
                };
                let body = serde_json::json!({"attributes": {"name": format!("App {i}"), "spaceId": space, "dataFiles": [file["id"]]}});
                let Ok(made) = client
                    .post(format!("{base}/api/v1/apps"))
                    .bearer_auth(&key)
                    .json(&body)
                    .send()
                    .await
                else {
                    break;
                };
                if made.status() != reqwest::StatusCode::OK {
                    break;
                }
                let Ok(app) = made.json::<serde_json::Value>().await else {
                    break;
                };
                let app_id = app["attributes"]["id"].as_str().unwrap().to_string();
                reported.lock().unwrap().0.push(app_id.clone());
                let share = serde_json::json!({"resourceId": app_id, "resourceType": "app", "type": "group", "assigneeId": group, "roles": ["consumer"]});
                let Ok(shared) = client
                    .post(format!("{base}/api/v1/spaces/{space}/shares"))
                    .bearer_auth(&key)
                    .json(&share)
                    .send()
                    .await
                else {
                    break;
                };
                if shared.status() != reqwest::StatusCode::CREATED {
                    break;
                }
                let Ok(share) = shared.json::<serde_json::Value>().await else {
                    break;
                };
                reported
                    .lock()
                    .unwrap()
                    .1
                    .push(share["id"].as_str().unwrap().to_string());
            }
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    server.kill().expect("kill -9");
    server.wait().unwrap();
    work.await.unwrap();
    let (apps, shares) = reported.lock().unwrap().clone();
    assert!(
        apps.len() >= 2,
        "the loop made apps before the kill: {}",
        apps.len()
    );

    let mut server = spawn_server(&t, port);
    wait_until_up(&base).await;
    let in_space: Vec<String> = sqlx::query_scalar("SELECT id FROM apps WHERE space_id = $1")
        .bind(&space.id)
        .fetch_all(&t.state.db)
        .await
        .unwrap();
    for id in &apps {
        assert!(
            in_space.contains(id),
            "the app the API reported is there after the restart"
        );
    }
    for id in &in_space {
        // Every app there opens with its data: none half-made.
        let view = content::open_sheet(&t.state, &root, id, None, None)
            .await
            .unwrap_or_else(|e| panic!("app {id} does not open: {e}"));
        assert_eq!(kpi(&view), Some(ALL), "app {id} opens with its data");
    }
    for id in &shares {
        assert_eq!(
            t.count(&format!(
                "SELECT COUNT(*) FROM app_shares WHERE id = '{id}'"
            ))
            .await,
            1,
            "the share the API reported is there"
        );
    }
    println!("crash test ({}): {} apps and {} shares reported before kill -9; {} apps in the space after the restart, every one opens with its data", t.url.split(':').next().unwrap_or(""), apps.len(), shares.len(), in_space.len());
    server.kill().unwrap();
    server.wait().unwrap();
}

on_both_databases!(
    a_server_killed_mid_work_keeps_every_app_it_reported_and_nothing_half_made,
    a_flood_without_an_account_leaves_the_server_answering_in_bounded_memory,
    requests_for_another_host_and_page_exits_over_http,
    a_reduced_viewer_can_neither_copy_nor_move_the_rows_they_may_not_see,
    in_a_managed_space_no_role_widens_anyones_rows,
    deleting_whom_the_rules_name_never_opens_data,
    a_table_no_reduced_field_reaches_is_emptied,
    a_links_reduction_never_exceeds_its_makers_section_access,
    visitors_list_search_and_select_only_public_fields,
    the_frame_ancestors_cache_holds_only_real_apps,
    an_invitation_is_looked_up_before_any_hashing,
    parallel_wrong_passwords_record_no_more_than_the_limit,
    a_huge_sign_in_email_is_refused_and_written_nowhere,
    one_address_holds_a_few_seats_and_a_page_that_goes_gives_its_seat_back,
    a_selection_is_limited_in_size,
    housekeeping_never_removes_the_data_of_an_app_being_made,
    deleting_an_uploader_keeps_the_data_of_apps_that_survive_them,
    fifty_parallel_shares_at_399_end_with_exactly_400,
    two_admins_removing_each_other_leave_one,
    twenty_parallel_links_never_pass_the_limit,
    concurrent_edits_of_one_link_never_undo_each_other,
    people_who_only_view_cannot_page_through_the_directory,
    uploads_waiting_for_an_app_have_a_quota,
);
