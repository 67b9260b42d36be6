//! Single sign-on, as the identity issue tells it: a tenant admin adds the company's OpenID
//! provider (a real one, `oidc-provider` from npm), signs in through it as a test and sees what
//! it gives, makes it live; an employee then signs in with it and lands in the portal with their
//! groups, and a group taken away in the provider is gone at the next sign-in. Password sign-in
//! can then be turned off for everyone but a break-glass admin. Wrong answers are refused, each
//! with its reason.

use app::idps::model::{ClaimMap, OidcInput, PasswordPolicy};
use app::idps::service as idps;
use reqwest::Client;
use serde_json::{json, Value};

use crate::common::live::{self, Live};
use crate::common::{Backend, TestDb, PASSWORD};

on_both_backends!(
    an_employee_signs_in_through_the_company_provider_with_their_groups,
    password_sign_in_off_leaves_only_the_break_glass_admin,
    answers_that_do_not_belong_to_a_sign_in_are_refused,
    the_rest_api_keeps_oidc_providers_in_qliks_shape,
);

/// The company's OpenID provider: `end2end/oidc/provider.mjs` under Node, its accounts in a
/// file the test may change.
pub(crate) struct Company {
    child: std::process::Child,
    pub(crate) issuer: String,
    accounts: std::path::PathBuf,
}

impl Company {
    pub(crate) fn start(redirect_uri: &str) -> Company {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let accounts = std::env::temp_dir().join(format!("sightline-idp-{port}.json"));
        let company = Company {
            child: std::process::Command::new("node")
                .arg(concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/../end2end/oidc/provider.mjs"
                ))
                .arg(port.to_string())
                .arg(redirect_uri)
                .arg(&accounts)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .expect("node runs (scripts/setup.sh installs it and oidc-provider)"),
            issuer: format!("http://127.0.0.1:{port}"),
            accounts,
        };
        company.people(json!({
            "ann": { "email": "ann@corp.example", "name": "Ann Corp", "groups": ["Analysts", "North team"] },
            "bob": { "email": "bob@corp.example", "name": "Bob Corp", "groups": [] },
        }));
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return company;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("the OpenID provider did not start on port {port}");
    }

    /// Who the provider knows, from now on.
    pub(crate) fn people(&self, accounts: Value) {
        std::fs::write(&self.accounts, accounts.to_string()).unwrap();
    }
}

impl Drop for Company {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.accounts);
    }
}

/// The server, its public address its own (the provider sends browsers back to it), its clock
/// at the real time (the provider's tokens carry it), and the company's provider.
pub(crate) async fn with_company(backend: Backend) -> (Live, Company) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let public = base.clone();
    let t = TestDb::with_settings(backend, move |s| s.public_url = public).await;
    let real_now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    t.clock.advance_ms(real_now - t.state.now());
    let live = live::start_on(t, listener).await;
    let company = Company::start(&format!("{base}/login/oidc/callback"));
    (live, company)
}

pub(crate) fn corp_staff(issuer: &str) -> OidcInput {
    OidcInput {
        description: "Corp staff".into(),
        issuer: issuer.into(),
        client_id: "sightline".into(),
        client_secret: "sightline-test-secret".into(),
        scopes: vec!["openid email profile groups".into()],
        claims: ClaimMap::default(),
        create_users: true,
        active: true,
        skip_verify: false,
    }
}

fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

fn absolute(base: &str, location: &str) -> String {
    if location.starts_with("http") {
        location.to_string()
    } else {
        let origin: String = base.splitn(4, '/').take(3).collect::<Vec<_>>().join("/");
        format!("{origin}{location}")
    }
}

/// Follows a sign-in from Sightline's start, through the provider's own pages (its sign-in form
/// as `login`, its consent), back to Sightline: the answer of Sightline's callback.
pub(crate) async fn through_provider(
    client: &Client,
    start: &str,
    login: &str,
) -> reqwest::Response {
    let mut url = start.to_string();
    let mut form: Option<Vec<(&str, String)>> = None;
    for _ in 0..20 {
        let response = match form.take() {
            Some(fields) => client.post(&url).form(&fields).send().await.unwrap(),
            None => client.get(&url).send().await.unwrap(),
        };
        if url.contains("/login/oidc/callback") {
            return response;
        }
        if response.status().is_redirection() {
            let next = absolute(&url, &location(&response));
            if !url.contains("/login/oidc/")
                && !next.contains("/login/oidc/callback")
                && !next.contains("127.0.0.1")
            {
                panic!("the provider sent the browser to {next}");
            }
            url = next;
            continue;
        }
        if url.contains("/login/oidc/") {
            // Sightline refused to start.
            return response;
        }
        let page = response.text().await.unwrap();
        let prompt = if page.contains("name=\"login\"") {
            "login"
        } else {
            "consent"
        };
        let action = page
            .split("action=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or_else(|| panic!("no form on the provider's page: {page}"));
        url = absolute(&url, action);
        form = Some(match prompt {
            "login" => vec![
                ("prompt", "login".into()),
                ("login", login.into()),
                ("password", "any".into()),
            ],
            _ => vec![("prompt", "consent".into())],
        });
    }
    panic!("the sign-in went round more than 20 times");
}

async fn current_user(live: &Live, client: &Client) -> Value {
    client
        .post(live.url("/api/get_current_user"))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn groups_of(live: &Live, email: &str) -> Vec<String> {
    let mut conn = live.t.state.db.acquire().await.unwrap();
    let mut names: Vec<String> = sqlx::query_scalar(
        "SELECT g.name FROM user_groups g JOIN group_members m ON m.group_id = g.id JOIN users u ON u.id = m.user_id WHERE u.email = $1",
    )
    .bind(email)
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    names.sort();
    names
}

async fn an_employee_signs_in_through_the_company_provider_with_their_groups(backend: Backend) {
    let (live, company) = with_company(backend).await;
    let root = live.t.principal("root@acme.test").await;
    let provider = idps::create_oidc_provider(&live.t.state, &root, corp_staff(&company.issuer))
        .await
        .unwrap();
    assert!(provider.pending, "a new provider waits for its test");
    assert_eq!(provider.redirect_uri, live.url("/login/oidc/callback"));
    let start = live.url(&format!("/login/oidc/{}", provider.id));

    // Pending: not offered, and nobody but an admin's test goes through it.
    let options = idps::sign_in_options(&live.t.state, &Default::default())
        .await
        .unwrap();
    assert!(options.providers.is_empty());
    let ann = live.client();
    let refused = ann.get(&start).send().await.unwrap();
    assert_eq!(refused.status(), 403);
    assert!(refused.text().await.unwrap().contains("being set up"));
    let early = idps::promote_oidc_provider(&live.t.state, &root, &provider.id).await;
    assert!(early.unwrap_err().to_string().contains("as a test first"));

    // The admin's test: Ann's account as the provider gives it, and no account made.
    let admin = live.client();
    assert_eq!(
        live.sign_in(&admin, "root@acme.test", PASSWORD)
            .await
            .status(),
        200
    );
    let tested = through_provider(&admin, &format!("{start}?test=1"), "ann").await;
    assert_eq!(tested.status(), 303);
    assert_eq!(location(&tested), "/admin/identity-providers?tested=1");
    let listed = idps::list_oidc_providers(&live.t.state, &root)
        .await
        .unwrap();
    let test = listed[0].last_test.clone().expect("the test is kept");
    assert_eq!(
        (test.email.as_str(), test.name.as_str()),
        ("ann@corp.example", "Ann Corp")
    );
    assert_eq!(test.groups, ["Analysts", "North team"]);
    assert!(
        test.claims.contains("\"sub\"") && !test.subject.is_empty(),
        "{}",
        test.claims
    );
    assert_eq!(
        live.t
            .count("SELECT COUNT(*) FROM users WHERE email = 'ann@corp.example'")
            .await,
        0
    );

    // Live: on the sign-in page; Ann signs in and lands in the portal with her groups.
    idps::promote_oidc_provider(&live.t.state, &root, &provider.id)
        .await
        .unwrap();
    let options = idps::sign_in_options(&live.t.state, &Default::default())
        .await
        .unwrap();
    assert_eq!(options.providers[0].label, "Sign in with Corp staff");
    let landed = through_provider(&ann, &format!("{start}?next=/spaces"), "ann").await;
    assert_eq!(landed.status(), 303);
    assert_eq!(location(&landed), "/spaces");
    let me = current_user(&live, &ann).await;
    assert_eq!(me["email"], "ann@corp.example", "{me}");
    assert_eq!(me["name"], "Ann Corp");
    assert_eq!(
        groups_of(&live, "ann@corp.example").await,
        ["Analysts", "North team"]
    );

    // The provider takes a group away: gone at her next sign-in; a group given in Sightline stays.
    company.people(json!({ "ann": { "email": "ann@corp.example", "name": "Ann Corp", "groups": ["North team"] } }));
    let again = live.client();
    assert_eq!(through_provider(&again, &start, "ann").await.status(), 303);
    assert_eq!(groups_of(&live, "ann@corp.example").await, ["North team"]);
    let audit = live
        .t
        .count("SELECT COUNT(*) FROM audit_events WHERE action = 'auth.sign_in_sso'")
        .await;
    assert_eq!(audit, 2);

    // Turning the provider off signs out everyone it signed in.
    let mut off = corp_staff(&company.issuer);
    off.active = false;
    off.client_secret.clear();
    idps::update_oidc_provider(&live.t.state, &root, &provider.id, off)
        .await
        .unwrap();
    assert!(current_user(&live, &ann).await.is_null());
}

async fn password_sign_in_off_leaves_only_the_break_glass_admin(backend: Backend) {
    let (live, company) = with_company(backend).await;
    let root = live.t.principal("root@acme.test").await;
    let dana = live.t.active_user(&root, "Dana").await;
    let off = PasswordPolicy {
        password_sign_in: false,
        break_glass_email: "root@acme.test".into(),
    };
    // Not before a provider is live: nobody else could sign in.
    let early = idps::set_password_policy(&live.t.state, &root, off.clone()).await;
    assert!(early
        .unwrap_err()
        .to_string()
        .contains("make it live first"));
    let provider = idps::create_oidc_provider(&live.t.state, &root, corp_staff(&company.issuer))
        .await
        .unwrap();
    let admin = live.client();
    live.sign_in(&admin, "root@acme.test", PASSWORD).await;
    through_provider(
        &admin,
        &live.url(&format!("/login/oidc/{}?test=1", provider.id)),
        "bob",
    )
    .await;
    idps::promote_oidc_provider(&live.t.state, &root, &provider.id)
        .await
        .unwrap();
    // The break-glass account must be a tenant admin's.
    let not_admin = PasswordPolicy {
        password_sign_in: false,
        break_glass_email: dana.email.clone(),
    };
    let refused = idps::set_password_policy(&live.t.state, &root, not_admin).await;
    assert!(refused
        .unwrap_err()
        .to_string()
        .contains("not a tenant admin"));
    idps::set_password_policy(&live.t.state, &root, off)
        .await
        .unwrap();

    let options = idps::sign_in_options(&live.t.state, &Default::default())
        .await
        .unwrap();
    assert!(!options.passwords);
    let dana_client = live.client();
    let refused = live.sign_in(&dana_client, &dana.email, PASSWORD).await;
    assert_eq!(refused.status(), 403);
    assert!(refused.text().await.unwrap().contains("single sign-on"));
    let root_client = live.client();
    assert_eq!(
        live.sign_in(&root_client, "root@acme.test", PASSWORD)
            .await
            .status(),
        200
    );
    // The provider that lets everyone in cannot go while passwords are off.
    let gone = idps::delete_oidc_provider(&live.t.state, &root, &provider.id).await;
    assert!(gone
        .unwrap_err()
        .to_string()
        .contains("turn password sign-in on first"));
    idps::set_password_policy(
        &live.t.state,
        &root,
        PasswordPolicy {
            password_sign_in: true,
            break_glass_email: String::new(),
        },
    )
    .await
    .unwrap();
    assert_eq!(
        live.sign_in(&dana_client, &dana.email, PASSWORD)
            .await
            .status(),
        200
    );
}

async fn answers_that_do_not_belong_to_a_sign_in_are_refused(backend: Backend) {
    let (live, company) = with_company(backend).await;
    let root = live.t.principal("root@acme.test").await;
    let provider = idps::create_oidc_provider(&live.t.state, &root, corp_staff(&company.issuer))
        .await
        .unwrap();
    let client = live.client();
    // A callback this browser never started.
    let stray = client
        .get(live.url("/login/oidc/callback?code=abc&state=xyz"))
        .send()
        .await
        .unwrap();
    assert_eq!(stray.status(), 401);
    assert!(stray
        .text()
        .await
        .unwrap()
        .contains("not started in this browser"));
    // A started sign-in answered with another state.
    live.sign_in(&client, "root@acme.test", PASSWORD).await;
    let started = client
        .get(live.url(&format!("/login/oidc/{}?test=1", provider.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), 303);
    assert!(location(&started).starts_with(&company.issuer));
    let forged = client
        .get(live.url("/login/oidc/callback?code=abc&state=forged"))
        .send()
        .await
        .unwrap();
    assert!(forged.text().await.unwrap().contains("state differs"));
    // The provider's own refusal is told.
    let started = client
        .get(live.url(&format!("/login/oidc/{}?test=1", provider.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), 303);
    let denied = client
        .get(live.url("/login/oidc/callback?error=access_denied&error_description=End-User+aborted+interaction"))
        .send()
        .await
        .unwrap();
    assert!(denied
        .text()
        .await
        .unwrap()
        .contains("End-User aborted interaction"));
    // An unknown provider, and an issuer that is not the provider's.
    assert_eq!(
        client
            .get(live.url("/login/oidc/nope"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let mut wrong = corp_staff(&format!("{}/", company.issuer));
    wrong.description = "Trailing slash".into();
    let refused = idps::create_oidc_provider(&live.t.state, &root, wrong).await;
    assert!(refused.unwrap_err().to_string().contains("calls itself"));
    let mut nowhere = corp_staff("http://127.0.0.1:9");
    nowhere.description = "Nowhere".into();
    let refused = idps::create_oidc_provider(&live.t.state, &root, nowhere).await;
    assert!(refused
        .unwrap_err()
        .to_string()
        .contains("could not be read"));
}

async fn the_rest_api_keeps_oidc_providers_in_qliks_shape(backend: Backend) {
    let (live, company) = with_company(backend).await;
    let admin = Client::new();
    let url = live.url("/api/v1/identity-providers");
    let body = json!({
        "provider": "generic", "protocol": "OIDC", "interactive": true, "active": true,
        "description": "Corp staff", "createNewUsersOnLogin": true,
        "pendingOptions": {
            "discoveryUrl": format!("{}/.well-known/openid-configuration", company.issuer),
            "clientId": "sightline", "clientSecret": "sightline-test-secret",
            "scope": "openid email profile groups",
            "claimsMapping": { "sub": ["/sub"], "email": ["/email"], "groups": ["/groups"] },
        },
    });
    let made = admin
        .post(&url)
        .bearer_auth(&live.key)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(made.status(), 201);
    let made: Value = made.json().await.unwrap();
    let id = made["id"].as_str().unwrap().to_string();
    assert_eq!(made["protocol"], "OIDC");
    assert!(
        made.get("options").is_none(),
        "pending until tested: {made}"
    );
    assert_eq!(made["pendingOptions"]["clientId"], "sightline");
    assert!(
        made["pendingOptions"].get("clientSecret").is_none(),
        "never read back"
    );
    let listed: Value = admin
        .get(&url)
        .bearer_auth(&live.key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["id"] == id.as_str()));
    let patched = admin
        .patch(format!("{url}/{id}"))
        .bearer_auth(&live.key)
        .json(&json!([{ "op": "replace", "path": "/description", "value": "Corp accounts" }]))
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), 204);
    let got: Value = admin
        .get(format!("{url}/{id}"))
        .bearer_auth(&live.key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(got["description"], "Corp accounts");
    // Qlik's skipVerify makes one live at once; an unknown protocol is refused by name.
    let mut skip = body.clone();
    skip["options"] = skip["pendingOptions"].take();
    skip["skipVerify"] = json!(true);
    skip["description"] = json!("Corp, scripted");
    let live_one: Value = admin
        .post(&url)
        .bearer_auth(&live.key)
        .json(&skip)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(live_one["options"]["clientId"], "sightline", "{live_one}");
    let saml = admin
        .post(&url)
        .bearer_auth(&live.key)
        .json(&json!({"protocol": "SAML", "options": {}}))
        .send()
        .await
        .unwrap();
    assert_eq!(saml.status(), 400);
    let said = saml.text().await.unwrap();
    assert!(
        said.contains("jwtAuth") && said.contains("OIDC") && said.contains("SAML"),
        "{said}"
    );
    let gone = admin
        .delete(format!("{url}/{id}"))
        .bearer_auth(&live.key)
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 204);
    assert_eq!(
        admin
            .get(format!("{url}/{id}"))
            .bearer_auth(&live.key)
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}
