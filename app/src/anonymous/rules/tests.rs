//! The table tests of `anonymous::rules`: links, codes, sessions, seats and origins.

use super::*;
use crate::sharing::rules::{effective_access, Grant, SharerPermissions, Source};

fn access(space: SpaceType, grants: Vec<Grant>, permission: bool) -> Access {
    effective_access(
        space,
        &grants,
        SharerPermissions {
            share_apps: false,
            anonymous_access_link: permission,
        },
    )
}

fn member(role: SpaceRole) -> Vec<Grant> {
    vec![Grant {
        source: Source::SpaceMember,
        roles: vec![role],
    }]
}

fn owner() -> Vec<Grant> {
    vec![Grant {
        source: Source::SpaceOwner,
        roles: vec![],
    }]
}

#[test]
fn turning_anonymous_access_on_needs_the_permission_and_owner_or_can_manage_in_a_managed_space() {
    let managed = SpaceType::Managed;
    assert!(
        check_can_manage(managed, &access(managed, owner(), true), true).is_ok(),
        "Owner (of space) with Public link creation allowed"
    );
    assert!(
        check_can_manage(
            managed,
            &access(managed, member(SpaceRole::Facilitator), true),
            true
        )
        .is_ok(),
        "Can manage with the permission"
    );
    let err = check_can_manage(managed, &access(managed, owner(), false), false).unwrap_err();
    assert!(
        err.to_string().contains("Public link creation"),
        "allowed to nobody by default, tenant admins included: {err}"
    );
    for role in [
        SpaceRole::Contributor,
        SpaceRole::Consumer,
        SpaceRole::Publisher,
        SpaceRole::Operator,
        SpaceRole::BasicConsumer,
    ] {
        assert!(
            check_can_manage(managed, &access(managed, member(role), true), true).is_err(),
            "{role:?} cannot turn it on"
        );
    }
    let shared = SpaceType::Shared;
    let err = check_can_manage(shared, &access(shared, owner(), true), true).unwrap_err();
    assert!(err.to_string().contains("managed space"), "{err}");
}

#[test]
fn an_app_share_does_not_make_a_space_role_for_anonymous_access() {
    let managed = SpaceType::Managed;
    let shared_to_me = vec![Grant {
        source: Source::ShareToUser,
        roles: vec![SpaceRole::Facilitator],
    }];
    let a = access(managed, shared_to_me, true);
    assert!(check_can_manage(managed, &a, true).is_err());
    assert!(
        !may_copy_link_with_code(&a),
        "copying with the code is for roles in the app's space"
    );
}

#[test]
fn copying_the_link_with_its_code_is_open_to_six_space_roles_and_the_owner() {
    let managed = SpaceType::Managed;
    assert!(may_copy_link_with_code(&access(managed, owner(), false)));
    for role in [
        SpaceRole::Facilitator,
        SpaceRole::Contributor,
        SpaceRole::Consumer,
        SpaceRole::BasicConsumer,
        SpaceRole::Operator,
    ] {
        assert!(
            may_copy_link_with_code(&access(managed, member(role), false)),
            "{role:?} copies the link with the code"
        );
    }
    for role in [SpaceRole::Publisher, SpaceRole::DataConsumer] {
        assert!(
            !may_copy_link_with_code(&access(managed, member(role), false)),
            "{role:?} copies the link without the code"
        );
    }
    let through_group = vec![Grant {
        source: Source::SpaceGroup {
            group_id: "g".into(),
        },
        roles: vec![SpaceRole::Consumer],
    }];
    assert!(
        may_copy_link_with_code(&access(managed, through_group, false)),
        "a role through a group is a space role"
    );
}

#[test]
fn copying_the_embed_code_needs_the_permission_and_owner_or_can_manage() {
    let managed = SpaceType::Managed;
    assert!(may_copy_embed(
        managed,
        &access(managed, owner(), true),
        true
    ));
    assert!(may_copy_embed(
        managed,
        &access(managed, member(SpaceRole::Facilitator), true),
        true
    ));
    assert!(
        !may_copy_embed(
            managed,
            &access(managed, member(SpaceRole::Facilitator), false),
            false
        ),
        "Can manage without the permission"
    );
    assert!(
        !may_copy_embed(
            managed,
            &access(managed, member(SpaceRole::Consumer), true),
            true
        ),
        "Can view with the permission"
    );
}

#[test]
fn a_link_is_live_until_paused_or_past_its_expiry() {
    assert_eq!(
        link_status(false, None, 1_000),
        LinkStatus::Live,
        "the access code does not expire"
    );
    assert_eq!(link_status(true, None, 1_000), LinkStatus::Paused);
    assert_eq!(link_status(false, Some(2_000), 1_000), LinkStatus::Live);
    assert_eq!(link_status(false, Some(1_000), 1_000), LinkStatus::Expired);
    assert_eq!(
        link_status(true, Some(500), 1_000),
        LinkStatus::Paused,
        "paused says more than expired"
    );
    assert!(check_expiry(Some(999), 1_000).is_err());
    assert_eq!(check_expiry(None, 1_000).unwrap(), None);
}

#[test]
fn a_visitor_sees_the_links_reduction_and_never_more_than_section_access_allows() {
    let north = LinkReduction {
        field: "Region".into(),
        allowed: vec!["North".into()],
    };
    let everything = DataAccess::All;
    let sees_north = DataAccess::Reduced(vec![("Region".into(), vec!["North".into()])]);
    let sees_nothing = DataAccess::Reduced(vec![("Region".into(), vec![])]);
    let south = LinkReduction {
        field: "Region".into(),
        allowed: vec!["South".into()],
    };
    let retail = LinkReduction {
        field: "Segment".into(),
        allowed: vec!["Retail".into()],
    };
    assert_eq!(
        visitor_access(None, &everything),
        DataAccess::All,
        "no section access, no reduction: everything"
    );
    assert_eq!(visitor_access(Some(&north), &everything), sees_north);
    assert_eq!(
        visitor_access(None, &sees_nothing),
        sees_nothing,
        "a maker no rule names: nothing"
    );
    assert_eq!(
        visitor_access(None, &sees_north),
        sees_north,
        "no reduction: what the maker sees"
    );
    assert_eq!(
        visitor_access(Some(&south), &sees_north),
        DataAccess::Reduced(vec![("Region".into(), vec![])]),
        "a maker of the North cannot open the South"
    );
    assert_eq!(
        visitor_access(Some(&retail), &sees_north),
        DataAccess::Reduced(vec![
            ("Region".into(), vec!["North".into()]),
            ("Segment".into(), vec!["Retail".into()])
        ]),
        "a reduction on another field narrows, never widens"
    );
    let both = LinkReduction {
        field: "Region".into(),
        allowed: vec!["North".into(), "South".into()],
    };
    assert_eq!(
        reduction_shown_to(Some(both.clone()), false, &everything),
        None,
        "only managers read a link's reduction"
    );
    assert_eq!(
        reduction_shown_to(Some(both.clone()), true, &sees_north)
            .unwrap()
            .allowed,
        vec!["North"],
        "a reduced manager sees only their own values"
    );
    assert_eq!(
        reduction_shown_to(Some(both), true, &everything)
            .unwrap()
            .allowed,
        vec!["North", "South"]
    );
    let fields = vec!["Region".to_string(), "Product".to_string()];
    assert_eq!(
        check_reduction(
            &LinkReduction {
                field: "region".into(),
                allowed: vec![" South ".into(), "North".into()]
            },
            &fields
        )
        .unwrap()
        .allowed,
        vec!["North", "South"]
    );
    assert!(check_reduction(
        &LinkReduction {
            field: "Colour".into(),
            allowed: vec!["x".into()]
        },
        &fields
    )
    .unwrap_err()
    .to_string()
    .contains("Colour"));
    assert!(check_reduction(
        &LinkReduction {
            field: "Region".into(),
            allowed: vec![]
        },
        &fields
    )
    .is_err());
}

#[test]
fn capacity_admits_until_every_seat_is_taken() {
    assert!(admit(0, 1).is_ok());
    let busy = admit(1, 1).unwrap_err();
    assert_eq!(busy.status(), 503);
    assert_eq!(busy.retry_after_secs(), Some(60));
    assert!(admit(0, 0).is_err(), "capacity 0 closes anonymous access");
}

#[test]
fn one_address_starts_a_limited_number_of_sessions_a_minute() {
    let mut window = RateWindow::default();
    let start = 60_000 * 100 + 15_000;
    for _ in 0..3 {
        window.allow(start, 3).unwrap();
    }
    let err = window.allow(start + 1_000, 3).unwrap_err();
    assert_eq!(err.status(), 429);
    assert_eq!(err.retry_after_secs(), Some(44), "until the next minute");
    assert!(
        window.allow(start + 45_000, 3).is_ok(),
        "a new minute starts a new count"
    );
}

#[test]
fn origins_are_checked_so_that_only_an_origin_reaches_the_csp() {
    assert_eq!(
        check_origin("https://Example.com/").unwrap(),
        "https://example.com"
    );
    assert_eq!(
        check_origin("http://localhost:8080").unwrap(),
        "http://localhost:8080"
    );
    assert_eq!(
        check_origin("https://*.example.com").unwrap(),
        "https://*.example.com"
    );
    assert_eq!(
        check_origin("Intranet.example.com").unwrap(),
        "https://intranet.example.com",
        "a bare host is its https origin"
    );
    for bad in [
        "example.com/path",
        "https://",
        "https://example.com/path",
        "https://a.com; script-src *",
        "https://a.com 'unsafe-inline'",
        "javascript:alert(1)",
        "https://a.com:port",
        "*",
    ] {
        assert!(check_origin(bad).is_err(), "{bad} must be refused");
    }
    assert_eq!(frame_ancestors(&[]), "frame-ancestors 'none'");
    assert_eq!(
        frame_ancestors(&["https://a.com".into(), "https://b.com".into()]),
        "frame-ancestors https://a.com https://b.com"
    );
}

#[test]
fn links_and_embed_codes_carry_the_access_code() {
    assert_eq!(
        link_url("https://bi.example.com/", "app1", Some("c0de")),
        "https://bi.example.com/a/app1?eac=c0de"
    );
    assert_eq!(
        link_url("https://bi.example.com", "app1", None),
        "https://bi.example.com/a/app1"
    );
    let options = EmbedOptions {
        ui: EmbedUi::Chart,
        sheet: Some("s1".into()),
        object: Some("c1".into()),
        theme: Theme::Dark,
        toolbar: false,
        select: "Region:North|South".into(),
        field: None,
        locale: None,
    };
    assert_eq!(embed_url("https://bi", "app1", "c0de", &options), "https://bi/embed/app1/chart?eac=c0de&sheet=s1&object=c1&theme=dark&toolbar=0&select=Region%3ANorth%7CSouth");
    let german = EmbedOptions {
        locale: Some("de-DE".into()),
        ..options.clone()
    };
    assert!(embed_url("https://bi", "app1", "c0de", &german).ends_with("&locale=de-DE"));
    let codes = embed_codes("https://bi", "app1", "c0de", &options, "Sales \"2026\"");
    assert!(
        codes
            .iframe
            .starts_with("<iframe src=\"https://bi/embed/app1/chart?eac=c0de&amp;sheet=s1"),
        "{}",
        codes.iframe
    );
    assert!(codes.iframe.contains("title=\"Sales &quot;2026&quot;\""));
    assert!(codes
        .web_component
        .contains("<script src=\"https://bi/embed.js\" defer></script>"));
    assert!(codes.web_component.contains("<sightline-embed host=\"https://bi\" app=\"app1\" ui=\"chart\" sheet=\"s1\" object=\"c1\" theme=\"dark\" toolbar=\"0\" select=\"Region:North|South\" access-code=\"c0de\">"), "{}", codes.web_component);
    assert_eq!(
        codes.qlik_embed,
        "<script crossorigin=\"anonymous\" type=\"application/javascript\" src=\"https://bi/embed.js\" data-host=\"https://bi\" data-access-code=\"c0de\"></script>\n\
         <qlik-embed ui=\"analytics/chart\" app-id=\"app1\" object-id=\"c1\" theme=\"dark\"></qlik-embed>\n\
         <qlik-initial-selections app-id=\"app1\">\n  <field name=\"Region\" values=\"North;South\"></field>\n</qlik-initial-selections>"
    );
}

#[test]
fn initial_selections_read_field_colon_values() {
    assert_eq!(
        parse_selections("Region:North|South; Year:2026").unwrap(),
        vec![
            ("Region".into(), vec!["North".into(), "South".into()]),
            ("Year".into(), vec!["2026".into()])
        ]
    );
    assert_eq!(parse_selections("").unwrap(), vec![]);
    assert!(parse_selections("Region")
        .unwrap_err()
        .to_string()
        .contains("Field:value"));
    assert!(parse_selections("Region:").is_err());
}

#[cfg(feature = "ssr")]
#[test]
fn session_tokens_are_signed_and_bound_to_app_link_and_generation() {
    let claims = SessionClaims {
        session_id: "s1".into(),
        app_id: "a1".into(),
        link_id: "l1".into(),
        generation: 3,
        expires_at: 900_000,
    };
    let token = sign(b"key", &claims);
    assert_eq!(verify(b"key", &token), Some(claims.clone()));
    assert_eq!(verify(b"other key", &token), None, "another server's key");
    let forged = token.replace(".3.", ".4.");
    assert_eq!(
        verify(b"key", &forged),
        None,
        "a changed generation breaks the signature"
    );
    assert_eq!(verify(b"key", "garbage"), None);
    assert_eq!(verify(b"key", &format!("{token}.extra")), None);
}

#[test]
fn a_full_address_is_told_when_its_first_session_ends() {
    assert!(admit_from_address(4, 5, || unreachable!("not asked when admitted")).is_ok());
    // (first ends in, words, Retry-After)
    let cases = [
        (12 * 60_000, "12 minutes", 720),
        (30_500, "31 seconds", 31),
        (0, "1 seconds", 1),
    ];
    for (ends_in, words, retry) in cases {
        let refused = admit_from_address(5, 5, || ends_in).unwrap_err();
        assert!(refused.to_string().contains(words), "{refused}");
        assert_eq!(refused.retry_after_secs(), Some(retry));
    }
}

#[test]
fn each_address_of_each_tenant_has_its_own_lock() {
    let key = address_lock_key("tenant-1", "203.0.113.7");
    assert_eq!(
        key,
        address_lock_key("tenant-1", "203.0.113.7"),
        "the same on every process"
    );
    for (tenant, address) in [
        ("tenant-1", "203.0.113.8"),
        ("tenant-2", "203.0.113.7"),
        // The separator keeps the names apart: no address can pose as another tenant's.
        ("tenant-12", "03.0.113.7"),
    ] {
        assert_ne!(key, address_lock_key(tenant, address), "{tenant} {address}");
    }
}
