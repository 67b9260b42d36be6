//! Data connections against real database servers started by the test setup: PostgreSQL (the
//! tests' own server, a database of its own for the source) and MariaDB (scripts/mariadb.sh),
//! on SQLite and on PostgreSQL as Sightline's own database.

mod databases;
mod failures;
mod folders;
mod page;
mod workbooks;

use app::auth::principal::Principal;
use app::connections::model::{Connection, ConnectionInput};
use app::connections::service as connections;
use app::spaces::model::{AssigneeType, NewAssignment, NewSpace};
use app::spaces::rules::{SpaceRole, SpaceType};
use app::spaces::service as spaces;

use crate::common::{postgres_admin_url, TestDb};

/// A source database of one test on the tests' PostgreSQL server, dropped at the end, with a
/// role that may log in with a password and read it.
pub struct PgSource {
    pub admin: String,
    pub name: String,
    pub host: String,
    pub port: u16,
    pub reader: String,
}

pub const READER_PASSWORD: &str = "reader-secret-31";

impl PgSource {
    pub async fn new(setup: &str) -> PgSource {
        let admin = postgres_admin_url();
        let id = &app::ids::new_id()[..10].to_lowercase();
        let name = format!("sl_src_{id}");
        let reader = format!("sl_reader_{id}");
        let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&admin)
            .await
            .unwrap();
        sqlx::Executor::execute(&mut conn, format!("CREATE DATABASE {name}").as_str())
            .await
            .unwrap();
        sqlx::Executor::execute(
            &mut conn,
            format!("CREATE ROLE {reader} LOGIN PASSWORD '{READER_PASSWORD}'").as_str(),
        )
        .await
        .unwrap();
        let base = admin.rsplit_once('/').unwrap().0.to_string();
        let mut source =
            <sqlx::PgConnection as sqlx::Connection>::connect(&format!("{base}/{name}"))
                .await
                .unwrap();
        sqlx::Executor::execute(&mut source, setup).await.unwrap();
        sqlx::Executor::execute(
            &mut source,
            format!("GRANT SELECT ON ALL TABLES IN SCHEMA public TO {reader}").as_str(),
        )
        .await
        .unwrap();
        let after_at = admin.rsplit_once('@').unwrap().1.to_string();
        let host_port = after_at.split('/').next().unwrap();
        let (host, port) = host_port.split_once(':').unwrap_or((host_port, "5432"));
        PgSource {
            admin,
            name,
            host: host.to_string(),
            port: port.parse().unwrap(),
            reader,
        }
    }

    /// Runs SQL on the source as its owner (rows added between two loads).
    pub async fn execute(&self, sql: &str) {
        let base = self.admin.rsplit_once('/').unwrap().0.to_string();
        let mut source =
            <sqlx::PgConnection as sqlx::Connection>::connect(&format!("{base}/{}", self.name))
                .await
                .unwrap();
        sqlx::Executor::execute(&mut source, sql).await.unwrap();
    }

    pub fn input(&self, space_id: &str) -> ConnectionInput {
        ConnectionInput {
            space_id: space_id.into(),
            name: "Warehouse".into(),
            kind: "postgres".into(),
            host: self.host.clone(),
            port: Some(self.port),
            database: self.name.clone(),
            username: self.reader.clone(),
            password: Some(READER_PASSWORD.into()),
            ..Default::default()
        }
    }
}

impl Drop for PgSource {
    fn drop(&mut self) {
        let (admin, name, reader) = (self.admin.clone(), self.name.clone(), self.reader.clone());
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                if let Ok(mut conn) =
                    <sqlx::PgConnection as sqlx::Connection>::connect(&admin).await
                {
                    let _ = sqlx::Executor::execute(
                        &mut conn,
                        format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str(),
                    )
                    .await;
                    let _ = sqlx::Executor::execute(
                        &mut conn,
                        format!("DROP ROLE IF EXISTS {reader}").as_str(),
                    )
                    .await;
                }
            });
        })
        .join();
    }
}

/// The MariaDB the setup started (scripts/mariadb.sh): its URL.
pub fn mariadb_url() -> String {
    std::env::var("SIGHTLINE_TEST_MARIADB").unwrap_or_else(|_| {
        "mysql://sightline_test:sightline-test@127.0.0.1:3306/sightline_source".into()
    })
}

/// Tables of one test in the MariaDB database, named with a prefix of its own.
pub async fn mariadb_tables(setup: &str) -> String {
    let prefix = format!("t{}", &app::ids::new_id()[..8].to_lowercase());
    let mut conn = <sqlx::MySqlConnection as sqlx::Connection>::connect(&mariadb_url())
        .await
        .expect("MariaDB must run for the tests: scripts/mariadb.sh");
    sqlx::Executor::execute(&mut conn, setup.replace("{p}", &prefix).as_str())
        .await
        .unwrap();
    prefix
}

pub fn mariadb_input(space_id: &str) -> ConnectionInput {
    let url = mariadb_url();
    let rest = url.strip_prefix("mysql://").unwrap();
    let (credentials, location) = rest.split_once('@').unwrap();
    let (user, password) = credentials.split_once(':').unwrap();
    let (host_port, database) = location.split_once('/').unwrap();
    let (host, port) = host_port.split_once(':').unwrap();
    ConnectionInput {
        space_id: space_id.into(),
        name: "Shop".into(),
        kind: "mysql".into(),
        host: host.into(),
        port: Some(port.parse().unwrap()),
        database: database.into(),
        username: user.into(),
        password: Some(password.into()),
        ..Default::default()
    }
}

/// A shared space of Root's with Ali who may consume data and Bo who may view.
pub async fn team(t: &TestDb) -> (Principal, Principal, Principal, String) {
    let root = t.acme().await;
    let ali = t.active_user(&root, "Ali").await;
    let bo = t.active_user(&root, "Bo").await;
    let space = spaces::create_space(
        &t.state,
        &root,
        NewSpace {
            space_type: SpaceType::Shared,
            name: "Sales".into(),
            description: String::new(),
        },
    )
    .await
    .unwrap();
    for (who, role) in [(&ali, SpaceRole::DataConsumer), (&bo, SpaceRole::Consumer)] {
        spaces::create_assignment(
            &t.state,
            &root,
            &space.id,
            NewAssignment {
                assignee_type: AssigneeType::User,
                assignee_id: who.user_id.clone(),
                roles: vec![role],
            },
        )
        .await
        .unwrap();
    }
    (root, ali, bo, space.id)
}

/// Lets the tenant's connections reach the test machine's own servers.
pub async fn allow_local(t: &TestDb, admin: &Principal) {
    connections::set_connection_hosts(&t.state, admin, "127.0.0.1\nlocalhost")
        .await
        .unwrap();
}

pub async fn connect(t: &TestDb, who: &Principal, input: ConnectionInput) -> Connection {
    connections::create_connection(&t.state, who, input)
        .await
        .unwrap()
}
