//! What the licence center shows: the overview (totals, use, quarantine, denials, 30 days of
//! history, all from the state and the ledger), the assignments, and consumption events.

use super::*;
use crate::licences::model::{
    AssignmentInfo, DayUse, DenialEntry, LicenceOverview, OverviewLine, QuarantineEntry,
};

const LASTING: [LicenceKind; 5] = [
    LicenceKind::UserPass,
    LicenceKind::NamedCal,
    LicenceKind::DocumentCal,
    LicenceKind::Professional,
    LicenceKind::Analyzer,
];

fn line(kind: LicenceKind, total: i64, used: i64, quarantined: i64) -> OverviewLine {
    OverviewLine {
        kind,
        total,
        used,
        quarantined,
        free: (total - used - quarantined).max(0),
        overage: 0,
        excess: (used + quarantined - total).max(0),
    }
}

pub async fn get_licence_overview(
    state: &AppState,
    principal: &Principal,
) -> Result<LicenceOverview, AppError> {
    require_admin(principal)?;
    let now = state.now();
    let tenant = &principal.tenant_id;
    let mut conn = state.db.acquire().await?;
    let settings = store::settings(&mut conn, tenant).await?;
    let scheme = settings.as_ref().and_then(|s| Scheme::parse(&s.scheme));
    let s = settings.unwrap_or_default();
    let mut rows = std::collections::BTreeMap::new();
    for kind in LASTING {
        rows.insert(
            kind,
            store::assignments(&mut conn, tenant, kind.as_str(), now).await?,
        );
    }
    let counts = |kind: LicenceKind| {
        let r = &rows[&kind];
        (live(r).count() as i64, quarantines(r, now).len() as i64)
    };
    let mut lines = Vec::new();
    let (mut tokens_total, mut tokens_free) = (0, 0);
    let (mut forecast, resets) = (0, crate::timefmt::next_month_start(now));
    match scheme {
        Some(Scheme::Tokens) => {
            let (passes, quarantined) = counts(LicenceKind::UserPass);
            let mut login_tokens = 0;
            let (mut login_used, mut login_total) = (0, 0);
            for group in store::login_groups(&mut conn, tenant).await? {
                let (g, _) = login_group_state(&mut conn, &group, now).await?;
                if group.deleted_at.is_some() {
                    login_tokens += i64::from(g.tokens_held_when_deleted(now));
                } else {
                    login_tokens += group.tokens;
                    login_total += i64::from(g.passes());
                }
                login_used += i64::from(g.in_use(now));
            }
            tokens_total = s.tokens;
            tokens_free = (s.tokens - passes - quarantined - login_tokens).max(0);
            lines.push(line(
                LicenceKind::UserPass,
                s.tokens - login_tokens,
                passes,
                quarantined,
            ));
            lines.push(line(LicenceKind::LoginPass, login_total, login_used, 0));
        }
        Some(Scheme::Cals) => {
            let (named, q) = counts(LicenceKind::NamedCal);
            lines.push(line(LicenceKind::NamedCal, s.named_cals, named, q));
            let (documents, dq) = counts(LicenceKind::DocumentCal);
            let pools: i64 = sqlx::query_scalar::<_, i64>(
                "SELECT CAST(COALESCE(SUM(size), 0) AS BIGINT) FROM document_pools WHERE tenant_id = $1",
            )
            .bind(tenant)
            .fetch_one(&mut *conn)
            .await?;
            lines.push(line(LicenceKind::DocumentCal, pools, documents, dq));
            let holds = store::active_holds(&mut conn, tenant, now).await?.len() as i64;
            lines.push(line(LicenceKind::SessionCal, s.session_cals, holds, 0));
            let times: Vec<i64> = store::consumed(
                &mut conn,
                tenant,
                LicenceKind::UsageCal.as_str(),
                s.usage_since,
                None,
            )
            .await?
            .iter()
            .map(|u| u.0)
            .collect();
            let available = i64::from(rules::usage_available(rules::usage_balance(
                count(s.usage_cals),
                s.usage_since,
                &times,
                now,
            )));
            lines.push(line(
                LicenceKind::UsageCal,
                s.usage_cals,
                s.usage_cals - available,
                0,
            ));
        }
        Some(Scheme::UserBased) => {
            let (professional, pq) = counts(LicenceKind::Professional);
            lines.push(line(
                LicenceKind::Professional,
                s.professional,
                professional,
                pq,
            ));
            let (analyzer, aq) = counts(LicenceKind::Analyzer);
            lines.push(line(LicenceKind::Analyzer, s.analyzer, analyzer, aq));
            let capacity = capacity(&mut conn, &s, tenant, now).await?;
            let mut capacity_line = line(
                LicenceKind::AnalyzerCapacity,
                s.capacity_minutes,
                i64::from(capacity.used_minutes),
                0,
            );
            capacity_line.overage = s.overage_minutes;
            capacity_line.excess = 0;
            lines.push(capacity_line);
            let month = crate::timefmt::month_start(now);
            let elapsed = (now - month).max(1);
            forecast = i64::from(capacity.used_minutes) * (resets - month) / elapsed;
        }
        None => {}
    }
    let mut quarantine: Vec<QuarantineEntry> = rows
        .iter()
        .flat_map(|(kind, rows)| {
            rows.iter()
                .filter(|r| r.removed_at.is_some())
                .filter_map(move |r| {
                    r.quarantine_until
                        .filter(|&t| t > now)
                        .map(|until| QuarantineEntry {
                            kind: *kind,
                            user_id: r.user_id.clone(),
                            user_name: r.user_name.clone(),
                            until,
                        })
                })
        })
        .collect();
    quarantine.sort_by_key(|q| q.until);
    let week = store::ledger(&mut conn, tenant, now - 7 * rules::DAY_MS, 5_000).await?;
    let denials = week
        .iter()
        .filter(|r| r.event == "deny")
        .take(200)
        .map(|r| DenialEntry {
            at: r.at,
            user_id: r.user_id.clone(),
            user_name: r.user_name.clone(),
            app_id: r.app_id.clone(),
            codes: r
                .reason
                .split(',')
                .filter(|c| !c.is_empty())
                .map(str::to_string)
                .collect(),
        })
        .collect();
    let first_day = (now.div_euclid(rules::DAY_MS) - 29) * rules::DAY_MS;
    let mut history: Vec<DayUse> = (0..30)
        .map(|i| DayUse {
            day: first_day + i * rules::DAY_MS,
            ..Default::default()
        })
        .collect();
    for row in store::ledger(&mut conn, tenant, first_day, 100_000).await? {
        let i = ((row.at - first_day) / rules::DAY_MS) as usize;
        if let Some(day) = history.get_mut(i) {
            match row.event.as_str() {
                "allocate" | "reinstate" => day.allocated += 1,
                "consume" => day.consumed += row.units,
                "deny" => day.denied += 1,
                _ => {}
            }
        }
    }
    Ok(LicenceOverview {
        scheme,
        lines,
        tokens_total,
        tokens_free,
        capacity_forecast: forecast,
        month_resets_at: resets,
        quarantine,
        denials,
        history,
    })
}

/// Every lasting assignment in force, with whether it is beyond a lowered licence and when it
/// would be released if removed now.
pub async fn list_licence_assignments(
    state: &AppState,
    principal: &Principal,
) -> Result<Vec<AssignmentInfo>, AppError> {
    require_admin(principal)?;
    let now = state.now();
    let mut conn = state.db.acquire().await?;
    let s = store::settings(&mut conn, &principal.tenant_id)
        .await?
        .unwrap_or_default();
    let mut out = Vec::new();
    for kind in LASTING {
        let rows = store::assignments(&mut conn, &principal.tenant_id, kind.as_str(), now).await?;
        let live: Vec<&AssignmentRow> = live(&rows).collect();
        let total = match kind {
            LicenceKind::NamedCal => s.named_cals,
            LicenceKind::Professional => s.professional,
            LicenceKind::Analyzer => s.analyzer,
            _ => i64::MAX,
        };
        let excess = rules::excluded(
            &live.iter().map(|r| r.assigned_at).collect::<Vec<_>>(),
            count(total),
        );
        for (row, excess) in live.into_iter().zip(excess) {
            let release = match kind {
                LicenceKind::UserPass => rules::release_of_pass(row.last_used_at, now),
                LicenceKind::NamedCal | LicenceKind::DocumentCal => {
                    rules::release_of_cal(row.last_used_at, now)
                }
                _ => rules::Release::Now,
            };
            out.push(AssignmentInfo {
                kind,
                user_id: row.user_id.clone(),
                user_name: row.user_name.clone(),
                user_email: row.user_email.clone(),
                app_id: row.app_id.clone(),
                assigned_at: row.assigned_at,
                last_used_at: row.last_used_at,
                excess,
                release_if_removed: match release {
                    rules::Release::QuarantinedUntil(t) => Some(t),
                    rules::Release::Now => None,
                },
            });
        }
    }
    Ok(out)
}

/// The ledger from `since`, newest first: the licence center's usage history and its CSV.
pub async fn licence_ledger(
    state: &AppState,
    principal: &Principal,
    since: i64,
    limit: i64,
) -> Result<Vec<LedgerRow>, AppError> {
    require_admin(principal)?;
    let mut conn = state.db.acquire().await?;
    Ok(store::ledger(
        &mut conn,
        &principal.tenant_id,
        since,
        limit.clamp(1, 100_000),
    )
    .await?)
}

/// The ledger as CSV, every row since `since`.
pub async fn export_licence_ledger(
    state: &AppState,
    principal: &Principal,
    since: i64,
) -> Result<String, AppError> {
    let rows = licence_ledger(state, principal, since, 100_000).await?;
    let quote = rules::csv_cell;
    let mut csv = String::from("at,event,kind,user_id,user_name,app_id,units,reason\n");
    for r in rows.iter().rev() {
        csv.push_str(&format!(
            "{},{},{},{},{},{},{},{}\n",
            crate::timefmt::rfc3339(r.at),
            r.event,
            r.kind,
            r.user_id,
            quote(&r.user_name),
            r.app_id,
            r.units,
            quote(&r.reason)
        ));
    }
    Ok(csv)
}

/// The user a REST subject names: their email (Sightline's subject) or id.
pub async fn user_by_subject(
    state: &AppState,
    principal: &Principal,
    subject: &str,
) -> Result<Option<String>, AppError> {
    let mut conn = state.db.acquire().await?;
    let key = crate::directory::rules::unique_key(subject);
    if let Some(id) =
        crate::directory::store::email_owner(&mut conn, &principal.tenant_id, &key).await?
    {
        return Ok(Some(id));
    }
    Ok(
        crate::directory::store::get_user(&mut conn, &principal.tenant_id, subject)
            .await?
            .map(|u| u.id),
    )
}
