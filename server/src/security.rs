//! Layers every request passes through: who is calling (session cookie or API key), the Origin
//! check on state-changing requests, and the security headers of every response.

use std::net::SocketAddr;

use app::auth::principal::RequestInfo;
use app::auth::rules::is_same_origin_request;
use app::auth::service::authenticate;
use app::server_support::CspNonce;
use app::state::AppState;
use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::header::{self, HeaderMap, HeaderValue};

use crate::rest::error::RestError;

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Settings of the layers that the app state does not carry.
#[derive(Clone, Default)]
pub struct LayerSettings {
    /// How many proxies in front of Sightline append to `X-Forwarded-For` (0: the header is
    /// ignored and the peer is the client).
    pub trusted_proxies: usize,
    /// The bearer token `/metrics` asks for; empty: `/metrics` is off.
    pub metrics_token: std::sync::Arc<str>,
}

/// Resolves the caller and the request's facts, and puts both in the request's extensions for
/// server functions, pages and REST handlers. Refuses cross-origin state changes.
pub async fn identify(
    State((state, layer)): State<(AppState, LayerSettings)>,
    mut request: Request,
    next: Next,
) -> Response {
    let headers = request.headers();
    let host = header(headers, "host").unwrap_or("").to_string();
    if !app::auth::rules::host_allowed(&host, &state.settings.public_url) {
        let error = app::error::AppError::invalid(
            "host",
            format!(
                "This server answers as {}, not as {host}. Use that address.",
                state.settings.public_url
            ),
        );
        let mut response = RestError(error).into_response();
        *response.status_mut() = http::StatusCode::MISDIRECTED_REQUEST;
        return response;
    }
    if !is_same_origin_request(
        request.method().as_str(),
        header(headers, "origin"),
        header(headers, "sec-fetch-site"),
        Some(&host),
    ) {
        return RestError(app::error::AppError::forbidden(
            "This request came from another site and was refused. Use Sightline from its own address.",
        ))
        .into_response();
    }
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_default();
    let info = RequestInfo {
        host,
        client_addr: app::auth::rules::client_address(
            &peer,
            header(headers, "x-forwarded-for"),
            layer.trusted_proxies,
        ),
        user_agent: header(headers, "user-agent")
            .unwrap_or("")
            .chars()
            .take(300)
            .collect(),
    };
    let authenticated = authenticate(
        &state,
        header(headers, "cookie"),
        header(headers, "authorization"),
    )
    .await;
    if let Some(caller) = request.extensions().get::<crate::request_log::Caller>() {
        let principal = authenticated.as_ref().ok().and_then(Option::as_ref);
        caller.set(crate::request_log::CallerFacts::of(
            &info.client_addr,
            principal,
        ));
    }
    match authenticated {
        Ok(Some(principal)) => {
            request.extensions_mut().insert(principal);
        }
        Ok(None) => {}
        Err(error) => return RestError(error).into_response(),
    }
    request.extensions_mut().insert(info);
    next.run(request).await
}

/// A request's path and query as the logs keep them: secrets that travel in addresses (a link's
/// access code, an invitation token) are replaced, so a copy of the logs opens nothing.
pub fn redacted_target(path: &str, query: Option<&str>) -> String {
    let path = if path.starts_with("/invite/") {
        "/invite/[redacted]".to_string()
    } else if path.starts_with("/collab/join/") {
        "/collab/join/[redacted]".to_string()
    } else {
        path.to_string()
    };
    let Some(query) = query.filter(|q| !q.is_empty()) else {
        return path;
    };
    let secret = |name: &str| {
        matches!(
            name.to_ascii_lowercase().as_str(),
            "eac"
                | "token"
                | "session"
                | "access-code"
                | "access_code"
                | "code"
                | "key"
                | "api_key"
        )
    };
    let query: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if secret(name) => format!("{name}=[redacted]"),
            _ => pair.to_string(),
        })
        .collect();
    format!("{path}?{}", query.join("&"))
}

/// 128 random bits, as CSP nonces should have.
fn new_nonce() -> String {
    app::ids::new_secret()[..32].to_string()
}

/// The app an embed page shows: `/embed/<app>/…`.
fn embedded_app(path: &str) -> Option<&str> {
    path.strip_prefix("/embed/")?
        .split('/')
        .next()
        .filter(|id| !id.is_empty())
}

/// Mints the page's CSP nonce and sets the security headers on every response. Portal pages may
/// never be framed; embed pages may be framed by the sites on their tenant's allowed list.
/// Anonymous pages send no referrer, so a link's access code never leaves in one.
pub async fn headers(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let nonce = new_nonce();
    request.extensions_mut().insert(CspNonce(nonce.clone()));
    let path = request.uri().path().to_string();
    let frame_ancestors = match embedded_app(&path) {
        Some(app_id) => app::anonymous::service::frame_ancestors_for(&state, app_id).await,
        None => "frame-ancestors 'none'".to_string(),
    };
    let visitor = app::shell::is_visitor_path(&path);
    let mut response = next.run(request).await;
    let csp = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; \
         connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; {frame_ancestors}"
    );
    let headers = response.headers_mut();
    let html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html"));
    let mut set = |name: header::HeaderName, value: &str| {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.entry(name).or_insert(value);
        }
    };
    set(header::CONTENT_SECURITY_POLICY, &csp);
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(
        header::REFERRER_POLICY,
        if visitor {
            "no-referrer"
        } else {
            "strict-origin-when-cross-origin"
        },
    );
    if embedded_app(&path).is_none() {
        // X-Frame-Options knows no list of sites; frame-ancestors decides for embed pages.
        set(header::X_FRAME_OPTIONS, "DENY");
        set(
            header::HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        );
    }
    if visitor || html {
        // A page holds who is signed in, or a visitor's live session: never from a cache. The
        // files it loads are kept (`site`).
        set(header::CACHE_CONTROL, "no-store");
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_in_addresses_never_reach_the_logs() {
        assert_eq!(
            redacted_target("/a/0123", Some("eac=5ecret&sheet=s1")),
            "/a/0123?eac=[redacted]&sheet=s1"
        );
        assert_eq!(
            redacted_target("/invite/5ecret", None),
            "/invite/[redacted]"
        );
        assert_eq!(
            redacted_target("/embed/app/chart", Some("object=c1&EAC=x")),
            "/embed/app/chart?object=c1&EAC=[redacted]"
        );
        assert_eq!(redacted_target("/spaces", None), "/spaces");
    }
}
