//! Reloads: queued by an editor (portal or REST), run on this process in the background, one at
//! a time per app and `MAX_RUNNING` at a time per process, through the one load path: the app's
//! files (and the new ones the reload brings) under its load plan. The new data replaces the old
//! in one transaction (a new data version); viewers move to it at their next request.

use sqlx::AnyConnection;

use super::model::*;
use super::rules::{self, FileName};
use super::store::{self, ListQuery, NewReload, ReloadRow};
use crate::access::load_app;
use crate::apps::store::AppRow;
use crate::audit::model::AuditAction;
use crate::audit::service::{record, Target};
use crate::auth::principal::Principal;
use crate::content::store as content_store;
use crate::error::AppError;
use crate::ids::new_id;
use crate::modelling::model::Plan;
use crate::paging::{decode_time_cursor, encode_cursor, page_size};
use crate::sharing::rules::{Access, AppAction};
use crate::sql::{lock_row, Parent};
use crate::state::AppState;

pub mod ended;
mod running;

pub use ended::{ended, refused};
pub use running::run;

fn check_reloader(access: &Access) -> Result<(), AppError> {
    if access.can(AppAction::Reload) {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "Reloading an app is for its editors, and for a published app those who Can manage or Can operate its space.",
        ))
    }
}

/// The plan a reload loads and the files it reads: the app's, less those it replaces, and the
/// new ones.
struct Prepared {
    plan: Plan,
    kept: Vec<content_store::FileRow>,
    uploads: Vec<content_store::FileRow>,
    dropped: Vec<String>,
}

async fn prepare(
    conn: &mut AnyConnection,
    app_id: &str,
    owner_id: &str,
    changes: &[DataChange],
    asked: Option<Plan>,
) -> Result<Prepared, AppError> {
    let files = content_store::files_of_app(conn, app_id).await?;
    let mut uploads = Vec::new();
    for change in changes {
        if let Some(file) = content_store::staged_file(conn, owner_id, change.file_id()).await? {
            uploads.push(file);
        }
    }
    let plan: Plan = match asked {
        Some(plan) => plan,
        None => {
            let plan = crate::modelling::service::plan_of(conn, app_id, &files).await?;
            crate::modelling::service::convert(&plan)?
        }
    };
    let names = |rows: &[content_store::FileRow]| -> Vec<FileName> {
        rows.iter()
            .map(|f| FileName {
                id: f.id.clone(),
                name: f.name.clone(),
            })
            .collect()
    };
    let changed = rules::apply_changes(
        &plan,
        &names(&files),
        &names(&uploads),
        changes,
        crate::content::rules::table_name,
    )?;
    let kept: Vec<content_store::FileRow> = files
        .into_iter()
        .filter(|f| !changed.dropped.contains(&f.id))
        .collect();
    if kept.is_empty() && uploads.is_empty() && changed.plan.sources.is_empty() {
        return Err(AppError::invalid(
            "changes",
            "This app has no data files to reload: add a file to it.",
        ));
    }
    let sources: Vec<String> = kept
        .iter()
        .chain(&uploads)
        .map(|f| f.name.clone())
        .collect();
    crate::modelling::rules::check_plan(&changed.plan, &sources)?;
    Ok(Prepared {
        plan: changed.plan,
        kept,
        uploads,
        dropped: changed.dropped,
    })
}

/// Queues a reload of the app, from its files, or with new files in the places `changes` says,
/// and starts it on this process. Refused while another reload of the app is active.
pub async fn create_reload(
    state: &AppState,
    principal: &Principal,
    app_id: &str,
    changes: Vec<DataChange>,
    kind: ReloadKind,
) -> Result<Reload, AppError> {
    Ok(queue(state, principal, app_id, changes, None, kind)
        .await?
        .0)
}

/// The data-model page's "Load again": a reload of the app's files under a changed plan, which
/// becomes the app's plan when the reload succeeds. Its editors, who see every row, ask; the
/// answer waits for the reload's end (the reload runs on even if the page goes away).
pub async fn set_load_plan(
    state: &AppState,
    principal: &Principal,
    app_id: &str,
    plan: Plan,
) -> Result<crate::modelling::model::DataModelPage, AppError> {
    let app = crate::modelling::service::check_modeller_of(state, principal, app_id).await?;
    let (reload, running) = queue(
        state,
        principal,
        app_id,
        Vec::new(),
        Some(plan),
        ReloadKind::Hub,
    )
    .await?;
    match running.await.map_err(AppError::internal)? {
        Some(new) => {
            crate::modelling::service::page(Some(&app), &new.plan, &new.model, &new.report)
        }
        None => {
            let mut conn = state.db.acquire().await?;
            let row = store::get(&mut conn, &reload.id).await?;
            let error = row
                .filter(|r| !r.error.is_empty())
                .map(|r| r.error)
                .unwrap_or_else(|| "The load was cancelled: the app keeps its data.".into());
            Err(AppError::invalid("plan", error))
        }
    }
}

/// Queues a reload (under `plan`, or the app's own) and starts it; its handle ends with the
/// new data when it succeeded.
async fn queue(
    state: &AppState,
    principal: &Principal,
    app_id: &str,
    changes: Vec<DataChange>,
    plan: Option<Plan>,
    kind: ReloadKind,
) -> Result<(Reload, tokio::task::JoinHandle<Option<running::NewModel>>), AppError> {
    let task_id = match &principal.credential {
        crate::auth::principal::Credential::Schedule { task_id } => task_id.as_str(),
        _ => "",
    };
    if changes.len() > crate::content::rules::MAX_FILES_PER_APP {
        return Err(AppError::invalid(
            "changes",
            format!(
                "A reload brings at most {} new files.",
                crate::content::rules::MAX_FILES_PER_APP
            ),
        ));
    }
    let now = state.now();
    let id = new_id();
    let mut tx = state.db.begin().await?;
    let (app, _space, access) = load_app(&mut tx, principal, app_id).await?;
    check_reloader(&access)?;
    crate::licences::service::connect(&mut tx, state, principal, &app, true).await?;
    lock_row(&mut tx, Parent::App, &app.id).await?;
    if let Some(active) = store::active_of_app(&mut tx, &app.id).await? {
        return Err(AppError::conflict(format!(
            "This app is already reloading: a reload {} at {}{} is {}. Wait for it to finish, or cancel it.",
            match active.kind.as_str() { "chronos" => "on its schedule", _ => "started" },
            crate::timefmt::clock(active.created_at),
            active.user_name.as_deref().map(|n| format!(" by {n}")).unwrap_or_default(),
            active.status().label().to_lowercase(),
        )));
    }
    if store::active_in_tenant(&mut tx, &app.tenant_id).await? >= super::MAX_ACTIVE_PER_TENANT {
        return Err(AppError::TooManyRequests {
            message: format!(
                "{} reloads of this tenant's apps are queued or running: try again when some have finished.",
                super::MAX_ACTIVE_PER_TENANT
            ),
            retry_after_secs: 60,
        });
    }
    let plan_text = match &plan {
        Some(plan) => serde_json::to_string(plan).map_err(AppError::internal)?,
        None => String::new(),
    };
    let prepared = prepare(&mut tx, &app.id, &principal.user_id, &changes, plan).await?;
    if prepared.uploads.len() != changes.len() {
        return Err(AppError::invalid(
            "changes",
            "An upload is no longer there. Upload the file again.",
        ));
    }
    store::insert(
        &mut tx,
        NewReload {
            id: &id,
            tenant_id: &app.tenant_id,
            app_id: &app.id,
            user_id: &principal.user_id,
            kind,
            changes: &serde_json::to_string(&changes).map_err(AppError::internal)?,
            plan: &plan_text,
            now,
            process: &state.lifecycle.process_id,
            task_id,
        },
    )
    .await?;
    record(
        &mut tx,
        now,
        &principal.actor(),
        AuditAction::ReloadCreate,
        Target {
            kind: "app",
            id: &app.id,
            name: &app.name,
        },
        match (changes.len(), plan_text.is_empty()) {
            (0, true) => "from its files".to_string(),
            (0, false) => "from its files, under a changed data model".to_string(),
            (n, _) => format!("with {n} new file{}", if n == 1 { "" } else { "s" }),
        },
    )
    .await?;
    let row = store::get(&mut tx, &id)
        .await?
        .ok_or_else(|| AppError::internal("the reload just queued"))?;
    tx.commit().await?;
    let running = state.clone();
    let handle = tokio::spawn(async move { run(running, id).await });
    Ok((row.to_reload(), handle))
}

/// A reload the caller may see: one of an app they may open.
async fn visible(
    conn: &mut AnyConnection,
    principal: &Principal,
    id: &str,
) -> Result<(ReloadRow, AppRow, Access), AppError> {
    let not_found = || AppError::not_found("There is no such reload, or you cannot see its app.");
    let row = store::get(conn, id).await?.ok_or_else(not_found)?;
    if row.tenant_id != principal.tenant_id {
        return Err(not_found());
    }
    let (app, _, access) = load_app(conn, principal, &row.app_id)
        .await
        .map_err(|_| not_found())?;
    Ok((row, app, access))
}

pub async fn get_reload(
    state: &AppState,
    principal: &Principal,
    id: &str,
) -> Result<Reload, AppError> {
    let mut conn = state.db.acquire().await?;
    Ok(visible(&mut conn, principal, id).await?.0.to_reload())
}

/// What a list of reloads asks for.
#[derive(Debug, Clone, Default)]
pub struct ReloadQuery {
    /// One app's; none: the tenant's, for tenant admins.
    pub app_id: Option<String>,
    pub status: Option<ReloadStatus>,
    pub kind: Option<ReloadKind>,
    pub limit: u32,
    pub next: Option<String>,
}

/// An app's reloads (for those who may open it), or the tenant's (for its admins), newest first.
pub async fn list_reloads(
    state: &AppState,
    principal: &Principal,
    query: ReloadQuery,
) -> Result<ReloadPage, AppError> {
    let mut conn = state.db.acquire().await?;
    let mut tables = Vec::new();
    let can_reload = match &query.app_id {
        Some(app_id) => {
            let (_, _, access) = load_app(&mut conn, principal, app_id).await?;
            if access.can(AppAction::Reload) {
                let files = content_store::files_of_app(&mut conn, app_id).await?;
                if !files.is_empty() {
                    let plan =
                        crate::modelling::service::plan_of(&mut conn, app_id, &files).await?;
                    tables = plan.tables.into_iter().map(|t| t.name).collect();
                }
            }
            access.can(AppAction::Reload)
        }
        None => {
            principal.require(crate::directory::rules::Permission::ManageSpaces).map_err(|_| {
                AppError::forbidden("The reloads of every app are shown to those who manage the spaces: ask for one app's reloads with appId.")
            })?;
            false
        }
    };
    let after = query.next.as_deref().map(decode_time_cursor).transpose()?;
    let limit = page_size(query.limit);
    let rows = store::list(
        &mut conn,
        &ListQuery {
            tenant_id: &principal.tenant_id,
            app_id: query.app_id.as_deref(),
            status: query.status,
            kind: query.kind,
            shared_spaces_only: query.app_id.is_none(),
            after,
            limit,
        },
    )
    .await?;
    let page = crate::paging::paginate(
        rows,
        limit,
        |r| encode_cursor(&r.created_at.to_string(), &r.id),
        |rows| rows.iter().map(ReloadRow::to_reload).collect(),
    );
    Ok(ReloadPage {
        reloads: page.items,
        next: page.next,
        can_reload,
        tables,
    })
}

/// Cancels a queued reload at once, or asks a running one to stop (it keeps the old data).
/// Returns the reload as it is after.
pub async fn cancel_reload(
    state: &AppState,
    principal: &Principal,
    id: &str,
) -> Result<Reload, AppError> {
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let (row, app, access) = visible(&mut tx, principal, id).await?;
    check_reloader(&access)?;
    let outcome = rules::cancel(row.status());
    match outcome {
        rules::Cancel::Ended => {
            return Err(AppError::conflict(format!(
                "This reload is over ({}): there is nothing to cancel.",
                row.status().label().to_lowercase()
            )))
        }
        rules::Cancel::Now => {
            store::transition(
                &mut tx,
                id,
                &[ReloadStatus::Queued],
                ReloadStatus::Canceled,
                now,
            )
            .await?;
        }
        rules::Cancel::Asked => {
            store::transition(
                &mut tx,
                id,
                &[ReloadStatus::Reloading],
                ReloadStatus::Canceling,
                now,
            )
            .await?;
        }
    }
    record(
        &mut tx,
        now,
        &principal.actor(),
        AuditAction::ReloadCancel,
        Target {
            kind: "app",
            id: &app.id,
            name: &app.name,
        },
        "",
    )
    .await?;
    let row = store::get(&mut tx, id)
        .await?
        .ok_or_else(|| AppError::internal("the reload"))?;
    tx.commit().await?;
    Ok(row.to_reload())
}

/// Housekeeping: reloads whose process stopped claiming them (killed during a reload) are marked
/// failed. Returns how many.
pub async fn fail_abandoned_reloads(state: &AppState) -> Result<usize, AppError> {
    let mut conn = state.db.acquire().await?;
    let failed = store::fail_abandoned(&mut conn, state.now()).await?;
    drop(conn);
    for id in &failed {
        ended(state, id, None).await;
    }
    Ok(failed.len())
}
