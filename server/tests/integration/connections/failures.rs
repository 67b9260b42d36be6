//! What goes wrong with a connection, each said as the database or the limit says it, and none
//! leaves an app or a connection behind: a wrong password, a host that refuses or does not
//! answer, a query that runs too long, one that gives too many rows, one that is not a SELECT;
//! and a key rotated without losing a password.

use app::apps::model::NewApp;
use app::connections::model::ConnectionInput;
use app::connections::service as connections;
use app::content::service as content;
use app::modelling::service as modelling;

use super::databases::plan_of;
use super::*;
use crate::common::{Backend, TestDb};

on_both_databases!(each_failure_says_what_went_wrong_and_makes_nothing);
on_both_backends!(
    limits_stop_a_query_that_runs_too_long_or_gives_too_many_rows,
    a_rotated_key_still_opens_every_password
);

const ITEMS: &str = "CREATE TABLE {p}_items (n INT); INSERT INTO {p}_items VALUES (1),(2),(3),(4),(5),(6),(7),(8),(9),(10);";

async fn each_failure_says_what_went_wrong_and_makes_nothing(t: TestDb) {
    let (root, _, _, space) = team(&t).await;
    connections::set_connection_hosts(&t.state, &root, "127.0.0.1\n10.255.255.0/24")
        .await
        .unwrap();
    let cases: Vec<(ConnectionInput, &str)> = vec![
        (
            ConnectionInput {
                password: Some("wrong".into()),
                ..mariadb_input(&space)
            },
            "Access denied for user 'sightline_test'",
        ),
        (
            ConnectionInput {
                port: Some(1),
                ..mariadb_input(&space)
            },
            "refused the connection",
        ),
        (
            ConnectionInput {
                host: "10.255.255.1".into(),
                ..mariadb_input(&space)
            },
            "not reachable in 5 s",
        ),
        (
            ConnectionInput {
                host: "no-such-host.invalid".into(),
                ..mariadb_input(&space)
            },
            "is not known",
        ),
        (
            ConnectionInput {
                database: "nowhere".into(),
                ..mariadb_input(&space)
            },
            "nowhere",
        ),
    ];
    for (input, expected) in cases {
        let error = connections::create_connection(&t.state, &root, input.clone())
            .await
            .unwrap_err();
        assert!(error.to_string().contains(expected), "{input:?}: {error}");
    }
    assert_eq!(
        t.count("SELECT COUNT(*) FROM data_connections").await,
        0,
        "none was kept"
    );

    let prefix = mariadb_tables(ITEMS).await;
    let shop = connect(&t, &root, mariadb_input(&space)).await;
    let apps = t.count("SELECT COUNT(*) FROM apps").await;
    let queries: Vec<(String, &str)> = vec![
        (format!("DELETE FROM {prefix}_items"), "READ ONLY"),
        (
            format!("SELECT * FROM {prefix}_items; DELETE FROM {prefix}_items"),
            "refused",
        ),
        (format!("SELECT * FROM {prefix}_nothing"), "doesn't exist"),
        (
            format!("SELECT n, n FROM {prefix}_items"),
            "give the columns different names",
        ),
        (
            format!("SELECT * FROM {prefix}_items WHERE n > 100"),
            "It gave no rows",
        ),
    ];
    for (query, expected) in queries {
        let plan = plan_of(&shop.id, &[("items", &query)]);
        let error = content::create_app_with_plan(
            &t.state,
            &root,
            NewApp {
                name: "Items".into(),
                ..Default::default()
            },
            vec![],
            Some(plan),
        )
        .await
        .unwrap_err();
        assert!(error.to_string().contains(expected), "{query}: {error}");
    }
    assert_eq!(
        t.count("SELECT COUNT(*) FROM apps").await,
        apps,
        "no app was made"
    );
    let still: i64 = {
        let mut conn = <sqlx::MySqlConnection as sqlx::Connection>::connect(&mariadb_url())
            .await
            .unwrap();
        sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {prefix}_items"))
            .fetch_one(&mut conn)
            .await
            .unwrap()
    };
    assert_eq!(still, 10, "nothing was deleted");
}

async fn limits_stop_a_query_that_runs_too_long_or_gives_too_many_rows(backend: Backend) {
    let t = TestDb::with_settings(backend, |s| {
        s.sources.query_ms = 1_000;
        s.sources.max_rows = 5;
    })
    .await;
    let prefix = mariadb_tables(ITEMS).await;
    let (root, _, _, space) = team(&t).await;
    allow_local(&t, &root).await;
    let shop = connect(&t, &root, mariadb_input(&space)).await;
    let apps = t.count("SELECT COUNT(*) FROM apps").await;
    let cases: Vec<(String, &str)> = vec![
        (
            format!("SELECT n, SLEEP(2) AS waited FROM {prefix}_items WHERE n = 1"),
            "ran longer than 1 s, the limit (source_query_seconds)",
        ),
        (
            format!("SELECT * FROM {prefix}_items"),
            "more than 5 rows, the limit (source_max_rows)",
        ),
    ];
    for (query, expected) in cases {
        let plan = plan_of(&shop.id, &[("items", &query)]);
        let error = modelling::preview_uploads(&t.state, &root, &[], Some(plan.clone()))
            .await
            .unwrap_err();
        assert!(error.to_string().contains(expected), "{query}: {error}");
        let error = content::create_app_with_plan(
            &t.state,
            &root,
            NewApp {
                name: "Items".into(),
                ..Default::default()
            },
            vec![],
            Some(plan),
        )
        .await
        .unwrap_err();
        assert!(error.to_string().contains(expected), "{query}: {error}");
    }
    assert_eq!(
        t.count("SELECT COUNT(*) FROM apps").await,
        apps,
        "no app was made"
    );
    let fits = plan_of(
        &shop.id,
        &[(
            "items",
            &format!("SELECT * FROM {prefix}_items WHERE n <= 5"),
        )],
    );
    content::create_app_with_plan(
        &t.state,
        &root,
        NewApp {
            name: "Items".into(),
            ..Default::default()
        },
        vec![],
        Some(fits),
    )
    .await
    .unwrap();
}

async fn a_rotated_key_still_opens_every_password(backend: Backend) {
    let old = app::connections::service::secrets::Keyring::generate();
    let new = app::connections::service::secrets::Keyring::generate();
    let t = TestDb::with_settings(backend, |s| s.sources.key = old.clone()).await;
    let (root, _, _, space) = team(&t).await;
    allow_local(&t, &root).await;
    let shop = connect(&t, &root, mariadb_input(&space)).await;
    let sealed: String = sqlx::query_scalar("SELECT secret FROM data_connections")
        .fetch_one(&t.state.db)
        .await
        .unwrap();

    // The operator sets a new key and lists the old one as previous: at start every password is
    // sealed again, and the connection works as before.
    let mut config = crate::common::test_config(&t.url, t.data_dir());
    config.settings.sources.key = new.clone();
    config.settings.sources.previous_keys = old.clone();
    let rotated = server::build_state(&config, t.clock.clone()).await.unwrap();
    let resealed: String = sqlx::query_scalar("SELECT secret FROM data_connections")
        .fetch_one(&rotated.db)
        .await
        .unwrap();
    assert_ne!(resealed, sealed);
    let tested = connections::test_connection(
        &rotated,
        &root,
        Some(&shop.id),
        ConnectionInput {
            password: None,
            ..mariadb_input(&space)
        },
    )
    .await
    .unwrap();
    assert!(tested.starts_with("Connected"), "{tested}");

    // Without the key that sealed it, a password cannot be opened, and the error says what to do.
    let mut forgot = crate::common::test_config(&t.url, t.data_dir());
    forgot.settings.sources.key = app::connections::service::secrets::Keyring::generate();
    let lost = server::build_state(&forgot, t.clock.clone()).await.unwrap();
    let error = connections::test_connection(
        &lost,
        &root,
        Some(&shop.id),
        ConnectionInput {
            password: None,
            ..mariadb_input(&space)
        },
    )
    .await
    .unwrap_err();
    assert!(
        error.to_string().contains("connection_keys_previous"),
        "{error}"
    );
}
