//! Visitors: a session from a link and its code, and each later view.

use super::*;

/// Who is asking for a session: the client's address (for the per-address limits).
pub struct Visit<'a> {
    pub client_addr: &'a str,
}

/// The link whose code this is, compared in constant time with each of the app's codes. A
/// missing app, a wrong code and an old code all answer the same "not found".
pub(super) async fn link_by_code(
    conn: &mut AnyConnection,
    app_id: &str,
    code: &str,
) -> Result<(AppRow, LinkRow), AppError> {
    let app = app_store::get_app_by_id(conn, app_id)
        .await?
        .ok_or_else(rules::no_such_link)?;
    let links = store::links_of_app(conn, &app.id).await?;
    let mut found = None;
    for link in links {
        // Every code is compared, so the time taken does not say which one matched.
        if constant_time_eq(&link.link_code, code) && !code.is_empty() {
            found = Some(link);
        }
    }
    Ok((app, found.ok_or_else(rules::no_such_link)?))
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

/// What a visitor through this link sees of the data.
pub(super) async fn visitor_viewer<'a>(
    state: &'a AppState,
    conn: &mut AnyConnection,
    link: &LinkRow,
    session_id: &str,
) -> Result<SheetViewer<'a>, AppError> {
    // Links live in managed spaces, where nobody is exempt from the rules: the maker's own rules.
    let maker = crate::access::data_access_of(conn, &link.link_maker, &link.app_id, false).await?;
    Ok(SheetViewer {
        key: format!("anonymous:{session_id}"),
        person: None,
        data_access: rules::visitor_access(reduction_of(link).as_ref(), &maker),
        engines: &state.anonymous.engines,
    })
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
    // Counted per address, an IPv6 client per /64 (it may pick any address in it).
    let address = crate::auth::rules::address_bucket(visit.client_addr);
    state
        .anonymous
        .lock()
        .starts
        .entry(address.clone())
        .or_default()
        .allow(now, state.settings.anonymous.starts_per_minute)?;
    let initial = rules::parse_selections(select)?;
    let mut conn = state.db.acquire().await?;
    let (app, link) = link_by_code(&mut conn, app_id, code).await?;
    refuse_unless_live(&link, now)?;
    let max = store::capacity(&mut conn, &app.tenant_id).await?;
    let session_id = new_id();
    let expires_at = now + state.settings.anonymous.session_ms;
    // The admission takes a connection of its own (a transaction on PostgreSQL): holding this
    // one meanwhile would let a crowd of visitors hold every connection of the pool, each
    // waiting for a second.
    drop(conn);
    admit_session(
        state,
        &app.tenant_id,
        Seat {
            expires_at,
            address,
            link_id: link.id.clone(),
        },
        &session_id,
        max,
        now,
    )
    .await?;
    *state
        .anonymous
        .lock()
        .views
        .entry((link.id.clone(), now.div_euclid(DAY_MS)))
        .or_default() += 1;

    let claims = SessionClaims {
        session_id: session_id.clone(),
        app_id: app.id.clone(),
        link_id: link.id.clone(),
        generation: link.link_generation,
        expires_at,
    };
    let mut conn = state.db.acquire().await?;
    let viewer = visitor_viewer(state, &mut conn, &link, &session_id).await?;
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
    let shared = initial.is_empty().then(|| {
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
                &app,
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
    Ok(AnonymousSession {
        token: rules::sign(&state.anonymous.key, &claims),
        lasts_ms: expires_at - now,
        view,
    })
}

/// A session's link and app, if the token is still good: signed here, not expired, and its link
/// still live under the same code.
pub(super) async fn session_link(
    state: &AppState,
    conn: &mut AnyConnection,
    token: &str,
) -> Result<(SessionClaims, LinkRow, AppRow), AppError> {
    let claims =
        rules::verify(&state.anonymous.key, token).ok_or_else(|| rules::session_ended(false))?;
    if claims.expires_at <= state.now() {
        return Err(rules::session_ended(true));
    }
    let link = store::get_link(conn, &claims.link_id)
        .await?
        .ok_or_else(|| rules::session_ended(false))?;
    let app = app_store::get_app_by_id(conn, &claims.app_id)
        .await?
        .ok_or_else(|| rules::session_ended(false))?;
    let good = link.app_id == claims.app_id
        && link.link_generation == claims.generation
        && link.status(state.now()) == LinkStatus::Live;
    if !good {
        return Err(rules::session_ended(false));
    }
    Ok((claims, link, app))
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
    let (claims, link, app) = session_link(state, &mut conn, token).await?;
    let viewer = visitor_viewer(state, &mut conn, &link, &claims.session_id).await?;
    render_sheet(
        state,
        conn,
        &app,
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
