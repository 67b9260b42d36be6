//! `/metrics` in Prometheus' text format, for operators who run several processes: requests by
//! route and status with their latencies, open websockets, anonymous sessions, licence
//! allocations, loaded models and their memory. Each process reports its own figures (a
//! scraper adds them up); the database's figures are the tenant-wide ones.
//!
//! Requests are labelled by the route the router matched (`/apps/{id}/sheets`, as declared),
//! never by the raw path: a path no route matched counts as `unmatched`, a method outside the
//! standard nine as `OTHER`, and at most `MAX_ROUTES` routes are kept, so that nothing a client
//! sends can grow the registry or break the text a scraper reads. Label values are escaped as
//! the exposition format requires all the same.

use std::collections::HashMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use app::state::AppState;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, StatusCode};

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 10] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0];
/// Route shapes kept; past them, requests count under `other`.
const MAX_ROUTES: usize = 200;

#[derive(Default)]
struct Latency {
    count: u64,
    sum_seconds: f64,
    /// Requests at or under each bucket's bound (not cumulative here; summed when written).
    buckets: [u64; BUCKETS.len()],
}

/// What this process counts; one per router.
#[derive(Default)]
pub struct Metrics {
    /// (method, route shape, status) -> requests.
    requests: Mutex<HashMap<(String, String, u16), u64>>,
    /// (method, route shape) -> latency.
    latencies: Mutex<HashMap<(String, String), Latency>>,
    /// Collaborative sessions' websockets open now.
    pub websockets: AtomicI64,
}

/// The label of a request's route: the route the router matched, as it was declared; the
/// site's files as one; anything else `unmatched`.
pub fn route_label(matched: Option<&str>, path: &str) -> String {
    match matched {
        Some(route) => route.to_string(),
        None if path.starts_with("/pkg/") => "/pkg/{file}".into(),
        None => "unmatched".into(),
    }
}

/// The label of a request's method: one of the nine HTTP defines, or `OTHER`.
pub fn method_label(method: &http::Method) -> &'static str {
    const KNOWN: [&str; 9] = [
        "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH",
    ];
    KNOWN
        .into_iter()
        .find(|known| method.as_str() == *known)
        .unwrap_or("OTHER")
}

/// A label value as the exposition format wants it: backslash, double quote and newline escaped.
fn escaped(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

impl Metrics {
    fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
        mutex
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn record(&self, method: &str, route: String, status: u16, seconds: f64) {
        let mut latencies = Self::lock(&self.latencies);
        let mut route = route;
        if !latencies.contains_key(&(method.to_string(), route.clone()))
            && latencies.len() >= MAX_ROUTES
        {
            route = "other".into();
        }
        let latency = latencies
            .entry((method.to_string(), route.clone()))
            .or_default();
        latency.count += 1;
        latency.sum_seconds += seconds;
        if let Some(bucket) = BUCKETS.iter().position(|bound| seconds <= *bound) {
            latency.buckets[bucket] += 1;
        }
        drop(latencies);
        *Self::lock(&self.requests)
            .entry((method.to_string(), route, status))
            .or_default() += 1;
    }

    /// The text a scraper reads.
    async fn render(&self, state: &AppState) -> String {
        let mut out = self.requests_text();
        self.gauges(&mut out, state);
        if let Ok(live) = app::anonymous::service::all_live_sessions(state).await {
            let name = "sightline_anonymous_sessions";
            let _ = writeln!(
                out,
                "# HELP {name} Anonymous sessions live now (every process's, on PostgreSQL)."
            );
            let _ = writeln!(out, "# TYPE {name} gauge");
            let _ = writeln!(out, "{name} {live}");
        }
        if let Ok(mut conn) = state.db.acquire().await {
            if let Ok(counts) = app::licences::store::allocation_counts(&mut conn).await {
                let name = "sightline_licence_allocations";
                let _ = writeln!(
                    out,
                    "# HELP {name} Licences allocated now, by kind (all tenants)."
                );
                let _ = writeln!(out, "# TYPE {name} gauge");
                for (kind, count) in counts {
                    let _ = writeln!(out, "{name}{{kind=\"{kind}\"}} {count}");
                }
            }
        }
        out
    }

    /// Requests and their latencies.
    fn requests_text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP sightline_http_requests_total Requests answered, by method, route and status."
        );
        let _ = writeln!(out, "# TYPE sightline_http_requests_total counter");
        let mut requests: Vec<_> = Self::lock(&self.requests)
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect();
        requests.sort();
        for ((method, route, status), count) in requests {
            let (method, route) = (escaped(&method), escaped(&route));
            let _ = writeln!(
                out,
                "sightline_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {count}"
            );
        }
        let _ = writeln!(
            out,
            "# HELP sightline_http_request_duration_seconds Time to answer, by method and route."
        );
        let _ = writeln!(
            out,
            "# TYPE sightline_http_request_duration_seconds histogram"
        );
        let latencies = Self::lock(&self.latencies);
        let mut keys: Vec<_> = latencies.keys().cloned().collect();
        keys.sort();
        for key in keys {
            let latency = &latencies[&key];
            let (method, route) = key;
            let labels = format!(
                "method=\"{}\",route=\"{}\"",
                escaped(&method),
                escaped(&route)
            );
            let mut cumulative = 0;
            for (bound, count) in BUCKETS.iter().zip(latency.buckets) {
                cumulative += count;
                let _ = writeln!(
                    out,
                    "sightline_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {cumulative}"
                );
            }
            let _ = writeln!(
                out,
                "sightline_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                latency.count
            );
            let _ = writeln!(
                out,
                "sightline_http_request_duration_seconds_sum{{{labels}}} {}",
                latency.sum_seconds
            );
            let _ = writeln!(
                out,
                "sightline_http_request_duration_seconds_count{{{labels}}} {}",
                latency.count
            );
        }
        out
    }

    /// What this process holds now.
    fn gauges(&self, out: &mut String, state: &AppState) {
        let gauge = |out: &mut String, name: &str, help: &str, value: String| {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} gauge");
            let _ = writeln!(out, "{name} {value}");
        };
        gauge(
            out,
            "sightline_websockets_open",
            "Collaborative sessions' websockets open on this process.",
            self.websockets.load(Ordering::Relaxed).to_string(),
        );
        let stats = state.content.engines.stats();
        let anonymous = state.anonymous.engines.stats();
        gauge(
            out,
            "sightline_models_loaded",
            "App models in this process's memory (tenant users' and anonymous visitors').",
            (stats.models + anonymous.models).to_string(),
        );
        gauge(
            out,
            "sightline_models_bytes",
            "Bytes those models hold.",
            (stats.bytes + anonymous.bytes).to_string(),
        );
        gauge(
            out,
            "sightline_viewers",
            "Viewers whose selections this process keeps.",
            (stats.viewers + anonymous.viewers).to_string(),
        );
    }
}

/// Counts every request the router answers.
pub async fn track(State(metrics): State<Arc<Metrics>>, request: Request, next: Next) -> Response {
    let method = method_label(request.method());
    let matched = request
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map(|m| m.as_str().to_string());
    let route = route_label(matched.as_deref(), request.uri().path());
    let started = Instant::now();
    let response = next.run(request).await;
    metrics.record(
        method,
        route,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}

/// `/metrics`: off (404) without a token in the settings; with one, only for a request that
/// sends it as a bearer token.
pub async fn endpoint(
    State(state): State<AppState>,
    axum::Extension(metrics): axum::Extension<Arc<Metrics>>,
    axum::Extension(token): axum::Extension<MetricsToken>,
    headers: HeaderMap,
) -> Response {
    if token.0.is_empty() {
        return (
            StatusCode::NOT_FOUND,
            "Metrics are off: set metrics_token (SIGHTLINE_METRICS_TOKEN) to turn them on.",
        )
            .into_response();
    }
    let sent = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    // Digests compare in time that says nothing about how much of the token was right.
    if app::ids::digest(sent) != app::ids::digest(&token.0) {
        return (
            StatusCode::UNAUTHORIZED,
            "Send the metrics token as Authorization: Bearer <metrics_token>.",
        )
            .into_response();
    }
    (
        [(
            http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        metrics.render(&state).await,
    )
        .into_response()
}

/// The token `/metrics` asks for (empty: off).
#[derive(Clone, Default)]
pub struct MetricsToken(pub Arc<str>);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_bounded_and_escaped_whatever_a_client_sends() {
        assert_eq!(
            route_label(Some("/apps/{id}/sheets"), "/apps/x/sheets"),
            "/apps/{id}/sheets"
        );
        assert_eq!(route_label(None, "/pkg/sightline.wasm"), "/pkg/{file}");
        assert_eq!(route_label(None, "/x\"},evil=\"1"), "unmatched");
        assert_eq!(method_label(&http::Method::PATCH), "PATCH");
        let made_up = http::Method::from_bytes(b"M000001XXXXXXXX").unwrap();
        assert_eq!(method_label(&made_up), "OTHER");
        assert_eq!(escaped("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
        let metrics = Metrics::default();
        for n in 0..1_000 {
            metrics.record("GET", format!("/declared-{n}"), 404, 0.001);
        }
        metrics.record("GET", "/x\"},evil=\"1".into(), 404, 0.001);
        let routes = Metrics::lock(&metrics.latencies).len();
        assert!(routes <= MAX_ROUTES + 1, "{routes} routes kept");
        let other = Metrics::lock(&metrics.requests)
            .get(&("GET".to_string(), "other".to_string(), 404))
            .copied();
        assert_eq!(other, Some(1_001 - MAX_ROUTES as u64));
        // Even a label that held a quote could not end its value early.
        let fresh = Metrics::default();
        fresh.record("GET", "/x\"},evil=\"1".into(), 404, 0.001);
        let text = fresh.requests_text();
        assert!(
            text.contains(r#"sightline_http_requests_total{method="GET",route="/x\"},evil=\"1",status="404"} 1"#),
            "{text}"
        );
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let unescaped_quotes = line
                .char_indices()
                .filter(|(i, c)| *c == '"' && !line[..*i].ends_with('\\'))
                .count();
            assert_eq!(unescaped_quotes % 2, 0, "{line}");
            assert!(!line.contains("evil=\"1\","), "{line}");
        }
    }
}
