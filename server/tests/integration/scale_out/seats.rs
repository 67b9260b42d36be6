//! Anonymous seats admitted on several processes at once (PostgreSQL): visitors arriving
//! together take exactly the tenant's capacity and no more, one address exactly its seats, a
//! lowered capacity is never exceeded, and no visit waits on a lock every visit shares.

use app::anonymous::service as anonymous;
use app::error::AppError;
use app::state::AppState;
use futures_util::future::join_all;

use super::{another_process, public_code, visit};
use crate::common::world::{world, World};
use crate::common::{Backend, TestDb};

/// The world's app with its public link on three processes of one PostgreSQL database, at a
/// capacity (if given): the database, the world, the link's code and the processes.
async fn three_processes(
    t: TestDb,
    capacity: Option<i64>,
) -> (TestDb, World, String, [AppState; 3]) {
    let w = world(&t).await;
    let code = public_code(&t, &w).await;
    if let Some(capacity) = capacity {
        anonymous::set_anonymous_capacity(&t.state, &w.admin, capacity)
            .await
            .unwrap();
    }
    let processes = [
        t.state.clone(),
        another_process(&t).await,
        another_process(&t).await,
    ];
    (t, w, code, processes)
}

/// `n` visitors at once, spread over the processes, each from the address `address(i)`: how many
/// were admitted, and the refusals' messages.
async fn crowd(
    processes: &[AppState; 3],
    app_id: &str,
    code: &str,
    n: usize,
    address: impl Fn(usize) -> String,
) -> (Vec<app::anonymous::model::AnonymousSession>, Vec<String>) {
    let visits = (0..n).map(|i| {
        tokio::spawn(visit(
            processes[i % 3].clone(),
            app_id.to_string(),
            code.to_string(),
            address(i),
        ))
    });
    let mut admitted = Vec::new();
    let mut refused = Vec::new();
    for outcome in join_all(visits).await {
        match outcome.unwrap() {
            Ok(session) => admitted.push(session),
            Err(
                AppError::Unavailable { message, .. } | AppError::TooManyRequests { message, .. },
            ) => refused.push(message),
            Err(other) => panic!("a visit failed otherwise: {other:?}"),
        }
    }
    (admitted, refused)
}

#[test]
fn visitors_arriving_at_once_on_three_processes_take_exactly_the_capacity() {
    crate::common::run(async {
        let (t, w, code, processes) =
            three_processes(TestDb::new(Backend::Postgres).await, Some(10)).await;
        let (admitted, refused) = crowd(&processes, &w.app.id, &code, 40, |i| {
            format!("203.0.113.{i}")
        })
        .await;
        assert_eq!(admitted.len(), 10, "exactly the capacity: {refused:?}");
        assert_eq!(refused.len(), 30);
        assert!(refused
            .iter()
            .all(|m| m.contains("every anonymous seat is taken")));
        let live = anonymous::live_sessions(&t.state, &w.app.tenant_id);
        assert_eq!(live.await.unwrap(), 10);

        // Three leave; twelve more arrive at once: three are admitted.
        for session in &admitted[..3] {
            anonymous::end_session(&processes[1], &session.token).await;
        }
        let (again, _) = crowd(&processes, &w.app.id, &code, 12, |i| {
            format!("198.51.100.{i}")
        })
        .await;
        assert_eq!(again.len(), 3, "the seats given back, and no more");
        let live = anonymous::live_sessions(&processes[2], &w.app.tenant_id);
        assert_eq!(live.await.unwrap(), 10);

        // A session's time runs out: its place is free without anyone giving it back.
        t.clock
            .advance_ms(t.state.settings.anonymous.session_ms + 1);
        // Database housekeeping forgets the seats' rows (refused visits wrote none).
        let forgotten = anonymous::forget_ended_seats(&t.state).await.unwrap();
        assert_eq!(forgotten, 13);
        let (later, refused) =
            crowd(&processes, &w.app.id, &code, 12, |i| format!("192.0.2.{i}")).await;
        assert_eq!(later.len(), 10, "every place is free again: {refused:?}");
    });
}

#[test]
fn one_address_arriving_at_once_holds_exactly_its_seats() {
    crate::common::run(async {
        let t = TestDb::with_settings(Backend::Postgres, |s| {
            s.anonymous.sessions_per_address = 3;
            s.anonymous.starts_per_minute = 100;
        })
        .await;
        let (_t, w, code, processes) = three_processes(t, None).await;
        let (admitted, refused) =
            crowd(&processes, &w.app.id, &code, 12, |_| "203.0.113.50".into()).await;
        assert_eq!(admitted.len(), 3, "the address's seats: {refused:?}");
        assert!(
            refused.iter().all(|m| m.contains("sessions open")),
            "{refused:?}"
        );
        // Meanwhile other addresses are not held up by this one.
        let (others, _) = crowd(&processes, &w.app.id, &code, 6, |i| {
            format!("203.0.113.{i}")
        })
        .await;
        assert_eq!(others.len(), 6);
    });
}

#[test]
fn a_lowered_capacity_is_never_exceeded() {
    crate::common::run(async {
        let (t, w, code, processes) =
            three_processes(TestDb::new(Backend::Postgres).await, Some(10)).await;
        let (held, refused) = crowd(&processes, &w.app.id, &code, 8, |i| {
            format!("203.0.113.{i}")
        })
        .await;
        assert_eq!(held.len(), 8, "{refused:?}");
        anonymous::set_anonymous_capacity(&t.state, &w.admin, 5)
            .await
            .unwrap();
        let (none, _) = crowd(&processes, &w.app.id, &code, 6, |i| {
            format!("198.51.100.{i}")
        })
        .await;
        assert!(none.is_empty(), "8 live of 5 allowed: nobody more");
        for session in &held {
            anonymous::end_session(&processes[0], &session.token).await;
        }
        let (five, _) = crowd(&processes, &w.app.id, &code, 9, |i| format!("192.0.2.{i}")).await;
        assert_eq!(five.len(), 5, "the new capacity, exactly");
    });
}

#[test]
fn a_steady_stream_of_visitors_takes_places_round_a_ring_and_makes_no_more_than_it_holds() {
    crate::common::run(async {
        let (t, w, code, processes) =
            three_processes(TestDb::new(Backend::Postgres).await, None).await;
        // The first visitor makes the first places (visitors arriving together at the very
        // first may each make a batch: never past the capacity); then thirty waves of ten, each
        // leaving before the next arrives: never more than ten seats at once, 301 in all.
        let first = visit(
            processes[0].clone(),
            w.app.id.clone(),
            code.clone(),
            "192.0.2.1".into(),
        );
        anonymous::end_session(&processes[0], &first.await.unwrap().token).await;
        for wave in 0..30 {
            let (admitted, refused) = crowd(&processes, &w.app.id, &code, 10, |i| {
                format!("203.0.{wave}.{i}")
            })
            .await;
            assert_eq!(admitted.len(), 10, "wave {wave}: {refused:?}");
            for (i, session) in admitted.iter().enumerate() {
                anonymous::end_session(&processes[i % 3], &session.token).await;
            }
        }
        let live = anonymous::live_sessions(&t.state, &w.app.tenant_id);
        assert_eq!(live.await.unwrap(), 0);
        let places = t.count("SELECT COUNT(*) FROM anonymous_seat_places").await;
        assert_eq!(places, 64, "one batch of places, taken again and again");
        let given_back = t
            .count("SELECT COUNT(*) FROM anonymous_seats WHERE place IS NOT NULL")
            .await;
        assert_eq!(given_back, 301, "every seat knew its place");
    });
}
