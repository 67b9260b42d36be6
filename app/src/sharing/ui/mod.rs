//! Sharing in the portal: the share dialog of one app, and a space's members list.

mod dialog;
mod members;

pub use dialog::ShareDialog;
pub use members::MembersPage;

use leptos::prelude::*;

use crate::spaces::rules::SpaceRole;

/// A role picker over the roles that may be given here.
pub(super) fn role_select(
    roles: &[SpaceRole],
    selected: RwSignal<String>,
    label: String,
) -> impl IntoView {
    view! {
        <select aria-label=label prop:value=selected on:change=move |ev| selected.set(event_target_value(&ev))>
            {roles.iter().map(|r| view! { <option value=r.api_name()>{r.ui_name()}</option> }).collect_view()}
        </select>
    }
}

pub(super) fn parse_role(name: &str) -> Vec<SpaceRole> {
    SpaceRole::parse(name).map(|r| vec![r]).unwrap_or_default()
}
