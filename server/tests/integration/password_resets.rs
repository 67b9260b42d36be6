//! Choosing a new password, as the identity issue tells it: "forgot password" emails a link (to
//! a real SMTP server) to whoever holds an account's address and tells nobody whether it is an
//! account's; an admin's reset stops the old password at once. Following the link chooses a new
//! password and signs out every other session.

use app::auth::principal::RequestInfo;
use app::auth::service as auth;
use app::directory::service as directory;

use crate::common::{Backend, TestDb, PASSWORD};
use crate::reload_tasks::SmtpServer;

on_both_backends!(
    a_forgotten_password_is_chosen_again_through_a_mailed_link,
    an_admin_resets_a_password_and_the_old_one_stops_at_once,
);

async fn on(backend: Backend, smtp: &SmtpServer) -> TestDb {
    let address = smtp.address.clone();
    TestDb::with_settings(backend, move |s| s.mail.smtp_server = address).await
}

/// The link in a message: the path after the server's address.
fn link_in(message: &str) -> String {
    let start = message
        .find("/invite/")
        .expect("the message carries a link");
    message[start..]
        .split_whitespace()
        .next()
        .unwrap()
        .trim_start_matches("/invite/")
        .to_string()
}

async fn a_forgotten_password_is_chosen_again_through_a_mailed_link(backend: Backend) {
    let smtp = SmtpServer::start();
    let t = on(backend, &smtp).await;
    let root = t.acme().await;
    let dana = t.active_user(&root, "Dana").await;
    let request = RequestInfo::default();
    let (_, old_session) = auth::sign_in(&t.state, &request, &dana.email, PASSWORD)
        .await
        .unwrap();

    // An address with no account gets the same answer, and no message.
    auth::request_password_reset(&t.state, &request, "nobody@acme.test")
        .await
        .unwrap();
    auth::request_password_reset(&t.state, &request, &dana.email)
        .await
        .unwrap();
    let messages = smtp.messages(1).await;
    assert_eq!(messages.len(), 1, "only the account's address gets a link");
    assert!(
        messages[0].contains("To: dana@acme.test"),
        "{}",
        messages[0]
    );
    assert!(messages[0].contains("Choose a new Sightline password"));
    let token = link_in(&messages[0]);

    // Until the link is followed, the old password still works.
    auth::sign_in(&t.state, &request, &dana.email, PASSWORD)
        .await
        .unwrap();
    auth::accept_invite(&t.state, &request, &token, "a brand new passphrase")
        .await
        .unwrap();
    assert!(auth::sign_in(&t.state, &request, &dana.email, PASSWORD)
        .await
        .is_err());
    auth::sign_in(&t.state, &request, &dana.email, "a brand new passphrase")
        .await
        .unwrap();
    let cookie = format!("sightline_session={old_session}");
    assert!(
        auth::authenticate(&t.state, Some(&cookie), None)
            .await
            .unwrap()
            .is_none(),
        "the sessions of the old password end"
    );
    // The link works once.
    assert!(
        auth::accept_invite(&t.state, &request, &token, "yet another passphrase")
            .await
            .is_err()
    );

    // Three links per address and window, then silence (still the same answer).
    for _ in 0..5 {
        auth::request_password_reset(&t.state, &request, &dana.email)
            .await
            .unwrap();
    }
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(smtp.messages(3).await.len(), 3, "1 + 2 more, then none");
    let asked = t
        .count("SELECT COUNT(*) FROM audit_events WHERE action = 'auth.password_reset_request'")
        .await;
    assert_eq!(asked, 3);
}

async fn an_admin_resets_a_password_and_the_old_one_stops_at_once(backend: Backend) {
    let smtp = SmtpServer::start();
    let t = on(backend, &smtp).await;
    let root = t.acme().await;
    let dana = t.active_user(&root, "Dana").await;
    let request = RequestInfo::default();
    let reset = directory::reset_user_password(&t.state, &root, &dana.user_id)
        .await
        .unwrap();
    assert!(reset.emailed);
    assert!(auth::sign_in(&t.state, &request, &dana.email, PASSWORD)
        .await
        .is_err());
    let message = smtp.messages(1).await.remove(0);
    assert_eq!(link_in(&message), link_in(&reset.url));
    auth::accept_invite(
        &t.state,
        &request,
        &link_in(&reset.url),
        "chosen after a reset",
    )
    .await
    .unwrap();
    auth::sign_in(&t.state, &request, &dana.email, "chosen after a reset")
        .await
        .unwrap();

    // Someone who manages the directory may not reset a tenant admin's password: the link
    // would sign in as someone who may do more than they.
    let managers = app::directory::model::RoleInput {
        name: "Directory managers".into(),
        description: String::new(),
        permissions: vec![app::directory::rules::Permission::ManageDirectory],
    };
    let role = directory::create_role(&t.state, &root, managers)
        .await
        .unwrap();
    directory::update_user(
        &t.state,
        &root,
        &dana.user_id,
        app::directory::model::UserChanges {
            role_ids: Some(vec![role.id]),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let manager = t.principal(&dana.email).await;
    let refused = directory::reset_user_password(&t.state, &manager, &root.user_id).await;
    assert!(refused
        .unwrap_err()
        .to_string()
        .contains("Only a tenant admin"));
    let audit = t
        .count("SELECT COUNT(*) FROM audit_events WHERE action = 'user.password_reset'")
        .await;
    assert_eq!(audit, 1);
}
