//! Spaces, apps and fine-grained sharing on SQLite and PostgreSQL, as the seed document says
//! them ("Sharing applications with users who are not space members").

use crate::common::TestDb;
use app::apps::model::*;
use app::apps::service as apps;
use app::audit::model::AuditQuery;
use app::auth::principal::Principal;
use app::directory::model::NewGroup;
use app::directory::service as directory;
use app::error::AppError;
use app::sharing::model::*;
use app::sharing::rules::{AppAction, SpaceAction};
use app::sharing::service as sharing;
use app::spaces::model::*;
use app::spaces::rules::SpaceRole::{self, *};
use app::spaces::rules::SpaceType;
use app::spaces::service as spaces;

/// A tenant with an admin (who may create managed spaces), Anna (the space owner), Ali and
/// Bob, and a group Finance that Bob belongs to.
struct Tenant {
    admin: Principal,
    anna: Principal,
    ali: Principal,
    bob: Principal,
    finance: String,
}

async fn tenant(t: &TestDb) -> Tenant {
    let admin = t.acme().await;
    let anna = t.active_user(&admin, "Anna").await;
    let ali = t.active_user(&admin, "Ali").await;
    let bob = t.active_user(&admin, "Bob").await;
    let finance = directory::create_group(
        &t.state,
        &admin,
        NewGroup {
            name: "Finance".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .id;
    directory::add_group_member(&t.state, &admin, &finance, &bob.user_id)
        .await
        .unwrap();
    Tenant {
        admin,
        anna,
        ali,
        bob,
        finance,
    }
}

/// A managed space made by the admin and handed to Anna, as a tenant admin does.
async fn managed_space_of(t: &TestDb, people: &Tenant, name: &str) -> Space {
    let space = spaces::create_space(
        &t.state,
        &people.admin,
        NewSpace {
            space_type: SpaceType::Managed,
            name: name.into(),
            description: String::new(),
        },
    )
    .await
    .unwrap();
    spaces::update_space(
        &t.state,
        &people.admin,
        &space.id,
        SpaceChanges {
            owner_id: Some(people.anna.user_id.clone()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    spaces::get_space(&t.state, &people.anna, &space.id)
        .await
        .unwrap()
}

async fn shared_space_of(t: &TestDb, owner: &Principal, name: &str) -> Space {
    spaces::create_space(
        &t.state,
        owner,
        NewSpace {
            space_type: SpaceType::Shared,
            name: name.into(),
            description: String::new(),
        },
    )
    .await
    .unwrap()
}

async fn app_in(t: &TestDb, owner: &Principal, space_id: &str, name: &str) -> App {
    apps::create_app(
        &t.state,
        owner,
        NewApp {
            name: name.into(),
            space_id: space_id.into(),
            ..Default::default()
        },
    )
    .await
    .unwrap()
}

/// An app published by Anna from her shared space to her managed space.
async fn published_app(t: &TestDb, people: &Tenant, managed: &Space, name: &str) -> App {
    let shared = shared_space_of(t, &people.anna, &format!("{name} drafts")).await;
    let draft = app_in(t, &people.anna, &shared.id, name).await;
    apps::publish_app(
        &t.state,
        &people.anna,
        &draft.id,
        PublishInput {
            space_id: managed.id.clone(),
            name: None,
        },
    )
    .await
    .unwrap()
}

async fn share(
    t: &TestDb,
    by: &Principal,
    app: &App,
    kind: ShareAssignee,
    id: &str,
    roles: &[SpaceRole],
) -> Result<Share, AppError> {
    sharing::create_share(
        &t.state,
        by,
        &app.space_id,
        NewShare {
            app_id: app.id.clone(),
            assignee_type: kind,
            assignee_id: id.into(),
            roles: roles.to_vec(),
        },
    )
    .await
}

async fn can_open(t: &TestDb, who: &Principal, app_id: &str) -> bool {
    apps::get_app(&t.state, who, app_id).await.is_ok()
}

fn message<T: std::fmt::Debug>(result: Result<T, AppError>) -> String {
    result.unwrap_err().to_string()
}

on_both_databases!(
    every_user_has_a_personal_space_that_goes_with_them,
    apps_in_a_personal_space_cannot_be_shared,
    spaces_need_their_permission_a_unique_name_and_must_be_empty_to_delete,
    one_assignment_per_user_or_group_with_roles_the_space_type_allows,
    a_shared_app_user_sees_only_the_shared_app_and_never_the_members,
    the_highest_permission_applies_and_sharing_never_lowers_it,
    owner_and_can_manage_share_with_the_roles_of_the_space_type,
    sharing_with_everyone_in_the_tenant,
    the_share_past_each_limit_is_refused_by_name,
    a_republished_app_keeps_its_shares_and_its_id,
    a_moved_app_loses_its_shares,
    a_duplicate_has_no_shares_and_deleting_the_original_ends_its_shares,
    the_members_list_shows_who_reaches_what_and_how,
    members_and_app_shares_are_removed_independently,
    an_admin_manages_a_space_without_seeing_its_apps_until_they_take_a_role,
    every_share_assignment_and_lifecycle_action_is_audited,
    spaces_are_listed_with_filters_a_page_at_a_time,
);

async fn every_user_has_a_personal_space_that_goes_with_them(t: TestDb) {
    let people = tenant(&t).await;
    let personal = spaces::personal_space(&t.state, &people.ali).await.unwrap();
    assert_eq!(personal.space_type, SpaceType::Personal);
    assert_eq!(personal.name, "Personal");
    assert!(personal.can(SpaceAction::CreateApp) && !personal.can(SpaceAction::ViewMembers));
    let app = app_in(&t, &people.ali, "", "My draft").await;
    assert_eq!(
        app.space_id, personal.id,
        "an app without a space goes to the personal space"
    );
    assert!(
        !can_open(&t, &people.anna, &app.id).await,
        "nobody else sees a personal space's apps"
    );
    assert!(
        spaces::get_space(&t.state, &people.admin, &personal.id)
            .await
            .is_err(),
        "not even an admin"
    );
    assert!(
        message(spaces::delete_space(&t.state, &people.ali, &personal.id).await)
            .contains("goes with its user's account")
    );
    assert!(message(
        spaces::create_space(
            &t.state,
            &people.ali,
            NewSpace {
                space_type: SpaceType::Personal,
                name: "Second".into(),
                description: String::new()
            }
        )
        .await
    )
    .contains("one personal space"));

    directory::delete_user(&t.state, &people.admin, &people.ali.user_id)
        .await
        .unwrap();
    assert_eq!(
        t.count(&format!(
            "SELECT COUNT(*) FROM apps WHERE id = '{}'",
            app.id
        ))
        .await,
        0
    );
    assert_eq!(
        t.count(&format!(
            "SELECT COUNT(*) FROM spaces WHERE id = '{}'",
            personal.id
        ))
        .await,
        0
    );
}

async fn apps_in_a_personal_space_cannot_be_shared(t: TestDb) {
    let people = tenant(&t).await;
    let app = app_in(&t, &people.anna, "", "Private").await;
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
    assert!(err.contains("personal space cannot be shared"), "{err}");
    let assignment = spaces::create_assignment(
        &t.state,
        &people.anna,
        &app.space_id,
        NewAssignment {
            assignee_type: AssigneeType::User,
            assignee_id: people.ali.user_id.clone(),
            roles: vec![Consumer],
        },
    )
    .await;
    assert!(message(assignment).contains("personal space has no members"));
}

async fn spaces_need_their_permission_a_unique_name_and_must_be_empty_to_delete(t: TestDb) {
    let people = tenant(&t).await;
    // User Default lets everyone create shared spaces; managed ones are for admins here.
    let sales = shared_space_of(&t, &people.anna, "Sales").await;
    assert_eq!(
        sales.owner_id.as_deref(),
        Some(people.anna.user_id.as_str())
    );
    let managed = spaces::create_space(
        &t.state,
        &people.anna,
        NewSpace {
            space_type: SpaceType::Managed,
            name: "Board".into(),
            description: String::new(),
        },
    )
    .await;
    assert!(matches!(managed, Err(AppError::Forbidden(m)) if m.contains("Create managed spaces")));
    let twin = spaces::create_space(
        &t.state,
        &people.ali,
        NewSpace {
            space_type: SpaceType::Shared,
            name: " SALES ".into(),
            description: String::new(),
        },
    )
    .await;
    assert!(matches!(twin, Err(AppError::Conflict(m)) if m.contains("already exists")));
    let empty = spaces::create_space(
        &t.state,
        &people.ali,
        NewSpace {
            space_type: SpaceType::Shared,
            name: "   ".into(),
            description: String::new(),
        },
    )
    .await;
    assert!(matches!(empty, Err(AppError::Invalid { .. })));

    let renamed = spaces::update_space(
        &t.state,
        &people.anna,
        &sales.id,
        SpaceChanges {
            name: Some("Sales EMEA".into()),
            description: Some("Quarterly figures".into()),
            owner_id: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(
        (renamed.name.as_str(), renamed.description.as_str()),
        ("Sales EMEA", "Quarterly figures")
    );
    let not_hers = spaces::update_space(
        &t.state,
        &people.ali,
        &sales.id,
        SpaceChanges {
            name: Some("Mine".into()),
            ..Default::default()
        },
    )
    .await;
    assert!(
        matches!(not_hers, Err(AppError::NotFound(_))),
        "a space one cannot see is not found"
    );

    app_in(&t, &people.anna, &sales.id, "Pipeline").await;
    let err = message(spaces::delete_space(&t.state, &people.anna, &sales.id).await);
    assert!(err.contains("still holds 1 app"), "{err}");
    assert_eq!(
        t.count("SELECT COUNT(*) FROM spaces WHERE type = 'shared'")
            .await,
        1,
        "nothing was deleted"
    );
    let other = shared_space_of(&t, &people.anna, "Scratch").await;
    spaces::delete_space(&t.state, &people.anna, &other.id)
        .await
        .unwrap();
    assert!(spaces::get_space(&t.state, &people.anna, &other.id)
        .await
        .is_err());
}

async fn one_assignment_per_user_or_group_with_roles_the_space_type_allows(t: TestDb) {
    let people = tenant(&t).await;
    let space = shared_space_of(&t, &people.anna, "Sales").await;
    let add = |kind: AssigneeType, id: &str, roles: Vec<SpaceRole>| {
        spaces::create_assignment(
            &t.state,
            &people.anna,
            &space.id,
            NewAssignment {
                assignee_type: kind,
                assignee_id: id.to_string(),
                roles,
            },
        )
    };
    let ali = add(AssigneeType::User, &people.ali.user_id, vec![Consumer])
        .await
        .unwrap();
    assert_eq!(ali.assignee_name, "Ali");
    assert!(
        matches!(add(AssigneeType::User, &people.ali.user_id, vec![Producer]).await, Err(AppError::Conflict(m)) if m.contains("already a member"))
    );
    assert!(
        message(add(AssigneeType::Group, &people.finance, vec![Contributor]).await)
            .contains("not available in a shared space")
    );
    assert!(
        message(add(AssigneeType::Group, &people.finance, vec![]).await)
            .contains("at least one role")
    );
    assert!(
        message(add(AssigneeType::User, "nobody", vec![Consumer]).await)
            .contains("no user with id nobody")
    );
    add(
        AssigneeType::Group,
        &people.finance,
        vec![Producer, Consumer],
    )
    .await
    .unwrap();

    let changed = spaces::update_assignment(
        &t.state,
        &people.anna,
        &space.id,
        &ali.id,
        vec![Facilitator],
    )
    .await
    .unwrap();
    assert_eq!(changed.roles, vec![Facilitator]);
    // Ali now manages the space: he may change its members, Bob (Can edit through Finance) may not.
    assert!(spaces::get_space(&t.state, &people.ali, &space.id)
        .await
        .unwrap()
        .can(SpaceAction::ManageMembers));
    let bob_space = spaces::get_space(&t.state, &people.bob, &space.id)
        .await
        .unwrap();
    assert!(bob_space.can(SpaceAction::CreateApp) && !bob_space.can(SpaceAction::ManageMembers));
    let refused = spaces::delete_assignment(&t.state, &people.bob, &space.id, &ali.id).await;
    assert!(matches!(refused, Err(AppError::Forbidden(_))));
    spaces::delete_assignment(&t.state, &people.ali, &space.id, &ali.id)
        .await
        .unwrap();
    assert_eq!(
        spaces::list_assignments(&t.state, &people.anna, &space.id)
            .await
            .unwrap()
            .len(),
        1
    );
}

async fn a_shared_app_user_sees_only_the_shared_app_and_never_the_members(t: TestDb) {
    let people = tenant(&t).await;
    let managed = managed_space_of(&t, &people, "Board").await;
    let shared = published_app(&t, &people, &managed, "Revenue").await;
    let other = published_app(&t, &people, &managed, "Costs").await;
    share(
        &t,
        &people.anna,
        &shared,
        ShareAssignee::User,
        &people.ali.user_id,
        &[Consumer],
    )
    .await
    .unwrap();

    let seen = spaces::get_space(&t.state, &people.ali, &managed.id)
        .await
        .unwrap();
    assert!(seen.can(SpaceAction::View) && !seen.can(SpaceAction::ViewMembers));
    assert_eq!(seen.app_count, 1);
    let listed: Vec<String> = apps::list_apps(&t.state, &people.ali, &managed.id)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.name)
        .collect();
    assert_eq!(listed, vec!["Revenue"]);
    assert!(can_open(&t, &people.ali, &shared.id).await);
    assert!(
        !can_open(&t, &people.ali, &other.id).await,
        "he cannot open any other app in the space"
    );
    let members =
        sharing::list_members(&t.state, &people.ali, &managed.id, MemberQuery::default()).await;
    assert!(matches!(members, Err(AppError::Forbidden(m)) if m.contains("Only space members")));
    assert!(spaces::list_assignments(&t.state, &people.ali, &managed.id)
        .await
        .is_err());
    let mine = spaces::list_spaces(&t.state, &people.ali, SpaceQuery::default())
        .await
        .unwrap();
    assert!(
        mine.items.iter().any(|s| s.id == managed.id),
        "the space is listed for him"
    );
}

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
