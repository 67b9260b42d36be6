//! The runtime's seats and start counts, table-tested.

use super::*;

#[test]
fn start_counts_keep_one_minute_and_retire_the_last_whole() {
    let mut starts = StartCounts::default();
    let minute = 60_000 * 100;
    for address in ["a", "b", "c"] {
        starts.allow(address, minute + 1_000, 2).unwrap();
    }
    starts.allow("a", minute + 2_000, 2).unwrap();
    assert!(
        starts.allow("a", minute + 3_000, 2).is_err(),
        "two a minute"
    );
    assert_eq!(starts.addresses(), 3);
    assert!(starts.take_retired().is_empty());
    // The next minute: a new count, and the last minute's map handed over whole.
    starts.allow("a", minute + 61_000, 2).unwrap();
    assert_eq!(starts.addresses(), 1);
    let retired = starts.take_retired();
    assert_eq!(retired.len(), 1);
    assert_eq!(retired[0].len(), 3);
    assert!(starts.take_retired().is_empty(), "taken once");
}

#[test]
fn seats_count_each_address_and_end_on_time_or_when_given_back() {
    let seat = |address: &str, link: &str, end: i64| Seat {
        expires_at: end,
        address: address.into(),
        link_id: link.into(),
        seen_at: 0,
    };
    let mut seats = TenantSeats::default();
    seats.insert("s1".into(), seat("a", "l1", 100));
    seats.insert("s2".into(), seat("a", "l2", 200));
    seats.insert("s3".into(), seat("b", "l1", 300));
    assert_eq!(
        (seats.len(), seats.held_by("a", 0), seats.held_by("b", 0)),
        (3, 2, 1)
    );
    seats.drop_expired(100);
    assert_eq!(
        (seats.len(), seats.held_by("a", 0)),
        (2, 1),
        "s1 ended at 100"
    );
    seats.remove("s2");
    assert_eq!(seats.held_by("a", 0), 0, "given back early");
    seats.drop_expired(250);
    assert_eq!(seats.len(), 1, "s2's old end changes nothing");
    seats.release_link("l1");
    assert_eq!(
        (seats.len(), seats.held_by("b", 0)),
        (0, 0),
        "the link's seats back at once"
    );
    // A seat nobody used for SEAT_IDLE_MS no longer counts against its address.
    let idle = crate::anonymous::rules::SEAT_IDLE_MS;
    seats.insert("s4".into(), seat("c", "l1", 10 * idle));
    seats.insert("s5".into(), seat("c", "l1", 10 * idle));
    seats.touch("s5", idle);
    assert_eq!(seats.held_by("c", idle), 1, "s4 idle since 0");
    assert_eq!(
        seats.first_end_of("c"),
        Some(idle),
        "s4 stopped counting at once"
    );
    assert_eq!(seats.held_by("c", 2 * idle), 0);
    assert!(seats.holds("s4", 2 * idle), "idle, still a session");
}

#[test]
fn a_kept_page_takes_each_visitors_token_and_nonce_wherever_the_first_ones_were() {
    let page = FirstPage::cut(
        b"<script nonce=\"N1\">x</script>{\"token\":\"T1\"}<script nonce=\"N1\">",
        "T1",
        "N1",
    );
    assert!(page.holds_token());
    assert_eq!(
        String::from_utf8(page.render("T2", "N2")).unwrap(),
        "<script nonce=\"N2\">x</script>{\"token\":\"T2\"}<script nonce=\"N2\">"
    );
    assert!(
        !FirstPage::cut(b"no session here", "T1", "N1").holds_token(),
        "a page without its token is never kept"
    );
}
