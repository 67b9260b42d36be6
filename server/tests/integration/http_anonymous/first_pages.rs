//! A link's first page kept as bytes: rendered once, each visitor given their own session and
//! nonce, never served past a change of the link, known only by what the page reads.

use super::*;

on_both_databases!(
    a_links_first_page_is_rendered_once_and_every_visitor_gets_their_own_session,
    visitors_arriving_together_wait_for_one_render_of_the_first_page,
);

/// Visitors who arrive together at a page not kept yet (a link just made, or an app's new data
/// just in) do not each render it: one does, the others wait and are served what it kept, each
/// with a session of their own.
async fn visitors_arriving_together_wait_for_one_render_of_the_first_page(t: TestDb) {
    let (live, w, link) = setup(t).await;
    let address = format!("/a/{}?eac={}", w.app.id, code(&link));
    let before = live.t.state.anonymous.first_pages_rendered();
    // Five: as many sessions as one address may hold, and these all come from one.
    let visits = (0..5).map(|_| get(&live, &address));
    let pages = futures_util::future::join_all(visits).await;
    let mut tokens = Vec::new();
    for (status, _, page) in &pages {
        assert_eq!(*status, StatusCode::OK);
        assert!(page.contains("<svg"), "charts drawn");
        tokens.push(token_in(page));
    }
    tokens.sort();
    tokens.dedup();
    assert_eq!(tokens.len(), 5, "a session each");
    assert_eq!(
        live.t.state.anonymous.first_pages_rendered() - before,
        1,
        "one render for the five"
    );
}

/// The first page of a link is the same for every visitor: rendered once, then served as bytes
/// with each visitor's own session token and the response's own nonce spliced in. The checks
/// still run on every visit: a paused link, a reset code or a new reduction is never answered
/// with the kept page.
async fn a_links_first_page_is_rendered_once_and_every_visitor_gets_their_own_session(t: TestDb) {
    let (live, w, link) = setup(t).await;
    let address = format!("/a/{}?eac={}", w.app.id, code(&link));
    let mut tokens = Vec::new();
    let mut nonces = Vec::new();
    for _ in 0..3 {
        let (status, headers, page) = get(&live, &address).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            page.contains("<svg") && page.contains("South"),
            "charts drawn"
        );
        let nonce = nonce_of(&headers);
        assert!(
            page.contains(&format!("nonce=\"{nonce}\"")),
            "the page's scripts carry this response's nonce"
        );
        tokens.push(token_in(&page));
        nonces.push(nonce);
    }
    assert_eq!(
        live.t.state.anonymous.first_pages_kept(),
        1,
        "one page kept for the link"
    );
    tokens.dedup();
    nonces.dedup();
    assert_eq!(
        (tokens.len(), nonces.len()),
        (3, 3),
        "a session and a nonce each: {tokens:?}"
    );
    for token in &tokens {
        let (status, view) = call(
            &live,
            "anonymous_sheet",
            json!({"token": token, "sheet_id": null, "field": null, "change": null}),
        )
        .await;
        assert_eq!(
            status,
            StatusCode::OK,
            "every visitor's token works: {view}"
        );
    }

    // A reduction on the link: the kept page shows every region, so it is not served.
    anonymous::update_link(
        &live.t.state,
        &w.anna,
        &link.id,
        LinkChanges {
            reduction: Some(Some(app::anonymous::model::LinkReduction {
                field: "Region".into(),
                allowed: vec!["North".into()],
            })),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let wait_for = |expected: StatusCode, address: String| {
        let live = &live;
        async move {
            // PostgreSQL's processes hear of the change at commit: allow it a moment.
            for _ in 0..50 {
                let (status, _, page) = get(live, &address).await;
                if status == expected {
                    return page;
                }
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            panic!("{address} never answered {expected}");
        }
    };
    let north = wait_for(StatusCode::OK, address.clone()).await;
    assert!(
        north.contains("North") && !north.contains("South"),
        "the reduced link's page shows only the North"
    );
    // The page's own script path redraws within the reduction too: clearing every selection
    // shows only the North, and the South is not a value there to select.
    let page = json!({"ui": "App", "sheet": null, "object": null, "field": null,
        "theme": "Light", "toolbar": true, "select": ""});
    let (status, answer) = call(
        &live,
        "anonymous_sheet_html",
        json!({"token": token_in(&north), "page": page, "change": "ClearAll"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let html = answer["html"].as_str().unwrap_or_default();
    assert!(html.contains("North") && !html.contains("South"), "{html}");
    let (status, answer) = call(
        &live,
        "anonymous_sheet_html",
        json!({"token": token_in(&north), "page": page,
            "change": {"SelectValues": {"field": "Region", "values": ["South"]}}}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(answer["html"].is_null(), "{answer}");
    assert_eq!(answer["error"], "Region has no value \"South\".");

    // A reset code: the old address is refused, never served from the kept page.
    let fresh = anonymous::reset_link_code(&live.t.state, &w.anna, &link.id)
        .await
        .unwrap();
    let refused = wait_for(StatusCode::NOT_FOUND, address.clone()).await;
    assert!(!refused.contains("<svg"), "never data");
    let fresh_address = format!("/a/{}?eac={}", w.app.id, code(&fresh));
    let (status, _, _) = get(&live, &fresh_address).await;
    assert_eq!(status, StatusCode::OK, "the new code opens the app");

    // Made-up parameters make no new page to keep (the review: 256 of them emptied the cache).
    // (Fifteen minutes later: this one address holds as many sessions as it may.)
    live.t.minutes(15);
    let kept = live.t.state.anonymous.first_pages_kept();
    for n in 0..5 {
        let (status, _, _) = get(&live, &format!("{fresh_address}&utm={n}")).await;
        assert_eq!(status, StatusCode::OK);
    }
    assert_eq!(live.t.state.anonymous.first_pages_kept(), kept);

    // This address now holds the five sessions one address may: a visit answered from the kept
    // page is refused once, counted once, and told when the first of the five stops counting.
    let refused_so_far = || async {
        anonymous::get_anonymous_usage(&live.t.state, &w.admin)
            .await
            .unwrap()
            .history
            .last()
            .map_or(0, |h| h.refused)
    };
    let before = refused_so_far().await;
    let busy = wait_for(StatusCode::TOO_MANY_REQUESTS, fresh_address.clone()).await;
    assert!(
        busy.contains("the first of them stops counting in 3 minutes"),
        "{busy}"
    );
    assert_eq!(
        refused_so_far().await,
        before + 1,
        "one refusal, counted once"
    );
}
