//! The REST routes of apps against the real server, on SQLite and PostgreSQL: publish,
//! republish, copy, move and delete, and what each answers to bad input. The helpers are
//! `http_sharing`'s.

use crate::common::live::{detail, start};
use crate::common::TestDb;
use crate::http_sharing::*;
use reqwest::Method;
use reqwest::StatusCode;
use serde_json::json;

on_both_databases!(the_app_routes_publish_republish_copy_move_and_delete,);

async fn the_app_routes_publish_republish_copy_move_and_delete(t: TestDb) {
    let live = start(t).await;
    let (ali, ali_key) = colleague(&live, "Ali").await;
    let drafts = created(
        &live,
        "/api/v1/spaces",
        json!({"name": "Drafts", "type": "shared"}),
    )
    .await;
    let other = created(
        &live,
        "/api/v1/spaces",
        json!({"name": "Other", "type": "shared"}),
    )
    .await;
    let board = created(
        &live,
        "/api/v1/spaces",
        json!({"name": "Board", "type": "managed"}),
    )
    .await;
    let draft = created(
        &live,
        "/api/v1/apps",
        json!({"attributes": {"name": "Revenue", "description": "v1", "spaceId": drafts["id"]}}),
    )
    .await;
    let draft_id = draft["attributes"]["id"].as_str().unwrap().to_string();
    assert!(draft["privileges"]
        .as_array()
        .unwrap()
        .contains(&json!("publish")));

    let published = created(
        &live,
        &format!("/api/v1/apps/{draft_id}/publish"),
        json!({"spaceId": board["id"]}),
    )
    .await;
    let published_id = published["attributes"]["id"].as_str().unwrap().to_string();
    assert_eq!(
        (
            published["attributes"]["published"].clone(),
            published["attributes"]["sourceAppId"].clone()
        ),
        (json!(true), json!(draft_id))
    );
    live.expect_refusal(
        Method::POST,
        &format!("/api/v1/apps/{draft_id}/publish"),
        json!({"spaceId": board["id"]}),
        StatusCode::CONFLICT,
        "Republish it",
    )
    .await;
    live.expect_refusal(
        Method::POST,
        &format!("/api/v1/apps/{draft_id}/publish"),
        json!({"spaceId": other["id"]}),
        StatusCode::BAD_REQUEST,
        "managed spaces",
    )
    .await;
    created(&live, &format!("/api/v1/spaces/{}/shares", board["id"].as_str().unwrap()), json!({"resourceId": published_id, "type": "user", "assigneeId": ali, "roles": ["contributor"]})).await;

    let (status, _) = live
        .api(
            Method::PUT,
            &format!("/api/v1/apps/{draft_id}"),
            Some(json!({"attributes": {"description": "v2"}})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    live.expect_refusal(
        Method::PUT,
        &format!("/api/v1/apps/{published_id}"),
        json!({"attributes": {"name": "Edited"}}),
        StatusCode::FORBIDDEN,
        "republishing",
    )
    .await;
    let (status, republished) = live
        .api(
            Method::PUT,
            &format!("/api/v1/apps/{draft_id}/publish"),
            Some(json!({"targetId": published_id})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{republished}");
    assert_eq!(
        (
            republished["attributes"]["id"].clone(),
            republished["attributes"]["contentVersion"].clone(),
            republished["attributes"]["description"].clone()
        ),
        (json!(published_id), json!(2), json!("v2"))
    );
    assert_eq!(
        as_key(
            &live,
            &ali_key,
            Method::GET,
            &format!("/api/v1/apps/{published_id}")
        )
        .await
        .0,
        StatusCode::OK,
        "shares survive a republish"
    );

    let copy = created(
        &live,
        &format!("/api/v1/apps/{published_id}/copy"),
        json!({"attributes": {"name": "My revenue"}}),
    )
    .await;
    assert_eq!(copy["attributes"]["name"], "My revenue");
    assert_eq!(copy["attributes"]["published"], false);
    live.expect_refusal(
        Method::POST,
        &format!("/api/v1/apps/{published_id}/copy"),
        json!({"spaceId": board["id"]}),
        StatusCode::BAD_REQUEST,
        "then publish",
    )
    .await;

    let share = created(
        &live,
        &format!("/api/v1/spaces/{}/shares", drafts["id"].as_str().unwrap()),
        json!({"resourceId": draft_id, "type": "user", "assigneeId": ali, "roles": ["consumer"]}),
    )
    .await;
    let (status, moved) = live
        .api(
            Method::PUT,
            &format!("/api/v1/apps/{draft_id}/space"),
            Some(json!({"spaceId": other["id"]})),
        )
        .await;
    assert_eq!(
        (status, moved["attributes"]["spaceId"].clone()),
        (StatusCode::OK, other["id"].clone())
    );
    let (status, _) = live
        .api(
            Method::GET,
            &format!(
                "/api/v1/spaces/{}/shares/{}",
                drafts["id"].as_str().unwrap(),
                share["id"].as_str().unwrap()
            ),
            None,
        )
        .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "a moved app's shares are gone"
    );
    live.expect_refusal(
        Method::PUT,
        &format!("/api/v1/apps/{draft_id}/space"),
        json!({"spaceId": "nowhere"}),
        StatusCode::BAD_REQUEST,
        "no space with id nowhere",
    )
    .await;

    let (status, _) = live
        .api(
            Method::DELETE,
            &format!("/api/v1/apps/{published_id}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "Qlik answers 200 to deleteApp");
    assert_eq!(
        as_key(
            &live,
            &ali_key,
            Method::GET,
            &format!("/api/v1/apps/{published_id}")
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    let (status, body) = live.api(Method::GET, "/api/v1/apps/nope", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(detail(&body).contains("no app with id nope"));
    live.expect_refusal(
        Method::POST,
        "/api/v1/apps",
        json!({"attributes": {"name": " "}}),
        StatusCode::BAD_REQUEST,
        "must not be empty",
    )
    .await;
    live.expect_refusal(
        Method::POST,
        "/api/v1/apps",
        json!({"attributes": {"name": "x", "spaceId": board["id"]}}),
        StatusCode::BAD_REQUEST,
        "by publishing",
    )
    .await;

    let (_, openapi) = live.api(Method::GET, "/api/v1/openapi.json", None).await;
    for path in [
        "/api/v1/spaces",
        "/api/v1/spaces/{spaceId}/shares/{shareId}",
        "/api/v1/apps/{appId}/publish",
        "/api/v1/apps/{appId}/copy",
    ] {
        assert!(openapi["paths"].get(path).is_some(), "{path} is documented");
    }
}
