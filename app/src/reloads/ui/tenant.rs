//! The admin center's Reloads page: every reload across the tenant's shared and managed spaces,
//! newest first, with failed ones a click away, and every reload schedule with its state and
//! next run.

use leptos::prelude::*;

use super::History;
use crate::components::*;
use crate::error::AppError;
use crate::reload_tasks::api::list_tenant_reload_tasks;
use crate::reload_tasks::model::{TaskPage, TaskState};
use crate::reloads::api::list_tenant_reloads;
use crate::reloads::model::ReloadPage;

#[component]
pub fn TenantReloadsPage() -> impl IntoView {
    let only_failed = RwSignal::new(false);
    let cursor = RwSignal::new(None::<String>);
    let reloads = load(
        move || (only_failed.get(), cursor.get()),
        |(failed, next)| list_tenant_reloads(failed.then(|| "FAILED".to_string()), next),
    );
    let tasks = load(|| (), |_| list_tenant_reload_tasks(None));
    let history = RwSignal::new(None::<ReloadPage>);
    let error = RwSignal::new(None::<AppError>);
    Effect::new(move || match reloads.get() {
        Some(Ok(page)) => history.set(Some(page)),
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    let next = move || history.with(|h| h.as_ref().and_then(|h| h.next.clone()));
    view! {
        <PageHeader title="Reloads".to_string() subtitle="Every reload and reload schedule of the apps in shared and managed spaces.".to_string()/>
        <section class="card" aria-labelledby="tenant-schedules">
            <h2 id="tenant-schedules">"Schedules"</h2>
            <Loaded resource=tasks view=|page: TaskPage| {
                if page.tasks.is_empty() {
                    return view! { <p class="muted">"No app has a reload schedule. An app's editors add one on the app's page."</p> }.into_any();
                }
                view! {
                    <div class="table-scroll"><table class="table">
                        <caption class="visually-hidden">"Reload schedules"</caption>
                        <thead><tr><th scope="col">"App"</th><th scope="col">"Schedule"</th><th scope="col">"State"</th><th scope="col">"Next run"</th><th scope="col">"Owner"</th></tr></thead>
                        <tbody>
                            {page.tasks.into_iter().map(|t| {
                                let state = match t.state {
                                    TaskState::Enabled => "On".to_string(),
                                    TaskState::Completed => "Ended".to_string(),
                                    TaskState::Disabled if t.note.is_empty() => "Off".to_string(),
                                    TaskState::Disabled => format!("Off: {}", t.note),
                                };
                                view! {
                                    <tr>
                                        <td><a href=format!("/apps/{}", t.app_id)>{t.app_name.clone()}</a></td>
                                        <td>{t.words.clone()}</td>
                                        <td>{state}</td>
                                        <td>{t.next_run_at.map(crate::timefmt::short).unwrap_or_else(|| "—".into())}</td>
                                        <td>{t.user_name.clone()}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table></div>
                }.into_any()
            }/>
        </section>
        <section class="card" aria-labelledby="tenant-reloads">
            <h2 id="tenant-reloads">"History"</h2>
            <label class="check"><input type="checkbox" name="only-failed"
                prop:checked=move || only_failed.get()
                on:change=move |ev| { cursor.set(None); only_failed.set(event_target_checked(&ev)); }/>
                "Failed reloads only"</label>
            <History history with_app=true/>
            {move || next().map(|n| view! {
                <button type="button" class="button" on:click=move |_| cursor.set(Some(n.clone()))>"Older reloads"</button>
            })}
            {move || error.get().map(|error| view! { <ErrorBox error/> })}
        </section>
    }
}
