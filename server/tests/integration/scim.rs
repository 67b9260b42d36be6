//! SCIM provisioning, as the identity issue tells it: the tenant admin turns provisioning on and
//! gives the company's provider a tenant URL and a token; the provider creates people and
//! groups, finds an account Sightline already had by its userName and takes it over, and a
//! person it disables or removes loses access here at once. A conformance checker written by
//! others (scim2-tester, from PyPI) then runs its own checks against the server.

use app::scim::service as scim;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

use crate::common::live::{self, Live};
use crate::common::{TestDb, PASSWORD};

on_both_databases!(
    a_person_the_provider_disables_or_removes_loses_access_at_once,
    the_scim_conformance_checker_passes,
);

struct Provider<'a> {
    live: &'a Live,
    token: String,
    http: Client,
}

impl Provider<'_> {
    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self
            .http
            .request(method, self.live.url(&format!("/scim/v2{path}")))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request
                .header("content-type", "application/scim+json")
                .body(body.to_string());
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }
}

async fn provisioning(live: &Live) -> Provider<'_> {
    let root = live.t.principal("root@acme.test").await;
    let made = scim::make_scim_token(&live.t.state, &root).await.unwrap();
    assert!(made.base_url.ends_with("/scim/v2"));
    Provider {
        live,
        token: made.token,
        http: Client::new(),
    }
}

async fn a_person_the_provider_disables_or_removes_loses_access_at_once(t: TestDb) {
    let live = live::start(t).await;
    let root = live.t.principal("root@acme.test").await;
    let dana = live.t.active_user(&root, "Dana").await;
    let dana_browser = live.client();
    assert_eq!(
        live.sign_in(&dana_browser, &dana.email, PASSWORD)
            .await
            .status(),
        200
    );
    let idp = provisioning(&live).await;
    use reqwest::Method as M;

    // Without the token, or with a made-up one: SCIM's 401.
    let (status, body) = Provider {
        token: "scim_made-up".into(),
        ..provisioning_like(&idp)
    }
    .send(M::GET, "/Users", None)
    .await;
    assert_eq!(status, 401);
    assert_eq!(
        body["schemas"][0],
        "urn:ietf:params:scim:api:messages:2.0:Error"
    );

    // Entra ID creates Ann, and a group with her in it.
    let (status, ann) = idp
        .send(
            M::POST,
            "/Users",
            Some(json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "externalId": "ann-0001", "userName": "ann@corp.example", "active": true,
                "displayName": "Ann Corp", "name": {"givenName": "Ann", "familyName": "Corp"},
                "emails": [{"value": "ann@corp.example", "type": "work", "primary": true}],
            })),
        )
        .await;
    assert_eq!(status, 201, "{ann}");
    let cached = idp
        .http
        .get(live.url("/scim/v2/Users"))
        .bearer_auth(&idp.token)
        .send()
        .await
        .unwrap();
    assert_eq!(cached.headers()["cache-control"], "no-store");
    assert_eq!(cached.headers()["content-type"], "application/scim+json");
    let ann_id = ann["id"].as_str().unwrap().to_string();
    assert_eq!(ann["active"], true);
    let (status, again) = idp
        .send(
            M::POST,
            "/Users",
            Some(json!({"userName": "ann@corp.example"})),
        )
        .await;
    assert_eq!(
        (status.as_u16(), again["scimType"].as_str()),
        (409, Some("uniqueness"))
    );
    let (status, group) = idp
        .send(
            M::POST,
            "/Groups",
            Some(json!({"displayName": "North team", "members": [{"value": ann_id}]})),
        )
        .await;
    assert_eq!(status, 201, "{group}");
    let group_id = group["id"].as_str().unwrap().to_string();
    assert_eq!(group["members"][0]["value"], ann_id.as_str());
    let (_, ann_now) = idp.send(M::GET, &format!("/Users/{ann_id}"), None).await;
    assert_eq!(ann_now["groups"][0]["display"], "North team");
    assert_eq!(ann_now["externalId"], "ann-0001");

    // It finds Dana's account, made in Sightline, by her userName, and takes it over.
    let (_, found) = idp
        .send(
            M::GET,
            "/Users?filter=userName%20eq%20%22dana@acme.test%22",
            None,
        )
        .await;
    assert_eq!(found["totalResults"], 1, "{found}");
    let dana_id = found["Resources"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(dana_id, dana.user_id);
    let (status, _) = idp
        .send(
            M::PATCH,
            &format!("/Groups/{group_id}"),
            Some(json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "Add", "path": "members", "value": [{"value": dana_id}]}],
            })),
        )
        .await;
    assert_eq!(status, 200);
    assert!(app::directory::store::is_member(
        &mut live.t.state.db.acquire().await.unwrap(),
        &group_id,
        &dana_id
    )
    .await
    .unwrap());

    // Dana leaves the company: Entra disables her, and her open session ends at once.
    let (status, disabled) = idp
        .send(
            M::PATCH,
            &format!("/Users/{dana_id}"),
            Some(json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "Replace", "path": "active", "value": "False"}],
            })),
        )
        .await;
    assert_eq!(status, 200, "{disabled}");
    assert_eq!(disabled["active"], false);
    let me: Value = dana_browser
        .post(live.url("/api/get_current_user"))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(me.is_null(), "her session ended: {me}");
    assert_ne!(
        live.sign_in(&live.client(), &dana.email, PASSWORD)
            .await
            .status(),
        200
    );
    // Brought back, she signs in again.
    idp.send(
        M::PATCH,
        &format!("/Users/{dana_id}"),
        Some(json!({
            "Operations": [{"op": "replace", "value": {"active": true}}],
        })),
    )
    .await;
    assert_eq!(
        live.sign_in(&live.client(), &dana.email, PASSWORD)
            .await
            .status(),
        200
    );

    // Ann is removed: her account goes; the group stays without her.
    let (status, _) = idp.send(M::DELETE, &format!("/Users/{ann_id}"), None).await;
    assert_eq!(status, 204);
    let (status, gone) = idp.send(M::GET, &format!("/Users/{ann_id}"), None).await;
    assert_eq!(
        (status.as_u16(), gone["status"].as_str()),
        (404, Some("404"))
    );
    let (_, group) = idp.send(M::GET, &format!("/Groups/{group_id}"), None).await;
    assert_eq!(group["members"].as_array().unwrap().len(), 1);
    let (status, bad) = idp
        .send(M::GET, "/Users?filter=title%20sw%20%22x%22", None)
        .await;
    assert_eq!(
        (status.as_u16(), bad["scimType"].as_str()),
        (400, Some("invalidFilter"))
    );

    // Everything it did is in the audit log under its own name.
    let by_agent = live
        .t
        .count("SELECT COUNT(*) FROM audit_events WHERE actor_name = 'SCIM provisioning' AND actor_id IS NULL")
        .await;
    assert!(by_agent >= 5, "{by_agent}");

    // A new token replaces the old one; turning provisioning off stops the new one too.
    let renewed = scim::make_scim_token(&live.t.state, &root).await.unwrap();
    assert_eq!(idp.send(M::GET, "/Users", None).await.0, 401);
    let fresh = Provider {
        token: renewed.token,
        ..provisioning_like(&idp)
    };
    assert_eq!(fresh.send(M::GET, "/Groups", None).await.0, 200);
    scim::revoke_scim_token(&live.t.state, &root).await.unwrap();
    assert_eq!(fresh.send(M::GET, "/Groups", None).await.0, 401);
}

fn provisioning_like<'a>(other: &Provider<'a>) -> Provider<'a> {
    Provider {
        live: other.live,
        token: other.token.clone(),
        http: other.http.clone(),
    }
}

async fn the_scim_conformance_checker_passes(t: TestDb) {
    let live = live::start(t).await;
    let idp = provisioning(&live).await;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/tools/scim_check.py");
    let (url, token) = (live.url("/scim/v2"), idp.token.clone());
    // The checker blocks on its requests; the server answers on the runtime meanwhile.
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new("python3")
            .arg(script)
            .arg(url)
            .arg(token)
            .output()
            .expect("python3 runs (scripts/setup.sh installs scim2-tester)")
    })
    .await
    .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "scim2-tester found failures:\n{report}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
