//! Logs a collector can read: with `log_format = "json"` every line the process writes is one JSON
//! object, from its start to its exit; each request's line has its status and latency as
//! numbers, the client's address, the user and the API key, and the request id the response
//! carried as `X-Request-Id` (a trusted proxy's own id when it sends one); secrets in addresses
//! stay redacted.

use serde_json::Value;

use super::{exited, free_port, spawn, terminate};
use crate::common::{run, Backend, TestDb};
use crate::security::over_http::wait_until_up;

#[test]
fn every_line_is_json_and_a_request_line_says_who_what_how_long_and_its_id() {
    run(async {
        let t = TestDb::new(Backend::Sqlite).await;
        let root = t.acme().await;
        let key = app::auth::service::create_api_key(&t.state, &root, "logs")
            .await
            .unwrap();
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        let log = t.data_dir().join("server.log");
        let mut server = spawn(
            &t,
            port,
            &[
                ("SIGHTLINE_LOG_FORMAT", "json"),
                ("SIGHTLINE_TRUSTED_PROXIES", "1"),
                ("SIGHTLINE_SHUTDOWN_DRAIN_SECONDS", "0"),
            ],
            &log,
        );
        wait_until_up(&base).await;
        let client = reqwest::Client::new();

        let health = client.get(format!("{base}/healthz")).send().await.unwrap();
        let health_id = health.headers()["x-request-id"]
            .to_str()
            .unwrap()
            .to_string();
        assert_eq!(health_id.len(), 16, "a request id of our own: {health_id}");

        let me = client
            .get(format!("{base}/api/v1/users/me"))
            .bearer_auth(&key.secret)
            .header("x-forwarded-for", "198.51.100.7")
            .header("x-request-id", "nginx-0123456789abcdef")
            .send()
            .await
            .unwrap();
        assert_eq!(me.status(), 200);
        assert_eq!(
            me.headers()["x-request-id"],
            "nginx-0123456789abcdef",
            "the trusted proxy's id is kept"
        );
        let secret_code = "c0de5ec7e7c0de5ec7e7";
        client
            .get(format!(
                "{base}/a/0123456789abcdef01234567?eac={secret_code}"
            ))
            .send()
            .await
            .unwrap();
        // An id a client makes up with a line break in it is not kept.
        let odd = client
            .get(format!("{base}/healthz"))
            .header("x-request-id", "not\tone")
            .send()
            .await
            .unwrap();
        assert_ne!(odd.headers()["x-request-id"], "not\tone");

        terminate(&server);
        assert!(exited(&mut server, 10).await.expect("it stops").success());

        let text = std::fs::read_to_string(&log).unwrap();
        assert!(!text.contains(secret_code), "the access code is redacted");
        let lines: Vec<Value> = text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
            .collect();
        assert!(lines.len() >= 6, "start, requests, stop: {text}");
        let request = |id: &str| -> &Value {
            lines
                .iter()
                .find(|l| l["target"] == "sightline::request" && l["span"]["request_id"] == id)
                .unwrap_or_else(|| panic!("a request line with id {id}: {text}"))
        };
        let health_line = &request(&health_id)["fields"];
        assert_eq!(health_line["status"], 200);
        assert!(health_line["status"].is_u64(), "a number");
        assert!(
            health_line["latency_ms"].is_f64(),
            "a number: {health_line}"
        );
        assert_eq!(health_line["uri"], "/healthz");
        assert_eq!(health_line["client"], "127.0.0.1");
        assert!(health_line.get("user").is_none(), "nobody signed in");

        let me_line = &request("nginx-0123456789abcdef")["fields"];
        assert_eq!(me_line["status"], 200);
        assert_eq!(me_line["method"], "GET");
        assert_eq!(
            me_line["client"], "198.51.100.7",
            "the client, behind the proxy"
        );
        assert_eq!(me_line["user"], root.user_id.as_str());
        assert_eq!(me_line["key"], key.info.id.as_str());
        let said = |what: &str| {
            lines.iter().any(|l| {
                l["fields"]["message"]
                    .as_str()
                    .is_some_and(|m| m.contains(what))
            })
        };
        assert!(said("Sightline is listening"), "the start is a JSON line");
        assert!(said("finishing the requests under way"), "and the stop");
    });
}
