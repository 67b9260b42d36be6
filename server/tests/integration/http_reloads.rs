//! `/api/v1/reloads` against the real server, in the shapes `@qlik/api`'s `reloads` client reads:
//! queue (201, QUEUED), get until it ends, list an app's or the tenant's with Qlik's filter and
//! paging, cancel (409 once it is over), and what bad input answers.

use crate::common::live::{detail, start};
use crate::common::TestDb;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

on_both_databases!(the_reload_routes_queue_report_list_and_cancel_in_qliks_shapes,);

/// Root's app "Sales", made from one file.
async fn sales_app(
    t: &TestDb,
    root: &app::auth::principal::Principal,
    csv: &str,
) -> app::apps::model::App {
    let file = app::content::service::stage_file(&t.state, root, "sales.csv", csv.as_bytes())
        .await
        .unwrap()
        .id;
    app::content::service::create_app_from_uploads(
        &t.state,
        root,
        app::apps::model::NewApp {
            name: "Sales".into(),
            ..Default::default()
        },
        vec![file],
    )
    .await
    .unwrap()
}

async fn the_reload_routes_queue_report_list_and_cancel_in_qliks_shapes(t: TestDb) {
    let live = start(t).await;
    let root = live.t.principal("root@acme.test").await;
    let app = sales_app(&live.t, &root, "Month,Amount\nNov,10\nDec,20\n").await;

    let (status, queued) = live
        .api(
            Method::POST,
            "/api/v1/reloads",
            Some(json!({"appId": app.id, "partial": false})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{queued}");
    assert_eq!(queued["status"], "QUEUED");
    assert_eq!(queued["type"], "external");
    assert_eq!(queued["appId"], json!(app.id));
    assert_eq!(queued["partial"], false);
    let id = queued["id"].as_str().unwrap().to_string();
    assert!(queued["links"]["self"]["href"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/api/v1/reloads/{id}")));

    let mut reload = Value::Null;
    for _ in 0..400 {
        let (status, body) = live
            .api(Method::GET, &format!("/api/v1/reloads/{id}"), None)
            .await;
        assert_eq!(status, StatusCode::OK);
        reload = body;
        if !["QUEUED", "RELOADING"].contains(&reload["status"].as_str().unwrap()) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert_eq!(reload["status"], "SUCCEEDED", "{reload}");
    for time in ["creationTime", "startTime", "endTime", "engineTime"] {
        assert!(
            reload[time].as_str().unwrap().ends_with('Z'),
            "{time}: {reload}"
        );
    }
    assert!(
        reload["duration"].as_str().unwrap().starts_with("PT"),
        "{reload}"
    );
    assert!(
        reload["log"].as_str().unwrap().contains("sales: 2 rows"),
        "{reload}"
    );

    // Two more, for paging; the list is newest first.
    for _ in 0..2 {
        live.t.minutes(1);
        let (status, body) = live
            .api(
                Method::POST,
                "/api/v1/reloads",
                Some(json!({"appId": app.id})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let next = body["id"].as_str().unwrap().to_string();
        for _ in 0..400 {
            let (_, body) = live
                .api(Method::GET, &format!("/api/v1/reloads/{next}"), None)
                .await;
            if body["status"] == "SUCCEEDED" {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
    }
    let (status, page) = live
        .api(
            Method::GET,
            &format!("/api/v1/reloads?appId={}&limit=2", app.id),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["data"].as_array().unwrap().len(), 2);
    assert!(
        page["data"][0].get("log").is_none(),
        "the log only when asked for"
    );
    let next = page["links"]["next"]["href"].as_str().unwrap();
    let next = &next[next.find("/api/").unwrap()..];
    let (_, rest) = live.api(Method::GET, next, None).await;
    assert_eq!(rest["data"].as_array().unwrap().len(), 1);
    assert_eq!(
        rest["data"][0]["id"],
        json!(id),
        "the first reload comes last"
    );
    assert!(rest["links"].get("next").is_none());
    let filtered = format!(
        "/api/v1/reloads?appId={}&filter={}&log=true",
        app.id, "status%20eq%20%22SUCCEEDED%22%20and%20partial%20eq%20false"
    );
    let (status, succeeded) = live.api(Method::GET, &filtered, None).await;
    assert_eq!(status, StatusCode::OK, "{succeeded}");
    assert_eq!(succeeded["data"].as_array().unwrap().len(), 3);
    assert!(succeeded["data"][0]["log"].is_string());
    let (status, failed) = live
        .api(
            Method::GET,
            &format!(
                "/api/v1/reloads?appId={}&filter=status%20eq%20%22FAILED%22",
                app.id
            ),
            None,
        )
        .await;
    assert_eq!(
        (status, failed["data"].as_array().unwrap().len()),
        (StatusCode::OK, 0)
    );
    // The tenant's reloads leave out personal spaces' apps: this one is Root's own.
    let (status, tenant) = live.api(Method::GET, "/api/v1/reloads", None).await;
    assert_eq!(
        (status, tenant["data"].as_array().unwrap().len()),
        (StatusCode::OK, 0),
        "{tenant}"
    );

    // Over already: nothing to cancel.
    let (status, body) = live
        .api(
            Method::POST,
            &format!("/api/v1/reloads/{id}/actions/cancel"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(detail(&body).contains("nothing to cancel"), "{body}");

    // Bad input, by name.
    for (path, body, fragment) in [
        (
            "/api/v1/reloads",
            json!({"appId": app.id, "partial": true}),
            "whole app",
        ),
        (
            "/api/v1/reloads",
            json!({"appId": app.id, "variables": {"x": "1"}}),
            "variables",
        ),
        ("/api/v1/reloads", json!({"appId": "nope"}), ""),
    ] {
        let (status, answer) = live.api(Method::POST, path, Some(body.clone())).await;
        assert!(
            status == StatusCode::BAD_REQUEST || status == StatusCode::NOT_FOUND,
            "{body}: {status} {answer}"
        );
        assert!(detail(&answer).contains(fragment), "{body}: {answer}");
    }
    for (query, fragment) in [
        ("filter=status%20eq%20%22DONE%22", "not a reload status"),
        (
            "filter=status%20eq%20%22FAILED%22%20or%20status%20eq%20%22QUEUED%22",
            "one request per alternative",
        ),
        ("filter=userId%20eq%20%22x%22", "not supported"),
        ("limit=101", "between 1 and 100"),
        ("next=zz", "cursor"),
    ] {
        let (status, answer) = live
            .api(
                Method::GET,
                &format!("/api/v1/reloads?appId={}&{query}", app.id),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {answer}");
        assert!(detail(&answer).contains(fragment), "{query}: {answer}");
    }
    let (status, _) = live.api(Method::GET, "/api/v1/reloads/nope", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

on_both_databases!(the_reload_task_routes_create_list_update_and_delete_in_qliks_shapes,);

/// `/api/v1/reload-tasks`, in the shapes `@qlik/api`'s `reloadTasks` client reads.
async fn the_reload_task_routes_create_list_update_and_delete_in_qliks_shapes(t: TestDb) {
    let live = start(t).await;
    let root = live.t.principal("root@acme.test").await;
    let app = sales_app(&live.t, &root, "Month,Amount\nNov,10\n").await;

    let body = json!({
        "appId": app.id,
        "type": "scheduled_reload",
        "partial": false,
        "autoReload": false,
        "timeZone": "America/New_York",
        "recurrence": ["RRULE:FREQ=WEEKLY;BYDAY=MO,FR;BYHOUR=7;BYMINUTE=30;BYSECOND=0"],
        "startDateTime": "2026-12-01T00:00:00",
        "endDateTime": "2027-12-31T23:59:00",
    });
    let (status, task) = live
        .api(Method::POST, "/api/v1/reload-tasks", Some(body))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{task}");
    assert_eq!(task["state"], "Enabled");
    assert_eq!(task["appId"], json!(app.id));
    assert_eq!(task["userId"], json!(root.user_id));
    assert_eq!(task["timeZone"], "America/New_York");
    assert_eq!(task["startDateTime"], "2026-12-01T00:00:00");
    assert_eq!(task["endDateTime"], "2027-12-31T23:59:00");
    // The clock is at Monday 2026-11-23 09:00 UTC; the start is 1 December, a Tuesday: the first
    // run is Friday the 4th at 07:30 in New York, 12:30 UTC.
    assert_eq!(
        task["nextExecutionTime"], "2026-12-04T12:30:00.000Z",
        "{task}"
    );
    let id = task["id"].as_str().unwrap().to_string();
    assert!(task["links"]["self"]["href"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/api/v1/reload-tasks/{id}")));

    let (status, list) = live
        .api(
            Method::GET,
            &format!("/api/v1/reload-tasks?appId={}", app.id),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    let (_, tenant) = live.api(Method::GET, "/api/v1/reload-tasks", None).await;
    assert!(tenant["data"].is_array(), "{tenant}");

    // PUT changes what it names; the rest stays.
    let (status, off) = live
        .api(
            Method::PUT,
            &format!("/api/v1/reload-tasks/{id}"),
            Some(json!({"state": "Disabled"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{off}");
    assert_eq!(
        (off["state"].as_str(), off["disabledCode"].as_str()),
        (Some("Disabled"), Some("MANUALLY"))
    );
    assert_eq!(off["recurrence"], task["recurrence"]);
    assert!(off.get("nextExecutionTime").is_none(), "{off}");

    for (body, status, words) in [
        (
            json!({"appId": app.id, "recurrence": ["RRULE:FREQ=DAILY"], "timeZone": "Nowhere/Else"}),
            StatusCode::BAD_REQUEST,
            "not a time zone",
        ),
        (
            json!({"appId": app.id, "recurrence": ["RRULE:FREQ=SECONDLY"]}),
            StatusCode::BAD_REQUEST,
            "at most every hour",
        ),
        (
            json!({"appId": app.id, "recurrence": ["RRULE:FREQ=DAILY"], "partial": true}),
            StatusCode::BAD_REQUEST,
            "whole app",
        ),
        (
            json!({"appId": app.id, "recurrence": ["RRULE:FREQ=DAILY"], "autoReload": true}),
            StatusCode::BAD_REQUEST,
            "autoReload",
        ),
        (
            json!({"appId": app.id, "recurrence": ["RRULE:FREQ=DAILY"], "colour": "red"}),
            StatusCode::BAD_REQUEST,
            "colour",
        ),
        (
            json!({"recurrence": ["RRULE:FREQ=DAILY"]}),
            StatusCode::BAD_REQUEST,
            "appId",
        ),
        (
            json!({"appId": "nope", "recurrence": ["RRULE:FREQ=DAILY"]}),
            StatusCode::NOT_FOUND,
            "",
        ),
    ] {
        let (got, answer) = live
            .api(Method::POST, "/api/v1/reload-tasks", Some(body.clone()))
            .await;
        assert_eq!(got, status, "{body}: {answer}");
        assert!(detail(&answer).contains(words), "{body}: {answer}");
    }

    let (status, _) = live
        .api(Method::DELETE, &format!("/api/v1/reload-tasks/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = live
        .api(Method::GET, &format!("/api/v1/reload-tasks/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
