//! Provisioning on the Identity providers page: whether the tenant's provider provisions its
//! users and groups, the address and token to give it (the token shown once), and turning it
//! off.

use leptos::prelude::*;

use super::api::*;
use super::model::*;
use crate::components::{ErrorBox, Loading, SecretOnce};
use crate::error::AppError;

#[component]
pub fn Provisioning() -> impl IntoView {
    let status = RwSignal::new(None::<Result<ScimStatus, AppError>>);
    let make = Action::new(|_: &()| make_scim_token());
    let revoke = Action::new(|_: &()| revoke_scim_token());
    Effect::new(move || {
        make.value().track();
        revoke.value().track();
        leptos::task::spawn_local(async move {
            status.set(Some(get_scim_status().await));
        });
    });
    view! {
        <section class="card" aria-labelledby="scim">
            <h2 id="scim">"Provisioning (SCIM 2.0)"</h2>
            {move || match status.get() {
                None => view! { <Loading/> }.into_any(),
                Some(Err(error)) => view! { <ErrorBox error/> }.into_any(),
                Some(Ok(s)) => view! {
                    <p>{if s.enabled {
                        format!("On: the provider has provisioned {} users and {} groups. Someone it removes or disables loses access here at once.", s.users, s.groups)
                    } else {
                        "Off. Turn it on to let your identity provider (Entra ID, Okta, …) create, change and remove this tenant's users and groups.".to_string()
                    }}</p>
                    <dl class="facts"><dt>"Tenant URL"</dt><dd class="mono">{s.base_url.clone()}</dd></dl>
                    <div class="provider-actions">
                        <button type="button" class="button small" on:click=move |_| { make.dispatch(()); }>
                            {if s.enabled { "Make a new token" } else { "Turn on: make a token" }}
                        </button>
                        {s.enabled.then(|| view! {
                            <button type="button" class="button small danger" on:click=move |_| { revoke.dispatch(()); }>"Turn off"</button>
                        })}
                    </div>
                }.into_any(),
            }}
            {move || match make.value().get() {
                Some(Ok(made)) => view! {
                    <SecretOnce label="Secret token (give it to the provider with the tenant URL)" value=made.token/>
                    <p class="muted small">"The token before this one, if any, has stopped working."</p>
                }.into_any(),
                Some(Err(error)) => view! { <ErrorBox error/> }.into_any(),
                None => ().into_any(),
            }}
            {move || revoke.value().get().and_then(|r| r.err()).map(|error| view! { <ErrorBox error/> })}
        </section>
    }
}
