//! Opening an app: the licence decision for a new connection, applied in one transaction, and
//! activity on an open one (a Usage CAL past its hour, a capacity unit).

use super::*;

/// Licenses one app open (or one activity on it: a selection, a sheet change) by `principal`'s
/// client, after sharing and section access have allowed it. A tenant that has chosen no scheme
/// counts nothing. A denial is written to the ledger and comes back as `AppError::NoLicence`.
pub async fn connect(
    conn: &mut AnyConnection,
    state: &AppState,
    principal: &Principal,
    app: &AppRow,
    activity: bool,
) -> Result<(), AppError> {
    let Some(settings) = store::settings(conn, &principal.tenant_id).await? else {
        return Ok(());
    };
    let Some(scheme) = Scheme::parse(&settings.scheme) else {
        return Ok(());
    };
    let now = state.now();
    let client = principal.client_key();
    // A view or a selection on a connection already open and seen within the minute changes
    // nothing: the row says so, with no transaction and no lock of the tenant.
    if let Some(open) = store::open_connection(conn, &client, &app.id).await? {
        if rules::quiet(&as_open(&open), activity, now) {
            return Ok(());
        }
    }
    let mut tx = conn.begin().await?;
    lock_row(&mut tx, Parent::Tenant, &principal.tenant_id).await?;
    end_idle(&mut tx, &principal.tenant_id, scheme, now).await?;
    if let Some(open) = store::open_connection(&mut tx, &client, &app.id).await? {
        let kind = LicenceKind::parse(&open.kind);
        if activity {
            if let Err(reason) = on_activity(&mut tx, &settings, principal, &open, now).await? {
                let kind = kind.unwrap_or(LicenceKind::UsageCal);
                let denial = deny(
                    &mut tx,
                    scheme,
                    principal,
                    &app.id,
                    vec![Attempt { kind, reason }],
                    now,
                )
                .await?;
                store::end_connection(&mut tx, &open.id, now, None).await?;
                tx.commit().await?;
                return Err(denial);
            }
        } else {
            store::touch_connection(&mut tx, &open.id, now, None).await?;
        }
        tx.commit().await?;
        return Ok(());
    }
    let decision = decide(&mut tx, &settings, scheme, principal, app, &client, now).await?;
    match decision {
        Ok(grant) => {
            let started_at = apply(&mut tx, principal, app, &client, grant, now).await?;
            store::insert_connection(
                &mut tx,
                &principal.tenant_id,
                &ConnectionRow {
                    id: new_id(),
                    user_id: principal.user_id.clone(),
                    app_id: app.id.clone(),
                    client,
                    kind: grant.kind.as_str().to_string(),
                    opened_at: now,
                    last_seen_at: now,
                    ended_at: None,
                    wait_until: None,
                    started_at,
                },
            )
            .await?;
            tx.commit().await?;
            Ok(())
        }
        Err(tried) => {
            let denial = deny(&mut tx, scheme, principal, &app.id, tried, now).await?;
            tx.commit().await?;
            Err(denial)
        }
    }
}

fn as_open(row: &ConnectionRow) -> rules::OpenConnection {
    rules::OpenConnection {
        kind: LicenceKind::parse(&row.kind),
        opened_at: row.opened_at,
        started_at: row.started_at,
        last_seen_at: row.last_seen_at,
    }
}

/// When the person's Usage CAL for this app started, if within the hour: a Usage CAL is one
/// person's for one app.
async fn running_usage_cal(
    conn: &mut AnyConnection,
    principal: &Principal,
    app: &AppRow,
    now: i64,
) -> Result<Option<i64>, AppError> {
    Ok(store::last_started(
        conn,
        &principal.tenant_id,
        LicenceKind::UsageCal.as_str(),
        &principal.user_id,
        &app.id,
        now - rules::USAGE_CAL_MS,
    )
    .await?)
}

/// The decision for a new connection, from the tenant's state as it is in this transaction.
pub(super) async fn decide(
    conn: &mut AnyConnection,
    settings: &SettingsRow,
    scheme: Scheme,
    principal: &Principal,
    app: &AppRow,
    client: &str,
    now: i64,
) -> Result<rules::Decision, AppError> {
    let tenant = &principal.tenant_id;
    let user = &principal.user_id;
    Ok(match scheme {
        Scheme::Tokens => {
            let passes =
                store::assignments(conn, tenant, LicenceKind::UserPass.as_str(), now).await?;
            let mut login_tokens = 0;
            let mut login = None;
            let mine = store::login_groups_of(conn, tenant, user).await?;
            for group in store::login_groups(conn, tenant).await? {
                let (state, windows) = login_group_state(conn, &group, now).await?;
                login_tokens += if group.deleted_at.is_some() {
                    state.tokens_held_when_deleted(now)
                } else {
                    state.tokens
                };
                if login.is_none() && mine.contains(&group.id) {
                    let window = windows.iter().filter(|w| &w.0 == user).map(|w| w.1).max();
                    login = Some((state, window));
                }
            }
            let tokens = rules::Tokens {
                total: count(settings.tokens),
                user_passes: live(&passes).count() as u32,
                login_tokens,
                quarantine: quarantines(&passes, now),
            };
            let holder = rules::TokenHolder {
                has_user_pass: live(&passes).any(|p| &p.user_id == user),
                rule_gives_pass: store::rule_gives_pass(conn, tenant, user).await?,
                login,
            };
            let rows = store::connections_of(conn, tenant, user, now).await?;
            let connections = rules::Connections {
                open: rows.iter().filter(|c| c.ended_at.is_none()).count() as u32,
                waits: rows.iter().filter_map(|c| c.wait_until).collect(),
            };
            rules::decide_tokens(&tokens, &holder, &connections, now)
        }
        Scheme::Cals => {
            let named =
                store::assignments(conn, tenant, LicenceKind::NamedCal.as_str(), now).await?;
            let documents =
                store::assignments(conn, tenant, LicenceKind::DocumentCal.as_str(), now).await?;
            let documents: Vec<AssignmentRow> = documents
                .into_iter()
                .filter(|d| d.app_id == app.id)
                .collect();
            let document_pool = store::document_pool(conn, &app.id).await?;
            let holds = store::active_holds(conn, tenant, now).await?;
            let usage = store::consumed(
                conn,
                tenant,
                LicenceKind::UsageCal.as_str(),
                settings.usage_since,
                None,
            )
            .await?;
            let usage_times: Vec<i64> = usage.iter().map(|u| u.0).collect();
            let mine = running_usage_cal(conn, principal, app, now).await?;
            let cals = rules::Cals {
                named: pool(settings.named_cals, &named, now),
                document: document_pool.map(|size| pool(size, &documents, now)),
                dynamic_named: flag(settings.dynamic_named),
                dynamic_document: flag(settings.dynamic_document),
                session_total: count(settings.session_cals),
                sessions: holds
                    .iter()
                    .map(|h| rules::SessionHold {
                        client: h.client.clone(),
                        frees_at: h.frees_at,
                    })
                    .collect(),
                usage_total: count(settings.usage_cals),
                usage_balance: rules::usage_balance(
                    count(settings.usage_cals),
                    settings.usage_since,
                    &usage_times,
                    now,
                ),
            };
            let holder = rules::CalHolder {
                has_named: live(&named).any(|n| &n.user_id == user),
                has_document: live(&documents).any(|d| &d.user_id == user),
                client: client.to_string(),
                usage_started: mine,
            };
            rules::decide_cals(&cals, &holder, now)
        }
        Scheme::UserBased => {
            let professional =
                store::assignments(conn, tenant, LicenceKind::Professional.as_str(), now).await?;
            let analyzer =
                store::assignments(conn, tenant, LicenceKind::Analyzer.as_str(), now).await?;
            let entitlement = [
                (
                    rules::Entitlement::Professional,
                    &professional,
                    settings.professional,
                ),
                (rules::Entitlement::Analyzer, &analyzer, settings.analyzer),
            ]
            .into_iter()
            .find_map(|(kind, rows, total)| {
                let live: Vec<&AssignmentRow> = live(rows).collect();
                let excluded = rules::excluded(
                    &live.iter().map(|r| r.assigned_at).collect::<Vec<_>>(),
                    count(total),
                );
                live.iter()
                    .position(|r| &r.user_id == user)
                    .map(|i| (kind, excluded[i]))
            });
            let capacity = capacity(conn, settings, tenant, now).await?;
            let units = store::consumed(
                conn,
                tenant,
                LicenceKind::AnalyzerCapacity.as_str(),
                now - rules::CAPACITY_UNIT_MS,
                Some(user),
            )
            .await?;
            let licence = rules::UserBased {
                professional: pool(settings.professional, &professional, now),
                analyzer: pool(settings.analyzer, &analyzer, now),
                auto_professional: flag(settings.auto_professional),
                auto_analyzer: flag(settings.auto_analyzer),
                capacity,
            };
            let holder = rules::UserBasedHolder {
                entitlement,
                unit_until: units.last().map(|u| u.0 + rules::CAPACITY_UNIT_MS),
            };
            rules::decide_user_based(&licence, &holder, now)
        }
    })
}

/// The month's analyzer capacity as the ledger has it.
pub(super) async fn capacity(
    conn: &mut AnyConnection,
    settings: &SettingsRow,
    tenant_id: &str,
    now: i64,
) -> Result<rules::Capacity, AppError> {
    let month = crate::timefmt::month_start(now);
    let used: i64 = store::consumed(
        conn,
        tenant_id,
        LicenceKind::AnalyzerCapacity.as_str(),
        month,
        None,
    )
    .await?
    .iter()
    .map(|u| u.1)
    .sum();
    Ok(rules::Capacity {
        minutes: count(settings.capacity_minutes),
        overage_minutes: count(settings.overage_minutes),
        used_minutes: count(used),
        resets_at: crate::timefmt::next_month_start(now),
    })
}

/// Makes what the grant says: an assignment, a window, a hold, a consumption; returns when a
/// Usage CAL or capacity unit started, for the connection.
pub(super) async fn apply(
    conn: &mut AnyConnection,
    principal: &Principal,
    app: &AppRow,
    client: &str,
    grant: Grant,
    now: i64,
) -> Result<Option<i64>, AppError> {
    let tenant = &principal.tenant_id;
    let user = &principal.user_id;
    let kind = grant.kind;
    let app_of = |kind: LicenceKind| {
        if kind == LicenceKind::DocumentCal {
            app.id.as_str()
        } else {
            ""
        }
    };
    match (kind, grant.step) {
        (
            LicenceKind::UserPass
            | LicenceKind::NamedCal
            | LicenceKind::DocumentCal
            | LicenceKind::Professional
            | LicenceKind::Analyzer,
            Step::Assign,
        ) => {
            let by = match kind {
                LicenceKind::UserPass => "rule",
                LicenceKind::Professional | LicenceKind::Analyzer => "auto",
                _ => "dynamic",
            };
            let id = new_id();
            let new = store::NewAssignment {
                tenant_id: tenant,
                kind: kind.as_str(),
                user_id: user,
                app_id: app_of(kind),
                assigned_by: by,
            };
            store::insert_assignment(conn, &id, &new, now).await?;
            store::mark_used(conn, &id, now).await?;
            store::append(
                conn,
                tenant,
                &ledger_row("allocate", kind, principal, &app.id, now),
            )
            .await?;
        }
        (LicenceKind::UserPass | LicenceKind::NamedCal | LicenceKind::DocumentCal, Step::Held) => {
            let rows = store::assignments(conn, tenant, kind.as_str(), now).await?;
            let held = live(&rows)
                .find(|r| &r.user_id == user && r.app_id == app_of(kind))
                .map(|r| r.id.clone());
            if let Some(id) = held {
                store::mark_used(conn, &id, now).await?;
            }
        }
        (LicenceKind::LoginPass, Step::Start) => {
            let group = store::login_groups_of(conn, tenant, user).await?;
            if let Some(group) = group.first() {
                store::insert_login_window(conn, &new_id(), group, user, now).await?;
            }
            store::append(
                conn,
                tenant,
                &ledger_row("consume", kind, principal, &app.id, now),
            )
            .await?;
        }
        (LicenceKind::SessionCal, Step::Start) => {
            store::insert_hold(conn, &new_id(), tenant, client, user, now).await?;
            store::append(
                conn,
                tenant,
                &ledger_row("consume", kind, principal, &app.id, now),
            )
            .await?;
        }
        (LicenceKind::SessionCal, Step::Held) => {
            // The client's hold, closed but within its 15 minutes, is held again.
            for hold in store::active_holds(conn, tenant, now).await? {
                if hold.client == client && hold.ended_at.is_some() {
                    store::set_hold_end(conn, &hold.id, None, None).await?;
                }
            }
        }
        (LicenceKind::UsageCal, Step::Held) => {
            // The person's Usage CAL for this app, started within the hour, covers the new
            // connection until its hour ends, not for an hour from now.
            return running_usage_cal(conn, principal, app, now).await;
        }
        (LicenceKind::UsageCal, Step::Start) => {
            store::append(
                conn,
                tenant,
                &ledger_row("consume", kind, principal, &app.id, now),
            )
            .await?;
            return Ok(Some(now));
        }
        (LicenceKind::AnalyzerCapacity, Step::Start) => {
            let mut row = ledger_row("consume", kind, principal, &app.id, now);
            row.units = i64::from(rules::CAPACITY_UNIT_MINUTES);
            store::append(conn, tenant, &row).await?;
            return Ok(Some(now));
        }
        _ => {}
    }
    Ok(None)
}

/// Activity on an open connection: a Usage CAL past its hour consumes another, and analyzer
/// capacity starts a unit unless one runs. `Ok(Err(reason))`: the connection may not go on.
pub(super) async fn on_activity(
    conn: &mut AnyConnection,
    settings: &SettingsRow,
    principal: &Principal,
    open: &ConnectionRow,
    now: i64,
) -> Result<Result<(), Reason>, AppError> {
    let tenant = &principal.tenant_id;
    let mut started = None;
    match LicenceKind::parse(&open.kind) {
        Some(LicenceKind::UsageCal) => {
            let times: Vec<i64> = store::consumed(
                conn,
                tenant,
                LicenceKind::UsageCal.as_str(),
                settings.usage_since,
                None,
            )
            .await?
            .iter()
            .map(|u| u.0)
            .collect();
            let total = count(settings.usage_cals);
            let balance = rules::usage_balance(total, settings.usage_since, &times, now);
            match rules::usage_activity(
                open.started_at.unwrap_or(open.opened_at),
                balance,
                total,
                now,
            ) {
                Ok(true) => {
                    store::append(
                        conn,
                        tenant,
                        &ledger_row(
                            "consume",
                            LicenceKind::UsageCal,
                            principal,
                            &open.app_id,
                            now,
                        ),
                    )
                    .await?;
                    started = Some(now);
                }
                Ok(false) => {}
                Err(reason) => return Ok(Err(reason)),
            }
        }
        Some(LicenceKind::AnalyzerCapacity) => {
            let capacity = capacity(conn, settings, tenant, now).await?;
            let until = open.started_at.map(|s| s + rules::CAPACITY_UNIT_MS);
            match rules::capacity_activity(&capacity, until, now) {
                Ok(true) => {
                    let mut row = ledger_row(
                        "consume",
                        LicenceKind::AnalyzerCapacity,
                        principal,
                        &open.app_id,
                        now,
                    );
                    row.units = i64::from(rules::CAPACITY_UNIT_MINUTES);
                    store::append(conn, tenant, &row).await?;
                    started = Some(now);
                }
                Ok(false) => {}
                Err(reason) => return Ok(Err(reason)),
            }
        }
        _ => {}
    }
    store::touch_connection(conn, &open.id, now, started).await?;
    Ok(Ok(()))
}

/// Writes a denial to the ledger and words it for the person.
pub(super) async fn deny(
    conn: &mut AnyConnection,
    scheme: Scheme,
    principal: &Principal,
    app_id: &str,
    tried: Vec<Attempt>,
    now: i64,
) -> Result<AppError, AppError> {
    let kind = tried
        .last()
        .map(|a| a.kind)
        .unwrap_or(LicenceKind::UserPass);
    let mut row = ledger_row("deny", kind, principal, app_id, now);
    row.reason = tried
        .iter()
        .map(|a| a.reason.code())
        .collect::<Vec<_>>()
        .join(",");
    store::append(conn, &principal.tenant_id, &row).await?;
    let ask = store::admin_names(conn, &principal.tenant_id).await?;
    Ok(AppError::NoLicence {
        message: format!(
            "No licence is free for you to open this app ({}). Ask a tenant admin{} for one.",
            scheme.label(),
            if ask.is_empty() {
                String::new()
            } else {
                format!(" ({})", ask.join(", "))
            }
        ),
        tried: tried
            .iter()
            .map(|a| Tried {
                kind: a.kind.label().to_string(),
                code: a.reason.code().to_string(),
                why: a.explain(),
            })
            .collect(),
        ask,
    })
}
