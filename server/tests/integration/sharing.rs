//! Spaces, apps and fine-grained sharing on SQLite and PostgreSQL, as the seed document says
//! them ("Sharing applications with users who are not space members").

use crate::common::TestDb;
use app::apps::model::*;
use app::apps::service as apps;
use app::auth::principal::Principal;
use app::directory::model::NewGroup;
use app::directory::service as directory;
use app::error::AppError;
use app::sharing::model::*;
use app::sharing::rules::SpaceAction;
use app::sharing::service as sharing;
use app::spaces::model::*;
use app::spaces::rules::SpaceRole::{self, *};
use app::spaces::rules::SpaceType;
use app::spaces::service as spaces;

/// A tenant with an admin (who may create managed spaces), Anna (the space owner), Ali and
/// Bob, and a group Finance that Bob belongs to.
pub(crate) struct Tenant {
    pub admin: Principal,
    pub anna: Principal,
    pub ali: Principal,
    pub bob: Principal,
    pub finance: String,
}

pub(crate) async fn tenant(t: &TestDb) -> Tenant {
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
pub(crate) async fn managed_space_of(t: &TestDb, people: &Tenant, name: &str) -> Space {
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

pub(crate) async fn shared_space_of(t: &TestDb, owner: &Principal, name: &str) -> Space {
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

pub(crate) async fn app_in(t: &TestDb, owner: &Principal, space_id: &str, name: &str) -> App {
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
pub(crate) async fn published_app(t: &TestDb, people: &Tenant, managed: &Space, name: &str) -> App {
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

pub(crate) async fn share(
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

pub(crate) async fn can_open(t: &TestDb, who: &Principal, app_id: &str) -> bool {
    apps::get_app(&t.state, who, app_id).await.is_ok()
}

pub(crate) fn message<T: std::fmt::Debug>(result: Result<T, AppError>) -> String {
    result.unwrap_err().to_string()
}

on_both_databases!(
    every_user_has_a_personal_space_that_goes_with_them,
    apps_in_a_personal_space_cannot_be_shared,
    spaces_need_their_permission_a_unique_name_and_must_be_empty_to_delete,
    one_assignment_per_user_or_group_with_roles_the_space_type_allows,
    a_shared_app_user_sees_only_the_shared_app_and_never_the_members,
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
