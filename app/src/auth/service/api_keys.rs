//! Personal API keys: made (shown once), listed, revoked.

use super::*;

/// Creates a personal API key. The secret is returned once; only its digest is kept.
pub async fn create_api_key(
    state: &AppState,
    principal: &Principal,
    name: &str,
) -> Result<NewApiKey, AppError> {
    principal.require(Permission::CreateApiKeys)?;
    let name = clean_name("name", name, MAX_NAME_CHARS)?;
    let now = state.now();
    let secret = format!("{API_KEY_PREFIX}{}", new_secret());
    let info = ApiKeyInfo {
        id: new_id(),
        name,
        prefix: secret[..API_KEY_PREFIX.len() + 6].to_string(),
        created_at: now,
        last_used_at: None,
        revoked_at: None,
    };
    let mut tx = state.db.begin().await?;
    store::insert_api_key(
        &mut tx,
        &principal.tenant_id,
        &principal.user_id,
        &info,
        &digest(&secret),
    )
    .await?;
    let target = Target {
        kind: "api_key",
        id: &info.id,
        name: &info.name,
    };
    record(
        &mut tx,
        now,
        &principal.actor(),
        AuditAction::ApiKeyCreate,
        target,
        format!("for {}", principal.email),
    )
    .await?;
    tx.commit().await?;
    Ok(NewApiKey { info, secret })
}

/// A user's keys: their own, or anyone's for a directory admin.
pub async fn list_api_keys(
    state: &AppState,
    principal: &Principal,
    user_id: &str,
) -> Result<Vec<ApiKeyInfo>, AppError> {
    if user_id != principal.user_id {
        principal.require(Permission::ManageDirectory)?;
    }
    let mut conn = state.db.acquire().await?;
    Ok(store::list_api_keys(&mut conn, &principal.tenant_id, user_id).await?)
}

pub async fn revoke_api_key(
    state: &AppState,
    principal: &Principal,
    key_id: &str,
) -> Result<(), AppError> {
    let mut tx = state.db.begin().await?;
    let key = store::get_api_key(&mut tx, &principal.tenant_id, key_id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("There is no API key with id {key_id}.")))?;
    if key.user_id != principal.user_id {
        principal.require(Permission::ManageDirectory)?;
    }
    if key.revoked_at.is_some() {
        return Err(AppError::conflict(format!(
            "The API key \"{}\" is already revoked.",
            key.name
        )));
    }
    let now = state.now();
    store::revoke_api_key(&mut tx, key_id, now).await?;
    record(
        &mut tx,
        now,
        &principal.actor(),
        AuditAction::ApiKeyRevoke,
        Target {
            kind: "api_key",
            id: key_id,
            name: &key.name,
        },
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
