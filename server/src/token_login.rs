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
        .and_then(app::auth::rules::bearer_token)
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
    let renew = headers
        .get(app::idps::RENEW_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let host = headers
        .get(app::idps::HOST_ORIGIN_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    match idps::sign_in_with_token(
        &state,
        &info,
        token_of(&headers),
        Purpose::Embed { renew, host },
    )
    .await
    {
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

/// A host user's embed: its view's HTML after a change, for the session its header carries.
/// What the view shows is what the portal shows that user (sharing, section access, licence);
/// the page's options only choose which of it to draw.
pub async fn host_sheet_html(
    State(state): State<AppState>,
    principal: Option<Extension<app::auth::principal::Principal>>,
    headers: http::HeaderMap,
    Json(request): Json<app::idps::model::HostSheetRequest>,
) -> Response {
    let page = &request.page;
    let answer = match principal {
        None => Err(AppError::SessionEnded(
            "Your sign-in through the host page has ended: the page asks it for a new one.".into(),
        )),
        Some(Extension(principal)) => {
            app::content::service::open_sheet_request(
                &state,
                &principal,
                &request.app_id,
                app::content::service::SheetRequest {
                    sheet_id: page.sheet.as_deref(),
                    changes: request.change.clone().into_iter().collect(),
                    only_field: page.only_field(),
                    shared: None,
                },
            )
            .await
        }
    };
    crate::sheet_html(answer, page, &headers)
}

/// A host user's embed going away (`navigator.sendBeacon`, which sends no header): the body is
/// the session's secret. The session ends, and with it the licence connection it held, so that
/// the licence is free at once rather than when the connection times out.
pub async fn end_embed_session(State(state): State<AppState>, body: String) -> StatusCode {
    let Some(secret) = body.split_whitespace().next() else {
        return StatusCode::NO_CONTENT;
    };
    if !secret.starts_with(app::idps::EMBED_TOKEN_PREFIX) {
        return StatusCode::NO_CONTENT;
    }
    let header = format!("Bearer {secret}");
    if let Ok(Some(principal)) = app::auth::service::authenticate(&state, None, Some(&header)).await
    {
        // Signing out ends the session's licence connections too.
        if let Err(error) = app::auth::service::sign_out(&state, &principal).await {
            tracing::warn!(%error, "ending an embed's session failed");
        }
    }
    StatusCode::NO_CONTENT
}
