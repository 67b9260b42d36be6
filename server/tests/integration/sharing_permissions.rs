//! Who may share an app and how far, on SQLite and PostgreSQL: the highest permission wins, the
//! roles each space type allows, the whole tenant, the limits, and what republishing, moving and
//! duplicating do to shares. The fixtures are `sharing`'s.

use crate::common::TestDb;
use crate::sharing::*;
use app::apps::model::*;
use app::apps::service as apps;
use app::directory::service as directory;
use app::error::AppError;
use app::sharing::model::*;
use app::sharing::rules::AppAction;
use app::sharing::service as sharing;
use app::spaces::model::*;
use app::spaces::rules::SpaceRole::*;
use app::spaces::service as spaces;

on_both_databases!(
    the_highest_permission_applies_and_sharing_never_lowers_it,
    owner_and_can_manage_share_with_the_roles_of_the_space_type,
    sharing_with_everyone_in_the_tenant,
    the_share_past_each_limit_is_refused_by_name,
    a_republished_app_keeps_its_shares_and_its_id,
    a_moved_app_loses_its_shares,
    a_duplicate_has_no_shares_and_deleting_the_original_ends_its_shares,
);

async fn the_highest_permission_applies_and_sharing_never_lowers_it(t: TestDb) {
    let people = tenant(&t).await;
    let managed = managed_space_of(&t, &people, "Board").await;
    let app = published_app(&t, &people, &managed, "Revenue").await;
    // Bob has Can view through Finance and Can contribute individually: he has Can contribute.
    share(
        &t,
        &people.anna,
        &app,
        ShareAssignee::Group,
        &people.finance,
        &[Consumer],
    )
    .await
    .unwrap();
    share(
        &t,
        &people.anna,
        &app,
        ShareAssignee::User,
        &people.bob.user_id,
        &[Contributor],
    )
    .await
    .unwrap();
    let bob = apps::get_app(&t.state, &people.bob, &app.id).await.unwrap();
    assert_eq!(bob.app.highest.as_deref(), Some("Can contribute"));
    assert!(bob.app.can(AppAction::Contribute));
    assert_eq!(
        bob.roles
            .iter()
            .map(|r| r.role.as_str())
            .collect::<Vec<_>>(),
        vec!["Can contribute", "Can view"]
    );

    // Ali is a space member with Can contribute; an app share of Can view does not lower it.
    spaces::create_assignment(
        &t.state,
        &people.anna,
        &managed.id,
        NewAssignment {
            assignee_type: AssigneeType::User,
            assignee_id: people.ali.user_id.clone(),
            roles: vec![Contributor],
        },
    )
    .await
    .unwrap();
    share(
        &t,
        &people.anna,
        &app,
        ShareAssignee::User,
        &people.ali.user_id,
        &[Consumer],
    )
    .await
    .unwrap();
    let ali = apps::get_app(&t.state, &people.ali, &app.id).await.unwrap();
    assert_eq!(ali.app.highest.as_deref(), Some("Can contribute"));
    assert!(!ali.app.shared_with_caller, "he is a member");
}

async fn owner_and_can_manage_share_with_the_roles_of_the_space_type(t: TestDb) {
    let people = tenant(&t).await;
    let sales = shared_space_of(&t, &people.anna, "Sales").await;
    let app = app_in(&t, &people.anna, &sales.id, "Pipeline").await;
    assert!(message(
        share(
            &t,
            &people.anna,
            &app,
            ShareAssignee::User,
            &people.ali.user_id,
            &[Contributor]
        )
        .await
    )
    .contains("not available in a share from a shared space"));
    share(
        &t,
        &people.anna,
        &app,
        ShareAssignee::User,
        &people.ali.user_id,
        &[Consumer],
    )
    .await
    .unwrap();
    let again = share(
        &t,
        &people.anna,
        &app,
        ShareAssignee::User,
        &people.ali.user_id,
        &[Consumer],
    )
    .await;
    assert!(matches!(again, Err(AppError::Conflict(m)) if m.contains("already shared with Ali")));

    // Bob can edit in the space but does not manage it: he cannot share.
    spaces::create_assignment(
        &t.state,
        &people.anna,
        &sales.id,
        NewAssignment {
            assignee_type: AssigneeType::Group,
            assignee_id: people.finance.clone(),
            roles: vec![Producer],
        },
    )
    .await
    .unwrap();
    let refused = share(
        &t,
        &people.bob,
        &app,
        ShareAssignee::User,
        &people.admin.user_id,
        &[Consumer],
    )
    .await;
    assert!(matches!(refused, Err(AppError::Forbidden(m)) if m.contains("can manage")));
    // With Can manage he can.
    spaces::create_assignment(
        &t.state,
        &people.anna,
        &sales.id,
        NewAssignment {
            assignee_type: AssigneeType::User,
            assignee_id: people.bob.user_id.clone(),
            roles: vec![Facilitator],
        },
    )
    .await
    .unwrap();
    share(
        &t,
        &people.bob,
        &app,
        ShareAssignee::User,
        &people.admin.user_id,
        &[Consumer],
    )
    .await
    .unwrap();

    // Managed spaces: Can view, Can contribute or Has restricted view.
    let managed = managed_space_of(&t, &people, "Board").await;
    let published = apps::publish_app(
        &t.state,
        &people.anna,
        &app.id,
        PublishInput {
            space_id: managed.id.clone(),
            name: None,
        },
    )
    .await
    .unwrap();
    for (role, ok) in [
        (BasicConsumer, true),
        (Facilitator, false),
        (Publisher, false),
    ] {
        let result = share(
            &t,
            &people.anna,
            &published,
            ShareAssignee::User,
            &people.ali.user_id,
            &[role],
        )
        .await;
        assert_eq!(result.is_ok(), ok, "{role:?}");
    }

    // Without the share_apps permission, even the owner cannot share.
    let roles = directory::list_roles(&t.state, &people.admin)
        .await
        .unwrap();
    let user_default = roles.iter().find(|r| r.name == "User Default").unwrap();
    directory::update_role(
        &t.state,
        &people.admin,
        &user_default.id,
        app::directory::model::RoleInput {
            name: user_default.name.clone(),
            description: String::new(),
            permissions: vec![],
        },
    )
    .await
    .unwrap();
    let anna = t.principal("anna@acme.test").await;
    let err = message(
        share(
            &t,
            &anna,
            &published,
            ShareAssignee::Group,
            &people.finance,
            &[Consumer],
        )
        .await,
    );
    assert!(
        err.contains("Share apps with people who are not space members"),
        "{err}"
    );
}

async fn sharing_with_everyone_in_the_tenant(t: TestDb) {
    let people = tenant(&t).await;
    let managed = managed_space_of(&t, &people, "Board").await;
    let app = published_app(&t, &people, &managed, "Revenue").await;
    let everyone = share(
        &t,
        &people.anna,
        &app,
        ShareAssignee::Everyone,
        "",
        &[BasicConsumer],
    )
    .await
    .unwrap();
    assert_eq!(everyone.assignee_name, "Anyone at Acme");
    assert_eq!(
        apps::get_app(&t.state, &people.bob, &app.id)
            .await
            .unwrap()
            .app
            .highest
            .as_deref(),
        Some("Has restricted view")
    );
    assert!(message(
        share(
            &t,
            &people.anna,
            &app,
            ShareAssignee::Everyone,
            "",
            &[Consumer]
        )
        .await
    )
    .contains("already shared"));
    let named = share(
        &t,
        &people.anna,
        &app,
        ShareAssignee::Everyone,
        &people.bob.user_id,
        &[Consumer],
    )
    .await;
    assert!(message(named).contains("no assignee id"));
    // Turned off, it gives nothing.
    sharing::update_share(
        &t.state,
        &people.anna,
        &managed.id,
        &everyone.id,
        ShareChanges {
            disabled: Some(true),
            roles: None,
        },
    )
    .await
    .unwrap();
    assert!(!can_open(&t, &people.bob, &app.id).await);
}

/// Shares made straight in the database, to reach a limit quickly; the one past it goes through
/// the service.
async fn fill_shares(
    t: &TestDb,
    tenant_id: &str,
    space_id: &str,
    app_id: &str,
    assignee: Option<&str>,
    count: usize,
) {
    for i in 0..count {
        let user_id = match assignee {
            Some(id) => id.to_string(),
            None => {
                let id = format!("u{app_id}{i}");
                sqlx::query("INSERT INTO users (id, tenant_id, name, email, email_key, status, created_at, updated_at) VALUES ($1, $2, $3, $4, $4, 'invited', 0, 0)")
                    .bind(&id).bind(tenant_id).bind(format!("User {i}")).bind(format!("{id}@acme.test")).execute(&t.state.db).await.unwrap();
                id
            }
        };
        let share_app = if assignee.is_some() {
            format!("{app_id}{i}")
        } else {
            app_id.to_string()
        };
        if assignee.is_some() {
            sqlx::query("INSERT INTO apps (id, tenant_id, space_id, name, name_key, created_at, updated_at) VALUES ($1, $2, $3, $1, $1, 0, 0)")
                .bind(&share_app).bind(tenant_id).bind(space_id).execute(&t.state.db).await.unwrap();
        }
        sqlx::query("INSERT INTO app_shares (id, tenant_id, space_id, app_id, assignee_type, user_id, roles, created_at, updated_at) VALUES ($1, $2, $3, $4, 'user', $5, 'consumer', 0, 0)")
            .bind(format!("s{share_app}{i}")).bind(tenant_id).bind(space_id).bind(&share_app).bind(&user_id).execute(&t.state.db).await.unwrap();
    }
}

async fn the_share_past_each_limit_is_refused_by_name(t: TestDb) {
    let people = tenant(&t).await;
    let sales = shared_space_of(&t, &people.anna, "Sales").await;
    let app = app_in(&t, &people.anna, &sales.id, "Popular").await;
    fill_shares(&t, &people.anna.tenant_id, &sales.id, &app.id, None, 400).await;
    let err = message(
        share(
            &t,
            &people.anna,
            &app,
            ShareAssignee::User,
            &people.ali.user_id,
            &[Consumer],
        )
        .await,
    );
    assert!(
        err.contains("shared 400 times"),
        "the 401st share of an app: {err}"
    );

    let other = shared_space_of(&t, &people.anna, "Marketing").await;
    fill_shares(
        &t,
        &people.anna.tenant_id,
        &other.id,
        "m",
        Some(&people.bob.user_id),
        200,
    )
    .await;
    let next = app_in(&t, &people.anna, &other.id, "One more").await;
    let err = message(
        share(
            &t,
            &people.anna,
            &next,
            ShareAssignee::User,
            &people.bob.user_id,
            &[Consumer],
        )
        .await,
    );
    assert!(
        err.contains("200 app shares"),
        "the 201st share for one user: {err}"
    );
    share(
        &t,
        &people.anna,
        &next,
        ShareAssignee::User,
        &people.ali.user_id,
        &[Consumer],
    )
    .await
    .expect("another user is below the limit");
}

async fn a_republished_app_keeps_its_shares_and_its_id(t: TestDb) {
    let people = tenant(&t).await;
    let managed = managed_space_of(&t, &people, "Board").await;
    let drafts = shared_space_of(&t, &people.anna, "Drafts").await;
    let draft = app_in(&t, &people.anna, &drafts.id, "Revenue").await;
    let published = apps::publish_app(
        &t.state,
        &people.anna,
        &draft.id,
        PublishInput {
            space_id: managed.id.clone(),
            name: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(
        published.source_app_id.as_deref(),
        Some(draft.id.as_str()),
        "a published app remembers its source"
    );
    assert_ne!(published.id, draft.id);
    let again = apps::publish_app(
        &t.state,
        &people.anna,
        &draft.id,
        PublishInput {
            space_id: managed.id.clone(),
            name: None,
        },
    )
    .await;
    assert!(matches!(again, Err(AppError::Conflict(m)) if m.contains("Republish")));
    share(
        &t,
        &people.anna,
        &published,
        ShareAssignee::User,
        &people.ali.user_id,
        &[Consumer],
    )
    .await
    .unwrap();

    apps::update_app(
        &t.state,
        &people.anna,
        &draft.id,
        AppChanges {
            description: Some("Now with Q4".into()),
            name: None,
        },
    )
    .await
    .unwrap();
    let republished = apps::republish_app(&t.state, &people.anna, &draft.id, &published.id)
        .await
        .unwrap();
    assert_eq!(republished.id, published.id);
    assert_eq!(republished.content_version, 2);
    assert_eq!(republished.description, "Now with Q4");
    assert!(
        can_open(&t, &people.ali, &published.id).await,
        "an application will still be available after it's been republished"
    );
    let wrong = apps::republish_app(&t.state, &people.anna, &published.id, &draft.id).await;
    assert!(wrong.is_err());
    let detail = apps::get_app(&t.state, &people.anna, &draft.id)
        .await
        .unwrap();
    assert_eq!(detail.published_copies.len(), 1);
}

async fn a_moved_app_loses_its_shares(t: TestDb) {
    let people = tenant(&t).await;
    let sales = shared_space_of(&t, &people.anna, "Sales").await;
    let marketing = shared_space_of(&t, &people.anna, "Marketing").await;
    let app = app_in(&t, &people.anna, &sales.id, "Pipeline").await;
    share(
        &t,
        &people.anna,
        &app,
        ShareAssignee::User,
        &people.ali.user_id,
        &[Consumer],
    )
    .await
    .unwrap();
    share(
        &t,
        &people.anna,
        &app,
        ShareAssignee::Group,
        &people.finance,
        &[Consumer],
    )
    .await
    .unwrap();
    let moved = apps::move_app(&t.state, &people.anna, &app.id, &marketing.id)
        .await
        .unwrap();
    assert_eq!(moved.space_id, marketing.id);
    assert!(!can_open(&t, &people.ali, &app.id).await && !can_open(&t, &people.bob, &app.id).await);
    assert_eq!(
        t.count(&format!(
            "SELECT COUNT(*) FROM app_shares WHERE app_id = '{}'",
            app.id
        ))
        .await,
        0
    );
    let managed = managed_space_of(&t, &people, "Board").await;
    assert!(
        message(apps::move_app(&t.state, &people.anna, &app.id, &managed.id).await)
            .contains("Publish it instead")
    );
    assert!(
        message(apps::move_app(&t.state, &people.anna, &app.id, &marketing.id).await)
            .contains("already in that space")
    );
}

async fn a_duplicate_has_no_shares_and_deleting_the_original_ends_its_shares(t: TestDb) {
    let people = tenant(&t).await;
    let sales = shared_space_of(&t, &people.anna, "Sales").await;
    let app = app_in(&t, &people.anna, &sales.id, "Pipeline").await;
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
    let copy = apps::duplicate_app(
        &t.state,
        &people.anna,
        &app.id,
        DuplicateInput {
            space_id: sales.id.clone(),
            name: None,
        },
    )
    .await
    .unwrap();
    assert_ne!(copy.id, app.id);
    assert_eq!(copy.name, "Pipeline (copy)");
    assert!(
        !can_open(&t, &people.ali, &copy.id).await,
        "a duplicate has no shares"
    );
    apps::delete_app(&t.state, &people.anna, &app.id)
        .await
        .unwrap();
    assert!(
        !can_open(&t, &people.ali, &app.id).await && !can_open(&t, &people.ali, &copy.id).await
    );
    assert!(
        sharing::get_share(&t.state, &people.anna, &sales.id, &shared.id)
            .await
            .is_err()
    );
    // Ali only had Can view: he cannot duplicate, into any space.
    let app2 = app_in(&t, &people.anna, &sales.id, "Forecast").await;
    share(
        &t,
        &people.anna,
        &app2,
        ShareAssignee::User,
        &people.ali.user_id,
        &[Consumer],
    )
    .await
    .unwrap();
    let refused =
        apps::duplicate_app(&t.state, &people.ali, &app2.id, DuplicateInput::default()).await;
    assert!(matches!(refused, Err(AppError::Forbidden(m)) if m.contains("Can contribute")));
}
