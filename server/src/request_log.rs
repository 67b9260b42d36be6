//! One log line per request, when its answer begins: the method, the path (secrets in it
//! redacted), the status and the time taken as numbers, the client's address, the user or API
//! key, and a request id, which is also sent back as `X-Request-Id` and names every other line
//! logged while the request was served (its span). Behind a trusted proxy that sends its own
//! `X-Request-Id` (deploy/nginx.conf sends nginx's), that id is kept, so both logs agree.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

/// Who made the request, as `security::identify` found out; empty until it has.
#[derive(Debug, Clone, Default)]
pub struct Caller(Arc<Mutex<CallerFacts>>);

#[derive(Debug, Clone, Default)]
pub struct CallerFacts {
    pub client: String,
    pub user: Option<String>,
    pub key: Option<String>,
}

impl CallerFacts {
    /// From the client's address and whoever signed the request, if anyone.
    pub fn of(client: &str, principal: Option<&app::auth::principal::Principal>) -> CallerFacts {
        CallerFacts {
            client: client.to_string(),
            user: principal.map(|p| p.user_id.clone()),
            key: principal.and_then(|p| match &p.credential {
                app::auth::principal::Credential::ApiKey { key_id } => Some(key_id.clone()),
                _ => None,
            }),
        }
    }
}

impl Caller {
    pub fn set(&self, facts: CallerFacts) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = facts;
    }

    fn facts(&self) -> CallerFacts {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// An id sent by a proxy is kept when it is one a log can hold as it is.
pub fn acceptable_id(id: &str) -> bool {
    (8..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// The layer: `trusted_proxies` as in the settings (an id from the client itself is not kept).
pub async fn log(
    State(trusted_proxies): State<usize>,
    mut request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let sent = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|id| trusted_proxies > 0 && acceptable_id(id));
    let id = match sent {
        Some(id) => id.to_string(),
        None => app::ids::new_id()[..16].to_string(),
    };
    let caller = Caller::default();
    request.extensions_mut().insert(caller.clone());
    let method = request.method().clone();
    let target = crate::security::redacted_target(request.uri().path(), request.uri().query());
    let span = tracing::info_span!("request", request_id = %id);
    let mut response = next.run(request).instrument(span.clone()).await;
    if let Ok(value) = http::HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", value);
    }
    let facts = caller.facts();
    let status = response.status().as_u16();
    let latency_ms = (started.elapsed().as_secs_f64() * 1e6).round() / 1e3;
    span.in_scope(|| {
        tracing::info!(
            target: "sightline::request",
            method = %method,
            uri = %target,
            status,
            latency_ms,
            client = %facts.client,
            user = facts.user.as_deref(),
            key = facts.key.as_deref(),
            "answered"
        )
    });
    response
}

#[cfg(test)]
mod tests {
    use super::acceptable_id;

    #[test]
    fn a_proxys_request_id_is_kept_only_when_a_log_can_hold_it() {
        let cases: &[(&str, bool)] = &[
            ("0f3a9c2be41d7a55b0c1d2e3f4a5b6c7", true),
            ("req-2026.12.07_1", true),
            ("short", false),
            ("has space in it", false),
            ("quote\"breaks-json", false),
            ("line\nbreak-in-it", false),
            (&"x".repeat(65), false),
        ];
        for (id, kept) in cases {
            assert_eq!(acceptable_id(id), *kept, "{id:?}");
        }
    }
}
