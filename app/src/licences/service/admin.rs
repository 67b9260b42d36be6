//! What tenant admins do: the scheme and its numbers, assigning and removing licences (with
//! quarantine and reinstatement), Document CAL pools, pass rules and login groups.

use super::*;
use crate::licences::model::LicenceSettings;

pub(super) fn require_admin(principal: &Principal) -> Result<(), AppError> {
    if principal.is_tenant_admin {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "Only tenant admins manage licences. Ask one of them.",
        ))
    }
}

pub(super) fn checked(field: &str, value: i64) -> Result<i64, AppError> {
    if (0..=MAX_UNITS).contains(&value) {
        Ok(value)
    } else {
        Err(AppError::invalid(
            field,
            format!("{field} must be a whole number from 0 to {MAX_UNITS}; it is {value}."),
        ))
    }
}

pub async fn get_licence_settings(
    state: &AppState,
    principal: &Principal,
) -> Result<LicenceSettings, AppError> {
    require_admin(principal)?;
    let mut conn = state.db.acquire().await?;
    let Some(s) = store::settings(&mut conn, &principal.tenant_id).await? else {
        return Ok(LicenceSettings::default());
    };
    Ok(LicenceSettings {
        scheme: Scheme::parse(&s.scheme),
        tokens: s.tokens,
        named_cals: s.named_cals,
        dynamic_named: flag(s.dynamic_named),
        dynamic_document: flag(s.dynamic_document),
        session_cals: s.session_cals,
        usage_cals: s.usage_cals,
        professional: s.professional,
        analyzer: s.analyzer,
        auto_professional: flag(s.auto_professional),
        auto_analyzer: flag(s.auto_analyzer),
        capacity_minutes: s.capacity_minutes,
        overage_minutes: s.overage_minutes,
    })
}

/// Sets the scheme and its numbers. Switching schemes keeps every assignment and the ledger;
/// lowering a pool below what is in use is allowed: the latest assignments beyond it are
/// excluded (user-based) or simply no new ones are given until enough are removed.
pub async fn set_licence_settings(
    state: &AppState,
    principal: &Principal,
    input: LicenceSettings,
) -> Result<LicenceSettings, AppError> {
    require_admin(principal)?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    lock_row(&mut tx, Parent::Tenant, &principal.tenant_id).await?;
    let old = store::settings(&mut tx, &principal.tenant_id).await?;
    let usage_cals = checked("usage_cals", input.usage_cals)?;
    let row = SettingsRow {
        scheme: input
            .scheme
            .map(|s| s.as_str().to_string())
            .unwrap_or_default(),
        tokens: checked("tokens", input.tokens)?,
        named_cals: checked("named_cals", input.named_cals)?,
        dynamic_named: i64::from(input.dynamic_named),
        dynamic_document: i64::from(input.dynamic_document),
        session_cals: checked("session_cals", input.session_cals)?,
        usage_cals,
        // A new Usage CAL pool starts full.
        usage_since: match &old {
            Some(o) if o.usage_cals == usage_cals => o.usage_since,
            _ => now,
        },
        professional: checked("professional", input.professional)?,
        analyzer: checked("analyzer", input.analyzer)?,
        auto_professional: i64::from(input.auto_professional),
        auto_analyzer: i64::from(input.auto_analyzer),
        capacity_minutes: checked("capacity_minutes", input.capacity_minutes)?,
        overage_minutes: checked("overage_minutes", input.overage_minutes)?,
        updated_at: now,
    };
    store::save_settings(&mut tx, &principal.tenant_id, &row).await?;
    record(
        &mut tx,
        now,
        &principal.actor(),
        AuditAction::LicenceSettingsUpdate,
        Target {
            kind: "tenant",
            id: &principal.tenant_id,
            name: &principal.tenant_name,
        },
        format!(
            "scheme {}; tokens {}, named {}, session {}, usage {}, professional {}, analyzer {}, capacity {} min",
            if row.scheme.is_empty() { "none" } else { &row.scheme },
            row.tokens, row.named_cals, row.session_cals, row.usage_cals, row.professional, row.analyzer, row.capacity_minutes
        ),
    )
    .await?;
    tx.commit().await?;
    get_licence_settings(state, principal).await
}

/// Gives a person a lasting licence: a user pass, a Named or Document CAL (with its app), or an
/// entitlement. Giving back one of theirs still in quarantine ends the quarantine at no cost.
pub async fn assign_licence(
    state: &AppState,
    principal: &Principal,
    kind: LicenceKind,
    user_id: &str,
    app_id: &str,
) -> Result<(), AppError> {
    require_admin(principal)?;
    if !matches!(
        kind,
        LicenceKind::UserPass
            | LicenceKind::NamedCal
            | LicenceKind::DocumentCal
            | LicenceKind::Professional
            | LicenceKind::Analyzer
    ) {
        return Err(AppError::invalid(
            "kind",
            format!(
                "A {} is not assigned to a person: it is taken when an app opens.",
                kind.label()
            ),
        ));
    }
    let now = state.now();
    let mut tx = state.db.begin().await?;
    lock_row(&mut tx, Parent::Tenant, &principal.tenant_id).await?;
    assign_in(&mut tx, principal, kind, user_id, app_id, now).await?;
    tx.commit().await?;
    Ok(())
}

/// `assign_licence` inside the caller's transaction, under the tenant's lock.
async fn assign_in(
    tx: &mut AnyConnection,
    principal: &Principal,
    kind: LicenceKind,
    user_id: &str,
    app_id: &str,
    now: i64,
) -> Result<(), AppError> {
    let settings = store::settings(&mut *tx, &principal.tenant_id)
        .await?
        .filter(|s| Scheme::parse(&s.scheme) == Some(kind.scheme()))
        .ok_or_else(|| {
            AppError::invalid(
                "kind",
                format!(
                    "The tenant does not use {} now: choose that scheme in the licence settings first.",
                    kind.scheme().label()
                ),
            )
        })?;
    let user = crate::directory::store::get_user(&mut *tx, &principal.tenant_id, user_id)
        .await?
        .filter(|u| u.status != crate::directory::rules::UserStatus::Disabled.as_str())
        .ok_or_else(|| {
            AppError::invalid(
                "userId",
                format!("There is no active user with id {user_id} in this tenant."),
            )
        })?;
    let app_id = if kind == LicenceKind::DocumentCal {
        if store::document_pool(&mut *tx, app_id).await?.is_none() {
            return Err(AppError::invalid("appId", "Document CALs are given for an app that has a Document CAL pool: set the app's pool first."));
        }
        app_id
    } else {
        ""
    };
    let rows = store::assignments(&mut *tx, &principal.tenant_id, kind.as_str(), now).await?;
    if live(&rows).any(|r| r.user_id == user.id && r.app_id == app_id) {
        return Err(AppError::conflict(format!(
            "{} already holds a {}.",
            user.name,
            kind.label()
        )));
    }
    let quarantined = rows
        .iter()
        .find(|r| r.removed_at.is_some() && r.user_id == user.id && r.app_id == app_id);
    let detail;
    if let Some(q) = quarantined {
        store::reinstate_assignment(&mut *tx, &q.id).await?;
        store::append(
            &mut *tx,
            &principal.tenant_id,
            &LedgerRow {
                user_id: user.id.clone(),
                user_name: user.name.clone(),
                ..ledger_row("reinstate", kind, principal, app_id, now)
            },
        )
        .await?;
        detail = format!(
            "{} to {} (back from quarantine, at no cost)",
            kind.label(),
            user.name
        );
    } else {
        let total = match kind {
            LicenceKind::UserPass => settings.tokens,
            LicenceKind::NamedCal => settings.named_cals,
            LicenceKind::DocumentCal => store::document_pool(&mut *tx, app_id).await?.unwrap_or(0),
            LicenceKind::Professional => settings.professional,
            _ => settings.analyzer,
        };
        let in_use = if kind == LicenceKind::UserPass {
            // Tokens are shared with login groups.
            let groups: i64 = store::login_groups(&mut *tx, &principal.tenant_id)
                .await?
                .iter()
                .filter(|g| g.deleted_at.is_none())
                .map(|g| g.tokens)
                .sum();
            i64::from(pool(total, &rows, now).in_use(now)) + groups
        } else {
            let scoped: Vec<AssignmentRow> = rows
                .iter()
                .filter(|r| r.app_id == app_id)
                .cloned()
                .collect();
            i64::from(pool(total, &scoped, now).in_use(now))
        };
        if in_use >= total {
            return Err(AppError::forbidden(format!(
                "No {} is free: {in_use} of {total} in use or in quarantine. Remove one, or raise the number in the licence settings.",
                kind.label()
            )));
        }
        let new = store::NewAssignment {
            tenant_id: &principal.tenant_id,
            kind: kind.as_str(),
            user_id: &user.id,
            app_id,
            assigned_by: &principal.user_id,
        };
        store::insert_assignment(&mut *tx, &new_id(), &new, now).await?;
        store::append(
            &mut *tx,
            &principal.tenant_id,
            &LedgerRow {
                user_id: user.id.clone(),
                user_name: user.name.clone(),
                ..ledger_row("allocate", kind, principal, app_id, now)
            },
        )
        .await?;
        detail = format!("{} to {}", kind.label(), user.name);
    }
    record(
        &mut *tx,
        now,
        &principal.actor(),
        AuditAction::LicenceAssign,
        Target {
            kind: "user",
            id: &user.id,
            name: &user.name,
        },
        detail,
    )
    .await?;
    Ok(())
}

/// Takes a lasting licence back. One used lately waits in quarantine (a pass until 7 days after
/// its last use, a CAL 7 days); the answer says until when.
pub async fn remove_licence(
    state: &AppState,
    principal: &Principal,
    kind: LicenceKind,
    user_id: &str,
    app_id: &str,
) -> Result<rules::Release, AppError> {
    require_admin(principal)?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    lock_row(&mut tx, Parent::Tenant, &principal.tenant_id).await?;
    let release = remove_in(&mut tx, principal, kind, user_id, app_id, now).await?;
    tx.commit().await?;
    Ok(release)
}

/// A user is being deleted (inside the deletion's transaction): each licence they hold is
/// taken back as `remove_licence` takes it, quarantine included, with its ledger row. Their
/// rows stay, so that a quarantined licence and a login pass's window keep counting until they
/// return, as they would for a person who stayed.
pub async fn release_deleted_user(
    tx: &mut AnyConnection,
    principal: &Principal,
    user_id: &str,
    now: i64,
) -> Result<(), AppError> {
    lock_row(&mut *tx, Parent::Tenant, &principal.tenant_id).await?;
    for kind in [
        LicenceKind::UserPass,
        LicenceKind::NamedCal,
        LicenceKind::DocumentCal,
        LicenceKind::Professional,
        LicenceKind::Analyzer,
    ] {
        let rows = store::assignments(&mut *tx, &principal.tenant_id, kind.as_str(), now).await?;
        let apps: Vec<String> = live(&rows)
            .filter(|r| r.user_id == user_id)
            .map(|r| r.app_id.clone())
            .collect();
        for app_id in apps {
            remove_in(&mut *tx, principal, kind, user_id, &app_id, now).await?;
        }
    }
    Ok(())
}

/// `remove_licence` inside the caller's transaction, under the tenant's lock.
async fn remove_in(
    tx: &mut AnyConnection,
    principal: &Principal,
    kind: LicenceKind,
    user_id: &str,
    app_id: &str,
    now: i64,
) -> Result<rules::Release, AppError> {
    let rows = store::assignments(&mut *tx, &principal.tenant_id, kind.as_str(), now).await?;
    let row = live(&rows)
        .find(|r| r.user_id == user_id && (kind != LicenceKind::DocumentCal || r.app_id == app_id))
        .cloned()
        .ok_or_else(|| {
            AppError::not_found(format!("That user holds no {} to remove.", kind.label()))
        })?;
    let release = match kind {
        LicenceKind::UserPass => rules::release_of_pass(row.last_used_at, now),
        LicenceKind::NamedCal | LicenceKind::DocumentCal => {
            rules::release_of_cal(row.last_used_at, now)
        }
        _ => rules::Release::Now,
    };
    let until = match release {
        rules::Release::QuarantinedUntil(t) => Some(t),
        rules::Release::Now => None,
    };
    store::remove_assignment(&mut *tx, &row.id, now, until).await?;
    let event = if until.is_some() {
        "quarantine"
    } else {
        "return"
    };
    store::append(
        &mut *tx,
        &principal.tenant_id,
        &LedgerRow {
            user_id: row.user_id.clone(),
            user_name: row.user_name.clone(),
            reason: until
                .map(|t| format!("until {}", crate::timefmt::rfc3339(t)))
                .unwrap_or_default(),
            ..ledger_row(event, kind, principal, &row.app_id, now)
        },
    )
    .await?;
    record(
        &mut *tx,
        now,
        &principal.actor(),
        AuditAction::LicenceRemove,
        Target {
            kind: "user",
            id: &row.user_id,
            name: &row.user_name,
        },
        match until {
            Some(t) => format!(
                "{}; in quarantine until {}",
                kind.label(),
                crate::timefmt::short(t)
            ),
            None => format!("{}; free at once", kind.label()),
        },
    )
    .await?;
    Ok(release)
}

/// Changes a person's assignment from one kind to another (analyzer to professional, say) in one
/// transaction: the old one goes (with its quarantine, if it has one) and the new one is given,
/// or neither.
pub async fn change_licence(
    state: &AppState,
    principal: &Principal,
    user_id: &str,
    from: LicenceKind,
    to: LicenceKind,
) -> Result<(), AppError> {
    require_admin(principal)?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    lock_row(&mut tx, Parent::Tenant, &principal.tenant_id).await?;
    remove_in(&mut tx, principal, from, user_id, "", now).await?;
    assign_in(&mut tx, principal, to, user_id, "", now).await?;
    tx.commit().await?;
    Ok(())
}
