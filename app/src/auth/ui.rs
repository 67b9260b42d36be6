//! Sign-in, invitation, account pages and the user menu.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::api::*;
use super::model::{ApiKeyInfo, CurrentUser};
use crate::components::{
    go_to, load, ActionError, Badge, EmptyState, ErrorBox, Loaded, Loading, PageHeader, SecretOnce,
    Time,
};
use crate::directory::rules::Permission;

/// Where to go after signing in: a local path from `?next=`, never another site.
fn local_next(next: Option<String>) -> String {
    next.filter(|n| super::rules::is_local_path(n))
        .unwrap_or_else(|| "/".into())
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    let query = use_query_map();
    Effect::new(move || {
        if let Some(Ok(_)) = action.value().get() {
            go_to(&local_next(query.read_untracked().get("next")));
        }
    });
    let options = load(|| (), |_| crate::idps::api::get_sign_in_options());
    let next = move || local_next(query.read_untracked().get("next"));
    let password_form = move || {
        view! {
            <ActionForm action attr:class="form">
                <label for="email">"Email"</label>
                <input id="email" type="email" name="email" autocomplete="username" required/>
                <label for="password">"Password"</label>
                <input id="password" type="password" name="password" autocomplete="current-password" required/>
                <ActionError result=action.value().into()/>
                <button type="submit" class="button primary" disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Signing in…" } else { "Sign in" }}
                </button>
            </ActionForm>
        }
    };
    view! {
        <leptos_meta::Title text="Sign in"/>
        <section class="auth-card card">
            <h1>"Sign in to Sightline"</h1>
            <Suspense fallback=|| view! { <Loading/> }>
                {move || Suspend::new(async move {
                    let options = options.await.unwrap_or(crate::idps::model::SignInOptions {
                        providers: Vec::new(),
                        passwords: true,
                        forgot_password: false,
                    });
                    let sso = !options.providers.is_empty();
                    let buttons = options.providers.into_iter().map(|p| {
                        let href = format!("{}?next={}", p.href, crate::url::percent_encode(&next()));
                        view! { <a class="button primary sso-button" href=href rel="external">{p.label}</a> }
                    }).collect_view();
                    let forgot = (options.passwords && options.forgot_password).then(|| view! {
                        <p class="muted"><A href="/forgot-password">"Forgot your password?"</A></p>
                    });
                    if options.passwords {
                        view! {
                            {sso.then(|| view! { <div class="sso-buttons">{buttons}</div><p class="muted divider-text">"or with your email and password"</p> })}
                            {(!sso).then(|| view! { <p class="muted">"Use the email and password of your account in this tenant."</p> })}
                            {password_form()}
                            {forgot}
                        }.into_any()
                    } else {
                        view! {
                            <p class="muted">"This tenant signs you in through your organisation's account."</p>
                            <div class="sso-buttons">{buttons}</div>
                            <details class="break-glass">
                                <summary>"Administrator sign-in with a password"</summary>
                                <p class="muted">"For the break-glass account, when single sign-on cannot be reached."</p>
                                {password_form()}
                            </details>
                        }.into_any()
                    }
                })}
            </Suspense>
        </section>
    }
}

/// "Forgot password": the email of the account; a link to choose a new password goes there if
/// it is an account's. The answer is the same either way.
#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let action = ServerAction::<RequestPasswordReset>::new();
    view! {
        <leptos_meta::Title text="Forgot password"/>
        <section class="auth-card card">
            <h1>"Choose a new password"</h1>
            {move || match action.value().get() {
                Some(Ok(())) => view! {
                    <p role="status">"If an account of this tenant has that email, a link to choose a new password is on its way to it. The link works once, for a limited time."</p>
                    <p><A href="/login">"Back to sign-in"</A></p>
                }.into_any(),
                _ => view! {
                    <p class="muted">"Enter the email of your account: we send a link to choose a new password to it."</p>
                    <ActionForm action attr:class="form">
                        <label for="email">"Email"</label>
                        <input id="email" type="email" name="email" autocomplete="username" required/>
                        <ActionError result=action.value().into()/>
                        <button type="submit" class="button primary" disabled=move || action.pending().get()>"Send me a link"</button>
                    </ActionForm>
                    <p class="muted"><A href="/login">"Back to sign-in"</A></p>
                }.into_any(),
            }}
        </section>
    }
}

#[component]
pub fn InvitePage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let details = load(token, invite_details);
    let action = ServerAction::<AcceptInvite>::new();
    Effect::new(move || {
        if let Some(Ok(_)) = action.value().get() {
            go_to("/");
        }
    });
    view! {
        <leptos_meta::Title text="Accept invitation"/>
        <section class="auth-card card">
            <Suspense fallback=|| view! { <Loading/> }>
                {move || Suspend::new(async move {
                    match details.await {
                        Ok((name, email)) => view! {
                            <h1>{format!("Welcome, {name}")}</h1>
                            <p class="muted">{format!("Choose a password for {email}. Use at least 10 characters.")}</p>
                            <ActionForm action attr:class="form">
                                <input type="hidden" name="token" value=token()/>
                                <input type="email" name="username" value=email autocomplete="username" hidden/>
                                <label for="password">"Password"</label>
                                <input id="password" type="password" name="password" autocomplete="new-password" minlength="10" required/>
                                <label for="confirm">"Type it again"</label>
                                <input id="confirm" type="password" name="confirm" autocomplete="new-password" minlength="10" required/>
                                <ActionError result=action.value().into()/>
                                <button type="submit" class="button primary" disabled=move || action.pending().get()>"Set password and sign in"</button>
                            </ActionForm>
                        }.into_any(),
                        Err(error) => view! { <h1>"Invitation"</h1><ErrorBox error/> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
pub fn UserMenu(user: CurrentUser) -> impl IntoView {
    let sign_out = ServerAction::<SignOut>::new();
    Effect::new(move || {
        if sign_out.value().get().is_some() {
            go_to("/login");
        }
    });
    let initials: String = user
        .name
        .split_whitespace()
        .filter_map(|w| w.chars().next())
        .take(2)
        .collect();
    view! {
        <details class="user-menu">
            <summary aria-label="Account menu">
                <span class="avatar" aria-hidden="true">{initials}</span>
                <span class="user-name">{user.name.clone()}</span>
            </summary>
            <div class="menu" role="menu">
                <p class="menu-email">{user.email.clone()}</p>
                <A href="/account" attr:role="menuitem">"Account and API keys"</A>
                <ActionForm action=sign_out>
                    <button type="submit" class="menu-button" role="menuitem">"Sign out"</button>
                </ActionForm>
            </div>
        </details>
    }
}

#[component]
pub fn AccountPage() -> impl IntoView {
    let user = expect_context::<CurrentUser>();
    view! {
        <PageHeader title="Your account".to_string() subtitle=format!("{} · {} · {}", user.name, user.email, user.tenant_name)/>
        <ApiKeys user_id=None can_create=user.has(Permission::CreateApiKeys)/>
        <Sessions/>
        <crate::licences::ui::MyConnections/>
    }
}

/// A user's API keys: create (shown once) and revoke. `user_id` is `None` for one's own keys.
#[component]
pub fn ApiKeys(user_id: Option<String>, can_create: bool) -> impl IntoView {
    let create = ServerAction::<CreateApiKey>::new();
    let revoke = ServerAction::<RevokeApiKey>::new();
    let owner = user_id.clone();
    // Every finished create or revoke reloads the list.
    let keys = load(
        move || (create.version().get(), revoke.version().get()),
        move |_| list_api_keys(owner.clone()),
    );
    let own = user_id.is_none();
    view! {
        <section class="card">
            <h2>"API keys"</h2>
            <p class="muted">"An API key lets a script or a Qlik API client act as you on the REST API: send it as "<code>"Authorization: Bearer <key>"</code>"."</p>
            {(own && can_create).then(|| view! {
                <ActionForm action=create attr:class="form-inline">
                    <label for="key-name" class="sr-only">"Key name"</label>
                    <input id="key-name" type="text" name="name" placeholder="What is this key for?" required maxlength="200"/>
                    <button type="submit" class="button primary" disabled=move || create.pending().get()>"Create key"</button>
                </ActionForm>
            })}
            {move || match create.value().get() {
                Some(Ok(key)) => view! { <SecretOnce label="Your new API key" value=key.secret/> }.into_any(),
                Some(Err(error)) => view! { <ErrorBox error/> }.into_any(),
                None => ().into_any(),
            }}
            <ActionError result=revoke.value().into()/>
            <Loaded resource=keys view=move |value| match value {
                list if list.is_empty() => view! {
                    <EmptyState title="No API keys" hint="Keys you create appear here, with when they were last used.".into()/>
                }.into_any(),
                list => view! { <KeyTable keys=list revoke/> }.into_any(),
            }/>
        </section>
    }
}

#[component]
fn KeyTable(keys: Vec<ApiKeyInfo>, revoke: ServerAction<RevokeApiKey>) -> impl IntoView {
    view! {
        <table class="table">
            <thead><tr><th>"Name"</th><th>"Key"</th><th>"Created"</th><th>"Last used"</th><th>"State"</th><th></th></tr></thead>
            <tbody>
                {keys.into_iter().map(|key| {
                    let live = key.revoked_at.is_none();
                    let id = key.id.clone();
                    view! {
                        <tr>
                            <td>{key.name.clone()}</td>
                            <td><code>{format!("{}…", key.prefix)}</code></td>
                            <td><Time ms=key.created_at/></td>
                            <td>{match key.last_used_at { Some(ms) => view! { <Time ms/> }.into_any(), None => view! { <span class="muted">"never"</span> }.into_any() }}</td>
                            <td>{if live { view! { <Badge text="active".into() tone="ok"/> } } else { view! { <Badge text="revoked".into() tone="muted"/> } }}</td>
                            <td class="actions">
                                {live.then(|| view! {
                                    <button type="button" class="button danger small" on:click=move |_| { revoke.dispatch(RevokeApiKey { key_id: id.clone() }); }>"Revoke"</button>
                                })}
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn Sessions() -> impl IntoView {
    let sessions = load(|| (), |_| list_sessions());
    let everywhere = ServerAction::<SignOutEverywhere>::new();
    Effect::new(move || {
        if let Some(Ok(_)) = everywhere.value().get() {
            go_to("/login");
        }
    });
    view! {
        <section class="card">
            <h2>"Where you are signed in"</h2>
            <Loaded resource=sessions view=move |list| view! {
                    <table class="table">
                        <thead><tr><th>"Device"</th><th>"Address"</th><th>"Signed in"</th><th>"Last active"</th></tr></thead>
                        <tbody>
                            {list.into_iter().map(|s| view! {
                                <tr>
                                    <td>{s.user_agent.clone()}{s.current.then(|| view! { " " <Badge text="this browser".into() tone="accent"/> })}</td>
                                    <td>{s.client_addr.clone()}</td>
                                    <td><Time ms=s.created_at/></td>
                                    <td><Time ms=s.last_seen_at/></td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            />
            <ActionForm action=everywhere>
                <button type="submit" class="button danger">"Sign out everywhere"</button>
                <p class="muted small">"Ends every browser session of your account, this one included. API keys are not sessions and keep working: revoke any you no longer trust under API keys."</p>
            </ActionForm>
            <ActionError result=everywhere.value().into()/>
        </section>
    }
}
