//! The anonymous-access tests' world: a managed space "Public" with a published app made from
//! two CSV files, Anna who Can manage it with Public link creation allowed, Ali (Can view) and
//! Pat (Can publish).

use app::apps::model::*;
use app::apps::service as apps;
use app::auth::principal::Principal;
use app::content::service as content;
use app::directory::model::{RoleInput, UserChanges};
use app::directory::rules::Permission;
use app::directory::service as directory;
use app::spaces::model::*;
use app::spaces::rules::{SpaceRole, SpaceType};
use app::spaces::service as spaces;

use super::TestDb;

pub const ORDERS: &str = "OrderId,CustomerId,Product,Amount,Month\n1,10,Bike,100,2026-01\n2,10,Helmet,50,2026-01\n3,20,Bike,70,2026-02\n4,30,Lamp,5.5,2026-02\n5,40,Bike,30,2026-03\n";
pub const CUSTOMERS: &str = "CustomerId,Region,Segment\n10,North,Retail\n20,South,Retail\n30,North,Wholesale\n40,East,Retail\n";
pub const ALL: f64 = 255.5;
pub const NORTH: f64 = 155.5;

pub struct World {
    pub admin: Principal,
    /// Can manage in the managed space "Public", with the custom role "Publishers"
    /// (Public link creation allowed).
    pub anna: Principal,
    /// Can view in "Public".
    pub ali: Principal,
    /// Can publish in "Public".
    pub pat: Principal,
    pub public_space: String,
    pub app: App,
}

/// The tenant's admin made; everything else here.
pub async fn world(t: &TestDb) -> World {
    let admin = t.acme().await;
    world_with(t, admin).await
}

pub async fn world_with(t: &TestDb, admin: Principal) -> World {
    let anna = t.active_user(&admin, "Anna").await;
    let ali = t.active_user(&admin, "Ali").await;
    let pat = t.active_user(&admin, "Pat").await;
    let role = directory::create_role(
        &t.state,
        &admin,
        RoleInput {
            name: "Publishers".into(),
            description: String::new(),
            permissions: vec![Permission::AnonymousAccessLink],
        },
    )
    .await
    .unwrap();
    directory::update_user(
        &t.state,
        &admin,
        &anna.user_id,
        UserChanges {
            role_ids: Some(vec![role.id]),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let anna = t.principal("anna@acme.test").await;
    let public = spaces::create_space(
        &t.state,
        &admin,
        NewSpace {
            space_type: SpaceType::Managed,
            name: "Public".into(),
            description: String::new(),
        },
    )
    .await
    .unwrap();
    for (who, role) in [
        (&anna, SpaceRole::Facilitator),
        (&ali, SpaceRole::Consumer),
        (&pat, SpaceRole::Publisher),
    ] {
        let assignment = NewAssignment {
            assignee_type: AssigneeType::User,
            assignee_id: who.user_id.clone(),
            roles: vec![role],
        };
        spaces::create_assignment(&t.state, &admin, &public.id, assignment)
            .await
            .unwrap();
    }
    let work = spaces::create_space(
        &t.state,
        &anna,
        NewSpace {
            space_type: SpaceType::Shared,
            name: "Work".into(),
            description: String::new(),
        },
    )
    .await
    .unwrap();
    let files = vec![
        content::stage_file(&t.state, &anna, "orders.csv", ORDERS.as_bytes())
            .await
            .unwrap()
            .id,
        content::stage_file(&t.state, &anna, "customers.csv", CUSTOMERS.as_bytes())
            .await
            .unwrap()
            .id,
    ];
    let draft = content::create_app_from_uploads(
        &t.state,
        &anna,
        NewApp {
            name: "Community stats".into(),
            space_id: work.id.clone(),
            ..Default::default()
        },
        files,
    )
    .await
    .unwrap();
    let app = apps::publish_app(
        &t.state,
        &anna,
        &draft.id,
        PublishInput {
            space_id: public.id.clone(),
            name: None,
        },
    )
    .await
    .unwrap();
    World {
        admin,
        anna,
        ali,
        pat,
        public_space: public.id,
        app,
    }
}
