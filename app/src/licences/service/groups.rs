//! Licences given through groups and apps: login access passes for a group (ten per token),
//! groups whose members get a user pass on first use, and the Document CALs of an app.

use super::*;
use crate::licences::service::admin::{checked, require_admin};

/// Sets how many Document CALs an app has (0 removes its pool).
pub async fn set_document_pool(
    state: &AppState,
    principal: &Principal,
    app_id: &str,
    size: i64,
) -> Result<(), AppError> {
    require_admin(principal)?;
    let size = checked("size", size)?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let app = crate::apps::store::get_app(&mut tx, &principal.tenant_id, app_id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("There is no app with id {app_id}.")))?;
    store::set_document_pool(&mut tx, &principal.tenant_id, &app.id, size).await?;
    record(
        &mut tx,
        now,
        &principal.actor(),
        AuditAction::LicenceSettingsUpdate,
        Target {
            kind: "app",
            id: &app.id,
            name: &app.name,
        },
        format!("Document CALs: {size}"),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Members of `group_id` get a user access pass on first use.
pub async fn add_pass_rule(
    state: &AppState,
    principal: &Principal,
    group_id: &str,
) -> Result<(), AppError> {
    require_admin(principal)?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let group = crate::directory::store::get_group(&mut tx, &principal.tenant_id, group_id)
        .await?
        .ok_or_else(|| {
            AppError::invalid("groupId", format!("There is no group with id {group_id}."))
        })?;
    store::add_pass_rule(&mut tx, &principal.tenant_id, &group.id, now).await?;
    record(
        &mut tx,
        now,
        &principal.actor(),
        AuditAction::LicenceSettingsUpdate,
        Target {
            kind: "group",
            id: &group.id,
            name: &group.name,
        },
        "members get a user access pass on first use",
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Gives a group login access passes: ten per token.
pub async fn add_login_group(
    state: &AppState,
    principal: &Principal,
    group_id: &str,
    tokens: i64,
) -> Result<(), AppError> {
    require_admin(principal)?;
    let tokens = checked("tokens", tokens)?;
    if tokens == 0 {
        return Err(AppError::invalid(
            "tokens",
            "A login group needs at least 1 token (10 passes).",
        ));
    }
    let now = state.now();
    let mut tx = state.db.begin().await?;
    lock_row(&mut tx, Parent::Tenant, &principal.tenant_id).await?;
    let group = crate::directory::store::get_group(&mut tx, &principal.tenant_id, group_id)
        .await?
        .ok_or_else(|| {
            AppError::invalid("groupId", format!("There is no group with id {group_id}."))
        })?;
    let settings = store::settings(&mut tx, &principal.tenant_id)
        .await?
        .unwrap_or_default();
    let passes = store::assignments(
        &mut tx,
        &principal.tenant_id,
        LicenceKind::UserPass.as_str(),
        now,
    )
    .await?;
    let held: i64 = store::login_groups(&mut tx, &principal.tenant_id)
        .await?
        .iter()
        .filter(|g| g.deleted_at.is_none())
        .map(|g| g.tokens)
        .sum();
    let in_use = i64::from(pool(settings.tokens, &passes, now).in_use(now)) + held;
    if in_use + tokens > settings.tokens {
        return Err(AppError::conflict(format!(
            "Only {} of {} tokens are free; a login group of {tokens} needs more.",
            (settings.tokens - in_use).max(0),
            settings.tokens
        )));
    }
    store::insert_login_group(
        &mut tx,
        &new_id(),
        &principal.tenant_id,
        &group.id,
        &group.name,
        tokens,
        now,
    )
    .await?;
    record(
        &mut tx,
        now,
        &principal.actor(),
        AuditAction::LicenceSettingsUpdate,
        Target {
            kind: "group",
            id: &group.id,
            name: &group.name,
        },
        format!(
            "login access: {tokens} tokens ({} passes)",
            tokens * i64::from(rules::PASSES_PER_TOKEN)
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Login groups, pass rules and Document CAL pools, for the settings.
pub async fn get_licence_extras(
    state: &AppState,
    principal: &Principal,
) -> Result<crate::licences::model::LicenceExtras, AppError> {
    require_admin(principal)?;
    let now = state.now();
    let tenant = &principal.tenant_id;
    let mut conn = state.db.acquire().await?;
    let mut login_groups = Vec::new();
    for group in store::login_groups(&mut conn, tenant).await? {
        if group.deleted_at.is_some() {
            continue;
        }
        let (g, _) = login_group_state(&mut conn, &group, now).await?;
        login_groups.push(crate::licences::model::LoginGroupInfo {
            id: group.id,
            group_name: group.group_name,
            tokens: group.tokens,
            passes: i64::from(g.passes()),
            passes_in_use: i64::from(g.in_use(now)),
        });
    }
    Ok(crate::licences::model::LicenceExtras {
        login_groups,
        pass_rules: store::pass_rules(&mut conn, tenant).await?,
        document_pools: store::document_pools(&mut conn, tenant).await?,
        apps: store::app_names(&mut conn, tenant).await?,
    })
}

/// Deletes a login group: it frees one token per 10 passes that are unused or have returned
/// now, and the rest as its passes return. Answers how many tokens it still holds.
pub async fn delete_login_group(
    state: &AppState,
    principal: &Principal,
    id: &str,
) -> Result<u32, AppError> {
    require_admin(principal)?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    lock_row(&mut tx, Parent::Tenant, &principal.tenant_id).await?;
    let group = store::login_groups(&mut tx, &principal.tenant_id)
        .await?
        .into_iter()
        .find(|g| g.id == id && g.deleted_at.is_none())
        .ok_or_else(|| AppError::not_found("There is no such login group."))?;
    let (state, _) = login_group_state(&mut tx, &group, now).await?;
    let held = state.tokens_held_when_deleted(now);
    store::delete_login_group(&mut tx, &group.id, now).await?;
    record(
        &mut tx,
        now,
        &principal.actor(),
        AuditAction::LicenceSettingsUpdate,
        Target {
            kind: "group",
            id: group.group_id.as_deref().unwrap_or(""),
            name: &group.group_name,
        },
        format!(
            "login access removed: {} of {} tokens free now, {held} as passes return",
            group.tokens - i64::from(held),
            group.tokens
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(held)
}

/// Members of `group_id` no longer get a user access pass on first use (passes they have stay).
pub async fn remove_pass_rule(
    state: &AppState,
    principal: &Principal,
    group_id: &str,
) -> Result<(), AppError> {
    require_admin(principal)?;
    let mut tx = state.db.begin().await?;
    store::remove_pass_rule(&mut tx, &principal.tenant_id, group_id).await?;
    record(
        &mut tx,
        state.now(),
        &principal.actor(),
        AuditAction::LicenceSettingsUpdate,
        Target {
            kind: "group",
            id: group_id,
            name: "",
        },
        "members no longer get a user access pass on first use",
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
