//! A JWT issuer that publishes its keys (a JWKS document at an address) rather than giving them
//! to the tenant admin: its tokens are verified with the key their header names, read from the
//! address; a key it does not publish is refused, saying so; an address that does not answer
//! with keys is refused when the issuer is saved.

use app::auth::principal::RequestInfo;
use app::idps::model::ProviderInput;
use app::idps::service::{self as idps, Purpose};
use serde_json::{json, Value};

use crate::common::TestDb;
use crate::idps::{ann, key_pair, pyjwt, sign, ISSUER};

on_both_databases!(an_issuer_that_publishes_its_keys_is_read_from_its_address);

/// The issuer's site: its keys at `/jwks.json`, nothing elsewhere.
async fn publish(keys: Value) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let site = axum::Router::new().route(
        "/jwks.json",
        axum::routing::get(move || {
            let keys = keys.clone();
            async move { axum::Json(keys) }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, site).await });
    base
}

async fn an_issuer_that_publishes_its_keys_is_read_from_its_address(t: TestDb) {
    let root = t.acme().await;
    let (private, public) = key_pair("ES256");
    let jwk: Value =
        serde_json::from_str(&pyjwt(json!({ "jwk": public, "kid": "published-1" }))).unwrap();
    let site = publish(json!({ "keys": [jwk] })).await;
    let issuer = |jwks_uri: String| ProviderInput {
        description: "Publishes its keys".into(),
        issuer: ISSUER.into(),
        jwks_uri,
        create_users: true,
        active: true,
        ..Default::default()
    };
    let wrong =
        idps::create_identity_provider(&t.state, &root, issuer(format!("{site}/nothing-here")))
            .await;
    let wrong = wrong.unwrap_err().to_string();
    assert!(
        wrong.contains("refused") || wrong.contains("could not be read"),
        "{wrong}"
    );
    let made = idps::create_identity_provider(&t.state, &root, issuer(format!("{site}/jwks.json")))
        .await
        .unwrap();
    assert!(made.keys.is_empty());

    let request = RequestInfo::default();
    let token = sign(
        "ES256",
        &private,
        "published-1",
        &ann(t.state.now(), "p-1", &[]),
    );
    let session = idps::sign_in_with_token(&t.state, &request, &token, Purpose::Portal)
        .await
        .unwrap();
    assert_eq!(session.principal.email, "ann@portal.example");

    // A key it does not publish, and a key it publishes signing a token another issuer names.
    let stray = sign(
        "ES256",
        &private,
        "unpublished",
        &ann(t.state.now(), "p-2", &[]),
    );
    let refused = idps::sign_in_with_token(&t.state, &request, &stray, Purpose::Portal).await;
    assert!(refused
        .err()
        .expect("refused")
        .to_string()
        .contains("publishes no key \"unpublished\""));
    let mut elsewhere = ann(t.state.now(), "p-3", &[]);
    elsewhere["iss"] = json!("https://elsewhere.example");
    let other = sign("ES256", &private, "published-1", &elsewhere);
    let refused = idps::sign_in_with_token(&t.state, &request, &other, Purpose::Portal).await;
    assert!(refused
        .err()
        .expect("refused")
        .to_string()
        .contains("No identity provider of this tenant has a key"));
}
