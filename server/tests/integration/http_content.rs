//! Uploads and app content over HTTP against the real server, on SQLite and PostgreSQL: the
//! data-files route, making an app from uploads through the REST API, opening a sheet through
//! its server function, and what each answers to bad input.

use crate::common::live::{detail, start, Live};
use crate::common::{Backend, TestDb};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const ORDERS: &str = "OrderId,CustomerId,Amount\n1,10,100\n2,20,50.5\n";
const CUSTOMERS: &str = "CustomerId,Region\n10,North\n20,South\n";

async fn upload(live: &Live, name: &str, body: &'static [u8]) -> (StatusCode, Value) {
    let response = live
        .client()
        .post(live.url(&format!("/api/v1/data-files?name={name}")))
        .bearer_auth(&live.key)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

on_both_databases!(
    an_app_is_made_from_uploads_over_rest_and_opens_through_its_server_function,
    bad_uploads_are_refused_with_what_was_wrong,
);

async fn an_app_is_made_from_uploads_over_rest_and_opens_through_its_server_function(t: TestDb) {
    let live = start(t).await;
    let (status, orders) = upload(&live, "orders.csv", ORDERS.as_bytes()).await;
    assert_eq!(status, StatusCode::CREATED, "{orders}");
    assert_eq!(
        (orders["name"].as_str(), orders["size"].as_i64()),
        (Some("orders.csv"), Some(ORDERS.len() as i64))
    );
    let (_, customers) = upload(&live, "customers.csv", CUSTOMERS.as_bytes()).await;
    let (status, app) = live.api(Method::POST, "/api/v1/apps", Some(json!({"attributes": {"name": "Orders", "dataFiles": [orders["id"], customers["id"]]}}))).await;
    assert_eq!(status, StatusCode::OK, "{app}");
    let id = app["attributes"]["id"].as_str().unwrap().to_string();
    let (status, _) = live
        .api(Method::GET, &format!("/api/v1/apps/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, answer) = live
        .api(
            Method::POST,
            "/api/v1/apps",
            Some(json!({"attributes": {"name": "Again", "dataFiles": [orders["id"]]}})),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "an upload is used once: {answer}"
    );
    live.expect_refusal(
        Method::PUT,
        &format!("/api/v1/apps/{id}"),
        json!({"attributes": {"dataFiles": []}}),
        StatusCode::BAD_REQUEST,
        "loaded when an app is created",
    )
    .await;

    // The portal's server function, with a browser session: the sheet with its charts, then a selection.
    let browser = live.client();
    assert_eq!(
        live.sign_in(&browser, "root@acme.test", crate::common::live::PASSWORD)
            .await
            .status(),
        StatusCode::OK
    );
    let open = |change: Value| {
        browser
            .post(live.url("/api/open_sheet"))
            .json(&json!({"app_id": id, "sheet_id": null, "change": change}))
            .send()
    };
    let sheet: Value = open(Value::Null).await.unwrap().json().await.unwrap();
    assert_eq!(sheet["sheet"]["title"], "Overview");
    let kpi = |sheet: &Value| {
        sheet["charts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["spec"]["kind"] == "kpi")
            .unwrap()["data"]["Cube"]["totals"][0]
            .as_f64()
            .unwrap()
    };
    assert_eq!(kpi(&sheet), 150.5);
    let north = sheet["charts"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|c| {
            c["data"]["List"]["values"]
                .as_array()
                .and_then(|v| v.iter().find(|v| v["label"] == "North"))
                .map(|v| v["code"].clone())
        })
        .unwrap();
    let selected: Value = open(json!({"Toggle": {"field": "Region", "code": north}}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(kpi(&selected), 100.0);
    let response = open(json!({"Toggle": {"field": "Country", "code": 0}}))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(response
        .text()
        .await
        .unwrap()
        .contains("The data has no field \\\"Country\\\"."));
    let stranger = live
        .client()
        .post(live.url("/api/open_sheet"))
        .json(&json!({"app_id": id, "sheet_id": null, "change": null}))
        .send()
        .await
        .unwrap();
    assert_eq!(stranger.status(), StatusCode::UNAUTHORIZED);
}

async fn bad_uploads_are_refused_with_what_was_wrong(t: TestDb) {
    let live = start(t).await;
    let (status, answer) = upload(&live, "orders.xls", b"x").await;
    assert_eq!(
        (status, detail(&answer)),
        (
            StatusCode::BAD_REQUEST,
            "orders.xls is not a CSV file or an Excel workbook: upload files ending in .csv, .tsv, .txt or .xlsx.".to_string()
        )
    );
    let (status, answer) = upload(&live, "empty.csv", b"").await;
    assert_eq!(
        (status, detail(&answer)),
        (
            StatusCode::BAD_REQUEST,
            "empty.csv is empty: a CSV file needs a header row and at least one row of data."
                .to_string()
        )
    );
    let (status, answer) = upload(&live, "..%2Fescape.csv", b"a\n1\n").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    let response = live
        .client()
        .post(live.url("/api/v1/data-files"))
        .bearer_auth(&live.key)
        .body("a\n1\n")
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::BAD_REQUEST,
        "the name is required"
    );
    let anonymous = live
        .client()
        .post(live.url("/api/v1/data-files?name=a.csv"))
        .body("a\n1\n")
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);

    let (_, ragged) = upload(&live, "orders.csv", b"OrderId,Amount\n1,100\n2\n").await;
    let apps_before = live.t.count("SELECT COUNT(*) FROM apps").await;
    live.expect_refusal(
        Method::POST,
        "/api/v1/apps",
        json!({"attributes": {"name": "Broken", "dataFiles": [ragged["id"]]}}),
        StatusCode::BAD_REQUEST,
        "orders.csv: line 3: this row has 1 fields; the header has 2.",
    )
    .await;
    live.expect_refusal(
        Method::POST,
        "/api/v1/apps",
        json!({"attributes": {"name": "Nothing", "dataFiles": []}}),
        StatusCode::BAD_REQUEST,
        "Upload at least one CSV file",
    )
    .await;
    assert_eq!(
        live.t.count("SELECT COUNT(*) FROM apps").await,
        apps_before,
        "no half-made app"
    );
}

/// With an upload limit of 1 KB: a bigger body stops with 413, declared or streamed, and
/// leaves nothing behind.
mod upload_limit {
    use super::*;

    fn one_kilobyte(settings: &mut app::settings::Settings) {
        settings.max_upload_bytes = 1024;
    }

    async fn past_the_limit(t: TestDb) {
        let live = start(t).await;
        let big: &'static [u8] = Box::leak(
            format!("Id\n{}", "1\n".repeat(1000))
                .into_bytes()
                .into_boxed_slice(),
        );
        let (status, answer) = upload(&live, "big.csv", big).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{answer}");
        assert!(
            detail(&answer).starts_with("The file is larger than the upload limit"),
            "{answer}"
        );
        // Chunked, without a declared length: counted as it arrives, and stopped.
        assert_eq!(chunked_upload(&live, "big.csv", big).await, 413);
        assert_eq!(
            chunked_upload(&live, "small.csv", b"Id\n1\n").await,
            201,
            "a small chunked upload goes through"
        );
        assert_eq!(
            live.t.count("SELECT COUNT(*) FROM data_files").await,
            1,
            "only the small file is kept"
        );
        let staging = live.t.state.content.storage.staging_file("x");
        let staged = std::fs::read_dir(staging.parent().unwrap())
            .map(|d| d.count())
            .unwrap_or(0);
        assert_eq!(
            staged, 1,
            "nothing of the refused uploads is left in staging"
        );
    }

    /// POSTs a body with `Transfer-Encoding: chunked` over a plain socket; returns the status.
    async fn chunked_upload(live: &Live, name: &str, body: &[u8]) -> u16 {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let address = live.base.trim_start_matches("http://").to_string();
        let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
        let head = format!("POST /api/v1/data-files?name={name} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n", live.key);
        stream.write_all(head.as_bytes()).await.unwrap();
        for chunk in body.chunks(256) {
            // The server may answer and close before the whole body is sent: that is the point.
            if stream
                .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                .await
                .is_err()
                || stream.write_all(chunk).await.is_err()
                || stream.write_all(b"\r\n").await.is_err()
            {
                break;
            }
        }
        let _ = stream.write_all(b"0\r\n\r\n").await;
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer).await;
        let text = String::from_utf8_lossy(&answer);
        text.split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0)
    }

    #[test]
    fn sqlite() {
        crate::common::run(async {
            past_the_limit(TestDb::with_settings(Backend::Sqlite, one_kilobyte).await).await
        })
    }

    #[test]
    fn postgres() {
        crate::common::run(async {
            past_the_limit(TestDb::with_settings(Backend::Postgres, one_kilobyte).await).await
        })
    }
}
