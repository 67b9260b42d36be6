//! Provisioned users: an account per SCIM user, active (signing in through single sign-on) or
//! disabled, its email and name taken from what the provider wrote.

use super::*;
use crate::directory::model::UserChanges;
use crate::directory::rules::UserStatus;
use crate::directory::store::UserRow;
use crate::scim::rules::{UserFields, USER_SCHEMA};

async fn user_row(conn: &mut AnyConnection, p: &Principal, id: &str) -> Result<UserRow, ScimError> {
    valid_id("user", id)?;
    crate::directory::store::get_user(conn, &p.tenant_id, id)
        .await?
        .ok_or_else(|| no_such("user", id))
}

/// A user as SCIM answers it: what the provider wrote, with what Sightline knows now (the id,
/// whether the account is active, its groups) over it; an account the provider never wrote
/// (made in Sightline) as its email and name.
async fn render_user(state: &AppState, p: &Principal, id: &str) -> Result<Value, ScimError> {
    let mut conn = state.db.acquire().await?;
    let row = user_row(&mut conn, p, id).await?;
    let stored = store::resource(&mut conn, &p.tenant_id, "User", id).await?;
    let mut resource = stored
        .and_then(|s| serde_json::from_str::<Value>(&s).ok())
        .unwrap_or_else(|| {
            json!({
                "userName": row.email,
                "displayName": row.name,
                "emails": [{ "value": row.email, "primary": true }],
            })
        });
    let groups =
        crate::directory::store::groups_of_users(&mut conn, std::slice::from_ref(&row.id)).await?;
    let object = resource
        .as_object_mut()
        .expect("a kept resource is an object");
    object.insert("schemas".into(), json!([USER_SCHEMA]));
    object.insert("id".into(), json!(row.id));
    // Whether the account is active, as it is now; left out when the provider never said and
    // the account is active (as the provider left it).
    let said = object
        .keys()
        .find(|k| k.eq_ignore_ascii_case("active"))
        .cloned();
    let active = row.status == UserStatus::Active.as_str();
    if let Some(key) = &said {
        object.remove(key);
    }
    if said.is_some() || !active {
        object.insert("active".into(), json!(active));
    }
    let groups: Vec<Value> = groups
        .iter()
        .map(|(_, g)| json!({ "value": g.id, "display": g.name }))
        .collect();
    if !groups.is_empty() {
        object.insert("groups".into(), Value::Array(groups));
    }
    object.insert(
        "meta".into(),
        meta(state, "User", &row.id, row.created_at, row.updated_at),
    );
    Ok(resource)
}

pub async fn get_scim_user(state: &AppState, p: &Principal, id: &str) -> Result<Value, ScimError> {
    render_user(state, p, id).await
}

pub async fn list_scim_users(
    state: &AppState,
    p: &Principal,
    filter: Option<&str>,
    start_index: Option<i64>,
    count: Option<i64>,
) -> Result<Value, ScimError> {
    list(
        state,
        p,
        "User",
        filter,
        start_index,
        count,
        |id| async move {
            match render_user(state, p, &id).await {
                Ok(user) => Ok(Some(user)),
                Err(e) if e.status == 404 => Ok(None),
                Err(e) => Err(e),
            }
        },
    )
    .await
}

async fn keep(
    state: &AppState,
    p: &Principal,
    id: &str,
    fields: &UserFields,
    body: &Value,
) -> Result<(), ScimError> {
    let user_name = body.get("userName").and_then(Value::as_str).unwrap_or("");
    let mut conn = state.db.acquire().await?;
    store::put_resource(
        &mut conn,
        store::Written {
            tenant_id: &p.tenant_id,
            kind: "User",
            id,
            external_id: &fields.external_id,
            name_key: &unique_key(user_name),
            body: &kept(body.clone()),
        },
    )
    .await?;
    Ok(())
}

fn status_of(fields: &UserFields) -> UserStatus {
    if fields.active {
        UserStatus::Active
    } else {
        UserStatus::Disabled
    }
}

/// Creates an account for a SCIM user: active (it signs in through single sign-on) or
/// disabled, as the resource says. An email some account has already is a conflict: the
/// provider finds that account by its userName and takes it over instead.
pub async fn create_scim_user(
    state: &AppState,
    p: &Principal,
    body: Value,
) -> Result<Value, ScimError> {
    let body = checked_body(body)?;
    let fields = rules::user_fields(&body)?;
    let id = crate::ids::new_id();
    let now = state.now();
    let mut tx = state.db.begin().await?;
    if crate::directory::store::email_owner(&mut tx, &p.tenant_id, &unique_key(&fields.email))
        .await?
        .is_some()
    {
        return Err(ScimError::conflict(format!(
            "{} has an account in this tenant already: search for it by userName and update it.",
            fields.email
        )));
    }
    crate::directory::store::insert_user(
        &mut tx,
        &id,
        &p.tenant_id,
        &fields.name,
        &fields.email,
        status_of(&fields),
        now,
    )
    .await?;
    record(
        &mut tx,
        now,
        &p.actor(),
        AuditAction::UserCreate,
        Target {
            kind: "user",
            id: &id,
            name: &fields.name,
        },
        format!("provisioned: {}", fields.email),
    )
    .await?;
    tx.commit().await?;
    keep(state, p, &id, &fields, &body).await?;
    render_user(state, p, &id).await
}

/// Makes the account what the resource says: its email, name and status (a disabled person is
/// signed out at once, by the directory's own change).
pub async fn replace_scim_user(
    state: &AppState,
    p: &Principal,
    id: &str,
    body: Value,
) -> Result<Value, ScimError> {
    let body = checked_body(body)?;
    let fields = rules::user_fields(&body)?;
    let row = {
        let mut conn = state.db.acquire().await?;
        user_row(&mut conn, p, id).await?
    };
    if unique_key(&row.email) != unique_key(&fields.email) {
        let mut tx = state.db.begin().await?;
        if crate::directory::store::email_owner(&mut tx, &p.tenant_id, &unique_key(&fields.email))
            .await?
            .is_some()
        {
            return Err(ScimError::conflict(format!(
                "{} belongs to another account in this tenant.",
                fields.email
            )));
        }
        store::set_email(&mut tx, id, &fields.email, state.now()).await?;
        tx.commit().await?;
    }
    let status = if row.status == UserStatus::Invited.as_str() && fields.active {
        // An invited person the provider now manages signs in through it, not an invitation.
        None
    } else {
        Some(status_of(&fields))
    };
    crate::directory::service::update_user(
        state,
        p,
        id,
        UserChanges {
            name: Some(fields.name.clone()),
            status,
            ..Default::default()
        },
    )
    .await?;
    keep(state, p, id, &fields, &body).await?;
    render_user(state, p, id).await
}

/// Applies a PATCH to the user as SCIM shows them, then makes the account what it says.
pub async fn patch_scim_user(
    state: &AppState,
    p: &Principal,
    id: &str,
    operations: &[rules::Operation],
) -> Result<Value, ScimError> {
    let mut resource = render_user(state, p, id).await?;
    rules::apply_patch(&mut resource, operations)?;
    replace_scim_user(state, p, id, resource).await
}

/// Deletes the account, as an admin's removal would (its personal space and licences go).
pub async fn delete_scim_user(state: &AppState, p: &Principal, id: &str) -> Result<(), ScimError> {
    valid_id("user", id)?;
    crate::directory::service::delete_user(state, p, id)
        .await
        .map_err(|e| match e {
            AppError::NotFound(_) => no_such("user", id),
            other => other.into(),
        })?;
    let mut conn = state.db.acquire().await?;
    store::delete_resource(&mut conn, "User", id).await?;
    Ok(())
}
