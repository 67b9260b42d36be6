//! Roles and permissions: the fixed admin roles, User Default for everyone, and custom roles.

use leptos::prelude::*;

use crate::components::{load, ActionError, Badge, Loaded, Notice, PageHeader};
use crate::directory::api::*;
use crate::directory::model::*;
use crate::directory::rules::{Permission, RoleKind};

#[component]
pub fn RolesPage() -> impl IntoView {
    let version = RwSignal::new(0);
    let roles = load(move || version.get(), |_| list_roles());
    let bump = move || version.update(|v| *v += 1);
    view! {
        <PageHeader title="Roles and permissions".to_string()
            subtitle="Tenant roles are fixed. User Default applies to every user. Custom roles add permissions to the users and groups they are given to.".to_string()/>
        <NewRole on_created=bump/>
        <Loaded resource=roles view=move |list| view! {
                <div class="role-grid">
                    {list.into_iter().map(|role| view! { <RoleCard role on_change=bump/> }).collect_view()}
                </div>
            }.into_any()
        />
    }
}

/// Checkboxes for every permission, bound to `chosen`.
#[component]
fn PermissionChoice(
    chosen: RwSignal<Vec<Permission>>,
    #[prop(optional)] disabled: bool,
) -> impl IntoView {
    view! {
        <fieldset class="checklist-field">
            <legend>"Permissions"</legend>
            {Permission::ALL.into_iter().map(|p| view! {
                <label class="check">
                    <input type="checkbox" disabled=disabled prop:checked=move || chosen.read().contains(&p)
                        on:change=move |_| chosen.update(|c| if let Some(i) = c.iter().position(|x| *x == p) { c.remove(i); } else { c.push(p); })/>
                    <span>{p.label()}</span>
                    <code class="hint">{p.as_str()}</code>
                </label>
            }).collect_view()}
        </fieldset>
    }
}

#[component]
fn NewRole(on_created: impl Fn() + Send + Sync + Copy + 'static) -> impl IntoView {
    let open = RwSignal::new(false);
    let name = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let chosen = RwSignal::new(Vec::<Permission>::new());
    let create = Action::new(|input: &RoleInput| {
        let input = input.clone();
        async move { create_role(input).await }
    });
    Effect::new(move || {
        if let Some(Ok(_)) = create.value().get() {
            name.set(String::new());
            description.set(String::new());
            chosen.set(Vec::new());
            open.set(false);
            on_created();
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        create.dispatch(RoleInput {
            name: name.get(),
            description: description.get(),
            permissions: chosen.get(),
        });
    };
    view! {
        <Show when=move || open.get() fallback=move || view! {
            <p><button type="button" class="button primary" on:click=move |_| open.set(true)>"New custom role"</button></p>
        }>
            <section class="card">
                <h2>"New custom role"</h2>
                <form class="form" on:submit=submit>
                    <label for="role-name">"Name"</label>
                    <input id="role-name" type="text" required maxlength="200" bind:value=name/>
                    <label for="role-description">"Description"</label>
                    <input id="role-description" type="text" maxlength="1000" bind:value=description/>
                    <PermissionChoice chosen/>
                    <ActionError result=create.value().into()/>
                    <div class="button-row">
                        <button type="submit" class="button primary" disabled=move || create.pending().get()>"Create role"</button>
                        <button type="button" class="button" on:click=move |_| open.set(false)>"Cancel"</button>
                    </div>
                </form>
            </section>
        </Show>
    }
}

#[component]
fn RoleCard(role: Role, on_change: impl Fn() + Send + Sync + Copy + 'static) -> impl IntoView {
    let id = StoredValue::new(role.id.clone());
    let fixed = role.kind.fixed_permissions().is_some();
    let custom = role.kind == RoleKind::Custom;
    let name = RwSignal::new(role.name.clone());
    let description = RwSignal::new(role.description.clone());
    let chosen = RwSignal::new(role.permissions.clone());
    let save = Action::new(move |input: &RoleInput| {
        let input = input.clone();
        async move { update_role(id.get_value(), input).await }
    });
    let remove = Action::new(move |_: &()| async move { delete_role(id.get_value()).await });
    Effect::new(move || {
        if matches!(remove.value().get(), Some(Ok(()))) {
            on_change();
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.dispatch(RoleInput {
            name: name.get(),
            description: description.get(),
            permissions: chosen.get(),
        });
    };
    let reach = match role.kind {
        RoleKind::UserDefault => "every user".to_string(),
        _ => format!("{} users, {} groups", role.user_count, role.group_count),
    };
    let kind_label = match role.kind {
        RoleKind::TenantAdmin | RoleKind::AnalyticsAdmin => "tenant role",
        RoleKind::UserDefault => "default",
        RoleKind::Custom => "custom",
    };
    view! {
        <section class="card role-card" data-role=role.name.clone()>
            <div class="role-head">
                <h2>{role.name.clone()}</h2>
                <Badge text=kind_label.to_string() tone=if fixed { "accent" } else { "neutral" }/>
            </div>
            <p class="muted">{role.description.clone()}</p>
            <p class="hint">{format!("Given to {reach}")}</p>
            <form class="form" on:submit=submit>
                {custom.then(|| view! {
                    <label>"Name"<input type="text" required maxlength="200" bind:value=name/></label>
                    <label>"Description"<input type="text" maxlength="1000" bind:value=description/></label>
                })}
                <PermissionChoice chosen disabled=fixed/>
                {(!fixed).then(|| view! {
                    <ActionError result=save.value().into()/>
                    {move || matches!(save.value().get(), Some(Ok(_))).then(|| view! { <Notice>"Saved."</Notice> })}
                    <div class="button-row">
                        <button type="submit" class="button primary" disabled=move || save.pending().get()>"Save"</button>
                        {custom.then(|| view! {
                            <button type="button" class="button danger" on:click=move |_| { remove.dispatch(()); }>"Delete role"</button>
                        })}
                    </div>
                    <ActionError result=remove.value().into()/>
                })}
            </form>
        </section>
    }
}
