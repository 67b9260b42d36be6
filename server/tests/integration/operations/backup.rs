//! Backups as an operator takes them: while people upload, share and reload, `sightline backup`
//! writes one archive; restored into another, empty installation, every app opens with its data,
//! every share and every anonymous link works, and the installation it came from is untouched.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use app::apps::model::NewApp;
use app::apps::service as apps;
use app::auth::principal::Principal;
use app::content::service as content;
use app::reloads::model::{DataChange, ReloadKind, ReloadStatus};
use app::reloads::service as reloads;
use app::sharing::model::{NewShare, ShareAssignee};
use app::sharing::service as sharing;
use app::spaces::model::NewSpace;
use app::spaces::rules::{SpaceRole, SpaceType};
use app::spaces::service as spaces;
use app::state::{AppState, ManualClock};

use super::{every_app_opens_with_its_rows, principal_in, visitor_kpi};
use crate::common::world::{world, ALL};
use crate::common::{test_config, Backend, TestDb, START};

on_both_databases!(
    a_backup_taken_while_people_work_restores_elsewhere_with_every_app_share_and_link,
    a_restore_refuses_an_installation_in_use_and_a_file_that_is_no_backup,
);

fn rows_csv(name: &str, rows: usize) -> String {
    let mut csv = format!("{name},Amount\n");
    for i in 0..rows {
        csv.push_str(&format!("{name}-{i},{}\n", i + 1));
    }
    csv
}

/// An empty installation of the same kind: a fresh database, migrated, with nothing in it, whose
/// own connections are closed (a restore runs with the server stopped).
async fn empty_installation(backend: Backend) -> TestDb {
    let target = TestDb::new(backend).await;
    target.state.db.close().await;
    target.state.reader.close().await;
    target
}

async fn a_backup_taken_while_people_work_restores_elsewhere_with_every_app_share_and_link(
    t: TestDb,
) {
    let w = world(&t).await;
    let link = app::anonymous::service::set_anonymous_access(&t.state, &w.anna, &w.app.id, true)
        .await
        .unwrap()
        .links
        .remove(0);
    let code = link.code.clone().expect("the manager sees the code");
    let work = spaces::create_space(
        &t.state,
        &w.anna,
        NewSpace {
            space_type: SpaceType::Shared,
            name: "Counting".into(),
            description: String::new(),
        },
    )
    .await
    .unwrap();
    let first = content::stage_file(
        &t.state,
        &w.anna,
        "counts.csv",
        rows_csv("counts", 1).as_bytes(),
    )
    .await
    .unwrap();
    let counts = content::create_app_from_uploads(
        &t.state,
        &w.anna,
        NewApp {
            name: "Counts".into(),
            space_id: work.id.clone(),
            ..Default::default()
        },
        vec![first.id],
    )
    .await
    .unwrap();

    // People at work: each round reloads "Counts" with a new file (its old file and the snapshot
    // two loads back are removed), makes an app from an upload and shares it with Ali.
    let stop = Arc::new(AtomicBool::new(false));
    let made = Arc::new(Mutex::new(Vec::<String>::new()));
    let worker = {
        let (state, anna, ali) = (t.state.clone(), w.anna.clone(), w.ali.clone());
        let (stop, made, work, counts) = (
            stop.clone(),
            made.clone(),
            work.id.clone(),
            counts.id.clone(),
        );
        tokio::spawn(async move {
            let mut round = 0;
            while !stop.load(Ordering::SeqCst) {
                round += 1;
                let file = content::stage_file(
                    &state,
                    &anna,
                    "counts.csv",
                    rows_csv("counts", round + 1).as_bytes(),
                )
                .await
                .unwrap();
                let reload = reloads::create_reload(
                    &state,
                    &anna,
                    &counts,
                    vec![DataChange::Replace {
                        table: "counts".into(),
                        file_id: file.id,
                    }],
                    ReloadKind::External,
                )
                .await
                .unwrap();
                let upload = content::stage_file(
                    &state,
                    &anna,
                    &format!("made{round}.csv"),
                    rows_csv("made", round).as_bytes(),
                )
                .await
                .unwrap();
                let app = content::create_app_from_uploads(
                    &state,
                    &anna,
                    NewApp {
                        name: format!("Made {round}"),
                        space_id: work.clone(),
                        ..Default::default()
                    },
                    vec![upload.id],
                )
                .await
                .unwrap();
                sharing::create_share(
                    &state,
                    &anna,
                    &work,
                    NewShare {
                        app_id: app.id.clone(),
                        assignee_type: ShareAssignee::User,
                        assignee_id: ali.user_id.clone(),
                        roles: vec![SpaceRole::Consumer],
                    },
                )
                .await
                .unwrap();
                for _ in 0..400 {
                    let r = reloads::get_reload(&state, &anna, &reload.id)
                        .await
                        .unwrap();
                    if !r.status.is_active() {
                        assert_eq!(r.status, ReloadStatus::Succeeded, "{}", r.error);
                        break;
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                }
                made.lock().unwrap().push(app.id);
            }
            round
        })
    };
    while made.lock().unwrap().len() < 2 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let made_before: Vec<String> = made.lock().unwrap().clone();
    let archive = t.data_dir().with_extension("backup.tar.gz");
    let config = test_config(&t.url, t.data_dir());
    let report = server::backup::backup(&config, &archive).await.unwrap();
    stop.store(true, Ordering::SeqCst);
    let rounds = worker.await.unwrap();
    assert!(
        report.lost.is_empty(),
        "nothing was missing: {:?}",
        report.lost
    );
    assert!(
        report.files >= 4,
        "the apps' files and snapshots: {}",
        report.files
    );
    println!(
        "figure backup_under_writes {:?}: {} files, {} bytes read, {} bytes written, {:.2} s, during {rounds} rounds of work",
        t.backend(),
        report.files,
        report.bytes,
        report.archive_bytes,
        report.seconds
    );

    // The installation it came from still works and holds what was made after the backup.
    let last = made.lock().unwrap().last().cloned().unwrap();
    assert!(apps::get_app(&t.state, &w.ali, &last).await.is_ok());

    let target = empty_installation(t.backend()).await;
    let target_config = test_config(&target.url, target.data_dir());
    let restored = server::backup::restore(&target_config, &archive, false)
        .await
        .unwrap();
    assert_eq!(restored.manifest.database, config_kind(t.backend()));
    let state = server::build_state(&target_config, Arc::new(ManualClock::new(START)))
        .await
        .unwrap();

    // Every app opens with the rows its record says it has.
    let opened = every_app_opens_with_its_rows(&state).await;
    assert!(
        opened >= 4,
        "the world's apps, Counts and what was made: {opened}"
    );
    // Each app made and shared before the backup began is there, and Ali still opens it.
    let ali = principal_in(&state, "ali@acme.test").await;
    for id in &made_before {
        apps::get_app(&state, &ali, id)
            .await
            .unwrap_or_else(|e| panic!("{id} is shared with Ali after the restore: {e}"));
    }
    // The anonymous link still opens, with its data.
    assert_eq!(
        visitor_kpi(&state, &w.app.id, &code).await,
        Some(ALL),
        "the link opens, and the visitor sees every row, as before the backup"
    );
    // A reload that ran while the backup was taken did not run here: the server fails it at
    // once (its reload watch), and a reload on the restored installation works from the
    // restored files.
    app::reloads::service::fail_abandoned_reloads(&state)
        .await
        .unwrap();
    let anna = principal_in(&state, "anna@acme.test").await;
    let again = reloads::create_reload(&state, &anna, &counts.id, vec![], ReloadKind::External)
        .await
        .unwrap();
    let again = ended_on(&state, &anna, &again.id).await;
    assert_eq!(again.status, ReloadStatus::Succeeded, "{}", again.error);
    let _ = std::fs::remove_file(&archive);
}

async fn ended_on(state: &AppState, who: &Principal, id: &str) -> app::reloads::model::Reload {
    for _ in 0..400 {
        let reload = reloads::get_reload(state, who, id).await.unwrap();
        if !reload.status.is_active() {
            return reload;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("the reload did not end");
}

fn config_kind(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    }
}

async fn a_restore_refuses_an_installation_in_use_and_a_file_that_is_no_backup(t: TestDb) {
    world(&t).await;
    let archive = t.data_dir().with_extension("backup.tar.gz");
    let config = test_config(&t.url, t.data_dir());
    server::backup::backup(&config, &archive).await.unwrap();

    // Over an installation with a tenant and apps: refused, and nothing changes.
    let apps_before = t.count("SELECT COUNT(*) FROM apps").await;
    let refused = server::backup::restore(&config, &archive, false)
        .await
        .unwrap_err();
    assert!(
        refused.contains("not empty") && refused.contains("--force"),
        "{refused}"
    );
    assert_eq!(t.count("SELECT COUNT(*) FROM apps").await, apps_before);

    // A file that is not a backup says so, and what to give instead.
    let target = empty_installation(t.backend()).await;
    let target_config = test_config(&target.url, target.data_dir());
    let junk = target.data_dir().with_extension("junk.tar.gz");
    std::fs::write(&junk, b"name,amount\nx,1\n").unwrap();
    let refused = server::backup::restore(&target_config, &junk, false)
        .await
        .unwrap_err();
    assert!(refused.contains("is not a Sightline backup"), "{refused}");
    let _ = std::fs::remove_file(&junk);

    // An archive of the other kind of database is refused with what it holds.
    let other = match t.backend() {
        Backend::Sqlite => Backend::Postgres,
        Backend::Postgres => Backend::Sqlite,
    };
    let elsewhere = empty_installation(other).await;
    let refused = server::backup::restore(
        &test_config(&elsewhere.url, elsewhere.data_dir()),
        &archive,
        false,
    )
    .await
    .unwrap_err();
    assert!(
        refused.contains(&format!("holds a {} database", config_kind(t.backend()))),
        "{refused}"
    );
    let _ = std::fs::remove_file(&archive);
}
