//! Visitor pages served as bytes: the first page of an anonymous link or embed, the same for
//! every visitor of one app version through one link, is rendered once and kept with its
//! session token and CSP nonce cut out (`app::anonymous::runtime::FirstPage`). The next visitor
//! passes the same checks and takes a seat (`start_from_first_page`); their token and this
//! response's nonce are spliced in, and nothing is rendered. A page not kept yet is rendered by
//! one visitor while the others asking for it wait and then take it (after a reload, the whole
//! crowd would otherwise render the same page at once). Anything else (a refusal, initial
//! selections) renders as before.

use std::sync::Arc;

use app::anonymous::runtime::{FirstPage, PageCapture, PageRender};
use app::anonymous::service::{self as anonymous, KeptPage, PageRequest, Visit};
use app::auth::principal::RequestInfo;
use app::error::AppError;
use app::server_support::CspNonce;
use app::state::AppState;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::{header, HeaderValue, Method, StatusCode};

/// How long a visitor waits for another's render of the same page before rendering their own.
const RENDER_PATIENCE: std::time::Duration = std::time::Duration::from_secs(5);

/// A page bigger than this is rendered every time rather than kept.
const MAX_KEPT_PAGE: usize = 4 << 20;

/// The app and access code a visitor page's address names, if it is one that may be kept: no
/// initial selections (those make a view of the visitor's own).
fn page_of(path: &str, query: &str) -> Option<(String, String)> {
    let app_id = match path.strip_prefix("/a/") {
        Some(rest) => rest,
        None => path.strip_prefix("/embed/")?.split('/').next()?,
    };
    if app_id.is_empty() || app_id.contains('/') {
        return None;
    }
    let mut code = None;
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        match name.as_ref() {
            "eac" => code = Some(value.into_owned()),
            "select" if !value.is_empty() => return None,
            // An embed joining its page's session draws that session's view, its own.
            "session" if !value.is_empty() => return None,
            _ => {}
        }
    }
    Some((app_id.to_string(), code?))
}

/// The address a kept page is known by: its path, only what the page reads from the query
/// (code, sheet, chart, field, theme, toolbar), in one order, and how it writes numbers
/// (`numbers`: `Locale::code`, from the query's `locale` or the browser's languages, a
/// handful of styles however many languages ask). Made-up parameters and their order make no
/// new page to keep. None when a parameter the page reads comes twice (which one the page would
/// read is not this function's to guess): such a page is neither kept nor served.
pub fn page_address(path: &str, query: &str, numbers: &str) -> Option<String> {
    const READ: [&str; 7] = [
        "eac", "sheet", "object", "field", "theme", "toolbar", "locale",
    ];
    let mut kept: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .filter(|(name, _)| READ.contains(&name.as_ref()))
        .map(|(name, value)| {
            let value = if name == "toolbar" {
                // The page reads only whether the toolbar is off.
                matches!(value.as_ref(), "0" | "false" | "no").to_string()
            } else {
                value.into_owned()
            };
            (name.into_owned(), value)
        })
        .collect();
    kept.sort();
    if kept.windows(2).any(|pair| pair[0].0 == pair[1].0) {
        return None;
    }
    // The locale named decides only the style, and an unknown one makes no page to keep.
    kept.retain(|(name, _)| name != "locale");
    kept.push(("numbers".into(), numbers.into()));
    kept.sort();
    let query: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(kept)
        .finish();
    Some(format!("{path}?{query}"))
}

pub async fn serve(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let query = request.uri().query().unwrap_or("").to_string();
    let page = (request.method() == Method::GET)
        .then(|| page_of(request.uri().path(), &query))
        .flatten();
    let (Some((app_id, code)), Some(nonce)) = (page, request.extensions().get::<CspNonce>()) else {
        return next.run(request).await;
    };
    let nonce = nonce.0.clone();
    let languages = request
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    // As the page itself reads it (`reader_locale`): the key says what the page holds.
    let numbers = app::content::rules::Locale::of_request(Some(&query), languages).code();
    let Some(address) = page_address(request.uri().path(), &query, &numbers) else {
        return next.run(request).await;
    };
    let client_addr = request
        .extensions()
        .get::<RequestInfo>()
        .map(|info| info.client_addr.clone())
        .unwrap_or_default();
    let visit = || {
        anonymous::start_from_first_page(
            &state,
            Visit {
                client_addr: &client_addr,
                page: None,
            },
            PageRequest {
                app_id: &app_id,
                code: &code,
                address: &address,
            },
        )
    };
    let mut kept = visit().await;
    // One render per page at a time: those who ask while it renders (a crowd arriving as new
    // data comes in) wait for it and take the page it kept.
    let mut _lead = None;
    if let Ok(KeptPage::NotKept { key }) = &kept {
        match state.anonymous.page_render(key) {
            PageRender::Lead(lead) => _lead = Some(lead),
            follow => {
                follow.wait(RENDER_PATIENCE).await;
                kept = visit().await;
            }
        }
    }
    match kept {
        Ok(KeptPage::Served(page, token)) => return html(page.render(&token, &nonce)),
        // Refused (the per-address rate, the capacity): the page is rendered to say why, and
        // the render answers with this refusal instead of counting the visit again.
        Err(error @ (AppError::TooManyRequests { .. } | AppError::Unavailable { .. })) => {
            request
                .extensions_mut()
                .insert(app::anonymous::runtime::PriorRefusal(error));
        }
        _ => {}
    }
    // Rendered; kept if the render says it is a first view every visitor shares.
    let capture = Arc::new(PageCapture::new(address));
    request.extensions_mut().insert(capture.clone());
    let response = next.run(request).await;
    if response.status() != StatusCode::OK {
        return response;
    }
    let Some((key, token)) = capture.take() else {
        return response;
    };
    let (mut parts, body) = response.into_parts();
    match axum::body::to_bytes(body, MAX_KEPT_PAGE).await {
        Ok(bytes) => {
            let page = FirstPage::cut(&bytes, &token, &nonce);
            if page.holds_token() {
                state.anonymous.keep_first_page(key, page);
            }
            parts.headers.remove(header::CONTENT_LENGTH);
            Response::from_parts(parts, Body::from(bytes))
        }
        Err(error) => {
            tracing::warn!(%error, "a visitor page could not be read to be kept");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "The page could not be sent; reload it.",
            )
                .into_response()
        }
    }
}

fn html(bytes: Vec<u8>) -> Response {
    let mut response = Response::new(Body::from(bytes));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_page_is_known_by_what_it_reads_only() {
        let page = "/anon/0123456789abcdef01234567/app";
        let page_address = |page: &str, query: &str| page_address(page, query, ",.");
        let plain = page_address(page, "eac=abc&sheet=s1").unwrap();
        for same in [
            "sheet=s1&eac=abc",
            "eac=abc&sheet=s1&utm=1",
            "eac=abc&sheet=s1&x=2&y=3&toolbar=yes",
        ] {
            let other = page_address(page, same).unwrap();
            if same.contains("toolbar") {
                assert_eq!(other, format!("{plain}&toolbar=false"));
            } else {
                assert_eq!(other, plain, "{same}");
            }
        }
        assert_ne!(page_address(page, "eac=abc&sheet=s2").unwrap(), plain);
        assert_eq!(page_address(page, "eac=abc&sheet=s1&sheet=s2"), None);
        // Written in German, the same page is another page; named by its locale or not, the same.
        let german = super::page_address(page, "eac=abc&sheet=s1", ".,").unwrap();
        assert_ne!(german, plain);
        let named = super::page_address(page, "eac=abc&sheet=s1&locale=de-DE", ".,").unwrap();
        assert_eq!(named, german);
        assert_eq!(
            super::page_address(page, "eac=abc&locale=de&locale=fr", ".,"),
            None
        );
    }

    #[test]
    fn only_visitor_pages_without_initial_selections_are_kept() {
        assert_eq!(
            page_of("/a/abc", "eac=x1&sheet=s"),
            Some(("abc".into(), "x1".into()))
        );
        assert_eq!(
            page_of("/embed/abc/chart", "object=c&eac=x1"),
            Some(("abc".into(), "x1".into()))
        );
        assert_eq!(page_of("/a/abc", "eac=x1&select=Region:North"), None);
        assert_eq!(page_of("/a/abc", "sheet=s"), None, "no code");
        assert_eq!(page_of("/spaces", "eac=x"), None);
        assert_eq!(page_of("/a/abc/more", "eac=x"), None);
    }
}
