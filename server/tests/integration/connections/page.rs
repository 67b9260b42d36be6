//! The data connections page as the server draws it for a tenant admin: the space's
//! connections and the forms, never an error in the first paint.

use super::*;
use crate::common::live::{start, PASSWORD};

on_both_databases!(the_connections_page_is_drawn_whole_on_the_server,);

async fn the_connections_page_is_drawn_whole_on_the_server(t: TestDb) {
    let live = start(t).await;
    let root = live.t.principal("root@acme.test").await;
    let space = spaces::create_space(
        &live.t.state,
        &root,
        NewSpace {
            space_type: SpaceType::Shared,
            name: "Warehouse data".into(),
            description: String::new(),
        },
    )
    .await
    .unwrap();
    let client = live.client();
    let signed_in = live.sign_in(&client, "root@acme.test", PASSWORD).await;
    assert!(signed_in.status().is_success());
    let page = client
        .get(live.url(&format!("/spaces/{}/connections", space.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), reqwest::StatusCode::OK);
    let html = page.text().await.unwrap();
    // The page's resources ask for the space and its connections side by side: one resource
    // asking for them in turn ran the second without the request's context on the server (an
    // internal error logged at every visit).
    assert!(!html.contains("Something went wrong"), "{html}");
    assert!(
        html.contains("Warehouse data")
            && html.contains("No data connections")
            && html.contains("Hosts connections may reach"),
        "the space, its (no) connections and the forms: {html}"
    );
}
