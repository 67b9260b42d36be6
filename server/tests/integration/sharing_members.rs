//! A space's members and its apps' shares seen together, on SQLite and PostgreSQL: the members
//! list, removing either, an admin's reach, the audit of every change, and the spaces list. The
//! fixtures are `sharing`'s.

use crate::common::TestDb;
use crate::sharing::*;
use app::apps::service as apps;
use app::audit::model::AuditQuery;
use app::sharing::model::*;
use app::sharing::rules::SpaceAction;
use app::sharing::service as sharing;
use app::spaces::model::*;
use app::spaces::rules::SpaceRole::*;
use app::spaces::rules::SpaceType;
use app::spaces::service as spaces;

on_both_databases!(
    the_members_list_shows_who_reaches_what_and_how,
    members_and_app_shares_are_removed_independently,
    an_admin_manages_a_space_without_seeing_its_apps_until_they_take_a_role,
    every_share_assignment_and_lifecycle_action_is_audited,
    spaces_are_listed_with_filters_a_page_at_a_time,
);

async fn the_members_list_shows_who_reaches_what_and_how(t: TestDb) {
    let people = tenant(&t).await;
    let sales = shared_space_of(&t, &people.anna, "Sales").await;
    let demo = app_in(&t, &people.anna, &sales.id, "Demo App").await;
    let tutorial = app_in(&t, &people.anna, &sales.id, "Tutorial").await;
    // Anna owns the space and has two apps shared with her too; Ali manages it; Bob only has
    // Can view on Demo App, through Finance and directly.
    share(
        &t,
        &people.anna,
        &demo,
        ShareAssignee::User,
        &people.anna.user_id,
        &[Consumer],
    )
    .await
    .unwrap();
    share(
        &t,
        &people.anna,
        &tutorial,
        ShareAssignee::User,
        &people.anna.user_id,
        &[Consumer],
    )
    .await
    .unwrap();
    spaces::create_assignment(
        &t.state,
        &people.anna,
        &sales.id,
        NewAssignment {
            assignee_type: AssigneeType::User,
            assignee_id: people.ali.user_id.clone(),
            roles: vec![Facilitator],
        },
    )
    .await
    .unwrap();
    share(
        &t,
        &people.anna,
        &demo,
        ShareAssignee::User,
        &people.bob.user_id,
        &[Consumer],
    )
    .await
    .unwrap();
    share(
        &t,
        &people.anna,
        &demo,
        ShareAssignee::Group,
        &people.finance,
        &[Consumer],
    )
    .await
    .unwrap();

    let page = sharing::list_members(&t.state, &people.anna, &sales.id, MemberQuery::default())
        .await
        .unwrap();
    let names: Vec<&str> = page.rows.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(
        names,
        vec!["Anna", "Ali", "Bob", "Finance"],
        "the owner first, then by name"
    );
    let anna = &page.rows[0];
    assert_eq!(
        (anna.highest.as_str(), anna.access),
        ("Owner", AccessKind::Both)
    );
    assert_eq!(anna.shared_apps.len(), 2);
    assert_eq!(anna.roles[0].role, "Owner");
    let ali = &page.rows[1];
    assert_eq!(
        (ali.highest.as_str(), ali.access),
        ("Can manage", AccessKind::Member)
    );
    let bob = &page.rows[2];
    assert_eq!(
        (bob.highest.as_str(), bob.access),
        ("Can view", AccessKind::AppAccess)
    );
    let sources = &bob.roles[0].sources;
    assert!(
        sources.iter().any(|s| s.contains("shared directly"))
            && sources.iter().any(|s| s.contains("group Finance")),
        "{sources:?}"
    );
    assert_eq!(page.rows[3].assignee_type, ShareAssignee::Group);

    let search = |q: MemberQuery| async {
        sharing::list_members(&t.state, &people.ali, &sales.id, q)
            .await
            .unwrap()
            .rows
            .into_iter()
            .map(|r| r.name)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        search(MemberQuery {
            search: "BOB@acme".into(),
            ..Default::default()
        })
        .await,
        vec!["Bob"]
    );
    assert_eq!(
        search(MemberQuery {
            role: "facilitator".into(),
            ..Default::default()
        })
        .await,
        vec!["Ali"]
    );
    assert_eq!(
        search(MemberQuery {
            access: Some(AccessKind::AppAccess),
            ..Default::default()
        })
        .await,
        vec!["Anna", "Bob", "Finance"]
    );
    assert_eq!(
        search(MemberQuery {
            access: Some(AccessKind::Member),
            ..Default::default()
        })
        .await,
        vec!["Anna", "Ali"]
    );
    assert!(message(
        sharing::list_members(
            &t.state,
            &people.ali,
            &sales.id,
            MemberQuery {
                role: "boss".into(),
                ..Default::default()
            }
        )
        .await
    )
    .contains("Unknown space role"));
}

async fn members_and_app_shares_are_removed_independently(t: TestDb) {
    let people = tenant(&t).await;
    let managed = managed_space_of(&t, &people, "Board").await;
    let revenue = published_app(&t, &people, &managed, "Revenue").await;
    let costs = published_app(&t, &people, &managed, "Costs").await;
    let member = spaces::create_assignment(
        &t.state,
        &people.anna,
        &managed.id,
        NewAssignment {
            assignee_type: AssigneeType::User,
            assignee_id: people.ali.user_id.clone(),
            roles: vec![Consumer],
        },
    )
    .await
    .unwrap();
    let on_revenue = share(
        &t,
        &people.anna,
        &revenue,
        ShareAssignee::User,
        &people.ali.user_id,
        &[Contributor],
    )
    .await
    .unwrap();
    share(
        &t,
        &people.anna,
        &costs,
        ShareAssignee::User,
        &people.ali.user_id,
        &[Consumer],
    )
    .await
    .unwrap();

    // Remove him as a member but keep his app shares.
    spaces::delete_assignment(&t.state, &people.anna, &managed.id, &member.id)
        .await
        .unwrap();
    assert!(
        can_open(&t, &people.ali, &revenue.id).await && can_open(&t, &people.ali, &costs.id).await
    );
    assert_eq!(
        apps::list_apps(&t.state, &people.ali, &managed.id)
            .await
            .unwrap()
            .len(),
        2
    );
    // Edit the roles of a share in a managed space: at least one must remain.
    assert!(message(
        sharing::update_share(
            &t.state,
            &people.anna,
            &managed.id,
            &on_revenue.id,
            ShareChanges {
                roles: Some(vec![]),
                disabled: None
            }
        )
        .await
    )
    .contains("at least one role"));
    let edited = sharing::update_share(
        &t.state,
        &people.anna,
        &managed.id,
        &on_revenue.id,
        ShareChanges {
            roles: Some(vec![BasicConsumer]),
            disabled: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(edited.roles, vec![BasicConsumer]);
    // Remove access to one app, then add him back as a member, then remove all app access.
    sharing::delete_share(&t.state, &people.anna, &managed.id, &on_revenue.id)
        .await
        .unwrap();
    assert!(
        !can_open(&t, &people.ali, &revenue.id).await && can_open(&t, &people.ali, &costs.id).await
    );
    spaces::create_assignment(
        &t.state,
        &people.anna,
        &managed.id,
        NewAssignment {
            assignee_type: AssigneeType::User,
            assignee_id: people.ali.user_id.clone(),
            roles: vec![Consumer],
        },
    )
    .await
    .unwrap();
    let removed = sharing::remove_app_access(
        &t.state,
        &people.anna,
        &managed.id,
        ShareAssignee::User,
        &people.ali.user_id,
    )
    .await
    .unwrap();
    assert_eq!(removed, 1);
    let row = sharing::list_members(
        &t.state,
        &people.anna,
        &managed.id,
        MemberQuery {
            search: "ali".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .rows
    .remove(0);
    assert_eq!(
        row.access,
        AccessKind::Member,
        "still a member, with no app shares"
    );
    assert!(
        can_open(&t, &people.ali, &revenue.id).await,
        "as a member with Can view"
    );
}

async fn an_admin_manages_a_space_without_seeing_its_apps_until_they_take_a_role(t: TestDb) {
    let people = tenant(&t).await;
    let sales = shared_space_of(&t, &people.anna, "Sales").await;
    let app = app_in(&t, &people.anna, &sales.id, "Pipeline").await;
    let seen = spaces::get_space(&t.state, &people.admin, &sales.id)
        .await
        .unwrap();
    assert!(
        seen.can(SpaceAction::ManageMembers)
            && seen.can(SpaceAction::ChangeOwner)
            && !seen.can(SpaceAction::ViewAllApps)
    );
    assert!(!can_open(&t, &people.admin, &app.id).await);
    assert!(share(
        &t,
        &people.admin,
        &app,
        ShareAssignee::User,
        &people.ali.user_id,
        &[Consumer]
    )
    .await
    .is_err());
    // "A tenant admin or analytics admin can assign themselves a Can manage role in a space to be able to share applications."
    spaces::create_assignment(
        &t.state,
        &people.admin,
        &sales.id,
        NewAssignment {
            assignee_type: AssigneeType::User,
            assignee_id: people.admin.user_id.clone(),
            roles: vec![Facilitator],
        },
    )
    .await
    .unwrap();
    share(
        &t,
        &people.admin,
        &app,
        ShareAssignee::User,
        &people.ali.user_id,
        &[Consumer],
    )
    .await
    .unwrap();
    // "A tenant admin can also take ownership of the space."
    let taken = spaces::update_space(
        &t.state,
        &people.admin,
        &sales.id,
        SpaceChanges {
            owner_id: Some(people.admin.user_id.clone()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(taken.owner_name.as_deref(), Some("Root Admin"));
    assert!(taken.can(SpaceAction::Delete));
    let plain = spaces::update_space(
        &t.state,
        &people.ali,
        &sales.id,
        SpaceChanges {
            owner_id: Some(people.ali.user_id.clone()),
            ..Default::default()
        },
    )
    .await;
    assert!(plain.is_err(), "a shared-app user does not take a space");
}

async fn every_share_assignment_and_lifecycle_action_is_audited(t: TestDb) {
    let people = tenant(&t).await;
    let managed = managed_space_of(&t, &people, "Board").await;
    let app = published_app(&t, &people, &managed, "Revenue").await;
    let shared = share(
        &t,
        &people.anna,
        &app,
        ShareAssignee::User,
        &people.ali.user_id,
        &[Consumer],
    )
    .await
    .unwrap();
    sharing::update_share(
        &t.state,
        &people.anna,
        &managed.id,
        &shared.id,
        ShareChanges {
            roles: Some(vec![Contributor]),
            disabled: None,
        },
    )
    .await
    .unwrap();
    sharing::delete_share(&t.state, &people.anna, &managed.id, &shared.id)
        .await
        .unwrap();
    let member = spaces::create_assignment(
        &t.state,
        &people.anna,
        &managed.id,
        NewAssignment {
            assignee_type: AssigneeType::Group,
            assignee_id: people.finance.clone(),
            roles: vec![Consumer],
        },
    )
    .await
    .unwrap();
    spaces::delete_assignment(&t.state, &people.anna, &managed.id, &member.id)
        .await
        .unwrap();
    apps::delete_app(&t.state, &people.anna, &app.id)
        .await
        .unwrap();
    let log = app::audit::service::list_audit_events(
        &t.state,
        &people.admin,
        AuditQuery {
            limit: 100,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let actions: Vec<&str> = log.events.iter().map(|e| e.action.as_str()).collect();
    for expected in [
        "space.create",
        "space.update",
        "app.create",
        "app.publish",
        "share.create",
        "share.update",
        "share.delete",
        "space.assignment.create",
        "space.assignment.delete",
        "app.delete",
    ] {
        assert!(
            actions.contains(&expected),
            "{expected} missing from {actions:?}"
        );
    }
    let created = log
        .events
        .iter()
        .find(|e| e.action == "share.create")
        .unwrap();
    assert_eq!(created.detail, "shared with Ali (user) as Can view");
}

async fn spaces_are_listed_with_filters_a_page_at_a_time(t: TestDb) {
    let people = tenant(&t).await;
    for name in ["Alpha", "Beta", "Gamma", "Delta"] {
        shared_space_of(&t, &people.anna, name).await;
    }
    managed_space_of(&t, &people, "Board").await;
    let all = spaces::list_spaces(&t.state, &people.anna, SpaceQuery::default())
        .await
        .unwrap();
    let names: Vec<&str> = all.items.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        vec!["Personal", "Alpha", "Beta", "Board", "Delta", "Gamma"]
    );
    let managed = spaces::list_spaces(
        &t.state,
        &people.anna,
        SpaceQuery {
            space_type: Some(SpaceType::Managed),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(managed.items.len(), 1);
    let named = spaces::list_spaces(
        &t.state,
        &people.anna,
        SpaceQuery {
            name: "ET".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        named
            .items
            .iter()
            .map(|s| s.name.as_str())
            .collect::<Vec<_>>(),
        vec!["Beta"]
    );
    let first = spaces::list_spaces(
        &t.state,
        &people.anna,
        SpaceQuery {
            limit: 4,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(first.items.len(), 4);
    let second = spaces::list_spaces(
        &t.state,
        &people.anna,
        SpaceQuery {
            limit: 4,
            after: first.next.clone(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        second
            .items
            .iter()
            .map(|s| s.name.as_str())
            .collect::<Vec<_>>(),
        vec!["Delta", "Gamma"]
    );
    assert!(second.next.is_none());
    // Ali sees only his personal space; the admin sees every shared and managed one.
    assert_eq!(
        spaces::list_spaces(&t.state, &people.ali, SpaceQuery::default())
            .await
            .unwrap()
            .items
            .len(),
        1
    );
    assert_eq!(
        spaces::list_spaces(&t.state, &people.admin, SpaceQuery::default())
            .await
            .unwrap()
            .items
            .len(),
        6
    );
    let bad = spaces::list_spaces(
        &t.state,
        &people.anna,
        SpaceQuery {
            after: Some("zz".into()),
            ..Default::default()
        },
    )
    .await;
    assert!(message(bad).contains("paging cursor"));
}
