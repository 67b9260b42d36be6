//! Layers every request passes through: who is calling (session cookie or API key), the Origin
//! check on state-changing requests, and the security headers of every response.

use std::net::SocketAddr;

use app::auth::rules::is_same_origin_request;
use app::auth::service::{authenticate, RequestInfo};
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
#[derive(Clone, Copy)]
pub struct LayerSettings {
    pub trust_proxy: bool,
}

/// Resolves the caller and the request's facts, and puts both in the request's extensions for
/// server functions, pages and REST handlers. Refuses cross-origin state changes.
pub async fn identify(State((state, layer)): State<(AppState, LayerSettings)>, mut request: Request, next: Next) -> Response {
    let headers = request.headers();
    let host = header(headers, "host").unwrap_or("").to_string();
    if !is_same_origin_request(request.method().as_str(), header(headers, "origin"), header(headers, "sec-fetch-site"), Some(&host)) {
        return RestError(app::error::AppError::forbidden(
            "This request came from another site and was refused. Use Sightline from its own address.",
        ))
        .into_response();
    }
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string()).unwrap_or_default();
    let forwarded = layer.trust_proxy.then(|| header(headers, "x-forwarded-for")).flatten().and_then(|v| v.split(',').next()).map(str::trim);
    let info = RequestInfo {
        host,
        client_addr: forwarded.map(str::to_string).unwrap_or(peer),
        user_agent: header(headers, "user-agent").unwrap_or("").chars().take(300).collect(),
    };
    // Static files (the WASM bundle, CSS, icons) need no caller: spare the database a session
    // lookup for each of them.
    if !is_static_file(&state, request.uri().path()) {
        match authenticate(&state, header(headers, "cookie"), header(headers, "authorization")).await {
            Ok(Some(principal)) => {
                request.extensions_mut().insert(principal);
            }
            Ok(None) => {}
            Err(error) => return RestError(error).into_response(),
        }
    }
    request.extensions_mut().insert(info);
    next.run(request).await
}

fn is_static_file(state: &AppState, path: &str) -> bool {
    let pkg = state.leptos_options.site_pkg_dir.trim_matches('/');
    path.strip_prefix('/').and_then(|p| p.strip_prefix(pkg)).is_some_and(|rest| rest.starts_with('/')) || path == "/favicon.svg"
}

/// 128 random bits, as CSP nonces should have.
fn new_nonce() -> String {
    app::ids::new_secret()[..32].to_string()
}

/// The app an embed page shows: `/embed/<app>/…`.
fn embedded_app(path: &str) -> Option<&str> {
    path.strip_prefix("/embed/")?.split('/').next().filter(|id| !id.is_empty())
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
    let mut set = |name: header::HeaderName, value: &str| {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.entry(name).or_insert(value);
        }
    };
    set(header::CONTENT_SECURITY_POLICY, &csp);
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::REFERRER_POLICY, if visitor { "no-referrer" } else { "strict-origin-when-cross-origin" });
    if embedded_app(&path).is_none() {
        // X-Frame-Options knows no list of sites; frame-ancestors decides for embed pages.
        set(header::X_FRAME_OPTIONS, "DENY");
        set(header::HeaderName::from_static("cross-origin-opener-policy"), "same-origin");
    }
    if visitor {
        // A visitor's page holds a live session: never from a shared cache.
        set(header::CACHE_CONTROL, "no-store");
    }
    response
}
