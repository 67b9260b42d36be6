//! The admin center's Embedding page: anonymous capacity with its use, and the sites allowed to
//! frame Sightline.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::anonymous::api::*;
use crate::anonymous::model::*;
use crate::components::{EmptyState, ErrorBox, Loading, PageHeader, Time};
use crate::error::AppError;

#[component]
pub fn EmbeddingPage() -> impl IntoView {
    let version = RwSignal::new(0);
    let usage = RwSignal::new(None::<Result<AnonymousUsage, AppError>>);
    let origins = RwSignal::new(None::<Result<Vec<AllowedOrigin>, AppError>>);
    Effect::new(move || {
        version.track();
        leptos::task::spawn_local(async move {
            usage.set(Some(get_anonymous_usage().await));
            origins.set(Some(list_allowed_origins().await));
        });
    });
    let reload = move || version.update(|v| *v += 1);
    view! {
        <Title text="Embedding"/>
        <PageHeader title="Embedding and anonymous access".to_string() subtitle="Who may frame Sightline, how many anonymous visitors it serves at once, and collaborative sessions".to_string()/>
        <div class="columns">
            <Capacity usage reload/>
            <Origins origins reload/>
        </div>
        <crate::collab::ui::TenantCollabSwitch/>
        <section class="card">
            <h2>"Embedding for a site's own users"</h2>
            <p class="muted">"A site whose backend signs a token for each of its signed-in users can embed for them, each seeing what their own access gives them. Tenant admins register such sites as identity providers."</p>
            <a class="button" href="/admin/identity-providers">"Identity providers"</a>
        </section>
    }
}

#[component]
fn Capacity(
    usage: RwSignal<Option<Result<AnonymousUsage, AppError>>>,
    reload: impl Fn() + Send + Sync + Copy + 'static,
) -> impl IntoView {
    let max = RwSignal::new(String::new());
    let save = Action::new(move |max: &String| {
        let parsed = max.trim().parse::<i64>();
        async move {
            match parsed {
                Ok(max) => set_anonymous_capacity(max).await,
                Err(_) => Err(AppError::invalid(
                    "maxSessions",
                    "Write the capacity as a whole number of sessions.",
                )),
            }
        }
    });
    Effect::new(move || {
        if let Some(Ok(_)) = save.value().get() {
            untrack(reload);
        }
    });
    // The field shows the saved capacity each time the figures load.
    Effect::new(move || {
        if let Some(Ok(u)) = usage.get() {
            max.set(u.max_sessions.to_string());
        }
    });
    view! {
        <section class="card">
            <h2>"Anonymous capacity"</h2>
            {move || match usage.get() {
                None => view! { <Loading/> }.into_any(),
                Some(Err(error)) => view! { <ErrorBox error/> }.into_any(),
                Some(Ok(u)) => {
                    let top = u.history.iter().map(|h| h.peak).max().unwrap_or(0).max(1);
                    view! {
                        <dl class="facts">
                            <dt>"Sessions now"</dt><dd class="usage-current">{format!("{} of {}", u.current, u.max_sessions)}</dd>
                            <dt>"Peak, last 48 hours"</dt><dd>{u.peak}</dd>
                            <dt>"Session length"</dt><dd>{format!("{} minutes; a refresh starts a new one", u.session_minutes)}</dd>
                            <dt>"Memory for anonymous apps"</dt><dd>{format!("{} MB of {} MB", u.memory_used_mb, u.memory_budget_mb)}</dd>
                        </dl>
                        <h3>"History"</h3>
                        {if u.history.is_empty() {
                            view! { <EmptyState title="No anonymous visits yet" hint="Turn on anonymous access on an app in a managed space; visits show here by the hour.".to_string()/> }.into_any()
                        } else {
                            view! {
                                <table class="data-table usage">
                                    <thead><tr><th>"Hour"</th><th>"Peak at once"</th><th>"Started"</th><th>"Refused"</th></tr></thead>
                                    <tbody>
                                        {u.history.iter().rev().map(|h| {
                                            let width = format!("bar w{}", (h.peak * 10 / top).clamp(0, 10));
                                            view! { <tr><td><Time ms=h.hour_start/></td><td><span class=width></span>{h.peak}</td><td>{h.started}</td><td>{h.refused}</td></tr> }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            }.into_any()
                        }}
                    }.into_any()
                }
            }}
            <form class="inline-form" on:submit=move |ev| { ev.prevent_default(); save.dispatch(max.get_untracked()); }>
                <label>"Most sessions at once " <input type="number" min="0" max="100000" prop:value=move || max.get() on:input=move |ev| max.set(event_target_value(&ev))/></label>
                <button type="submit" class="button small primary">"Save"</button>
            </form>
            <p class="muted small">"Past it, new visitors get a busy page and are asked to try again in a minute. 0 closes anonymous access."</p>
            {move || save.value().get().and_then(|r| r.err()).map(|error| view! { <ErrorBox error/> })}
        </section>
    }
}

#[component]
fn Origins(
    origins: RwSignal<Option<Result<Vec<AllowedOrigin>, AppError>>>,
    reload: impl Fn() + Send + Sync + Copy + 'static,
) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let origin = RwSignal::new(String::new());
    let add = Action::new(move |input: &NewOrigin| {
        let input = input.clone();
        async move { save_allowed_origin(None, input).await }
    });
    let remove = Action::new(move |id: &String| {
        let id = id.clone();
        async move { delete_allowed_origin(id).await }
    });
    Effect::new(move || {
        let added = matches!(add.value().get(), Some(Ok(_)));
        if added {
            name.set(String::new());
            origin.set(String::new());
        }
        if added || matches!(remove.value().get(), Some(Ok(()))) {
            untrack(reload);
        }
    });
    view! {
        <section class="card">
            <h2>"Allowed origins"</h2>
            <p class="muted small">"Sites that may show Sightline's embed pages in an iframe. Browsers refuse every other site; portal pages may never be framed."</p>
            {move || match origins.get() {
                None => view! { <Loading/> }.into_any(),
                Some(Err(error)) => view! { <ErrorBox error/> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! { <EmptyState title="No site may embed Sightline yet" hint="Add the origin of each site that embeds charts, such as https://www.example.com.".to_string()/> }.into_any(),
                Some(Ok(list)) => view! {
                    <table class="data-table origins">
                        <thead><tr><th>"Name"</th><th>"Origin"</th><th>"Added"</th><th></th></tr></thead>
                        <tbody>
                            {list.into_iter().map(|o| {
                                let id = o.id.clone();
                                view! {
                                    <tr>
                                        <td>{o.name.clone()}</td>
                                        <td class="mono">{o.origin.clone()}</td>
                                        <td class="nowrap">{crate::timefmt::date(o.created_at)}</td>
                                        <td><button type="button" class="button tiny danger" on:click=move |_| { remove.dispatch(id.clone()); }>"Remove"</button></td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
            }}
            <form class="stack" on:submit=move |ev| { ev.prevent_default(); add.dispatch(NewOrigin { name: name.get_untracked(), origin: origin.get_untracked(), description: String::new(), frame_ancestors: true }); }>
                <h3>"Add a site"</h3>
                <label>"Name" <input type="text" placeholder="Company website" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/></label>
                <label>"Origin" <input type="text" placeholder="https://www.example.com" prop:value=move || origin.get() on:input=move |ev| origin.set(event_target_value(&ev))/></label>
                {move || [add.value().get().and_then(|r| r.err()), remove.value().get().and_then(|r| r.err())].into_iter().flatten().next().map(|error| view! { <ErrorBox error/> })}
                <button type="submit" class="button primary">"Add site"</button>
            </form>
        </section>
    }
}
