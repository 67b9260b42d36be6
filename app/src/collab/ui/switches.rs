//! The switches: collaborative sessions on or off for the tenant (the admin center's Embedding
//! page) and for one app (its page, for those who manage it). Both load in the browser once
//! the page is live: a resource nested in the page's own would not hydrate.

use leptos::prelude::*;

use crate::collab::api::*;
use crate::collab::model::{CollabSwitches, TenantCollab};
use crate::components::{ErrorBox, Loading};
use crate::error::AppError;

/// Tenant admins turn collaborative sessions on or off for everyone.
#[component]
pub fn TenantCollabSwitch() -> impl IntoView {
    let on = RwSignal::new(None::<Result<TenantCollab, AppError>>);
    let version = RwSignal::new(0);
    Effect::new(move || {
        version.track();
        leptos::task::spawn_local(async move { on.set(Some(get_tenant_collab().await)) });
    });
    let switch = Action::new(move |switches: &TenantCollab| {
        let switches = *switches;
        async move { set_tenant_collab(switches).await }
    });
    Effect::new(move || {
        if switch.value().get().is_some() {
            untrack(|| version.update(|v| *v += 1));
        }
    });
    view! {
        <section class="card collab-switch">
            <h2>"Collaborative sessions"</h2>
            <p class="muted small">"Someone with an app open starts a session and sends an invitation link; everyone who joins explores the same sheet and selections live. Off: nobody can start one, and running sessions end at once."</p>
            {move || match on.get() {
                None => view! { <Loading/> }.into_any(),
                // Admins who keep the allowed origins without being tenant admins see no switch.
                Some(Err(AppError::Forbidden(_))) => ().into_any(),
                Some(Err(error)) => view! { <ErrorBox error/> }.into_any(),
                Some(Ok(now)) => view! {
                    <label class="switch">
                        <input type="checkbox" prop:checked=now.enabled on:change=move |ev| { switch.dispatch(TenantCollab { enabled: event_target_checked(&ev), ..now }); }/>
                        <span>{if now.enabled { "Collaborative sessions: on" } else { "Collaborative sessions: off" }}</span>
                    </label>
                    <label class="switch">
                        <input type="checkbox" prop:checked=now.outsiders disabled=!now.enabled on:change=move |ev| { switch.dispatch(TenantCollab { outsiders: event_target_checked(&ev), ..now }); }/>
                        <span>{if now.outsiders { "People without an account may join: on" } else { "People without an account may join: off" }}</span>
                    </label>
                    <p class="muted small">"\"Anyone with the link\" and \"Anyone I admit\" sessions are anonymous access: whoever has the link sees the app with the rights of the person who invited them, and the email they type is not checked. Only people whose roles hold \"Start collaborative sessions that people without an account can join\" may start them."</p>
                }.into_any(),
            }}
            {move || switch.value().get().and_then(|r| r.err()).map(|error| view! { <ErrorBox error/> })}
        </section>
    }
}

/// Those who manage an app turn sessions off for it (or on again); nothing for anyone else.
#[component]
pub fn AppCollabSwitch(app_id: String) -> impl IntoView {
    let app_id = StoredValue::new(app_id);
    let switches = RwSignal::new(None::<CollabSwitches>);
    let version = RwSignal::new(0);
    Effect::new(move || {
        version.track();
        leptos::task::spawn_local(async move {
            switches.set(collab_settings(app_id.get_value()).await.ok());
        });
    });
    let switch = Action::new(move |on: &bool| {
        let on = *on;
        async move { set_app_collab(app_id.get_value(), on).await }
    });
    Effect::new(move || {
        if switch.value().get().is_some() {
            untrack(|| version.update(|v| *v += 1));
        }
    });
    move || {
        let s = switches.get().filter(|s| s.can_change_app)?;
        Some(view! {
            <section class="card collab-switch">
                <h2>"Collaborative sessions"</h2>
                {if s.tenant_enabled {
                    view! {
                        <p class="muted small">"People with this app open can start a live session and invite others to explore it with them. Off ends this app's running sessions."</p>
                        <label class="switch">
                            <input type="checkbox" prop:checked=s.app_enabled on:change=move |ev| { switch.dispatch(event_target_checked(&ev)); }/>
                            <span>{if s.app_enabled { "Sessions on this app: on" } else { "Sessions on this app: off" }}</span>
                        </label>
                    }.into_any()
                } else {
                    view! { <p class="muted small">"A tenant admin turned collaborative sessions off for the whole tenant (Admin, Embedding)."</p> }.into_any()
                }}
                {move || switch.value().get().and_then(|r| r.err()).map(|error| view! { <ErrorBox error/> })}
            </section>
        })
    }
}
