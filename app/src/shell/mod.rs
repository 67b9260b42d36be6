//! The portal's frame: the document shell, the route table, header and navigation, and the home
//! page. The top of the UI: it uses every feature's pages, and nothing uses it but `lib.rs`.

mod chunks;
mod home;

use crate::components::{load, Loadable};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::Lazy;
use leptos_router::{path, SsrMode};

use crate::anonymous::ui::{AnonymousPage, EmbedPage};
use crate::auth::api::get_current_user;
use crate::auth::model::CurrentUser;
use crate::auth::ui::{LoginPage, UserMenu};
use crate::components::*;
use crate::directory::rules::Permission;
use crate::error::AppError;

/// The HTML document the server renders around a visitor's page (`VisitorApp`): complete as it
/// is, with `assets/visitor.js` (a few kilobytes) instead of a WASM bundle to make it live.
pub fn visitor_shell() -> impl IntoView {
    // Last in the body, so that the page it makes live is all there when it runs, and async, so
    // that a slow script holds nothing up.
    document(
        (),
        view! {
            <VisitorApp/>
            <script src=crate::anonymous::rules::VISITOR_SCRIPT_PATH async nonce=leptos::nonce::use_nonce()></script>
        },
    )
}

/// Moves the focus among a chart's marks with the arrow keys, and selects with Enter or Space
/// (`assets/marks.js`, under 2 KB with brotli).
pub const MARKS_SCRIPT_PATH: &str = "/marks.js";

/// The HTML document the server renders around the app.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    document(
        view! {
            <AutoReload options=options.clone()/>
            <HydrationScripts options/>
        },
        view! { <App/> },
    )
}

/// The server renders it; the browser never does, so the stylesheet's name, which the build
/// makes from its contents, is looked up here only.
fn document(scripts: impl IntoView + 'static, body: impl IntoView + 'static) -> impl IntoView {
    #[cfg(feature = "ssr")]
    let stylesheet = use_context::<crate::state::AppState>().map_or_else(
        || "/pkg/sightline.css".to_string(),
        |s| s.stylesheet.to_string(),
    );
    #[cfg(not(feature = "ssr"))]
    let stylesheet = "/pkg/sightline.css".to_string();
    // How the reader writes numbers, for the WASM to draw as the server did.
    let numbers = crate::content::ui::charts::reader_locale().code();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="stylesheet" id="sightline" href=stylesheet/>
                // The keyboard for charts, on the portal's pages and visitors' alike.
                <script src=MARKS_SCRIPT_PATH async nonce=leptos::nonce::use_nonce()></script>
                {scripts}
                <MetaTags/>
            </head>
            <body data-locale=numbers>{body}</body>
        </html>
    }
}

/// Who is signed in, loaded once per page and shared by the header and the guards.
pub type UserResource = Loadable<Option<CurrentUser>>;

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_context(crate::content::ui::charts::reader_locale());
    let user: UserResource = load(|| (), |_| get_current_user());
    provide_context(user);

    view! {
        <leptos_meta::Link rel="icon" type_="image/svg+xml" href="/favicon.svg"/>
        <Title formatter=|page: String| if page.is_empty() { "Sightline".to_string() } else { format!("{page} · Sightline") }/>
        <Router>
            <Frame>
                <Routes fallback=NotFound>
                    <Route ssr=SsrMode::Async path=path!("/collab/join/:token") view={Lazy::<chunks::WorkPages>::new()}/>
                    <Route ssr=SsrMode::Async path=path!("/collab/:id") view={Lazy::<chunks::WorkPages>::new()}/>
                    <Route ssr=SsrMode::Async path=path!("/") view=|| view! { <Guarded><home::HomePage/></Guarded> }/>
                    <Route ssr=SsrMode::Async path=path!("/login") view=LoginPage/>
                    <Route ssr=SsrMode::Async path=path!("/invite/:token") view={Lazy::<chunks::WorkPages>::new()}/>
                    <Route ssr=SsrMode::Async path=path!("/forgot-password") view={Lazy::<chunks::WorkPages>::new()}/>
                    <Route ssr=SsrMode::Async path=path!("/account") view={Lazy::<chunks::WorkPages>::new()}/>
                    <Route ssr=SsrMode::Async path=path!("/notices") view={Lazy::<chunks::WorkPages>::new()}/>
                    <Route ssr=SsrMode::Async path=path!("/spaces") view={Lazy::<chunks::WorkPages>::new()}/>
                    <Route ssr=SsrMode::Async path=path!("/spaces/:id") view={Lazy::<chunks::WorkPages>::new()}/>
                    <Route ssr=SsrMode::Async path=path!("/spaces/:id/members") view={Lazy::<chunks::WorkPages>::new()}/>
                    <Route ssr=SsrMode::Async path=path!("/spaces/:id/connections") view={Lazy::<chunks::WorkPages>::new()}/>
                    <Route ssr=SsrMode::Async path=path!("/apps/:id") view={Lazy::<chunks::WorkPages>::new()}/>
                    <Route ssr=SsrMode::Async path=path!("/apps/:id/model") view={Lazy::<chunks::WorkPages>::new()}/>
                    <Route ssr=SsrMode::Async path=path!("/apps/:id/sheets") view={Lazy::<chunks::WorkPages>::new()}/>
                    <Route ssr=SsrMode::Async path=path!("/apps/:id/sheets/:sheet") view={Lazy::<chunks::WorkPages>::new()}/>
                    <Route ssr=SsrMode::Async path=path!("/admin/users") view={Lazy::<chunks::AdminPages>::new()}/>
                    <Route ssr=SsrMode::Async path=path!("/admin/users/:id") view={Lazy::<chunks::AdminPages>::new()}/>
                    <Route ssr=SsrMode::Async path=path!("/admin/groups") view={Lazy::<chunks::AdminPages>::new()}/>
                    <Route ssr=SsrMode::Async path=path!("/admin/groups/:id") view={Lazy::<chunks::AdminPages>::new()}/>
                    <Route ssr=SsrMode::Async path=path!("/admin/roles") view={Lazy::<chunks::AdminPages>::new()}/>
                    <Route ssr=SsrMode::Async path=path!("/admin/audit") view={Lazy::<chunks::AdminPages>::new()}/>
                    <Route ssr=SsrMode::Async path=path!("/admin/licences") view={Lazy::<chunks::AdminPages>::new()}/>
                    <Route ssr=SsrMode::Async path=path!("/admin/embedding") view={Lazy::<chunks::AdminPages>::new()}/>
                    <Route ssr=SsrMode::Async path=path!("/admin/identity-providers") view={Lazy::<chunks::AdminPages>::new()}/>
                    <Route ssr=SsrMode::Async path=path!("/admin/reloads") view={Lazy::<chunks::AdminPages>::new()}/>
                </Routes>
            </Frame>
        </Router>
    }
}

/// Anonymous visitors' and embeds' pages, with no portal around them and a small script instead
/// of WASM (`visitor_shell`): nothing of the portal reaches them.
#[component]
pub fn VisitorApp() -> impl IntoView {
    provide_meta_context();
    provide_context(crate::content::ui::charts::reader_locale());
    view! {
        <leptos_meta::Link rel="icon" type_="image/svg+xml" href="/favicon.svg"/>
        <Title formatter=|page: String| if page.is_empty() { "Sightline".to_string() } else { format!("{page} · Sightline") }/>
        <Router>
            <main id="main" class="visitor-main">
                <Routes fallback=NotFound>
                    <Route ssr=SsrMode::Async path=path!("/a/:app") view=AnonymousPage/>
                    <Route ssr=SsrMode::Async path=path!("/embed/:app/:ui") view=EmbedPage/>
                </Routes>
            </main>
        </Router>
    }
}

/// Pages for anonymous visitors and embeds: no portal around them.
pub fn is_visitor_path(path: &str) -> bool {
    path.starts_with("/a/") || path.starts_with("/embed/")
}

/// The portal's header and page frame, or nothing around a visitor's page.
#[component]
fn Frame(children: Children) -> impl IntoView {
    let location = leptos_router::hooks::use_location();
    let visitor = is_visitor_path(&location.pathname.get_untracked());
    view! {
        {(!visitor).then(|| view! { <Header/> })}
        <main id="main" class=if visitor { "visitor-main" } else { "page" }>{children()}</main>
    }
}

#[component]
fn Header() -> impl IntoView {
    let user = expect_context::<UserResource>();
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <header class="topbar">
            <A href="/" attr:class="brand">
                <span class="brand-mark" aria-hidden="true"></span>
                <span class="brand-name">"Sightline"</span>
            </A>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match user.await {
                        Ok(Some(user)) => view! { <Nav user=user.clone()/><UserMenu user/> }.into_any(),
                        _ => ().into_any(),
                    }
                })}
            </Transition>
        </header>
    }
}

#[component]
fn Nav(user: CurrentUser) -> impl IntoView {
    let admin = user.has(Permission::ManageDirectory);
    let audit = user.has(Permission::ViewAuditLog);
    let embedding = user.has(Permission::ManageAllowedOrigins);
    let reloads = user.has(Permission::ManageSpaces);
    view! {
        <span class="tenant-name" title="Tenant">{user.tenant_name.clone()}</span>
        <nav class="nav" aria-label="Main">
            <A href="/" exact=true>"Home"</A>
            <A href="/spaces">"Spaces"</A>
            {admin.then(|| view! {
                <A href="/admin/users">"Users"</A>
                <A href="/admin/groups">"Groups"</A>
                <A href="/admin/roles">"Roles"</A>
            })}
            {audit.then(|| view! { <A href="/admin/audit">"Audit log"</A> })}
            {embedding.then(|| view! { <A href="/admin/embedding">"Embedding"</A> })}
            {reloads.then(|| view! { <A href="/admin/reloads">"Reloads"</A> })}
            <crate::notices::ui::NoticesLink/>
            {user.is_tenant_admin.then(|| view! { <A href="/admin/licences">"Licences"</A> })}
        </nav>
    }
}

/// Shows its children to a signed-in user holding `need` (if given); sends visitors to the
/// sign-in page and tells others what they lack.
#[component]
pub fn Guarded(#[prop(optional)] need: Option<Permission>, children: ChildrenFn) -> impl IntoView {
    let user = expect_context::<UserResource>();
    let children = StoredValue::new(children);
    // After signing in, the visitor comes back here.
    let location = leptos_router::hooks::use_location();
    let sign_in = move || {
        let search = location.search.get_untracked();
        let here = if search.is_empty() {
            location.pathname.get_untracked()
        } else {
            format!("{}?{search}", location.pathname.get_untracked())
        };
        format!("/login?next={}", encode_path(&here))
    };
    view! {
        <Loaded resource=user view=move |value| match value {
            Some(user) if need.is_none_or(|p| user.has(p)) => {
                // Pages read the signed-in user from context, already resolved.
                provide_context(user);
                children.read_value()().into_any()
            }
            Some(_) => view! {
                <ErrorBox error=AppError::Forbidden("Your roles do not give access to this page. Ask a tenant admin if you need it.".into())/>
            }.into_any(),
            None => view! { <leptos_router::components::Redirect path=sign_in()/> }.into_any(),
        }/>
    }
}

/// Percent-encodes a local path for a query parameter.
fn encode_path(path: &str) -> String {
    path.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[component]
fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Not found"/>
        <section class="empty-state">
            <h1>"There is nothing at this address"</h1>
            <p>"The page may have moved, or the link has a typo."</p>
            <A href="/" attr:class="button">"Go to the home page"</A>
        </section>
    }
}
