//! Provisioned groups: a Sightline group per SCIM group, its name and members as the provider
//! says; members leave and join through the directory's own operations.

use super::*;
use crate::directory::model::{GroupChanges, NewGroup};
use crate::directory::store::GroupRow;
use crate::scim::rules::{GroupFields, GROUP_SCHEMA};

async fn group_row(
    conn: &mut AnyConnection,
    p: &Principal,
    id: &str,
) -> Result<GroupRow, ScimError> {
    valid_id("group", id)?;
    crate::directory::store::get_group(conn, &p.tenant_id, id)
        .await?
        .ok_or_else(|| no_such("group", id))
}

/// A group as SCIM answers it: what the provider wrote, with its name and members as they are
/// now (an admin may have changed them in Sightline).
async fn render_group(state: &AppState, p: &Principal, id: &str) -> Result<Value, ScimError> {
    let mut conn = state.db.acquire().await?;
    let row = group_row(&mut conn, p, id).await?;
    let stored = store::resource(&mut conn, &p.tenant_id, "Group", id).await?;
    let mut resource = stored
        .and_then(|s| serde_json::from_str::<Value>(&s).ok())
        .unwrap_or_else(|| json!({}));
    let members = crate::directory::store::group_members(&mut conn, &row.id).await?;
    let object = resource
        .as_object_mut()
        .expect("a kept resource is an object");
    object.insert("schemas".into(), json!([GROUP_SCHEMA]));
    object.insert("id".into(), json!(row.id));
    object.insert("displayName".into(), json!(row.name));
    let members: Vec<Value> = members
        .iter()
        .map(|m| {
            // A member as the provider wrote it: its id and address (a provider compares them).
            json!({
                "value": m.id,
                "$ref": format!("{}/Users/{}", base_url(state), m.id),
            })
        })
        .collect();
    if members.is_empty() {
        object.remove("members");
    } else {
        object.insert("members".into(), Value::Array(members));
    }
    object.insert(
        "meta".into(),
        meta(state, "Group", &row.id, row.created_at, row.updated_at),
    );
    Ok(resource)
}

pub async fn get_scim_group(state: &AppState, p: &Principal, id: &str) -> Result<Value, ScimError> {
    render_group(state, p, id).await
}

pub async fn list_scim_groups(
    state: &AppState,
    p: &Principal,
    filter: Option<&str>,
    start_index: Option<i64>,
    count: Option<i64>,
) -> Result<Value, ScimError> {
    list(
        state,
        p,
        "Group",
        filter,
        start_index,
        count,
        |id| async move {
            match render_group(state, p, &id).await {
                Ok(group) => Ok(Some(group)),
                Err(e) if e.status == 404 => Ok(None),
                Err(e) => Err(e),
            }
        },
    )
    .await
}

/// The members become exactly those the resource names (each a user of the tenant).
async fn set_members(
    state: &AppState,
    p: &Principal,
    id: &str,
    fields: &GroupFields,
) -> Result<(), ScimError> {
    let now: Vec<String> = {
        let mut conn = state.db.acquire().await?;
        for member in &fields.members {
            if !is_id(member)
                || crate::directory::store::get_user(&mut conn, &p.tenant_id, member)
                    .await?
                    .is_none()
            {
                return Err(ScimError::bad(
                    "invalidValue",
                    format!(
                        "The member {member} is no user of this tenant: provision the user first."
                    ),
                ));
            }
        }
        crate::directory::store::group_members(&mut conn, id)
            .await?
            .into_iter()
            .map(|u| u.id)
            .collect()
    };
    for gone in now.iter().filter(|m| !fields.members.contains(m)) {
        crate::directory::service::remove_group_member(state, p, id, gone).await?;
    }
    for new in fields.members.iter().filter(|m| !now.contains(m)) {
        crate::directory::service::add_group_member(state, p, id, new).await?;
    }
    Ok(())
}

async fn keep(
    state: &AppState,
    p: &Principal,
    id: &str,
    fields: &GroupFields,
    body: &Value,
) -> Result<(), ScimError> {
    let mut body = body.clone();
    if let Some(o) = body.as_object_mut() {
        // Members are the group's, kept by the directory.
        o.remove("members");
    }
    let mut conn = state.db.acquire().await?;
    store::put_resource(
        &mut conn,
        store::Written {
            tenant_id: &p.tenant_id,
            kind: "Group",
            id,
            external_id: &fields.external_id,
            name_key: &unique_key(&fields.name),
            body: &kept(body),
        },
    )
    .await?;
    Ok(())
}

pub async fn create_scim_group(
    state: &AppState,
    p: &Principal,
    body: Value,
) -> Result<Value, ScimError> {
    let body = checked_body(body)?;
    let fields = rules::group_fields(&body)?;
    let group = crate::directory::service::create_group(
        state,
        p,
        NewGroup {
            name: fields.name.clone(),
            description: "Provisioned by the identity provider (SCIM).".into(),
            role_ids: Vec::new(),
        },
    )
    .await?;
    set_members(state, p, &group.id, &fields).await?;
    keep(state, p, &group.id, &fields, &body).await?;
    render_group(state, p, &group.id).await
}

pub async fn replace_scim_group(
    state: &AppState,
    p: &Principal,
    id: &str,
    body: Value,
) -> Result<Value, ScimError> {
    let body = checked_body(body)?;
    let fields = rules::group_fields(&body)?;
    let row = {
        let mut conn = state.db.acquire().await?;
        group_row(&mut conn, p, id).await?
    };
    if row.name != fields.name {
        crate::directory::service::update_group(
            state,
            p,
            id,
            GroupChanges {
                name: Some(fields.name.clone()),
                ..Default::default()
            },
        )
        .await?;
    }
    set_members(state, p, id, &fields).await?;
    keep(state, p, id, &fields, &body).await?;
    render_group(state, p, id).await
}

/// Applies a PATCH (members added or removed, a new name) to the group as it is now.
pub async fn patch_scim_group(
    state: &AppState,
    p: &Principal,
    id: &str,
    operations: &[rules::Operation],
) -> Result<Value, ScimError> {
    let mut resource = render_group(state, p, id).await?;
    rules::apply_patch(&mut resource, operations)?;
    replace_scim_group(state, p, id, resource).await
}

pub async fn delete_scim_group(state: &AppState, p: &Principal, id: &str) -> Result<(), ScimError> {
    valid_id("group", id)?;
    crate::directory::service::delete_group(state, p, id)
        .await
        .map_err(|e| match e {
            AppError::NotFound(_) => no_such("group", id),
            other => other.into(),
        })?;
    let mut conn = state.db.acquire().await?;
    store::delete_resource(&mut conn, "Group", id).await?;
    Ok(())
}
