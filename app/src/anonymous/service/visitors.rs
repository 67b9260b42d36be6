//! Visitors: a session from a link and its code, and each later view.

use std::sync::Arc;

use super::*;
use crate::anonymous::runtime::{FirstPage, PageCapture, VisitFacts};

/// Who is asking for a session: the client's address (for the per-address limits), and where
/// the page being rendered for them may be kept as bytes (`FirstPage`), if it is a page.
pub struct Visit<'a> {
    pub client_addr: &'a str,
    pub page: Option<&'a PageCapture>,
}

/// What a visitor page's address asks for.
pub struct PageRequest<'a> {
    pub app_id: &'a str,
    pub code: &'a str,
    /// The page's path and query: with the app's versions and what the link shows, it names
    /// the page.
    pub address: &'a str,
}

/// The key of a page everyone shares: the app's versions, what the link shows of the data, and
/// the page's address (which holds its sheet, chart, field, theme and toolbar).
fn page_key(app: &AppRow, data_access: &DataAccess, address: &str) -> String {
    format!(
        "{}|{}|{}|{}|{address}",
        app.id,
        app.content_version,
        app.data_version,
        data_access.key()
    )
}

/// What a visit found among the pages kept as bytes.
pub enum KeptPage {
    /// The page, and the visitor's new session token to splice into it.
    Served(Arc<FirstPage>, String),
    /// No page is kept under `key` (yet): it is rendered.
    NotKept { key: String },
}

/// A visit answered with a page kept as bytes (`FirstPage`): the same checks and the same seat
/// as `start_anonymous_session`, nothing rendered. An error when a check refuses (the page is
/// then rendered, which says why).
pub async fn start_from_first_page(
    state: &AppState,
    visit: Visit<'_>,
    request: PageRequest<'_>,
) -> Result<KeptPage, AppError> {
    let now = state.now();
    let mut conn = state.reader.acquire().await?;
    let facts = visit_facts(state, &mut conn, request.app_id).await?;
    drop(conn);
    let link = link_by_code(&facts, request.code)?;
    refuse_unless_live(link, now)?;
    let key = page_key(&facts.app, &link_access(&facts, link), request.address);
    let Some(page) = state.anonymous.first_page(&key) else {
        return Ok(KeptPage::NotKept { key });
    };
    let address = crate::auth::rules::address_bucket(visit.client_addr);
    allow_start(state, &address, now)?;
    let claims = admit(state, &facts, link, address, now).await?;
    Ok(KeptPage::Served(
        page,
        rules::sign(&state.anonymous.key, &claims),
    ))
}

/// The per-address limit of new sessions, counted per address (an IPv6 client per /64: it may
/// pick any address in it).
fn allow_start(state: &AppState, address: &str, now: i64) -> Result<(), AppError> {
    state
        .anonymous
        .lock()
        .starts
        .allow(address, now, state.settings.anonymous.starts_per_minute)
}

/// A new session's seat in the tenant's capacity, and its view counted: its claims.
async fn admit(
    state: &AppState,
    facts: &VisitFacts,
    link: &LinkRow,
    address: String,
    now: i64,
) -> Result<SessionClaims, AppError> {
    let session_id = new_id();
    let expires_at = now + state.settings.anonymous.session_ms;
    admit_session(
        state,
        &facts.app.tenant_id,
        Seat {
            expires_at,
            address,
            link_id: link.id.clone(),
            seen_at: now,
        },
        &session_id,
        facts.capacity,
        now,
    )
    .await?;
    *state
        .anonymous
        .lock()
        .views
        .entry((link.id.clone(), now.div_euclid(DAY_MS)))
        .or_default() += 1;
    Ok(SessionClaims {
        session_id,
        app_id: facts.app.id.clone(),
        link_id: link.id.clone(),
        generation: link.link_generation,
        expires_at,
    })
}

/// What a visit to `app_id`'s links reads, from the cache while nothing it was read from has
/// changed. A missing app is "not found", like a wrong code.
pub(super) async fn visit_facts(
    state: &AppState,
    conn: &mut AnyConnection,
    app_id: &str,
) -> Result<Arc<VisitFacts>, AppError> {
    let visits = &state.anonymous.visits;
    let stamp = visits.stamp(conn).await?;
    if let Some(facts) = stamp.and_then(|stamp| visits.get(app_id, stamp)) {
        return Ok(facts);
    }
    let app = app_store::get_app_by_id(conn, app_id)
        .await?
        .ok_or_else(rules::no_such_link)?;
    let links = store::links_of_app(conn, &app.id).await?;
    let capacity = store::capacity(conn, &app.tenant_id).await?;
    let mut data_access = HashMap::new();
    for link in &links {
        // Links live in managed spaces, where nobody is exempt from the rules: the maker's own.
        let maker =
            crate::access::data_access_of(conn, &link.link_maker, &link.app_id, false).await?;
        data_access.insert(
            link.id.clone(),
            rules::visitor_access(reduction_of(link).as_ref(), &maker),
        );
    }
    let facts = Arc::new(VisitFacts {
        app,
        links,
        capacity,
        data_access,
    });
    if let Some(stamp) = stamp {
        visits.keep(facts.app.id.clone(), stamp, facts.clone());
    }
    Ok(facts)
}

/// The link whose code this is, compared in constant time with each of the app's codes. A
/// missing app, a wrong code and an old code all answer the same "not found".
fn link_by_code<'a>(facts: &'a VisitFacts, code: &str) -> Result<&'a LinkRow, AppError> {
    let mut found = None;
    for link in &facts.links {
        // Every code is compared, so the time taken does not say which one matched.
        if constant_time_eq(&link.link_code, code) && !code.is_empty() {
            found = Some(link);
        }
    }
    found.ok_or_else(rules::no_such_link)
}

pub(super) fn refuse_unless_live(link: &LinkRow, now: i64) -> Result<(), AppError> {
    match link.status(now) {
        LinkStatus::Live => Ok(()),
        LinkStatus::Paused => Err(AppError::forbidden(
            "This link is turned off for now. Its owner can turn it on again; ask them.",
        )),
        LinkStatus::Expired => Err(AppError::Gone(
            "This link has expired. Ask whoever shared it for a new one.".into(),
        )),
    }
}

/// What a visitor through this link sees of the data. A link the facts know nothing of sees
/// nothing, never everything.
fn link_access(facts: &VisitFacts, link: &LinkRow) -> DataAccess {
    facts
        .data_access
        .get(&link.id)
        .cloned()
        .unwrap_or(DataAccess::Reduced(Vec::new()))
}

/// A visitor's viewer: their session's key and what the link shows of the data.
fn visitor_viewer<'a>(
    state: &'a AppState,
    facts: &VisitFacts,
    link: &LinkRow,
    session_id: &str,
) -> SheetViewer<'a> {
    SheetViewer {
        key: format!("anonymous:{session_id}"),
        person: None,
        public_sheets_only: true,
        data_access: link_access(facts, link),
        engines: &state.anonymous.engines,
    }
}

/// Starts an anonymous session on a link and renders its first view. Checks, in order: the
/// per-address limit, the code, the link's state, the tenant's capacity. An embed of one chart
/// may name the chart alone (as qlik-embed does): its sheet is then the chart's.
#[allow(clippy::too_many_arguments)]
pub async fn start_anonymous_session(
    state: &AppState,
    visit: Visit<'_>,
    app_id: &str,
    code: &str,
    sheet_id: Option<&str>,
    chart_id: Option<&str>,
    field: Option<&str>,
    select: &str,
) -> Result<AnonymousSession, AppError> {
    let now = state.now();
    let address = crate::auth::rules::address_bucket(visit.client_addr);
    allow_start(state, &address, now)?;
    let initial = rules::parse_selections(select)?;
    let mut conn = state.reader.acquire().await?;
    let facts = visit_facts(state, &mut conn, app_id).await?;
    let (app, link) = (&facts.app, link_by_code(&facts, code)?);
    refuse_unless_live(link, now)?;
    // The admission takes a connection of its own (a transaction on PostgreSQL): holding this
    // one meanwhile would let a crowd of visitors hold every connection of the pool, each
    // waiting for a second.
    drop(conn);
    let claims = admit(state, &facts, link, address, now).await?;
    let session_id = claims.session_id.clone();
    let expires_at = claims.expires_at;
    let mut conn = state.db.acquire().await?;
    let viewer = visitor_viewer(state, &facts, link, &session_id);
    // The chart's sheet, which render_sheet then checks is a sheet of this app a visitor sees.
    let chart_sheet = match (sheet_id, chart_id) {
        (None, Some(chart)) if crate::ids::is_id(chart) => {
            crate::content::store::get_chart(&mut conn, chart)
                .await?
                .map(|c| c.sheet_id)
        }
        _ => None,
    };
    let sheet_id = sheet_id.or(chart_sheet.as_deref());
    // Initial selections make a view of the visitor's own; without them it is shared.
    let shared_view = initial.is_empty();
    let shared = shared_view.then(|| {
        format!(
            "{}|{}|{}|{}|{}|{}",
            app.id,
            app.content_version,
            app.data_version,
            viewer.data_access.key(),
            sheet_id.unwrap_or(""),
            field.unwrap_or("")
        )
    });
    let view = match shared
        .as_deref()
        .and_then(|key| state.anonymous.first_view(key))
    {
        Some(view) => view,
        None => {
            let changes = initial
                .into_iter()
                .map(|(field, values)| SelectionChange::SelectValues { field, values })
                .collect();
            let view = render_sheet(
                state,
                conn,
                app,
                "",
                &viewer,
                SheetRequest {
                    sheet_id,
                    changes,
                    only_field: field,
                    shared: None,
                },
            )
            .await?;
            if let Some(key) = shared {
                state.anonymous.keep_first_view(key, &view);
            }
            view
        }
    };
    let token = rules::sign(&state.anonymous.key, &claims);
    if let (Some(capture), true) = (visit.page, shared_view) {
        capture.keep(
            page_key(app, &viewer.data_access, &capture.address),
            token.clone(),
        );
    }
    Ok(AnonymousSession {
        token,
        lasts_ms: expires_at - now,
        view,
    })
}

/// Another embed of the same page joins a live session (as a Qlik mashup's objects share one
/// session): no new seat, no start counted; the view drawn is the session's, with its
/// selections. The session must be of this app and of the link this code opens.
pub async fn join_anonymous_session(
    state: &AppState,
    app_id: &str,
    code: &str,
    token: &str,
    sheet_id: Option<&str>,
    chart_id: Option<&str>,
    field: Option<&str>,
) -> Result<AnonymousSession, AppError> {
    let mut conn = state.db.acquire().await?;
    let (claims, facts) = session_link(state, &mut conn, token).await?;
    let link = link_by_code(&facts, code)?;
    if facts.app.id != app_id || link.id != claims.link_id {
        return Err(rules::session_ended(false));
    }
    let chart_sheet = match (sheet_id, chart_id) {
        (None, Some(chart)) if crate::ids::is_id(chart) => {
            crate::content::store::get_chart(&mut conn, chart)
                .await?
                .map(|c| c.sheet_id)
        }
        _ => None,
    };
    let sheet_id = sheet_id.or(chart_sheet.as_deref());
    let viewer = visitor_viewer(state, &facts, link, &claims.session_id);
    let view = render_sheet(
        state,
        conn,
        &facts.app,
        "",
        &viewer,
        SheetRequest {
            sheet_id,
            changes: Vec::new(),
            only_field: field,
            shared: None,
        },
    )
    .await?;
    Ok(AnonymousSession {
        token: token.to_string(),
        lasts_ms: claims.expires_at - state.now(),
        view,
    })
}

/// A session's claims and its app's visit facts, if the token is still good: signed here, not
/// expired, and its link still live under the same code.
pub(super) async fn session_link(
    state: &AppState,
    conn: &mut AnyConnection,
    token: &str,
) -> Result<(SessionClaims, Arc<VisitFacts>), AppError> {
    let claims =
        rules::verify(&state.anonymous.key, token).ok_or_else(|| rules::session_ended(false))?;
    if claims.expires_at <= state.now() {
        return Err(rules::session_ended(true));
    }
    let facts = visit_facts(state, conn, &claims.app_id)
        .await
        .map_err(|_| rules::session_ended(false))?;
    let good = facts.links.iter().any(|link| {
        link.id == claims.link_id
            && link.app_id == claims.app_id
            && link.link_generation == claims.generation
            && link.status(state.now()) == LinkStatus::Live
    });
    if !good {
        return Err(rules::session_ended(false));
    }
    if !super::seats::holds_seat(state, conn, &facts.app.tenant_id, &claims.session_id).await? {
        return Err(rules::session_ended(true));
    }
    Ok((claims, facts))
}

/// A sheet for a live session, after applying a change to its selections.
pub async fn anonymous_sheet(
    state: &AppState,
    token: &str,
    sheet_id: Option<&str>,
    field: Option<&str>,
    change: Option<SelectionChange>,
) -> Result<SheetView, AppError> {
    let mut conn = state.db.acquire().await?;
    let (claims, facts) = session_link(state, &mut conn, token).await?;
    let link = facts
        .links
        .iter()
        .find(|link| link.id == claims.link_id)
        .ok_or_else(|| rules::session_ended(false))?;
    let viewer = visitor_viewer(state, &facts, link, &claims.session_id);
    render_sheet(
        state,
        conn,
        &facts.app,
        "",
        &viewer,
        SheetRequest {
            sheet_id,
            changes: change.into_iter().collect(),
            only_field: field,
            shared: None,
        },
    )
    .await
}
