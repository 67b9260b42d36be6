//! The directory as its admins see it, on SQLite and PostgreSQL: users listed a page at a time,
//! every change in the audit log, built-in roles protected, and only directory admins managing
//! it. The fixtures are `directory`'s.

use crate::common::TestDb;
use crate::directory::*;
use app::audit::model::AuditQuery;
use app::directory::model::*;
use app::directory::rules::{Permission, UserStatus};
use app::directory::service::*;
use app::error::AppError;

on_both_databases!(
    users_are_listed_by_name_a_page_at_a_time_with_filters,
    every_change_is_in_the_audit_log,
    built_in_roles_are_protected,
    only_directory_admins_manage_the_directory,
);

async fn users_are_listed_by_name_a_page_at_a_time_with_filters(t: TestDb) {
    let admin = tenant(&t).await;
    let group = create_group(
        &t.state,
        &admin,
        NewGroup {
            name: "Odd".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    for i in 0..23 {
        let group_ids = if i % 2 == 1 {
            vec![group.id.clone()]
        } else {
            vec![]
        };
        create_user(
            &t.state,
            &admin,
            NewUser {
                name: format!("User {i:02}"),
                email: format!("u{i}@example.com"),
                group_ids,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    }
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = list_users(
            &t.state,
            &admin,
            UserQuery {
                after: after.clone(),
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        seen.extend(page.items.iter().map(|u| u.name.clone()));
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(seen.len(), 24, "23 users and the admin, each once");
    let mut sorted = seen.clone();
    sorted.sort_by_key(|n| n.to_lowercase());
    assert_eq!(seen, sorted, "by name");

    let odd = list_users(
        &t.state,
        &admin,
        UserQuery {
            group_id: group.id.clone(),
            limit: 100,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(odd.items.len(), 11);
    let invited = list_users(
        &t.state,
        &admin,
        UserQuery {
            status: Some(UserStatus::Invited),
            limit: 100,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(invited.items.len(), 23);
    let search = list_users(
        &t.state,
        &admin,
        UserQuery {
            search: "u1".into(),
            limit: 100,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(search.items.len(), 11, "u1 and u10..u19 by email");
    let admins = role_named(&t, &admin, "TenantAdmin").await;
    let by_role = list_users(
        &t.state,
        &admin,
        UserQuery {
            role_id: admins.id,
            limit: 100,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(by_role.items.len(), 1);
    let bad_cursor = list_users(
        &t.state,
        &admin,
        UserQuery {
            after: Some("zz".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert!(bad_cursor.to_string().contains("cursor"));
}

async fn every_change_is_in_the_audit_log(t: TestDb) {
    let admin = tenant(&t).await;
    t.minutes(1);
    let role = create_role(
        &t.state,
        &admin,
        RoleInput {
            name: "Sharers".into(),
            permissions: vec![Permission::ShareApps],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    t.minutes(1);
    let group = create_group(
        &t.state,
        &admin,
        NewGroup {
            name: "Team".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    t.minutes(1);
    let user = create_user(
        &t.state,
        &admin,
        NewUser {
            name: "Cy".into(),
            email: "cy@example.com".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    t.minutes(1);
    add_group_member(&t.state, &admin, &group.id, &user.user.id)
        .await
        .unwrap();
    t.minutes(1);
    update_group(
        &t.state,
        &admin,
        &group.id,
        GroupChanges {
            role_ids: Some(vec![role.id.clone()]),
            ..Default::default()
        },
    )
    .await
    .unwrap();

    let page = app::audit::service::list_audit_events(&t.state, &admin, AuditQuery::default())
        .await
        .unwrap();
    let actions: Vec<&str> = page.events.iter().map(|e| e.action.as_str()).collect();
    for expected in [
        "role.create",
        "group.create",
        "user.create",
        "group.member_add",
        "group.update",
    ] {
        assert!(
            actions.contains(&expected),
            "{expected} missing from {actions:?}"
        );
    }
    let newest = &page.events[0];
    assert_eq!(newest.action, "group.update");
    assert_eq!(newest.actor_name, "Root Admin");
    assert_eq!(newest.target_name, "Team");
    assert!(newest.detail.contains("Sharers"), "{}", newest.detail);

    let groups_only = app::audit::service::list_audit_events(
        &t.state,
        &admin,
        AuditQuery {
            action: "group.".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(groups_only
        .events
        .iter()
        .all(|e| e.action.starts_with("group.")));
    assert_eq!(groups_only.events.len(), 3);
    let by_target = app::audit::service::list_audit_events(
        &t.state,
        &admin,
        AuditQuery {
            target: "cy".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(by_target.events.len(), 1);

    let first = app::audit::service::list_audit_events(
        &t.state,
        &admin,
        AuditQuery {
            limit: 2,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let second = app::audit::service::list_audit_events(
        &t.state,
        &admin,
        AuditQuery {
            limit: 2,
            before: first.older.clone(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(first.events.len(), 2);
    assert!(
        second.events.iter().all(|e| !first.events.contains(e)),
        "pages do not overlap"
    );
}

async fn built_in_roles_are_protected(t: TestDb) {
    let admin = tenant(&t).await;
    let tenant_admin = role_named(&t, &admin, "TenantAdmin").await;
    let change = update_role(
        &t.state,
        &admin,
        &tenant_admin.id,
        RoleInput {
            name: "X".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert!(change.to_string().contains("cannot be changed"));
    let delete = delete_role(&t.state, &admin, &tenant_admin.id)
        .await
        .unwrap_err();
    assert!(delete.to_string().contains("cannot be deleted"));
    let custom = create_role(
        &t.state,
        &admin,
        RoleInput {
            name: "Temp".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let duplicate = create_role(
        &t.state,
        &admin,
        RoleInput {
            name: "temp".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert!(duplicate.to_string().contains("already exists"));
    delete_role(&t.state, &admin, &custom.id).await.unwrap();
}

async fn only_directory_admins_manage_the_directory(t: TestDb) {
    let admin = tenant(&t).await;
    create_user(
        &t.state,
        &admin,
        NewUser {
            name: "Dee".into(),
            email: "dee@example.com".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    app::auth::service::set_password_from_console(
        &t.state,
        &admin.tenant_id,
        "dee@example.com",
        PASSWORD,
    )
    .await
    .unwrap();
    let dee = t.principal("dee@example.com").await;
    let refused = list_users(&t.state, &dee, UserQuery::default())
        .await
        .unwrap_err();
    assert!(
        matches!(refused, AppError::Forbidden(ref m) if m.contains("Manage users, groups and roles")),
        "{refused:?}"
    );
    assert!(create_group(
        &t.state,
        &dee,
        NewGroup {
            name: "Mine".into(),
            ..Default::default()
        }
    )
    .await
    .is_err());
    assert_eq!(
        get_user(&t.state, &dee, &dee.user_id)
            .await
            .unwrap()
            .user
            .email,
        "dee@example.com",
        "anyone reads themselves"
    );
    assert!(get_user(&t.state, &dee, &admin.user_id).await.is_err());
}
