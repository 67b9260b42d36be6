//! The table tests of `sharing::rules`: every source of a role, and the highest permission wins.

use super::AppAction::*;
use super::*;
use SpaceRole::*;

fn grant(source: Source, roles: &[SpaceRole]) -> Grant {
    Grant {
        source,
        roles: roles.to_vec(),
    }
}

fn group(id: &str) -> String {
    id.to_string()
}

const SHARER: SharerPermissions = SharerPermissions {
    share_apps: true,
    anonymous_access_link: false,
};

#[test]
fn the_highest_permission_applies_across_every_source() {
    let cases: Vec<(&str, SpaceType, Vec<Grant>, Option<&str>)> = vec![
        (
            "a user with Can view through a group and Can contribute individually has Can contribute",
            SpaceType::Managed,
            vec![grant(Source::ShareToGroup { group_id: group("g") }, &[Consumer]), grant(Source::ShareToUser, &[Contributor])],
            Some("Can contribute"),
        ),
        (
            "sharing with Can view never lowers a member's Can contribute",
            SpaceType::Managed,
            vec![grant(Source::SpaceMember, &[Contributor]), grant(Source::ShareToUser, &[Consumer])],
            Some("Can contribute"),
        ),
        (
            "the space owner is shown as Owner, whatever the app was shared with them as",
            SpaceType::Shared,
            vec![grant(Source::SpaceOwner, &[]), grant(Source::ShareToUser, &[Consumer])],
            Some("Owner"),
        ),
        (
            "a space member with Can manage is shown with Can manage",
            SpaceType::Shared,
            vec![grant(Source::SpaceMember, &[Facilitator])],
            Some("Can manage"),
        ),
        ("everyone in the tenant gets what the everyone-share gives", SpaceType::Managed, vec![grant(Source::ShareToEveryone, &[BasicConsumer])], Some("Has restricted view")),
        ("no source, no access", SpaceType::Managed, vec![], None),
    ];
    for (case, space, grants, highest) in cases {
        assert_eq!(
            effective_access(space, &grants, SHARER).highest(),
            highest,
            "{case}"
        );
    }
}

#[test]
fn what_each_role_may_do_with_an_app() {
    let none: &[AppAction] = &[];
    let cases: Vec<(SpaceType, Option<SpaceRole>, &[AppAction])> = vec![
        (
            SpaceType::Shared,
            None,
            &[
                Open,
                Contribute,
                Edit,
                Publish,
                Share,
                Delete,
                ViewMembers,
                Reload,
            ],
        ),
        (
            SpaceType::Managed,
            None,
            &[
                Open,
                Contribute,
                Publish,
                Share,
                Delete,
                ViewMembers,
                Reload,
            ],
        ),
        (
            SpaceType::Shared,
            Some(Facilitator),
            &[Open, Contribute, Share, Delete, ViewMembers],
        ),
        (
            SpaceType::Managed,
            Some(Facilitator),
            &[Open, Contribute, Share, Delete, ViewMembers, Reload],
        ),
        (
            SpaceType::Shared,
            Some(Producer),
            &[Open, Contribute, Edit, Publish, Delete, ViewMembers, Reload],
        ),
        (
            SpaceType::Shared,
            Some(CoDeveloper),
            &[Open, Contribute, Edit, ViewMembers, Reload],
        ),
        (SpaceType::Shared, Some(Consumer), &[Open, ViewMembers]),
        (
            SpaceType::Managed,
            Some(Publisher),
            &[Open, Contribute, Publish, Delete, ViewMembers],
        ),
        (
            SpaceType::Managed,
            Some(Contributor),
            &[Open, Contribute, ViewMembers],
        ),
        // Qlik's "Can operate": reloads the published apps it may open.
        (
            SpaceType::Managed,
            Some(Operator),
            &[Open, ViewMembers, Reload],
        ),
        (
            SpaceType::Managed,
            Some(BasicConsumer),
            &[Open, ViewMembers],
        ),
        (SpaceType::Managed, Some(DataConsumer), none),
    ];
    for (space, role, expected) in cases {
        let grants = match role {
            None => vec![grant(Source::SpaceOwner, &[])],
            Some(role) => vec![grant(Source::SpaceMember, &[role])],
        };
        let access = effective_access(space, &grants, SHARER);
        let expected: BTreeSet<AppAction> = expected.iter().copied().collect();
        assert_eq!(access.actions, expected, "{role:?} in a {space:?} space");
    }
}

#[test]
fn a_shared_app_user_opens_the_app_but_never_sees_the_members_section() {
    let access = effective_access(
        SpaceType::Managed,
        &[grant(Source::ShareToUser, &[Contributor])],
        SHARER,
    );
    assert!(access.can(Open) && access.can(Contribute));
    assert!(!access.member && !access.can(ViewMembers));
    let through_group = effective_access(
        SpaceType::Managed,
        &[grant(
            Source::ShareToGroup {
                group_id: group("g"),
            },
            &[Consumer],
        )],
        SHARER,
    );
    assert!(!through_group.can(ViewMembers));
}

#[test]
fn every_role_is_listed_with_every_source_that_gives_it_highest_first() {
    let access = effective_access(
        SpaceType::Shared,
        &[
            grant(Source::ShareToUser, &[Consumer]),
            grant(
                Source::SpaceGroup {
                    group_id: group("finance"),
                },
                &[Consumer, Producer],
            ),
            grant(Source::ShareToEveryone, &[Consumer]),
        ],
        SHARER,
    );
    assert_eq!(access.roles[0].0, Producer);
    assert_eq!(access.roles[1].0, Consumer);
    assert_eq!(
        access.roles[1].1.len(),
        3,
        "Can view from the user share, the group and everyone"
    );
}

#[test]
fn owners_and_managers_share_from_shared_and_managed_spaces_only() {
    let owner = effective_access(SpaceType::Shared, &[grant(Source::SpaceOwner, &[])], SHARER);
    assert!(check_can_share(SpaceType::Shared, &owner, SHARER).is_ok());
    let personal = effective_access(
        SpaceType::Personal,
        &[grant(Source::SpaceOwner, &[])],
        SHARER,
    );
    assert!(!personal.can(Share));
    let err = check_can_share(SpaceType::Personal, &personal, SHARER)
        .unwrap_err()
        .to_string();
    assert!(err.contains("personal space cannot be shared"), "{err}");
    let editor = effective_access(
        SpaceType::Shared,
        &[grant(Source::SpaceMember, &[Producer])],
        SHARER,
    );
    assert!(check_can_share(SpaceType::Shared, &editor, SHARER)
        .unwrap_err()
        .to_string()
        .contains("can manage"));
    let no_permission = SharerPermissions::default();
    let manager = effective_access(
        SpaceType::Managed,
        &[grant(Source::SpaceMember, &[Facilitator])],
        no_permission,
    );
    assert!(!manager.can(Share));
    assert!(check_can_share(SpaceType::Managed, &manager, no_permission)
        .unwrap_err()
        .to_string()
        .contains("permission"));
}

#[test]
fn anonymous_access_needs_the_permission_a_managing_role_and_a_managed_space() {
    let anonymous = SharerPermissions {
        share_apps: false,
        anonymous_access_link: true,
    };
    let cases = [
        (SpaceType::Managed, Facilitator, anonymous, true),
        (SpaceType::Managed, Facilitator, SHARER, false),
        (SpaceType::Managed, Publisher, anonymous, false),
        (SpaceType::Shared, Facilitator, anonymous, false),
    ];
    for (space, role, permissions, expected) in cases {
        let access = effective_access(space, &[grant(Source::SpaceMember, &[role])], permissions);
        assert_eq!(
            access.can(ManageAnonymous),
            expected,
            "{role:?} in {space:?} with {permissions:?}"
        );
    }
}

#[test]
fn what_each_role_may_do_with_a_space() {
    use SpaceAction::*;
    let none: &[SpaceAction] = &[];
    let cases: Vec<(&str, SpaceType, Vec<Grant>, bool, bool, &[SpaceAction])> = vec![
        (
            "the owner of a personal space has no members to manage",
            SpaceType::Personal,
            vec![grant(Source::SpaceOwner, &[])],
            false,
            false,
            &[
                View,
                ViewAllApps,
                EditDetails,
                ChangeOwner,
                Delete,
                CreateApp,
            ],
        ),
        (
            "the owner of a managed space publishes into it",
            SpaceType::Managed,
            vec![grant(Source::SpaceOwner, &[])],
            false,
            false,
            &[
                View,
                ViewAllApps,
                ViewMembers,
                ManageMembers,
                EditDetails,
                ChangeOwner,
                Delete,
                PublishInto,
            ],
        ),
        (
            "Can manage manages members and details",
            SpaceType::Shared,
            vec![grant(Source::SpaceMember, &[Facilitator])],
            false,
            false,
            &[View, ViewAllApps, ViewMembers, ManageMembers, EditDetails],
        ),
        (
            "Can edit makes apps in a shared space",
            SpaceType::Shared,
            vec![grant(
                Source::SpaceGroup {
                    group_id: group("g"),
                },
                &[Producer],
            )],
            false,
            false,
            &[View, ViewAllApps, ViewMembers, CreateApp],
        ),
        (
            "Can publish publishes into a managed space",
            SpaceType::Managed,
            vec![grant(Source::SpaceMember, &[Publisher])],
            false,
            false,
            &[View, ViewAllApps, ViewMembers, PublishInto],
        ),
        (
            "Can view sees the apps and the members",
            SpaceType::Managed,
            vec![grant(Source::SpaceMember, &[Consumer])],
            false,
            false,
            &[View, ViewAllApps, ViewMembers],
        ),
        (
            "Can consume data sees the space but no apps",
            SpaceType::Managed,
            vec![grant(Source::SpaceMember, &[DataConsumer])],
            false,
            false,
            &[View],
        ),
        (
            "a shared application user sees the space details, not its members",
            SpaceType::Managed,
            vec![],
            true,
            false,
            &[View],
        ),
        (
            "an admin manages a space without seeing its apps",
            SpaceType::Shared,
            vec![],
            false,
            true,
            &[
                View,
                ViewMembers,
                ManageMembers,
                EditDetails,
                ChangeOwner,
                Delete,
            ],
        ),
        (
            "an admin does not reach someone else's personal space",
            SpaceType::Personal,
            vec![],
            false,
            true,
            none,
        ),
        (
            "app shares to the person only count through has_app_shares",
            SpaceType::Shared,
            vec![grant(Source::ShareToUser, &[Consumer])],
            false,
            false,
            none,
        ),
    ];
    for (case, space, grants, has_app_shares, admin, expected) in cases {
        let access = space_access(space, &grants, has_app_shares, admin);
        let expected: BTreeSet<SpaceAction> = expected.iter().copied().collect();
        assert_eq!(access.actions, expected, "{case}");
    }
}

#[test]
fn share_roles_depend_on_the_space_type() {
    assert!(check_share_roles(SpaceType::Shared, &[Consumer]).is_ok());
    assert!(check_share_roles(SpaceType::Shared, &[Contributor])
        .unwrap_err()
        .to_string()
        .contains("not available in a share from a shared space"));
    assert!(check_share_roles(SpaceType::Managed, &[BasicConsumer]).is_ok());
    assert!(check_share_roles(SpaceType::Managed, &[Facilitator]).is_err());
    assert!(check_share_roles(SpaceType::Managed, &[])
        .unwrap_err()
        .to_string()
        .contains("at least one role"));
}

#[test]
fn the_share_past_each_limit_is_refused_by_name() {
    let cases = [
        (
            ShareCounts {
                app: 399,
                assignee: 199,
                space: 399,
            },
            None,
        ),
        (
            ShareCounts {
                app: 400,
                ..Default::default()
            },
            Some("400 times, the most an app can be"),
        ),
        (
            ShareCounts {
                assignee: 200,
                ..Default::default()
            },
            Some("200 app shares"),
        ),
        (
            ShareCounts {
                space: 400,
                ..Default::default()
            },
            Some("the most a space can have"),
        ),
    ];
    for (counts, expected) in cases {
        match (check_share_limits(counts), expected) {
            (Ok(()), None) => {}
            (Err(err), Some(fragment)) => assert!(err.to_string().contains(fragment), "{err}"),
            (got, want) => panic!("{counts:?}: got {got:?}, wanted {want:?}"),
        }
    }
}
