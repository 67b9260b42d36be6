//! Groups: creating, changing and removing them, their members and their roles.

use super::*;
use crate::audit::model::AuditAction;

pub(super) async fn groups_from_rows(
    conn: &mut AnyConnection,
    rows: Vec<GroupRow>,
) -> Result<Vec<Group>, AppError> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let mut roles: BTreeMap<String, Vec<RoleRef>> = BTreeMap::new();
    for (group_id, role) in store::roles_of_groups(conn, &ids).await? {
        roles.entry(group_id).or_default().push(role);
    }
    Ok(rows
        .into_iter()
        .map(|r| Group {
            roles: roles.remove(&r.id).unwrap_or_default(),
            id: r.id,
            tenant_id: r.tenant_id,
            name: r.name,
            description: r.description,
            created_at: r.created_at,
            updated_at: r.updated_at,
            member_count: r.member_count,
        })
        .collect())
}

pub(super) async fn group_row(
    conn: &mut AnyConnection,
    principal: &Principal,
    id: &str,
) -> Result<GroupRow, AppError> {
    store::get_group(conn, &principal.tenant_id, id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("There is no group with id {id}.")))
}

pub async fn list_groups(
    state: &AppState,
    principal: &Principal,
    query: GroupQuery,
) -> Result<Page<Group>, AppError> {
    principal.require(Permission::ManageDirectory)?;
    let limit = page_size(query.limit);
    let after = query.after.as_deref().map(decode_cursor).transpose()?;
    let mut conn = state.db.acquire().await?;
    let rows = store::list_groups(
        &mut conn,
        &principal.tenant_id,
        query.search.trim(),
        after,
        limit,
    )
    .await?;
    let page = paginate(
        rows,
        limit,
        |r| encode_cursor(&r.name_key, &r.id),
        |rows| rows,
    );
    let items = groups_from_rows(&mut conn, page.items).await?;
    Ok(Page {
        items,
        next: page.next,
    })
}

pub async fn get_group(
    state: &AppState,
    principal: &Principal,
    id: &str,
) -> Result<GroupDetail, AppError> {
    principal.require(Permission::ManageDirectory)?;
    let mut conn = state.db.acquire().await?;
    let row = group_row(&mut conn, principal, id).await?;
    let group = groups_from_rows(&mut conn, vec![row]).await?.remove(0);
    let member_rows = store::group_members(&mut conn, id).await?;
    let members = users_from_rows(&mut conn, member_rows).await?;
    Ok(GroupDetail { group, members })
}

pub async fn create_group(
    state: &AppState,
    principal: &Principal,
    input: NewGroup,
) -> Result<Group, AppError> {
    principal.require(Permission::ManageDirectory)?;
    let name = clean_name("name", &input.name, MAX_NAME_CHARS)?;
    let description = clean_description(&input.description)?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    ensure_name_free(&mut tx, Named::Group, &principal.tenant_id, &name, None).await?;
    let roles = resolve_roles(&mut tx, &principal.tenant_id, &input.role_ids).await?;
    let id = new_id();
    store::insert_group(&mut tx, &id, &principal.tenant_id, &name, &description, now).await?;
    store::set_roles(&mut tx, RoleHolder::Group, &id, &ids_of(&roles)).await?;
    record(
        &mut tx,
        now,
        &principal.actor(),
        AuditAction::GroupCreate,
        Target {
            kind: "group",
            id: &id,
            name: &name,
        },
        format!("roles: {}", names(&roles, |r| &r.name)),
    )
    .await?;
    let row = group_row(&mut tx, principal, &id).await?;
    let group = groups_from_rows(&mut tx, vec![row]).await?.remove(0);
    tx.commit().await?;
    Ok(group)
}

pub async fn update_group(
    state: &AppState,
    principal: &Principal,
    id: &str,
    changes: GroupChanges,
) -> Result<Group, AppError> {
    principal.require(Permission::ManageDirectory)?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let row = group_row(&mut tx, principal, id).await?;
    let mut said = Vec::new();
    let name = match &changes.name {
        Some(name) => {
            let name = clean_name("name", name, MAX_NAME_CHARS)?;
            ensure_name_free(&mut tx, Named::Group, &principal.tenant_id, &name, Some(id)).await?;
            if name != row.name {
                said.push(format!("name: {} -> {name}", row.name));
            }
            name
        }
        None => row.name.clone(),
    };
    let description = match &changes.description {
        Some(d) => clean_description(d)?,
        None => row.description.clone(),
    };
    if description != row.description {
        said.push("description changed".to_string());
    }
    store::update_named(&mut tx, Named::Group, id, &name, &description, now).await?;
    if let Some(role_ids) = &changes.role_ids {
        replace_roles(
            &mut tx,
            principal,
            RoleHolder::Group,
            id,
            role_ids,
            &mut said,
        )
        .await?;
        ensure_an_admin_remains(&mut tx, &principal.tenant_id).await?;
    }
    if !said.is_empty() {
        record(
            &mut tx,
            now,
            &principal.actor(),
            AuditAction::GroupUpdate,
            Target {
                kind: "group",
                id,
                name: &name,
            },
            said.join("; "),
        )
        .await?;
    }
    let row = group_row(&mut tx, principal, id).await?;
    let group = groups_from_rows(&mut tx, vec![row]).await?.remove(0);
    tx.commit().await?;
    Ok(group)
}

pub async fn delete_group(
    state: &AppState,
    principal: &Principal,
    id: &str,
) -> Result<(), AppError> {
    principal.require(Permission::ManageDirectory)?;
    let mut tx = state.db.begin().await?;
    let row = group_row(&mut tx, principal, id).await?;
    store::delete_named(&mut tx, Named::Group, id).await?;
    ensure_an_admin_remains(&mut tx, &principal.tenant_id).await?;
    record(
        &mut tx,
        state.now(),
        &principal.actor(),
        AuditAction::GroupDelete,
        Target {
            kind: "group",
            id,
            name: &row.name,
        },
        format!("{} members", row.member_count),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn add_group_member(
    state: &AppState,
    principal: &Principal,
    group_id: &str,
    user_id: &str,
) -> Result<(), AppError> {
    principal.require(Permission::ManageDirectory)?;
    let mut tx = state.db.begin().await?;
    let group = group_row(&mut tx, principal, group_id).await?;
    let user = user_row(&mut tx, principal, user_id).await?;
    if store::is_member(&mut tx, group_id, user_id).await? {
        return Err(AppError::conflict(format!(
            "{} is already a member of {}.",
            user.name, group.name
        )));
    }
    let now = state.now();
    store::add_member(&mut tx, group_id, user_id).await?;
    store::touch_user(&mut tx, user_id, now).await?;
    record(
        &mut tx,
        now,
        &principal.actor(),
        AuditAction::GroupMemberAdd,
        Target {
            kind: "group",
            id: group_id,
            name: &group.name,
        },
        format!("added {} ({})", user.name, user.email),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn remove_group_member(
    state: &AppState,
    principal: &Principal,
    group_id: &str,
    user_id: &str,
) -> Result<(), AppError> {
    principal.require(Permission::ManageDirectory)?;
    let mut tx = state.db.begin().await?;
    let group = group_row(&mut tx, principal, group_id).await?;
    let user = user_row(&mut tx, principal, user_id).await?;
    if !store::is_member(&mut tx, group_id, user_id).await? {
        return Err(AppError::not_found(format!(
            "{} is not a member of {}.",
            user.name, group.name
        )));
    }
    let now = state.now();
    store::remove_member(&mut tx, group_id, user_id).await?;
    store::touch_user(&mut tx, user_id, now).await?;
    ensure_an_admin_remains(&mut tx, &principal.tenant_id).await?;
    record(
        &mut tx,
        now,
        &principal.actor(),
        AuditAction::GroupMemberRemove,
        Target {
            kind: "group",
            id: group_id,
            name: &group.name,
        },
        format!("removed {} ({})", user.name, user.email),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
