//! The home page: who you are in this tenant, and for admins the state of the directory.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::auth::model::CurrentUser;
use crate::components::{load, Loaded, PageHeader};
use crate::directory::api::get_directory_counts;
use crate::directory::rules::Permission;
use crate::spaces::api::list_spaces;
use crate::spaces::model::SpaceQuery;

#[component]
pub fn HomePage() -> impl IntoView {
    let user = expect_context::<CurrentUser>();
    let admin = user.has(Permission::ManageDirectory);
    let permissions: Vec<_> = Permission::ALL
        .into_iter()
        .filter(|p| user.has(*p))
        .collect();
    view! {
        <PageHeader title=format!("Welcome, {}", user.name) subtitle=format!("{} · {}", user.tenant_name, user.email)/>
        <YourSpaces/>
        {admin.then(|| view! { <DirectorySummary/> })}
        <section class="card">
            <h2>"What you can do here"</h2>
            {if permissions.is_empty() {
                view! { <p class="muted">"Your roles grant no permissions yet. A tenant admin can give you some through User Default or a custom role."</p> }.into_any()
            } else {
                view! { <ul class="checklist">{permissions.into_iter().map(|p| view! { <li>{p.label()}</li> }).collect_view()}</ul> }.into_any()
            }}
            <p><A href="/account">"Your account, API keys and sessions"</A></p>
        </section>
    }
}

/// The spaces the user works in, to get to their apps in one click.
#[component]
fn YourSpaces() -> impl IntoView {
    let spaces = load(
        || (),
        |_| {
            list_spaces(SpaceQuery {
                limit: 7,
                ..Default::default()
            })
        },
    );
    view! {
        <section class="card">
            <div class="card-head"><h2>"Your spaces"</h2><A href="/spaces">"All spaces"</A></div>
            <Loaded resource=spaces view=move |page| view! {
                    <ul class="space-tiles">
                        {page.items.into_iter().map(|s| {
                            let name = s.name.clone();
                            view! {
                                <li>
                                    <A href=format!("/spaces/{}", s.id)>{name}</A>
                                    <span class="muted">{format!("{} · {} app{}", s.space_type.api_name(), s.app_count, if s.app_count == 1 { "" } else { "s" })}</span>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            />
        </section>
    }
}

#[component]
fn DirectorySummary() -> impl IntoView {
    let counts = load(|| (), |_| get_directory_counts());
    view! {
        <Loaded resource=counts view=move |c| view! {
                <section class="stats" aria-label="Directory">
                    <A href="/admin/users?status=active" attr:class="stat"><span class="stat-value">{c.active_users}</span><span class="stat-label">"active users"</span></A>
                    <A href="/admin/users?status=invited" attr:class="stat"><span class="stat-value">{c.invited_users}</span><span class="stat-label">"invited"</span></A>
                    <A href="/admin/users?status=disabled" attr:class="stat"><span class="stat-value">{c.disabled_users}</span><span class="stat-label">"disabled"</span></A>
                    <A href="/admin/groups" attr:class="stat"><span class="stat-value">{c.groups}</span><span class="stat-label">"groups"</span></A>
                    <A href="/admin/roles" attr:class="stat"><span class="stat-value">{c.custom_roles}</span><span class="stat-label">"custom roles"</span></A>
                </section>
            }.into_any()
        />
    }
}
