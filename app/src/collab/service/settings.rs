//! The switches: collaborative sessions on or off for the tenant, and for one app.

use super::*;

/// Whether sessions are allowed on an app, and whether the caller may change that.
pub async fn collab_settings(
    state: &AppState,
    principal: &Principal,
    app_id: &str,
) -> Result<CollabSwitches, AppError> {
    let mut conn = state.db.acquire().await?;
    let (app, _, access) = load_app(&mut conn, principal, app_id).await?;
    Ok(CollabSwitches {
        tenant_enabled: store::tenant_enabled(&mut conn, &principal.tenant_id).await?,
        app_enabled: store::app_enabled(&mut conn, &app.id).await?,
        can_change_app: access.can(AppAction::Share),
        outsiders: principal.has(Permission::CollabOutsiders)
            && store::tenant_outsiders(&mut conn, &principal.tenant_id).await?,
    })
}

/// The tenant's switches (tenant admins, who set them).
pub async fn get_tenant_collab(
    state: &AppState,
    principal: &Principal,
) -> Result<TenantCollab, AppError> {
    if !principal.is_tenant_admin {
        return Err(AppError::forbidden(
            "Only a tenant admin can see or change whether collaborative sessions are on.",
        ));
    }
    let mut conn = state.db.acquire().await?;
    Ok(TenantCollab {
        enabled: store::tenant_enabled(&mut conn, &principal.tenant_id).await?,
        outsiders: store::tenant_outsiders(&mut conn, &principal.tenant_id).await?,
    })
}

/// A switch was set in `tx`: audited and committed; off ends the running sessions it covers
/// (the tenant's, or the app's), each with `message` for its participants.
async fn switched(
    state: &AppState,
    principal: &Principal,
    mut tx: sqlx::Transaction<'static, sqlx::Any>,
    target: Target<'_>,
    on: bool,
    message: &str,
) -> Result<(), AppError> {
    let detail = if on { "on" } else { "off" };
    let app_id = (target.kind == "app").then(|| target.id.to_string());
    record(
        &mut tx,
        state.now(),
        &principal.actor(),
        AuditAction::CollabSettings,
        target,
        detail,
    )
    .await?;
    tx.commit().await?;
    if on {
        return Ok(());
    }
    let live = {
        let mut conn = state.db.acquire().await?;
        store::live_sessions_of(&mut conn, &principal.tenant_id, app_id.as_deref()).await?
    };
    for row in live {
        end(state, &row, &principal.actor(), message).await?;
    }
    Ok(())
}

/// Turns collaborative sessions on or off for the tenant (tenant admins). Off ends every
/// running session of the tenant.
/// Turns collaborative sessions on or off for the tenant (tenant admins), and, apart, the
/// sessions that people without an account join. Off ends every running session it covers.
pub async fn set_tenant_collab(
    state: &AppState,
    principal: &Principal,
    switches: TenantCollab,
) -> Result<(), AppError> {
    if !principal.is_tenant_admin {
        return Err(AppError::forbidden(
            "Only a tenant admin can turn collaborative sessions on or off for the tenant.",
        ));
    }
    let mut tx = state.db.begin().await?;
    let outsiders_before = store::tenant_outsiders(&mut tx, &principal.tenant_id).await?;
    store::set_tenant_enabled(
        &mut tx,
        &principal.tenant_id,
        switches.enabled,
        switches.outsiders,
    )
    .await?;
    let tenant = Target {
        kind: "tenant",
        id: &principal.tenant_id,
        name: &principal.tenant_name,
    };
    if switches.enabled && outsiders_before && !switches.outsiders {
        // Sessions stay on; those that people without an account joined end.
        record(
            &mut tx,
            state.now(),
            &principal.actor(),
            AuditAction::CollabSettings,
            tenant,
            "on; without an account: off",
        )
        .await?;
        tx.commit().await?;
        let live = {
            let mut conn = state.db.acquire().await?;
            store::live_sessions_of(&mut conn, &principal.tenant_id, None).await?
        };
        for row in live.iter().filter(|r| mode_of(r) != Mode::SignedIn) {
            end(state, row, &principal.actor(), rules::TURNED_OFF_OUTSIDERS).await?;
        }
        return Ok(());
    }
    switched(
        state,
        principal,
        tx,
        tenant,
        switches.enabled,
        rules::TURNED_OFF_TENANT,
    )
    .await
}

/// Turns collaborative sessions on or off for one app (those who manage it). Off ends the
/// app's running sessions.
pub async fn set_app_collab(
    state: &AppState,
    principal: &Principal,
    app_id: &str,
    on: bool,
) -> Result<(), AppError> {
    let mut tx = state.db.begin().await?;
    let (app, _, access) = load_app(&mut tx, principal, app_id).await?;
    if !access.can(AppAction::Share) {
        return Err(AppError::forbidden(
            "Only the app's owner and those who can manage it can turn collaborative sessions on or off for it.",
        ));
    }
    store::set_app_enabled(&mut tx, &app.id, on).await?;
    let target = Target {
        kind: "app",
        id: &app.id,
        name: &app.name,
    };
    switched(state, principal, tx, target, on, rules::TURNED_OFF_APP).await
}
