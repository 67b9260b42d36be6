//! Tenants: creating one with its built-in roles and its first admin.

use super::*;
use crate::audit::model::AuditAction;

/// Creates a tenant with its built-in roles: TenantAdmin, AnalyticsAdmin and User Default.
pub async fn create_tenant(
    conn: &mut AnyConnection,
    name: &str,
    hostname: Option<&str>,
    now: i64,
) -> Result<String, AppError> {
    let name = clean_name("tenant name", name, MAX_NAME_CHARS)?;
    let tenant_id = new_id();
    store::insert_tenant(conn, &tenant_id, &name, hostname, now).await?;
    for kind in [
        RoleKind::TenantAdmin,
        RoleKind::AnalyticsAdmin,
        RoleKind::UserDefault,
    ] {
        let role_id = new_id();
        store::insert_role(
            conn,
            &role_id,
            &tenant_id,
            kind,
            kind.builtin_name(),
            builtin_description(kind),
            now,
        )
        .await?;
        if kind == RoleKind::UserDefault {
            store::set_role_permissions(conn, &role_id, RoleKind::initial_user_default()).await?;
        }
    }
    Ok(tenant_id)
}

pub(super) fn builtin_description(kind: RoleKind) -> &'static str {
    match kind {
        RoleKind::TenantAdmin => {
            "Manages users, groups, roles, security settings and the audit log."
        }
        RoleKind::AnalyticsAdmin => "Manages spaces and content; reads the audit log.",
        RoleKind::UserDefault => "Applies to every user of the tenant.",
        RoleKind::Custom => "",
    }
}

/// The principal of the server's own command line: every permission, in the first tenant.
pub async fn console_principal(state: &AppState) -> Result<Principal, AppError> {
    let mut conn = state.db.acquire().await?;
    let tenant = store::first_tenant(&mut conn).await?.ok_or_else(|| {
        AppError::not_found(
            "There is no tenant yet: run `sightline demo` or `sightline create-admin` first.",
        )
    })?;
    Ok(Principal {
        user_id: String::new(),
        tenant_id: tenant.id,
        tenant_name: tenant.name,
        name: "console".into(),
        email: String::new(),
        permissions: Permission::ALL.into_iter().collect(),
        is_tenant_admin: true,
        credential: Credential::Console,
        narrowing: Vec::new(),
    })
}

/// `create-admin`: makes the first tenant if there is none, then an active tenant admin with
/// this password (or gives an existing user the role and the password).
pub async fn create_admin(
    state: &AppState,
    tenant_name: &str,
    email: &str,
    name: &str,
    password: &str,
) -> Result<User, AppError> {
    crate::auth::rules::check_password_policy(password)?;
    let email = clean_email(email)?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let tenant_id = match store::first_tenant(&mut tx).await? {
        Some(tenant) => tenant.id,
        None => create_tenant(&mut tx, tenant_name, None, now).await?,
    };
    let admin_role = store::role_id_of_kind(&mut tx, &tenant_id, RoleKind::TenantAdmin)
        .await?
        .ok_or_else(|| AppError::internal("tenant has no TenantAdmin role"))?;
    let user_id = match store::email_owner(&mut tx, &tenant_id, &unique_key(&email)).await? {
        Some(id) => id,
        None => {
            let id = new_id();
            let name = clean_name(
                "name",
                if name.trim().is_empty() { &email } else { name },
                MAX_NAME_CHARS,
            )?;
            store::insert_user(
                &mut tx,
                &id,
                &tenant_id,
                &name,
                &email,
                UserStatus::Active,
                now,
            )
            .await?;
            crate::spaces::service::create_personal_space(&mut tx, &tenant_id, &id, now).await?;
            id
        }
    };
    let mut roles: Vec<String> = store::roles_of_users(&mut tx, std::slice::from_ref(&user_id))
        .await?
        .into_iter()
        .map(|(_, r)| r.id)
        .collect();
    if !roles.contains(&admin_role) {
        roles.push(admin_role);
    }
    store::set_roles(&mut tx, RoleHolder::User, &user_id, &roles).await?;
    let row = store::get_user(&mut tx, &tenant_id, &user_id)
        .await?
        .ok_or_else(|| AppError::internal("user vanished"))?;
    store::update_user(&mut tx, &user_id, &row.name, UserStatus::Active, now).await?;
    let actor = Actor {
        tenant_id: &tenant_id,
        id: None,
        name: "console",
    };
    record(
        &mut tx,
        now,
        &actor,
        AuditAction::RoleAssign,
        Target {
            kind: "user",
            id: &user_id,
            name: &row.name,
        },
        "TenantAdmin, from the command line",
    )
    .await?;
    tx.commit().await?;
    auth::set_password_from_console(state, &tenant_id, &email, password).await?;
    let mut conn = state.db.acquire().await?;
    let row = store::get_user(&mut conn, &tenant_id, &user_id)
        .await?
        .ok_or_else(|| AppError::internal("user vanished"))?;
    Ok(users_from_rows(&mut conn, vec![row]).await?.remove(0))
}
