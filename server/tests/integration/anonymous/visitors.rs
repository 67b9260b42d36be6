//! What visitors get: a link's reduction and its maker's section access, capacity, the
//! per-address limit, a visit that writes nothing, public sheets and embeds.

use super::*;

async fn a_links_reduction_locks_what_its_visitors_see(t: TestDb) {
    let w = world(&t).await;
    let link = turn_on(&t, &w).await;
    let north = LinkReduction {
        field: "region".into(),
        allowed: vec!["North".into()],
    };
    let changed = anonymous::update_link(
        &t.state,
        &w.anna,
        &link.id,
        LinkChanges {
            reduction: Some(Some(north)),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        changed.reduction.unwrap().field,
        "Region",
        "the field is matched to the app's own spelling"
    );
    let session = start(&t, &w, &code_of(&link)).await.unwrap();
    assert_eq!(
        kpi(&session.view),
        NORTH,
        "a visitor through this link sees only the North, in every chart"
    );
    let search = anonymous::anonymous_sheet(
        &t.state,
        &session.token,
        None,
        None,
        Some(SelectionChange::Search {
            field: "Region".into(),
            text: "South".into(),
        }),
    )
    .await;
    assert!(
        search.is_err(),
        "no search reaches rows outside the reduction"
    );

    let bad = anonymous::update_link(
        &t.state,
        &w.anna,
        &link.id,
        LinkChanges {
            reduction: Some(Some(LinkReduction {
                field: "Colour".into(),
                allowed: vec!["Red".into()],
            })),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert!(bad.to_string().contains("Colour"), "{bad}");

    // A second link to the same app, its own code, no reduction: everything.
    let second = anonymous::create_link(&t.state, &w.anna, &w.app.id, "Partner site")
        .await
        .unwrap();
    assert_ne!(second.code, link.code);
    assert_eq!(
        kpi(&start(&t, &w, &code_of(&second)).await.unwrap().view),
        ALL
    );
}

async fn section_access_never_opens_more_to_visitors(t: TestDb) {
    let w = world(&t).await;
    let link = turn_on(&t, &w).await;
    // A section-access rule on the published app (it names Ali, not visitors).
    let rule = NewAccessRule {
        assignee_type: "user".into(),
        assignee_id: w.ali.user_id.clone(),
        field: "Region".into(),
        allowed: "South".into(),
    };
    let draft_id = w.app.source_app_id.clone().unwrap();
    content::add_section_access(&t.state, &w.anna, &draft_id, rule)
        .await
        .unwrap();
    apps::republish_app(&t.state, &w.anna, &draft_id, &w.app.id)
        .await
        .unwrap();
    let session = start(&t, &w, &code_of(&link)).await.unwrap();
    assert!(session.view.charts.iter().all(|c| !matches!(&c.data, ChartData::Cube { totals, .. } if totals.iter().flatten().any(|v| *v > 0.0))), "a link without a reduction shows no data on an app with section access");
    let panel = anonymous::get_anonymous_panel(&t.state, &w.anna, &w.app.id)
        .await
        .unwrap();
    assert!(panel.has_section_access, "the panel warns about it");
}

async fn capacity_admits_until_every_seat_is_taken(t: TestDb) {
    let w = world(&t).await;
    let code = code_of(&turn_on(&t, &w).await);
    let low = anonymous::set_anonymous_capacity(&t.state, &w.admin, 2)
        .await
        .unwrap();
    assert_eq!(low.max_sessions, 2);
    start(&t, &w, &code).await.unwrap();
    start(&t, &w, &code).await.unwrap();
    let busy = start(&t, &w, &code).await.unwrap_err();
    assert_eq!(busy.status(), 503);
    assert_eq!(busy.retry_after_secs(), Some(60));
    let usage = anonymous::get_anonymous_usage(&t.state, &w.admin)
        .await
        .unwrap();
    assert_eq!((usage.current, usage.peak), (2, 2));
    assert_eq!(
        usage.history.last().map(|h| (h.started, h.refused)),
        Some((2, 1)),
        "the admin center shows current use, peak and history"
    );
    t.minutes(15);
    assert!(
        start(&t, &w, &code).await.is_ok(),
        "expired sessions free their seats"
    );
    assert_eq!(
        anonymous::set_anonymous_capacity(&t.state, &w.admin, -1)
            .await
            .unwrap_err()
            .status(),
        400
    );
    assert_eq!(
        anonymous::set_anonymous_capacity(&t.state, &w.anna, 10)
            .await
            .unwrap_err()
            .status(),
        403,
        "capacity is the tenant admins'"
    );
}

/// A page with several embeds is one session, as a Qlik mashup is: at a capacity of one, the
/// second embed of the page joins the first's session (no seat of its own) and draws its
/// selections; a token of another link, or one that ended, is no way in.
async fn the_embeds_of_one_page_share_one_seat_and_its_selections(t: TestDb) {
    let w = world(&t).await;
    let code = code_of(&turn_on(&t, &w).await);
    anonymous::set_anonymous_capacity(&t.state, &w.admin, 1)
        .await
        .unwrap();
    let first = start(&t, &w, &code).await.unwrap();
    anonymous::anonymous_sheet(
        &t.state,
        &first.token,
        None,
        None,
        Some(SelectionChange::SelectValues {
            field: "Region".into(),
            values: vec!["North".into()],
        }),
    )
    .await
    .unwrap();
    let join = |token: String, code: String| {
        let (state, app) = (t.state.clone(), w.app.id.clone());
        async move {
            anonymous::join_anonymous_session(&state, &app, &code, &token, None, None, None).await
        }
    };
    let second = join(first.token.clone(), code.clone())
        .await
        .expect("no second seat is needed");
    assert_eq!(second.token, first.token);
    assert_eq!(
        kpi(&second.view),
        NORTH,
        "the second embed draws the session's selections"
    );
    assert_eq!(
        start(&t, &w, &code).await.unwrap_err().status(),
        503,
        "still one seat taken"
    );
    assert!(join("made-up".into(), code.clone()).await.is_err());
    assert!(
        join(first.token.clone(), "0".repeat(64)).await.is_err(),
        "another code"
    );
    anonymous::end_session(&t.state, &first.token).await;
    assert!(
        join(first.token.clone(), code).await.is_err(),
        "the session ended"
    );
}

/// The review's reproduction: at a capacity of one, a visitor gives the seat back
/// (`anonymous_end`, as the page does when it goes away) and starts again, ten times. Each
/// token whose seat was given back stops working at once: one token answers, not ten.
async fn a_seat_given_back_ends_its_token(t: TestDb) {
    let w = world(&t).await;
    let code = code_of(&turn_on(&t, &w).await);
    anonymous::set_anonymous_capacity(&t.state, &w.admin, 1)
        .await
        .unwrap();
    let mut tokens = Vec::new();
    for _ in 0..10 {
        let session = start(&t, &w, &code).await.expect("the one seat is free");
        assert!(start(&t, &w, &code).await.is_err(), "and then taken");
        tokens.push(session.token.clone());
        anonymous::end_session(&t.state, &session.token).await;
    }
    let last = start(&t, &w, &code).await.unwrap();
    tokens.push(last.token);
    let mut answering = 0;
    for token in &tokens {
        match anonymous::anonymous_sheet(&t.state, token, None, None, None).await {
            Ok(_) => answering += 1,
            Err(error) => assert!(error.to_string().contains("ended"), "{error}"),
        }
    }
    assert_eq!(
        answering, 1,
        "only the token that still holds the seat answers"
    );
}

/// An office behind one address: five colleagues hold the five seats one address may. Told
/// when the first stops counting, the sixth waits; three minutes later the pages nobody clicked
/// in no longer block the address, while one still in use does, and every token still works.
async fn idle_seats_do_not_block_their_address_for_long(t: TestDb) {
    let w = world(&t).await;
    let code = code_of(&turn_on(&t, &w).await);
    let mut sessions = Vec::new();
    for _ in 0..5 {
        sessions.push(start(&t, &w, &code).await.unwrap());
    }
    let sixth = start(&t, &w, &code).await.unwrap_err();
    assert_eq!(sixth.status(), 429);
    assert!(
        sixth.to_string().contains("stops counting in 3 minutes"),
        "{sixth}"
    );
    assert_eq!(sixth.retry_after_secs(), Some(180));
    t.minutes(2);
    // One colleague keeps exploring; the four others read without a click.
    anonymous::anonymous_sheet(&t.state, &sessions[0].token, None, None, None)
        .await
        .unwrap();
    t.minutes(2);
    let admitted = start(&t, &w, &code)
        .await
        .expect("four idle seats no longer count");
    sessions.push(admitted);
    for session in &sessions {
        anonymous::anonymous_sheet(&t.state, &session.token, None, None, None)
            .await
            .expect("an idle seat still holds its session until it ends");
    }
}

async fn a_visit_writes_nothing_and_housekeeping_keeps_the_counts(t: TestDb) {
    let w = world(&t).await;
    let code = code_of(&turn_on(&t, &w).await);
    let changes = "SELECT (SELECT COUNT(*) FROM audit_events) + (SELECT COUNT(*) FROM link_views) + (SELECT COUNT(*) FROM anonymous_usage) + (SELECT COUNT(*) FROM app_shares WHERE updated_at > 0 AND updated_at <> created_at)";
    let before = t.count(changes).await;
    for _ in 0..5 {
        let session = start(&t, &w, &code).await.unwrap();
        anonymous::anonymous_sheet(
            &t.state,
            &session.token,
            None,
            None,
            Some(SelectionChange::ClearAll),
        )
        .await
        .unwrap();
    }
    assert_eq!(
        t.count(changes).await,
        before,
        "five visits with a selection each wrote nothing"
    );
    let panel = anonymous::get_anonymous_panel(&t.state, &w.anna, &w.app.id)
        .await
        .unwrap();
    assert_eq!(
        panel.links[0].views_today, 5,
        "views are counted before they are written"
    );
    anonymous::flush(&t.state).await.unwrap();
    assert_eq!(
        t.count("SELECT CAST(COALESCE(SUM(views), 0) AS BIGINT) FROM link_views")
            .await,
        5,
        "views per link and day, no personal data"
    );
    assert_eq!(
        t.count("SELECT COALESCE(MAX(peak), 0) FROM anonymous_usage")
            .await,
        5
    );
    let panel = anonymous::get_anonymous_panel(&t.state, &w.anna, &w.app.id)
        .await
        .unwrap();
    assert_eq!(
        (panel.links[0].views_today, panel.links[0].views_30_days),
        (5, 5),
        "written once, counted once"
    );
}

async fn the_per_address_limit_slows_one_client_only() {
    let t = TestDb::with_settings(crate::common::Backend::Sqlite, |s| {
        s.anonymous.starts_per_minute = 3
    })
    .await;
    let w = world(&t).await;
    let code = code_of(&turn_on(&t, &w).await);
    for _ in 0..3 {
        anonymous::start_anonymous_session(
            &t.state,
            visit("198.51.100.1"),
            &w.app.id,
            &code,
            None,
            None,
            None,
            "",
        )
        .await
        .unwrap();
    }
    let limited = anonymous::start_anonymous_session(
        &t.state,
        visit("198.51.100.1"),
        &w.app.id,
        &code,
        None,
        None,
        None,
        "",
    )
    .await
    .unwrap_err();
    assert_eq!(limited.status(), 429);
    assert!(limited.retry_after_secs().unwrap() <= 60);
    assert!(
        anonymous::start_anonymous_session(
            &t.state,
            visit("198.51.100.2"),
            &w.app.id,
            &code,
            None,
            None,
            None,
            ""
        )
        .await
        .is_ok(),
        "another address is not slowed"
    );
    t.minutes(1);
    assert!(
        anonymous::start_anonymous_session(
            &t.state,
            visit("198.51.100.1"),
            &w.app.id,
            &code,
            None,
            None,
            None,
            ""
        )
        .await
        .is_ok(),
        "a minute later it may start again"
    );
}

async fn visitors_see_public_sheets_only_and_embeds_pick_their_part(t: TestDb) {
    let w = world(&t).await;
    let code = code_of(&turn_on(&t, &w).await);
    let private = content::add_sheet(&t.state, &w.anna, &w.app.id, "Anna's notes")
        .await
        .unwrap();
    assert!(private.private);
    let session = start(&t, &w, &code).await.unwrap();
    assert!(
        session.view.sheets.iter().all(|s| !s.private),
        "only public sheets"
    );
    let hidden =
        anonymous::anonymous_sheet(&t.state, &session.token, Some(&private.id), None, None)
            .await
            .unwrap_err();
    assert_eq!(hidden.status(), 404);

    let field = anonymous::start_anonymous_session(
        &t.state,
        visit("203.0.113.8"),
        &w.app.id,
        &code,
        None,
        None,
        Some("Region"),
        "Region:North",
    )
    .await
    .unwrap();
    assert_eq!(
        field.view.charts.len(),
        1,
        "an embedded field is its filter pane alone"
    );
    assert_eq!(
        field.view.selections.first().map(|c| c.values.clone()),
        Some(vec!["North".to_string()]),
        "initial selections from the address"
    );
    let bad = anonymous::start_anonymous_session(
        &t.state,
        visit("203.0.113.8"),
        &w.app.id,
        &code,
        None,
        None,
        None,
        "Region:Mars",
    )
    .await
    .unwrap_err();
    assert!(bad.to_string().contains("Mars"), "{bad}");
}

on_both_databases!(
    a_links_reduction_locks_what_its_visitors_see,
    section_access_never_opens_more_to_visitors,
    capacity_admits_until_every_seat_is_taken,
    the_embeds_of_one_page_share_one_seat_and_its_selections,
    a_seat_given_back_ends_its_token,
    idle_seats_do_not_block_their_address_for_long,
    a_visit_writes_nothing_and_housekeeping_keeps_the_counts,
    visitors_see_public_sheets_only_and_embeds_pick_their_part,
);

#[test]
fn the_per_address_limit() {
    crate::common::run(the_per_address_limit_slows_one_client_only())
}
