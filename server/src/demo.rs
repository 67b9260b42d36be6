//! The demo tenant: a small company with people, groups and a custom role, so that a newcomer
//! has something real to look at and sign in to.

use app::anonymous::model::{LinkChanges, LinkReduction, NewOrigin};
use app::anonymous::service as anonymous;
use app::apps::model::{NewApp, PublishInput};
use app::apps::service as apps;
use app::auth::principal::{load_principal, Credential, Principal};
use app::auth::service::set_password_from_console;
use app::content::model::NewAccessRule;
use app::content::service as content;
use app::directory::model::{Group, NewGroup, NewUser, RoleInput};
use app::directory::rules::Permission;
use app::directory::service;
use app::error::AppError;
use app::licences::model::{LicenceSettings, Scheme};
use app::licences::service as licences;
use app::sharing::model::{NewShare, ShareAssignee};
use app::sharing::service as sharing;
use app::spaces::model::{AssigneeType, NewAssignment, NewSpace};
use app::spaces::rules::{SpaceRole, SpaceType};
use app::spaces::service as spaces;
use app::state::AppState;

use crate::demo_data;

pub const TENANT: &str = "Demo Co";
pub const ADMIN_EMAIL: &str = "admin@demo.sightline.dev";
/// Every demo account shares this password; it is printed at start so nobody has to look it up.
pub const PASSWORD: &str = "sightline-demo";

const PEOPLE: &[(&str, &str, &[&str])] = &[
    ("Anna Lindqvist", "anna@demo.sightline.dev", &["Finance"]),
    ("Ali Hassan", "ali@demo.sightline.dev", &["Sales"]),
    ("Mei Chen", "mei@demo.sightline.dev", &["Sales", "Analysts"]),
    ("Tomás Ortega", "tomas@demo.sightline.dev", &["Finance"]),
    ("Grace Okafor", "grace@demo.sightline.dev", &["Analysts"]),
];

/// Whether the database already has a tenant.
pub async fn has_tenant(state: &AppState) -> Result<bool, AppError> {
    Ok(sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM tenants")
        .fetch_one(&state.db)
        .await?
        > 0)
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
            description: "May create anonymous links and embed codes for public dashboards, and invite people without an account into collaborative sessions.".into(),
            permissions: vec![
                Permission::AnonymousAccessLink,
                Permission::ShareApps,
                Permission::CollabOutsiders,
            ],
        },
    )
    .await?;
    let mut groups = Vec::new();
    for (name, description) in [
        ("Finance", "Controllers and the finance team."),
        ("Sales", "Account executives and sales operations."),
        ("Analysts", "People who build apps for others."),
    ] {
        let role_ids = if name == "Analysts" {
            vec![publishers.id.clone()]
        } else {
            Vec::new()
        };
        groups.push(
            service::create_group(
                state,
                &console,
                NewGroup {
                    name: name.into(),
                    description: description.into(),
                    role_ids,
                },
            )
            .await?,
        );
    }
    for (name, email, member_of) in PEOPLE {
        let group_ids = groups
            .iter()
            .filter(|g| member_of.contains(&g.name.as_str()))
            .map(|g| g.id.clone())
            .collect();
        service::create_user(
            state,
            &console,
            NewUser {
                name: (*name).into(),
                email: (*email).into(),
                role_ids: Vec::new(),
                group_ids,
            },
        )
        .await?;
        set_password_from_console(state, &console.tenant_id, email, PASSWORD).await?;
    }
    // One person has been invited and has not accepted yet, as in any real tenant.
    service::create_user(
        state,
        &console,
        NewUser {
            name: "Sam Rivera".into(),
            email: "sam@demo.sightline.dev".into(),
            ..Default::default()
        },
    )
    .await?;
    // Dana builds apps with the analysts, and may publish them anonymously as they do.
    let dana = person(state, ADMIN_EMAIL).await?;
    if let Some(analysts) = groups.iter().find(|g| g.name == "Analysts") {
        service::add_group_member(state, &console, &analysts.id, &dana.user_id).await?;
    }
    load_spaces(state, &groups).await?;
    // QlikView CALs, few enough that giving and refusing show within a minute: the first two
    // people to open an app get the Named CALs, the next the Session CAL, then two Usage CALs,
    // and the one after is refused with the reasons (see Admin > Licences).
    let demo_licences = LicenceSettings {
        scheme: Some(Scheme::Cals),
        named_cals: DEMO_NAMED_CALS,
        dynamic_named: true,
        session_cals: 1,
        usage_cals: 2,
        ..Default::default()
    };
    licences::set_licence_settings(state, &console, demo_licences).await?;
    Ok(true)
}

/// The demo's Named User CALs.
pub const DEMO_NAMED_CALS: i64 = 2;

async fn person(state: &AppState, email: &str) -> Result<Principal, AppError> {
    let mut conn = state.db.acquire().await?;
    let id: String = sqlx::query_scalar("SELECT id FROM users WHERE email_key = $1")
        .bind(email)
        .fetch_one(&mut *conn)
        .await?;
    load_principal(&mut conn, &id, Credential::Console)
        .await?
        .ok_or_else(|| AppError::internal("demo user is not active"))
}

/// Spaces and apps as a small company has them: a managed space of published dashboards that
/// Sales can view, a shared space where Analysts build them, Anna's finance space, and an app
/// shared with one person who is not a space member.
async fn load_spaces(state: &AppState, groups: &[Group]) -> Result<(), AppError> {
    let group = |name: &str| {
        groups
            .iter()
            .find(|g| g.name == name)
            .map(|g| g.id.clone())
            .unwrap_or_default()
    };
    let dana = person(state, ADMIN_EMAIL).await?;
    let anna = person(state, "anna@demo.sightline.dev").await?;
    let space = |space_type, name: &str, description: &str| NewSpace {
        space_type,
        name: name.into(),
        description: description.into(),
    };
    let drafts = spaces::create_space(
        state,
        &dana,
        space(
            SpaceType::Shared,
            "Analytics workshop",
            "Where analysts build and test apps before publishing them.",
        ),
    )
    .await?;
    let published = spaces::create_space(
        state,
        &dana,
        space(
            SpaceType::Managed,
            "Sales analytics",
            "Published dashboards for the sales team.",
        ),
    )
    .await?;
    let finance = spaces::create_space(
        state,
        &anna,
        space(SpaceType::Shared, "Finance team", "Budgets and forecasts."),
    )
    .await?;
    let member = |kind, id: String, role| NewAssignment {
        assignee_type: kind,
        assignee_id: id,
        roles: vec![role],
    };
    spaces::create_assignment(
        state,
        &dana,
        &drafts.id,
        member(AssigneeType::Group, group("Analysts"), SpaceRole::Producer),
    )
    .await?;
    spaces::create_assignment(
        state,
        &dana,
        &published.id,
        member(AssigneeType::Group, group("Sales"), SpaceRole::Consumer),
    )
    .await?;
    spaces::create_assignment(
        state,
        &dana,
        &published.id,
        member(AssigneeType::Group, group("Analysts"), SpaceRole::Publisher),
    )
    .await?;
    spaces::create_assignment(
        state,
        &anna,
        &finance.id,
        member(AssigneeType::Group, group("Finance"), SpaceRole::Producer),
    )
    .await?;

    let app = |name: &str, description: &str, space_id: &str| NewApp {
        name: name.into(),
        description: description.into(),
        space_id: space_id.into(),
    };
    let mut last = None;
    for (name, description) in [
        (
            "Sales dashboard",
            "Revenue, orders and margin by region and month.",
        ),
        (
            "Customer churn",
            "Which customers leave, when, and what they bought before.",
        ),
        ("Pipeline review", "Open opportunities by stage and owner."),
    ] {
        let draft = if name == "Sales dashboard" {
            let files = vec![
                content::stage_file(
                    state,
                    &dana,
                    "orders.csv",
                    demo_data::orders_csv(SALES_ORDERS).as_bytes(),
                )
                .await?
                .id,
                content::stage_file(
                    state,
                    &dana,
                    "customers.csv",
                    demo_data::customers_csv().as_bytes(),
                )
                .await?
                .id,
            ];
            let draft = content::create_app_from_uploads(
                state,
                &dana,
                app(name, description, &drafts.id),
                files,
            )
            .await?;
            // Section access travels with the app when it is published.
            restrict_by_region(state, &dana, &draft.id, groups).await?;
            draft
        } else {
            apps::create_app(state, &dana, app(name, description, &drafts.id)).await?
        };
        if name != "Pipeline review" {
            let copy = apps::publish_app(
                state,
                &dana,
                &draft.id,
                PublishInput {
                    space_id: published.id.clone(),
                    name: None,
                },
            )
            .await?;
            if name == "Sales dashboard" {
                public_link(state, &dana, &copy.id).await?;
            }
            last = Some(copy);
        }
    }
    apps::create_app(
        state,
        &anna,
        app(
            "Budget 2027",
            "Budget by cost centre, with last year beside it.",
            &finance.id,
        ),
    )
    .await?;
    apps::create_app(
        state,
        &anna,
        app(
            "Cash flow",
            "Weekly cash position and forecast.",
            &finance.id,
        ),
    )
    .await?;
    apps::create_app(state, &dana, app("Scratchpad", "A personal draft.", "")).await?;
    // Tomás is not in Sales, but he needs the churn figures: the app is shared with him alone.
    if let Some(churn) = last {
        let tomas = person(state, "tomas@demo.sightline.dev").await?;
        let share = NewShare {
            app_id: churn.id.clone(),
            assignee_type: ShareAssignee::User,
            assignee_id: tomas.user_id,
            roles: vec![SpaceRole::Consumer],
        };
        sharing::create_share(state, &dana, &published.id, share).await?;
    }
    Ok(())
}

/// An anonymous link to the published sales dashboard, locked to the North (the app has
/// section access, which names no visitor), and a local site allowed to embed it.
async fn public_link(state: &AppState, dana: &Principal, app_id: &str) -> Result<(), AppError> {
    let panel = anonymous::set_anonymous_access(state, dana, app_id, true).await?;
    let Some(link) = panel.links.first() else {
        return Ok(());
    };
    let north = LinkReduction {
        field: "Region".into(),
        allowed: vec!["North".into()],
    };
    let changes = LinkChanges {
        name: Some("Public: North region".into()),
        reduction: Some(Some(north)),
        ..Default::default()
    };
    let link = anonymous::update_link(state, dana, &link.id, changes).await?;
    tracing::info!(link = %link.url, "demo: an anonymous link to the sales dashboard");
    let site = NewOrigin {
        name: "A local test site".into(),
        origin: "http://localhost:8080".into(),
        description: "Serve a page on port 8080 to try embedding.".into(),
        frame_ancestors: true,
    };
    anonymous::save_allowed_origin(state, dana, None, site).await?;
    Ok(())
}

/// Orders in the demo sales app.
pub const SALES_ORDERS: usize = 120_000;

/// Section access on the sales app: Ali sells in the North and sees only the North; Analysts
/// and Dana see every region. (The draft's editors see everything; the published copy is where
/// the rules bite.)
async fn restrict_by_region(
    state: &AppState,
    dana: &Principal,
    app_id: &str,
    groups: &[Group],
) -> Result<(), AppError> {
    let ali = person(state, "ali@demo.sightline.dev").await?;
    let analysts = groups
        .iter()
        .find(|g| g.name == "Analysts")
        .map(|g| g.id.clone())
        .unwrap_or_default();
    let every_region = "North, South, East, West".to_string();
    for (assignee_type, assignee_id, allowed) in [
        ("user", ali.user_id, "North".to_string()),
        ("group", analysts, every_region.clone()),
        ("user", dana.user_id.clone(), every_region),
    ] {
        let rule = NewAccessRule {
            assignee_type: assignee_type.into(),
            assignee_id,
            field: "Region".into(),
            allowed,
        };
        content::add_section_access(state, dana, app_id, rule).await?;
    }
    Ok(())
}

pub fn sign_in_hint(public_url: &str) -> String {
    format!("Sign in at {public_url}/login as {ADMIN_EMAIL} with the password {PASSWORD}")
}
