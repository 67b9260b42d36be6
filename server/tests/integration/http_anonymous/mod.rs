//! Anonymous access over HTTP against the real server, on SQLite and PostgreSQL: the link's
//! page and its headers, the error pages (404, 403, 410, 503, 429), the session's own server
//! functions (and that a visitor's token opens no other route), embed pages framed only by
//! allowed origins, `/api/v1/csp-origins`, link shares in `/api/v1/spaces/{id}/shares`, and
//! `/embed.js`.

use crate::common::live::{detail, start, Live};
use crate::common::world::{world_with, World};
use crate::common::{Backend, TestDb};
use app::anonymous::model::{LinkChanges, LinkInfo};
use app::anonymous::service as anonymous;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn setup(t: TestDb) -> (Live, World, LinkInfo) {
    let live = start(t).await;
    let root = live.t.principal("root@acme.test").await;
    let w = world_with(&live.t, root).await;
    let panel = anonymous::set_anonymous_access(&live.t.state, &w.anna, &w.app.id, true)
        .await
        .unwrap();
    (live, w, panel.links.into_iter().next().unwrap())
}

fn code(link: &LinkInfo) -> String {
    link.code.clone().unwrap()
}

async fn get(live: &Live, path: &str) -> (StatusCode, reqwest::header::HeaderMap, String) {
    let response = live.client().get(live.url(path)).send().await.unwrap();
    let (status, headers) = (response.status(), response.headers().clone());
    (status, headers, response.text().await.unwrap())
}

/// A response header's value, or "" when it is missing.
fn h(headers: &reqwest::header::HeaderMap, name: &str) -> String {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

async fn call(live: &Live, function: &str, body: Value) -> (StatusCode, Value) {
    let response = live
        .client()
        .post(live.url(&format!("/api/{function}")))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

mod first_pages;
mod locale;

on_both_databases!(
    a_link_opens_its_app_page_and_nothing_else,
    embed_pages_are_framed_only_by_allowed_origins,
    closed_links_and_full_capacity_answer_with_clear_pages,
    links_are_listed_among_the_spaces_shares,
);

/// The session token in a page (its root's `data-token`, which the page's script sends back).
fn token_in(page: &str) -> String {
    let at = page
        .find("token")
        .expect("the page holds its session's token")
        + "token".len();
    page[at..]
        .chars()
        .skip_while(|c| !c.is_ascii_hexdigit())
        .take_while(|c| c.is_ascii_hexdigit() || *c == '.')
        .collect()
}

/// The CSP nonce a response's header allows.
fn nonce_of(headers: &reqwest::header::HeaderMap) -> String {
    let csp = h(headers, "content-security-policy");
    let at = csp.find("'nonce-").expect("a nonce") + 7;
    csp[at..].split('\'').next().unwrap().to_string()
}

async fn a_link_opens_its_app_page_and_nothing_else(t: TestDb) {
    let (live, w, link) = setup(t).await;
    let code = code(&link);
    let (status, headers, page) = get(&live, &format!("/a/{}?eac={code}", w.app.id)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("Community stats") && page.contains("<svg") && page.contains("15:00 left"),
        "charts drawn on the server, the time left shown"
    );
    assert_eq!(
        h(&headers, "referrer-policy"),
        "no-referrer",
        "the code never leaves in a referrer"
    );
    assert!(
        h(&headers, "content-security-policy").ends_with("frame-ancestors 'none'"),
        "the link's page is not for framing"
    );
    assert_eq!(h(&headers, "cache-control"), "no-store");
    assert!(
        !page.contains("Spaces</a>"),
        "no portal around a visitor's page"
    );

    // A wrong code, a missing app and no code answer the same 404 page.
    let (wrong, _, wrong_page) =
        get(&live, &format!("/a/{}?eac={}", w.app.id, "f".repeat(64))).await;
    let (missing, _, missing_page) = get(&live, &format!("/a/{}?eac={code}", "0".repeat(24))).await;
    let (none, _, _) = get(&live, &format!("/a/{}", w.app.id)).await;
    assert_eq!(
        (wrong, missing, none),
        (
            StatusCode::NOT_FOUND,
            StatusCode::NOT_FOUND,
            StatusCode::NOT_FOUND
        )
    );
    assert!(
        wrong_page.contains("This link does not work")
            && missing_page.contains("This link does not work")
    );
    assert!(!wrong_page.contains("<svg"), "never data");

    // The session's own server functions.
    let (status, session) = call(
        &live,
        "anonymous_start",
        json!({"app_id": w.app.id, "code": code, "sheet_id": null, "field": null, "select": ""}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{session}");
    let token = session["token"].as_str().unwrap().to_string();
    let (status, view) = call(
        &live,
        "anonymous_sheet",
        json!({"token": token, "sheet_id": null, "field": null, "change": "ClearAll"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(view["app_name"], "Community stats");
    let (status, ended) = call(
        &live,
        "anonymous_sheet",
        json!({"token": format!("{token}x"), "sheet_id": null, "field": null, "change": null}),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(ended.to_string().contains("SessionEnded"), "{ended}");

    // The same operation as a visitor's page calls it (it runs no WASM): the view's new HTML.
    let page = json!({"ui": "App", "sheet": null, "object": null, "field": null,
        "theme": "Light", "toolbar": true, "select": ""});
    let (status, answer) = call(
        &live,
        "anonymous_sheet_html",
        json!({"token": token, "page": page, "change": "ClearAll"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let html = answer["html"].as_str().unwrap_or_default();
    assert!(
        html.contains("selections-bar") && html.contains("data-code="),
        "the toolbar and marks that select: {html}"
    );
    assert_eq!(answer["selections"], json!([]));
    let (status, ended) = call(
        &live,
        "anonymous_sheet_html",
        json!({"token": format!("{token}x"), "page": page, "change": null}),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(
        ended["ended"].is_string() && ended["html"].is_null(),
        "{ended}"
    );
    let refused = live
        .client()
        .post(live.url("/api/anonymous_sheet_html"))
        .json(&json!({"token": token, "change": null}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let said = refused.text().await.unwrap();
    assert!(said.contains("missing field `page`"), "{said}");

    // No REST route and no portal function for a visitor's token.
    let rest = live
        .client()
        .get(live.url("/api/v1/spaces"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(rest.status(), StatusCode::UNAUTHORIZED);
    let (status, _) = call(
        &live,
        "open_sheet",
        json!({"app_id": w.app.id, "sheet_id": null, "change": null}),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the portal's sheet function needs a signed-in user"
    );
    let (_, _, spaces) = get(&live, &format!("/spaces/{}", w.public_space)).await;
    assert!(
        !spaces.contains("Community stats"),
        "portal pages show a visitor nothing of the tenant"
    );
}

async fn embed_pages_are_framed_only_by_allowed_origins(t: TestDb) {
    let (live, w, link) = setup(t).await;
    let code = code(&link);
    let path = format!("/embed/{}/sheet?eac={code}&theme=dark&toolbar=0", w.app.id);
    let (status, headers, page) = get(&live, &path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("theme-dark") && page.contains("/embed-frame.js"));
    assert!(
        h(&headers, "content-security-policy").ends_with("frame-ancestors 'none'"),
        "no origin listed: nobody may frame it"
    );
    assert_eq!(
        h(&headers, "x-frame-options"),
        "",
        "frame-ancestors decides for embed pages"
    );

    let (status, origin) = live
        .api(
            Method::POST,
            "/api/v1/csp-origins",
            Some(json!({"name": "Partner", "origin": "https://Partner.example/"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{origin}");
    assert_eq!(
        (
            origin["origin"].as_str(),
            origin["frameAncestors"].as_bool()
        ),
        (Some("https://partner.example"), Some(true))
    );
    let id = origin["id"].as_str().unwrap().to_string();
    let (_, headers, _) = get(&live, &path).await;
    assert!(
        h(&headers, "content-security-policy").ends_with("frame-ancestors https://partner.example"),
        "{}",
        h(&headers, "content-security-policy")
    );
    let (status, list) = live.api(Method::GET, "/api/v1/csp-origins", None).await;
    assert_eq!(
        (status, list["data"].as_array().map(Vec::len)),
        (StatusCode::OK, Some(1))
    );
    live.expect_refusal(
        Method::POST,
        "/api/v1/csp-origins",
        json!({"name": "Evil", "origin": "https://a.example; script-src *"}),
        StatusCode::BAD_REQUEST,
        "not a site's origin",
    )
    .await;
    live.expect_refusal(
        Method::POST,
        "/api/v1/csp-origins",
        json!({"name": "Again", "origin": "https://partner.example"}),
        StatusCode::CONFLICT,
        "already on the list",
    )
    .await;
    let (status, changed) = live
        .api(
            Method::PUT,
            &format!("/api/v1/csp-origins/{id}"),
            Some(json!({"name": "Partner", "origin": "https://www.partner.example"})),
        )
        .await;
    assert_eq!(
        (status, changed["origin"].as_str()),
        (StatusCode::OK, Some("https://www.partner.example"))
    );
    let (status, _) = live
        .api(Method::DELETE, &format!("/api/v1/csp-origins/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, gone) = live
        .api(Method::GET, &format!("/api/v1/csp-origins/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{gone}");
    let (_, headers, _) = get(&live, &path).await;
    assert!(h(&headers, "content-security-policy").ends_with("frame-ancestors 'none'"));

    // Portal pages are never framed.
    let (_, headers, _) = get(&live, "/login").await;
    assert!(h(&headers, "content-security-policy").ends_with("frame-ancestors 'none'"));
    assert_eq!(h(&headers, "x-frame-options"), "DENY");

    // Bad embed addresses say what is wrong.
    let (status, _, page) = get(&live, &format!("/embed/{}/poster?eac={code}", w.app.id)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        page.contains("app, sheet, chart, selections, field"),
        "the page names what can be embedded"
    );
    let (status, _, page) = get(&live, &format!("/embed/{}/chart?eac={code}", w.app.id)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("object="));
    let (status, _, page) = get(
        &live,
        &format!("/embed/{}/field?eac={code}&field=Region", w.app.id),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("chart-filter_pane"));

    // The web component's script.
    let response = live
        .client()
        .get(live.url("/embed.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(h(response.headers(), "content-type").contains("javascript"));
    assert_eq!(
        h(response.headers(), "access-control-allow-origin"),
        "*",
        "Qlik's tag loads the script with crossorigin=\"anonymous\""
    );
    assert!(response
        .text()
        .await
        .unwrap()
        .contains("customElements.define(\"sightline-embed\""));
}

async fn closed_links_and_full_capacity_answer_with_clear_pages(t: TestDb) {
    let (live, w, link) = setup(t).await;
    let page = format!("/a/{}?eac={}", w.app.id, code(&link));
    let state = live.t.state.clone();

    anonymous::update_link(
        &state,
        &w.anna,
        &link.id,
        LinkChanges {
            disabled: Some(true),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let (status, _, body) = get(&live, &page).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body.contains("This link is turned off") && !body.contains("<svg"));
    anonymous::update_link(
        &state,
        &w.anna,
        &link.id,
        LinkChanges {
            disabled: Some(false),
            ..Default::default()
        },
    )
    .await
    .unwrap();

    anonymous::set_anonymous_capacity(&state, &w.admin, 0)
        .await
        .unwrap();
    let response = live.client().get(live.url(&page)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(h(response.headers(), "retry-after"), "60");
    assert!(response
        .text()
        .await
        .unwrap()
        .contains("Too many visitors right now"));
    anonymous::set_anonymous_capacity(&state, &w.admin, 100)
        .await
        .unwrap();

    let tomorrow = live.t.state.now() + 24 * 60 * 60 * 1000;
    anonymous::update_link(
        &state,
        &w.anna,
        &link.id,
        LinkChanges {
            expires_at: Some(Some(tomorrow)),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    live.t.minutes(25 * 60);
    let (status, _, body) = get(&live, &page).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(body.contains("This link has expired"));
}

async fn links_are_listed_among_the_spaces_shares(t: TestDb) {
    let (live, w, link) = setup(t).await;
    // Root owns "Public" (and so sees its shares) but lacks Public link creation.
    let (status, shares) = live
        .api(
            Method::GET,
            &format!("/api/v1/spaces/{}/shares", w.public_space),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{shares}");
    let item = shares["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == link.id.as_str())
        .cloned()
        .expect("the link is listed");
    assert_eq!(
        (
            item["type"].as_str(),
            item["disabled"].as_bool(),
            item["assigneeName"].as_str()
        ),
        (Some("link"), Some(false), Some("Anonymous access"))
    );
    let (status, refused) = live
        .api(
            Method::POST,
            &format!("/api/v1/spaces/{}/shares", w.public_space),
            Some(json!({"resourceId": w.app.id, "type": "link", "roles": []})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        detail(&refused).contains("Public link creation"),
        "{refused}"
    );
    let (status, _) = live
        .api(
            Method::PATCH,
            &format!("/api/v1/spaces/{}/shares/{}", w.public_space, link.id),
            Some(json!([{"op": "replace", "path": "/disabled", "value": true}])),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "pausing a link takes what making one does"
    );
}

/// The per-address limit, with a limit of two a minute.
#[test]
fn one_address_is_slowed_after_its_limit() {
    crate::common::run(async {
        let t = TestDb::with_settings(Backend::Sqlite, |s| s.anonymous.starts_per_minute = 2).await;
        let (live, w, link) = setup(t).await;
        let page = format!("/a/{}?eac={}", w.app.id, code(&link));
        for _ in 0..2 {
            assert_eq!(get(&live, &page).await.0, StatusCode::OK);
        }
        let response = live.client().get(live.url(&page)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(h(response.headers(), "retry-after").parse::<u64>().unwrap() <= 60);
        assert!(response
            .text()
            .await
            .unwrap()
            .contains("Too many new sessions"));
    })
}
