//! Admin pages of the directory.

mod groups;
mod roles;
mod users;

pub use groups::{GroupPage, GroupsPage};
pub use roles::RolesPage;
pub use users::{UserPage, UsersPage};

use leptos::prelude::*;

/// A list of checkboxes over `options` (id, label, hint) writing the chosen ids to `selected`.
#[component]
pub fn CheckList(
    legend: &'static str,
    options: Vec<(String, String, String)>,
    selected: RwSignal<Vec<String>>,
) -> impl IntoView {
    view! {
        <fieldset class="checklist-field">
            <legend>{legend}</legend>
            {if options.is_empty() { Some(view! { <p class="muted">"None to choose from yet."</p> }) } else { None }}
            {options.into_iter().map(|(id, label, hint)| {
                let value = id.clone();
                let checked = move || selected.read().contains(&value);
                let toggle = move |_| selected.update(|s| {
                    if let Some(i) = s.iter().position(|x| *x == id) { s.remove(i); } else { s.push(id.clone()); }
                });
                view! {
                    <label class="check">
                        <input type="checkbox" prop:checked=checked on:change=toggle/>
                        <span>{label}</span>
                        {(!hint.is_empty()).then(|| view! { <span class="hint">{hint}</span> })}
                    </label>
                }
            }).collect_view()}
        </fieldset>
    }
}
