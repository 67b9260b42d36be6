//! Single sign-on through an OpenID Connect provider (`app::idps::service::oidc`):
//! `GET /login/oidc/{id}` sends the browser to the provider with a signed note in a cookie
//! (`Path=/login/oidc`, `SameSite=Lax`: the provider's redirect back is a top-level navigation,
//! which carries it); `GET /login/oidc/callback` ends the sign-in and opens a portal session,
//! or, for an admin's test, keeps what the provider said and goes back to the provider's page.

use app::auth::principal::{Principal, RequestInfo};
use app::error::AppError;
use app::idps::rules::oidc::{LOGIN_COOKIE, LOGIN_WINDOW_MS};
use app::idps::service::{self as idps, Callback, OidcOutcome};
use app::state::AppState;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Response};
use axum::Extension;
use http::{header, HeaderMap, HeaderValue, StatusCode};

#[derive(Debug, Default, serde::Deserialize)]
pub struct Start {
    next: Option<String>,
    test: Option<String>,
}

fn note_cookie(state: &AppState, value: &str, max_age_secs: i64) -> String {
    let secure = if state.settings.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    format!("{LOGIN_COOKIE}={value}; Path=/login/oidc; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}")
}

fn with_cookies(mut response: Response, cookies: &[String]) -> Response {
    for cookie in cookies {
        if let Ok(value) = HeaderValue::from_str(cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

fn see_other(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, to.to_string())]).into_response()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A sign-in that did not work: the reason, and the ways on.
fn problem(state: &AppState, error: AppError) -> Response {
    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::BAD_REQUEST);
    let page = format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Sign-in did not work</title><link rel="stylesheet" href="{}"></head>
<body><main class="page"><section class="auth-card card" role="alert"><h1>Sign-in did not work</h1><p>{}</p><p><a class="button primary" href="/login">Back to sign-in</a></p></section></main></body></html>"#,
        state.stylesheet,
        escape(&error.to_string())
    );
    (status, [(header::CACHE_CONTROL, "no-store")], Html(page)).into_response()
}

pub async fn start(
    State(state): State<AppState>,
    info: Option<Extension<RequestInfo>>,
    principal: Option<Extension<Principal>>,
    Path(id): Path<String>,
    Query(query): Query<Start>,
) -> Response {
    let info = info.map(|Extension(i)| i).unwrap_or_default();
    let principal = principal.map(|Extension(p)| p);
    let next = query.next.unwrap_or_else(|| "/".into());
    let test = query.test.is_some_and(|t| t == "1" || t == "true");
    match idps::start_oidc_sign_in(&state, &info, principal.as_ref(), &id, &next, test).await {
        Ok((to, note)) => with_cookies(
            see_other(&to),
            &[note_cookie(&state, &note, LOGIN_WINDOW_MS / 1000)],
        ),
        Err(error) => problem(&state, error),
    }
}

pub async fn callback(
    State(state): State<AppState>,
    info: Option<Extension<RequestInfo>>,
    principal: Option<Extension<Principal>>,
    headers: HeaderMap,
    Query(answer): Query<Callback>,
) -> Response {
    let info = info.map(|Extension(i)| i).unwrap_or_default();
    let principal = principal.map(|Extension(p)| p);
    let note = headers
        .get(header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|h| app::auth::rules::cookie_value(h, LOGIN_COOKIE))
        .unwrap_or("")
        .to_string();
    // The note is used once, whatever happens.
    let spent = note_cookie(&state, "", 0);
    match idps::finish_oidc_sign_in(&state, &info, principal.as_ref(), &note, answer).await {
        Ok(OidcOutcome::SignedIn { secret, next }) => with_cookies(
            see_other(&next),
            &[spent, app::server_support::session_cookie(&state, &secret)],
        ),
        Ok(OidcOutcome::Tested) => {
            with_cookies(see_other("/admin/identity-providers?tested=1"), &[spent])
        }
        Err(error) => with_cookies(problem(&state, error), &[spent]),
    }
}
