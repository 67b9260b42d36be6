//! For tenant admins: the origins allowed to embed, the tenant's anonymous capacity, and its use.

use super::*;
use crate::audit::model::AuditAction;

pub(super) fn origin_from(row: store::OriginRow) -> AllowedOrigin {
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

pub async fn list_allowed_origins(
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

/// The Content-Security-Policy that the embed pages of this tenant's apps send (Qlik's
/// generate-header): `frame-ancestors` with the origins that may frame Sightline, the one
/// directive Sightline takes from the list.
pub async fn csp_header(state: &AppState, principal: &Principal) -> Result<String, AppError> {
    let origins: Vec<String> = list_allowed_origins(state, principal)
        .await?
        .into_iter()
        .filter(|o| o.frame_ancestors)
        .map(|o| o.origin)
        .collect();
    Ok(rules::frame_ancestors(&origins))
}

pub async fn get_allowed_origin(
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

pub(super) fn checked_origin(input: &NewOrigin) -> Result<NewOrigin, AppError> {
    Ok(NewOrigin {
        name: rules::check_origin_name(&input.name)?,
        origin: rules::check_origin(&input.origin)?,
        description: input.description.trim().chars().take(500).collect(),
        frame_ancestors: input.frame_ancestors,
    })
}

/// Adds an origin, or changes the one with `id`.
pub async fn save_allowed_origin(
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
        AuditAction::OriginSave,
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
    frame_ancestors_changed(state, "*").await;
    Ok(origin_from(row))
}

pub async fn delete_allowed_origin(
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
        AuditAction::OriginDelete,
        Target {
            kind: "origin",
            id,
            name: &row.origin,
        },
        format!("{} may no longer frame Sightline", row.origin),
    )
    .await?;
    tx.commit().await?;
    frame_ancestors_changed(state, "*").await;
    Ok(())
}

/// Current use, the peak and the last 48 hours, for tenant admins.
pub async fn get_anonymous_usage(
    state: &AppState,
    principal: &Principal,
) -> Result<AnonymousUsage, AppError> {
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
    let current = live_sessions(state, &principal.tenant_id).await? as i64;
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

pub async fn set_anonymous_capacity(
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
        AuditAction::AnonymousCapacity,
        Target {
            kind: "tenant",
            id: &principal.tenant_id,
            name: &principal.tenant_name,
        },
        format!("at most {max} anonymous sessions at once"),
    )
    .await?;
    tx.commit().await?;
    get_anonymous_usage(state, principal).await
}
