//! The REST routes of spaces, assignments and shares against the real server, on SQLite
//! and PostgreSQL: each route, and what it answers to bad input.

use crate::common::live::{start, Live};
use crate::common::TestDb;
use app::auth::service::create_api_key;
use reqwest::Method;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// An active user with their own API key: (user id, key).
pub(crate) async fn colleague(live: &Live, name: &str) -> (String, String) {
    let root = live.t.principal("root@acme.test").await;
    let principal = live.t.active_user(&root, name).await;
    let key = create_api_key(&live.t.state, &principal, "tests")
        .await
        .unwrap()
        .secret;
    (principal.user_id, key)
}

pub(crate) async fn as_key(
    live: &Live,
    key: &str,
    method: Method,
    path: &str,
) -> (StatusCode, Value) {
    let response = live
        .client()
        .request(method, live.url(path))
        .bearer_auth(key)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

pub(crate) async fn created(live: &Live, path: &str, body: Value) -> Value {
    let (status, answer) = live.api(Method::POST, path, Some(body)).await;
    // As in Qlik: 201 for what a POST makes, except the app operations, which answer 200.
    let made = if path.starts_with("/api/v1/apps") {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    assert_eq!(status, made, "{path}: {answer}");
    answer
}

on_both_databases!(
    the_spaces_routes_work_and_explain_bad_input,
    the_assignment_routes_work_and_refuse_a_second_assignment,
    the_share_routes_work_and_apply_the_rules_of_the_portal,
);

async fn the_spaces_routes_work_and_explain_bad_input(t: TestDb) {
    let live = start(t).await;
    let sales = created(
        &live,
        "/api/v1/spaces",
        json!({"name": "Sales", "type": "shared", "description": "Pipeline"}),
    )
    .await;
    assert_eq!(sales["type"], "shared");
    assert_eq!(
        sales["meta"]["assignableRoles"],
        json!([
            "codeveloper",
            "consumer",
            "dataconsumer",
            "facilitator",
            "producer"
        ])
    );
    assert!(sales["meta"]["actions"]
        .as_array()
        .unwrap()
        .contains(&json!("manage_members")));
    let id = sales["id"].as_str().unwrap().to_string();
    created(
        &live,
        "/api/v1/spaces",
        json!({"name": "Board", "type": "managed"}),
    )
    .await;

    let (_, list) = live
        .api(Method::GET, "/api/v1/spaces?type=managed", None)
        .await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    assert_eq!(list["data"][0]["name"], "Board");
    let (_, all) = live.api(Method::GET, "/api/v1/spaces?limit=2", None).await;
    assert_eq!(
        all["data"][0]["type"], "personal",
        "the personal space comes first, with no name"
    );
    assert_eq!(all["data"][0]["name"], "");
    let next = all["links"]["next"]["href"].as_str().unwrap().to_string();
    let (_, rest) = live
        .api(Method::GET, &next[next.find("/api/").unwrap()..], None)
        .await;
    assert_eq!(rest["data"][0]["name"], "Sales");

    let (status, renamed) = live
        .api(
            Method::PUT,
            &format!("/api/v1/spaces/{id}"),
            Some(json!({"name": "Sales EMEA"})),
        )
        .await;
    assert_eq!(
        (status, renamed["name"].clone()),
        (StatusCode::OK, json!("Sales EMEA"))
    );
    let (status, patched) = live
        .api(
            Method::PATCH,
            &format!("/api/v1/spaces/{id}"),
            Some(json!([{"op": "replace", "path": "/description", "value": "Q4"}])),
        )
        .await;
    assert_eq!(
        (status, patched["description"].clone()),
        (StatusCode::OK, json!("Q4"))
    );
    let (_, types) = live.api(Method::GET, "/api/v1/spaces/types", None).await;
    assert_eq!(types["data"], json!(["shared", "managed"]), "Qlik's shape");
    assert_eq!(
        types["details"][1]["shareRoles"],
        json!(["consumer", "contributor", "basicconsumer"])
    );

    live.expect_refusal(
        Method::POST,
        "/api/v1/spaces",
        json!({"name": "x", "type": "data"}),
        StatusCode::BAD_REQUEST,
        "Unknown space type \"data\"",
    )
    .await;
    live.expect_refusal(
        Method::POST,
        "/api/v1/spaces",
        json!({"name": "x", "type": "personal"}),
        StatusCode::BAD_REQUEST,
        "one personal space",
    )
    .await;
    live.expect_refusal(
        Method::POST,
        "/api/v1/spaces",
        json!({"name": "board", "type": "shared"}),
        StatusCode::CONFLICT,
        "already exists",
    )
    .await;
    live.expect_refusal(
        Method::POST,
        "/api/v1/spaces",
        json!({"type": "shared"}),
        StatusCode::BAD_REQUEST,
        "missing field `name`",
    )
    .await;
    live.expect_refusal(
        Method::POST,
        "/api/v1/spaces",
        json!({"name": "x", "type": "shared", "colour": "red"}),
        StatusCode::BAD_REQUEST,
        "unknown field `colour`",
    )
    .await;
    live.expect_refusal(
        Method::PATCH,
        &format!("/api/v1/spaces/{id}"),
        json!([{"op": "replace", "path": "/type", "value": "managed"}]),
        StatusCode::BAD_REQUEST,
        "cannot be patched",
    )
    .await;
    live.expect_refusal(
        Method::PUT,
        "/api/v1/spaces/nope",
        json!({"name": "x"}),
        StatusCode::NOT_FOUND,
        "no space with id nope",
    )
    .await;
    let (status, _) = live.api(Method::GET, "/api/v1/spaces?limit=0", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    created(
        &live,
        "/api/v1/apps",
        json!({"attributes": {"name": "Pipeline", "spaceId": id}}),
    )
    .await;
    live.expect_refusal(
        Method::DELETE,
        &format!("/api/v1/spaces/{id}"),
        json!(null),
        StatusCode::CONFLICT,
        "still holds 1 app",
    )
    .await;
    let (_, board) = live.api(Method::GET, "/api/v1/spaces?name=boa", None).await;
    let board_id = board["data"][0]["id"].as_str().unwrap();
    let (status, _) = live
        .api(Method::DELETE, &format!("/api/v1/spaces/{board_id}"), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = live
        .api(Method::GET, &format!("/api/v1/spaces/{board_id}"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn the_assignment_routes_work_and_refuse_a_second_assignment(t: TestDb) {
    let live = start(t).await;
    let (ali, _) = colleague(&live, "Ali").await;
    let space = created(
        &live,
        "/api/v1/spaces",
        json!({"name": "Board", "type": "managed"}),
    )
    .await;
    let base = format!(
        "/api/v1/spaces/{}/assignments",
        space["id"].as_str().unwrap()
    );
    let assignment = created(
        &live,
        &base,
        json!({"type": "user", "assigneeId": ali, "roles": ["consumer", "publisher"]}),
    )
    .await;
    assert_eq!(assignment["roles"], json!(["publisher", "consumer"]));
    let id = assignment["id"].as_str().unwrap();
    live.expect_refusal(
        Method::POST,
        &base,
        json!({"type": "user", "assigneeId": ali, "roles": ["consumer"]}),
        StatusCode::CONFLICT,
        "already a member",
    )
    .await;
    live.expect_refusal(
        Method::POST,
        &base,
        json!({"type": "user", "assigneeId": ali, "roles": ["producer"]}),
        StatusCode::BAD_REQUEST,
        "Can edit (producer) is not available in a managed space",
    )
    .await;
    live.expect_refusal(
        Method::POST,
        &base,
        json!({"type": "robot", "assigneeId": ali, "roles": ["consumer"]}),
        StatusCode::BAD_REQUEST,
        "use user or group",
    )
    .await;
    live.expect_refusal(
        Method::POST,
        &base,
        json!({"type": "group", "assigneeId": "nobody", "roles": ["consumer"]}),
        StatusCode::BAD_REQUEST,
        "no group with id nobody",
    )
    .await;
    live.expect_refusal(
        Method::POST,
        &base,
        json!({"type": "user", "assigneeId": ali, "roles": ["king"]}),
        StatusCode::BAD_REQUEST,
        "Unknown space role \"king\"",
    )
    .await;

    let (status, list) = live.api(Method::GET, &base, None).await;
    assert_eq!(
        (status, list["meta"]["count"].clone()),
        (StatusCode::OK, json!(1))
    );
    let (status, changed) = live
        .api(
            Method::PUT,
            &format!("{base}/{id}"),
            Some(json!({"roles": ["facilitator"]})),
        )
        .await;
    assert_eq!(
        (status, changed["roles"].clone()),
        (StatusCode::OK, json!(["facilitator"]))
    );
    live.expect_refusal(
        Method::PUT,
        &format!("{base}/{id}"),
        json!({"roles": []}),
        StatusCode::BAD_REQUEST,
        "at least one role",
    )
    .await;
    let (status, _) = live
        .api(Method::DELETE, &format!("{base}/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = live.api(Method::GET, &format!("{base}/{id}"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn the_share_routes_work_and_apply_the_rules_of_the_portal(t: TestDb) {
    let live = start(t).await;
    let (ali, ali_key) = colleague(&live, "Ali").await;
    let space = created(
        &live,
        "/api/v1/spaces",
        json!({"name": "Sales", "type": "shared"}),
    )
    .await;
    let space_id = space["id"].as_str().unwrap().to_string();
    let app = created(
        &live,
        "/api/v1/apps",
        json!({"attributes": {"name": "Pipeline", "spaceId": space_id}}),
    )
    .await;
    let other = created(
        &live,
        "/api/v1/apps",
        json!({"attributes": {"name": "Secret", "spaceId": space_id}}),
    )
    .await;
    let app_id = app["attributes"]["id"].as_str().unwrap().to_string();
    let base = format!("/api/v1/spaces/{space_id}/shares");

    let share = created(&live, &base, json!({"resourceId": app_id, "resourceType": "app", "type": "user", "assigneeId": ali, "roles": ["consumer"]})).await;
    assert_eq!(
        (share["resourceName"].clone(), share["assigneeName"].clone()),
        (json!("Pipeline"), json!("Ali"))
    );
    let share_id = share["id"].as_str().unwrap().to_string();
    live.expect_refusal(
        Method::POST,
        &base,
        json!({"resourceId": app_id, "type": "user", "assigneeId": ali, "roles": ["consumer"]}),
        StatusCode::CONFLICT,
        "already shared with Ali",
    )
    .await;
    live.expect_refusal(
        Method::POST,
        &base,
        json!({"resourceId": app_id, "type": "group", "assigneeId": "g", "roles": ["contributor"]}),
        StatusCode::BAD_REQUEST,
        "not available in a share from a shared space",
    )
    .await;
    live.expect_refusal(Method::POST, &base, json!({"resourceId": app_id, "resourceType": "dataset", "type": "user", "assigneeId": ali, "roles": ["consumer"]}), StatusCode::BAD_REQUEST, "Only apps can be shared").await;
    live.expect_refusal(
        Method::POST,
        &base,
        json!({"resourceId": "nope", "type": "user", "assigneeId": ali, "roles": ["consumer"]}),
        StatusCode::BAD_REQUEST,
        "no app with id nope in this space",
    )
    .await;
    let (_, personal) = live
        .api(Method::GET, "/api/v1/spaces?type=personal", None)
        .await;
    let personal_id = personal["data"][0]["id"].as_str().unwrap().to_string();
    let private = created(
        &live,
        "/api/v1/apps",
        json!({"attributes": {"name": "Private"}}),
    )
    .await;
    assert_eq!(private["attributes"]["spaceId"], json!(personal_id));
    live.expect_refusal(Method::POST, &format!("/api/v1/spaces/{personal_id}/shares"), json!({"resourceId": private["attributes"]["id"], "type": "user", "assigneeId": ali, "roles": ["consumer"]}), StatusCode::FORBIDDEN, "personal space cannot be shared").await;

    // Ali sees the space and the shared app, not the other app, nor the members or shares.
    let (status, seen) = as_key(
        &live,
        &ali_key,
        Method::GET,
        &format!("/api/v1/spaces/{space_id}"),
    )
    .await;
    assert_eq!(
        (status, seen["meta"]["actions"].clone()),
        (StatusCode::OK, json!(["read"]))
    );
    assert_eq!(
        as_key(
            &live,
            &ali_key,
            Method::GET,
            &format!("/api/v1/apps/{app_id}")
        )
        .await
        .0,
        StatusCode::OK
    );
    assert_eq!(
        as_key(
            &live,
            &ali_key,
            Method::GET,
            &format!(
                "/api/v1/apps/{}",
                other["attributes"]["id"].as_str().unwrap()
            )
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        as_key(
            &live,
            &ali_key,
            Method::GET,
            &format!("/api/v1/spaces/{space_id}/assignments")
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        as_key(&live, &ali_key, Method::GET, &base).await.0,
        StatusCode::FORBIDDEN
    );

    let (_, list) = live
        .api(Method::GET, &format!("{base}?resourceId={app_id}"), None)
        .await;
    assert_eq!(list["meta"]["count"], 1);
    let (status, off) = live
        .api(
            Method::PATCH,
            &format!("{base}/{share_id}"),
            Some(json!([{"op": "replace", "path": "/disabled", "value": true}])),
        )
        .await;
    assert_eq!(
        (status, off["disabled"].clone()),
        (StatusCode::OK, json!(true))
    );
    assert_eq!(
        as_key(
            &live,
            &ali_key,
            Method::GET,
            &format!("/api/v1/apps/{app_id}")
        )
        .await
        .0,
        StatusCode::NOT_FOUND,
        "a disabled share gives nothing"
    );
    live.expect_refusal(
        Method::PATCH,
        &format!("{base}/{share_id}"),
        json!([{"op": "replace", "path": "/disabled", "value": "yes"}]),
        StatusCode::BAD_REQUEST,
        "true or false",
    )
    .await;
    live.expect_refusal(
        Method::PATCH,
        &format!("{base}/{share_id}"),
        json!([{"op": "replace", "path": "/roles", "value": ["producer"]}]),
        StatusCode::BAD_REQUEST,
        "not available",
    )
    .await;
    let (status, _) = live
        .api(Method::DELETE, &format!("{base}/{share_id}"), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = live
        .api(Method::GET, &format!("{base}/{share_id}"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, everyone) = live
        .api(
            Method::POST,
            &base,
            Some(json!({"resourceId": app_id, "type": "everyone", "roles": ["consumer"]})),
        )
        .await;
    assert_eq!(
        (status, everyone["assigneeName"].clone()),
        (StatusCode::CREATED, json!("Anyone at Acme"))
    );
    assert_eq!(
        as_key(
            &live,
            &ali_key,
            Method::GET,
            &format!("/api/v1/apps/{app_id}")
        )
        .await
        .0,
        StatusCode::OK
    );
}
