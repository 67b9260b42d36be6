//! New data under a live session, as the data-that-stays-current issue asks: Alice and Bob
//! explore the North together; Alice appends a month of orders; both are moved to the new data
//! at once, told so, with the North still selected.

use super::*;
use app::content::model::{ChartData, SheetView};
use app::reloads::model::{DataChange, ReloadKind, ReloadStatus};
use app::reloads::service as reloads;

use crate::common::world::NORTH;

const APRIL: &str =
    "OrderId,CustomerId,Product,Amount,Month\n6,10,Bike,1000,2026-04\n7,20,Lamp,8,2026-04\n";

/// The total of the first chart that adds up `Amount`, as the sheet shows it.
fn amount_total(sheet: &SheetView) -> Option<f64> {
    sheet.charts.iter().find_map(|c| match &c.data {
        ChartData::Cube {
            measures, totals, ..
        } if measures.iter().any(|m| m.contains("Amount")) => totals[0],
        _ => None,
    })
}

async fn a_reload_moves_everyone_in_a_session_to_the_new_data_at_once(t: TestDb) {
    let live = live::start(t).await;
    let t = &live.t;
    let root = t.principal("root@acme.test").await;
    t.active_user(&root, "Alice").await;
    allow_outsiders(t, &root, "alice@acme.test").await;
    let (alice, alice_secret) = signed_in(t, "alice@acme.test").await;
    let (_, app_id) = sales(t, &alice).await;
    let started = collab::start_session(&t.state, &alice, &app_id, None, Mode::Open)
        .await
        .unwrap();
    let session = started.session_id.clone();
    let mut a = connect(
        &live,
        &session,
        &format!("sightline_session={alice_secret}"),
    )
    .await;
    view_where(&mut a, |v| v.is_initiator).await;
    let (_, bob_secret) = collab::join_session(
        &t.state,
        None,
        &token_of(&started.invitation),
        "bob@example.com",
    )
    .await
    .unwrap();
    let mut b = connect(
        &live,
        &session,
        &format!("sightline_collab={session}.{bob_secret}"),
    )
    .await;
    view_where(&mut b, |v| !v.is_initiator).await;
    send(
        &mut b,
        r#"{"select":{"SelectValues":{"field":"Region","values":["North"]}}}"#,
    )
    .await;
    let north = view_where(&mut a, |v| !v.chips.is_empty()).await;
    view_where(&mut b, |v| !v.chips.is_empty()).await;
    assert_eq!(amount_total(&north.sheet), Some(NORTH));
    let version = north.sheet.data_version;

    // Alice appends April's orders; nobody in the session clicks anything.
    let april = content::stage_file(&t.state, &alice, "orders-2026-04.csv", APRIL.as_bytes())
        .await
        .unwrap()
        .id;
    let queued = reloads::create_reload(
        &t.state,
        &alice,
        &app_id,
        vec![DataChange::Append {
            table: "orders".into(),
            file_id: april,
        }],
        ReloadKind::Hub,
    )
    .await
    .unwrap();

    // Both are moved to it, each told, the North still selected: its new total has April's bike.
    for socket in [&mut a, &mut b] {
        let moved = view_where(socket, |v| v.sheet.data_version > version).await;
        assert_eq!(
            moved.events.last().map(|e| e.text.as_str()),
            Some(app::collab::rules::NEW_DATA_NOTE)
        );
        assert_eq!(moved.chips.len(), 1);
        assert_eq!(moved.chips[0].values, vec!["North".to_string()]);
        assert_eq!(amount_total(&moved.sheet), Some(NORTH + 1000.0));
    }
    let done = crate::reloads::ended(t, &alice, &queued.id).await;
    assert_eq!(done.status, ReloadStatus::Succeeded, "{}", done.error);
    assert!(
        done.log
            .contains("1 collaborative session moved to the new data"),
        "{}",
        done.log
    );
}

on_both_databases!(a_reload_moves_everyone_in_a_session_to_the_new_data_at_once);
