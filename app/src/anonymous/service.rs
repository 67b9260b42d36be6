//! Anonymous access: links (shares of type `link`) and their codes, anonymous sessions, capacity,
//! the per-address limit, views, allowed origins. Server-only.
//!
//! A visit writes nothing to the database: a session is a signed token (no row), its selections
//! live in memory, and the counters (sessions at once, views per link and day) are written by
//! housekeeping once a minute.

use std::collections::HashMap;

use sqlx::AnyConnection;

use super::model::*;
use super::rules::{self, SessionClaims};
use super::runtime::{Anonymous, HourCounts, Seat};
use super::store::{self, LinkRow};
use crate::access::{app_for, managed_app, managed_link};
use crate::apps::store::{self as app_store, AppRow};
use crate::audit::service::{record, Target};
use crate::auth::principal::Principal;
use crate::content::model::{SelectionChange, SheetView};
use crate::content::rules::DataAccess;
use crate::content::service::{render_sheet, SheetRequest, SheetViewer};
use crate::directory::rules::Permission;
use crate::error::AppError;
use crate::ids::{constant_time_eq, new_id, new_secret};
use crate::sharing::rules::Access;
use crate::spaces::rules::SpaceType;
use crate::sql::{lock_row, Parent};
use crate::state::AppState;

const HOUR_MS: i64 = 60 * 60 * 1000;
const DAY_MS: i64 = 24 * HOUR_MS;

/// The key tokens are signed with, from the database (made on first start).
pub async fn load_signing_key(db: &sqlx::AnyPool, now: i64) -> Result<String, String> {
    store::signing_key(db, &new_secret(), now)
        .await
        .map_err(|e| format!("Reading the session signing key failed: {e}"))
}

// --- Links, for tenant users ------------------------------------------------------------------

fn reduction_of(row: &LinkRow) -> Option<LinkReduction> {
    serde_json::from_str::<(String, Vec<String>)>(&row.link_reduction)
        .ok()
        .map(|(field, allowed)| LinkReduction { field, allowed })
}

fn reduction_text(reduction: Option<&LinkReduction>) -> String {
    reduction
        .map(|r| serde_json::to_string(&(&r.field, &r.allowed)).unwrap_or_default())
        .unwrap_or_default()
}

struct Viewing<'a> {
    base: &'a str,
    may_copy_code: bool,
    may_copy_embed: bool,
    /// The viewer's own section access: a link's reduction is shown within it.
    data_access: &'a DataAccess,
    app_name: &'a str,
    now: i64,
    views: &'a HashMap<String, (i64, i64)>,
}

fn link_info(row: &LinkRow, viewing: &Viewing<'_>) -> LinkInfo {
    let code = viewing.may_copy_code.then_some(row.link_code.as_str());
    LinkInfo {
        id: row.id.clone(),
        app_id: row.app_id.clone(),
        space_id: row.space_id.clone(),
        name: row.link_name.clone(),
        status: row.status(viewing.now),
        disabled: row.disabled != 0,
        expires_at: row.link_expires_at,
        reduction: rules::reduction_shown_to(
            reduction_of(row),
            viewing.may_copy_embed,
            viewing.data_access,
        ),
        url: rules::link_url(viewing.base, &row.app_id, code),
        has_code: code.is_some(),
        code: viewing.may_copy_embed.then(|| row.link_code.clone()),
        embed: viewing.may_copy_embed.then(|| {
            rules::embed_codes(
                viewing.base,
                &row.app_id,
                &row.link_code,
                &EmbedOptions::default(),
                viewing.app_name,
            )
        }),
        views_today: viewing.views.get(&row.id).map(|v| v.0).unwrap_or(0),
        views_30_days: viewing.views.get(&row.id).map(|v| v.1).unwrap_or(0),
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

/// The app's links as the caller may see them.
pub async fn links_for(
    state: &AppState,
    conn: &mut AnyConnection,
    principal: &Principal,
    app: &AppRow,
    space: SpaceType,
    access: &Access,
) -> Result<Vec<LinkInfo>, AppError> {
    let now = state.now();
    // Written views, and those housekeeping has not written yet.
    let mut views: HashMap<String, (i64, i64)> =
        store::views_of_app(conn, &app.id, now.div_euclid(DAY_MS))
            .await?
            .into_iter()
            .map(|(id, today, month)| (id, (today, month)))
            .collect();
    let pending = state.anonymous.lock().views.clone();
    for ((link, day), n) in pending {
        let entry = views.entry(link).or_default();
        if day == now.div_euclid(DAY_MS) {
            entry.0 += n;
        }
        entry.1 += n;
    }
    let data_access =
        crate::access::caller_data_access(conn, principal, app, space, access).await?;
    let viewing = Viewing {
        base: &state.settings.public_url,
        may_copy_code: rules::may_copy_link_with_code(access),
        may_copy_embed: rules::may_copy_embed(
            space,
            access,
            principal.has(Permission::AnonymousAccessLink),
        ),
        data_access: &data_access,
        app_name: &app.name,
        now,
        views: &views,
    };
    Ok(store::links_of_app(conn, &app.id)
        .await?
        .iter()
        .map(|row| link_info(row, &viewing))
        .collect())
}

/// The "Anyone with the link" panel of an app.
pub async fn panel(
    state: &AppState,
    principal: &Principal,
    app_id: &str,
) -> Result<AnonymousPanel, AppError> {
    let mut conn = state.db.acquire().await?;
    let (app, space, access) = app_for(&mut conn, principal, app_id).await?;
    let why_not = rules::check_can_manage(
        space,
        &access,
        principal.has(Permission::AnonymousAccessLink),
    )
    .err()
    .map(|e| e.to_string());
    let links = links_for(state, &mut conn, principal, &app, space, &access).await?;
    let sheets = crate::content::store::sheets_of_app(&mut conn, &app.id)
        .await?
        .into_iter()
        .filter(|s| s.owner_id.is_none())
        .collect::<Vec<_>>();
    let mut charts = Vec::new();
    for sheet in &sheets {
        for chart in crate::content::store::charts_of_sheet(&mut conn, &sheet.id).await? {
            let title = serde_json::from_str(&chart.spec)
                .map(|spec| crate::content::rules::chart_title(&spec))
                .unwrap_or_else(|_| "Chart".into());
            charts.push(EmbeddableChart {
                sheet_id: sheet.id.clone(),
                chart_id: chart.id,
                title: format!("{} · {title}", sheet.title),
            });
        }
    }
    let has_section_access = crate::content::service::section_access_field(&mut conn, &app.id)
        .await?
        .is_some();
    let fields = crate::content::service::field_names(state, &mut conn, &app).await?;
    Ok(AnonymousPanel {
        app_id: app.id.clone(),
        app_name: app.name.clone(),
        public_url: state.settings.public_url.clone(),
        can_manage: why_not.is_none(),
        why_not,
        can_copy_code: rules::may_copy_link_with_code(&access),
        can_copy_embed: rules::may_copy_embed(
            space,
            &access,
            principal.has(Permission::AnonymousAccessLink),
        ),
        has_section_access,
        links,
        sheets: sheets
            .iter()
            .map(|s| crate::content::model::SheetInfo {
                id: s.id.clone(),
                title: s.title.clone(),
                private: false,
            })
            .collect(),
        charts,
        fields,
    })
}

fn audit_target(app: &AppRow) -> Target<'_> {
    Target {
        kind: "app",
        id: &app.id,
        name: &app.name,
    }
}

/// Turns anonymous access to an app on (resuming its links, or making its first) or off
/// (pausing every link: their codes stay, so turning it on again restores them).
pub async fn set_app_access(
    state: &AppState,
    principal: &Principal,
    app_id: &str,
    on: bool,
) -> Result<AnonymousPanel, AppError> {
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let app = managed_app(&mut tx, principal, app_id).await?;
    let links = store::links_of_app(&mut tx, &app.id).await?;
    if on && links.is_empty() {
        insert_link(&mut tx, principal, &app, "Anyone with the link", now).await?;
    } else {
        store::set_links_disabled(&mut tx, &app.id, !on, now).await?;
    }
    let detail = if on {
        "anonymous access turned on"
    } else {
        "anonymous access turned off"
    };
    record(
        &mut tx,
        now,
        &principal.actor(),
        "anonymous.toggle",
        audit_target(&app),
        detail.to_string(),
    )
    .await?;
    tx.commit().await?;
    panel(state, principal, app_id).await
}

async fn insert_link(
    conn: &mut AnyConnection,
    principal: &Principal,
    app: &AppRow,
    name: &str,
    now: i64,
) -> Result<String, AppError> {
    let id = new_id();
    let code = new_secret();
    store::insert_link(
        conn,
        store::NewLink {
            id: &id,
            tenant_id: &app.tenant_id,
            space_id: &app.space_id,
            app_id: &app.id,
            name,
            code: &code,
            created_by: &principal.user_id,
            now,
        },
    )
    .await?;
    Ok(id)
}

/// Another link to the app, with its own code.
pub async fn create_link(
    state: &AppState,
    principal: &Principal,
    app_id: &str,
    name: &str,
) -> Result<LinkInfo, AppError> {
    let name = rules::check_link_name(name)?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let app = managed_app(&mut tx, principal, app_id).await?;
    // Under the app's row lock, so that parallel requests cannot pass the count together.
    lock_row(&mut tx, Parent::App, &app.id).await?;
    rules::check_link_count(store::links_of_app(&mut tx, &app.id).await?.len())?;
    let id = insert_link(&mut tx, principal, &app, &name, now).await?;
    record(
        &mut tx,
        now,
        &principal.actor(),
        "anonymous.link_create",
        audit_target(&app),
        format!("link \"{name}\" made"),
    )
    .await?;
    tx.commit().await?;
    get_link(state, principal, &id).await
}

/// One link as the caller may see it.
pub async fn get_link(
    state: &AppState,
    principal: &Principal,
    link_id: &str,
) -> Result<LinkInfo, AppError> {
    let mut conn = state.db.acquire().await?;
    let link = store::get_link(&mut conn, link_id)
        .await?
        .filter(|l| l.tenant_id == principal.tenant_id)
        .ok_or_else(|| {
            AppError::not_found(format!("There is no anonymous link with id {link_id}."))
        })?;
    let (app, space, access) = app_for(&mut conn, principal, &link.app_id).await?;
    links_for(state, &mut conn, principal, &app, space, &access)
        .await?
        .into_iter()
        .find(|l| l.id == link_id)
        .ok_or_else(|| {
            AppError::not_found(format!("There is no anonymous link with id {link_id}."))
        })
}

/// Renames a link, sets or clears its expiry and reduction, pauses or resumes it. Only what
/// `changes` names is written, under the link's row lock: a rename at the same moment as a pause
/// never resumes the link. Whoever sets a reduction becomes the link's maker: their section
/// access bounds what its visitors see from then on.
pub async fn update_link(
    state: &AppState,
    principal: &Principal,
    link_id: &str,
    changes: LinkChanges,
) -> Result<LinkInfo, AppError> {
    let now = state.now();
    let mut update = store::LinkUpdate {
        name: changes
            .name
            .as_deref()
            .map(rules::check_link_name)
            .transpose()?,
        expires_at: changes
            .expires_at
            .map(|at| rules::check_expiry(at, now))
            .transpose()?,
        disabled: changes.disabled,
        reduction: None,
    };
    if let Some(reduction) = &changes.reduction {
        // The app's fields may take a model load: read them before the transaction, so that the
        // one SQLite connection is not held meanwhile.
        let checked = match reduction {
            Some(reduction) => {
                let mut conn = state.db.acquire().await?;
                let (_, app) = managed_link(&mut conn, principal, link_id).await?;
                let fields = crate::content::service::field_names(state, &mut conn, &app).await?;
                Some(rules::check_reduction(reduction, &fields)?)
            }
            None => None,
        };
        update.reduction = Some((reduction_text(checked.as_ref()), principal.user_id.clone()));
    }
    let mut tx = state.db.begin().await?;
    lock_row(&mut tx, Parent::Share, link_id).await?;
    let (link, app) = managed_link(&mut tx, principal, link_id).await?;
    store::update_link(&mut tx, &link.id, &update, now).await?;
    let mut detail = format!(
        "link \"{}\"",
        update.name.as_deref().unwrap_or(&link.link_name)
    );
    if let Some(disabled) = update.disabled {
        detail.push_str(if disabled { " paused" } else { " resumed" });
    }
    if let Some(name) = &update.name {
        if *name != link.link_name {
            detail.push_str(&format!(", renamed from \"{}\"", link.link_name));
        }
    }
    if let Some(Some(r)) = &changes.reduction {
        detail.push_str(&format!(
            ", shows only {} = {}",
            r.field,
            r.allowed.join(", ")
        ));
    }
    record(
        &mut tx,
        now,
        &principal.actor(),
        "anonymous.link_update",
        audit_target(&app),
        detail,
    )
    .await?;
    tx.commit().await?;
    state.anonymous.forget_frame_ancestors(&app.id);
    get_link(state, principal, link_id).await
}

/// A new access code: the old link, its embed codes and every session opened with them stop.
pub async fn reset_code(
    state: &AppState,
    principal: &Principal,
    link_id: &str,
) -> Result<LinkInfo, AppError> {
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let (link, app) = managed_link(&mut tx, principal, link_id).await?;
    store::reset_code(&mut tx, &link.id, &new_secret(), now).await?;
    record(
        &mut tx,
        now,
        &principal.actor(),
        "anonymous.code_reset",
        audit_target(&app),
        format!("access code of link \"{}\" reset", link.link_name),
    )
    .await?;
    tx.commit().await?;
    get_link(state, principal, link_id).await
}

pub async fn delete_link(
    state: &AppState,
    principal: &Principal,
    link_id: &str,
) -> Result<(), AppError> {
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let (link, app) = managed_link(&mut tx, principal, link_id).await?;
    crate::sharing::store::delete_share(&mut tx, &link.id).await?;
    record(
        &mut tx,
        now,
        &principal.actor(),
        "anonymous.link_delete",
        audit_target(&app),
        format!("link \"{}\" deleted", link.link_name),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

// --- Visitors ---------------------------------------------------------------------------------

/// Who is asking for a session: the client's address (for the per-address limits).
pub struct Visit<'a> {
    pub client_addr: &'a str,
}

/// The link whose code this is, compared in constant time with each of the app's codes. A
/// missing app, a wrong code and an old code all answer the same "not found".
async fn link_by_code(
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

fn refuse_unless_live(link: &LinkRow, now: i64) -> Result<(), AppError> {
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
async fn visitor_viewer<'a>(
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
/// per-address limit, the code, the link's state, the tenant's capacity.
pub async fn start_session(
    state: &AppState,
    visit: Visit<'_>,
    app_id: &str,
    code: &str,
    sheet_id: Option<&str>,
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
    admit_session(
        state,
        &app.tenant_id,
        Seat {
            expires_at,
            address,
        },
        &session_id,
        max,
        now,
    )?;
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
    let viewer = visitor_viewer(state, &mut conn, &link, &session_id).await?;
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

/// Counts a new session in, or refuses it at capacity or past the seats one address may hold
/// (counted as refused).
fn admit_session(
    state: &AppState,
    tenant_id: &str,
    seat: Seat,
    session_id: &str,
    max: i64,
    now: i64,
) -> Result<(), AppError> {
    let mut live = state.anonymous.lock();
    let sessions = live.sessions.entry(tenant_id.to_string()).or_default();
    sessions.retain(|_, seat| seat.expires_at > now);
    let held = sessions
        .values()
        .filter(|s| s.address == seat.address)
        .count();
    let admitted = rules::admit_from_address(held, state.settings.anonymous.sessions_per_address)
        .and_then(|()| rules::admit(sessions.len(), max));
    if admitted.is_ok() {
        sessions.insert(session_id.to_string(), seat);
    }
    let current = sessions.len() as i64;
    let hour = live
        .usage
        .entry((tenant_id.to_string(), now.div_euclid(HOUR_MS)))
        .or_default();
    hour.peak = hour.peak.max(current);
    if admitted.is_ok() {
        hour.started += 1;
    } else {
        hour.refused += 1;
    }
    admitted
}

/// Ends a session: its seat and its selections are given back at once. The visitor's page sends
/// its token when it goes away (a refresh, a closed tab), so a refresh never holds two seats. A
/// token that does not verify ends nothing.
pub fn end_session(state: &AppState, token: &str) {
    let Some(claims) = rules::verify(&state.anonymous.key, token) else {
        return;
    };
    let mut live = state.anonymous.lock();
    for sessions in live.sessions.values_mut() {
        sessions.remove(&claims.session_id);
    }
    drop(live);
    state
        .anonymous
        .engines
        .forget_viewer(&format!("anonymous:{}", claims.session_id));
}

/// A session's link and app, if the token is still good: signed here, not expired, and its link
/// still live under the same code.
async fn session_link(
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
pub async fn session_sheet(
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
        },
    )
    .await
}

// --- Embedding --------------------------------------------------------------------------------

/// How long a frame-ancestors directive is served from memory; a change by an admin clears the
/// cache at once in this process (other processes within this time).
const FRAME_ANCESTORS_MS: i64 = 30_000;
/// The most apps whose directive is kept: only real apps are kept, and past this many the cache
/// starts over, so request data can never make it grow.
const FRAME_ANCESTORS_KEPT: usize = 4096;

impl Anonymous {
    pub fn forget_frame_ancestors(&self, app_id: &str) {
        self.lock().frame_ancestors.remove(app_id);
    }
}

/// The `frame-ancestors` directive for an app's embed pages: its tenant's allowed origins. A
/// path that names no app (not an id, or no such app) may be framed by nobody and costs no
/// memory; it runs before any authentication, for every request under `/embed/`.
pub async fn frame_ancestors_for(state: &AppState, app_id: &str) -> String {
    if !crate::ids::is_id(app_id) {
        return rules::frame_ancestors(&[]);
    }
    let now = state.now();
    if let Some((read_at, directive)) = state.anonymous.lock().frame_ancestors.get(app_id) {
        if now - read_at < FRAME_ANCESTORS_MS {
            return directive.clone();
        }
    }
    let origins = match state.db.acquire().await {
        Ok(mut conn) => store::frame_origins_for_app(&mut conn, app_id)
            .await
            .unwrap_or_default(),
        Err(_) => None,
    };
    let Some(origins) = origins else {
        return rules::frame_ancestors(&[]);
    };
    let directive = rules::frame_ancestors(&origins);
    let mut live = state.anonymous.lock();
    if live.frame_ancestors.len() >= FRAME_ANCESTORS_KEPT {
        live.frame_ancestors.clear();
    }
    live.frame_ancestors
        .insert(app_id.to_string(), (now, directive.clone()));
    directive
}

/// For tests: how many apps' directives are kept in memory.
pub fn frame_ancestors_kept(state: &AppState) -> usize {
    state.anonymous.lock().frame_ancestors.len()
}

// --- Allowed origins, capacity and use: tenant admins -----------------------------------------

fn origin_from(row: store::OriginRow) -> AllowedOrigin {
    AllowedOrigin {
        id: row.id,
        name: row.name,
        origin: row.origin,
        description: row.description,
        frame_ancestors: row.frame_ancestors != 0,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

pub async fn list_origins(
    state: &AppState,
    principal: &Principal,
) -> Result<Vec<AllowedOrigin>, AppError> {
    principal.require(Permission::ManageAllowedOrigins)?;
    let mut conn = state.db.acquire().await?;
    Ok(store::list_origins(&mut conn, &principal.tenant_id)
        .await?
        .into_iter()
        .map(origin_from)
        .collect())
}

pub async fn get_origin(
    state: &AppState,
    principal: &Principal,
    id: &str,
) -> Result<AllowedOrigin, AppError> {
    principal.require(Permission::ManageAllowedOrigins)?;
    let mut conn = state.db.acquire().await?;
    store::get_origin(&mut conn, &principal.tenant_id, id)
        .await?
        .map(origin_from)
        .ok_or_else(|| AppError::not_found(format!("There is no allowed origin with id {id}.")))
}

fn checked_origin(input: &NewOrigin) -> Result<NewOrigin, AppError> {
    Ok(NewOrigin {
        name: rules::check_origin_name(&input.name)?,
        origin: rules::check_origin(&input.origin)?,
        description: input.description.trim().chars().take(500).collect(),
        frame_ancestors: input.frame_ancestors,
    })
}

/// Adds an origin, or changes the one with `id`.
pub async fn save_origin(
    state: &AppState,
    principal: &Principal,
    id: Option<&str>,
    input: NewOrigin,
) -> Result<AllowedOrigin, AppError> {
    principal.require(Permission::ManageAllowedOrigins)?;
    let input = checked_origin(&input)?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    if store::origin_taken(
        &mut tx,
        &principal.tenant_id,
        &input.origin,
        id.unwrap_or(""),
    )
    .await?
    {
        return Err(AppError::conflict(format!(
            "{} is already on the list.",
            input.origin
        )));
    }
    let id = match id {
        Some(id) => {
            store::get_origin(&mut tx, &principal.tenant_id, id)
                .await?
                .ok_or_else(|| {
                    AppError::not_found(format!("There is no allowed origin with id {id}."))
                })?;
            store::update_origin(&mut tx, &principal.tenant_id, id, &input, now).await?;
            id.to_string()
        }
        None => {
            let id = new_id();
            store::insert_origin(&mut tx, &principal.tenant_id, &id, &input, now).await?;
            id
        }
    };
    record(
        &mut tx,
        now,
        &principal.actor(),
        "origin.save",
        Target {
            kind: "origin",
            id: &id,
            name: &input.origin,
        },
        format!(
            "{} may frame Sightline: {}",
            input.origin, input.frame_ancestors
        ),
    )
    .await?;
    let row = store::get_origin(&mut tx, &principal.tenant_id, &id)
        .await?
        .ok_or_else(|| AppError::internal("origin vanished"))?;
    tx.commit().await?;
    state.anonymous.lock().frame_ancestors.clear();
    Ok(origin_from(row))
}

pub async fn delete_origin(
    state: &AppState,
    principal: &Principal,
    id: &str,
) -> Result<(), AppError> {
    principal.require(Permission::ManageAllowedOrigins)?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let row = store::get_origin(&mut tx, &principal.tenant_id, id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("There is no allowed origin with id {id}.")))?;
    store::delete_origin(&mut tx, &principal.tenant_id, id).await?;
    record(
        &mut tx,
        now,
        &principal.actor(),
        "origin.delete",
        Target {
            kind: "origin",
            id,
            name: &row.origin,
        },
        format!("{} may no longer frame Sightline", row.origin),
    )
    .await?;
    tx.commit().await?;
    state.anonymous.lock().frame_ancestors.clear();
    Ok(())
}

/// Current use, the peak and the last 48 hours, for tenant admins.
pub async fn usage(state: &AppState, principal: &Principal) -> Result<AnonymousUsage, AppError> {
    principal.require(Permission::ManageAllowedOrigins)?;
    let now = state.now();
    let mut conn = state.db.acquire().await?;
    let from = now.div_euclid(HOUR_MS) - 47;
    let mut hours: std::collections::BTreeMap<i64, HourCounts> =
        store::usage_since(&mut conn, &principal.tenant_id, from)
            .await?
            .into_iter()
            .map(|(h, peak, started, refused)| {
                (
                    h,
                    HourCounts {
                        peak,
                        started,
                        refused,
                    },
                )
            })
            .collect();
    let current = state.anonymous.current(&principal.tenant_id, now) as i64;
    for ((tenant, hour), counts) in state.anonymous.lock().usage.iter() {
        if tenant == &principal.tenant_id && *hour >= from {
            let entry = hours.entry(*hour).or_default();
            entry.peak = entry.peak.max(counts.peak);
            entry.started += counts.started;
            entry.refused += counts.refused;
        }
    }
    let stats = state.anonymous.engines.stats();
    Ok(AnonymousUsage {
        max_sessions: store::capacity(&mut conn, &principal.tenant_id).await?,
        current,
        peak: hours
            .values()
            .map(|h| h.peak)
            .max()
            .unwrap_or(0)
            .max(current),
        session_minutes: state.settings.anonymous.session_ms / 60_000,
        history: hours
            .into_iter()
            .map(|(h, c)| UsageHour {
                hour_start: h * HOUR_MS,
                peak: c.peak,
                started: c.started,
                refused: c.refused,
            })
            .collect(),
        memory_budget_mb: (state.settings.anonymous.memory_budget_bytes / (1024 * 1024)) as u64,
        memory_used_mb: (stats.bytes / (1024 * 1024)) as u64,
    })
}

pub async fn set_capacity(
    state: &AppState,
    principal: &Principal,
    max: i64,
) -> Result<AnonymousUsage, AppError> {
    principal.require(Permission::ManageAllowedOrigins)?;
    let max = rules::check_capacity(max)?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    store::set_capacity(&mut tx, &principal.tenant_id, max).await?;
    record(
        &mut tx,
        now,
        &principal.actor(),
        "anonymous.capacity",
        Target {
            kind: "tenant",
            id: &principal.tenant_id,
            name: &principal.tenant_name,
        },
        format!("at most {max} anonymous sessions at once"),
    )
    .await?;
    tx.commit().await?;
    usage(state, principal).await
}

// --- Housekeeping -----------------------------------------------------------------------------

/// Writes the counters kept in memory (views, use per hour) and forgets what has expired:
/// sessions, their selections, old per-address counts. Returns how many counters were written.
pub async fn flush(state: &AppState) -> Result<usize, AppError> {
    let now = state.now();
    let (views, usage) = {
        let mut live = state.anonymous.lock();
        for sessions in live.sessions.values_mut() {
            sessions.retain(|_, seat| seat.expires_at > now);
        }
        let minute = now.div_euclid(60_000);
        live.starts.retain(|_, window| window.minute >= minute);
        live.frame_ancestors
            .retain(|_, (read_at, _)| now - *read_at < FRAME_ANCESTORS_MS);
        // Each hour's peak carries the sessions still live into the current hour.
        let currents: Vec<(String, i64)> = live
            .sessions
            .iter()
            .map(|(t, s)| (t.clone(), s.len() as i64))
            .collect();
        for (tenant, current) in currents {
            if current > 0 {
                let hour = live
                    .usage
                    .entry((tenant, now.div_euclid(HOUR_MS)))
                    .or_default();
                hour.peak = hour.peak.max(current);
            }
        }
        (
            std::mem::take(&mut live.views),
            std::mem::take(&mut live.usage),
        )
    };
    let written = views.len() + usage.len();
    // One transaction: the minute's counters are written whole or not at all, and on failure
    // they go back into memory for the next run.
    if let Err(error) = write_counters(state, &views, &usage).await {
        let mut live = state.anonymous.lock();
        for (key, n) in views {
            *live.views.entry(key).or_default() += n;
        }
        for (key, c) in usage {
            let hour = live.usage.entry(key).or_default();
            hour.peak = hour.peak.max(c.peak);
            hour.started += c.started;
            hour.refused += c.refused;
        }
        return Err(error);
    }
    state
        .anonymous
        .engines
        .forget_idle_viewers(now - state.settings.anonymous.session_ms);
    Ok(written)
}

async fn write_counters(
    state: &AppState,
    views: &HashMap<(String, i64), i64>,
    usage: &HashMap<(String, i64), HourCounts>,
) -> Result<(), AppError> {
    let mut tx = state.db.begin().await?;
    for ((link, day), n) in views {
        store::add_views(&mut tx, link, *day, *n).await?;
    }
    for ((tenant, hour), c) in usage {
        store::add_usage(&mut tx, tenant, *hour, c.peak, c.started, c.refused).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The members list's "Anonymous access" row: the apps of the space with a live link.
pub async fn apps_with_live_links(
    conn: &mut AnyConnection,
    space_id: &str,
    now: i64,
) -> Result<Vec<(String, String)>, AppError> {
    Ok(store::live_link_apps(conn, space_id, now).await?)
}

/// For tests and benchmarks: how many sessions the tenant has live in this process.
pub fn live_sessions(state: &AppState, tenant_id: &str) -> usize {
    state.anonymous.current(tenant_id, state.now())
}
