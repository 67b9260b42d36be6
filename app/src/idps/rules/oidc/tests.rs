//! OpenID Connect's rules, case by case: a provider's settings, an ID token's claims, the
//! claim mapping, and the note a browser carries.

use serde_json::{json, Value};

use super::*;

fn corp() -> OidcInput {
    OidcInput {
        description: "Corp staff".into(),
        issuer: "https://login.corp.example/realms/staff".into(),
        client_id: "sightline".into(),
        client_secret: "s3cret".into(),
        scopes: vec!["email profile".into()],
        claims: ClaimMap::default(),
        create_users: true,
        active: true,
        skip_verify: false,
    }
}

#[test]
fn a_provider_is_taken_only_with_an_address_a_client_and_claims_to_read() {
    let cases: Vec<(&str, fn(&mut OidcInput), bool, Option<&str>)> = vec![
        ("as given", |_| {}, false, None),
        (
            "plain http on an https server",
            |i| i.issuer = "http://login.corp.example".into(),
            false,
            Some("https://"),
        ),
        (
            "plain http on a desk",
            |i| i.issuer = "http://127.0.0.1:4400".into(),
            true,
            None,
        ),
        (
            "no scheme",
            |i| i.issuer = "login.corp.example".into(),
            false,
            Some("provider's address"),
        ),
        (
            "a query",
            |i| i.issuer = "https://login.corp.example/?x=1".into(),
            false,
            Some("without a query"),
        ),
        (
            "a user name",
            |i| i.issuer = "https://me@login.corp.example".into(),
            false,
            Some("user name"),
        ),
        (
            "no client",
            |i| i.client_id = " ".into(),
            false,
            Some("client id"),
        ),
        (
            "no name",
            |i| i.description = "".into(),
            false,
            Some("sign-in page"),
        ),
        (
            "a scope with a quote",
            |i| i.scopes = vec!["email \"x".into()],
            false,
            Some("not a scope"),
        ),
        (
            "too many scopes",
            |i| i.scopes = (0..25).map(|n| format!("s{n}")).collect(),
            false,
            Some("At most 20"),
        ),
        (
            "an email claim that is no pointer",
            |i| i.claims.email = vec!["email".into()],
            false,
            Some("not a JSON pointer"),
        ),
        (
            "no email claim",
            |i| i.claims.email = vec![],
            false,
            Some("at least one claim"),
        ),
        (
            "six name claims",
            |i| i.claims.name = (0..6).map(|n| format!("/n{n}")).collect(),
            false,
            Some("At most 5"),
        ),
        (
            "no groups claim: no groups",
            |i| i.claims.groups = vec![],
            false,
            None,
        ),
    ];
    for (case, change, plain_http, refusal) in cases {
        let mut input = corp();
        change(&mut input);
        match (check_oidc(&input, plain_http), refusal) {
            (Ok(_), None) => {}
            (Err(e), Some(words)) => assert!(e.to_string().contains(words), "{case}: {e}"),
            (got, want) => panic!("{case}: got {got:?}, wanted a refusal with {want:?}"),
        }
    }
    let checked = check_oidc(&corp(), false).unwrap();
    assert_eq!(
        checked.scopes,
        ["openid", "email", "profile"],
        "openid is always asked for"
    );
    assert_eq!(
        discovery_url("https://login.corp.example/realms/staff/"),
        "https://login.corp.example/realms/staff/.well-known/openid-configuration"
    );
}

const NOW: i64 = 1_796_600_000;

fn id_token() -> Value {
    json!({
        "iss": "https://login.corp.example", "aud": "sightline", "sub": "u-1",
        "exp": NOW + 300, "iat": NOW - 5, "nonce": "n-1",
    })
}

#[test]
fn an_id_token_must_answer_this_sign_in_for_this_client() {
    let expected = IdTokenExpected {
        issuer: "https://login.corp.example",
        client_id: "sightline",
        nonce: "n-1",
        now: NOW,
        tolerance_secs: 60,
    };
    let cases: Vec<(&str, fn(&mut Value), Option<&str>)> = vec![
        ("as issued", |_| {}, None),
        (
            "another issuer",
            |c| c["iss"] = json!("https://evil.example"),
            Some("issuer"),
        ),
        ("no issuer", |c| c["iss"] = Value::Null, Some("missing")),
        (
            "another client",
            |c| c["aud"] = json!("someone-else"),
            Some("not to this client"),
        ),
        (
            "several audiences, ours among them, authorized for us",
            |c| {
                c["aud"] = json!(["sightline", "api"]);
                c["azp"] = json!("sightline");
            },
            None,
        ),
        (
            "several audiences, not authorized for us",
            |c| c["aud"] = json!(["sightline", "api"]),
            Some("azp"),
        ),
        ("expired", |c| c["exp"] = json!(NOW - 61), Some("expired")),
        (
            "expired within the tolerance",
            |c| c["exp"] = json!(NOW - 30),
            None,
        ),
        ("no expiry", |c| c["exp"] = Value::Null, Some("no expiry")),
        (
            "issued in the future",
            |c| c["iat"] = json!(NOW + 600),
            Some("future"),
        ),
        (
            "another sign-in's nonce",
            |c| c["nonce"] = json!("n-2"),
            Some("nonce"),
        ),
        ("no nonce", |c| c["nonce"] = Value::Null, Some("nonce")),
    ];
    for (case, change, refusal) in cases {
        let mut claims = id_token();
        change(&mut claims);
        match (check_id_token(&claims, &expected), refusal) {
            (Ok(()), None) => {}
            (Err(e), Some(words)) => assert!(e.to_string().contains(words), "{case}: {e}"),
            (got, want) => panic!("{case}: got {got:?}, wanted {want:?}"),
        }
    }
}

#[test]
fn the_mapping_reads_the_first_claim_present_of_each_list() {
    let map = ClaimMap::default();
    let cases: Vec<(
        &str,
        Value,
        Result<(&str, Option<&str>, &str, Vec<&str>), &str>,
    )> = vec![
        (
            "every claim",
            json!({"sub": "u-1", "email": "Ann@Corp.example", "name": "Ann", "groups": ["A", "B", "a"]}),
            Ok(("u-1", Some("Ann@Corp.example"), "Ann", vec!["A", "B"])),
        ),
        (
            "Entra's upn for the email, preferred_username for the name",
            json!({"sub": "u-2", "upn": "bo@corp.example", "preferred_username": "bo"}),
            Ok(("u-2", Some("bo@corp.example"), "bo", vec![])),
        ),
        (
            "an empty email falls through",
            json!({"sub": "u-3", "email": "", "upn": "cy@corp.example"}),
            Ok(("u-3", Some("cy@corp.example"), "cy@corp.example", vec![])),
        ),
        (
            "one group as a string",
            json!({"sub": "u-4", "email": "d@corp.example", "groups": "Staff"}),
            Ok((
                "u-4",
                Some("d@corp.example"),
                "d@corp.example",
                vec!["Staff"],
            )),
        ),
        (
            "a numeric subject",
            json!({"sub": 42, "email": "e@corp.example"}),
            Ok(("42", Some("e@corp.example"), "e@corp.example", vec![])),
        ),
        (
            "no subject",
            json!({"email": "f@corp.example"}),
            Err("who the person is"),
        ),
        (
            "not an email",
            json!({"sub": "u-5", "email": "nope"}),
            Err("email"),
        ),
        (
            "101 groups",
            json!({"sub": "u-6", "groups": (0..101).map(|n| format!("g{n}")).collect::<Vec<_>>()}),
            Err("at most 100"),
        ),
    ];
    for (case, claims, want) in cases {
        match (map_person(&claims, &map), want) {
            (Ok(p), Ok((subject, email, name, groups))) => {
                assert_eq!(
                    (
                        p.subject.as_str(),
                        p.email.as_deref(),
                        p.name.as_str(),
                        p.groups.iter().map(String::as_str).collect::<Vec<_>>()
                    ),
                    (subject, email, name, groups),
                    "{case}"
                );
            }
            (Err(e), Err(words)) => assert!(e.to_string().contains(words), "{case}: {e}"),
            (got, want) => panic!("{case}: got {got:?}, wanted {want:?}"),
        }
    }
    // A pointer reaches inside a claim (Keycloak's realm roles, for example).
    let nested = ClaimMap {
        groups: vec!["/realm_access/roles".into()],
        ..ClaimMap::default()
    };
    let claims =
        json!({"sub": "u-7", "email": "g@corp.example", "realm_access": {"roles": ["admin"]}});
    assert_eq!(map_person(&claims, &nested).unwrap().groups, ["admin"]);
}

#[test]
fn the_note_opens_only_as_sealed_by_this_server_within_its_window() {
    let note = LoginNote {
        provider_id: "p-1".into(),
        state: "s".into(),
        nonce: "n".into(),
        verifier: "v".into(),
        next: "/spaces".into(),
        test: false,
        expires_at: 2_000,
    };
    let sealed = seal(b"key", &note);
    assert_eq!(open(b"key", &sealed, 1_000), Some(note.clone()));
    assert_eq!(open(b"key", &sealed, 2_000), None, "expired");
    assert_eq!(open(b"other key", &sealed, 1_000), None, "another server's");
    let (payload, tag) = sealed.split_once('.').unwrap();
    let mut forged = note;
    forged.test = true;
    let forged_payload = seal(b"guess", &forged);
    let tampered = format!("{}.{tag}", forged_payload.split_once('.').unwrap().0);
    assert_eq!(open(b"key", &tampered, 1_000), None, "a changed note");
    assert_eq!(open(b"key", payload, 1_000), None, "no signature");
}

#[test]
fn pkce_and_the_address_follow_the_rfcs() {
    // RFC 7636, appendix B.
    assert_eq!(
        code_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    );
    let note = LoginNote {
        provider_id: "p".into(),
        state: "st".into(),
        nonce: "no".into(),
        verifier: "v".into(),
        next: "/".into(),
        test: false,
        expires_at: 0,
    };
    let url = authorize_url(
        "https://login.corp.example/auth?tenant=x",
        "sightline",
        "https://bi.corp.example/login/oidc/callback",
        &["openid".into(), "email".into()],
        &note,
        "ch",
    );
    assert_eq!(
        url,
        "https://login.corp.example/auth?tenant=x&response_type=code&client_id=sightline&redirect_uri=https%3A%2F%2Fbi.corp.example%2Flogin%2Foidc%2Fcallback&scope=openid%20email&state=st&nonce=no&code_challenge=ch&code_challenge_method=S256"
    );
}
