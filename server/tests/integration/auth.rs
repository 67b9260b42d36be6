//! Sign-in, sessions and API keys on SQLite and PostgreSQL, with a clock the tests move.

use crate::common::TestDb;
use app::auth::principal::{Credential, Principal, RequestInfo};
use app::auth::service::*;
use app::directory::model::{NewUser, UserChanges};
use app::directory::rules::UserStatus;
use app::directory::service::{create_admin, create_user, update_user};
use app::error::AppError;
use app::ids::digest;

const PASSWORD: &str = "correct horse battery";

fn request(addr: &str) -> RequestInfo {
    RequestInfo {
        host: "sightline.test".into(),
        client_addr: addr.into(),
        user_agent: "test".into(),
    }
}

async fn admin(t: &TestDb) -> Principal {
    create_admin(&t.state, "Acme", "root@acme.test", "Root", PASSWORD)
        .await
        .unwrap();
    t.principal("root@acme.test").await
}

fn cookie(secret: &str) -> String {
    format!("sightline_session={secret}")
}

on_both_databases!(
    five_wrong_passwords_lock_the_account_for_fifteen_minutes,
    many_failures_from_one_address_lock_the_address,
    a_session_ends_when_idle_and_at_its_absolute_lifetime,
    signing_out_everywhere_ends_every_session,
    a_disabled_user_is_signed_out_and_their_keys_stop,
    api_keys_are_stored_hashed_and_can_be_revoked,
    an_invitation_expires,
);

async fn five_wrong_passwords_lock_the_account_for_fifteen_minutes(t: TestDb) {
    admin(&t).await;
    for _ in 0..5 {
        let wrong = sign_in(
            &t.state,
            &request("10.0.0.1"),
            "root@acme.test",
            "wrong password!",
        )
        .await
        .unwrap_err();
        assert!(matches!(wrong, AppError::Invalid { .. }), "{wrong:?}");
    }
    let locked = sign_in(&t.state, &request("10.0.0.2"), "root@acme.test", PASSWORD)
        .await
        .unwrap_err();
    match locked {
        AppError::TooManyRequests {
            message,
            retry_after_secs,
        } => {
            assert!(
                message.contains("for this account") && message.contains("Try again in 15 minutes"),
                "{message}"
            );
            assert_eq!(retry_after_secs, 900);
        }
        other => panic!("expected a lock, got {other:?}"),
    }
    t.minutes(15);
    sign_in(&t.state, &request("10.0.0.2"), "root@acme.test", PASSWORD)
        .await
        .expect("the lock ends after the window");
    assert_eq!(
        t.count("SELECT COUNT(*) FROM audit_events WHERE action = 'auth.sign_in_failed'")
            .await,
        5
    );
}

async fn many_failures_from_one_address_lock_the_address(t: TestDb) {
    admin(&t).await;
    for i in 0..20 {
        let _ = sign_in(
            &t.state,
            &request("10.9.9.9"),
            &format!("nobody{i}@acme.test"),
            "whatever it is",
        )
        .await;
    }
    let locked = sign_in(&t.state, &request("10.9.9.9"), "root@acme.test", PASSWORD)
        .await
        .unwrap_err();
    assert!(locked.to_string().contains("network address"), "{locked}");
    sign_in(&t.state, &request("10.1.1.1"), "root@acme.test", PASSWORD)
        .await
        .expect("another address is not locked");
}

async fn a_session_ends_when_idle_and_at_its_absolute_lifetime(t: TestDb) {
    admin(&t).await;
    let (_, secret) = sign_in(&t.state, &request("10.0.0.1"), "root@acme.test", PASSWORD)
        .await
        .unwrap();
    let who = |t: &TestDb, s: String| {
        let state = t.state.clone();
        async move { authenticate(&state, Some(&cookie(&s)), None).await.unwrap() }
    };
    assert!(who(&t, secret.clone()).await.is_some());
    // Use it every 100 minutes: never idle for 2 hours, but 12 hours old in the end.
    for _ in 0..7 {
        t.minutes(100);
        assert!(who(&t, secret.clone()).await.is_some());
    }
    t.minutes(100);
    assert!(
        who(&t, secret.clone()).await.is_none(),
        "ended 12 hours after sign-in"
    );

    let (_, idle) = sign_in(&t.state, &request("10.0.0.1"), "root@acme.test", PASSWORD)
        .await
        .unwrap();
    t.minutes(119);
    assert!(who(&t, idle.clone()).await.is_some());
    t.minutes(120);
    assert!(
        who(&t, idle.clone()).await.is_none(),
        "ended after two idle hours"
    );
    assert!(
        authenticate(&t.state, Some("sightline_session=made-up"), None)
            .await
            .unwrap()
            .is_none()
    );
}

async fn signing_out_everywhere_ends_every_session(t: TestDb) {
    admin(&t).await;
    let (_, laptop) = sign_in(&t.state, &request("10.0.0.1"), "root@acme.test", PASSWORD)
        .await
        .unwrap();
    let (_, phone) = sign_in(&t.state, &request("10.0.0.2"), "root@acme.test", PASSWORD)
        .await
        .unwrap();
    let principal = authenticate(&t.state, Some(&cookie(&laptop)), None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(list_sessions(&t.state, &principal).await.unwrap().len(), 2);
    assert_eq!(sign_out_everywhere(&t.state, &principal).await.unwrap(), 2);
    for secret in [laptop, phone] {
        assert!(authenticate(&t.state, Some(&cookie(&secret)), None)
            .await
            .unwrap()
            .is_none());
    }
}

async fn a_disabled_user_is_signed_out_and_their_keys_stop(t: TestDb) {
    let root = admin(&t).await;
    let created = create_user(
        &t.state,
        &root,
        NewUser {
            name: "Eve".into(),
            email: "eve@acme.test".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    set_password_from_console(&t.state, &root.tenant_id, "eve@acme.test", PASSWORD)
        .await
        .unwrap();
    let (eve, secret) = sign_in(&t.state, &request("10.0.0.1"), "eve@acme.test", PASSWORD)
        .await
        .unwrap();
    let key = create_api_key(&t.state, &eve, "script").await.unwrap();
    let bearer = format!("Bearer {}", key.secret);
    assert!(authenticate(&t.state, None, Some(&bearer))
        .await
        .unwrap()
        .is_some());

    update_user(
        &t.state,
        &root,
        &created.user.id,
        UserChanges {
            status: Some(UserStatus::Disabled),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(authenticate(&t.state, Some(&cookie(&secret)), None)
        .await
        .unwrap()
        .is_none());
    assert!(authenticate(&t.state, None, Some(&bearer))
        .await
        .unwrap()
        .is_none());
    let refused = sign_in(&t.state, &request("10.0.0.1"), "eve@acme.test", PASSWORD)
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("disabled"), "{refused}");

    update_user(
        &t.state,
        &root,
        &created.user.id,
        UserChanges {
            status: Some(UserStatus::Active),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(
        authenticate(&t.state, None, Some(&bearer))
            .await
            .unwrap()
            .is_some(),
        "enabled again, the key works again"
    );
}

async fn api_keys_are_stored_hashed_and_can_be_revoked(t: TestDb) {
    let root = admin(&t).await;
    let key = create_api_key(&t.state, &root, "ci").await.unwrap();
    assert!(key.secret.starts_with("sl_") && key.secret.len() == 67);
    let stored: String = sqlx::query_scalar("SELECT key_hash FROM api_keys")
        .fetch_one(&t.state.db)
        .await
        .unwrap();
    assert_eq!(stored, digest(&key.secret));
    assert!(!stored.contains(&key.secret[3..]));

    let bearer = format!("Bearer {}", key.secret);
    let via_key = authenticate(&t.state, None, Some(&bearer))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        via_key.credential,
        Credential::ApiKey {
            key_id: key.info.id.clone()
        }
    );
    let listed = list_api_keys(&t.state, &root, &root.user_id).await.unwrap();
    assert!(listed[0].last_used_at.is_some(), "use is recorded");

    revoke_api_key(&t.state, &root, &key.info.id).await.unwrap();
    assert!(authenticate(&t.state, None, Some(&bearer))
        .await
        .unwrap()
        .is_none());
    let twice = revoke_api_key(&t.state, &root, &key.info.id)
        .await
        .unwrap_err();
    assert!(twice.to_string().contains("already revoked"));
    let empty_name = create_api_key(&t.state, &root, " ").await.unwrap_err();
    assert!(empty_name.to_string().contains("must not be empty"));
    assert!(authenticate(&t.state, None, Some("Bearer sl_not-a-key"))
        .await
        .unwrap()
        .is_none());
}

async fn an_invitation_expires(t: TestDb) {
    let root = admin(&t).await;
    let created = create_user(
        &t.state,
        &root,
        NewUser {
            name: "Fay".into(),
            email: "fay@acme.test".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let token = created.invite_url.rsplit('/').next().unwrap().to_string();
    assert_eq!(
        invite_details(&t.state, &token).await.unwrap().1,
        "fay@acme.test"
    );
    t.minutes(7 * 24 * 60);
    let expired = accept_invite(&t.state, &request("10.0.0.1"), &token, PASSWORD)
        .await
        .unwrap_err();
    assert!(expired.to_string().contains("expired"), "{expired}");
    let fresh = app::directory::service::reissue_invite(&t.state, &root, &created.user.id)
        .await
        .unwrap();
    let token = fresh.rsplit('/').next().unwrap();
    accept_invite(&t.state, &request("10.0.0.1"), token, PASSWORD)
        .await
        .expect("a new link works");
}
