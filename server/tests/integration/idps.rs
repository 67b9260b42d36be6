//! Identity providers, as the identity issue tells them: a tenant admin registers a host site's
//! issuer and its public key; the host's backend signs a short token for its user (with PyJWT,
//! not the library that verifies it); the token signs that user in once, made on first use,
//! with the groups it names, for a portal session or an embed's header session. Every wrong
//! token is refused with its reason, and deleting the provider ends its sessions.

use app::auth::principal::RequestInfo;
use app::directory::model::NewGroup;
use app::directory::service as directory;
use app::error::AppError;
use app::idps::model::{KeyInput, KeyKind, ProviderInput};
use app::idps::service::{self as idps, Purpose};
use serde_json::{json, Value};

use crate::common::TestDb;

on_both_databases!(
    a_hosts_token_signs_its_user_in_once_with_their_groups,
    wrong_tokens_are_refused_each_with_its_reason,
    the_login_routes_give_a_cookie_or_a_header_session,
);

/// Asks PyJWT (`server/tests/tools/sign_jwt.py`).
pub(crate) fn pyjwt(request: Value) -> String {
    use std::io::Write;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/tools/sign_jwt.py");
    let mut child = std::process::Command::new("python3")
        .arg(script)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs (scripts/setup.sh installs PyJWT)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(request.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "PyJWT failed");
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// A key pair made by PyJWT's `cryptography`: (private, public) PEM.
pub(crate) fn key_pair(alg: &str) -> (String, String) {
    let keys: Value = serde_json::from_str(&pyjwt(json!({ "keygen": alg }))).unwrap();
    (
        keys["private"].as_str().unwrap().to_string(),
        keys["public"].as_str().unwrap().to_string(),
    )
}

/// A request's answer as JSON.
pub(crate) async fn json_of(request: reqwest::RequestBuilder) -> Value {
    request.send().await.unwrap().json().await.unwrap()
}

pub(crate) const ISSUER: &str = "https://portal.example";

/// The claims a host signs for Ann, valid for five minutes from `now` (Unix ms).
pub(crate) fn ann(now: i64, jti: &str, groups: &[&str]) -> Value {
    let now = now / 1000;
    json!({
        "iss": ISSUER, "aud": "qlik.api/login/jwt-session", "sub": "portal-user-1",
        "subType": "user", "name": "Ann Host", "email": "ann@portal.example",
        "groups": groups, "iat": now - 5, "nbf": now - 5, "exp": now + 300, "jti": jti,
    })
}

pub(crate) fn sign(alg: &str, key: &str, kid: &str, claims: &Value) -> String {
    pyjwt(json!({ "alg": alg, "key": key, "kid": kid, "claims": claims }))
}

pub(crate) fn provider(public: &str) -> ProviderInput {
    ProviderInput {
        description: "Our customer portal".into(),
        issuer: ISSUER.into(),
        keys: vec![KeyInput {
            kid: "portal-2026".into(),
            pem: public.into(),
            secret: String::new(),
        }],
        origins: vec!["https://portal.example".into()],
        create_users: true,
        active: true,
        ..Default::default()
    }
}

async fn a_hosts_token_signs_its_user_in_once_with_their_groups(t: TestDb) {
    let root = t.acme().await;
    let (private, public) = key_pair("RS256");
    // Only a tenant admin registers an issuer.
    let bob = t.active_user(&root, "Bob").await;
    let refused = idps::create_identity_provider(&t.state, &bob, provider(&public)).await;
    assert!(
        matches!(refused, Err(AppError::Forbidden(_))),
        "{refused:?}"
    );
    let registered = idps::create_identity_provider(&t.state, &root, provider(&public))
        .await
        .unwrap();
    assert_eq!(
        registered.keys[0].kind,
        KeyKind::Rs256,
        "told from the key itself"
    );
    assert_eq!(registered.audience, "qlik.api/login/jwt-session");

    // Ann's first token: her account is made, in the group the token names.
    let token = sign(
        "RS256",
        &private,
        "portal-2026",
        &ann(t.state.now(), "j-1", &["Sales"]),
    );
    let request = RequestInfo::default();
    let session = idps::sign_in_with_token(&t.state, &request, &token, Purpose::Portal)
        .await
        .unwrap();
    assert_eq!(session.principal.name, "Ann Host");
    assert_eq!(session.principal.email, "ann@portal.example");
    let ann_id = session.principal.user_id.clone();
    let groups_of_ann = || async {
        let mut names: Vec<String> = sqlx::query_scalar(
            "SELECT g.name FROM group_members m JOIN user_groups g ON g.id = m.group_id WHERE m.user_id = $1",
        )
        .bind(&ann_id)
        .fetch_all(&t.state.db)
        .await
        .unwrap();
        names.sort();
        names
    };
    assert_eq!(groups_of_ann().await, vec!["Sales".to_string()]);

    // The same token again is a replay.
    let replay = idps::sign_in_with_token(&t.state, &request, &token, Purpose::Portal)
        .await
        .err()
        .expect("a replay is refused");
    assert!(replay.to_string().contains("was used already"), "{replay}");

    // An admin puts Ann in Managers by hand; her next token names no group: the provider's
    // Sales goes, the admin's Managers stays. She is the same user (by the provider's subject).
    let managers = directory::create_group(
        &t.state,
        &root,
        NewGroup {
            name: "Managers".into(),
            description: String::new(),
            role_ids: vec![],
        },
    )
    .await
    .unwrap();
    directory::add_group_member(&t.state, &root, &managers.id, &ann_id)
        .await
        .unwrap();
    let mut renamed = ann(t.state.now(), "j-2", &[]);
    renamed["name"] = json!("Ann Host-Berg");
    let token = sign("RS256", &private, "portal-2026", &renamed);
    let again = idps::sign_in_with_token(&t.state, &request, &token, Purpose::Portal)
        .await
        .unwrap();
    assert_eq!(again.principal.user_id, ann_id);
    assert_eq!(
        again.principal.name, "Ann Host-Berg",
        "the site's name for her, kept in step"
    );
    assert_eq!(groups_of_ann().await, vec!["Managers".to_string()]);

    // An embed's session: a header secret, never a cookie, ending with the token.
    let token = sign(
        "RS256",
        &private,
        "portal-2026",
        &ann(t.state.now(), "j-3", &[]),
    );
    let embed = idps::sign_in_with_token(
        &t.state,
        &request,
        &token,
        Purpose::Embed {
            renew: None,
            host: Some(ISSUER.into()),
        },
    )
    .await
    .unwrap();
    assert!(embed.secret.starts_with(app::idps::EMBED_TOKEN_PREFIX));
    let header = format!("Bearer {}", embed.secret);
    let cookie = format!("{}={}", app::auth::SESSION_COOKIE, embed.secret);
    let by_header = app::auth::service::authenticate(&t.state, None, Some(&header))
        .await
        .unwrap();
    assert_eq!(by_header.map(|p| p.user_id), Some(ann_id.clone()));
    let by_cookie = app::auth::service::authenticate(&t.state, Some(&cookie), None)
        .await
        .unwrap();
    assert!(by_cookie.is_none(), "an embed's secret is no cookie");
    let portal_cookie = format!("{}={}", app::auth::SESSION_COOKIE, again.secret);
    assert!(
        app::auth::service::authenticate(&t.state, Some(&portal_cookie), None)
            .await
            .unwrap()
            .is_some()
    );
    t.clock.advance_ms(301 * 1000);
    let expired = app::auth::service::authenticate(&t.state, None, Some(&header))
        .await
        .unwrap();
    assert!(
        expired.is_none(),
        "the embed's session ended with its token"
    );

    // Deleting the provider ends the sessions its tokens opened; the users it made stay.
    idps::delete_identity_provider(&t.state, &root, &registered.id)
        .await
        .unwrap();
    assert!(
        app::auth::service::authenticate(&t.state, Some(&portal_cookie), None)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        t.count("SELECT COUNT(*) FROM audit_events WHERE action = 'auth.sign_in_token'")
            .await,
        3
    );
    assert_eq!(
        t.count("SELECT COUNT(*) FROM audit_events WHERE action LIKE 'identity_provider.%'")
            .await,
        2
    );
}

async fn wrong_tokens_are_refused_each_with_its_reason(t: TestDb) {
    let root = t.acme().await;
    let (private, public) = key_pair("ES256");
    let (other_private, _) = key_pair("ES256");
    let mut input = provider(&public);
    input.create_users = false;
    idps::create_identity_provider(&t.state, &root, input)
        .await
        .unwrap();
    let now = t.state.now();
    let request = RequestInfo::default();
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "another key, same kid",
            sign("ES256", &other_private, "portal-2026", &ann(now, "a", &[])),
            "does not match key \"portal-2026\"",
        ),
        (
            "an unknown kid",
            sign("ES256", &private, "stolen", &ann(now, "b", &[])),
            "No identity provider of this tenant has a key \"stolen\"",
        ),
        (
            "a wrong audience",
            sign("ES256", &private, "portal-2026", &{
                let mut c = ann(now, "c", &[]);
                c["aud"] = json!("https://elsewhere");
                c
            }),
            "audience (aud) must be",
        ),
        (
            "expired",
            sign("ES256", &private, "portal-2026", &{
                let mut c = ann(now - 600_000, "d", &[]);
                c["exp"] = json!(now / 1000 - 60);
                c
            }),
            "expired 60 seconds ago",
        ),
        (
            "an unregistered issuer",
            sign("ES256", &private, "portal-2026", &{
                let mut c = ann(now, "e", &[]);
                c["iss"] = json!("https://evil.example");
                c
            }),
            "issuer (iss) is \"https://evil.example\"",
        ),
        (
            "not a token",
            "not.a.token".to_string(),
            "not a signed token",
        ),
        (
            "someone unknown, no accounts made",
            sign("ES256", &private, "portal-2026", &ann(now, "f", &[])),
            "ann@portal.example has no account in this tenant",
        ),
    ];
    for (case, token, says) in cases {
        let error = idps::sign_in_with_token(
            &t.state,
            &request,
            &token,
            Purpose::Embed {
                renew: None,
                host: Some(ISSUER.into()),
            },
        )
        .await
        .err()
        .unwrap_or_else(|| panic!("{case}: taken"));
        assert!(error.to_string().contains(says), "{case}: {error}");
    }
    assert_eq!(
        t.count("SELECT COUNT(*) FROM sessions WHERE kind = 'embed'")
            .await,
        0
    );
    // A good token given by a page on a site the provider does not name: refused before it is
    // used, so the right site may still use it.
    let token = sign("ES256", &private, "portal-2026", &ann(now, "site", &[]));
    for host in [Some("https://evil.example".to_string()), None] {
        let error = idps::sign_in_with_token(
            &t.state,
            &request,
            &token,
            Purpose::Embed { renew: None, host },
        )
        .await
        .err()
        .expect("refused");
        assert!(
            error.to_string().contains("lets embed")
                || error.to_string().contains("did not say which site"),
            "{error}"
        );
    }
    // A short HS256 secret is refused when the issuer is registered, with why.
    let mut weak = provider("");
    weak.keys[0].pem.clear();
    weak.keys[0].secret = "hunter2".into();
    let refused = idps::create_identity_provider(&t.state, &root, weak)
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("at least 32"), "{refused}");
    // A private key given by mistake is refused too.
    let mut private_given = provider(&private);
    private_given.issuer = "https://other.example".into();
    let refused = idps::create_identity_provider(&t.state, &root, private_given)
        .await
        .unwrap_err();
    assert!(
        refused.to_string().contains("not the private one"),
        "{refused}"
    );
}

/// Over HTTP: Qlik's `/login/jwt-session` answers with the portal's cookie; the embed's
/// `/login/embed-session` with a secret that works in a header, and not as a cookie; a refused
/// token answers 401 with its reason in Qlik's error body.
async fn the_login_routes_give_a_cookie_or_a_header_session(t: TestDb) {
    let live = crate::common::live::start(t).await;
    let (private, public) = key_pair("RS256");
    // Registered through Qlik's REST shape, with a shared secret beside the public key.
    let admin = reqwest::Client::new();
    let made = admin
        .post(live.url("/api/v1/identity-providers"))
        .bearer_auth(&live.key)
        .json(&json!({
            "provider": "external", "protocol": "jwtAuth", "interactive": false, "active": true,
            "description": "Our customer portal", "clockToleranceSec": 5,
            "options": {
                "issuer": ISSUER,
                "staticKeys": [
                    { "kid": "portal-2026", "pem": public },
                    { "kid": "shared", "secret": "a-long-shared-secret-of-forty-bytes-0000" }
                ],
                "createNewUsersOnLogin": true
            }
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(made.status(), 201);
    let made: Value = made.json().await.unwrap();
    let id = made["id"].as_str().unwrap().to_string();
    assert_eq!(made["options"]["audience"], "qlik.api/login/jwt-session");
    let listed = admin
        .get(live.url("/api/v1/identity-providers"))
        .bearer_auth(&live.key)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        listed.contains("portal-2026") && listed.contains("\"shared\""),
        "{listed}"
    );
    assert!(
        !listed.contains("forty-bytes"),
        "a secret is never read back: {listed}"
    );
    let now = live.t.state.now();
    let token = sign(
        "RS256",
        &private,
        "portal-2026",
        &ann(now, "h-1", &["Sales"]),
    );
    let client = live.client();
    let signed_in = client
        .post(live.url("/login/jwt-session"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 200);
    assert!(signed_in.headers().get("set-cookie").is_some());
    // The cookie signs the client in: the portal knows Ann.
    let me = json_of(client.post(live.url("/api/get_current_user"))).await;
    assert_eq!(me["name"], "Ann Host", "{me}");

    let token = sign("RS256", &private, "portal-2026", &ann(now, "h-2", &[]));
    let fresh = reqwest::Client::new();
    let embed = json_of(
        fresh
            .post(live.url("/login/embed-session"))
            .bearer_auth(&token),
    )
    .await;
    let secret = embed["token"].as_str().unwrap().to_string();
    assert!(embed["expires_at"].as_i64().unwrap() > now);
    let me = json_of(
        fresh
            .post(live.url("/api/get_current_user"))
            .bearer_auth(&secret),
    )
    .await;
    assert_eq!(
        me["name"], "Ann Host",
        "the header signs the embed in: {me}"
    );
    let as_cookie = json_of(
        fresh
            .post(live.url("/api/get_current_user"))
            .header("cookie", format!("{}={secret}", app::auth::SESSION_COOKIE)),
    )
    .await;
    assert!(
        as_cookie.is_null(),
        "an embed's secret is no cookie: {as_cookie}"
    );

    // The embed going away (its page's beacon) ends the session.
    let ended = fresh
        .post(live.url("/login/embed-session/end"))
        .body(secret.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(ended.status(), 204);
    let me = json_of(
        fresh
            .post(live.url("/api/get_current_user"))
            .bearer_auth(&secret),
    )
    .await;
    assert!(me.is_null(), "the embed's session ended: {me}");

    // The same token again: 401, with why.
    let replay = fresh
        .post(live.url("/login/embed-session"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), 401);
    let body: Value = replay.json().await.unwrap();
    let detail = body["errors"][0]["detail"].as_str().unwrap_or_default();
    assert!(detail.contains("was used already"), "{body}");

    // The HS256 key signs too; then the provider is turned off, and its sessions end.
    let shared = sign(
        "HS256",
        "a-long-shared-secret-of-forty-bytes-0000",
        "shared",
        &ann(now, "h-3", &[]),
    );
    let embed = json_of(
        fresh
            .post(live.url("/login/embed-session"))
            .bearer_auth(&shared),
    )
    .await;
    let secret = embed["token"].as_str().expect("a session").to_string();
    let off = admin
        .patch(live.url(&format!("/api/v1/identity-providers/{id}")))
        .bearer_auth(&live.key)
        .json(&json!([{ "op": "replace", "path": "/active", "value": false }]))
        .send()
        .await
        .unwrap();
    assert_eq!(off.status(), 204);
    let me = json_of(
        fresh
            .post(live.url("/api/get_current_user"))
            .bearer_auth(&secret),
    )
    .await;
    assert!(
        me.is_null(),
        "turning the provider off ended its sessions: {me}"
    );
}
