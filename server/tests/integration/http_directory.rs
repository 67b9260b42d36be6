//! The REST routes of the directory against the real server, on SQLite and PostgreSQL: users
//! and groups, each route and what it answers to bad input.

use crate::common::live::{detail, start};
use crate::common::TestDb;
use reqwest::StatusCode;
use serde_json::{json, Value};

on_both_databases!(
    the_users_routes_work_and_explain_bad_input,
    the_groups_routes_work_and_explain_bad_input,
);

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
