//! The demo tenant: a small company with people, groups and a custom role, so that a newcomer
//! has something real to look at and sign in to.

use app::auth::service::set_password_from_console;
use app::directory::model::{NewGroup, NewUser, RoleInput};
use app::directory::rules::Permission;
use app::directory::service;
use app::error::AppError;
use app::state::AppState;

pub const TENANT: &str = "Demo Co";
pub const ADMIN_EMAIL: &str = "admin@demo.sightline.dev";
/// Every demo account shares this password; it is printed at start so nobody has to look it up.
pub const PASSWORD: &str = "sightline-demo";

const PEOPLE: &[(&str, &str, &[&str])] = &[
    ("Anna Lindqvist", "anna@demo.sightline.dev", &["Finance", "Analysts"]),
    ("Ali Hassan", "ali@demo.sightline.dev", &["Sales"]),
    ("Mei Chen", "mei@demo.sightline.dev", &["Sales", "Analysts"]),
    ("Tomás Ortega", "tomas@demo.sightline.dev", &["Finance"]),
    ("Grace Okafor", "grace@demo.sightline.dev", &["Analysts"]),
];

/// Whether the database already has a tenant.
pub async fn has_tenant(state: &AppState) -> Result<bool, AppError> {
    Ok(sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM tenants").fetch_one(&state.db).await? > 0)
}

/// Loads the demo tenant into an empty database. Returns false if there was a tenant already.
pub async fn load(state: &AppState) -> Result<bool, AppError> {
    if has_tenant(state).await? {
        return Ok(false);
    }
    service::create_admin(state, TENANT, ADMIN_EMAIL, "Dana Admin", PASSWORD).await?;
    let console = service::console_principal(state).await?;
    let publishers = service::create_role(
        state,
        &console,
        RoleInput {
            name: "Publishers".into(),
            description: "May create anonymous links and embed codes for public dashboards.".into(),
            permissions: vec![Permission::AnonymousAccessLink, Permission::ShareApps],
        },
    )
    .await?;
    let mut groups = Vec::new();
    for (name, description) in [
        ("Finance", "Controllers and the finance team."),
        ("Sales", "Account executives and sales operations."),
        ("Analysts", "People who build apps for others."),
    ] {
        let role_ids = if name == "Analysts" { vec![publishers.id.clone()] } else { Vec::new() };
        groups.push(service::create_group(state, &console, NewGroup { name: name.into(), description: description.into(), role_ids }).await?);
    }
    for (name, email, member_of) in PEOPLE {
        let group_ids = groups.iter().filter(|g| member_of.contains(&g.name.as_str())).map(|g| g.id.clone()).collect();
        service::create_user(state, &console, NewUser { name: (*name).into(), email: (*email).into(), role_ids: Vec::new(), group_ids }).await?;
        set_password_from_console(state, &console.tenant_id, email, PASSWORD).await?;
    }
    // One person has been invited and has not accepted yet, as in any real tenant.
    service::create_user(state, &console, NewUser { name: "Sam Rivera".into(), email: "sam@demo.sightline.dev".into(), ..Default::default() }).await?;
    Ok(true)
}

pub fn sign_in_hint(public_url: &str) -> String {
    format!("Sign in at {public_url}/login as {ADMIN_EMAIL} with the password {PASSWORD}")
}
