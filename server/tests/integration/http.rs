//! The real server on port 0, driven over HTTP: sign-in, limits, the Origin check, API keys,
//! security headers, and every REST route with its error paths.

use crate::common::live::{detail, start, PASSWORD};
use crate::common::TestDb;
use reqwest::StatusCode;
use serde_json::{json, Value};

on_both_databases!(
    signing_in_sets_an_http_only_cookie_that_opens_the_portal,
    a_wrong_password_is_refused_and_the_limit_says_when_to_retry,
    a_state_changing_request_from_another_origin_is_refused,
    api_keys_authenticate_the_rest_api,
    the_users_routes_work_and_explain_bad_input,
    the_groups_routes_work_and_explain_bad_input,
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

async fn the_users_routes_work_and_explain_bad_input(t: TestDb) {
    use reqwest::Method;
    let live = start(t).await;
    let (status, group) = live
        .api(
            Method::POST,
            "/api/v1/groups",
            Some(json!({"name": "Finance"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{group}");

    let (status, created) = live
        .api(Method::POST, "/api/v1/users", Some(json!({"name": "Ada", "email": "ada@example.com", "assignedGroups": [{"name": "finance"}]})))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["status"], "invited");
    assert!(created["inviteUrl"].as_str().unwrap().contains("/invite/"));
    assert_eq!(created["assignedGroups"][0]["name"], "Finance");
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(id.len(), 24);

    let users_before = live.t.count("SELECT COUNT(*) FROM users").await;
    let cases: Vec<(Value, StatusCode, &str)> = vec![
        (
            json!({"name": "Ada", "email": "ADA@example.com"}),
            StatusCode::CONFLICT,
            "already exists",
        ),
        (
            json!({"name": "Bo", "email": "bo-at-example"}),
            StatusCode::BAD_REQUEST,
            "has no @",
        ),
        (
            json!({"name": "", "email": "bo@example.com"}),
            StatusCode::BAD_REQUEST,
            "must not be empty",
        ),
        (
            json!({"name": "x".repeat(201), "email": "bo@example.com"}),
            StatusCode::BAD_REQUEST,
            "at most 200",
        ),
        (
            json!({"name": "Bo", "email": "bo@example.com", "assignedRoles": [{"name": "Wizard"}]}),
            StatusCode::BAD_REQUEST,
            "no role named \"Wizard\"",
        ),
        (
            json!({"name": "Bo", "email": "bo@example.com", "assignedGroups": [{"id": "nope"}]}),
            StatusCode::BAD_REQUEST,
            "no group with id nope",
        ),
        (
            json!({"name": "Bo", "email": "bo@example.com", "status": "active"}),
            StatusCode::BAD_REQUEST,
            "starts as invited",
        ),
        (
            json!({"name": "Bo", "email": "bo@example.com", "colour": "red"}),
            StatusCode::BAD_REQUEST,
            "unknown field `colour`",
        ),
        (
            json!({"name": "Bo"}),
            StatusCode::BAD_REQUEST,
            "Send the user's email",
        ),
        (
            json!({"subject": "auth0|1234", "name": "Bo"}),
            StatusCode::BAD_REQUEST,
            "Send the user's email",
        ),
    ];
    for (body, status, fragment) in cases {
        live.expect_refusal(Method::POST, "/api/v1/users", body, status, fragment)
            .await;
    }
    assert_eq!(
        live.t.count("SELECT COUNT(*) FROM users").await,
        users_before,
        "nothing half-written"
    );

    let client = live.client();
    let malformed = client
        .post(live.url("/api/v1/users"))
        .bearer_auth(&live.key)
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
    assert!(detail(&malformed.json().await.unwrap()).contains("not valid JSON"));
    let text = client
        .post(live.url("/api/v1/users"))
        .bearer_auth(&live.key)
        .header("content-type", "text/plain")
        .body("name=Bo")
        .send()
        .await
        .unwrap();
    assert_eq!(text.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(detail(&text.json().await.unwrap()).contains("Content-Type: application/json"));

    let (status, got) = live
        .api(Method::GET, &format!("/api/v1/users/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        got["links"]["self"]["href"],
        format!("http://sightline.test/api/v1/users/{id}")
    );
    let (status, missing) = live
        .api(Method::GET, "/api/v1/users/000000000000000000000000", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(missing["errors"][0]["code"], "SIGHTLINE-NOT-FOUND");

    // Paging: follow links.next to the end.
    for i in 0..5 {
        live.api(
            Method::POST,
            "/api/v1/users",
            Some(json!({"name": format!("Pager {i}"), "email": format!("p{i}@example.com")})),
        )
        .await;
    }
    let mut next = Some(live.url("/api/v1/users?limit=3"));
    let mut names = Vec::new();
    while let Some(url) = next {
        let page: Value = live
            .client()
            .get(url.replace("http://sightline.test", &live.base))
            .bearer_auth(&live.key)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        names.extend(
            page["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|u| u["name"].as_str().unwrap().to_string()),
        );
        next = page["links"]["next"]["href"].as_str().map(str::to_string);
    }
    assert_eq!(names.len(), 7, "{names:?}");
    let (_, filtered) = live
        .api(
            Method::GET,
            "/api/v1/users?filter=email%20eq%20%22ada%40example.com%22",
            None,
        )
        .await;
    assert_eq!(filtered["data"].as_array().unwrap().len(), 1);
    let (status, bad_filter) = live
        .api(Method::GET, "/api/v1/users?filter=age%20gt%20%223%22", None)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(detail(&bad_filter).contains("not supported"));
    let (status, _) = live.api(Method::GET, "/api/v1/users?limit=0", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, bad_limit) = live
        .api(Method::GET, "/api/v1/users?limit=many", None)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(detail(&bad_limit).contains("query parameters"));
    let (status, _) = live
        .api(Method::GET, "/api/v1/users?status=asleep", None)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // PATCH: several operations land together, or none does.
    let patch = json!([
        {"op": "replace", "path": "/name", "value": "Ada Lovelace"},
        {"op": "add", "path": "/assignedRoles", "value": [{"name": "AnalyticsAdmin"}]},
        {"op": "remove", "path": "/assignedGroups", "value": [{"id": group["id"]}]},
    ]);
    let (status, answer) = live
        .api(Method::PATCH, &format!("/api/v1/users/{id}"), Some(patch))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{answer}");
    let (_, got) = live
        .api(Method::GET, &format!("/api/v1/users/{id}"), None)
        .await;
    assert_eq!(got["name"], "Ada Lovelace");
    assert_eq!(got["assignedRoles"][0]["name"], "AnalyticsAdmin");
    assert_eq!(got["assignedGroups"], json!([]));
    let patch_cases: Vec<(Value, &str)> = vec![
        (
            json!([{"op": "replace", "path": "/email", "value": "x@y.z"}]),
            "cannot be patched",
        ),
        (
            json!([{"op": "move", "path": "/name", "value": "x"}]),
            "not supported",
        ),
        (
            json!([{"op": "replace", "path": "/name", "value": 7}]),
            "must be a string",
        ),
        (
            json!([{"op": "replace", "path": "/name", "value": "Kept?"}, {"op": "replace", "path": "/status", "value": "gone"}]),
            "active, invited or disabled",
        ),
        (json!({"op": "replace"}), "expected fields"),
    ];
    for (body, fragment) in patch_cases {
        live.expect_refusal(
            Method::PATCH,
            &format!("/api/v1/users/{id}"),
            body,
            StatusCode::BAD_REQUEST,
            fragment,
        )
        .await;
    }
    let (_, got) = live
        .api(Method::GET, &format!("/api/v1/users/{id}"), None)
        .await;
    assert_eq!(
        got["name"], "Ada Lovelace",
        "a refused patch changes nothing"
    );

    let root_id = live.api(Method::GET, "/api/v1/users/me", None).await.1["id"]
        .as_str()
        .unwrap()
        .to_string();
    let last_admin = json!([{"op": "replace", "path": "/assignedRoles", "value": []}]);
    live.expect_refusal(
        Method::PATCH,
        &format!("/api/v1/users/{root_id}"),
        last_admin,
        StatusCode::CONFLICT,
        "without an active tenant admin",
    )
    .await;

    let (status, _) = live
        .api(Method::DELETE, &format!("/api/v1/users/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = live
        .api(Method::DELETE, &format!("/api/v1/users/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn the_groups_routes_work_and_explain_bad_input(t: TestDb) {
    use reqwest::Method;
    let live = start(t).await;
    let (status, custom) = live.api(Method::GET, "/api/v1/roles", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        custom["data"].as_array().unwrap().len(),
        3,
        "TenantAdmin, AnalyticsAdmin, User Default"
    );

    let (status, group) = live.api(Method::POST, "/api/v1/groups", Some(json!({"name": "Sales", "description": "Sellers", "assignedRoles": [{"name": "AnalyticsAdmin"}]}))).await;
    assert_eq!(status, StatusCode::CREATED, "{group}");
    assert_eq!(group["providerType"], "custom");
    assert_eq!(group["assignedRoles"][0]["name"], "AnalyticsAdmin");
    let id = group["id"].as_str().unwrap().to_string();

    let cases: Vec<(Value, StatusCode, &str)> = vec![
        (
            json!({"name": "sales"}),
            StatusCode::CONFLICT,
            "already exists",
        ),
        (
            json!({"name": " "}),
            StatusCode::BAD_REQUEST,
            "must not be empty",
        ),
        (
            json!({"name": "Big", "description": "d".repeat(1001)}),
            StatusCode::BAD_REQUEST,
            "at most 1000",
        ),
        (
            json!({"name": "X", "status": "disabled"}),
            StatusCode::BAD_REQUEST,
            "always active",
        ),
        (
            json!({"name": "X", "assignedRoles": [{"name": "User Default"}]}),
            StatusCode::BAD_REQUEST,
            "cannot be assigned",
        ),
    ];
    for (body, status, fragment) in cases {
        live.expect_refusal(Method::POST, "/api/v1/groups", body, status, fragment)
            .await;
    }

    let (status, list) = live
        .api(Method::GET, "/api/v1/groups?search=sal", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["data"][0]["name"], "Sales");
    let (status, _) = live.api(Method::PATCH, &format!("/api/v1/groups/{id}"), Some(json!([{"op": "replace", "path": "/name", "value": "Sales EMEA"}, {"op": "replace", "path": "/assignedRoles", "value": []}]))).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, got) = live
        .api(Method::GET, &format!("/api/v1/groups/{id}"), None)
        .await;
    assert_eq!(got["name"], "Sales EMEA");
    assert_eq!(got["assignedRoles"], json!([]));
    let members = json!([{"op": "replace", "path": "/members", "value": []}]);
    live.expect_refusal(
        Method::PATCH,
        &format!("/api/v1/groups/{id}"),
        members,
        StatusCode::BAD_REQUEST,
        "cannot be patched",
    )
    .await;
    let (status, _) = live
        .api(Method::DELETE, &format!("/api/v1/groups/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = live
        .api(Method::GET, &format!("/api/v1/groups/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
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
