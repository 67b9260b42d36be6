#![recursion_limit = "512"]
//! The Sightline server: configuration, database, router (pages, server functions, REST API),
//! security layers, background jobs and the command line.

pub mod backup;
pub mod cli;
pub mod collab_socket;
pub mod config;
pub mod db;
pub mod demo;
pub mod demo_data;
pub mod first_pages;
pub mod metrics;
pub mod request_log;
pub mod rest;
pub mod scim;
pub mod security;
pub mod site;
pub mod sso_login;
pub mod token_login;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use app::server_support::CspNonce;
use app::state::{AppState, Clock, SystemClock};
use app::{shell, App};
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use http::request::Parts;
use http::StatusCode;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tokio::net::TcpListener;

use config::Config;
use security::LayerSettings;

/// Connects to the database, migrates it, and builds the state every request shares.
pub async fn build_state(config: &Config, clock: Arc<dyn Clock>) -> Result<AppState, String> {
    let db = db::connect(&config.database_url, &config.data_dir).await?;
    db::migrate(&db, &config.database_url).await?;
    // After the migration: the readers must find the schema there.
    let reader = db::connect_readers(&config.database_url, &db).await?;
    let content = Arc::new(app::content::runtime::Content::new(
        &config.data_dir,
        config.settings.memory_budget_bytes,
    ));
    let key = app::anonymous::service::load_signing_key(&db, clock.now_ms()).await?;
    let changes = db::changes(&config.database_url)?;
    let anonymous = Arc::new(app::anonymous::runtime::Anonymous::new(
        &key,
        config.settings.anonymous.memory_budget_bytes,
        changes.clone(),
    ));
    let mut settings = config.settings.clone();
    app::connections::service::ensure_key(&config.data_dir, &mut settings.sources.key)?;
    let state = AppState {
        db,
        reader,
        clock,
        settings: Arc::new(settings),
        content,
        anonymous,
        collab: Arc::new(app::collab::runtime::Hub::new()),
        grants: Arc::new(app::access::grants::new(changes)),
        lifecycle: Arc::new(app::state::Lifecycle::default()),
        leptos_options: config.leptos.clone(),
        stylesheet: app::state::stylesheet_href(&config.leptos).into(),
    };
    // Passwords sealed under a key the settings now list as previous are sealed again.
    let resealed = app::connections::service::reseal(&state)
        .await
        .map_err(|e| format!("sealing data connections' passwords again: {e}"))?;
    if resealed > 0 {
        tracing::info!(
            resealed,
            "data connections' passwords sealed under the new connection key"
        );
    }
    Ok(state)
}

pub async fn build_state_now(config: &Config) -> Result<AppState, String> {
    build_state(config, Arc::new(SystemClock)).await
}

/// Everything a Leptos render or server function needs beyond what leptos_axum provides: the
/// state, and the CSP nonce the security layer minted for this response.
fn leptos_context(state: AppState) -> impl Fn() + Clone + Send + Sync + 'static {
    move || {
        provide_context(state.clone());
        if let Some(nonce) =
            use_context::<Parts>().and_then(|p| p.extensions.get::<CspNonce>().cloned())
        {
            provide_context(Nonce::from_value(nonce.0));
        }
    }
}

/// The whole HTTP application.
pub fn router(state: AppState, layer: LayerSettings) -> Router {
    let options = state.leptos_options.clone();
    // Visitors' pages are their own app with their own small bundle; the portal's are the rest.
    let routes = generate_route_list(App);
    let visitor_routes = generate_route_list(app::VisitorApp);
    let context = leptos_context(state.clone());
    let metrics = Arc::new(metrics::Metrics::default());
    let metrics_token = metrics::MetricsToken(layer.metrics_token.clone());
    let trusted_proxies = layer.trusted_proxies;
    let site = Arc::new(
        site::Site::load(
            Path::new(&*options.site_root),
            options.site_pkg_dir.trim_matches('/'),
        )
        .unwrap_or_else(|error| {
            tracing::error!(%error, site = %options.site_root, "reading the site's files");
            site::Site::default()
        }),
    );
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics::endpoint))
        .route(
            app::anonymous::rules::END_SESSION_PATH,
            axum::routing::post(end_anonymous_session),
        )
        .route(
            app::anonymous::rules::SHEET_HTML_PATH,
            axum::routing::post(anonymous_sheet_html),
        )
        .route(
            app::licences::rules::END_CONNECTION_PATH,
            axum::routing::post(end_licence_connection),
        )
        .route("/collab/{id}/socket", get(collab_socket::socket))
        .route(
            app::idps::rules::oidc::CALLBACK_PATH,
            get(sso_login::callback),
        )
        .route("/login/oidc/{id}", get(sso_login::start))
        .route(
            "/login/jwt-session",
            axum::routing::post(token_login::jwt_session),
        )
        .route(
            "/login/embed-session",
            axum::routing::post(token_login::embed_session),
        )
        .route(
            "/login/embed-session/end",
            axum::routing::post(token_login::end_embed_session),
        )
        .route(
            app::idps::HOST_SHEET_HTML_PATH,
            axum::routing::post(token_login::host_sheet_html),
        )
        .nest(app::scim::BASE_PATH, scim::router())
        .merge(rest::router())
        .leptos_routes_with_context(&state, routes, context.clone(), {
            let options = options.clone();
            move || shell(options.clone())
        })
        // Registered once above with the portal's routes: the server functions are the same.
        // Visitors' pages are complete HTML with a small script, no WASM (`visitor_shell`).
        .leptos_routes_with_handler(visitor_routes, {
            let context = context.clone();
            move |request: http::Request<axum::body::Body>| {
                leptos_axum::render_app_async_with_context(context.clone(), app::visitor_shell)(
                    request,
                )
            }
        })
        // Any other address: the portal's "not found" page (the site's files are answered by
        // `site` before routing, by name).
        .fallback(leptos_axum::render_app_to_stream_with_context(context, {
            let options = options.clone();
            move || shell(options.clone())
        }))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            first_pages::serve,
        ))
        .layer(axum::middleware::from_fn_with_state(
            (state.clone(), layer),
            security::identify,
        ))
        // The site's files need no caller, and no render: answered before either.
        .layer(axum::middleware::from_fn_with_state(site, site::serve))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::headers,
        ))
        .layer(axum::Extension(metrics_token))
        .layer(axum::Extension(metrics.clone()))
        .layer(axum::middleware::from_fn_with_state(
            metrics,
            metrics::track,
        ))
        // One log line per request, with its id, numbers as numbers, who asked (`request_log`).
        .layer(axum::middleware::from_fn_with_state(
            trusted_proxies,
            request_log::log,
        ))
        .with_state(state)
}

/// A visitor's page going away sends its session token (`navigator.sendBeacon`): the seat and
/// the selections are given back. Anything else in the body ends nothing; the answer is the same.
async fn end_anonymous_session(State(state): State<AppState>, body: String) -> StatusCode {
    app::anonymous::service::end_session(&state, body.trim()).await;
    StatusCode::NO_CONTENT
}

/// `anonymous_sheet` for a visitor's page, which runs no WASM: the view's new HTML. The token
/// decides everything the view shows, as for the server function; the page's options only
/// choose which of it to draw.
async fn anonymous_sheet_html(
    State(state): State<AppState>,
    headers: http::HeaderMap,
    axum::Json(request): axum::Json<app::anonymous::model::SheetHtmlRequest>,
) -> axum::response::Response {
    let page = request.page;
    let answer = app::anonymous::service::anonymous_sheet(
        &state,
        &request.token,
        page.sheet.as_deref(),
        page.only_field(),
        request.change,
    )
    .await;
    sheet_html(answer, &page, &headers)
}

/// What a page without WASM (a visitor's, a host user's embed) receives after a change: the
/// view's HTML as the page's options draw it, or why not, with a session's end said apart.
pub(crate) fn sheet_html(
    answer: Result<app::content::model::SheetView, app::error::AppError>,
    page: &app::anonymous::model::EmbedOptions,
    headers: &http::HeaderMap,
) -> axum::response::Response {
    let languages = headers
        .get(http::header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    use app::anonymous::model::SheetHtml;
    match answer {
        Ok(view) => axum::Json(SheetHtml {
            sheet: view.sheet.as_ref().map(|s| s.id.clone()),
            selections: view.selections.clone(),
            html: Some(app::anonymous::ui::view_html(view, page, languages)),
            error: None,
            ended: None,
        })
        .into_response(),
        Err(error) => {
            let ended = matches!(error, app::error::AppError::SessionEnded(_));
            let status =
                StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let message = error.to_string();
            let answer = SheetHtml {
                html: None,
                sheet: None,
                selections: Vec::new(),
                error: (!ended).then(|| message.clone()),
                ended: ended.then_some(message),
            };
            (status, axum::Json(answer)).into_response()
        }
    }
}

/// A portal page that goes away ends its app's licence connection (the body is the app id).
async fn end_licence_connection(
    State(state): State<AppState>,
    principal: Option<axum::Extension<app::auth::principal::Principal>>,
    body: String,
) -> StatusCode {
    let app_id = body.trim();
    if let (Some(axum::Extension(principal)), true) = (principal, app::ids::is_id(app_id)) {
        if let Err(error) = app::licences::service::disconnect(&state, &principal, app_id).await {
            tracing::warn!(%error, "ending a licence connection failed");
        }
    }
    StatusCode::NO_CONTENT
}

/// Alive: 200 when the database answers, 503 otherwise.
async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    if db::ping(&state.db).await {
        (StatusCode::OK, "ok")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
    }
}

/// Ready to serve, for a load balancer: the database answers (its migrations ran before the
/// process began listening) and the process is not draining before it stops.
async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    if state.lifecycle.is_draining() {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "draining: this process is stopping",
        )
    } else if db::ping(&state.db).await {
        (StatusCode::OK, "ready")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
    }
}

/// How often housekeeping runs, and how long its lease lasts when the holder stops renewing it.
const HOUSEKEEPING_EVERY: Duration = Duration::from_secs(600);
const HOUSEKEEPING_LEASE_MS: i64 = 900_000;

/// Housekeeping. What the database holds is cleaned by one process at a time, the holder of the
/// `housekeeping` lease (another takes over within 15 minutes when it stops); what each process
/// holds in memory, each process cleans itself.
fn spawn_housekeeping(state: AppState) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(HOUSEKEEPING_EVERY);
        loop {
            tick.tick().await;
            let held = app::sql::try_lease(
                &state.db,
                "housekeeping",
                &state.lifecycle.process_id,
                state.now(),
                HOUSEKEEPING_LEASE_MS,
            )
            .await;
            match held {
                Ok(true) => housekeep_database(&state).await,
                Ok(false) => {}
                Err(error) => tracing::warn!(%error, "taking the housekeeping lease failed"),
            }
            // A viewer's selections last as long as a signed-in session may sit idle.
            // (Anonymous sessions' selections go with their sessions: see the minute loop.)
            state
                .content
                .engines
                .forget_idle_viewers(state.now() - state.settings.session.idle_ms);
        }
    });
}

async fn housekeep_database(state: &AppState) {
    if let Err(error) = app::auth::service::forget_old_failures(state).await {
        tracing::warn!(%error, "housekeeping failed");
    }
    if let Err(error) = app::idps::service::forget_used_tokens(state).await {
        tracing::warn!(%error, "forgetting used tokens failed");
    }
    if let Err(error) = app::content::service::forget_stale_uploads(state).await {
        tracing::warn!(%error, "forgetting stale uploads failed");
    }
    if let Err(error) = app::content::service::forget_orphaned_app_data(state).await {
        tracing::warn!(%error, "removing the data of deleted apps failed");
    }
    if let Err(error) = app::collab::service::end_due_sessions(state).await {
        tracing::warn!(%error, "ending collaborative sessions whose initiator left failed");
    }
    if let Err(error) = app::content::service::forget_idle_selections(state).await {
        tracing::warn!(%error, "forgetting idle viewers' selections failed");
    }
    if let Err(error) = app::anonymous::service::forget_ended_seats(state).await {
        tracing::warn!(%error, "forgetting ended anonymous seats failed");
    }
}

/// What other processes sharing the PostgreSQL database announce: collaborative sessions'
/// changes (which wake this process's websockets) and changed `frame-ancestors` (forgotten
/// here). The listener reconnects by itself; what it misses meanwhile each websocket finds at
/// its next heartbeat, and a cached directive is 30 seconds old at most.
pub fn spawn_listener(state: AppState, database_url: &str) {
    if db::is_sqlite(database_url) {
        return;
    }
    let url = database_url.to_string();
    let channels = [
        app::collab::runtime::NOTIFY_CHANNEL,
        app::anonymous::runtime::CACHE_CHANNEL,
        app::sql::CHANGES_CHANNEL,
    ];
    tokio::spawn(async move {
        loop {
            match sqlx::postgres::PgListener::connect(&url).await {
                Ok(mut listener) => {
                    if let Err(error) = listener.listen_all(channels).await {
                        tracing::warn!(%error, "listening to the other processes failed");
                    } else {
                        changes_heard(&state, true);
                        loop {
                            match listener.recv().await {
                                Ok(note) => heard(&state, note.channel(), note.payload()),
                                Err(error) => {
                                    tracing::warn!(%error, "the listener lost its connection");
                                    break;
                                }
                            }
                        }
                        // Until it listens again, a grant could change unheard.
                        changes_heard(&state, false);
                    }
                }
                Err(error) => tracing::warn!(%error, "connecting the listener failed"),
            }
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
    });
}

/// The listener connected (`true`) or lost its connection: every cache watched through it.
fn changes_heard(state: &AppState, listening: bool) {
    state.grants.listening(listening);
    state.anonymous.visits.listening(listening);
}

fn heard(state: &AppState, channel: &str, payload: &str) {
    if channel == app::sql::CHANGES_CHANNEL {
        match payload {
            "grants" => state.grants.changed(),
            "visits" => state.anonymous.visits.changed(),
            _ => {}
        }
    } else if channel == app::anonymous::runtime::CACHE_CHANNEL {
        state.anonymous.forget_frame_ancestors(payload);
    } else if let Some((id, announced)) = app::collab::runtime::Hub::parse(payload) {
        match announced {
            app::collab::runtime::Announcement::Version(version) => {
                state.collab.announce(id, version)
            }
            app::collab::runtime::Announcement::Presence => state.collab.beat(id),
        }
    }
}

/// Every minute: anonymous counters to the database, expired anonymous sessions forgotten.
fn spawn_anonymous_flush(state: AppState) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
            if let Err(error) = app::anonymous::service::flush(&state).await {
                tracing::warn!(%error, "writing anonymous use failed");
            }
        }
    });
}

/// Every 15 seconds: reloads whose process stopped claiming them (killed mid-reload) are marked
/// failed; the app keeps serving the data it had.
fn spawn_reload_watch(state: AppState) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(15));
        loop {
            tick.tick().await;
            if let Err(error) = app::reloads::service::fail_abandoned_reloads(&state).await {
                tracing::warn!(%error, "marking abandoned reloads failed");
            }
        }
    });
}

/// Runs the reload schedules whose time has come, every few seconds; each run is taken by one
/// process only, so every process runs this.
fn spawn_reload_schedules(state: AppState) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_millis(app::reload_tasks::TICK_MS));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if state.lifecycle.is_draining() {
                continue;
            }
            if let Err(error) = app::reload_tasks::service::run_due_tasks(&state).await {
                tracing::warn!(%error, "running the reload schedules failed");
            }
        }
    });
}

/// Serves until `shutdown` resolves, then finishes the requests under way.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    layer: LayerSettings,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    spawn_housekeeping(state.clone());
    spawn_anonymous_flush(state.clone());
    spawn_reload_watch(state.clone());
    spawn_reload_schedules(state.clone());
    // Stopping: readiness fails and websockets close with "reconnect" (they would otherwise
    // hold the shutdown open); requests under way finish.
    let lifecycle = state.lifecycle.clone();
    let shutdown = async move {
        shutdown.await;
        lifecycle.drain();
    };
    let app = router(state, layer).into_make_service_with_connect_info::<std::net::SocketAddr>();
    // Small writes (a websocket's view, a server function's answer) leave at once, rather than
    // wait for the peer's delayed acknowledgement (Nagle): that wait was 40 ms per message.
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

/// Ctrl-C or SIGTERM: which one came.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    Interrupt,
    Terminate,
}

/// Waits for Ctrl-C or SIGTERM.
pub async fn stop_signal() -> Stop {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => Stop::Interrupt,
        _ = terminate => Stop::Terminate,
    }
}

/// Stopping as a balancer needs it, for `serve`'s `shutdown`. On SIGTERM the process stops
/// being ready (`/readyz` answers 503; collaborative sessions' websockets are told to reconnect,
/// through the balancer, elsewhere) and goes on serving for `drain`, the balancer's time to
/// notice and send requests elsewhere; then it stops taking requests, finishes those under way
/// and exits. Ctrl-C (someone at a terminal) or a second signal skips the wait.
pub async fn drain_then_stop(lifecycle: Arc<app::state::Lifecycle>, drain: Duration) {
    let first = stop_signal().await;
    lifecycle.drain();
    if first == Stop::Terminate && !drain.is_zero() {
        tracing::info!(
            drain_seconds = drain.as_secs_f64(),
            "stopping: /readyz answers 503 while requests go on being served"
        );
        tokio::select! {
            _ = tokio::time::sleep(drain) => {},
            _ = stop_signal() => {},
        }
    }
    tracing::info!("stopping: finishing the requests under way");
}
