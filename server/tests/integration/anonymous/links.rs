//! Links and their codes: turning anonymous access on, resets, pauses and expiry, who copies
//! what, links among the shares and in the members list, allowed origins.

use super::*;

async fn turning_on_gives_a_link_whose_code_opens_the_app_for_fifteen_minutes(t: TestDb) {
    let w = world(&t).await;
    let link = turn_on(&t, &w).await;
    assert_eq!(link.status, LinkStatus::Live);
    let code = code_of(&link);
    assert_eq!(
        code.len(),
        64,
        "256 random bits, at least the 128 the issue asks"
    );
    assert_eq!(
        link.url,
        format!("http://sightline.test/a/{}?eac={code}", w.app.id)
    );
    assert!(
        link.embed.as_ref().unwrap().iframe.contains(&code),
        "the embed code carries the same code"
    );

    let session = start(&t, &w, &code).await.unwrap();
    assert_eq!(
        session.lasts_ms,
        15 * 60 * 1000,
        "each anonymous session lasts 15 minutes"
    );
    assert_eq!(kpi(&session.view), ALL);
    assert!(
        !session.view.can_edit_sheet && !session.view.can_add_sheet,
        "a visitor changes nothing"
    );
    assert!(session.view.public);

    // Selections are the visitor's own.
    let bike = match session
        .view
        .charts
        .iter()
        .find(|c| {
            c.spec.kind == ChartKind::FilterPane
                && matches!(&c.data, ChartData::List { field, .. } if field == "Product")
        })
        .map(|c| &c.data)
    {
        Some(ChartData::List { values, .. }) => {
            values.iter().find(|v| v.label == "Bike").unwrap().code
        }
        _ => panic!("a Product pane"),
    };
    let selected = anonymous::anonymous_sheet(
        &t.state,
        &session.token,
        None,
        None,
        Some(SelectionChange::Toggle {
            field: "Product".into(),
            code: bike,
        }),
    )
    .await
    .unwrap();
    assert_eq!(kpi(&selected), 200.0);
    let other = start(&t, &w, &code).await.unwrap();
    assert_eq!(
        kpi(&other.view),
        ALL,
        "another visitor does not see the first one's selections"
    );

    t.minutes(14);
    assert!(
        anonymous::anonymous_sheet(&t.state, &session.token, None, None, None)
            .await
            .is_ok(),
        "still within 15 minutes"
    );
    t.minutes(1);
    let ended = anonymous::anonymous_sheet(&t.state, &session.token, None, None, None)
        .await
        .unwrap_err();
    assert!(matches!(ended, AppError::SessionEnded(_)), "{ended:?}");
    assert!(ended.to_string().contains("Refresh"), "{ended}");
    let renewed = start(&t, &w, &code).await.unwrap();
    assert_eq!(
        kpi(&renewed.view),
        ALL,
        "a refresh with the same link starts a new session"
    );
}

async fn a_reset_code_stops_the_old_link_and_every_session_at_once(t: TestDb) {
    let w = world(&t).await;
    let link = turn_on(&t, &w).await;
    let old = code_of(&link);
    let session = start(&t, &w, &old).await.unwrap();
    let reset = anonymous::reset_link_code(&t.state, &w.anna, &link.id)
        .await
        .unwrap();
    let new = code_of(&reset);
    assert_ne!(new, old);
    assert!(
        matches!(
            anonymous::anonymous_sheet(&t.state, &session.token, None, None, None).await,
            Err(AppError::SessionEnded(_))
        ),
        "the live session stops"
    );
    let wrong = start(&t, &w, &old).await.unwrap_err();
    assert_eq!(wrong.status(), 404);
    let guessed = start(&t, &w, &"0".repeat(64)).await.unwrap_err();
    let missing = anonymous::start_anonymous_session(
        &t.state,
        visit("203.0.113.7"),
        "no-such-app",
        &new,
        None,
        None,
        None,
        "",
    )
    .await
    .unwrap_err();
    assert_eq!(wrong, guessed, "an old code and a wrong code answer alike");
    assert_eq!(wrong, missing, "a missing app answers like a wrong code");
    assert!(start(&t, &w, &new).await.is_ok(), "the new code works");
    assert!(start(&t, &w, "").await.is_err(), "no code, no session");
}

async fn pausing_and_expiry_close_a_link_with_a_clear_answer(t: TestDb) {
    let w = world(&t).await;
    let link = turn_on(&t, &w).await;
    let code = code_of(&link);
    let session = start(&t, &w, &code).await.unwrap();
    anonymous::update_link(
        &t.state,
        &w.anna,
        &link.id,
        LinkChanges {
            disabled: Some(true),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let paused = start(&t, &w, &code).await.unwrap_err();
    assert_eq!(paused.status(), 403);
    assert!(paused.to_string().contains("turned off"), "{paused}");
    assert!(matches!(
        anonymous::anonymous_sheet(&t.state, &session.token, None, None, None).await,
        Err(AppError::SessionEnded(_))
    ));
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
    assert!(
        start(&t, &w, &code).await.is_ok(),
        "resumed with the same code"
    );

    let past = anonymous::update_link(
        &t.state,
        &w.anna,
        &link.id,
        LinkChanges {
            expires_at: Some(Some(crate::common::START - 1)),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert!(past.to_string().contains("passed"), "{past}");
    let tomorrow = crate::common::START + 24 * 60 * 60 * 1000;
    let dated = anonymous::update_link(
        &t.state,
        &w.anna,
        &link.id,
        LinkChanges {
            expires_at: Some(Some(tomorrow)),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(dated.expires_at, Some(tomorrow));
    t.minutes(2 * 24 * 60);
    let expired = start(&t, &w, &code).await.unwrap_err();
    assert_eq!(expired.status(), 410);
    assert!(expired.to_string().contains("expired"), "{expired}");
    let listed = anonymous::get_anonymous_panel(&t.state, &w.anna, &w.app.id)
        .await
        .unwrap();
    assert_eq!(listed.links[0].status, LinkStatus::Expired);
    assert!(
        !apps::get_app(&t.state, &w.anna, &w.app.id)
            .await
            .unwrap()
            .app
            .public,
        "an expired link makes the app no longer public"
    );
}

async fn who_turns_it_on_and_who_copies_what(t: TestDb) {
    let w = world(&t).await;
    // The tenant admin owns "Public" but lacks the permission: allowed to nobody by default,
    // tenant admins included.
    let admin_try = anonymous::set_anonymous_access(&t.state, &w.admin, &w.app.id, true)
        .await
        .unwrap_err();
    assert_eq!(admin_try.status(), 403);
    assert!(
        admin_try.to_string().contains("Public link creation"),
        "{admin_try}"
    );
    let pat_try = anonymous::set_anonymous_access(&t.state, &w.pat, &w.app.id, true)
        .await
        .unwrap_err();
    assert!(pat_try.to_string().contains("Can manage"), "{pat_try}");
    let link = turn_on(&t, &w).await;

    let ali = anonymous::get_anonymous_panel(&t.state, &w.ali, &w.app.id)
        .await
        .unwrap();
    assert!(
        ali.can_copy_code && !ali.can_copy_embed && !ali.can_manage,
        "Can view copies the link with its code"
    );
    assert_eq!(ali.links[0].url, link.url);
    assert!(ali.links[0].embed.is_none() && ali.links[0].code.is_none());
    assert!(ali.why_not.unwrap().contains("Can manage"));

    let pat = anonymous::get_anonymous_panel(&t.state, &w.pat, &w.app.id)
        .await
        .unwrap();
    assert!(
        !pat.can_copy_code,
        "Can publish is not among the roles that copy the code"
    );
    assert_eq!(
        pat.links[0].url,
        format!("http://sightline.test/a/{}", w.app.id),
        "others copy the link without the code"
    );

    // Can manage without the permission: neither the switch nor the embed code.
    let role_less = {
        let admin = &w.admin;
        directory::update_user(
            &t.state,
            admin,
            &w.anna.user_id,
            UserChanges {
                role_ids: Some(vec![]),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        t.principal("anna@acme.test").await
    };
    let panel = anonymous::get_anonymous_panel(&t.state, &role_less, &w.app.id)
        .await
        .unwrap();
    assert!(panel.can_copy_code && !panel.can_copy_embed && !panel.can_manage);
    assert!(panel.why_not.unwrap().contains("Public link creation"));
    assert_eq!(
        anonymous::reset_link_code(&t.state, &role_less, &link.id)
            .await
            .unwrap_err()
            .status(),
        403
    );

    // Anonymous access is for apps in managed spaces.
    let draft = apps::list_apps(&t.state, &w.anna, &spaces_named(&t, &w.anna, "Work").await)
        .await
        .unwrap()
        .remove(0);
    let shared = anonymous::set_anonymous_access(&t.state, &w.anna, &draft.id, true)
        .await
        .unwrap_err();
    assert!(shared.to_string().contains("managed space"), "{shared}");
}

async fn spaces_named(t: &TestDb, who: &Principal, name: &str) -> String {
    spaces::list_spaces(&t.state, who, SpaceQuery::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .find(|s| s.name == name)
        .unwrap()
        .id
}

async fn the_members_list_shows_anonymous_access_with_turn_off(t: TestDb) {
    let w = world(&t).await;
    let members = sharing::list_members(&t.state, &w.anna, &w.public_space, MemberQuery::default())
        .await
        .unwrap();
    assert!(members.anonymous_apps.is_empty(), "no link yet");
    turn_on(&t, &w).await;
    let members = sharing::list_members(&t.state, &w.anna, &w.public_space, MemberQuery::default())
        .await
        .unwrap();
    assert_eq!(
        members.anonymous_apps,
        vec![(w.app.id.clone(), "Community stats".to_string())]
    );
    assert!(
        members
            .rows
            .iter()
            .all(|r| r.assignee_type != ShareAssignee::Link),
        "links are not people"
    );
    let ali = sharing::list_members(&t.state, &w.ali, &w.public_space, MemberQuery::default())
        .await
        .unwrap();
    assert!(
        ali.anonymous_apps.is_empty(),
        "Owner and Can manage see it; Can view does not"
    );
    anonymous::set_anonymous_access(&t.state, &w.anna, &w.app.id, false)
        .await
        .unwrap();
    let members = sharing::list_members(&t.state, &w.anna, &w.public_space, MemberQuery::default())
        .await
        .unwrap();
    assert!(members.anonymous_apps.is_empty(), "Turn off");
    assert!(
        !apps::get_app(&t.state, &w.anna, &w.app.id)
            .await
            .unwrap()
            .app
            .public
    );
}

async fn links_are_shares_of_type_link(t: TestDb) {
    let w = world(&t).await;
    let link = turn_on(&t, &w).await;
    let shares = sharing::list_shares(&t.state, &w.anna, &w.public_space, ShareQuery::default())
        .await
        .unwrap();
    let share = shares
        .iter()
        .find(|s| s.id == link.id)
        .expect("the link is a share");
    assert_eq!(
        (
            share.assignee_type,
            share.assignee_name.as_str(),
            share.disabled
        ),
        (ShareAssignee::Link, "Anonymous access", false)
    );
    let paused = sharing::update_share(
        &t.state,
        &w.anna,
        &w.public_space,
        &link.id,
        ShareChanges {
            disabled: Some(true),
            roles: None,
        },
    )
    .await
    .unwrap();
    assert!(paused.disabled);
    let roles = sharing::update_share(
        &t.state,
        &w.anna,
        &w.public_space,
        &link.id,
        ShareChanges {
            roles: Some(vec![SpaceRole::Contributor]),
            disabled: None,
        },
    )
    .await
    .unwrap_err();
    assert_eq!(roles.status(), 400);
    sharing::delete_share(&t.state, &w.anna, &w.public_space, &link.id)
        .await
        .unwrap();
    assert!(anonymous::get_anonymous_panel(&t.state, &w.anna, &w.app.id)
        .await
        .unwrap()
        .links
        .is_empty());
}

async fn allowed_origins_are_kept_by_tenant_admins(t: TestDb) {
    let w = world(&t).await;
    assert_eq!(
        anonymous::frame_ancestors_for(&t.state, &w.app.id).await,
        "frame-ancestors 'none'",
        "no site may frame Sightline until one is listed"
    );
    let site = NewOrigin {
        name: "Website".into(),
        origin: "https://www.Example.com/".into(),
        description: String::new(),
        frame_ancestors: true,
    };
    let saved = anonymous::save_allowed_origin(&t.state, &w.admin, None, site.clone())
        .await
        .unwrap();
    assert_eq!(saved.origin, "https://www.example.com");
    assert_eq!(
        anonymous::frame_ancestors_for(&t.state, &w.app.id).await,
        "frame-ancestors https://www.example.com"
    );
    assert_eq!(
        anonymous::save_allowed_origin(&t.state, &w.admin, None, site.clone())
            .await
            .unwrap_err()
            .status(),
        409
    );
    let injected = anonymous::save_allowed_origin(
        &t.state,
        &w.admin,
        None,
        NewOrigin {
            origin: "https://a.com; script-src *".into(),
            ..site.clone()
        },
    )
    .await
    .unwrap_err();
    assert!(
        injected.to_string().contains("https://example.com"),
        "{injected}"
    );
    assert_eq!(
        anonymous::save_allowed_origin(&t.state, &w.anna, None, site)
            .await
            .unwrap_err()
            .status(),
        403
    );
    anonymous::delete_allowed_origin(&t.state, &w.admin, &saved.id)
        .await
        .unwrap();
    assert_eq!(
        anonymous::frame_ancestors_for(&t.state, &w.app.id).await,
        "frame-ancestors 'none'"
    );
}

on_both_databases!(
    turning_on_gives_a_link_whose_code_opens_the_app_for_fifteen_minutes,
    a_reset_code_stops_the_old_link_and_every_session_at_once,
    pausing_and_expiry_close_a_link_with_a_clear_answer,
    who_turns_it_on_and_who_copies_what,
    the_members_list_shows_anonymous_access_with_turn_off,
    links_are_shares_of_type_link,
    allowed_origins_are_kept_by_tenant_admins,
);
