//! Directory services on SQLite and PostgreSQL: users, groups, roles, the last admin, audit.

use crate::common::TestDb;
use app::auth::principal::RequestInfo;
use app::auth::service::{accept_invite, sign_in};
use app::directory::model::*;
use app::directory::rules::{Permission, RoleKind, UserStatus};
use app::directory::service::*;
use app::error::AppError;

pub(crate) const PASSWORD: &str = "correct horse battery";

pub(crate) async fn tenant(t: &TestDb) -> app::auth::principal::Principal {
    create_admin(&t.state, "Acme", "root@acme.test", "Root Admin", PASSWORD)
        .await
        .unwrap();
    t.principal("root@acme.test").await
}

pub(crate) fn token_of(invite_url: &str) -> &str {
    invite_url.rsplit('/').next().unwrap()
}

pub(crate) async fn role_named(
    t: &TestDb,
    admin: &app::auth::principal::Principal,
    name: &str,
) -> Role {
    list_roles(&t.state, admin)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.name == name)
        .unwrap()
}

on_both_databases!(
    a_new_user_is_invited_and_becomes_active_by_setting_a_password,
    emails_are_unique_in_any_case_and_nothing_is_half_written,
    roles_reach_users_directly_and_through_groups,
    user_default_applies_to_everyone,
    the_last_tenant_admin_cannot_be_removed,
    groups_have_unique_names_and_members_once,
);

async fn a_new_user_is_invited_and_becomes_active_by_setting_a_password(t: TestDb) {
    let admin = tenant(&t).await;
    let created = create_user(
        &t.state,
        &admin,
        NewUser {
            name: " Ada Lovelace ".into(),
            email: "Ada@Example.com".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(created.user.name, "Ada Lovelace");
    assert_eq!(created.user.status, UserStatus::Invited);
    assert!(created
        .invite_url
        .starts_with("http://sightline.test/invite/"));

    let request = RequestInfo {
        host: "sightline.test".into(),
        client_addr: "10.0.0.1".into(),
        user_agent: "test".into(),
    };
    let refused = sign_in(&t.state, &request, "ada@example.com", PASSWORD)
        .await
        .unwrap_err();
    assert!(
        refused.to_string().contains("do not match"),
        "an invited user has no password yet: {refused}"
    );

    let short = accept_invite(&t.state, &request, token_of(&created.invite_url), "short")
        .await
        .unwrap_err();
    assert!(short.to_string().contains("at least 10"));
    let (principal, _) = accept_invite(&t.state, &request, token_of(&created.invite_url), PASSWORD)
        .await
        .unwrap();
    assert_eq!(principal.email, "Ada@Example.com");
    let again = accept_invite(&t.state, &request, token_of(&created.invite_url), PASSWORD)
        .await
        .unwrap_err();
    assert!(
        again.to_string().contains("not valid"),
        "an invitation works once: {again}"
    );

    let detail = get_user(&t.state, &admin, &created.user.id).await.unwrap();
    assert_eq!(detail.user.status, UserStatus::Active);
    sign_in(&t.state, &request, "ADA@example.com", PASSWORD)
        .await
        .expect("email case does not matter at sign-in");
}

async fn emails_are_unique_in_any_case_and_nothing_is_half_written(t: TestDb) {
    let admin = tenant(&t).await;
    create_user(
        &t.state,
        &admin,
        NewUser {
            name: "Ada".into(),
            email: "ada@example.com".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let users_before = t.count("SELECT COUNT(*) FROM users").await;
    let events_before = t.count("SELECT COUNT(*) FROM audit_events").await;

    let duplicate = create_user(
        &t.state,
        &admin,
        NewUser {
            name: "Ada 2".into(),
            email: "ADA@example.com".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert!(
        matches!(duplicate, AppError::Conflict(ref m) if m.contains("already exists")),
        "{duplicate:?}"
    );
    let bad_email = create_user(
        &t.state,
        &admin,
        NewUser {
            name: "X".into(),
            email: "not-an-email".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert!(bad_email.to_string().contains("has no @"));
    let empty_name = create_user(
        &t.state,
        &admin,
        NewUser {
            name: "  ".into(),
            email: "x@example.com".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert!(empty_name.to_string().contains("must not be empty"));
    let long_name = create_user(
        &t.state,
        &admin,
        NewUser {
            name: "x".repeat(201),
            email: "x@example.com".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert!(long_name.to_string().contains("201 characters"));
    // A bad group reference is found after the user row would have been written: all or nothing.
    let bad_group = create_user(
        &t.state,
        &admin,
        NewUser {
            name: "Y".into(),
            email: "y@example.com".into(),
            group_ids: vec!["nope".into()],
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert!(bad_group.to_string().contains("no group with id nope"));

    assert_eq!(t.count("SELECT COUNT(*) FROM users").await, users_before);
    assert_eq!(
        t.count("SELECT COUNT(*) FROM audit_events").await,
        events_before
    );
}

async fn roles_reach_users_directly_and_through_groups(t: TestDb) {
    let admin = tenant(&t).await;
    let publishers = create_role(
        &t.state,
        &admin,
        RoleInput {
            name: "Publishers".into(),
            permissions: vec![Permission::AnonymousAccessLink],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let group = create_group(
        &t.state,
        &admin,
        NewGroup {
            name: "Analysts".into(),
            role_ids: vec![publishers.id.clone()],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let created = create_user(
        &t.state,
        &admin,
        NewUser {
            name: "Bo".into(),
            email: "bo@example.com".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    app::auth::service::set_password_from_console(
        &t.state,
        &admin.tenant_id,
        "bo@example.com",
        PASSWORD,
    )
    .await
    .unwrap();

    assert!(!t
        .principal("bo@example.com")
        .await
        .has(Permission::AnonymousAccessLink));
    add_group_member(&t.state, &admin, &group.id, &created.user.id)
        .await
        .unwrap();
    let bo = t.principal("bo@example.com").await;
    assert!(
        bo.has(Permission::AnonymousAccessLink),
        "a group's custom role reaches its members"
    );
    let detail = get_user(&t.state, &admin, &created.user.id).await.unwrap();
    assert_eq!(detail.group_roles.len(), 1);
    assert_eq!(detail.group_roles[0].1.name, "Analysts");

    remove_group_member(&t.state, &admin, &group.id, &created.user.id)
        .await
        .unwrap();
    assert!(!t
        .principal("bo@example.com")
        .await
        .has(Permission::AnonymousAccessLink));

    update_user(
        &t.state,
        &admin,
        &created.user.id,
        UserChanges {
            role_ids: Some(vec![publishers.id.clone()]),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(
        t.principal("bo@example.com")
            .await
            .has(Permission::AnonymousAccessLink),
        "a role given directly counts too"
    );
}

async fn user_default_applies_to_everyone(t: TestDb) {
    let admin = tenant(&t).await;
    let default = role_named(&t, &admin, "User Default").await;
    assert_eq!(default.kind, RoleKind::UserDefault);
    assert!(
        !admin.has(Permission::AnonymousAccessLink),
        "anonymous access is allowed to nobody by default, tenant admins included"
    );
    update_role(
        &t.state,
        &admin,
        &default.id,
        RoleInput {
            permissions: vec![Permission::AnonymousAccessLink],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(t
        .principal("root@acme.test")
        .await
        .has(Permission::AnonymousAccessLink));
    let refused = update_user(
        &t.state,
        &admin,
        &admin.user_id,
        UserChanges {
            role_ids: Some(vec![default.id.clone()]),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert!(refused.to_string().contains("applies to every user"));
}

async fn the_last_tenant_admin_cannot_be_removed(t: TestDb) {
    let admin = tenant(&t).await;
    let disable = update_user(
        &t.state,
        &admin,
        &admin.user_id,
        UserChanges {
            status: Some(UserStatus::Disabled),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert!(
        disable
            .to_string()
            .contains("without an active tenant admin"),
        "{disable}"
    );
    let strip = update_user(
        &t.state,
        &admin,
        &admin.user_id,
        UserChanges {
            role_ids: Some(vec![]),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert!(strip.to_string().contains("without an active tenant admin"));

    // Through a group, a second admin makes the first one removable.
    let tenant_admin = role_named(&t, &admin, "TenantAdmin").await;
    let admins = create_group(
        &t.state,
        &admin,
        NewGroup {
            name: "Admins".into(),
            role_ids: vec![tenant_admin.id.clone()],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let second = create_user(
        &t.state,
        &admin,
        NewUser {
            name: "Second".into(),
            email: "second@acme.test".into(),
            group_ids: vec![admins.id.clone()],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    app::auth::service::set_password_from_console(
        &t.state,
        &admin.tenant_id,
        "second@acme.test",
        PASSWORD,
    )
    .await
    .unwrap();
    update_user(
        &t.state,
        &admin,
        &admin.user_id,
        UserChanges {
            role_ids: Some(vec![]),
            ..Default::default()
        },
    )
    .await
    .expect("another admin remains");
    let second_admin = t.principal("second@acme.test").await;
    let delete_group_refused = delete_group(&t.state, &second_admin, &admins.id)
        .await
        .unwrap_err();
    assert!(delete_group_refused
        .to_string()
        .contains("without an active tenant admin"));
    let self_delete = delete_user(&t.state, &second_admin, &second.user.id)
        .await
        .unwrap_err();
    assert!(self_delete.to_string().contains("your own account"));
}

async fn groups_have_unique_names_and_members_once(t: TestDb) {
    let admin = tenant(&t).await;
    let finance = create_group(
        &t.state,
        &admin,
        NewGroup {
            name: "Finance".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let duplicate = create_group(
        &t.state,
        &admin,
        NewGroup {
            name: "finance ".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert!(duplicate.to_string().contains("already exists"));
    let sales = create_group(
        &t.state,
        &admin,
        NewGroup {
            name: "Sales".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let rename = update_group(
        &t.state,
        &admin,
        &sales.id,
        GroupChanges {
            name: Some("FINANCE".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert!(rename.to_string().contains("already exists"));

    add_group_member(&t.state, &admin, &finance.id, &admin.user_id)
        .await
        .unwrap();
    let twice = add_group_member(&t.state, &admin, &finance.id, &admin.user_id)
        .await
        .unwrap_err();
    assert!(twice.to_string().contains("already a member"));
    let detail = get_group(&t.state, &admin, &finance.id).await.unwrap();
    assert_eq!(detail.group.member_count, 1);
    assert_eq!(detail.members[0].email, "root@acme.test");
    let missing = get_group(&t.state, &admin, "nope").await.unwrap_err();
    assert!(matches!(missing, AppError::NotFound(_)));

    delete_group(&t.state, &admin, &finance.id).await.unwrap();
    assert!(get_user(&t.state, &admin, &admin.user_id)
        .await
        .unwrap()
        .user
        .groups
        .is_empty());
}
