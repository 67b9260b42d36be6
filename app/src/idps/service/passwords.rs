//! Password sign-in as a tenant decides it: on for everyone, or, once single sign-on is the way
//! in, off for everyone but one break-glass tenant admin (who can still sign in when the
//! provider cannot be reached); and what the sign-in page offers.

use super::*;

pub async fn get_password_policy(
    state: &AppState,
    principal: &Principal,
) -> Result<PasswordPolicy, AppError> {
    require_admin(principal)?;
    let mut conn = state.db.acquire().await?;
    let (on, break_glass) =
        crate::auth::store::password_policy(&mut conn, &principal.tenant_id).await?;
    let email = crate::directory::store::get_user(&mut conn, &principal.tenant_id, &break_glass)
        .await?
        .map(|u| u.email)
        .unwrap_or_default();
    Ok(PasswordPolicy {
        password_sign_in: on != 0,
        break_glass_email: if on != 0 { String::new() } else { email },
    })
}

/// Turns password sign-in on, or off for everyone but the break-glass account: an active
/// tenant admin, and only while a live single sign-on provider can let everyone else in.
pub async fn set_password_policy(
    state: &AppState,
    principal: &Principal,
    policy: PasswordPolicy,
) -> Result<PasswordPolicy, AppError> {
    require_admin(principal)?;
    let tenant_id = &principal.tenant_id;
    let mut tx = state.db.begin().await?;
    let break_glass = if policy.password_sign_in {
        String::new()
    } else {
        let live = store::list(&mut tx, tenant_id)
            .await?
            .iter()
            .any(|p| p.is_oidc() && p.active != 0 && p.pending == 0);
        if !live {
            return Err(AppError::conflict(
                "Add a single sign-on provider, test it and make it live first: with password sign-in off, it is how everyone but the break-glass account signs in.",
            ));
        }
        let email = policy.break_glass_email.trim();
        let login = crate::auth::store::find_login(&mut tx, tenant_id, &unique_key(email))
            .await?
            .filter(|l| l.status == UserStatus::Active.as_str())
            .ok_or_else(|| {
                AppError::invalid(
                    "break_glass_email",
                    format!("Name the break-glass account by its email: \"{email}\" is no active account of this tenant."),
                )
            })?;
        let (_, admin) =
            crate::auth::principal::permissions_of(&mut tx, tenant_id, &login.id).await?;
        if !admin {
            return Err(AppError::invalid(
                "break_glass_email",
                format!("{} is not a tenant admin: the break-glass account must be one, to mend single sign-on when it fails.", login.name),
            ));
        }
        login.id
    };
    store::set_password_policy(&mut tx, tenant_id, policy.password_sign_in, &break_glass).await?;
    record(
        &mut tx,
        state.now(),
        &principal.actor(),
        AuditAction::IdpPasswordPolicy,
        Target {
            kind: "tenant",
            id: tenant_id,
            name: "",
        },
        if policy.password_sign_in {
            "password sign-in on".to_string()
        } else {
            format!(
                "password sign-in off but for {}",
                policy.break_glass_email.trim()
            )
        },
    )
    .await?;
    tx.commit().await?;
    get_password_policy(state, principal).await
}

/// What the sign-in page of the request's tenant offers: its live single sign-on providers,
/// whether passwords are for everyone, and whether a forgotten one can be mailed.
pub async fn sign_in_options(
    state: &AppState,
    request: &RequestInfo,
) -> Result<SignInOptions, AppError> {
    let mut conn = state.reader.acquire().await?;
    let Some(tenant) = crate::auth::store::tenant_for_host(&mut conn, &request.host).await? else {
        return Ok(SignInOptions {
            providers: Vec::new(),
            passwords: true,
            forgot_password: false,
        });
    };
    let (on, _) = crate::auth::store::password_policy(&mut conn, &tenant.id).await?;
    let providers = store::list(&mut conn, &tenant.id)
        .await?
        .into_iter()
        .filter(|p| p.is_oidc() && p.active != 0 && p.pending == 0)
        .map(|p| SignInOption {
            label: format!("Sign in with {}", p.description),
            href: format!("/login/oidc/{}", p.id),
        })
        .collect();
    Ok(SignInOptions {
        providers,
        passwords: on != 0,
        forgot_password: !state.settings.mail.smtp_server.is_empty(),
    })
}
