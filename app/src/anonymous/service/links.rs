//! Anonymous links, for the tenant users who manage an app: turning anonymous access on, making,
//! changing and removing links, and resetting their codes.

use super::*;
use crate::audit::model::AuditAction;

pub(super) fn reduction_of(row: &LinkRow) -> Option<LinkReduction> {
    serde_json::from_str::<(String, Vec<String>)>(&row.link_reduction)
        .ok()
        .map(|(field, allowed)| LinkReduction { field, allowed })
}

pub(super) fn reduction_text(reduction: Option<&LinkReduction>) -> String {
    reduction
        .map(|r| serde_json::to_string(&(&r.field, &r.allowed)).unwrap_or_default())
        .unwrap_or_default()
}

pub(super) struct Viewing<'a> {
    base: &'a str,
    may_copy_code: bool,
    may_copy_embed: bool,
    /// The viewer's own section access: a link's reduction is shown within it.
    data_access: &'a DataAccess,
    app_name: &'a str,
    now: i64,
    views: &'a HashMap<String, (i64, i64)>,
}

pub(super) fn link_info(row: &LinkRow, viewing: &Viewing<'_>) -> LinkInfo {
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
pub async fn get_anonymous_panel(
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

pub(super) fn audit_target(app: &AppRow) -> Target<'_> {
    Target {
        kind: "app",
        id: &app.id,
        name: &app.name,
    }
}

/// Turns anonymous access to an app on (resuming its links, or making its first) or off
/// (pausing every link: their codes stay, so turning it on again restores them).
pub async fn set_anonymous_access(
    state: &AppState,
    principal: &Principal,
    app_id: &str,
    on: bool,
) -> Result<AnonymousPanel, AppError> {
    crate::access::refuse_narrowed(principal, "share the app by link")?;
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
        AuditAction::AnonymousToggle,
        audit_target(&app),
        detail.to_string(),
    )
    .await?;
    tx.commit().await?;
    get_anonymous_panel(state, principal, app_id).await
}

pub(super) async fn insert_link(
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
    crate::access::refuse_narrowed(principal, "share the app by link")?;
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
        AuditAction::AnonymousLinkCreate,
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
    crate::access::refuse_narrowed(principal, "change a link")?;
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
        AuditAction::AnonymousLinkUpdate,
        audit_target(&app),
        detail,
    )
    .await?;
    tx.commit().await?;
    frame_ancestors_changed(state, &app.id).await;
    if update.disabled == Some(true) {
        release_link(state, &link.id).await?;
    }
    get_link(state, principal, link_id).await
}

/// A new access code: the old link, its embed codes and every session opened with them stop.
pub async fn reset_link_code(
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
        AuditAction::AnonymousCodeReset,
        audit_target(&app),
        format!("access code of link \"{}\" reset", link.link_name),
    )
    .await?;
    tx.commit().await?;
    release_link(state, &link.id).await?;
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
        AuditAction::AnonymousLinkDelete,
        audit_target(&app),
        format!("link \"{}\" deleted", link.link_name),
    )
    .await?;
    tx.commit().await?;
    release_link(state, &link.id).await?;
    Ok(())
}
