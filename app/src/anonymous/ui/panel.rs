//! The app page's "Anonymous access" card: turn it on and off, the links with their codes, the
//! embed dialog, and each link's settings (name, expiry, pause, reset, data reduction).

use leptos::prelude::*;

use crate::anonymous::api::*;
use crate::anonymous::model::*;
use crate::anonymous::rules::embed_codes;
use crate::components::{CopyField, ErrorBox, Loading};
use crate::error::AppError;
use crate::timefmt;

#[component]
pub fn AnonymousAccess(
    app_id: String,
    on_change: impl Fn() + Send + Sync + Copy + 'static,
) -> impl IntoView {
    let app_id = StoredValue::new(app_id);
    let version = RwSignal::new(0);
    // Loaded once the page is live: a resource nested in the app page's own would not hydrate.
    let panel = RwSignal::new(None::<Result<AnonymousPanel, AppError>>);
    Effect::new(move || {
        version.track();
        leptos::task::spawn_local(async move {
            panel.set(Some(get_anonymous_panel(app_id.get_value()).await))
        });
    });
    let reload = move || {
        version.update(|v| *v += 1);
        on_change();
    };
    let toggle = Action::new(move |on: &bool| {
        let on = *on;
        async move { set_anonymous_access(app_id.get_value(), on).await }
    });
    Effect::new(move || {
        if let Some(Ok(_)) = toggle.value().get() {
            untrack(reload);
        }
    });
    view! {
        <section class="card anonymous-access" id="anonymous-access">
            <h2>"Anonymous access"</h2>
            <p class="muted small">"Anyone with a link opens this app's public sheets without an account, in sessions of a limited time that a refresh renews. Links and embed codes carry an access code; resetting it stops the old link, its embed codes and every session opened with them at once."</p>
            {move || match panel.get() {
                None => view! { <Loading/> }.into_any(),
                Some(Err(error)) => view! { <ErrorBox error/> }.into_any(),
                Some(Ok(p)) => {
                    let live = p.links.iter().any(|l| l.status == LinkStatus::Live);
                    let p = StoredValue::new(p);
                    view! {
                        {p.with_value(|p| p.why_not.clone()).filter(|_| p.with_value(|p| p.links.is_empty())).map(|why| view! { <p class="muted">{why}</p> })}
                        {p.with_value(|p| p.can_manage).then(|| view! {
                            <label class="switch">
                                <input type="checkbox" prop:checked=live on:change=move |ev| { toggle.dispatch(event_target_checked(&ev)); }/>
                                <span>{if live { "Anyone with the link: on" } else { "Anyone with the link: off" }}</span>
                            </label>
                        })}
                        {move || toggle.value().get().and_then(|r| r.err()).map(|error| view! { <ErrorBox error/> })}
                        {p.with_value(|p| p.has_section_access).then(|| view! {
                            <p class="notice warn">"This app has section access. Section access names tenant users and groups, never visitors: a link shows no data unless it has a data reduction of its own."</p>
                        })}
                        {p.with_value(|p| p.links.clone()).into_iter().map(|link| view! { <LinkCard link panel=p reload/> }).collect_view()}
                        {p.with_value(|p| p.can_manage && !p.links.is_empty()).then(|| view! { <AddLink app_id=app_id.get_value() reload/> })}
                    }.into_any()
                }
            }}
        </section>
    }
}

#[component]
fn AddLink(app_id: String, reload: impl Fn() + Send + Sync + Copy + 'static) -> impl IntoView {
    let app_id = StoredValue::new(app_id);
    let name = RwSignal::new(String::new());
    let add = Action::new(move |name: &String| {
        let name = name.clone();
        async move { create_link(app_id.get_value(), name).await }
    });
    Effect::new(move || {
        if let Some(Ok(_)) = add.value().get() {
            name.set(String::new());
            untrack(reload);
        }
    });
    view! {
        <form class="inline-form" on:submit=move |ev| { ev.prevent_default(); add.dispatch(name.get_untracked()); }>
            <label>"Another link, for " <input type="text" placeholder="Partner site" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/></label>
            <button type="submit" class="button small">"Add link"</button>
            {move || add.value().get().and_then(|r| r.err()).map(|error| view! { <ErrorBox error/> })}
        </form>
    }
}

fn status_badge(status: LinkStatus) -> impl IntoView {
    let tone = match status {
        LinkStatus::Live => "badge badge-ok",
        LinkStatus::Paused => "badge badge-neutral",
        LinkStatus::Expired => "badge badge-warn",
    };
    view! { <span class=tone>{status.label()}</span> }
}

#[component]
fn LinkCard(
    link: LinkInfo,
    panel: StoredValue<AnonymousPanel>,
    reload: impl Fn() + Send + Sync + Copy + 'static,
) -> impl IntoView {
    let id = StoredValue::new(link.id.clone());
    let change = Action::new(move |changes: &LinkChanges| {
        let changes = changes.clone();
        async move { update_link(id.get_value(), changes).await }
    });
    let reset = Action::new(move |_: &()| async move { reset_link_code(id.get_value()).await });
    let remove = Action::new(move |_: &()| async move { delete_link(id.get_value()).await });
    let confirming = RwSignal::new(false);
    Effect::new(move || {
        let done = matches!(change.value().get(), Some(Ok(_)))
            || matches!(reset.value().get(), Some(Ok(_)))
            || matches!(remove.value().get(), Some(Ok(())));
        if done {
            untrack(reload);
        }
    });
    let can_manage = panel.with_value(|p| p.can_manage);
    let views = format!(
        "{} view{} today · {} in 30 days",
        link.views_today,
        if link.views_today == 1 { "" } else { "s" },
        link.views_30_days
    );
    let expiry = link
        .expires_at
        .map(|at| format!("Works through {}", timefmt::date(at - 1)))
        .unwrap_or_else(|| "Does not expire".into());
    let reduction = link
        .reduction
        .clone()
        .map(|r| format!("Shows only {} = {}", r.field, r.allowed.join(", ")))
        .unwrap_or_else(|| "Shows all the data".into());
    let disabled = link.disabled;
    view! {
        <div class="link-card" data-link=link.name.clone()>
            <div class="link-head">
                <h3>{link.name.clone()}</h3>
                {status_badge(link.status)}
                <span class="muted small">{views}</span>
            </div>
            <p class="muted small">{format!("{expiry} · {reduction}")}</p>
            <CopyField label=(if link.has_code { "Link" } else { "Link (without its access code: your role does not include the code)" }).to_string() value=link.url.clone()/>
            {link.code.clone().map(|code| view! { <EmbedBuilder app_id=link.app_id.clone() code panel/> })}
            {can_manage.then(|| view! {
                <div class="link-actions">
                    <button type="button" class="button small" on:click=move |_| { change.dispatch(LinkChanges { disabled: Some(!disabled), ..Default::default() }); }>
                        {if disabled { "Resume" } else { "Pause" }}
                    </button>
                    <Show when=move || confirming.get() fallback=move || view! {
                        <button type="button" class="button small" on:click=move |_| confirming.set(true)>"Reset access code…"</button>
                    }>
                        <span class="confirm">"The old link and embed codes stop working at once. "
                            <button type="button" class="button small danger" on:click=move |_| { confirming.set(false); reset.dispatch(()); }>"Reset"</button>
                            <button type="button" class="button small" on:click=move |_| confirming.set(false)>"Cancel"</button>
                        </span>
                    </Show>
                    <button type="button" class="button small danger" on:click=move |_| { remove.dispatch(()); }>"Delete link"</button>
                </div>
                <LinkSettings link=link.clone() fields=panel.with_value(|p| p.fields.clone()) change/>
            })}
            {move || [change.value().get().and_then(|r| r.err()), reset.value().get().and_then(|r| r.err()), remove.value().get().and_then(|r| r.err())].into_iter().flatten().next().map(|error| view! { <ErrorBox error/> })}
        </div>
    }
}

/// A link's name, expiry and data reduction.
#[component]
fn LinkSettings(
    link: LinkInfo,
    fields: Vec<String>,
    change: Action<LinkChanges, Result<LinkInfo, AppError>>,
) -> impl IntoView {
    let name = RwSignal::new(link.name.clone());
    let expires = RwSignal::new(
        link.expires_at
            .map(|at| timefmt::date(at - 1))
            .unwrap_or_default(),
    );
    let field = RwSignal::new(
        link.reduction
            .as_ref()
            .map(|r| r.field.clone())
            .unwrap_or_default(),
    );
    let allowed = RwSignal::new(
        link.reduction
            .as_ref()
            .map(|r| r.allowed.join(", "))
            .unwrap_or_default(),
    );
    let problem = RwSignal::new(None::<AppError>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let expires_text = expires.get_untracked();
        let expires_at = if expires_text.trim().is_empty() {
            None
        } else {
            match timefmt::end_of_date(&expires_text) {
                Some(at) => Some(at),
                None => {
                    problem.set(Some(AppError::invalid(
                        "expiresAt",
                        format!("\"{expires_text}\" is not a date: write it as 2026-12-31."),
                    )));
                    return;
                }
            }
        };
        problem.set(None);
        let field_name = field.get_untracked();
        let reduction = (!field_name.is_empty()).then(|| LinkReduction {
            field: field_name,
            allowed: allowed
                .get_untracked()
                .split(',')
                .map(|v| v.trim().to_string())
                .collect(),
        });
        change.dispatch(LinkChanges {
            name: Some(name.get_untracked()),
            expires_at: Some(expires_at),
            reduction: Some(reduction),
            disabled: None,
        });
    };
    view! {
        <details class="link-settings">
            <summary>"Settings"</summary>
            <form class="stack" on:submit=submit>
                <label>"Name" <input type="text" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/></label>
                <label>"Works through (empty: no expiry)" <input type="date" prop:value=move || expires.get() on:input=move |ev| expires.set(event_target_value(&ev))/></label>
                <fieldset>
                    <legend>"Data reduction: visitors through this link see only"</legend>
                    <label>"Field "
                        <select on:change=move |ev| field.set(event_target_value(&ev)) prop:value=move || field.get()>
                            <option value="">"(all the data)"</option>
                            {fields.into_iter().map(|f| view! { <option value=f.clone()>{f.clone()}</option> }).collect_view()}
                        </select>
                    </label>
                    <label>"Values " <input type="text" placeholder="North, South" prop:value=move || allowed.get() on:input=move |ev| allowed.set(event_target_value(&ev))/></label>
                </fieldset>
                {move || problem.get().map(|error| view! { <ErrorBox error/> })}
                <button type="submit" class="button small primary">"Save link settings"</button>
            </form>
        </details>
    }
}

/// Embed codes for the options chosen: an iframe and a `<sightline-embed>` element.
#[component]
fn EmbedBuilder(app_id: String, code: String, panel: StoredValue<AnonymousPanel>) -> impl IntoView {
    let ui = RwSignal::new(EmbedUi::Chart);
    let sheet = RwSignal::new(
        panel
            .with_value(|p| p.sheets.first().map(|s| s.id.clone()))
            .unwrap_or_default(),
    );
    let chart = RwSignal::new(
        panel
            .with_value(|p| {
                p.charts
                    .first()
                    .map(|c| format!("{}/{}", c.sheet_id, c.chart_id))
            })
            .unwrap_or_default(),
    );
    let field = RwSignal::new(
        panel
            .with_value(|p| p.fields.first().cloned())
            .unwrap_or_default(),
    );
    let dark = RwSignal::new(false);
    let toolbar = RwSignal::new(true);
    let select = RwSignal::new(String::new());
    let locale = RwSignal::new(String::new());
    let (app_id, code) = (StoredValue::new(app_id), StoredValue::new(code));
    let options = move || {
        let ui = ui.get();
        let (chart_sheet, object) = chart
            .get()
            .split_once('/')
            .map(|(s, c)| (s.to_string(), c.to_string()))
            .unwrap_or_default();
        EmbedOptions {
            ui,
            sheet: match ui {
                EmbedUi::Sheet | EmbedUi::App => {
                    Some(sheet.get()).filter(|s| !s.is_empty() && ui == EmbedUi::Sheet)
                }
                EmbedUi::Chart => Some(chart_sheet),
                _ => None,
            },
            object: (ui == EmbedUi::Chart).then_some(object),
            field: (ui == EmbedUi::Field).then(|| field.get()),
            theme: if dark.get() {
                Theme::Dark
            } else {
                Theme::Light
            },
            toolbar: toolbar.get(),
            select: select.get().trim().to_string(),
            // A tag Sightline does not know is left out (the hint below says so).
            locale: Some(locale.get().trim().to_string())
                .filter(|tag| crate::content::rules::Locale::of_tag(tag).is_some()),
        }
    };
    let base = panel.with_value(|p| p.public_url.clone());
    let title = panel.with_value(|p| p.app_name.clone());
    let base2 = base.clone();
    let codes = Memo::new(move |_| {
        embed_codes(
            &base,
            &app_id.get_value(),
            &code.get_value(),
            &options(),
            &title,
        )
    });
    let preview = move || {
        crate::anonymous::rules::embed_url(
            &base2,
            &app_id.get_value(),
            &code.get_value(),
            &options(),
        )
    };
    view! {
        <details class="embed-builder">
            <summary>"Embed code"</summary>
            <div class="embed-options">
                <label>"Show "
                    <select on:change=move |ev| ui.set(EmbedUi::parse(&event_target_value(&ev)).unwrap_or(EmbedUi::App)) prop:value=move || ui.get().api_name()>
                        {EmbedUi::ALL.into_iter().map(|u| view! { <option value=u.api_name()>{u.label()}</option> }).collect_view()}
                    </select>
                </label>
                {move || match ui.get() {
                    EmbedUi::Sheet => view! {
                        <label>"Sheet " <select on:change=move |ev| sheet.set(event_target_value(&ev)) prop:value=move || sheet.get()>
                            {panel.with_value(|p| p.sheets.clone()).into_iter().map(|s| view! { <option value=s.id.clone()>{s.title.clone()}</option> }).collect_view()}
                        </select></label>
                    }.into_any(),
                    EmbedUi::Chart => view! {
                        <label>"Chart " <select on:change=move |ev| chart.set(event_target_value(&ev)) prop:value=move || chart.get()>
                            {panel.with_value(|p| p.charts.clone()).into_iter().map(|c| view! { <option value=format!("{}/{}", c.sheet_id, c.chart_id)>{c.title.clone()}</option> }).collect_view()}
                        </select></label>
                    }.into_any(),
                    EmbedUi::Field => view! {
                        <label>"Field " <select on:change=move |ev| field.set(event_target_value(&ev)) prop:value=move || field.get()>
                            {panel.with_value(|p| p.fields.clone()).into_iter().map(|f| view! { <option value=f.clone()>{f.clone()}</option> }).collect_view()}
                        </select></label>
                    }.into_any(),
                    _ => ().into_any(),
                }}
                <label class="check"><input type="checkbox" prop:checked=move || dark.get() on:change=move |ev| dark.set(event_target_checked(&ev))/>" Dark theme"</label>
                <label class="check"><input type="checkbox" prop:checked=move || toolbar.get() on:change=move |ev| toolbar.set(event_target_checked(&ev))/>" Selections toolbar"</label>
                <label>"Initial selections " <input type="text" placeholder="Region:North|South" prop:value=move || select.get() on:input=move |ev| select.set(event_target_value(&ev))/></label>
                <label>"Numbers written as " <input type="text" placeholder="the visitor's language" aria-describedby="embed-locale-hint" prop:value=move || locale.get() on:input=move |ev| locale.set(event_target_value(&ev))/></label>
                <p class="muted small" id="embed-locale-hint">{move || {
                    let tag = locale.get();
                    match crate::content::rules::Locale::of_tag(&tag) {
                        _ if tag.trim().is_empty() => "Left empty, numbers follow each visitor's browser language.".to_string(),
                        Some(locale) => format!("Numbers read {}, dates {}.", locale.format(1_234_567.5, false), locale.date("2026-01-05")),
                        None => format!("Sightline does not know how \"{}\" writes numbers: use a language tag such as de-DE or fr-FR.", tag.trim()),
                    }
                }}</p>
            </div>
            {move || {
                let codes = codes.get();
                view! {
                    <CopyField label="iframe".to_string() value=codes.iframe multiline=true/>
                    <CopyField label="Web component".to_string() value=codes.web_component multiline=true/>
                    <CopyField label="qlik-embed (pages written for Qlik Cloud)".to_string() value=codes.qlik_embed multiline=true/>
                }
            }}
            <p class="muted small">"The embedding site must be on the tenant's list of allowed origins (admin center, Embedding), or browsers refuse to show the frame. "
                <a href=preview target="_blank" rel="noopener noreferrer">"Preview"</a></p>
        </details>
    }
}
