//! App lifecycle: create, change, delete, publish, republish, move and duplicate. Access comes
//! from `sharing` (one decision for everything); where an app may go comes from `rules`.

use sqlx::AnyConnection;

use super::model::*;
use super::rules;
use super::store::{self, AppRow};
use crate::access::{access_to_app, grants_for_app, load_app, load_space, open_app, sharer};
use crate::audit::model::AuditAction;
use crate::audit::service::{record, Target};
use crate::auth::principal::Principal;
use crate::directory::rules::{clean_description, clean_name, MAX_NAME_CHARS};
use crate::error::AppError;
use crate::ids::new_id;
use crate::sharing::rules::{effective_access, Access, AppAction, Source, SpaceAction};
use crate::sharing::store as sharing_store;
use crate::spaces::rules::SpaceType;
use crate::spaces::store::{self as space_store, SpaceRow};
use crate::state::AppState;

fn app_from(row: AppRow, space: &SpaceRow, access: &Access) -> App {
    App {
        id: row.id,
        tenant_id: row.tenant_id,
        space_id: row.space_id,
        space_name: space.display_name(),
        space_type: space.kind(),
        name: row.name,
        description: row.description,
        owner_id: row.owner_id,
        owner_name: row.owner_name,
        source_app_id: row.source_app_id,
        published_at: row.published_at,
        content_version: row.content_version,
        data_rows: row.data_rows,
        created_at: row.created_at,
        updated_at: row.updated_at,
        actions: access.actions.iter().copied().collect(),
        highest: access.highest().map(str::to_string),
        shared_with_caller: !access.member,
        public: false,
    }
}

/// Marks the apps a live anonymous link reaches ("public"), with one query.
async fn mark_public(conn: &mut AnyConnection, now: i64, apps: &mut [App]) -> Result<(), AppError> {
    let ids: Vec<String> = apps.iter().map(|a| a.id.clone()).collect();
    let live = crate::anonymous::store::live_link_counts(conn, &ids, now).await?;
    for app in apps.iter_mut() {
        app.public = live.iter().any(|(id, n)| *id == app.id && *n > 0);
    }
    Ok(())
}

fn describe(source: &Source) -> &'static str {
    match source {
        Source::SpaceOwner => "space owner",
        Source::SpaceMember => "space member",
        Source::SpaceGroup { .. } => "space member through a group",
        Source::ShareToUser => "app shared with you",
        Source::ShareToGroup { .. } => "app shared with a group of yours",
        Source::ShareToEveryone => "app shared with everyone in the tenant",
    }
}

fn role_lines(access: &Access) -> Vec<RoleLine> {
    let mut lines = Vec::new();
    if access.owner {
        lines.push(RoleLine {
            role: "Owner".into(),
            sources: vec!["space owner".into()],
        });
    }
    for (role, sources) in &access.roles {
        let mut sources: Vec<String> = sources.iter().map(|s| describe(s).to_string()).collect();
        sources.dedup();
        lines.push(RoleLine {
            role: role.ui_name().into(),
            sources,
        });
    }
    lines
}

/// The apps of a space the caller can open: every app for members, the shared ones otherwise.
pub async fn list_apps(
    state: &AppState,
    principal: &Principal,
    space_id: &str,
) -> Result<Vec<App>, AppError> {
    let mut conn = state.db.acquire().await?;
    let (space, _) = load_space(&mut conn, principal, space_id).await?;
    let grants = sharing_store::grants(&mut conn, &principal.user_id, &space.id, "").await?;
    let mut apps = Vec::new();
    for row in store::apps_in_space(&mut conn, &space.id).await? {
        let access = effective_access(
            space.kind(),
            &grants_for_app(&grants, &row.id),
            sharer(principal),
        );
        if access.can(AppAction::Open) {
            apps.push(app_from(row, &space, &access));
        }
    }
    mark_public(&mut conn, state.now(), &mut apps).await?;
    Ok(apps)
}

async fn app_ref(
    conn: &mut AnyConnection,
    principal: &Principal,
    row: AppRow,
) -> Result<Option<AppRef>, AppError> {
    let Some(space) = space_store::get_space(conn, &principal.tenant_id, &row.space_id).await?
    else {
        return Ok(None);
    };
    if !access_to_app(conn, principal, &row, space.kind())
        .await?
        .can(AppAction::Open)
    {
        return Ok(None);
    }
    Ok(Some(AppRef {
        id: row.id,
        name: row.name,
        space_id: space.id.clone(),
        space_name: space.display_name(),
    }))
}

pub async fn get_app(
    state: &AppState,
    principal: &Principal,
    id: &str,
) -> Result<AppDetail, AppError> {
    let mut conn = state.db.acquire().await?;
    let (row, space, access) = open_app(&state.grants, &mut conn, principal, id).await?;
    let mut published_copies = Vec::new();
    for copy in store::published_copies(&mut conn, id).await? {
        if let Some(r) = app_ref(&mut conn, principal, copy).await? {
            published_copies.push(r);
        }
    }
    let source = match &row.source_app_id {
        Some(source_id) => {
            match store::get_app(&mut conn, &principal.tenant_id, source_id).await? {
                Some(source) => app_ref(&mut conn, principal, source).await?,
                None => None,
            }
        }
        None => None,
    };
    let mut app = [app_from(row, &space, &access)];
    mark_public(&mut conn, state.now(), &mut app).await?;
    let [app] = app;
    Ok(AppDetail {
        roles: role_lines(&access),
        app,
        published_copies,
        source,
    })
}

/// The target space of a new app, move or copy: the one named, or the caller's personal space.
async fn target_space(
    conn: &mut AnyConnection,
    principal: &Principal,
    space_id: &str,
) -> Result<(SpaceRow, crate::sharing::rules::SpaceAccess), AppError> {
    let id = if space_id.trim().is_empty() {
        space_store::personal_space_of(conn, &principal.user_id)
            .await?
            .map(|s| s.id)
            .ok_or_else(|| {
                AppError::invalid("spaceId", "Choose a space: you have no personal space.")
            })?
    } else {
        space_id.trim().to_string()
    };
    load_space(conn, principal, &id).await.map_err(|e| match e {
        AppError::NotFound(m) => AppError::invalid("spaceId", m),
        other => other,
    })
}

/// A new app owned by the caller; `source` makes it a copy published from that app.
fn new_app(
    principal: &Principal,
    space_id: &str,
    name: String,
    description: String,
    source: Option<&str>,
    now: i64,
) -> AppRow {
    AppRow {
        id: new_id(),
        tenant_id: principal.tenant_id.clone(),
        space_id: space_id.to_string(),
        name,
        description,
        owner_id: Some(principal.user_id.clone()),
        owner_name: None,
        source_app_id: source.map(str::to_string),
        published_at: source.map(|_| now),
        content_version: 1,
        data_version: 0,
        data_rows: 0,
        data_loaded_at: 0,
        created_at: now,
        updated_at: now,
    }
}

async fn finish(
    conn: &mut AnyConnection,
    principal: &Principal,
    id: &str,
) -> Result<App, AppError> {
    let (row, space, access) = load_app(conn, principal, id).await?;
    Ok(app_from(row, &space, &access))
}

pub async fn create_app(
    state: &AppState,
    principal: &Principal,
    input: NewApp,
) -> Result<App, AppError> {
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let row = insert_new_app(&mut tx, principal, &input, now).await?;
    let app = finish(&mut tx, principal, &row.id).await?;
    tx.commit().await?;
    Ok(app)
}

/// Checks and inserts a new, empty app inside the caller's transaction (making an app from
/// uploads adds its data in the same one).
pub async fn insert_new_app(
    conn: &mut AnyConnection,
    principal: &Principal,
    input: &NewApp,
    now: i64,
) -> Result<AppRow, AppError> {
    let name = clean_name("name", &input.name, MAX_NAME_CHARS)?;
    let description = clean_description(&input.description)?;
    let (space, access) = target_space(conn, principal, &input.space_id).await?;
    if space.kind() == SpaceType::Managed {
        return Err(AppError::invalid("spaceId", "Apps reach a managed space by publishing. Create the app in a personal or shared space, then publish it."));
    }
    if !access.can(SpaceAction::CreateApp) {
        return Err(AppError::forbidden(
            "You cannot add apps to that space: it needs ownership or Can edit there.",
        ));
    }
    let row = new_app(principal, &space.id, name, description, None, now);
    store::insert_app(conn, &row).await?;
    record(
        conn,
        now,
        &principal.actor(),
        AuditAction::AppCreate,
        Target {
            kind: "app",
            id: &row.id,
            name: &row.name,
        },
        format!("in {}", space.display_name()),
    )
    .await?;
    Ok(row)
}

pub async fn app_summary(
    conn: &mut AnyConnection,
    principal: &Principal,
    id: &str,
) -> Result<App, AppError> {
    finish(conn, principal, id).await
}

pub async fn update_app(
    state: &AppState,
    principal: &Principal,
    id: &str,
    changes: AppChanges,
) -> Result<App, AppError> {
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let (row, space, access) = load_app(&mut tx, principal, id).await?;
    if !access.can(AppAction::Edit) {
        let why = if space.kind() == SpaceType::Managed {
            "A published app changes by republishing it from its source."
        } else {
            "Changing an app needs ownership of the space, Can edit or Can edit data in apps."
        };
        return Err(AppError::forbidden(why));
    }
    let name = changes
        .name
        .as_deref()
        .map(|n| clean_name("name", n, MAX_NAME_CHARS))
        .transpose()?
        .unwrap_or(row.name.clone());
    let description = changes
        .description
        .as_deref()
        .map(clean_description)
        .transpose()?
        .unwrap_or(row.description.clone());
    if name != row.name || description != row.description {
        store::update_details(&mut tx, id, &name, &description, now).await?;
        let detail = if name != row.name {
            format!("name: {} -> {name}", row.name)
        } else {
            "description changed".into()
        };
        record(
            &mut tx,
            now,
            &principal.actor(),
            AuditAction::AppUpdate,
            Target {
                kind: "app",
                id,
                name: &name,
            },
            detail,
        )
        .await?;
    }
    let app = finish(&mut tx, principal, id).await?;
    tx.commit().await?;
    Ok(app)
}

/// Deletes an app; its shares go with it.
pub async fn delete_app(state: &AppState, principal: &Principal, id: &str) -> Result<(), AppError> {
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let (row, space, access) = load_app(&mut tx, principal, id).await?;
    if !access.can(AppAction::Delete) {
        return Err(AppError::forbidden(
            "Deleting an app needs ownership of the space, Can manage, Can edit or Can publish.",
        ));
    }
    store::delete_app(&mut tx, id).await?;
    record(
        &mut tx,
        now,
        &principal.actor(),
        AuditAction::AppDelete,
        Target {
            kind: "app",
            id,
            name: &row.name,
        },
        format!("from {}", space.display_name()),
    )
    .await?;
    tx.commit().await?;
    crate::content::data::forget_app(state, id);
    Ok(())
}

/// Publishes an app to a managed space as a new app that remembers its source.
pub async fn publish_app(
    state: &AppState,
    principal: &Principal,
    id: &str,
    input: PublishInput,
) -> Result<App, AppError> {
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let (row, space, access) = load_app(&mut tx, principal, id).await?;
    if input.space_id.trim().is_empty() {
        return Err(AppError::invalid(
            "spaceId",
            "Choose the managed space to publish to.",
        ));
    }
    let (target, into) = target_space(&mut tx, principal, &input.space_id).await?;
    let reduced = caller_reduced(&mut tx, principal, &row, space.kind(), &access).await?;
    rules::check_publish(space.kind(), &access, target.kind(), &into, reduced)?;
    if store::published_copy(&mut tx, id, &target.id)
        .await?
        .is_some()
    {
        return Err(AppError::conflict(format!(
            "\"{}\" is already published to {}. Republish it to replace that copy.",
            row.name, target.name
        )));
    }
    let name = input
        .name
        .as_deref()
        .map(|n| clean_name("name", n, MAX_NAME_CHARS))
        .transpose()?
        .unwrap_or(row.name.clone());
    let published = new_app(
        principal,
        &target.id,
        name,
        row.description.clone(),
        Some(&row.id),
        now,
    );
    store::insert_app(&mut tx, &published).await?;
    crate::content::data::copy_content(&mut tx, state, &row, &published.id, false, now).await?;
    record(
        &mut tx,
        now,
        &principal.actor(),
        AuditAction::AppPublish,
        Target {
            kind: "app",
            id: &published.id,
            name: &published.name,
        },
        format!("from \"{}\" to {}", row.name, target.name),
    )
    .await?;
    let app = finish(&mut tx, principal, &published.id).await?;
    commit_new_app(state, tx, &published.id).await?;
    Ok(app)
}

/// Replaces the content of the app's published copy `target_id`: same id, shares kept.
pub async fn republish_app(
    state: &AppState,
    principal: &Principal,
    id: &str,
    target_id: &str,
) -> Result<App, AppError> {
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let (row, space, access) = load_app(&mut tx, principal, id).await?;
    let reduced = caller_reduced(&mut tx, principal, &row, space.kind(), &access).await?;
    let target = store::get_app(&mut tx, &principal.tenant_id, target_id)
        .await?
        .ok_or_else(|| {
            AppError::invalid("targetId", format!("There is no app with id {target_id}."))
        })?;
    let (target_space, into) = load_space(&mut tx, principal, &target.space_id)
        .await
        .map_err(|_| {
            AppError::invalid("targetId", format!("There is no app with id {target_id}."))
        })?;
    rules::check_republish(&access, target.source_app_id.as_deref(), id, &into, reduced)?;
    store::replace_content(&mut tx, target_id, &row.description, now).await?;
    crate::content::data::copy_content(&mut tx, state, &row, target_id, true, now).await?;
    let detail = format!(
        "from \"{}\" to {} (version {})",
        row.name,
        target_space.name,
        target.content_version + 1
    );
    record(
        &mut tx,
        now,
        &principal.actor(),
        AuditAction::AppRepublish,
        Target {
            kind: "app",
            id: target_id,
            name: &target.name,
        },
        detail,
    )
    .await?;
    let row = store::get_app(&mut tx, &principal.tenant_id, target_id)
        .await?
        .ok_or_else(|| AppError::internal("app vanished"))?;
    let access = access_to_app(&mut tx, principal, &row, target_space.kind()).await?;
    tx.commit().await?;
    Ok(app_from(row, &target_space, &access))
}

/// Moves an app to another space. Its shares are removed: they belonged to the old space.
pub async fn move_app(
    state: &AppState,
    principal: &Principal,
    id: &str,
    space_id: &str,
) -> Result<App, AppError> {
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let (row, space, access) = load_app(&mut tx, principal, id).await?;
    let (target, into) = target_space(&mut tx, principal, space_id).await?;
    let reduced = caller_reduced(&mut tx, principal, &row, space.kind(), &access).await?;
    rules::check_move(
        space.kind(),
        &access,
        target.kind(),
        &into,
        target.id == space.id,
        reduced,
    )?;
    let removed = sharing_store::delete_shares_of_app(&mut tx, id).await?;
    store::set_space(&mut tx, id, &target.id, now).await?;
    let detail = format!(
        "from {} to {}; {removed} share{} removed",
        space.display_name(),
        target.display_name(),
        if removed == 1 { "" } else { "s" }
    );
    record(
        &mut tx,
        now,
        &principal.actor(),
        AuditAction::AppMove,
        Target {
            kind: "app",
            id,
            name: &row.name,
        },
        detail,
    )
    .await?;
    let row = store::get_app(&mut tx, &principal.tenant_id, id)
        .await?
        .ok_or_else(|| AppError::internal("app vanished"))?;
    let access = access_to_app(&mut tx, principal, &row, target.kind()).await?;
    tx.commit().await?;
    Ok(app_from(row, &target, &access))
}

/// Commits a new app made with `copy_content`, then moves its data into place (or removes it).
async fn commit_new_app(
    state: &AppState,
    tx: sqlx::Transaction<'_, sqlx::Any>,
    id: &str,
) -> Result<(), AppError> {
    if let Err(error) = tx.commit().await {
        crate::content::data::abandon(state, id);
        return Err(error.into());
    }
    crate::content::data::promote(state, id);
    Ok(())
}

/// Whether section access limits the rows the caller sees of the app (copies and moves ask).
async fn caller_reduced(
    conn: &mut AnyConnection,
    principal: &Principal,
    row: &AppRow,
    space: SpaceType,
    access: &Access,
) -> Result<bool, AppError> {
    let data = crate::access::caller_data_access(conn, principal, row, space, access).await?;
    Ok(data != crate::content::rules::DataAccess::All)
}

/// Makes a copy with a new id and no shares.
pub async fn duplicate_app(
    state: &AppState,
    principal: &Principal,
    id: &str,
    input: DuplicateInput,
) -> Result<App, AppError> {
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let (row, space, access) = load_app(&mut tx, principal, id).await?;
    let (target, into) = target_space(&mut tx, principal, &input.space_id).await?;
    let reduced = caller_reduced(&mut tx, principal, &row, space.kind(), &access).await?;
    rules::check_duplicate(&access, target.kind(), &into, reduced)?;
    let name = match input.name.as_deref() {
        Some(n) => clean_name("name", n, MAX_NAME_CHARS)?,
        None => clean_name("name", &format!("{} (copy)", row.name), MAX_NAME_CHARS)?,
    };
    let copy = new_app(
        principal,
        &target.id,
        name,
        row.description.clone(),
        None,
        now,
    );
    store::insert_app(&mut tx, &copy).await?;
    crate::content::data::copy_content(&mut tx, state, &row, &copy.id, false, now).await?;
    record(
        &mut tx,
        now,
        &principal.actor(),
        AuditAction::AppDuplicate,
        Target {
            kind: "app",
            id: &copy.id,
            name: &copy.name,
        },
        format!("copy of \"{}\" in {}", row.name, target.display_name()),
    )
    .await?;
    let app = finish(&mut tx, principal, &copy.id).await?;
    commit_new_app(state, tx, &copy.id).await?;
    Ok(app)
}
