//! The licence routes against the real server, on SQLite and PostgreSQL, in Qlik Cloud's shapes:
//! settings, the overview's allotments, assignments with their 207 bulk actions, status,
//! consumption, the ledger as CSV, and what each answers to bad input.

use crate::common::live::{detail, start};
use crate::common::TestDb;
use reqwest::Method;
use reqwest::StatusCode;
use serde_json::{json, Value};

on_both_databases!(
    the_licence_routes_speak_qliks_shapes_and_explain_bad_input,
    a_denied_open_over_http_lists_every_kind_tried,
);

async fn the_licence_routes_speak_qliks_shapes_and_explain_bad_input(t: TestDb) {
    let live = start(t).await;
    let root = live.t.principal("root@acme.test").await;
    live.t.active_user(&root, "Kalle").await;
    live.t.active_user(&root, "Nalle").await;

    let (status, body) = live.api(Method::GET, "/api/v1/licenses/status", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "Missing", "no scheme yet: {body}");

    let (status, body) = live
        .api(
            Method::PUT,
            "/api/v1/licenses/sightline-settings",
            Some(json!({"scheme": "user_based", "professional": 1, "analyzer": 0, "capacityMinutes": 60})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["scheme"], "user_based");
    let (_, body) = live
        .api(Method::GET, "/api/v1/licenses/sightline-settings", None)
        .await;
    assert_eq!(
        (
            body["professional"].clone(),
            body["capacityMinutes"].clone()
        ),
        (json!(1), json!(60))
    );

    let (status, body) = live
        .api(
            Method::PUT,
            "/api/v1/licenses/settings",
            Some(json!({"autoAssignAnalyzer": true})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        json!({"autoAssignAnalyzer": true, "autoAssignProfessional": false})
    );

    // One professional: the first add succeeds (201), the second has no allotment (403,
    // LICENSES-011), an unknown subject is not found (LICENSES-016); all in one 207.
    let (status, body) = live
        .api(
            Method::POST,
            "/api/v1/licenses/assignments/actions/add",
            Some(json!({"add": [
                {"subject": "kalle@acme.test", "type": "professional"},
                {"subject": "nalle@acme.test", "type": "professional"},
                {"subject": "nobody@acme.test", "type": "professional"},
            ]})),
        )
        .await;
    assert_eq!(status, StatusCode::MULTI_STATUS, "{body}");
    let items = body["data"].as_array().unwrap();
    assert_eq!(items[0]["status"], 201);
    assert_eq!(items[1]["status"], 403);
    assert_eq!(items[1]["code"], "LICENSES-011");
    assert!(items[1]["title"]
        .as_str()
        .unwrap()
        .contains("1 of 1 in use"));
    assert_eq!(items[2]["code"], "LICENSES-016");

    let (_, body) = live
        .api(Method::GET, "/api/v1/licenses/assignments", None)
        .await;
    assert_eq!(body["data"][0]["subject"], "kalle@acme.test");
    assert_eq!(body["data"][0]["type"], "professional");
    assert_eq!(body["data"][0]["excess"], false);

    let (_, body) = live
        .api(Method::GET, "/api/v1/licenses/overview", None)
        .await;
    let allotments = body["allotments"].as_array().unwrap();
    let professional = allotments
        .iter()
        .find(|a| a["name"] == "professional")
        .unwrap();
    assert_eq!(
        (
            professional["units"].clone(),
            professional["unitsUsed"].clone()
        ),
        (json!(1), json!(1))
    );
    assert_eq!(professional["usageClass"], "assigned");
    let time = allotments
        .iter()
        .find(|a| a["name"] == "analyzer_time")
        .unwrap();
    assert_eq!(time["units"], 60);
    assert_eq!(time["usageClass"], "time");

    // Update: professional -> analyzer needs an analyzer allotment; there is none.
    let (status, body) = live
        .api(
            Method::POST,
            "/api/v1/licenses/assignments/actions/update",
            Some(json!({"update": [{"subject": "kalle@acme.test", "sourceType": "professional", "type": "analyzer"}]})),
        )
        .await;
    assert_eq!(status, StatusCode::MULTI_STATUS);
    assert_eq!(body["data"][0]["status"], 403, "{body}");
    let (_, body) = live
        .api(Method::GET, "/api/v1/licenses/assignments", None)
        .await;
    assert_eq!(body["data"][0]["type"], "professional", "nothing half-done");

    let (status, body) = live
        .api(
            Method::POST,
            "/api/v1/licenses/assignments/actions/delete",
            Some(json!({"delete": [
                {"subject": "kalle@acme.test", "type": "professional"},
                {"subject": "kalle@acme.test", "type": "professional"},
            ]})),
        )
        .await;
    assert_eq!(status, StatusCode::MULTI_STATUS);
    assert_eq!(body["data"][0]["status"], 200);
    assert_eq!(
        body["data"][1]["code"], "LICENSES-016",
        "removing what is not assigned"
    );

    // Bad input: a wrong scheme name, a negative number, a type that is not assigned.
    live.expect_refusal(
        Method::PUT,
        "/api/v1/licenses/sightline-settings",
        json!({"scheme": "forever"}),
        StatusCode::BAD_REQUEST,
        "not a scheme",
    )
    .await;
    live.expect_refusal(
        Method::PUT,
        "/api/v1/licenses/sightline-settings",
        json!({"scheme": "cals", "sessionCals": -1}),
        StatusCode::BAD_REQUEST,
        "session_cals must be a whole number from 0",
    )
    .await;
    let (_, body) = live
        .api(
            Method::POST,
            "/api/v1/licenses/assignments/actions/add",
            Some(json!({"add": [{"subject": "kalle@acme.test", "type": "session_cal"}]})),
        )
        .await;
    assert_eq!(body["data"][0]["status"], 400);
    assert!(body["data"][0]["title"]
        .as_str()
        .unwrap()
        .contains("not a type that is assigned"));

    let response = live
        .client()
        .get(live.url("/api/v1/licenses/ledger.csv"))
        .bearer_auth(&live.key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let csv = response.text().await.unwrap();
    assert!(csv.starts_with("at,event,kind,user_id,user_name,app_id,units,reason\n"));
    assert!(
        csv.contains(",allocate,professional,") && csv.contains(",return,professional,"),
        "{csv}"
    );

    // Only tenant admins.
    let kalle = live.t.principal("kalle@acme.test").await;
    let key = app::auth::service::create_api_key(&live.t.state, &kalle, "k").await;
    if let Ok(key) = key {
        let response = live
            .client()
            .get(live.url("/api/v1/licenses/overview"))
            .bearer_auth(&key.secret)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        let body: Value = response.json().await.unwrap();
        assert!(detail(&body).contains("Only tenant admins manage licences"));
    }
}

async fn a_denied_open_over_http_lists_every_kind_tried(t: TestDb) {
    let live = start(t).await;
    let root = live.t.principal("root@acme.test").await;
    let w = crate::common::world::world_with(&live.t, root).await;
    let (status, _) = live
        .api(
            Method::PUT,
            "/api/v1/licenses/sightline-settings",
            Some(json!({"scheme": "cals", "namedCals": 1, "dynamicNamed": true})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, body) = live
        .api(Method::GET, "/api/v1/licenses/overview", None)
        .await;
    let names: Vec<&str> = body["allotments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["named_cal", "document_cal", "session_cal", "usage_cal"]
    );
    let open = |email: &'static str| {
        let live = &live;
        let app_id = w.app.id.clone();
        async move {
            let browser = live.client();
            let signed_in = live
                .sign_in(&browser, email, crate::common::live::PASSWORD)
                .await;
            assert_eq!(signed_in.status(), StatusCode::OK);
            let response = browser
                .post(live.url("/api/open_sheet"))
                .json(&json!({"app_id": app_id, "sheet_id": null, "change": null}))
                .send()
                .await
                .unwrap();
            (response.status(), response.text().await.unwrap())
        }
    };
    let (status, _) = open("ali@acme.test").await;
    assert_eq!(status, StatusCode::OK, "Ali takes the one Named CAL");
    let (status, body) = open("pat@acme.test").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        body.contains("no Named User CAL free: 1 of 1 in use") && body.contains("NoDocumentPool"),
        "{body}"
    );
    // The licence center sees the denial, and the CSV has it.
    let (_, overview) = live
        .api(Method::GET, "/api/v1/licenses/overview", None)
        .await;
    let named = &overview["allotments"][0];
    assert_eq!(
        (named["units"].clone(), named["unitsUsed"].clone()),
        (json!(1), json!(1))
    );
}
