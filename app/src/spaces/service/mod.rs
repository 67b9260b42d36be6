//! Space operations: list, create, change, delete spaces, and their assignments (members). Each
//! function authorizes through `sharing::rules`, validates, writes in one transaction and
//! records what it did in the audit log.

mod assignments;

pub use assignments::*;

use std::collections::BTreeMap;

use sqlx::AnyConnection;

use super::model::*;
use super::rules::{
    check_assignment_roles, roles_from_text, roles_to_text, ui_names, SpaceRole, SpaceType,
};
use super::store::{self, AssignmentRow, NewSpaceRow, SpaceFilter, SpaceRow};
use crate::access::{access_to_space, grants_for_app, load_space, members_space};
use crate::audit::model::AuditAction;
use crate::audit::service::{record, Target};
use crate::auth::principal::Principal;
use crate::directory::rules::{
    clean_description, clean_name, unique_key, Permission, UserStatus, MAX_NAME_CHARS,
};
use crate::error::AppError;
use crate::ids::new_id;
use crate::paging::Page;
use crate::paging::{decode_cursor, encode_cursor, page_size, MAX_PAGE};
use crate::sharing::rules::{space_access, SpaceAccess, SpaceAction};
use crate::sharing::store as sharing_store;
use crate::state::AppState;

fn space_from(row: SpaceRow, access: &SpaceAccess, app_count: i64) -> Space {
    let space_type = row.kind();
    Space {
        name: row.display_name(),
        id: row.id,
        tenant_id: row.tenant_id,
        space_type,
        description: row.description,
        owner_id: row.owner_id,
        owner_name: row.owner_name,
        created_at: row.created_at,
        updated_at: row.updated_at,
        owner: access.owner,
        actions: access.actions.iter().copied().collect(),
        roles: access.roles.iter().map(|(r, _)| *r).collect(),
        app_count,
    }
}

/// How many apps of the space the caller sees: all of them, or those shared with them.
async fn visible_app_count(
    conn: &mut AnyConnection,
    principal: &Principal,
    space: &SpaceRow,
    access: &SpaceAccess,
) -> Result<i64, AppError> {
    if access.can(SpaceAction::ViewAllApps) {
        return Ok(store::count_apps(conn, &space.id).await?);
    }
    let rows = sharing_store::grants(conn, &principal.user_id, &space.id, "").await?;
    let mut apps: Vec<&str> = rows
        .iter()
        .filter(|r| r.kind.starts_with("share_"))
        .map(|r| r.app_id.as_str())
        .collect();
    apps.sort();
    apps.dedup();
    Ok(apps.len() as i64)
}

/// Makes a user's personal space; called when the user is made.
pub async fn create_personal_space(
    conn: &mut AnyConnection,
    tenant_id: &str,
    user_id: &str,
    now: i64,
) -> Result<(), AppError> {
    let id = new_id();
    let row = NewSpaceRow {
        id: &id,
        tenant_id,
        space_type: SpaceType::Personal,
        name: "",
        name_key: "",
        description: "",
        owner_id: user_id,
        now,
    };
    store::insert_space(conn, row).await?;
    Ok(())
}

pub async fn list_spaces(
    state: &AppState,
    principal: &Principal,
    query: SpaceQuery,
) -> Result<Page<Space>, AppError> {
    let limit = page_size(query.limit);
    let name_like = if query.name.trim().is_empty() {
        String::new()
    } else {
        format!(
            "%{}%",
            crate::audit::store::like_escape(&unique_key(&query.name))
        )
    };
    let space_type = query.space_type.map(SpaceType::api_name).unwrap_or("");
    let filter = SpaceFilter {
        user_id: &principal.user_id,
        all_shared_and_managed: principal.has(Permission::ManageSpaces),
        space_type,
        name_like: &name_like,
        owner_id: query.owner_id.trim(),
        after: query.after.as_deref().map(decode_cursor).transpose()?,
    };
    let mut conn = state.db.acquire().await?;
    let mut rows = store::list_spaces(&mut conn, &principal.tenant_id, &filter, limit).await?;
    let next = if rows.len() > limit as usize {
        rows.truncate(limit as usize);
        rows.last().map(|r| {
            encode_cursor(
                if r.kind() == SpaceType::Personal {
                    ""
                } else {
                    &r.name_key
                },
                &r.id,
            )
        })
    } else {
        None
    };
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let mut grants: BTreeMap<String, Vec<sharing_store::GrantRow>> = BTreeMap::new();
    for g in sharing_store::space_grants(&mut conn, &principal.user_id, &ids).await? {
        grants
            .entry(g.space_id)
            .or_default()
            .push(sharing_store::GrantRow {
                kind: g.kind,
                group_id: g.group_id,
                app_id: String::new(),
                roles: g.roles,
            });
    }
    let counts: BTreeMap<String, i64> = store::app_counts(&mut conn, &ids)
        .await?
        .into_iter()
        .collect();
    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        let rows = grants.remove(&row.id).unwrap_or_default();
        let has_app_shares = rows.iter().any(|r| r.kind == "app_share");
        let access = space_access(
            row.kind(),
            &grants_for_app(&rows, ""),
            has_app_shares,
            principal.has(Permission::ManageSpaces),
        );
        let count = if access.can(SpaceAction::ViewAllApps) {
            counts.get(&row.id).copied().unwrap_or(0)
        } else {
            visible_app_count(&mut conn, principal, &row, &access).await?
        };
        items.push(space_from(row, &access, count));
    }
    Ok(Page { items, next })
}

/// Managed spaces the caller may publish into: the publish menu's choices.
pub async fn list_publish_targets(
    state: &AppState,
    principal: &Principal,
) -> Result<Vec<Space>, AppError> {
    let query = SpaceQuery {
        space_type: Some(SpaceType::Managed),
        limit: MAX_PAGE,
        ..Default::default()
    };
    let page = list_spaces(state, principal, query).await?;
    Ok(page
        .items
        .into_iter()
        .filter(|s| s.can(SpaceAction::PublishInto))
        .collect())
}

/// Spaces the caller may put apps in: the move and duplicate menus' choices.
pub async fn list_app_targets(
    state: &AppState,
    principal: &Principal,
) -> Result<Vec<Space>, AppError> {
    let query = SpaceQuery {
        limit: MAX_PAGE,
        ..Default::default()
    };
    let page = list_spaces(state, principal, query).await?;
    Ok(page
        .items
        .into_iter()
        .filter(|s| s.can(SpaceAction::CreateApp))
        .collect())
}

pub async fn get_space(
    state: &AppState,
    principal: &Principal,
    id: &str,
) -> Result<Space, AppError> {
    let mut conn = state.db.acquire().await?;
    let (row, access) = load_space(&mut conn, principal, id).await?;
    let count = visible_app_count(&mut conn, principal, &row, &access).await?;
    Ok(space_from(row, &access, count))
}

/// The caller's personal space.
pub async fn personal_space(state: &AppState, principal: &Principal) -> Result<Space, AppError> {
    let id = {
        let mut conn = state.db.acquire().await?;
        store::personal_space_of(&mut conn, &principal.user_id)
            .await?
            .map(|s| s.id)
    };
    match id {
        Some(id) => get_space(state, principal, &id).await,
        None => Err(AppError::not_found(
            "You have no personal space: only users have one.",
        )),
    }
}

async fn ensure_name_free(
    conn: &mut AnyConnection,
    tenant_id: &str,
    name: &str,
    except: Option<&str>,
) -> Result<(), AppError> {
    match store::space_name_owner(conn, tenant_id, &unique_key(name)).await? {
        Some(id) if Some(id.as_str()) != except => Err(AppError::conflict(format!(
            "A space named \"{name}\" already exists. Space names are unique in the tenant."
        ))),
        _ => Ok(()),
    }
}

pub async fn create_space(
    state: &AppState,
    principal: &Principal,
    input: NewSpace,
) -> Result<Space, AppError> {
    match input.space_type {
        SpaceType::Personal => return Err(AppError::invalid("type", "Every user has one personal space, made with their account. Create a shared or managed space.")),
        SpaceType::Shared => principal.require(Permission::CreateSharedSpaces)?,
        SpaceType::Managed => principal.require(Permission::CreateManagedSpaces)?,
    }
    let name = clean_name("name", &input.name, MAX_NAME_CHARS)?;
    let description = clean_description(&input.description)?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    ensure_name_free(&mut tx, &principal.tenant_id, &name, None).await?;
    let id = new_id();
    let row = NewSpaceRow {
        id: &id,
        tenant_id: &principal.tenant_id,
        space_type: input.space_type,
        name: &name,
        name_key: &unique_key(&name),
        description: &description,
        owner_id: &principal.user_id,
        now,
    };
    store::insert_space(&mut tx, row).await?;
    record(
        &mut tx,
        now,
        &principal.actor(),
        AuditAction::SpaceCreate,
        Target {
            kind: "space",
            id: &id,
            name: &name,
        },
        format!("{} space", input.space_type.api_name()),
    )
    .await?;
    let (row, access) = load_space(&mut tx, principal, &id).await?;
    tx.commit().await?;
    Ok(space_from(row, &access, 0))
}

pub async fn update_space(
    state: &AppState,
    principal: &Principal,
    id: &str,
    changes: SpaceChanges,
) -> Result<Space, AppError> {
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let (mut row, access) = load_space(&mut tx, principal, id).await?;
    let personal = row.kind() == SpaceType::Personal;
    let mut said = Vec::new();
    if (changes.name.is_some() || changes.description.is_some())
        && !access.can(SpaceAction::EditDetails)
    {
        {
            return Err(AppError::forbidden("Only the space owner and members who can manage the space change its name and description."));
        }
    }
    if let Some(name) = &changes.name {
        if personal {
            return Err(AppError::invalid(
                "name",
                "A personal space is named after its owner and cannot be renamed.",
            ));
        }
        let name = clean_name("name", name, MAX_NAME_CHARS)?;
        if name != row.name {
            ensure_name_free(&mut tx, &principal.tenant_id, &name, Some(id)).await?;
            said.push(format!("name: {} -> {name}", row.name));
            row.name_key = unique_key(&name);
            row.name = name;
        }
    }
    if let Some(description) = &changes.description {
        let description = clean_description(description)?;
        if description != row.description {
            said.push("description changed".to_string());
            row.description = description;
        }
    }
    if let Some(owner_id) = &changes.owner_id {
        if personal {
            return Err(AppError::invalid(
                "ownerId",
                "A personal space always belongs to its user.",
            ));
        }
        if !access.can(SpaceAction::ChangeOwner) {
            return Err(AppError::forbidden(
                "Only the space owner and admins who manage spaces change the owner.",
            ));
        }
        let user = crate::directory::store::get_user(&mut tx, &principal.tenant_id, owner_id)
            .await?
            .ok_or_else(|| {
                AppError::invalid("ownerId", format!("There is no user with id {owner_id}."))
            })?;
        if user.status != UserStatus::Active.as_str() {
            return Err(AppError::invalid(
                "ownerId",
                format!(
                    "{} is not an active user and cannot own a space.",
                    user.name
                ),
            ));
        }
        if row.owner_id.as_deref() != Some(owner_id) {
            said.push(format!(
                "owner: {} -> {}",
                row.owner_name.clone().unwrap_or_else(|| "none".into()),
                user.name
            ));
            row.owner_id = Some(user.id);
        }
    }
    if !said.is_empty() {
        store::update_space(&mut tx, &row, now).await?;
        record(
            &mut tx,
            now,
            &principal.actor(),
            AuditAction::SpaceUpdate,
            Target {
                kind: "space",
                id,
                name: &row.name,
            },
            said.join("; "),
        )
        .await?;
    }
    // The caller may have handed the space to someone else: report what they can do now.
    let row = store::get_space(&mut tx, &principal.tenant_id, id)
        .await?
        .ok_or_else(|| AppError::internal("space vanished"))?;
    let access = access_to_space(&mut tx, principal, &row).await?;
    let count = visible_app_count(&mut tx, principal, &row, &access).await?;
    tx.commit().await?;
    Ok(space_from(row, &access, count))
}

pub async fn delete_space(
    state: &AppState,
    principal: &Principal,
    id: &str,
) -> Result<(), AppError> {
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let (row, access) = load_space(&mut tx, principal, id).await?;
    if row.kind() == SpaceType::Personal {
        return Err(AppError::invalid(
            "space",
            "A personal space goes with its user's account and cannot be deleted on its own.",
        ));
    }
    if !access.can(SpaceAction::Delete) {
        return Err(AppError::forbidden(
            "Only the space owner and admins who manage spaces delete a space.",
        ));
    }
    let apps = store::count_apps(&mut tx, id).await?;
    if apps > 0 {
        return Err(AppError::conflict(format!(
            "\"{}\" still holds {apps} app{}. Move or delete {} first.",
            row.name,
            if apps == 1 { "" } else { "s" },
            if apps == 1 { "it" } else { "them" }
        )));
    }
    store::delete_space(&mut tx, id).await?;
    record(
        &mut tx,
        now,
        &principal.actor(),
        AuditAction::SpaceDelete,
        Target {
            kind: "space",
            id,
            name: &row.name,
        },
        format!("{} space", row.space_type),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
