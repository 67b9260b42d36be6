//! Numbers in the visitor's way of writing them: from the browser's languages, or from the
//! `locale` an embed's author fixed; on the first page, after every change, and in the pages
//! kept for the next visitors.

use super::*;

on_both_databases!(a_visitor_reads_numbers_as_their_language_writes_them,);

async fn get_in(live: &Live, path: &str, languages: &str) -> (StatusCode, String) {
    let response = live
        .client()
        .get(live.url(path))
        .header("accept-language", languages)
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

/// A change on the visitor's page, as its script sends it: the view's new HTML.
async fn redraw(live: &Live, page: &str, languages: &str, options: Value) -> (StatusCode, Value) {
    let response = live
        .client()
        .post(live.url("/api/anonymous_sheet_html"))
        .header("accept-language", languages)
        .json(&json!({"token": token_in(page), "page": options, "change": "ClearAll"}))
        .send()
        .await
        .unwrap();
    (response.status(), response.json().await.unwrap())
}

/// The page's options as its script sends them back, with the locale it was given.
fn options(locale: Option<&str>) -> Value {
    json!({"ui": "App", "sheet": null, "object": null, "field": null, "theme": "Light",
        "toolbar": true, "select": "", "locale": locale})
}

/// The visitor closes the page: its seat is given back (an address holds five at most).
async fn leave(live: &Live, page: &str) {
    live.client()
        .post(live.url("/api/anonymous_end"))
        .body(token_in(page))
        .send()
        .await
        .unwrap();
}

/// The KPI of the world's amounts, 255.5, as a page writes it.
fn kpi_in(page: &str) -> String {
    let at = page
        .find("class=\"kpi-value\"")
        .unwrap_or_else(|| panic!("a KPI in {}", &page[page.len().saturating_sub(3000)..]))
        + 17;
    page[at..]
        .split('>')
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .unwrap_or_default()
        .to_string()
}

async fn a_visitor_reads_numbers_as_their_language_writes_them(t: TestDb) {
    let (live, w, link) = setup(t).await;
    let code = code(&link);
    let address = format!("/a/{}?eac={code}", w.app.id);

    // A browser that prefers German reads 255,5; one that prefers English, 255.5. Each kind of
    // page is kept apart: the English visitor is never served the German page.
    let (status, german) = get_in(&live, &address, "de-DE,de;q=0.9,en;q=0.8").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(kpi_in(&german), "255,5");
    assert!(
        german.contains("data-locale=\".,d.\""),
        "the page says its style"
    );
    let (_, english) = get_in(&live, &address, "en-US,en;q=0.9").await;
    assert_eq!(kpi_in(&english), "255.5");
    let (_, german_again) = get_in(&live, &address, "de-AT;q=0.1, de").await;
    assert_eq!(kpi_in(&german_again), "255,5");
    let (_, unknown) = get_in(&live, &address, "tlh").await;
    assert_eq!(
        kpi_in(&unknown),
        "255.5",
        "a language Sightline does not know: English"
    );
    for page in [&english, &german_again, &unknown] {
        leave(&live, page).await;
    }
    // German; American English (01/05/2026); a language Sightline does not know (ISO dates).
    assert_eq!(
        live.t.state.anonymous.first_pages_kept(),
        3,
        "one page per way of writing"
    );

    // After a change, the script's answer is written the same way.
    let (status, answer) = redraw(&live, &german, "de-DE,de;q=0.9", options(None)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(kpi_in(answer["html"].as_str().unwrap()), "255,5");
    leave(&live, &german).await;

    // An embed's author fixes the locale, whatever the browser prefers; the page sends it back
    // with each change.
    let embed = format!("/embed/{}/app?eac={code}&locale=de-CH", w.app.id);
    let (status, swiss) = get_in(&live, &embed, "en-US").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(kpi_in(&swiss), "255.5");
    assert!(
        swiss.contains("data-locale=\"'.d.\""),
        "Swiss German: 1'234.5 and 05.01.2026"
    );
    assert!(
        swiss.contains("&quot;locale&quot;:&quot;de-CH&quot;")
            || swiss.contains("\"locale\":\"de-CH\"")
    );
    leave(&live, &swiss).await;
    let (_, german_embed) = get_in(
        &live,
        &format!("/embed/{}/app?eac={code}&locale=de-DE", w.app.id),
        "en-US",
    )
    .await;
    assert_eq!(kpi_in(&german_embed), "255,5");
    let (_, answer) = redraw(&live, &german_embed, "en-US", options(Some("de-DE"))).await;
    assert_eq!(kpi_in(answer["html"].as_str().unwrap()), "255,5");

    leave(&live, &german_embed).await;
    // Escaped in the address, the same locale: the page and the key it is kept by agree.
    let (_, escaped) = get_in(
        &live,
        &format!("/embed/{}/app?eac={code}&locale=de%2DDE", w.app.id),
        "en-US",
    )
    .await;
    assert_eq!(kpi_in(&escaped), "255,5");
    assert!(escaped.contains("data-locale=\".,d.\""));

    // A locale Sightline does not write numbers for is refused with what to use.
    let (status, refused) = get_in(
        &live,
        &format!("/embed/{}/app?eac={code}&locale=xx-YY", w.app.id),
        "en",
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(refused.contains("does not know how"), "{refused}");
    assert!(!refused.contains("kpi-value"), "no data on a refused page");
}
