//! Section access: the rules that limit which rows each person sees, read and changed by the
//! app's editors.

use super::*;
use crate::audit::model::AuditAction;

pub(super) fn rule_from(row: RuleRow) -> AccessRule {
    let names_nobody = row.user_id.is_none() && row.group_id.is_none();
    AccessRule {
        id: row.id,
        assignee_type: row.assignee_type,
        assignee_id: row.user_id.or(row.group_id).unwrap_or_default(),
        assignee_name: row.assignee_name,
        names_nobody,
        field: row.field,
        allowed: serde_json::from_str(&row.allowed).unwrap_or_default(),
    }
}

pub async fn list_section_access(
    state: &AppState,
    principal: &Principal,
    app_id: &str,
) -> Result<Vec<AccessRule>, AppError> {
    let mut conn = state.db.acquire().await?;
    let app = editable_app(&mut conn, principal, app_id).await?;
    Ok(store::rules_of_app(&mut conn, &app.id)
        .await?
        .into_iter()
        .map(rule_from)
        .collect())
}

pub async fn add_section_access(
    state: &AppState,
    principal: &Principal,
    app_id: &str,
    input: NewAccessRule,
) -> Result<AccessRule, AppError> {
    let allowed = rules::parse_allowed(&input.allowed)?;
    let now = state.now();
    let mut conn = state.db.acquire().await?;
    let app = editable_app(&mut conn, principal, app_id).await?;
    let fields = app_fields(state, &mut conn, &app).await?;
    drop(conn);
    let field = fields
        .iter()
        .find(|f| f.name.eq_ignore_ascii_case(input.field.trim()))
        .map(|f| f.name.clone())
        .ok_or_else(|| {
            AppError::invalid(
                "field",
                format!("The data has no field \"{}\".", input.field.trim()),
            )
        })?;
    let mut tx = state.db.begin().await?;
    let (user_id, group_id, who) = match input.assignee_type.as_str() {
        "user" => {
            let user = crate::directory::store::get_user(
                &mut tx,
                &principal.tenant_id,
                &input.assignee_id,
            )
            .await?
            .ok_or_else(|| {
                AppError::invalid("assigneeId", "There is no such user in this tenant.")
            })?;
            (Some(user.id), None, user.name)
        }
        "group" => {
            let group = crate::directory::store::get_group(
                &mut tx,
                &principal.tenant_id,
                &input.assignee_id,
            )
            .await?
            .ok_or_else(|| {
                AppError::invalid("assigneeId", "There is no such group in this tenant.")
            })?;
            (None, Some(group.id), group.name)
        }
        other => {
            return Err(AppError::invalid(
                "assigneeType",
                format!("A rule is for a \"user\" or a \"group\", not \"{other}\"."),
            ))
        }
    };
    lock_row(&mut tx, Parent::App, &app.id).await?;
    if store::rules_of_app(&mut tx, &app.id).await?.len() >= rules::MAX_RULES_PER_APP {
        return Err(AppError::invalid(
            "field",
            format!(
                "An app has at most {} section access rules.",
                rules::MAX_RULES_PER_APP
            ),
        ));
    }
    let id = new_id();
    let allowed_text = serde_json::to_string(&allowed).map_err(AppError::internal)?;
    let new_rule = store::NewRule {
        user_id: user_id.as_deref(),
        group_id: group_id.as_deref(),
        assignee_type: &input.assignee_type,
        assignee_name: &who,
        field: &field,
        allowed: &allowed_text,
    };
    store::insert_rule(&mut tx, &id, &app.id, new_rule, now).await?;
    record(
        &mut tx,
        now,
        &principal.actor(),
        AuditAction::AppSectionAccess,
        Target {
            kind: "app",
            id: &app.id,
            name: &app.name,
        },
        format!("{who} may see {field} = {}", allowed.join(", ")),
    )
    .await?;
    let rule = store::get_rule(&mut tx, &id)
        .await?
        .map(rule_from)
        .ok_or_else(|| AppError::internal("rule vanished"))?;
    tx.commit().await?;
    Ok(rule)
}

pub async fn delete_section_access(
    state: &AppState,
    principal: &Principal,
    rule_id: &str,
) -> Result<(), AppError> {
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let rule = store::get_rule(&mut tx, rule_id)
        .await?
        .ok_or_else(|| AppError::not_found("There is no such rule. It may have been removed."))?;
    let app = editable_app(&mut tx, principal, &rule.app_id).await?;
    store::delete_rule(&mut tx, rule_id).await?;
    record(
        &mut tx,
        now,
        &principal.actor(),
        AuditAction::AppSectionAccess,
        Target {
            kind: "app",
            id: &app.id,
            name: &app.name,
        },
        format!("rule on {} removed", rule.field),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
