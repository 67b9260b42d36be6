//! The provider's settings and a token's claims, as a host would send them and get them wrong.

use super::*;

fn provider() -> ProviderInput {
    ProviderInput {
        description: "Our portal".into(),
        issuer: "https://portal.example".into(),
        keys: vec![KeyInput {
            kid: "k1".into(),
            pem: "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----".into(),
            secret: String::new(),
        }],
        origins: vec!["https://portal.example".into()],
        ..Default::default()
    }
}

#[test]
fn a_provider_is_checked_and_its_mistakes_named() {
    let checked = check_provider(&provider(), &[]).unwrap();
    assert_eq!(
        checked.audience, DEFAULT_AUDIENCE,
        "Qlik's audience by default"
    );
    assert_eq!(checked.origins, vec!["https://portal.example".to_string()]);
    type Change = fn(&mut ProviderInput);
    let cases: Vec<(&str, Change, &str)> = vec![
        ("no issuer", |p| p.issuer = " ".into(), "Enter the issuer"),
        ("no key", |p| p.keys.clear(), "Give 1 to 5 keys"),
        (
            "six keys",
            |p| {
                p.keys = (0..6)
                    .map(|i| KeyInput {
                        kid: format!("k{i}"),
                        secret: "s".repeat(40),
                        ..Default::default()
                    })
                    .collect()
            },
            "Give 1 to 5 keys",
        ),
        (
            "two kids alike",
            |p| p.keys.push(p.keys[0].clone()),
            "Two keys have the id \"k1\"",
        ),
        (
            "both",
            |p| p.keys[0].secret = "s".repeat(40),
            "both a public key and a secret",
        ),
        ("neither", |p| p.keys[0].pem.clear(), "neither a public key"),
        (
            "not PEM",
            |p| p.keys[0].pem = "MIIBIjANBg".into(),
            "not in PEM form",
        ),
        (
            "short secret",
            |p| {
                p.keys[0].pem.clear();
                p.keys[0].secret = "password123".into()
            },
            "is 11 bytes",
        ),
        (
            "bad origin",
            |p| p.origins = vec!["https://x.example/path".into()],
            "",
        ),
        (
            "tolerance",
            |p| p.clock_tolerance_secs = 3600,
            "0 to 300 seconds",
        ),
    ];
    for (case, change, says) in cases {
        let mut input = provider();
        change(&mut input);
        let error = check_provider(&input, &[]).expect_err(case).to_string();
        assert!(error.contains(says), "{case}: {error}");
    }
    // On a change, a key named by id alone keeps its material.
    let mut input = provider();
    input.keys[0].pem.clear();
    assert!(check_provider(&input, &["k1".to_string()]).is_ok());
    // A long secret is taken.
    let mut input = provider();
    input.keys[0].pem.clear();
    input.keys[0].secret = "x".repeat(MIN_SECRET_BYTES);
    assert!(check_provider(&input, &[]).is_ok());
}

const NOW: i64 = 1_800_000_000;

fn claims() -> Claims {
    Claims {
        iss: Some("https://portal.example".into()),
        aud: Some(Audience::One(DEFAULT_AUDIENCE.into())),
        sub: Some("u-42".into()),
        sub_type: Some("user".into()),
        name: Some("Ann Host".into()),
        email: Some("ann@portal.example".into()),
        groups: Some(vec!["Sales".into(), "sales".into(), " North ".into()]),
        exp: Some(NOW + 300),
        nbf: Some(NOW - 10),
        iat: Some(NOW - 10),
        jti: Some("j-1".into()),
    }
}

fn expected() -> Expected<'static> {
    Expected {
        issuer: "https://portal.example",
        audience: DEFAULT_AUDIENCE,
        tolerance_secs: 5,
        now: NOW,
    }
}

#[test]
fn a_good_token_names_its_person_and_groups() {
    let identity = check_claims(claims(), &expected()).unwrap();
    assert_eq!(identity.subject, "u-42");
    assert_eq!(identity.email.as_deref(), Some("ann@portal.example"));
    assert_eq!(identity.name, "Ann Host");
    assert_eq!(
        identity.groups,
        vec!["Sales".to_string(), "North".to_string()],
        "trimmed, one of each"
    );
    assert_eq!(identity.expires_at, (NOW + 300) * 1000);
    // Several audiences, one of them ours; no name: the email stands for it.
    let mut several = claims();
    several.aud = Some(Audience::Many(vec![
        "other".into(),
        DEFAULT_AUDIENCE.into(),
    ]));
    several.name = None;
    assert_eq!(
        check_claims(several, &expected()).unwrap().name,
        "ann@portal.example"
    );
}

#[test]
fn each_wrong_claim_is_refused_with_its_reason() {
    type Change = fn(&mut Claims);
    let cases: Vec<(&str, Change, &str)> = vec![
        (
            "another issuer",
            |c| c.iss = Some("https://evil.example".into()),
            "issuer (iss) is \"https://evil.example\"",
        ),
        ("no issuer", |c| c.iss = None, "issuer (iss) is missing"),
        (
            "wrong audience",
            |c| c.aud = Some(Audience::One("api".into())),
            "audience (aud) must be",
        ),
        ("no audience", |c| c.aud = None, "it is missing"),
        ("no exp", |c| c.exp = None, "no expiry"),
        (
            "no start",
            |c| {
                c.nbf = None;
                c.iat = None
            },
            "neither nbf nor iat",
        ),
        ("a day long", |c| c.exp = Some(NOW + 86_400), "at most 3600"),
        (
            "expired",
            |c| {
                c.nbf = Some(NOW - 100);
                c.iat = None;
                c.exp = Some(NOW - 60)
            },
            "expired 60 seconds ago",
        ),
        ("not yet", |c| c.nbf = Some(NOW + 60), "not valid yet"),
        ("no jti", |c| c.jti = None, "no unique id (jti)"),
        (
            "blank jti",
            |c| c.jti = Some(" ".into()),
            "no unique id (jti)",
        ),
        ("nobody", |c| c.sub = None, "names nobody"),
        (
            "a client",
            |c| c.sub_type = Some("client".into()),
            "subType is \"client\"",
        ),
        (
            "bad email",
            |c| c.email = Some("ann".into()),
            "The token's email",
        ),
        (
            "many groups",
            |c| c.groups = Some((0..101).map(|i| format!("g{i}")).collect()),
            "101 groups",
        ),
        (
            "empty group",
            |c| c.groups = Some(vec!["".into()]),
            "group the token names is empty",
        ),
    ];
    for (case, change, says) in cases {
        let mut token = claims();
        change(&mut token);
        let error = check_claims(token, &expected()).expect_err(case);
        assert_eq!(error.status(), 401, "{case}");
        assert!(error.to_string().contains(says), "{case}: {error}");
    }
    // Within the clock tolerance, just expired and just not yet are taken.
    let mut edge = claims();
    edge.exp = Some(NOW - 4);
    edge.nbf = Some(NOW - 100);
    assert!(check_claims(edge, &expected()).is_ok());
    let mut early = claims();
    early.nbf = Some(NOW + 4);
    assert!(check_claims(early, &expected()).is_ok());
}

#[test]
fn a_provider_with_sites_signs_in_only_embeds_on_them() {
    let sites = vec!["https://portal.example".to_string()];
    let cases: Vec<(&str, &[String], Option<&str>, bool)> = vec![
        (
            "no sites named: any",
            &[],
            Some("https://elsewhere.example"),
            true,
        ),
        ("no sites named, none said", &[], None, true),
        ("its site", &sites, Some("https://portal.example"), true),
        (
            "its site with a slash",
            &sites,
            Some("https://portal.example/"),
            true,
        ),
        ("another site", &sites, Some("https://evil.example"), false),
        (
            "another port",
            &sites,
            Some("https://portal.example:8443"),
            false,
        ),
        ("none said", &sites, None, false),
    ];
    for (case, origins, host, allowed) in cases {
        assert_eq!(check_host_origin(origins, host).is_ok(), allowed, "{case}");
    }
}

#[test]
fn a_tokens_claims_narrow_the_fields_the_issuer_names() {
    use crate::idps::model::Narrowing;
    use serde_json::json;
    let by = |pairs: &[(&str, &str)]| -> Vec<Narrowing> {
        pairs
            .iter()
            .map(|(claim, field)| Narrowing {
                claim: claim.to_string(),
                field: field.to_string(),
            })
            .collect()
    };
    let regions = by(&[("regions", "Region")]);
    let two = by(&[
        ("regions", "Region"),
        ("area", "region"),
        ("segment", "Segment"),
    ]);
    let cases: Vec<(
        &str,
        serde_json::Value,
        &[Narrowing],
        Result<Vec<(&str, Vec<&str>)>, &str>,
    )> = vec![
        (
            "a list",
            json!({"regions": ["South", "North", "North"]}),
            &regions,
            Ok(vec![("Region", vec!["North", "South"])]),
        ),
        (
            "one string",
            json!({"regions": "North"}),
            &regions,
            Ok(vec![("Region", vec!["North"])]),
        ),
        (
            "not carried: nothing narrowed",
            json!({}),
            &regions,
            Ok(vec![]),
        ),
        (
            "an empty list: nothing seen",
            json!({"regions": []}),
            &regions,
            Ok(vec![("Region", vec![])]),
        ),
        (
            "two claims on one field: both narrow it",
            json!({"regions": ["North", "East"], "area": ["East"], "segment": "Retail"}),
            &two,
            Ok(vec![("Region", vec!["East"]), ("Segment", vec!["Retail"])]),
        ),
        (
            "a number",
            json!({"regions": 7}),
            &regions,
            Err("a string or a list of strings"),
        ),
        (
            "a list of numbers",
            json!({"regions": [1, 2]}),
            &regions,
            Err("a string or a list of strings"),
        ),
        (
            "too many values",
            json!({"regions": (0..1001).map(|n| n.to_string()).collect::<Vec<_>>()}),
            &regions,
            Err("at most 1000"),
        ),
    ];
    for (case, claims, narrowing, want) in cases {
        match (narrowing_of(&claims, narrowing), want) {
            (Ok(got), Ok(want)) => {
                let got: Vec<(&str, Vec<&str>)> = got
                    .iter()
                    .map(|(f, v)| (f.as_str(), v.iter().map(String::as_str).collect()))
                    .collect();
                assert_eq!(got, want, "{case}");
            }
            (Err(e), Err(words)) => assert!(e.to_string().contains(words), "{case}: {e}"),
            (got, want) => panic!("{case}: got {got:?}, wanted {want:?}"),
        }
    }
}
