//! The portal's pages in two chunks of the WASM bundle, each loaded when a page of it is first
//! opened: the administrators' pages, and the pages of spaces, apps, sheets, accounts and
//! collaborative sessions. The main bundle keeps the frame, the home page and sign-in.
//!
//! Each chunk is one lazy route (`#[lazy_route]`; `scripts/build.sh` splits the bundle there)
//! that every path of its pages names, and that picks the page by the path. Two of them, not
//! one a page: the splitter gives the code that several lazy routes share a chunk of its own
//! for each combination of them, and with a lazy route a page, a sheet needed 185 files. A page
//! the server rendered names its chunks among its preloads, and hydrates once they are here.

use leptos::prelude::*;
use leptos_router::hooks::use_location;
use leptos_router::{lazy_route, LazyRoute};

use super::{Guarded, NotFound};
use crate::directory::rules::Permission;

/// The page `pick` chooses by the path's segments (after the leading slash).
fn by_path(pick: fn(&[&str]) -> AnyView) -> AnyView {
    let path = use_location().pathname.get_untracked();
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    pick(&segments)
}

/// The administrators' pages: `/admin/...`.
pub struct AdminPages;

#[lazy_route]
impl LazyRoute for AdminPages {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        by_path(admin_page)
    }
}

fn admin_page(segments: &[&str]) -> AnyView {
    use crate::anonymous::ui::EmbeddingPage;
    use crate::audit::ui::AuditPage;
    use crate::directory::ui::{GroupPage, GroupsPage, RolesPage, UserPage, UsersPage};
    use crate::licences::ui::LicencesPage;
    use Permission::{ManageAllowedOrigins, ManageDirectory, ViewAuditLog};
    match segments {
        ["admin", "users"] => {
            view! { <Guarded need=ManageDirectory><UsersPage/></Guarded> }.into_any()
        }
        ["admin", "users", _] => {
            view! { <Guarded need=ManageDirectory><UserPage/></Guarded> }.into_any()
        }
        ["admin", "groups"] => {
            view! { <Guarded need=ManageDirectory><GroupsPage/></Guarded> }.into_any()
        }
        ["admin", "groups", _] => {
            view! { <Guarded need=ManageDirectory><GroupPage/></Guarded> }.into_any()
        }
        ["admin", "roles"] => {
            view! { <Guarded need=ManageDirectory><RolesPage/></Guarded> }.into_any()
        }
        ["admin", "audit"] => {
            view! { <Guarded need=ViewAuditLog><AuditPage/></Guarded> }.into_any()
        }
        ["admin", "licences"] => {
            view! { <Guarded need=ManageDirectory><LicencesPage/></Guarded> }.into_any()
        }
        ["admin", "reloads"] => {
            view! { <Guarded need=Permission::ManageSpaces><crate::reloads::ui::TenantReloadsPage/></Guarded> }
                .into_any()
        }
        ["admin", "embedding"] => {
            view! { <Guarded need=ManageAllowedOrigins><EmbeddingPage/></Guarded> }.into_any()
        }
        ["admin", "identity-providers"] => {
            view! { <Guarded need=ManageDirectory><crate::idps::ui::IdentityProvidersPage/></Guarded> }
                .into_any()
        }
        _ => view! { <NotFound/> }.into_any(),
    }
}

/// Spaces, apps and sheets, one's account, invitations and collaborative sessions.
pub struct WorkPages;

#[lazy_route]
impl LazyRoute for WorkPages {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        by_path(work_page)
    }
}

fn work_page(segments: &[&str]) -> AnyView {
    use crate::apps::ui::AppPage;
    use crate::auth::ui::{AccountPage, ForgotPasswordPage, InvitePage};
    use crate::collab::ui::{JoinPage, SessionPage};
    use crate::content::ui::SheetPage;
    use crate::sharing::ui::MembersPage;
    use crate::spaces::ui::{SpacePage, SpacesPage};
    match segments {
        ["spaces"] => view! { <Guarded><SpacesPage/></Guarded> }.into_any(),
        ["spaces", _] => view! { <Guarded><SpacePage/></Guarded> }.into_any(),
        ["spaces", _, "members"] => view! { <Guarded><MembersPage/></Guarded> }.into_any(),
        ["spaces", _, "connections"] => {
            view! { <Guarded><crate::connections::ui::ConnectionsPage/></Guarded> }.into_any()
        }
        ["apps", _] => view! { <Guarded><AppPage/></Guarded> }.into_any(),
        ["apps", _, "sheets", ..] => view! { <Guarded><SheetPage/></Guarded> }.into_any(),
        ["apps", _, "model"] => {
            view! { <Guarded><crate::modelling::ui::DataModelPage/></Guarded> }.into_any()
        }
        ["account"] => view! { <Guarded><AccountPage/></Guarded> }.into_any(),
        ["notices"] => view! { <Guarded><crate::notices::ui::NoticesPage/></Guarded> }.into_any(),
        ["invite", _] => view! { <InvitePage/> }.into_any(),
        ["forgot-password"] => view! { <ForgotPasswordPage/> }.into_any(),
        ["collab", "join", _] => view! { <JoinPage/> }.into_any(),
        ["collab", _] => view! { <SessionPage/> }.into_any(),
        _ => view! { <NotFound/> }.into_any(),
    }
}
