//! The audit log page: newest first, filtered by action, actor and target.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::api::list_audit_events;
use super::model::{AuditAction, AuditQuery};
use crate::components::{load, EmptyState, Loaded, PageHeader, Time};

#[component]
pub fn AuditPage() -> impl IntoView {
    let query = use_query_map();
    let action = RwSignal::new(query.read_untracked().get("action").unwrap_or_default());
    let actor = RwSignal::new(String::new());
    let target = RwSignal::new(query.read_untracked().get("target").unwrap_or_default());
    let before = RwSignal::new(None::<String>);
    let events = load(
        move || (action.get(), actor.get(), target.get(), before.get()),
        |(action, actor, target, before)| {
            list_audit_events(AuditQuery {
                action,
                actor,
                target,
                before,
                limit: 50,
            })
        },
    );
    Effect::new(move || {
        let _ = (action.get(), actor.get(), target.get());
        before.set(None);
    });
    let prefixes: Vec<&str> = {
        let mut p: Vec<&str> = AuditAction::ALL
            .iter()
            .filter_map(|a| a.as_str().split_once('.').map(|(x, _)| x))
            .collect();
        p.dedup();
        p
    };
    view! {
        <PageHeader title="Audit log".to_string() subtitle="Every change in the tenant and every sign-in: who, when, what.".to_string()/>
        <div class="filters" role="search">
            <select aria-label="Action" prop:value=action on:change=move |ev| action.set(event_target_value(&ev))>
                <option value="">"Any action"</option>
                {prefixes.into_iter().map(|p| view! { <option value=format!("{p}.")>{format!("All {p} actions")}</option> }).collect_view()}
                {AuditAction::ALL.iter().map(|a| view! { <option value=a.as_str()>{a.as_str()}</option> }).collect_view()}
            </select>
            <input type="search" placeholder="Who (actor name)" aria-label="Actor" prop:value=actor on:input=move |ev| actor.set(event_target_value(&ev))/>
            <input type="search" placeholder="What (target name or id)" aria-label="Target" prop:value=target on:input=move |ev| target.set(event_target_value(&ev))/>
        </div>
        <Loaded resource=events view=move |value| match value {
            page if page.events.is_empty() => view! {
                <EmptyState title="Nothing recorded" hint="No event matches these filters. Changes appear here as soon as they are made.".into()/>
            }.into_any(),
            page => {
                let older = page.older.clone();
                view! {
                    <table class="table audit">
                        <thead><tr><th>"When"</th><th>"Who"</th><th>"Action"</th><th>"Target"</th><th>"Details"</th></tr></thead>
                        <tbody>
                            {page.events.into_iter().map(|e| view! {
                                <tr>
                                    <td><Time ms=e.at/></td>
                                    <td>{e.actor_name.clone()}</td>
                                    <td><code>{e.action.clone()}</code></td>
                                    <td>{e.target_name.clone()}<span class="hint">{format!(" {}", e.target_type)}</span></td>
                                    <td class="detail">{e.detail.clone()}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    <div class="pager">
                        <button type="button" class="button" disabled=move || before.get().is_none() on:click=move |_| before.set(None)>"Newest"</button>
                        {older.map(|o| view! { <button type="button" class="button" on:click=move |_| before.set(Some(o.clone()))>"Older"</button> })}
                    </div>
                }.into_any()
            }
        }/>
    }
}
