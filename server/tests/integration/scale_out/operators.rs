//! What a process tells the balancer and the operator: health, readiness, and metrics that
//! nothing a client sends can break or bloat.

use super::*;

on_both_databases!(a_process_tells_the_balancer_and_the_operator_how_it_is);

async fn a_process_tells_the_balancer_and_the_operator_how_it_is(t: TestDb) {
    let (base, stop) = serve(t.state.clone(), "scrape-me").await;
    let http = reqwest::Client::new();
    let status = |path: &'static str| {
        let http = http.clone();
        let base = base.clone();
        async move {
            let response = http
                .get(format!("{base}{path}"))
                .header("host", "sightline.test")
                .send()
                .await
                .unwrap();
            (response.status().as_u16(), response.text().await.unwrap())
        }
    };
    assert_eq!(status("/healthz").await.0, 200);
    assert_eq!(status("/readyz").await, (200, "ready".to_string()));

    // The review's requests: a path with a quote, and made-up methods of every length. They
    // count as `unmatched` and `OTHER`: the scrape stays well formed and small.
    let address = base.trim_start_matches("http://").to_string();
    let raw = |request: String| {
        let address = address.clone();
        async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
            stream.write_all(request.as_bytes()).await.unwrap();
            let mut answer = Vec::new();
            let _ = stream.read_to_end(&mut answer).await;
        }
    };
    raw("GET /x\"},evil=\"1 HTTP/1.1\r\nHost: sightline.test\r\nConnection: close\r\n\r\n".into())
        .await;
    for n in 0..50 {
        let method = format!("M{n:06}{}", "X".repeat(n * 40));
        raw(format!(
            "{method} /healthz HTTP/1.1\r\nHost: sightline.test\r\nConnection: close\r\n\r\n"
        ))
        .await;
    }

    // /metrics: only with the token, and then every figure the issue names.
    let (code, body) = status("/metrics").await;
    assert_eq!(code, 401, "{body}");
    assert!(body.contains("Authorization: Bearer"), "{body}");
    let metrics = http
        .get(format!("{base}/metrics"))
        .header("host", "sightline.test")
        .bearer_auth("scrape-me")
        .send()
        .await
        .unwrap();
    assert_eq!(metrics.status().as_u16(), 200);
    assert!(metrics.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    let text = metrics.text().await.unwrap();
    for name in [
        "sightline_http_requests_total{method=\"GET\",route=\"/readyz\",status=\"200\"} 1",
        "sightline_http_request_duration_seconds_bucket{method=\"GET\",route=\"/healthz\",le=\"+Inf\"} 1",
        "sightline_websockets_open 0",
        "sightline_anonymous_sessions 0",
        "sightline_models_loaded",
        "sightline_models_bytes",
    ] {
        assert!(text.contains(name), "{name} missing from:\n{text}");
    }
    assert!(!text.contains("evil"), "{text}");
    assert!(
        text.contains("route=\"unmatched\",status=\"404\"}"),
        "{text}"
    );
    assert!(
        text.contains("method=\"OTHER\",route=\"/healthz\""),
        "{text}"
    );
    assert!(text.len() < 64 * 1024, "{} bytes", text.len());
    let (off, _keep_serving) = serve(t.state.clone(), "").await;
    let answer = http
        .get(format!("{off}/metrics"))
        .header("host", "sightline.test")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 404, "no token: metrics are off");

    // Stopping: readiness fails at once, so that the balancer takes the process out.
    t.state.lifecycle.drain();
    assert_eq!(status("/readyz").await.0, 503);
    assert_eq!(
        status("/healthz").await.0,
        200,
        "still alive while it drains"
    );
    drop(stop);
}
