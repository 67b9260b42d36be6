//! The small components of every page: loading, errors, notices, headers, badges, times.

use leptos::prelude::*;

use super::resource::Loadable;
use crate::directory::model::RoleRef;
use crate::error::AppError;
use crate::timefmt;

#[component]
pub fn Loading() -> impl IntoView {
    view! { <p class="loading" role="status"><span class="spinner" aria-hidden="true"></span>"Loading…"</p> }
}

/// An error as the user should read it.
#[component]
pub fn ErrorBox(error: AppError) -> impl IntoView {
    let sign_in = matches!(error, AppError::Unauthenticated);
    // A licence denial lists every kind tried and why it was unavailable.
    let tried = match &error {
        AppError::NoLicence { tried, .. } => tried.clone(),
        _ => Vec::new(),
    };
    view! {
        <div class="alert alert-error" role="alert">
            <strong>{error.title()}</strong>
            " "
            <span>{error.to_string()}</span>
            {sign_in.then(|| view! { " " <a href="/login">"Sign in"</a> })}
            {(!tried.is_empty()).then(|| view! {
                <ol class="licence-tried" aria-label="What was tried">
                    {tried.into_iter().map(|t| view! {
                        <li><span class="muted">{t.kind}": "</span>{t.why}" "<code class="muted small">{t.code}</code></li>
                    }).collect_view()}
                </ol>
            })}
        </div>
    }
}

/// The error of the last attempt of an action, if it failed.
#[component]
pub fn ActionError<T: Clone + Send + Sync + 'static>(
    result: Signal<Option<Result<T, AppError>>>,
) -> impl IntoView {
    move || match result.get() {
        Some(Err(error)) => Some(view! { <ErrorBox error/> }),
        _ => None,
    }
}

#[component]
pub fn Notice(children: Children) -> impl IntoView {
    view! { <div class="alert alert-success" role="status">{children()}</div> }
}

#[component]
pub fn PageHeader(title: String, #[prop(optional)] subtitle: Option<String>) -> impl IntoView {
    view! {
        <leptos_meta::Title text=title.clone()/>
        <div class="page-header">
            <div>
                <h1>{title}</h1>
                {subtitle.map(|s| view! { <p class="subtitle">{s}</p> })}
            </div>
        </div>
    }
}

/// What a list shows when it has nothing in it: what would be here and how to get some.
#[component]
pub fn EmptyState(title: &'static str, hint: String) -> impl IntoView {
    view! {
        <div class="empty-state">
            <p class="empty-title">{title}</p>
            <p>{hint}</p>
        </div>
    }
}

#[component]
pub fn Time(ms: i64) -> impl IntoView {
    view! { <time datetime=timefmt::rfc3339(ms)>{timefmt::short(ms)}</time> }
}

#[component]
pub fn Badge(text: String, #[prop(optional)] tone: &'static str) -> impl IntoView {
    let class = format!(
        "badge badge-{}",
        if tone.is_empty() { "neutral" } else { tone }
    );
    view! { <span class=class>{text}</span> }
}

#[component]
pub fn RoleChips(roles: Vec<RoleRef>) -> impl IntoView {
    if roles.is_empty() {
        return view! { <span class="muted">"—"</span> }.into_any();
    }
    roles
        .into_iter()
        .map(|r| {
            let tone = if r.kind.level() == "admin" {
                "accent"
            } else {
                "neutral"
            };
            view! { <Badge text=r.name tone/> }
        })
        .collect_view()
        .into_any()
}

/// A secret shown once, with a copy button and a warning that it will not be shown again.
#[component]
pub fn SecretOnce(label: &'static str, value: String) -> impl IntoView {
    let copied = RwSignal::new(false);
    let to_copy = value.clone();
    let copy = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let clipboard = window().navigator().clipboard();
            let _ = clipboard.write_text(&to_copy);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = &to_copy;
        copied.set(true);
    };
    view! {
        <div class="secret" role="status">
            <label>{label}</label>
            <div class="secret-row">
                <input type="text" readonly value=value class="mono" aria-label=label/>
                <button type="button" class="button" on:click=copy>{move || if copied.get() { "Copied" } else { "Copy" }}</button>
            </div>
            <p class="hint">"Copy it now: Sightline keeps only a fingerprint and cannot show it again."</p>
        </div>
    }
}

/// A value to copy (a link, a snippet), read-only, with a copy button.
#[component]
pub fn CopyField(label: String, value: String, #[prop(optional)] multiline: bool) -> impl IntoView {
    let copied = RwSignal::new(false);
    let to_copy = value.clone();
    let copy = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let _ = window().navigator().clipboard().write_text(&to_copy);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = &to_copy;
        copied.set(true);
    };
    let field = if multiline {
        view! { <textarea readonly class="mono copy-value" rows="3" aria-label=label.clone() prop:value=value></textarea> }.into_any()
    } else {
        view! { <input type="text" readonly class="mono copy-value" aria-label=label.clone() prop:value=value/> }.into_any()
    };
    view! {
        <div class="copy-field">
            <span class="copy-label">{label.clone()}</span>
            <div class="secret-row">
                {field}
                <button type="button" class="button small" on:click=copy>{move || if copied.get() { "Copied" } else { "Copy" }}</button>
            </div>
        </div>
    }
}

/// A delete button that asks once more before it acts, and says what deleting does.
#[component]
pub fn ConfirmDelete(
    what: &'static str,
    consequence: &'static str,
    action: Action<(), Result<(), AppError>>,
) -> impl IntoView {
    let confirming = RwSignal::new(false);
    view! {
        <h3>"Delete"</h3>
        <p class="muted">{consequence}</p>
        <Show when=move || confirming.get() fallback=move || view! {
            <button type="button" class="button danger" on:click=move |_| confirming.set(true)>{format!("Delete {what}…")}</button>
        }>
            <button type="button" class="button danger" on:click=move |_| { action.dispatch(()); }>"Yes, delete"</button>
            " "
            <button type="button" class="button" on:click=move |_| confirming.set(false)>"Cancel"</button>
        </Show>
        <ActionError result=action.value().into()/>
    }
}

/// A resource as a page shows it: "Loading…" at first, the error if loading failed, otherwise
/// `view` of the value. While it loads again (a filter changed, a list was reloaded), the last
/// view stays in place.
#[component]
pub fn Loaded<T, V, F>(resource: Loadable<T>, view: F) -> impl IntoView
where
    T: Clone + Send + Sync + serde::Serialize + serde::de::DeserializeOwned + 'static,
    V: IntoView + 'static,
    F: Fn(T) -> V + Send + Sync + 'static,
{
    let view = std::sync::Arc::new(view);
    view! {
        <Transition fallback=|| view! { <Loading/> }>
            {move || {
                let view = view.clone();
                Suspend::new(async move {
                    match resource.await {
                        Ok(value) => view(value).into_any(),
                        Err(error) => view! { <ErrorBox error/> }.into_any(),
                    }
                })
            }}
        </Transition>
    }
}
