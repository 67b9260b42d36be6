//! What an anonymous visitor sees: the app through a link (`/a/<app>?eac=<code>`) or a part of
//! it in another site's iframe (`/embed/<app>/<ui>?eac=<code>&…`). The first view is rendered on
//! the server, so charts show before the WASM loads; selections then go through the session's
//! token. The time left shows; at the end an overlay offers a refresh, which starts a new
//! session with the same link.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::anonymous::api::{anonymous_sheet, start_anonymous_session};
use crate::anonymous::model::*;
use crate::components::{EmptyState, ErrorBox, Loading};
use crate::content::model::*;
use crate::content::ui::charts::{Chart, Selector};
use crate::content::ui::sheet::SelectionsBar;
use crate::error::AppError;

/// `/a/<app>`: the whole app, its public sheets as tabs.
#[component]
pub fn AnonymousPage() -> impl IntoView {
    let query = use_query_map();
    let sheet = query.with_untracked(|q| q.get("sheet"));
    let options = Ok(EmbedOptions {
        sheet,
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
    let options =
        use_query_map().with_untracked(|q| EmbedOptions::from_address(&ui, |name| q.get(name)));
    view! { <Visit options embedded=true/> }
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
    let requested = options.clone();
    let session = Resource::new(
        || (),
        move |_| {
            let (app_id, code, requested) = (app_id.clone(), code.clone(), requested.clone());
            async move {
                let options = requested?;
                let field = (options.ui == EmbedUi::Field)
                    .then(|| options.field.clone())
                    .flatten();
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
                )
                .await
            }
        },
    );
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
                {move || {
                    let options = options.clone();
                    Suspend::new(async move {
                        match (session.await, options) {
                            (Ok(session), Ok(options)) => view! { <Visitor session options embedded/> }.into_any(),
                            (Err(error), _) | (_, Err(error)) => view! { <LinkProblem error/> }.into_any(),
                        }
                    })
                }}
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

#[component]
fn Visitor(session: AnonymousSession, options: EmbedOptions, embedded: bool) -> impl IntoView {
    let current = RwSignal::new(session.view.clone());
    let token = StoredValue::new(session.token.clone());
    browser::end_on_leave(session.token.clone());
    let sheet = RwSignal::new(session.view.sheet.as_ref().map(|s| s.id.clone()));
    let field = StoredValue::new(
        (options.ui == EmbedUi::Field)
            .then(|| options.field.clone())
            .flatten(),
    );
    let ended = RwSignal::new(None::<String>);
    let left_ms = RwSignal::new(session.lasts_ms);
    let error = RwSignal::new(None::<AppError>);
    let change = Action::new(move |change: &Option<SelectionChange>| {
        let change = change.clone();
        async move {
            anonymous_sheet(
                token.get_value(),
                sheet.get_untracked(),
                field.get_value(),
                change,
            )
            .await
        }
    });
    Effect::new(move || match change.value().get() {
        Some(Ok(view)) => {
            browser::tell_parent(
                &serde_json::json!({ "sightline": "selections", "selections": view.selections.iter().map(|c| serde_json::json!({ "field": c.field, "values": c.values, "count": c.count })).collect::<Vec<_>>() }),
            );
            current.set(view);
            error.set(None);
        }
        Some(Err(AppError::SessionEnded(message))) => ended.set(Some(message)),
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    // The countdown runs in the browser only (effects do not run on the server).
    let lasts_ms = session.lasts_ms;
    Effect::new(move || browser::count_down(lasts_ms, left_ms, ended));
    Effect::new(move || {
        if ended.get().is_some() {
            browser::tell_parent(&serde_json::json!({ "sightline": "session-ended" }));
        }
    });
    let selector = Selector {
        toggle: Callback::new(move |(field, code): (String, u32)| {
            change.dispatch(Some(SelectionChange::Toggle { field, code }));
        }),
        search: Callback::new(move |(field, text): (String, String)| {
            change.dispatch(Some(SelectionChange::Search { field, text }));
        }),
    };
    let ui = options.ui;
    let show_bar = !embedded || ui == EmbedUi::App;
    let show_selections = (options.toolbar && ui != EmbedUi::Field) || ui == EmbedUi::Selections;
    let object = StoredValue::new(options.object.clone());
    let app_name = session.view.app_name.clone();
    view! {
        <Title text=app_name.clone()/>
        {show_bar.then(|| view! {
            <header class="visitor-bar">
                <span class="brand-mark" aria-hidden="true"></span>
                <strong class="visitor-title">{app_name.clone()}</strong>
                <span class="grow"></span>
                <Timer left_ms/>
            </header>
        })}
        {(ui == EmbedUi::App).then(|| view! { <VisitorTabs current sheet change/> })}
        {show_selections.then(|| view! { <SelectionsBar current change pending=change.pending()/> })}
        {move || error.get().map(|error| view! { <ErrorBox error/> })}
        {(ui != EmbedUi::Selections).then(|| view! { <VisitorCharts current selector object=object.get_value()/> })}
        {(!show_bar).then(|| view! { <footer class="visitor-foot"><Timer left_ms/></footer> })}
        {move || ended.get().map(|message| view! { <SessionEnded message/> })}
    }
}

#[component]
fn Timer(left_ms: RwSignal<i64>) -> impl IntoView {
    view! {
        <span class="timer" class:low=move || left_ms.get() < 2 * 60 * 1000 role="timer" aria-live="off" title="Time left in this anonymous session; a refresh starts a new one">
            {move || format!("{} left", clock(left_ms.get()))}
        </span>
    }
}

/// The app's public sheets as tabs; switching keeps the session and its selections.
#[component]
fn VisitorTabs(
    current: RwSignal<SheetView>,
    sheet: RwSignal<Option<String>>,
    change: Action<Option<SelectionChange>, Result<SheetView, AppError>>,
) -> impl IntoView {
    view! {
        <nav class="sheet-tabs" aria-label="Sheets">
            {move || {
                let open = current.with(|c| c.sheet.as_ref().map(|s| s.id.clone()));
                current.with(|c| c.sheets.clone()).into_iter().map(|s| {
                    let active = open.as_deref() == Some(s.id.as_str());
                    let id = s.id.clone();
                    view! {
                        <button type="button" class=if active { "tab active" } else { "tab" } aria-current=active.then_some("page")
                            on:click=move |_| { sheet.set(Some(id.clone())); change.dispatch(None); }>
                            {s.title}
                        </button>
                    }
                }).collect_view()
            }}
        </nav>
    }
}

/// The open sheet's charts, or the one chart an embed names.
#[component]
fn VisitorCharts(
    current: RwSignal<SheetView>,
    selector: Selector,
    object: Option<String>,
) -> impl IntoView {
    let class = if object.is_some() {
        "sheet-grid single"
    } else {
        "sheet-grid"
    };
    view! {
        <div class=class>
            {move || {
                let charts: Vec<ChartView> = current.with(|c| c.charts.iter().filter(|chart| object.as_ref().is_none_or(|o| *o == chart.id)).cloned().collect());
                if charts.is_empty() {
                    let hint = if object.is_some() { "This chart is no longer in the app: ask for a new embed code." } else { "There is nothing to show on this sheet yet." };
                    return view! { <EmptyState title="Nothing to show" hint=hint.to_string()/> }.into_any();
                }
                charts.into_iter().map(|chart| {
                    let class = format!("cell cell-{}", chart.spec.kind.api_name());
                    view! { <div class=class><Chart chart selector/></div> }
                }).collect_view().into_any()
            }}
        </div>
    }
}

#[component]
fn SessionEnded(message: String) -> impl IntoView {
    view! {
        <div class="session-ended" role="alertdialog" aria-modal="true" aria-labelledby="session-ended-title">
            <div class="card">
                <h2 id="session-ended-title">"Your session has ended"</h2>
                <p>{message}</p>
                <button type="button" class="button primary" on:click=move |_| browser::reload()>"Refresh"</button>
            </div>
        </div>
    }
}

/// What only the browser does: the countdown, telling the embedding page, reloading.
mod browser {
    use leptos::prelude::*;

    #[cfg(feature = "hydrate")]
    pub fn count_down(lasts_ms: i64, left_ms: RwSignal<i64>, ended: RwSignal<Option<String>>) {
        let started = js_sys::Date::now();
        leptos::task::spawn_local(async move {
            loop {
                gloo_timers::future::TimeoutFuture::new(1_000).await;
                let left = lasts_ms - (js_sys::Date::now() - started) as i64;
                left_ms.set(left);
                if left <= 0 {
                    if ended.get_untracked().is_none() {
                        ended.set(Some("Anonymous sessions last a limited time. Refresh the page to start a new one with the same link.".into()));
                    }
                    break;
                }
            }
        });
    }

    #[cfg(not(feature = "hydrate"))]
    pub fn count_down(_: i64, _: RwSignal<i64>, _: RwSignal<Option<String>>) {}

    /// Posts a message to the page that frames this one (`<sightline-embed>` listens).
    pub fn tell_parent(message: &serde_json::Value) {
        #[cfg(feature = "hydrate")]
        if let Some(parent) = window().parent().ok().flatten() {
            if parent != window() {
                let _ = parent
                    .post_message(&wasm_bindgen::JsValue::from_str(&message.to_string()), "*");
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = message;
    }

    /// When the page goes away (refresh, closed tab, another address), its session's seat is
    /// given back at once instead of when the session would expire.
    pub fn end_on_leave(token: String) {
        #[cfg(feature = "hydrate")]
        {
            let handle = window_event_listener(leptos::ev::pagehide, move |_| {
                let _ = window().navigator().send_beacon_with_opt_str(
                    crate::anonymous::rules::END_SESSION_PATH,
                    Some(&token),
                );
            });
            on_cleanup(move || handle.remove());
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = token;
    }

    pub fn reload() {
        #[cfg(feature = "hydrate")]
        let _ = window().location().reload();
    }
}
