//! What an anonymous visitor sees: the app through a link (`/a/<app>?eac=<code>`) or a part of
//! it in another site's iframe (`/embed/<app>/<ui>?eac=<code>&…`). The first view is rendered on
//! the server, so charts show before the WASM loads; selections then go through the session's
//! token. The time left shows; at the end an overlay offers a refresh, which starts a new
//! session with the same link.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::anonymous::api::start_anonymous_session;
use crate::anonymous::model::*;
use crate::components::{EmptyState, Loading};
use crate::content::model::*;
use crate::content::ui::charts::{Chart, Selector};
use crate::content::ui::sheet::SelectionsBar;
use crate::error::AppError;

/// `/a/<app>`: the whole app, its public sheets as tabs.
#[component]
pub fn AnonymousPage() -> impl IntoView {
    let query = use_query_map();
    let sheet = query.with_untracked(|q| q.get("sheet"));
    let locale = query.with_untracked(|q| q.get("locale"));
    let options = crate::anonymous::model::locale_of(locale).map(|locale| EmbedOptions {
        sheet,
        locale,
        ..EmbedOptions::default()
    });
    view! { <Visit options embedded=false/> }
}

/// `/embed/<app>/<ui>`: one part of the app for another site's iframe.
#[component]
pub fn EmbedPage() -> impl IntoView {
    let ui = use_params_map()
        .with_untracked(|p| p.get("ui"))
        .unwrap_or_default();
    let query = use_query_map();
    let options = query.with_untracked(|q| EmbedOptions::from_address(&ui, |name| q.get(name)));
    // A host site's own signed-in user: no access code; the page signs in through the host.
    if query.with_untracked(|q| q.get("auth")).as_deref() == Some("host") {
        return view! { <HostVisit options/> }.into_any();
    }
    view! { <Visit options embedded=true/> }.into_any()
}

/// An embed for a host site's signed-in user: nothing of the app is drawn until the host page
/// gives a token its backend signed (`assets/visitor.js` asks for it, exchanges it for a
/// session carried in a header, and draws the view the user may see).
#[component]
fn HostVisit(options: Result<EmbedOptions, AppError>) -> impl IntoView {
    let app_id = use_params_map()
        .with_untracked(|p| p.get("app"))
        .unwrap_or_default();
    match options {
        Err(error) => view! { <div class="visitor embedded"><LinkProblem error/></div> }.into_any(),
        Ok(options) => {
            let class = format!("visitor embedded theme-{}", options.theme.api_name());
            let page = serde_json::to_string(&options).unwrap_or_default();
            view! {
                <Title text="Sightline"/>
                <div class=class>
                    <script src="/embed-frame.js" async></script>
                    <div class="visitor-session" data-auth="host" data-app=app_id data-page=page>
                        <div class="visitor-view">
                            <p class="loading" role="status"><span class="spinner" aria-hidden="true"></span>"Signing in through the host page…"</p>
                        </div>
                    </div>
                </div>
            }
            .into_any()
        }
    }
}

/// Starts the session (on the server, for the first paint) and shows the visit, or why not.
#[component]
fn Visit(options: Result<EmbedOptions, AppError>, embedded: bool) -> impl IntoView {
    let app_id = use_params_map()
        .with_untracked(|p| p.get("app"))
        .unwrap_or_default();
    let code = use_query_map()
        .with_untracked(|q| q.get("eac"))
        .unwrap_or_default();
    // Another embed of the same page: the session its first embed started.
    let join = use_query_map().with_untracked(|q| q.get("session"));
    // A plain future, not a resource: the page is complete HTML, and nothing in the browser
    // reads a resource's serialized copy (8 KB a page).
    let requested = options.clone();
    let session = async move {
        let options = requested?;
        let field = options.only_field().map(str::to_string);
        let chart = (options.ui == EmbedUi::Chart)
            .then(|| options.object.clone())
            .flatten();
        start_anonymous_session(
            app_id,
            code,
            options.sheet.clone(),
            chart,
            field,
            options.select.clone(),
            join,
        )
        .await
    };
    let theme = options.as_ref().map(|o| o.theme).unwrap_or_default();
    let class = format!(
        "visitor theme-{}{}",
        theme.api_name(),
        if embedded { " embedded" } else { "" }
    );
    view! {
        <div class=class>
            {embedded.then(|| view! { <script src="/embed-frame.js" async></script> })}
            <Suspense fallback=|| view! { <Loading/> }>
                {Suspend::new(async move {
                    match (session.await, options) {
                        (Ok(session), Ok(options)) => view! { <Visitor session options embedded/> }.into_any(),
                        (Err(error), _) | (_, Err(error)) => view! { <LinkProblem error/> }.into_any(),
                    }
                })}
            </Suspense>
        </div>
    }
}

/// A page instead of data: the link does not work, has expired, is paused, or Sightline is busy.
#[component]
fn LinkProblem(error: AppError) -> impl IntoView {
    #[cfg(feature = "ssr")]
    crate::server_support::set_status(&error);
    let title = match &error {
        AppError::NotFound(_) => "This link does not work",
        AppError::Gone(_) => "This link has expired",
        AppError::Forbidden(_) => "This link is turned off",
        AppError::Unavailable { .. } => "Too many visitors right now",
        AppError::TooManyRequests { .. } => "Too many new sessions",
        AppError::Invalid { .. } => "This address is not quite right",
        _ => "Something went wrong",
    };
    view! {
        <Title text=title/>
        <section class="visitor-problem" role="alert">
            <span class="brand-mark" aria-hidden="true"></span>
            <h1>{title}</h1>
            <p>{error.to_string()}</p>
            {error.retry_after_secs().map(|secs| view! { <p class="muted">{format!("Try again in {secs} seconds.")}</p> })}
        </section>
    }
}

/// Minutes and seconds, as the timer shows them.
pub fn clock(ms: i64) -> String {
    let secs = (ms.max(0) + 999) / 1000;
    format!("{}:{:02}", secs / 60, secs % 60)
}

/// The visit: rendered on the server, made live by `assets/visitor.js` (no WASM: a visitor
/// downloads the page, the stylesheet and a few kilobytes of script). The script reads the
/// session from the root's `data-` attributes, counts the time down, and sends each click on a
/// mark, value, tab or toolbar button to `rules::SHEET_HTML_PATH`, which answers with the
/// view's new HTML (`view_html`, the same components as here).
#[component]
fn Visitor(session: AnonymousSession, options: EmbedOptions, embedded: bool) -> impl IntoView {
    let ui = options.ui;
    let show_bar = !embedded || ui == EmbedUi::App;
    let app_name = session.view.app_name.clone();
    // What the script sends back with every change: the options, on the sheet now open.
    let page = EmbedOptions {
        sheet: session.view.sheet.as_ref().map(|s| s.id.clone()),
        ..options.clone()
    };
    let page = serde_json::to_string(&page).unwrap_or_default();
    let lasts_ms = session.lasts_ms;
    view! {
        <Title text=app_name.clone()/>
        <div class="visitor-session" data-token=session.token.clone() data-lasts-ms=lasts_ms.to_string() data-page=page>
            {show_bar.then(|| view! {
                <header class="visitor-bar">
                    <span class="brand-mark" aria-hidden="true"></span>
                    <strong class="visitor-title">{app_name.clone()}</strong>
                    <span class="grow"></span>
                    <Timer lasts_ms/>
                </header>
            })}
            <div class="visitor-view">{VisitorView(session.view, &options)}</div>
            {(!show_bar).then(|| view! { <footer class="visitor-foot"><Timer lasts_ms/></footer> })}
        </div>
    }
}

/// The time left; the script counts it down.
#[component]
fn Timer(lasts_ms: i64) -> impl IntoView {
    view! {
        <span class=if lasts_ms < 2 * 60 * 1000 { "timer low" } else { "timer" } role="timer" aria-live="off" title="Time left in this anonymous session; a refresh starts a new one">
            {format!("{} left", clock(lasts_ms))}
        </span>
    }
}

/// What a change redraws: the sheet tabs, the selections toolbar and the charts, as the
/// options ask.
#[allow(non_snake_case)]
fn VisitorView(view: SheetView, options: &EmbedOptions) -> impl IntoView {
    let ui = options.ui;
    let show_selections = (options.toolbar && ui != EmbedUi::Field) || ui == EmbedUi::Selections;
    let tabs = (ui == EmbedUi::App).then(|| visitor_tabs(&view));
    let selections = show_selections.then(|| {
        // The portal's toolbar, drawn once: the script does what its buttons ask.
        let current = RwSignal::new(view.clone());
        let change = Action::new(|_: &Option<SelectionChange>| async {
            Err::<SheetView, _>(AppError::NotFound("drawn on the server".into()))
        });
        let pending = Memo::new(|_| false);
        view! { <SelectionsBar current change pending/> }
    });
    let charts =
        (ui != EmbedUi::Selections).then(|| visitor_charts(&view, options.object.as_deref()));
    view! { {tabs}{selections}{charts} }
}

/// The app's public sheets as tabs; switching keeps the session and its selections.
fn visitor_tabs(view: &SheetView) -> impl IntoView {
    let open = view.sheet.as_ref().map(|s| s.id.clone());
    let tabs = view.sheets.iter().map(|s| {
        let active = open.as_deref() == Some(s.id.as_str());
        view! {
            <button type="button" class=if active { "tab active" } else { "tab" } aria-current=active.then_some("page") data-sheet=s.id.clone()>
                {s.title.clone()}
            </button>
        }
    }).collect_view();
    view! { <nav class="sheet-tabs" aria-label="Sheets">{tabs}</nav> }
}

/// The open sheet's charts, or the one chart an embed names.
fn visitor_charts(view: &SheetView, object: Option<&str>) -> impl IntoView {
    let class = if object.is_some() {
        "sheet-grid single"
    } else {
        "sheet-grid"
    };
    let charts: Vec<ChartView> = view
        .charts
        .iter()
        .filter(|chart| object.is_none_or(|o| o == chart.id))
        .cloned()
        .collect();
    let body = if charts.is_empty() {
        let hint = if object.is_some() {
            "This chart is no longer in the app: ask for a new embed code."
        } else {
            "There is nothing to show on this sheet yet."
        };
        view! { <EmptyState title="Nothing to show" hint=hint.to_string()/> }.into_any()
    } else {
        // Clicks are the script's: the marks carry their field and code.
        let selector = Selector {
            toggle: Callback::new(|_| {}),
            search: Callback::new(|_| {}),
        };
        charts
            .into_iter()
            .map(|chart| {
                let class = format!("cell cell-{}", chart.spec.kind.api_name());
                view! { <div class=class><Chart chart selector/></div> }
            })
            .collect_view()
            .into_any()
    };
    view! { <div class=class>{body}</div> }
}

/// The HTML of a view after a change, as `Visitor` draws it in `.visitor-view`, with numbers
/// written as the page's `locale` or the visitor's browser (`accept_language`) writes them.
#[cfg(feature = "ssr")]
pub fn view_html(view: SheetView, options: &EmbedOptions, accept_language: Option<&str>) -> String {
    use crate::content::rules::Locale;
    let owner = Owner::new();
    owner.with(|| {
        provide_context(Locale::of_reader(
            options.locale.as_deref(),
            accept_language,
        ));
        VisitorView(view, options).to_html()
    })
}
