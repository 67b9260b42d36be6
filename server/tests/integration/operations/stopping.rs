//! Stopping behind a balancer: on SIGTERM `/readyz` answers 503 at once while the process goes on
//! serving for the drain period; a request under way when the period ends is finished; then the
//! process exits cleanly and takes no more connections.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{exited, free_port, spawn, terminate};
use crate::common::{run, Backend, TestDb};
use crate::security::over_http::wait_until_up;

const DRAIN: Duration = Duration::from_secs(2);

#[test]
fn on_sigterm_a_process_answers_503_while_it_serves_then_finishes_what_is_under_way_and_exits() {
    run(async {
        let t = TestDb::new(Backend::Sqlite).await;
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        let log = t.data_dir().join("server.log");
        let mut server = spawn(&t, port, &[("SIGHTLINE_SHUTDOWN_DRAIN_SECONDS", "2")], &log);
        wait_until_up(&base).await;
        let ready = reqwest::get(format!("{base}/readyz")).await.unwrap();
        assert_eq!(ready.status(), 200);

        // A page going away whose request is still arriving when the drain period ends: its
        // body comes in two parts, the second after the period.
        let mut slow = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .unwrap();
        slow.write_all(
            format!(
                "POST {} HTTP/1.1\r\nHost: sightline.test\r\nContent-Length: 10\r\nConnection: close\r\n\r\nnot a",
                app::anonymous::rules::END_SESSION_PATH
            )
            .as_bytes(),
        )
        .await
        .unwrap();

        let stopping = Instant::now();
        terminate(&server);
        let mut unready_after = None;
        for _ in 0..100 {
            let status = reqwest::get(format!("{base}/readyz"))
                .await
                .unwrap()
                .status();
            if status == 503 {
                unready_after = Some(stopping.elapsed());
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let unready_after = unready_after.expect("/readyz answers 503 once stopping");
        assert!(unready_after < Duration::from_secs(1), "{unready_after:?}");
        // Still serving: what a balancer sends before it notices is answered.
        let page = reqwest::get(format!("{base}/healthz")).await.unwrap();
        assert_eq!(page.status(), 200, "requests are served while draining");
        let signin = reqwest::get(format!("{base}/login")).await.unwrap();
        assert_eq!(signin.status(), 200, "pages too");

        tokio::time::sleep((DRAIN + Duration::from_millis(500)).saturating_sub(stopping.elapsed()))
            .await;
        slow.write_all(b" tok!").await.unwrap();
        let mut answer = String::new();
        slow.read_to_string(&mut answer).await.unwrap();
        assert!(
            answer.starts_with("HTTP/1.1 204"),
            "the request under way is answered: {answer:?}"
        );

        let status = exited(&mut server, 10)
            .await
            .expect("the process exits after the drain period");
        let stopped_after = stopping.elapsed();
        assert!(status.success(), "a clean exit: {status:?}");
        assert!(stopped_after >= DRAIN, "{stopped_after:?}");
        assert!(
            reqwest::get(format!("{base}/healthz")).await.is_err(),
            "no more connections once it has stopped"
        );
        println!(
            "figure sigterm_drain: unready after {:.0} ms, exited after {:.2} s with a {} s drain period",
            unready_after.as_secs_f64() * 1000.0,
            stopped_after.as_secs_f64(),
            DRAIN.as_secs()
        );
    });
}
