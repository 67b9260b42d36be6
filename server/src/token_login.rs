//! Signing in with a token an identity provider signed (`app::idps`): Qlik's
//! `POST /login/jwt-session` gives a portal session's cookie, for a host on the same site;
//! `POST /login/embed-session` gives an embed's session, whose secret the embed sends in a
//! header (never a third-party cookie). Both take the token as `Authorization: Bearer <JWT>`.

use app::auth::principal::RequestInfo;
use app::error::AppError;
use app::idps::model::EmbedSession;
use app::idps::service::{self as idps, Purpose};
use app::state::AppState;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use http::{header, HeaderMap, HeaderValue, StatusCode};

fn token_of(headers: &HeaderMap) -> &str {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("")
}

fn refused(error: AppError) -> Response {
    crate::rest::error::RestError(error).into_response()
}

pub async fn jwt_session(
    State(state): State<AppState>,
    info: Option<Extension<RequestInfo>>,
    headers: HeaderMap,
) -> Response {
    let info = info.map(|Extension(i)| i).unwrap_or_default();
    match idps::sign_in_with_token(&state, &info, token_of(&headers), Purpose::Portal).await {
        Ok(session) => {
            let cookie = app::server_support::session_cookie(&state, &session.secret);
            let mut response = Json(session.principal.current_user()).into_response();
            if let Ok(value) = HeaderValue::from_str(&cookie) {
                response.headers_mut().append(header::SET_COOKIE, value);
            }
            response
        }
        Err(error) => refused(error),
    }
}

pub async fn embed_session(
    State(state): State<AppState>,
    info: Option<Extension<RequestInfo>>,
    headers: HeaderMap,
) -> Response {
    let info = info.map(|Extension(i)| i).unwrap_or_default();
    match idps::sign_in_with_token(&state, &info, token_of(&headers), Purpose::Embed).await {
        Ok(session) => (
            StatusCode::OK,
            [(header::CACHE_CONTROL, "no-store")],
            Json(EmbedSession {
                token: session.secret,
                expires_at: session.expires_at.unwrap_or_default(),
                user_name: session.principal.name.clone(),
            }),
        )
            .into_response(),
        Err(error) => refused(error),
    }
}
