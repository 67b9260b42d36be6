//! An upgrade from an earlier release: `server/tests/fixtures/backup-0.2.0.tar.gz` is an archive
//! that Sightline 0.2.0, the first release with `backup`, made of a small tenant (apps with data,
//! a share with someone outside the space, an anonymous link, CAL licences given out, and a
//! collaborative session someone joined); `backup-0.2.0.json` says what it holds. Restored with
//! this binary (which migrates it to its schema), everything is there and works. A later release
//! keeps this test, with this archive, unchanged.
//!
//! The archive was made by `cargo test -p server --test integration -- --ignored
//! make_the_upgrade_fixture`, run by that release; it is never made again.

use std::sync::Arc;

use app::anonymous::service as anonymous;
use app::apps::service as apps;
use app::licences::model::{LicenceSettings, Scheme};
use app::sharing::model::{NewShare, ShareAssignee};
use app::spaces::rules::SpaceRole;
use app::state::{AppState, ManualClock};
use serde::{Deserialize, Serialize};

use super::{every_app_opens_with_its_rows, principal_in, visitor_kpi};
use crate::common::world::{world, ALL};
use crate::common::{run, test_config, Backend, TestDb, START};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/backup-0.2.0");

/// What the archive holds, written beside it when it was made.
#[derive(Debug, Serialize, Deserialize)]
struct Holds {
    sightline: String,
    schema: i64,
    users: i64,
    apps_with_data: i64,
    shares: i64,
    licence_assignments: i64,
    collab_sessions: i64,
    collab_participants: i64,
    /// The published app and its link's code: a visitor opens it.
    link_app: String,
    link_code: String,
    /// The app shared with Ali, who is not a member of its space.
    shared_app: String,
}

async fn count(state: &AppState, sql: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(&state.db)
        .await
        .unwrap()
}

#[test]
fn an_archive_of_sightline_0_2_0_restores_and_upgrades_with_everything_in_it() {
    run(async {
        let holds: Holds =
            serde_json::from_str(&std::fs::read_to_string(format!("{FIXTURE}.json")).unwrap())
                .unwrap();
        let target = TestDb::new(Backend::Sqlite).await;
        target.state.db.close().await;
        target.state.reader.close().await;
        let config = test_config(&target.url, target.data_dir());
        let restored = server::backup::restore(
            &config,
            std::path::Path::new(&format!("{FIXTURE}.tar.gz")),
            false,
        )
        .await
        .unwrap();
        assert_eq!(restored.manifest.sightline, holds.sightline);
        assert_eq!(restored.manifest.schema, holds.schema);
        let state = server::build_state(&config, Arc::new(ManualClock::new(START)))
            .await
            .unwrap();
        assert_eq!(
            count(
                &state,
                "SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations"
            )
            .await,
            server::db::latest_schema(),
            "migrated to this binary's schema"
        );
        for (what, sql, expected) in [
            ("users", "SELECT COUNT(*) FROM users", holds.users),
            (
                "apps with data",
                "SELECT COUNT(*) FROM apps WHERE data_version > 0",
                holds.apps_with_data,
            ),
            ("shares", "SELECT COUNT(*) FROM app_shares", holds.shares),
            (
                "licences given",
                "SELECT COUNT(*) FROM licence_assignments",
                holds.licence_assignments,
            ),
            (
                "collaborative sessions",
                "SELECT COUNT(*) FROM collab_sessions",
                holds.collab_sessions,
            ),
            (
                "their participants",
                "SELECT COUNT(*) FROM collab_participants",
                holds.collab_participants,
            ),
        ] {
            assert_eq!(count(&state, sql).await, expected, "{what}");
        }
        assert_eq!(
            every_app_opens_with_its_rows(&state).await as i64,
            holds.apps_with_data
        );
        let ali = principal_in(&state, "ali@acme.test").await;
        apps::get_app(&state, &ali, &holds.shared_app)
            .await
            .expect("the share with Ali still opens the app");
        assert_eq!(
            visitor_kpi(&state, &holds.link_app, &holds.link_code).await,
            Some(ALL),
            "the anonymous link still opens, with its data"
        );
        let root = principal_in(&state, "root@acme.test").await;
        let settings = app::licences::service::get_licence_settings(&state, &root)
            .await
            .unwrap();
        assert_eq!(settings.scheme, Some(Scheme::Cals), "the licence scheme");
    });
}

/// Makes the archive (see the module); run by hand, once, by the release it names.
#[test]
#[ignore]
fn make_the_upgrade_fixture() {
    run(async {
        let t = TestDb::new(Backend::Sqlite).await;
        let w = world(&t).await;
        let link = anonymous::set_anonymous_access(&t.state, &w.anna, &w.app.id, true)
            .await
            .unwrap()
            .links
            .remove(0);
        // The draft in Anna's space, shared with Ali, who is not a member there.
        let draft: String = sqlx::query_scalar(
            "SELECT id FROM apps WHERE name = 'Community stats' AND published_at IS NULL",
        )
        .fetch_one(&t.state.db)
        .await
        .unwrap();
        let space: String = sqlx::query_scalar("SELECT space_id FROM apps WHERE id = $1")
            .bind(&draft)
            .fetch_one(&t.state.db)
            .await
            .unwrap();
        app::sharing::service::create_share(
            &t.state,
            &w.anna,
            &space,
            NewShare {
                app_id: draft.clone(),
                assignee_type: ShareAssignee::User,
                assignee_id: w.ali.user_id.clone(),
                roles: vec![SpaceRole::Consumer],
            },
        )
        .await
        .unwrap();
        app::licences::service::set_licence_settings(
            &t.state,
            &w.admin,
            LicenceSettings {
                scheme: Some(Scheme::Cals),
                named_cals: 3,
                dynamic_named: true,
                session_cals: 1,
                usage_cals: 2,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        // Anna opens apps (a Named CAL is hers) and runs a session Ali joins.
        let (anna, _) = app::auth::service::sign_in(
            &t.state,
            &app::auth::principal::RequestInfo::default(),
            "anna@acme.test",
            crate::common::PASSWORD,
        )
        .await
        .unwrap();
        apps::get_app(&t.state, &anna, &draft).await.unwrap();
        let started = app::collab::service::start_session(
            &t.state,
            &anna,
            &draft,
            None,
            app::collab::model::Mode::SignedIn,
        )
        .await
        .unwrap();
        let token = started.invitation.rsplit('/').next().unwrap().to_string();
        app::collab::service::join_session(&t.state, Some(&w.ali), &token, "ali@acme.test")
            .await
            .unwrap();
        let state = &t.state;
        let holds = Holds {
            sightline: env!("CARGO_PKG_VERSION").into(),
            schema: server::db::latest_schema(),
            users: count(state, "SELECT COUNT(*) FROM users").await,
            apps_with_data: count(state, "SELECT COUNT(*) FROM apps WHERE data_version > 0").await,
            shares: count(state, "SELECT COUNT(*) FROM app_shares").await,
            licence_assignments: count(state, "SELECT COUNT(*) FROM licence_assignments").await,
            collab_sessions: count(state, "SELECT COUNT(*) FROM collab_sessions").await,
            collab_participants: count(state, "SELECT COUNT(*) FROM collab_participants").await,
            link_app: w.app.id.clone(),
            link_code: link.code.clone().unwrap(),
            shared_app: draft,
        };
        assert!(
            holds.licence_assignments > 0 && holds.collab_participants > 0,
            "{holds:?}"
        );
        std::fs::create_dir_all(std::path::Path::new(FIXTURE).parent().unwrap()).unwrap();
        server::backup::backup(
            &test_config(&t.url, t.data_dir()),
            std::path::Path::new(&format!("{FIXTURE}.tar.gz")),
        )
        .await
        .unwrap();
        std::fs::write(
            format!("{FIXTURE}.json"),
            serde_json::to_string_pretty(&holds).unwrap() + "\n",
        )
        .unwrap();
    });
}
