//! The hosts the tenant's database connections may reach: a tenant admin lists them (names,
//! `*.domain`, addresses, ranges); with none listed, any host but the server's own network.

use leptos::prelude::*;

use super::super::api::*;
use crate::components::{ErrorBox, Notice};

#[component]
pub fn HostsCard() -> impl IntoView {
    let current = Action::new(|_: &()| get_connection_hosts());
    // In the browser only: dispatched while the server renders, it ran outside the request's
    // context and logged an internal error on every visit.
    Effect::new(move || {
        current.dispatch(());
    });
    let hosts = RwSignal::new(String::new());
    Effect::new(move || {
        if let Some(Ok(now)) = current.value().get() {
            hosts.set(now.hosts);
        }
    });
    let save = Action::new(move |text: &String| {
        let text = text.clone();
        async move { set_connection_hosts(text).await }
    });
    let can_edit = move || {
        current
            .value()
            .with(|v| matches!(v, Some(Ok(h)) if h.can_edit))
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.dispatch(hosts.get_untracked());
    };
    view! {
        <form class="card form" on:submit=on_submit aria-label="Hosts connections may reach">
            <h3>"Hosts connections may reach"</h3>
            <p class="hint">"For the whole tenant. With none listed, a connection may reach any host but the server's own network (loopback, private and link-local addresses). Once hosts are listed, only those: a name, *.example.com, an address or a range such as 10.1.0.0/16."</p>
            <label for="connection-hosts">"Hosts, one a line"</label>
            <textarea id="connection-hosts" rows="4" prop:value=hosts readonly=move || !can_edit()
                on:input=move |ev| hosts.set(event_target_value(&ev))></textarea>
            {move || if can_edit() {
                view! { <button type="submit" class="button" disabled=move || save.pending().get()>"Save the hosts"</button> }.into_any()
            } else {
                view! { <p class="hint">"A tenant admin changes this list."</p> }.into_any()
            }}
            {move || match save.value().get() {
                Some(Ok(_)) => Some(view! { <Notice>"Saved."</Notice> }.into_any()),
                Some(Err(error)) => Some(view! { <ErrorBox error/> }.into_any()),
                None => None,
            }}
        </form>
    }
}
