//! The real server on port 0, driven over HTTP: sign-in, limits, the Origin check, API keys,
//! security headers, roles, the OpenAPI document and unknown routes (the directory's routes:
//! `http_directory`; spaces and shares: `http_sharing`; apps: `http_apps`).

use crate::common::live::{detail, start, PASSWORD};
use crate::common::TestDb;
use reqwest::StatusCode;
use serde_json::{json, Value};

on_both_databases!(
    signing_in_sets_an_http_only_cookie_that_opens_the_portal,
    a_wrong_password_is_refused_and_the_limit_says_when_to_retry,
    a_state_changing_request_from_another_origin_is_refused,
    api_keys_authenticate_the_rest_api,
    roles_openapi_and_unknown_routes,
    every_response_carries_the_security_headers,
);

async fn signing_in_sets_an_http_only_cookie_that_opens_the_portal(t: TestDb) {
    let live = start(t).await;
    let client = live.client();
    let page = client
        .get(live.url("/"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(
        page.status(),
        StatusCode::FOUND,
        "a visitor is sent to the sign-in page"
    );
    assert_eq!(page.headers()["location"], "/login?next=/");
    let deep = client
        .get(live.url("/admin/users?status=invited"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(
        deep.headers()["location"],
        "/login?next=/admin/users%3Fstatus%3Dinvited",
        "the visitor comes back where they were going"
    );

    let response = live.sign_in(&client, "ROOT@acme.test", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        cookie.starts_with("sightline_session=")
            && cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"), "plain http in tests");

    let home = client.get(live.url("/")).send().await.unwrap();
    assert_eq!(home.status(), StatusCode::OK);
    let html = home.text().await.unwrap();
    assert!(
        html.contains("Welcome, Root") && html.contains("Acme"),
        "{html}"
    );
    let me: Value = client
        .get(live.url("/api/v1/users/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["email"], "root@acme.test");

    let out = client
        .post(live.url("/api/sign_out"))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::OK);
    assert_eq!(
        client
            .get(live.url("/api/v1/users/me"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );
}

async fn a_wrong_password_is_refused_and_the_limit_says_when_to_retry(t: TestDb) {
    let live = start(t).await;
    let client = live.client();
    for _ in 0..5 {
        let wrong = live
            .sign_in(&client, "root@acme.test", "not the password")
            .await;
        assert_eq!(wrong.status(), StatusCode::BAD_REQUEST);
        assert!(wrong.text().await.unwrap().contains("do not match"));
    }
    let locked = live.sign_in(&client, "root@acme.test", PASSWORD).await;
    assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(locked.headers()["retry-after"], "900");
    assert!(locked
        .text()
        .await
        .unwrap()
        .contains("Try again in 15 minutes"));
    let empty = live.sign_in(&client, "", "").await;
    assert_eq!(empty.status(), StatusCode::BAD_REQUEST);
}

async fn a_state_changing_request_from_another_origin_is_refused(t: TestDb) {
    let live = start(t).await;
    let client = live.client();
    let form = [("email", "root@acme.test"), ("password", PASSWORD)];
    let evil = client
        .post(live.url("/api/sign_in"))
        .header("origin", "https://evil.example")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(evil.status(), StatusCode::FORBIDDEN);
    let body: Value = evil.json().await.unwrap();
    assert!(detail(&body).contains("another site"));
    let cross = client
        .post(live.url("/api/sign_in"))
        .header("sec-fetch-site", "cross-site")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), StatusCode::FORBIDDEN);
    let (status, _) = live
        .api(reqwest::Method::GET, "/api/v1/users/me", None)
        .await;
    assert_eq!(status, StatusCode::OK, "reading is never refused");
    let same = client
        .post(live.url("/api/sign_in"))
        .header("origin", live.base.clone())
        .header("accept", "application/json")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(same.status(), StatusCode::OK);
}

async fn api_keys_authenticate_the_rest_api(t: TestDb) {
    let live = start(t).await;
    let (status, me) = live
        .api(reqwest::Method::GET, "/api/v1/users/me", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["assignedRoles"][0]["name"], "TenantAdmin");
    assert_eq!(me["assignedRoles"][0]["level"], "admin");

    let client = live.client();
    let wrong = client
        .get(live.url("/api/v1/users/me"))
        .bearer_auth("sl_0000")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.headers()["www-authenticate"], "Bearer");
    let body: Value = wrong.json().await.unwrap();
    assert_eq!(body["errors"][0]["status"], "401");
    assert!(detail(&body).contains("Authorization: Bearer"));
    let none = client.get(live.url("/api/v1/users")).send().await.unwrap();
    assert_eq!(none.status(), StatusCode::UNAUTHORIZED);
}

async fn roles_openapi_and_unknown_routes(t: TestDb) {
    use reqwest::Method;
    let live = start(t).await;
    let (_, roles) = live.api(Method::GET, "/api/v1/roles", None).await;
    let admin = roles["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "TenantAdmin")
        .unwrap()
        .clone();
    assert!(admin["permissions"]
        .as_array()
        .unwrap()
        .contains(&json!("manage_directory")));
    let (status, one) = live
        .api(
            Method::GET,
            &format!("/api/v1/roles/{}", admin["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(one["type"], "default");

    let doc: Value = live
        .client()
        .get(live.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for (path, methods) in [
        ("/api/v1/users/me", &["get"][..]),
        ("/api/v1/users", &["get", "post"]),
        ("/api/v1/users/{id}", &["get", "patch", "delete"]),
        ("/api/v1/groups", &["get", "post"]),
        ("/api/v1/groups/{id}", &["get", "patch", "delete"]),
        ("/api/v1/roles", &["get"]),
        ("/api/v1/roles/{id}", &["get"]),
    ] {
        for method in methods {
            assert!(
                paths[path].get(*method).is_some(),
                "{method} {path} missing from the OpenAPI document"
            );
        }
    }
    let (status, missing) = live.api(Method::GET, "/api/v1/nothing-here", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(detail(&missing).contains("openapi.json"));
}

async fn every_response_carries_the_security_headers(t: TestDb) {
    let live = start(t).await;
    let client = live.client();
    for path in ["/login", "/healthz", "/api/v1/users/me", "/no-such-page"] {
        let response = client.get(live.url(path)).send().await.unwrap();
        let headers = response.headers();
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self' 'nonce-"),
            "{path}: {csp}"
        );
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(
            headers["referrer-policy"], "strict-origin-when-cross-origin",
            "{path}"
        );
    }
    let login = client.get(live.url("/login")).send().await.unwrap();
    let csp = login.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .unwrap()
        .split('\'')
        .next()
        .unwrap()
        .to_string();
    let html = login.text().await.unwrap();
    assert!(
        html.contains(&format!("nonce=\"{nonce}\"")),
        "the page's script carries the header's nonce"
    );
    assert_eq!(
        client
            .get(live.url("/no-such-page"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
    let health = client.get(live.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
}
