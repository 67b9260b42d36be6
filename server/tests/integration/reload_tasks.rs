//! Reload schedules, as the data-that-stays-current issue tells them: an editor sets a daily
//! reload in their time zone; when its time comes one process (of two) takes the run and the app
//! reloads as the schedule's owner; a schedule whose reloads fail five times in a row turns
//! itself off and its owner is told, in the portal and by email through a real SMTP server; a
//! schedule whose owner is disabled turns off and says so; viewers cannot make schedules.

use app::error::AppError;
use app::notices::model::NoticeKind;
use app::notices::service as notices;
use app::reload_tasks::model::{DisabledCode, TaskInput, TaskState};
use app::reload_tasks::service as tasks;
use app::reloads::model::{ReloadKind, ReloadStatus};
use app::reloads::service::{self as reloads, ReloadQuery};

use crate::common::TestDb;
use crate::reloads::{ended, sales_app};

on_both_databases!(
    a_daily_schedule_runs_once_across_two_processes_as_its_owner,
    five_failures_in_a_row_turn_a_schedule_off_and_tell_its_owner,
    a_schedule_whose_owner_is_disabled_turns_off_and_only_editors_make_schedules,
);

fn daily(at: &str, zone: &str) -> TaskInput {
    let (h, m) = at.split_once(':').unwrap();
    TaskInput {
        recurrence: vec![format!(
            "RRULE:FREQ=DAILY;BYHOUR={h};BYMINUTE={m};BYSECOND=0"
        )],
        time_zone: zone.into(),
        start: String::new(),
        end: String::new(),
        enabled: true,
    }
}

/// The newest reload of an app, once it has ended.
async fn last_reload(
    t: &TestDb,
    who: &app::auth::principal::Principal,
    app_id: &str,
) -> app::reloads::model::Reload {
    let page = reloads::list_reloads(
        &t.state,
        who,
        ReloadQuery {
            app_id: Some(app_id.into()),
            limit: 1,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    ended(t, who, &page.reloads[0].id).await
}

async fn a_daily_schedule_runs_once_across_two_processes_as_its_owner(t: TestDb) {
    let (root, ali, app_id) = sales_app(&t).await;
    // The clock starts at 2026-11-23 09:00 UTC, 10:00 in Paris.
    let task = tasks::create_reload_task(&t.state, &root, &app_id, daily("06:00", "Europe/Paris"))
        .await
        .unwrap();
    assert_eq!(task.state, TaskState::Enabled);
    assert_eq!(task.words, "Every day at 06:00 (Europe/Paris)");
    assert_eq!(task.start, "2026-11-23T10:00:00", "from now, in Paris");
    let next = task.next_run_at.expect("a next run");
    assert_eq!(
        app::timefmt::short(next),
        "2026-11-24 05:00 UTC",
        "06:00 in Paris is 05:00 UTC in winter"
    );
    assert_eq!(task.then.len(), 3);
    // Ali, who may only look, sees the schedule but cannot change it.
    let seen = tasks::list_reload_tasks(&t.state, &ali, Some(&app_id), 10, None)
        .await
        .unwrap();
    assert_eq!((seen.tasks.len(), seen.can_edit), (1, false));

    // Nothing is due yet.
    assert_eq!(tasks::run_due_tasks(&t.state).await.unwrap(), 0);
    // 05:00 UTC comes; two processes look at once, and one of them takes the run.
    t.clock.advance_ms(next - t.state.now() + 1_000);
    let (a, b) = tokio::join!(
        tasks::run_due_tasks(&t.state),
        tasks::run_due_tasks(&t.state)
    );
    assert_eq!(a.unwrap() + b.unwrap(), 1, "the run happens once");
    let reload = last_reload(&t, &root, &app_id).await;
    assert_eq!(
        (reload.kind, reload.status),
        (ReloadKind::Chronos, ReloadStatus::Succeeded),
        "{}",
        reload.error
    );
    assert_eq!(reload.user_id, root.user_id, "as the schedule's owner");
    let after = tasks::get_reload_task(&t.state, &root, &task.id)
        .await
        .unwrap();
    assert_eq!(after.last_run_at, Some(t.state.now()));
    assert_eq!(
        app::timefmt::short(after.next_run_at.unwrap()),
        "2026-11-25 05:00 UTC"
    );
    assert_eq!(
        tasks::run_due_tasks(&t.state).await.unwrap(),
        0,
        "taken runs do not come back"
    );

    // Turned off, it does not run; turned on, it runs at its next time.
    let off = TaskInput {
        enabled: false,
        ..daily("06:00", "Europe/Paris")
    };
    let task_off = tasks::update_reload_task(&t.state, &root, &task.id, off)
        .await
        .unwrap();
    assert_eq!(
        (task_off.state, task_off.disabled_code),
        (TaskState::Disabled, Some(DisabledCode::Manually))
    );
    t.minutes(3 * 24 * 60);
    assert_eq!(tasks::run_due_tasks(&t.state).await.unwrap(), 0);
    let audit: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_events WHERE action LIKE 'reload_task.%' ORDER BY at, id",
    )
    .fetch_all(&t.state.db)
    .await
    .unwrap();
    assert_eq!(audit, ["reload_task.create", "reload_task.update"]);
    tasks::delete_reload_task(&t.state, &root, &task.id)
        .await
        .unwrap();
    assert!(tasks::get_reload_task(&t.state, &root, &task.id)
        .await
        .is_err());
}

/// A real SMTP server (aiosmtpd, from PyPI) that keeps what it receives in a Maildir.
pub(crate) struct SmtpServer {
    child: std::process::Child,
    dir: std::path::PathBuf,
    pub(crate) address: String,
}

impl SmtpServer {
    pub(crate) fn start() -> SmtpServer {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = std::env::temp_dir().join(format!("sightline-mail-{port}"));
        let _ = std::fs::remove_dir_all(&dir);
        let address = format!("127.0.0.1:{port}");
        let mut child = std::process::Command::new("python3")
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &address,
                "-c",
                "aiosmtpd.handlers.Mailbox",
            ])
            .arg(&dir)
            .spawn()
            .expect("python3 -m aiosmtpd (scripts/setup.sh installs it)");
        for _ in 0..200 {
            if std::net::TcpStream::connect(&address).is_ok() {
                return SmtpServer {
                    child,
                    dir,
                    address,
                };
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("aiosmtpd did not start on {address}");
    }

    /// The messages received so far, waiting up to 10 seconds for at least `n`.
    pub(crate) async fn messages(&self, n: usize) -> Vec<String> {
        for _ in 0..200 {
            let mut found = Vec::new();
            if let Ok(entries) = std::fs::read_dir(self.dir.join("new")) {
                for entry in entries.flatten() {
                    found.push(std::fs::read_to_string(entry.path()).unwrap_or_default());
                }
            }
            if found.len() >= n {
                return found;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("the SMTP server did not receive {n} messages");
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn five_failures_in_a_row_turn_a_schedule_off_and_tell_its_owner(t: TestDb) {
    let smtp = SmtpServer::start();
    let backend = t.backend();
    drop(t);
    let t = TestDb::with_settings(backend, |s| {
        s.mail.smtp_server = smtp.address.clone();
        s.mail.from = "sightline@acme.test".into();
    })
    .await;
    let (root, ali, app_id) = sales_app(&t).await;
    let hourly = TaskInput {
        recurrence: vec!["RRULE:FREQ=HOURLY;BYMINUTE=30".into()],
        time_zone: "UTC".into(),
        ..daily("00:00", "UTC")
    };
    let task = tasks::create_reload_task(&t.state, &root, &app_id, hourly)
        .await
        .unwrap();
    // The app's files are gone from the disk: every reload fails, and the old data serves on.
    let files: Vec<String> = sqlx::query_scalar("SELECT id FROM data_files WHERE app_id = $1")
        .bind(&app_id)
        .fetch_all(&t.state.db)
        .await
        .unwrap();
    for file in &files {
        std::fs::remove_file(t.state.content.storage.app_file(&app_id, file)).unwrap();
    }
    for run in 1..=5 {
        t.minutes(60);
        assert_eq!(
            tasks::run_due_tasks(&t.state).await.unwrap(),
            1,
            "run {run}"
        );
        let reload = last_reload(&t, &root, &app_id).await;
        assert_eq!(reload.status, ReloadStatus::Failed, "run {run}");
        let now = tasks::get_reload_task(&t.state, &root, &task.id)
            .await
            .unwrap();
        assert_eq!(now.failures, run, "failures in a row after run {run}");
        let expected = if run < 5 {
            TaskState::Enabled
        } else {
            TaskState::Disabled
        };
        assert_eq!(now.state, expected, "after run {run}");
    }
    let off = tasks::get_reload_task(&t.state, &root, &task.id)
        .await
        .unwrap();
    assert_eq!(off.disabled_code, Some(DisabledCode::ConsecutiveFailures));
    assert!(
        off.note
            .starts_with("Turned off after 5 failed runs in a row."),
        "{}",
        off.note
    );
    assert_eq!(off.next_run_at, None);
    t.minutes(60);
    assert_eq!(
        tasks::run_due_tasks(&t.state).await.unwrap(),
        0,
        "off: no more runs"
    );
    // The old data still serves.
    app::content::service::open_sheet(&t.state, &ali, &app_id, None, None)
        .await
        .unwrap();

    // The owner is told in the portal: five failures and the schedule turned off.
    let told = notices::list_notices(&t.state, &root).await.unwrap();
    let kinds: Vec<NoticeKind> = told.notices.iter().map(|n| n.kind).collect();
    assert_eq!(
        kinds
            .iter()
            .filter(|k| **k == NoticeKind::ReloadFailed)
            .count(),
        5
    );
    assert_eq!(told.unread, 6);
    let off_notice = told
        .notices
        .iter()
        .find(|n| n.kind == NoticeKind::ScheduleOff)
        .expect("told the schedule is off");
    assert_eq!(off_notice.title, "Reload schedule turned off: Sales");
    assert!(
        off_notice
            .body
            .contains("failed 5 times in a row and turned itself off"),
        "{}",
        off_notice.body
    );
    let failed = told
        .notices
        .iter()
        .find(|n| n.kind == NoticeKind::ReloadFailed)
        .unwrap();
    assert!(
        failed.body.contains("scheduled reload of Sales"),
        "{}",
        failed.body
    );
    assert_eq!(failed.app_id, app_id);
    notices::mark_notices_read(&t.state, &root).await.unwrap();
    assert_eq!(
        notices::list_notices(&t.state, &root).await.unwrap().unread,
        0
    );
    // Ali, who neither owns the app nor made the schedule, is told nothing.
    assert!(notices::list_notices(&t.state, &ali)
        .await
        .unwrap()
        .notices
        .is_empty());

    // ... and by email, through the SMTP server.
    let mail = smtp.messages(6).await;
    let off_mail = mail
        .iter()
        .find(|m| m.contains("Subject: Reload schedule turned off: Sales"))
        .unwrap_or_else(|| panic!("no email says the schedule turned off: {mail:#?}"));
    assert!(off_mail.contains("To: <root@acme.test>"), "{off_mail}");
    assert!(
        off_mail.contains("From: Sightline <sightline@acme.test>"),
        "{off_mail}"
    );
    assert!(
        off_mail.contains(&format!("/apps/{app_id}")),
        "a link to the app: {off_mail}"
    );

    // Turned on again after the cause is mended: the count starts again.
    let again = tasks::update_reload_task(
        &t.state,
        &root,
        &task.id,
        TaskInput {
            recurrence: vec!["RRULE:FREQ=HOURLY;BYMINUTE=30".into()],
            time_zone: "UTC".into(),
            start: off.start.clone(),
            end: String::new(),
            enabled: true,
        },
    )
    .await
    .unwrap();
    assert_eq!(
        (again.state, again.failures, again.disabled_code),
        (TaskState::Enabled, 0, None)
    );
}

async fn a_schedule_whose_owner_is_disabled_turns_off_and_only_editors_make_schedules(t: TestDb) {
    let (root, ali, app_id) = sales_app(&t).await;
    // Ali only looks at the app: no schedules of hers.
    let refused = tasks::create_reload_task(&t.state, &ali, &app_id, daily("06:00", "UTC"))
        .await
        .unwrap_err();
    assert!(matches!(refused, AppError::Forbidden(_)), "{refused}");
    // Rules and zones that cannot be kept say why.
    for (input, words) in [
        (
            TaskInput {
                recurrence: vec!["RRULE:FREQ=MINUTELY".into()],
                ..daily("06:00", "UTC")
            },
            "at most every hour",
        ),
        (daily("06:00", "Mars/Olympus"), "not a time zone"),
        (
            TaskInput {
                end: "2026-01-01T00:00:00".into(),
                start: "2025-01-01T00:00:00".into(),
                ..daily("06:00", "UTC")
            },
            "no run after now",
        ),
    ] {
        let error = tasks::create_reload_task(&t.state, &root, &app_id, input)
            .await
            .unwrap_err();
        assert!(error.to_string().contains(words), "{error}");
    }
    // Bo, an editor, makes a schedule; then Bo is disabled.
    let bo = t.active_user(&root, "Bo").await;
    let space_id: String = sqlx::query_scalar("SELECT space_id FROM apps WHERE id = $1")
        .bind(&app_id)
        .fetch_one(&t.state.db)
        .await
        .unwrap();
    app::spaces::service::create_assignment(
        &t.state,
        &root,
        &space_id,
        app::spaces::model::NewAssignment {
            assignee_type: app::spaces::model::AssigneeType::User,
            assignee_id: bo.user_id.clone(),
            roles: vec![app::spaces::rules::SpaceRole::Producer],
        },
    )
    .await
    .unwrap();
    let task = tasks::create_reload_task(&t.state, &bo, &app_id, daily("06:00", "UTC"))
        .await
        .unwrap();
    app::directory::service::update_user(
        &t.state,
        &root,
        &bo.user_id,
        app::directory::model::UserChanges {
            status: Some(app::directory::rules::UserStatus::Disabled),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    t.minutes(24 * 60);
    assert_eq!(tasks::run_due_tasks(&t.state).await.unwrap(), 1);
    let off = tasks::get_reload_task(&t.state, &root, &task.id)
        .await
        .unwrap();
    assert_eq!(
        (off.state, off.disabled_code),
        (TaskState::Disabled, Some(DisabledCode::OwnerDisabled))
    );
    assert!(off.note.contains("Bo"), "{}", off.note);
    // The app's owner is told.
    let told = notices::list_notices(&t.state, &root).await.unwrap();
    assert_eq!(told.notices[0].kind, NoticeKind::ScheduleOff);
}
