//! What every page about a space shows the same way: its type's badge and its tabs.

use leptos::prelude::*;

use super::Badge;
use crate::sharing::rules::SpaceAction;
use crate::spaces::model::Space;
use crate::spaces::rules::SpaceType;

/// The badge of a space type.
pub fn type_badge(space_type: SpaceType) -> impl IntoView {
    let (text, tone) = match space_type {
        SpaceType::Personal => ("Personal", "muted"),
        SpaceType::Shared => ("Shared", "neutral"),
        SpaceType::Managed => ("Managed", "accent"),
    };
    view! { <Badge text=text.to_string() tone/> }
}

/// The tabs of a space's pages.
#[component]
pub fn SpaceTabs(space: Space, current: &'static str) -> impl IntoView {
    let tab = move |name: &'static str, href: String| {
        let current_page = if name == current { Some("page") } else { None };
        view! { <a href=href aria-current=current_page>{name}</a> }
    };
    view! {
        <nav class="tabs" aria-label="Space">
            {tab("Apps", format!("/spaces/{}", space.id))}
            {space.can(SpaceAction::ViewMembers).then(|| tab("Members", format!("/spaces/{}/members", space.id)))}
            {space.can(SpaceAction::View).then(|| tab("Data connections", format!("/spaces/{}/connections", space.id)))}
        </nav>
    }
}
