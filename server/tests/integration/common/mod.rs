//! Test harness: every test gets its own fresh database, on SQLite or PostgreSQL, migrated by
//! the same code the server runs, and a clock the test moves by hand.

pub mod live;
pub mod world;

use std::path::PathBuf;
use std::sync::Arc;

use app::auth::principal::{load_principal, Credential, Principal};
use app::settings::Settings;
use app::state::{AppState, ManualClock};
use server::{build_state, config::Config};

/// Every test account's password.
pub const PASSWORD: &str = "correct horse battery";

/// 2026-11-23 09:00 UTC.
pub const START: i64 = 1_795_424_400_000;

#[derive(Debug, Clone, Copy)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestDb {
    pub state: AppState,
    pub clock: Arc<ManualClock>,
    pub url: String,
    dir: PathBuf,
    postgres: Option<(String, String)>,
}

/// The PostgreSQL server tests create their databases on.
pub fn postgres_admin_url() -> String {
    std::env::var("SIGHTLINE_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

fn unique(prefix: &str) -> String {
    format!("{prefix}_{}", &app::ids::new_id()[..12])
}

pub fn test_config(url: &str, dir: &std::path::Path) -> Config {
    let mut config = Config::load_with(std::path::Path::new("/nonexistent/Leptos.toml"), |_| None)
        .expect("default config");
    config.database_url = url.to_string();
    config.data_dir = dir.to_path_buf();
    // The site `make test` built first, as the binary finds it: its pages name its files.
    config.leptos.site_root = concat!(env!("CARGO_MANIFEST_DIR"), "/../target/site").into();
    let _ = config.find_site();
    config.settings = Settings {
        public_url: "http://sightline.test".into(),
        ..Settings::default()
    };
    config
}

impl TestDb {
    pub async fn new(backend: Backend) -> TestDb {
        Self::with_settings(backend, |_| {}).await
    }

    pub async fn with_settings(backend: Backend, change: impl FnOnce(&mut Settings)) -> TestDb {
        let dir = std::env::temp_dir().join(unique("sightline-test"));
        std::fs::create_dir_all(&dir).unwrap();
        let (url, postgres) = match backend {
            Backend::Sqlite => (
                format!("sqlite://{}?mode=rwc", dir.join("test.db").display()),
                None,
            ),
            Backend::Postgres => {
                let admin = postgres_admin_url();
                let name = unique("sl_test");
                sqlx::any::install_default_drivers();
                let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin)
                    .await
                    .expect("PostgreSQL must run for the tests (see README)");
                sqlx::Executor::execute(&mut conn, format!("CREATE DATABASE {name}").as_str())
                    .await
                    .unwrap();
                let base = admin.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap();
                (format!("{base}/{name}"), Some((admin, name)))
            }
        };
        let mut config = test_config(&url, &dir);
        change(&mut config.settings);
        let clock = Arc::new(ManualClock::new(START));
        let state = build_state(&config, clock.clone()).await.expect("state");
        TestDb {
            state,
            clock,
            url,
            dir,
            postgres,
        }
    }

    /// Which database the test runs on.
    pub fn backend(&self) -> Backend {
        if self.postgres.is_some() {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }

    /// The test's data directory (its SQLite database, uploads and app data).
    pub fn data_dir(&self) -> &std::path::Path {
        &self.dir
    }

    pub fn minutes(&self, minutes: i64) {
        self.clock.advance_ms(minutes * 60 * 1000);
    }

    /// The principal of an existing user, as if they had signed in.
    pub async fn principal(&self, email: &str) -> Principal {
        let id: String = sqlx::query_scalar("SELECT id FROM users WHERE email_key = $1")
            .bind(email.to_lowercase())
            .fetch_one(&self.state.db)
            .await
            .unwrap();
        let mut conn = self.state.db.acquire().await.unwrap();
        load_principal(&mut conn, &id, Credential::Console)
            .await
            .unwrap()
            .expect("an active user")
    }

    /// The tenant "Acme" and its admin, root@acme.test.
    pub async fn acme(&self) -> Principal {
        app::directory::service::create_admin(
            &self.state,
            "Acme",
            "root@acme.test",
            "Root Admin",
            PASSWORD,
        )
        .await
        .unwrap();
        self.principal("root@acme.test").await
    }

    /// A user `admin` invited, who accepted and chose `PASSWORD`: `<name>@acme.test`.
    pub async fn active_user(&self, admin: &Principal, name: &str) -> Principal {
        let email = format!("{}@acme.test", name.to_lowercase());
        let new = app::directory::model::NewUser {
            name: name.into(),
            email: email.clone(),
            ..Default::default()
        };
        let created = app::directory::service::create_user(&self.state, admin, new)
            .await
            .unwrap();
        let token = created.invite_url.rsplit('/').next().unwrap().to_string();
        app::auth::service::accept_invite(
            &self.state,
            &app::auth::principal::RequestInfo::default(),
            &token,
            PASSWORD,
        )
        .await
        .unwrap();
        self.principal(&email).await
    }

    pub async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar::<_, i64>(sql)
            .fetch_one(&self.state.db)
            .await
            .unwrap()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
        if let Some((admin, name)) = self.postgres.take() {
            // Drop cannot await: drop the database from a thread with its own runtime.
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                // Bounded: a slow drop leaves a stray test database, never a hung test run.
                runtime.block_on(async move {
                    let drop = async {
                        if let Ok(mut conn) =
                            <sqlx::AnyConnection as sqlx::Connection>::connect(&admin).await
                        {
                            let _ = sqlx::Executor::execute(
                                &mut conn,
                                format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str(),
                            )
                            .await;
                        }
                    };
                    let _ = tokio::time::timeout(std::time::Duration::from_secs(20), drop).await;
                });
            })
            .join();
        }
    }
}

/// One runtime for the whole test process, as the server has in production: tasks that Leptos
/// or sqlx spawn never outlive the runtime they were spawned on.
fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(4)
            .enable_all()
            .build()
            .expect("test runtime")
    })
}

/// Runs a test on the shared runtime; one that runs past two minutes fails instead of hanging
/// the whole run.
pub fn run(test: impl std::future::Future<Output = ()> + Send + 'static) {
    runtime().block_on(async move {
        tokio::spawn(async move {
            tokio::time::timeout(std::time::Duration::from_secs(120), test)
                .await
                .expect("the test ran for over two minutes: something hangs")
        })
        .await
        .unwrap_or_else(|failure| {
            // The runtime's threads print their panics into whichever test started them, so
            // the message is raised again here, where this test's output shows it.
            let payload = failure.into_panic();
            let message = payload
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| payload.downcast_ref::<&str>().copied())
                .unwrap_or("the test panicked");
            panic!("{message}")
        })
    })
}

/// Runs each listed async test body on a fresh SQLite and a fresh PostgreSQL database.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[test]
                fn sqlite() {
                    $crate::common::run(async { super::$name($crate::common::TestDb::new($crate::common::Backend::Sqlite).await).await })
                }
                #[test]
                fn postgres() {
                    $crate::common::run(async { super::$name($crate::common::TestDb::new($crate::common::Backend::Postgres).await).await })
                }
            }
        )*
    };
}

/// Runs each listed async test, which builds its own database from the backend it is given
/// (its settings differ from the default's), on SQLite and on PostgreSQL.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[test]
                fn sqlite() {
                    $crate::common::run(super::$name($crate::common::Backend::Sqlite))
                }
                #[test]
                fn postgres() {
                    $crate::common::run(super::$name($crate::common::Backend::Postgres))
                }
            }
        )*
    };
}
