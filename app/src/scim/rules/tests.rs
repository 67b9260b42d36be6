//! SCIM's rules as providers use them: Entra ID's and Okta's searches and PATCH bodies, and what
//! a resource means for the account or group it provisions.

use serde_json::{json, Value};

use super::*;

#[test]
fn the_searches_providers_make_are_read_and_others_refused_by_name() {
    let cases: Vec<(&str, Result<(&str, &str), &str>)> = vec![
        (
            r#"userName eq "ann@corp.example""#,
            Ok(("username", "ann@corp.example")),
        ),
        (
            r#"userName Eq "Ann@Corp.example""#,
            Ok(("username", "Ann@Corp.example")),
        ),
        (r#"externalId eq "00u1""#, Ok(("externalid", "00u1"))),
        (
            r#"displayName eq "North team""#,
            Ok(("displayname", "North team")),
        ),
        (r#"emails[type eq "work"] eq "x""#, Err("invalidFilter")),
        (
            r#"emails.value eq "ann@corp.example""#,
            Ok(("emails.value", "ann@corp.example")),
        ),
        (
            r#"urn:ietf:params:scim:schemas:core:2.0:User:userName eq "bo""#,
            Ok(("username", "bo")),
        ),
        (r#"userName sw "a""#, Err("invalidFilter")),
        (r#"userName eq ann"#, Err("invalidFilter")),
        (r#"title eq "boss""#, Err("invalidFilter")),
        ("", Err("invalidFilter")),
    ];
    for (filter, want) in cases {
        match (parse_filter(filter), want) {
            (Ok(f), Ok((attribute, value))) => {
                assert_eq!(
                    (f.attribute.as_str(), f.value.as_str()),
                    (attribute, value),
                    "{filter}"
                )
            }
            (Err(e), Err(kind)) => assert_eq!(e.scim_type.as_deref(), Some(kind), "{filter}"),
            (got, want) => panic!("{filter}: got {got:?}, wanted {want:?}"),
        }
    }
}

fn ops(value: Value) -> Vec<Operation> {
    serde_json::from_value(value).unwrap()
}

fn ann() -> Value {
    json!({
        "userName": "ann@corp.example", "displayName": "Ann Corp", "active": true,
        "name": {"givenName": "Ann", "familyName": "Corp"},
        "emails": [{"value": "ann@corp.example", "type": "work", "primary": true}],
    })
}

#[test]
fn patches_as_entra_and_okta_send_them_change_the_resource() {
    let cases: Vec<(&str, Value, fn(&Value) -> bool)> = vec![
        (
            "Entra disables: Replace, a string boolean",
            json!([{"op": "Replace", "path": "active", "value": "False"}]),
            |r| r["active"] == json!(false),
        ),
        (
            "Okta disables: no path, an object",
            json!([{"op": "replace", "value": {"active": false}}]),
            |r| r["active"] == json!(false),
        ),
        (
            "a sub-attribute by its path",
            json!([{"op": "replace", "path": "name.familyName", "value": "Corp-Smith"}]),
            |r| {
                r["name"]["familyName"] == json!("Corp-Smith")
                    && r["name"]["givenName"] == json!("Ann")
            },
        ),
        (
            "a value chosen by a filter",
            json!([{"op": "replace", "path": "emails[type eq \"work\"].value", "value": "ann.smith@corp.example"}]),
            |r| r["emails"][0]["value"] == json!("ann.smith@corp.example"),
        ),
        (
            "a new value through a filter it does not match yet",
            json!([{"op": "add", "path": "emails[type eq \"home\"].value", "value": "ann@home.example"}]),
            |r| r["emails"].as_array().unwrap().len() == 2,
        ),
        (
            "a dotted name in a pathless object",
            json!([{"op": "Replace", "value": {"name.givenName": "Anne"}}]),
            |r| r["name"]["givenName"] == json!("Anne"),
        ),
        (
            "an attribute removed",
            json!([{"op": "remove", "path": "displayName"}]),
            |r| r.get("displayName").is_none(),
        ),
        (
            "a schema's URN before the attribute",
            json!([{"op": "replace", "path": "urn:ietf:params:scim:schemas:core:2.0:User:displayName", "value": "A. Corp"}]),
            |r| r["displayName"] == json!("A. Corp"),
        ),
    ];
    for (case, operations, holds) in cases {
        let mut resource = ann();
        apply_patch(&mut resource, &ops(operations)).unwrap_or_else(|e| panic!("{case}: {e}"));
        assert!(holds(&resource), "{case}: {resource}");
    }
}

#[test]
fn group_members_are_added_and_removed_by_patch() {
    let mut group =
        json!({"displayName": "North team", "members": [{"value": "a"}, {"value": "b"}]});
    let add =
        ops(json!([{"op": "add", "path": "members", "value": [{"value": "c"}, {"value": "a"}]}]));
    apply_patch(&mut group, &add).unwrap();
    assert_eq!(
        group_fields(&group).unwrap().members,
        ["a", "b", "c"],
        "added once each"
    );
    let remove = ops(json!([{"op": "remove", "path": "members[value eq \"b\"]"}]));
    apply_patch(&mut group, &remove).unwrap();
    assert_eq!(group_fields(&group).unwrap().members, ["a", "c"]);
    let all = ops(json!([{"op": "remove", "path": "members"}]));
    apply_patch(&mut group, &all).unwrap();
    assert!(group_fields(&group).unwrap().members.is_empty());
}

#[test]
fn a_failed_patch_leaves_the_resource_as_it_was() {
    let cases: Vec<(&str, Value, &str)> = vec![
        ("no operations", json!([]), "invalidSyntax"),
        (
            "an unknown op",
            json!([{"op": "move", "path": "active"}]),
            "invalidSyntax",
        ),
        (
            "remove without a path",
            json!([{"op": "remove"}]),
            "noTarget",
        ),
        (
            "replace without a value",
            json!([{"op": "replace", "path": "active"}]),
            "invalidValue",
        ),
        (
            "an unreadable path",
            json!([{"op": "replace", "path": "emails[type eq", "value": 1}]),
            "invalidPath",
        ),
        (
            "good then bad",
            json!([{"op": "replace", "path": "displayName", "value": "X"}, {"op": "remove"}]),
            "noTarget",
        ),
    ];
    for (case, operations, kind) in cases {
        let mut resource = ann();
        let error = apply_patch(&mut resource, &ops(operations)).unwrap_err();
        assert_eq!(error.scim_type.as_deref(), Some(kind), "{case}: {error}");
        assert_eq!(resource, ann(), "{case}");
    }
}

#[test]
fn a_user_resource_gives_the_account_its_email_name_and_status() {
    let cases: Vec<(&str, Value, Result<(&str, &str, bool), &str>)> = vec![
        (
            "everything",
            ann(),
            Ok(("ann@corp.example", "Ann Corp", true)),
        ),
        (
            "a primary email over the userName",
            json!({"userName": "ann", "emails": [{"value": "x@corp.example"}, {"value": "ann@corp.example", "primary": true}]}),
            Ok(("ann@corp.example", "ann", true)),
        ),
        (
            "the userName when it is an email",
            json!({"userName": "bo@corp.example", "name": {"givenName": "Bo", "familyName": "Ek"}}),
            Ok(("bo@corp.example", "Bo Ek", true)),
        ),
        (
            "formatted over the parts",
            json!({"userName": "c@corp.example", "name": {"formatted": "Dr C", "givenName": "C"}}),
            Ok(("c@corp.example", "Dr C", true)),
        ),
        (
            "inactive as a string",
            json!({"userName": "d@corp.example", "active": "False"}),
            Ok(("d@corp.example", "d@corp.example", false)),
        ),
        (
            "no email at all",
            json!({"userName": "eve"}),
            Err("needs an email"),
        ),
        (
            "no userName",
            json!({"emails": [{"value": "f@corp.example"}]}),
            Err("needs a userName"),
        ),
        (
            "not an email",
            json!({"userName": "g", "emails": [{"value": "nope"}]}),
            Err("email"),
        ),
        (
            "active is neither",
            json!({"userName": "h@corp.example", "active": "maybe"}),
            Err("true or false"),
        ),
    ];
    for (case, resource, want) in cases {
        match (user_fields(&resource), want) {
            (Ok(f), Ok((email, name, active))) => {
                assert_eq!(
                    (f.email.as_str(), f.name.as_str(), f.active),
                    (email, name, active),
                    "{case}"
                )
            }
            (Err(e), Err(words)) => assert!(e.detail.contains(words), "{case}: {e}"),
            (got, want) => panic!("{case}: got {got:?}, wanted {want:?}"),
        }
    }
}

#[test]
fn pages_start_at_one_and_hold_at_most_two_hundred() {
    for (start, count, want) in [
        (None, None, (0, 100)),
        (Some(1), Some(10), (0, 10)),
        (Some(11), Some(10), (10, 10)),
        (Some(0), Some(5000), (0, 200)),
        (Some(-3), Some(-1), (0, 0)),
    ] {
        assert_eq!(page(start, count), want, "{start:?} {count:?}");
    }
}
