//! A space's members (assignments of users and groups, with roles): listing, adding, changing
//! and removing them.

use super::*;

pub(super) fn assignment_from(row: AssignmentRow) -> Assignment {
    let (assignee_type, assignee_id) = match (row.user_id, row.group_id) {
        (Some(u), _) => (AssigneeType::User, u),
        (_, g) => (AssigneeType::Group, g.unwrap_or_default()),
    };
    Assignment {
        id: row.id,
        space_id: row.space_id,
        tenant_id: row.tenant_id,
        assignee_type,
        assignee_id,
        assignee_name: row.assignee_name,
        roles: roles_from_text(&row.roles),
        created_at: row.created_at,
        created_by: row.created_by,
        updated_at: row.updated_at,
    }
}

pub async fn list_assignments(
    state: &AppState,
    principal: &Principal,
    space_id: &str,
) -> Result<Vec<Assignment>, AppError> {
    let mut conn = state.db.acquire().await?;
    members_space(&mut conn, principal, space_id, false).await?;
    Ok(store::list_assignments(&mut conn, space_id)
        .await?
        .into_iter()
        .map(assignment_from)
        .collect())
}

pub(super) async fn assignment_row(
    conn: &mut AnyConnection,
    space_id: &str,
    id: &str,
) -> Result<AssignmentRow, AppError> {
    store::get_assignment(conn, space_id, id)
        .await?
        .ok_or_else(|| {
            AppError::not_found(format!(
                "There is no assignment with id {id} in this space."
            ))
        })
}

pub async fn get_assignment(
    state: &AppState,
    principal: &Principal,
    space_id: &str,
    id: &str,
) -> Result<Assignment, AppError> {
    let mut conn = state.db.acquire().await?;
    members_space(&mut conn, principal, space_id, false).await?;
    Ok(assignment_from(
        assignment_row(&mut conn, space_id, id).await?,
    ))
}

pub async fn create_assignment(
    state: &AppState,
    principal: &Principal,
    space_id: &str,
    input: NewAssignment,
) -> Result<Assignment, AppError> {
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let space = members_space(&mut tx, principal, space_id, true).await?;
    check_assignment_roles(space.kind(), &input.roles)?;
    let (user_id, group_id, name) = match input.assignee_type {
        AssigneeType::User => {
            let user = crate::directory::store::get_user(
                &mut tx,
                &principal.tenant_id,
                &input.assignee_id,
            )
            .await?
            .ok_or_else(|| {
                AppError::invalid(
                    "assigneeId",
                    format!("There is no user with id {}.", input.assignee_id),
                )
            })?;
            (Some(input.assignee_id.as_str()), None, user.name)
        }
        AssigneeType::Group => {
            let group = crate::directory::store::get_group(
                &mut tx,
                &principal.tenant_id,
                &input.assignee_id,
            )
            .await?
            .ok_or_else(|| {
                AppError::invalid(
                    "assigneeId",
                    format!("There is no group with id {}.", input.assignee_id),
                )
            })?;
            (None, Some(input.assignee_id.as_str()), group.name)
        }
    };
    if store::assignment_of(&mut tx, space_id, user_id, group_id)
        .await?
        .is_some()
    {
        return Err(AppError::conflict(format!(
            "{name} is already a member of this space. Change their roles instead."
        )));
    }
    let id = new_id();
    store::insert_assignment(
        &mut tx,
        &id,
        &principal.tenant_id,
        space_id,
        user_id,
        group_id,
        &roles_to_text(&input.roles),
        &principal.user_id,
        now,
    )
    .await?;
    let detail = format!(
        "{name} ({}) as {}",
        input.assignee_type.api_name(),
        ui_names(&input.roles)
    );
    record(
        &mut tx,
        now,
        &principal.actor(),
        AuditAction::SpaceAssignmentCreate,
        Target {
            kind: "space",
            id: space_id,
            name: &space.name,
        },
        detail,
    )
    .await?;
    let row = assignment_row(&mut tx, space_id, &id).await?;
    tx.commit().await?;
    Ok(assignment_from(row))
}

pub async fn update_assignment(
    state: &AppState,
    principal: &Principal,
    space_id: &str,
    id: &str,
    roles: Vec<SpaceRole>,
) -> Result<Assignment, AppError> {
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let space = members_space(&mut tx, principal, space_id, true).await?;
    check_assignment_roles(space.kind(), &roles)?;
    let row = assignment_row(&mut tx, space_id, id).await?;
    store::update_assignment_roles(&mut tx, id, &roles_to_text(&roles), now).await?;
    let detail = format!(
        "{}: {} -> {}",
        row.assignee_name,
        ui_names(&roles_from_text(&row.roles)),
        ui_names(&roles)
    );
    record(
        &mut tx,
        now,
        &principal.actor(),
        AuditAction::SpaceAssignmentUpdate,
        Target {
            kind: "space",
            id: space_id,
            name: &space.name,
        },
        detail,
    )
    .await?;
    let row = assignment_row(&mut tx, space_id, id).await?;
    tx.commit().await?;
    Ok(assignment_from(row))
}

/// Removes a member; any app shares they have stay.
pub async fn delete_assignment(
    state: &AppState,
    principal: &Principal,
    space_id: &str,
    id: &str,
) -> Result<(), AppError> {
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let space = members_space(&mut tx, principal, space_id, true).await?;
    let row = assignment_row(&mut tx, space_id, id).await?;
    store::delete_assignment(&mut tx, id).await?;
    record(
        &mut tx,
        now,
        &principal.actor(),
        AuditAction::SpaceAssignmentDelete,
        Target {
            kind: "space",
            id: space_id,
            name: &space.name,
        },
        format!("{} is no longer a member", row.assignee_name),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
