//! Single sign-on on the Identity providers page: the tenant's OpenID Connect providers (pending,
//! live or off), each tested by signing in through it before it goes live, with what the test
//! found; a form to add one; and whether passwords still sign people in.

use leptos::prelude::*;

use crate::components::{EmptyState, ErrorBox, Loading, Time};
use crate::error::AppError;
use crate::idps::api::*;
use crate::idps::model::*;

#[component]
pub fn SingleSignOn() -> impl IntoView {
    let version = RwSignal::new(0);
    let providers = RwSignal::new(None::<Result<Vec<OidcProvider>, AppError>>);
    Effect::new(move || {
        version.track();
        leptos::task::spawn_local(async move {
            providers.set(Some(list_oidc_providers().await));
        });
    });
    let reload = move || version.update(|v| *v += 1);
    view! {
        <h2 class="section-title">"Single sign-on to the portal"</h2>
        <div class="columns">
            <OidcProviders providers reload/>
            <AddOidcProvider reload/>
        </div>
        <div class="columns">
            <PasswordSignIn version/>
            <crate::scim::ui::Provisioning/>
        </div>
    }
}

fn status(p: &OidcProvider) -> (&'static str, &'static str) {
    match (p.active, p.pending) {
        (false, _) => ("Off", "badge badge-muted"),
        (true, true) => ("Pending", "badge badge-warn"),
        (true, false) => ("Live", "badge badge-ok"),
    }
}

fn input_of(p: &OidcProvider, active: bool) -> OidcInput {
    OidcInput {
        description: p.description.clone(),
        issuer: p.issuer.clone(),
        client_id: p.client_id.clone(),
        client_secret: String::new(),
        scopes: p.scopes.clone(),
        claims: p.claims.clone(),
        create_users: p.create_users,
        active,
        skip_verify: false,
    }
}

#[component]
fn OidcProviders(
    providers: RwSignal<Option<Result<Vec<OidcProvider>, AppError>>>,
    reload: impl Fn() + Send + Sync + Copy + 'static,
) -> impl IntoView {
    let promote = Action::new(move |id: &String| {
        let id = id.clone();
        async move { promote_oidc_provider(id).await.map(|_| ()) }
    });
    let switch = Action::new(move |(id, input): &(String, OidcInput)| {
        let (id, input) = (id.clone(), input.clone());
        async move { update_oidc_provider(id, input).await.map(|_| ()) }
    });
    let remove = Action::new(move |id: &String| {
        let id = id.clone();
        async move { delete_oidc_provider(id).await }
    });
    Effect::new(move || {
        let done = [
            promote.value().get(),
            switch.value().get(),
            remove.value().get(),
        ];
        if done.iter().any(|d| matches!(d, Some(Ok(())))) {
            untrack(reload);
        }
    });
    view! {
        <section class="card" aria-labelledby="sso-list">
            <h2 id="sso-list">"OpenID Connect providers"</h2>
            {move || match providers.get() {
                None => view! { <Loading/> }.into_any(),
                Some(Err(error)) => view! { <ErrorBox error/> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! {
                    <EmptyState title="People sign in with passwords" hint="Add your organisation's OpenID Connect provider (Entra ID, Okta, Keycloak, Google…) so that they sign in with the account they already have.".to_string()/>
                }.into_any(),
                Some(Ok(list)) => view! {
                    <ul class="plain providers">
                        {list.into_iter().map(|p| {
                            let (label, class) = status(&p);
                            let (id, again, live) = (p.id.clone(), p.id.clone(), p.id.clone());
                            let turned = input_of(&p, !p.active);
                            let test_href = format!("/login/oidc/{}?test=1", p.id);
                            let can_promote = p.pending && p.tested_at.is_some();
                            view! {
                                <li class="provider">
                                    <h3>{p.description.clone()}" "<span class=class>{label}</span></h3>
                                    <dl class="facts">
                                        <dt>"Issuer"</dt><dd class="mono">{p.issuer.clone()}</dd>
                                        <dt>"Client id"</dt><dd class="mono">{p.client_id.clone()}{if p.has_secret { " (with a secret)" } else { " (public client, PKCE)" }}</dd>
                                        <dt>"Redirect URI"</dt><dd class="mono">{p.redirect_uri.clone()}</dd>
                                        <dt>"Scopes"</dt><dd class="mono">{p.scopes.join(" ")}</dd>
                                        <dt>"Email from"</dt><dd class="mono">{p.claims.email.join(", ")}</dd>
                                        <dt>"Groups from"</dt><dd class="mono">{if p.claims.groups.is_empty() { "none".to_string() } else { p.claims.groups.join(", ") }}</dd>
                                        <dt>"Accounts"</dt><dd>{if p.create_users { "made on first sign-in" } else { "existing accounts only" }}</dd>
                                    </dl>
                                    {p.last_test.clone().map(|t| view! {
                                        <div class="test-result" role="status">
                                            <p><strong>"Last test "</strong><Time ms=t.at/>": "{t.name.clone()}" <"{t.email.clone()}">, subject "<span class="mono">{t.subject.clone()}</span></p>
                                            <p>"Groups: "{if t.groups.is_empty() { "none".to_string() } else { t.groups.join(", ") }}</p>
                                            <details><summary>"The claims it sent"</summary><pre class="mono small snippet">{t.claims.clone()}</pre></details>
                                        </div>
                                    })}
                                    <div class="provider-actions">
                                        <a class="button small" href=test_href rel="external">"Test sign-in"</a>
                                        {can_promote.then(|| view! {
                                            <button type="button" class="button small primary" on:click=move |_| { promote.dispatch(live.clone()); }>"Make live"</button>
                                        })}
                                        <button type="button" class="button small" on:click=move |_| { switch.dispatch((id.clone(), turned.clone())); }>
                                            {if p.active { "Turn off" } else { "Turn on" }}
                                        </button>
                                        <button type="button" class="button small danger" on:click=move |_| { remove.dispatch(again.clone()); }>"Remove"</button>
                                    </div>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                    <p class="muted small">"A new provider is pending: test it (you sign in through it and see what it gives), then make it live. Turning it off or removing it signs out everyone it signed in."</p>
                }.into_any(),
            }}
            {move || [promote.value().get(), switch.value().get(), remove.value().get()].into_iter().flatten().find_map(|r| r.err()).map(|error| view! { <ErrorBox error/> })}
        </section>
    }
}

fn pointers(text: &str) -> Vec<String> {
    text.split([',', '\n', ' '])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}

#[component]
fn AddOidcProvider(reload: impl Fn() + Send + Sync + Copy + 'static) -> impl IntoView {
    let defaults = ClaimMap::default();
    let description = RwSignal::new(String::new());
    let issuer = RwSignal::new(String::new());
    let client_id = RwSignal::new(String::new());
    let secret = RwSignal::new(String::new());
    let scopes = RwSignal::new("openid profile email".to_string());
    let email = RwSignal::new(defaults.email.join(", "));
    let name = RwSignal::new(defaults.name.join(", "));
    let groups = RwSignal::new(defaults.groups.join(", "));
    let create_users = RwSignal::new(true);
    let add = Action::new(move |input: &OidcInput| {
        let input = input.clone();
        async move { create_oidc_provider(input).await }
    });
    Effect::new(move || {
        if matches!(add.value().get(), Some(Ok(_))) {
            for field in [description, issuer, client_id, secret] {
                field.set(String::new());
            }
            untrack(reload);
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        add.dispatch(OidcInput {
            description: description.get_untracked(),
            issuer: issuer.get_untracked(),
            client_id: client_id.get_untracked(),
            client_secret: secret.get_untracked(),
            scopes: vec![scopes.get_untracked()],
            claims: ClaimMap {
                subject: vec!["/sub".into()],
                email: pointers(&email.get_untracked()),
                name: pointers(&name.get_untracked()),
                groups: pointers(&groups.get_untracked()),
            },
            create_users: create_users.get_untracked(),
            active: true,
            skip_verify: false,
        });
    };
    view! {
        <section class="card" aria-labelledby="sso-add">
            <h2 id="sso-add">"Add a provider"</h2>
            <form class="stack" on:submit=submit>
                <label>"Name on the sign-in button" <input type="text" required placeholder="Contoso staff" prop:value=move || description.get() on:input=move |ev| description.set(event_target_value(&ev))/></label>
                <label>"Issuer" <input type="url" required placeholder="https://login.example.com/realms/staff" prop:value=move || issuer.get() on:input=move |ev| issuer.set(event_target_value(&ev))/></label>
                <label>"Client id" <input type="text" required prop:value=move || client_id.get() on:input=move |ev| client_id.set(event_target_value(&ev))/></label>
                <label>"Client secret (empty for a public client)" <input type="password" autocomplete="off" prop:value=move || secret.get() on:input=move |ev| secret.set(event_target_value(&ev))/></label>
                <label>"Scopes" <input type="text" class="mono" prop:value=move || scopes.get() on:input=move |ev| scopes.set(event_target_value(&ev))/></label>
                <fieldset>
                    <legend>"Claims, as JSON pointers tried in order"</legend>
                    <label>"Email" <input type="text" class="mono" prop:value=move || email.get() on:input=move |ev| email.set(event_target_value(&ev))/></label>
                    <label>"Name" <input type="text" class="mono" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/></label>
                    <label>"Groups" <input type="text" class="mono" prop:value=move || groups.get() on:input=move |ev| groups.set(event_target_value(&ev))/></label>
                </fieldset>
                <label class="check"><input type="checkbox" prop:checked=move || create_users.get() on:change=move |ev| create_users.set(event_target_checked(&ev))/>" Make an account for someone who signs in for the first time"</label>
                {move || add.value().get().and_then(|r| r.err()).map(|error| view! { <ErrorBox error/> })}
                <button type="submit" class="button primary" disabled=move || add.pending().get()>
                    {move || if add.pending().get() { "Reading the provider…" } else { "Add provider" }}
                </button>
            </form>
        </section>
    }
}

#[component]
fn PasswordSignIn(version: RwSignal<i32>) -> impl IntoView {
    let policy = RwSignal::new(None::<Result<PasswordPolicy, AppError>>);
    let break_glass = RwSignal::new(String::new());
    let save = Action::new(move |p: &PasswordPolicy| {
        let p = p.clone();
        async move { set_password_policy(p).await }
    });
    Effect::new(move || {
        version.track();
        save.value().track();
        leptos::task::spawn_local(async move {
            let now = get_password_policy().await;
            if let Ok(p) = &now {
                break_glass.set(p.break_glass_email.clone());
            }
            policy.set(Some(now));
        });
    });
    let choose = move |on: bool| {
        save.dispatch(PasswordPolicy {
            password_sign_in: on,
            break_glass_email: break_glass.get_untracked(),
        });
    };
    view! {
        <section class="card" aria-labelledby="passwords">
            <h2 id="passwords">"Password sign-in"</h2>
            {move || match policy.get() {
                None => view! { <Loading/> }.into_any(),
                Some(Err(error)) => view! { <ErrorBox error/> }.into_any(),
                Some(Ok(p)) if p.password_sign_in => view! {
                    <p>"Everyone may sign in with a password. Turn it off once single sign-on is live, keeping one tenant admin's password for when the provider cannot be reached."</p>
                    <div class="form">
                        <label for="break-glass">"Break-glass account (a tenant admin's email)"</label>
                        <input id="break-glass" type="email" prop:value=move || break_glass.get() on:input=move |ev| break_glass.set(event_target_value(&ev))/>
                        <button type="button" class="button" on:click=move |_| choose(false)>"Turn password sign-in off"</button>
                    </div>
                }.into_any(),
                Some(Ok(p)) => view! {
                    <p>"Only "<strong>{p.break_glass_email}</strong>" signs in with a password; everyone else through single sign-on."</p>
                    <button type="button" class="button" on:click=move |_| choose(true)>"Turn password sign-in on for everyone"</button>
                }.into_any(),
            }}
            {move || save.value().get().and_then(|r| r.err()).map(|error| view! { <ErrorBox error/> })}
        </section>
    }
}
