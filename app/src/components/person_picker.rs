//! The person picker: finds users and groups of the tenant by name or email as one types.

use leptos::prelude::*;

use super::ErrorBox;
use crate::sharing::api::find_candidates;
use crate::sharing::model::{Candidate, ShareAssignee};

/// Finds users (and groups, unless `users_only`) by name or email; the one clicked is `chosen`.
/// Searches run in the browser as the person types (an action, not a resource: a resource
/// nested in a page's own would not hydrate, and there is nothing to find before typing).
#[component]
pub fn PersonPicker(
    label: &'static str,
    #[prop(optional)] users_only: bool,
    chosen: RwSignal<Option<Candidate>>,
) -> impl IntoView {
    let search = RwSignal::new(String::new());
    let find = Action::new(|search: &String| {
        let search = search.clone();
        async move {
            if search.trim().is_empty() {
                Ok(Vec::new())
            } else {
                find_candidates(search).await
            }
        }
    });
    let placeholder = if users_only {
        "Name or email"
    } else {
        "Name or email of a user, or a group"
    };
    view! {
        <div class="picker">
            <label>
                <span class="picker-label">{label}</span>
                <input type="search" placeholder=placeholder prop:value=search on:input=move |ev| {
                    let text = event_target_value(&ev);
                    search.set(text.clone());
                    chosen.set(None);
                    find.dispatch(text);
                }/>
            </label>
            {move || chosen.get().map(|c| view! { <p class="picker-chosen">"Chosen: " <strong>{c.name.clone()}</strong> " " <span class="muted">{c.detail.clone()}</span></p> })}
            {move || match find.value().get() {
                None => None,
                Some(Ok(people)) => {
                    let people: Vec<Candidate> = people.into_iter().filter(|c| !users_only || c.assignee_type == ShareAssignee::User).collect();
                    let hidden = chosen.get().is_some() || search.get().trim().is_empty();
                    (!hidden).then(|| view! {
                        <ul class="picker-results" role="listbox" aria-label=format!("{label}: matches")>
                            {if people.is_empty() { Some(view! { <li class="muted">"Nobody matches."</li> }) } else { None }}
                            {people.into_iter().map(|c| {
                                let pick = c.clone();
                                let icon = if c.assignee_type == ShareAssignee::Group { "group" } else { "user" };
                                view! {
                                    <li>
                                        <button type="button" role="option" class="picker-option" on:click=move |_| chosen.set(Some(pick.clone()))>
                                            <span class=format!("icon icon-{icon}") aria-hidden="true"></span>
                                            <span>{c.name.clone()}</span>
                                            <span class="muted">{c.detail.clone()}</span>
                                        </button>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any())
                }
                Some(Err(error)) => Some(view! { <ul class="picker-results"><li><ErrorBox error/></li></ul> }.into_any()),
            }}
        </div>
    }
}
