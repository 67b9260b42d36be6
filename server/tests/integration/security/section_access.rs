//! Findings 1 to 4: section access binds everyone who opens an app on every path and fails
//! closed; a link never shows more than its maker may see; visitors reach only public sheets.

use super::*;

// --- 1. Section access binds everyone who opens an app, on every path --------------------------

/// The charts computed for one viewer are kept for the next who asks the same (the performance
/// issue), but only for a viewer of the same rows: section access makes another model, and so
/// another result.
async fn a_kept_chart_is_shared_only_by_viewers_who_see_the_same_rows(t: TestDb) {
    let w = world(&t).await;
    let results = &t.state.content.engines.results;
    assert_eq!(sees(&t, &w.anna, &w.app.id).await, ALL);
    let after_first = results.stats();
    assert!(after_first.results > 0, "the sheet's charts are kept");
    assert_eq!(sees(&t, &w.pat, &w.app.id).await, ALL);
    let after_second = results.stats();
    assert_eq!(
        after_second.misses, after_first.misses,
        "the second viewer's charts were all computed already"
    );
    assert!(after_second.hits > after_first.hits);

    publish_rules(&t, &w, vec![rule("user", &w.pat.user_id, "North")]).await;
    assert_eq!(
        sees(&t, &w.pat, &w.app.id).await,
        NORTH,
        "never the whole data's result"
    );
    // A selection is another result too, for everyone.
    let view = content::open_sheet(
        &t.state,
        &w.pat,
        &w.app.id,
        None,
        Some(SelectionChange::ClearAll),
    )
    .await
    .unwrap();
    assert_eq!(kpi(&view), Some(NORTH));
}

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
    assert!(!fields.contains(&"CustomerId"), "{fields:?}");
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
        field: "CustomerId".into(),
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
        Some("CustomerId"),
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

on_both_databases!(
    a_kept_chart_is_shared_only_by_viewers_who_see_the_same_rows,
    a_reduced_viewer_can_neither_copy_nor_move_the_rows_they_may_not_see,
    in_a_managed_space_no_role_widens_anyones_rows,
    deleting_whom_the_rules_name_never_opens_data,
    a_table_no_reduced_field_reaches_is_emptied,
    a_links_reduction_never_exceeds_its_makers_section_access,
    visitors_list_search_and_select_only_public_fields,
);
