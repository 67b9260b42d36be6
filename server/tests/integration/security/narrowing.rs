//! A host site's token narrows its user's section access, never widens it (the identity
//! issue): the issuer names a claim (`regions`) that narrows a field (`Region`); the rows a
//! person sees through a token are those both their own rules and the token's values allow, on
//! the token's portal session and on an embed's header session alike, and a token cannot give
//! rows to someone their rules give none.

use super::*;
use app::idps::model::{KeyInput, Narrowing, ProviderInput};
use app::idps::service::{self as idps, Purpose};
use serde_json::json;

const SECRET: &str = "a-long-shared-secret-of-forty-bytes-0000";

fn token(t: &TestDb, who: &Principal, jti: &str, regions: Option<serde_json::Value>) -> String {
    let mut claims = crate::idps::ann(t.state.now(), jti, &[]);
    claims["sub"] = json!(who.user_id);
    claims["email"] = json!(who.email);
    if let Some(regions) = regions {
        claims["regions"] = regions;
    }
    crate::idps::sign("HS256", SECRET, "site", &claims)
}

async fn a_tokens_claims_narrow_section_access_and_never_widen_it(t: TestDb) {
    let w = world(&t).await;
    publish_rules(
        &t,
        &w,
        vec![
            rule("user", &w.pat.user_id, "North, South"),
            rule("user", &w.anna.user_id, "North"),
        ],
    )
    .await;
    let own = sees(&t, &w.pat, &w.app.id).await;
    assert!(
        own > NORTH && own < ALL,
        "Pat's rules: North and South ({own})"
    );
    let site = ProviderInput {
        description: "Customer portal".into(),
        issuer: crate::idps::ISSUER.into(),
        keys: vec![KeyInput {
            kid: "site".into(),
            secret: SECRET.into(),
            ..Default::default()
        }],
        narrowing: vec![Narrowing {
            claim: "regions".into(),
            field: "Region".into(),
        }],
        active: true,
        ..Default::default()
    };
    idps::create_identity_provider(&t.state, &w.admin, site)
        .await
        .unwrap();
    let request = RequestInfo::default();

    // The token allows North and East: Pat sees North, what both allow; East is not hers.
    let narrowed = token(&t, &w.pat, "n-1", Some(json!(["North", "East"])));
    let portal = idps::sign_in_with_token(&t.state, &request, &narrowed, Purpose::Portal)
        .await
        .unwrap();
    assert_eq!(sees(&t, &portal.principal, &w.app.id).await, NORTH);
    let cookie = format!("sightline_session={}", portal.secret);
    let again = auth::authenticate(&t.state, Some(&cookie), None)
        .await
        .unwrap()
        .expect("the session signs her in");
    assert_eq!(
        sees(&t, &again, &w.app.id).await,
        NORTH,
        "the session keeps the narrowing"
    );

    // What would show others more than she sees here is refused to her narrowed session.
    forbidden_with(
        anonymous::create_link(&t.state, &again, &w.app.id, "For partners").await,
        "narrows the rows you see",
    );
    forbidden_with(
        anonymous::set_anonymous_access(&t.state, &again, &w.app.id, true).await,
        "narrows the rows you see",
    );
    forbidden_with(
        app::collab::service::start_session(
            &t.state,
            &again,
            &w.app.id,
            None,
            app::collab::model::Mode::SignedIn,
        )
        .await,
        "narrows the rows you see",
    );

    // An embed's header session, the same.
    let embed = idps::sign_in_with_token(
        &t.state,
        &request,
        &token(&t, &w.pat, "n-2", Some(json!("North"))),
        Purpose::Embed {
            renew: None,
            host: None,
        },
    )
    .await
    .unwrap();
    let bearer = format!("Bearer {}", embed.secret);
    let through_header = auth::authenticate(&t.state, None, Some(&bearer))
        .await
        .unwrap()
        .expect("the header signs her in");
    assert_eq!(sees(&t, &through_header, &w.app.id).await, NORTH);

    // A token without the claim narrows nothing: her own rules, no more.
    let plain = idps::sign_in_with_token(
        &t.state,
        &request,
        &token(&t, &w.pat, "n-3", None),
        Purpose::Portal,
    )
    .await
    .unwrap();
    assert_eq!(sees(&t, &plain.principal, &w.app.id).await, own);

    // Never wider: Ali, whom no rule names, sees nothing whatever the token says; a claim that
    // is no list of strings is refused.
    let ali = idps::sign_in_with_token(
        &t.state,
        &request,
        &token(&t, &w.ali, "n-4", Some(json!(["North", "South", "East"]))),
        Purpose::Portal,
    )
    .await
    .unwrap();
    assert_eq!(sees(&t, &ali.principal, &w.app.id).await, 0.0);
    let refused = idps::sign_in_with_token(
        &t.state,
        &request,
        &token(&t, &w.pat, "n-5", Some(json!({"any": true}))),
        Purpose::Portal,
    )
    .await;
    assert!(refused
        .err()
        .expect("refused")
        .to_string()
        .contains("must be a string or a list of strings"));
}

on_both_databases!(a_tokens_claims_narrow_section_access_and_never_widen_it);
