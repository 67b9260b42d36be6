//! The collaborative rules' tables.

use super::*;

const START: i64 = 1_800_000_000_000;

#[test]
fn an_invitation_lets_people_in_for_fifteen_minutes_unless_ended_earlier() {
    let expires = START + INVITATION_MS;
    // (now, ended early, session ended, lets in)
    let cases = [
        (START, false, false, true),
        (START + INVITATION_MS - 1, false, false, true),
        (START + INVITATION_MS, false, false, false),
        (START + 1, true, false, false),
        (START + 1, false, true, false),
    ];
    for (now, early, ended, lets_in) in cases {
        assert_eq!(
            check_invitation(expires, early, ended, now).is_ok(),
            lets_in,
            "{now} {early} {ended}"
        );
    }
    let Err(AppError::Gone(message)) = check_invitation(expires, false, false, expires) else {
        panic!("an expired invitation is gone")
    };
    assert!(message.contains("15 minutes"), "{message}");
}

#[test]
fn who_may_start_and_who_may_join() {
    let all = Outsiders {
        tenant_allows: true,
        permitted: true,
    };
    let none = Outsiders {
        tenant_allows: false,
        permitted: false,
    };
    // (tenant on, app on, mode, outsiders, refusal that names the reason)
    let cases = [
        (true, true, Mode::Open, all, None),
        (true, true, Mode::SignedIn, none, None),
        (false, true, Mode::SignedIn, all, Some("tenant")),
        (true, false, Mode::SignedIn, all, Some("this app")),
        (true, true, Mode::Open, none, Some("off for this tenant")),
        (
            true,
            true,
            Mode::Lobby,
            Outsiders {
                tenant_allows: true,
                permitted: false,
            },
            Some("collab_outsiders"),
        ),
    ];
    for (tenant, app, mode, outsiders, refusal) in cases {
        match (check_may_start(tenant, app, mode, outsiders), refusal) {
            (Ok(()), None) => {}
            (Err(AppError::Forbidden(m)), Some(word)) => assert!(m.contains(word), "{m}"),
            (got, want) => panic!("{mode:?} {outsiders:?}: {got:?}, expected {want:?}"),
        }
    }
    // (mode, signed in, removed before, participants, outcome)
    let cases = [
        (Mode::Open, false, false, 1, Ok(Standing::In)),
        (Mode::Lobby, false, false, 1, Ok(Standing::Waiting)),
        (Mode::SignedIn, true, false, 1, Ok(Standing::In)),
        (Mode::SignedIn, false, false, 1, Err("sign in")),
        (Mode::Open, false, true, 1, Err("removed")),
        (Mode::Open, false, false, MAX_PARTICIPANTS, Err("full")),
    ];
    for (mode, signed_in, removed, count, outcome) in cases {
        let got = check_join(mode, signed_in, removed, count);
        match (got, outcome) {
            (Ok(standing), Ok(expected)) => assert_eq!(standing, expected),
            (Err(error), Err(word)) => assert!(
                error.to_string().to_lowercase().contains(word),
                "{mode:?}: {error}"
            ),
            (got, expected) => panic!("{mode:?}: {got:?}, expected {expected:?}"),
        }
    }
}

#[test]
fn the_session_ends_when_the_initiator_signs_out_or_leaves() {
    assert_eq!(end_reason(true, START, START + 1_000), None);
    assert_eq!(
        end_reason(true, START, START + INITIATOR_GRACE_MS - 1),
        None,
        "a reload is not leaving"
    );
    assert!(end_reason(true, START, START + INITIATOR_GRACE_MS)
        .unwrap()
        .contains("left"));
    assert!(end_reason(false, START, START + 1)
        .unwrap()
        .contains("signed out"));
}

#[test]
fn bad_and_too_many_messages_close_with_their_codes() {
    assert_eq!(
        parse_message(r#"{"sheet":"abc"}"#),
        Ok(ClientMessage::Sheet("abc".into()))
    );
    assert_eq!(parse_message(r#""follow""#), Ok(ClientMessage::Follow));
    assert_eq!(parse_message("{nope").unwrap_err().0, close::MALFORMED);
    assert!(parse_message("{nope").unwrap_err().1.len() <= 123);
    let huge = format!(r#"{{"sheet":"{}"}}"#, "x".repeat(MAX_MESSAGE_BYTES));
    assert_eq!(parse_message(&huge).unwrap_err().0, close::TOO_BIG);
    let mut budget = MessageBudget::new(START);
    let burst = (0..100).take_while(|_| budget.take(START)).count();
    assert_eq!(burst, MESSAGE_BURST as usize);
    assert!(
        budget.take(START + 100),
        "a tenth of a second buys one more"
    );
    assert!(!budget.take(START + 100));
}

fn set(field: &str, values: &[&str]) -> ValueChange {
    ValueChange::Set {
        field: field.into(),
        values: values.iter().map(|v| v.to_string()).collect(),
    }
}

#[test]
fn one_shared_state_with_who_changed_each_field_back_and_forward() {
    let mut state = SharedState::default();
    assert!(state.apply(&set("Region", &["Nordic"]), "alice@example.com"));
    assert!(
        !state.apply(&set("region", &["Nordic"]), "bob@example.com"),
        "no change, no step"
    );
    assert!(state.apply(
        &ValueChange::Toggle {
            field: "Region".into(),
            value: "South".into()
        },
        "bob@example.com"
    ));
    assert_eq!(state.selections[0].values, vec!["Nordic", "South"]);
    assert_eq!(state.selections[0].by, "bob@example.com");
    assert!(state.apply(&set("Product", &["Tea"]), "carol@example.com"));
    assert!(state.back());
    assert_eq!(state.selections.len(), 1);
    assert!(state.forward());
    assert_eq!(state.selections.len(), 2);
    assert!(!state.forward());
    assert!(state.apply(&ValueChange::ClearAll, "alice@example.com"));
    assert!(state.selections.is_empty() && state.forward.is_empty());
    for i in 0..(HISTORY + 10) {
        state.apply(&set("Region", &[&i.to_string()]), "a");
    }
    assert_eq!(state.back.len(), HISTORY, "history is bounded");
    for i in 0..(EVENTS + 5) {
        state.note(START, format!("event {i}"));
    }
    assert_eq!(state.events.len(), EVENTS);
    assert_eq!(state.events.last().unwrap().seq, (EVENTS + 5) as u64);
    assert!(state.move_to("s1") && !state.move_to("s1"));
}

#[test]
fn a_shared_selection_and_its_history_are_bounded() {
    let many: Vec<String> = (0..=MAX_SHARED_VALUES).map(|i| i.to_string()).collect();
    let mut state = SharedState::default();
    let too_many = ValueChange::Set {
        field: "OrderId".into(),
        values: many.clone(),
    };
    let refused = check_shared_change(&state, &too_many).unwrap_err();
    assert!(
        refused.to_string().contains("1001 values of OrderId"),
        "{refused}"
    );
    let most = ValueChange::Set {
        field: "OrderId".into(),
        values: many[..MAX_SHARED_VALUES].to_vec(),
    };
    assert!(check_shared_change(&state, &most).is_ok());
    state.apply(&most, "a");
    let one_more = ValueChange::Toggle {
        field: "orderid".into(),
        value: "new".into(),
    };
    assert!(check_shared_change(&state, &one_more).is_err());
    let one_less = ValueChange::Toggle {
        field: "OrderId".into(),
        value: "7".into(),
    };
    assert!(check_shared_change(&state, &one_less).is_ok());
    // Thirty steps of a thousand values each: the oldest history goes, the selection stays.
    for step in 0..30 {
        let values = (0..MAX_SHARED_VALUES)
            .map(|i| format!("{step}-{i}"))
            .collect();
        state.apply(
            &ValueChange::Set {
                field: "OrderId".into(),
                values,
            },
            "a",
        );
    }
    let text = state.fit(MAX_STATE_BYTES).unwrap();
    assert!(text.len() <= MAX_STATE_BYTES, "{}", text.len());
    assert_eq!(state.selections[0].values.len(), MAX_SHARED_VALUES);
    assert!(state.back.len() < 29);
    let long = ValueChange::Set {
        field: "Note".into(),
        values: vec!["x".repeat(MAX_STATE_BYTES)],
    };
    state.apply(&long, "a");
    assert!(
        state.fit(MAX_STATE_BYTES).is_err(),
        "a selection that alone does not fit"
    );
    // The audit keeps a summary, never the values themselves.
    let detail = audit_detail(&too_many);
    assert!(
        detail.starts_with("OrderId = 1001 values: 0, 1, 2"),
        "{detail}"
    );
    assert!(audit_detail(&long).chars().count() <= AUDIT_DETAIL_CHARS);
}

#[test]
fn people_without_an_account_take_anonymous_seats() {
    assert!(check_anonymous_seat(9, 10).is_ok());
    let full = check_anonymous_seat(10, 10).unwrap_err();
    assert!(full.to_string().contains("taken (10)"), "{full}");
    assert!(
        check_anonymous_seat(0, 0).is_err(),
        "a capacity of 0 closes anonymous access"
    );
}
