//! The admin center's Identity providers page (`/admin/identity-providers`, tenant admins):
//! the host sites whose backends sign tokens for their users, each with its issuer, keys,
//! allowed sites and whether it makes accounts; a form to add one, with the markup its pages
//! use; turning one off or removing it ends the sessions its tokens opened.

use leptos::prelude::*;
use leptos_meta::Title;

use super::api::*;
use super::model::*;

mod sso;
use crate::components::{EmptyState, ErrorBox, Loading, PageHeader};
use crate::error::AppError;

#[component]
pub fn IdentityProvidersPage() -> impl IntoView {
    let version = RwSignal::new(0);
    let providers = RwSignal::new(None::<Result<Vec<IdentityProvider>, AppError>>);
    Effect::new(move || {
        version.track();
        leptos::task::spawn_local(async move {
            providers.set(Some(list_identity_providers().await));
        });
    });
    let reload = move || version.update(|v| *v += 1);
    view! {
        <Title text="Identity providers"/>
        <PageHeader title="Identity providers".to_string() subtitle="Single sign-on to the portal, and sites that sign their own users in to embedded apps".to_string()/>
        <sso::SingleSignOn/>
        <h2 class="section-title">"Sites that embed for their own users"</h2>
        <div class="columns">
            <Providers providers reload/>
            <AddProvider reload/>
        </div>
    }
}

fn input_of(p: &IdentityProvider, active: bool) -> ProviderInput {
    ProviderInput {
        description: p.description.clone(),
        issuer: p.issuer.clone(),
        audience: p.audience.clone(),
        keys: p
            .keys
            .iter()
            .map(|k| KeyInput {
                kid: k.kid.clone(),
                ..Default::default()
            })
            .collect(),
        jwks_uri: p.jwks_uri.clone(),
        narrowing: p.narrowing.clone(),
        origins: p.origins.clone(),
        create_users: p.create_users,
        clock_tolerance_secs: p.clock_tolerance_secs,
        active,
    }
}

#[component]
fn Providers(
    providers: RwSignal<Option<Result<Vec<IdentityProvider>, AppError>>>,
    reload: impl Fn() + Send + Sync + Copy + 'static,
) -> impl IntoView {
    let switch = Action::new(move |(id, input): &(String, ProviderInput)| {
        let (id, input) = (id.clone(), input.clone());
        async move { update_identity_provider(id, input).await.map(|_| ()) }
    });
    let remove = Action::new(move |id: &String| {
        let id = id.clone();
        async move { delete_identity_provider(id).await }
    });
    Effect::new(move || {
        if matches!(switch.value().get(), Some(Ok(())))
            || matches!(remove.value().get(), Some(Ok(())))
        {
            untrack(reload);
        }
    });
    view! {
        <section class="card" aria-labelledby="idp-list">
            <h2 id="idp-list">"Registered issuers"</h2>
            {move || match providers.get() {
                None => view! { <Loading/> }.into_any(),
                Some(Err(error)) => view! { <ErrorBox error/> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! {
                    <EmptyState title="No site signs its users in yet" hint="Add the issuer of a site whose backend signs a token for each of its signed-in users.".to_string()/>
                }.into_any(),
                Some(Ok(list)) => view! {
                    <ul class="plain providers">
                        {list.into_iter().map(|p| {
                            let (id, again) = (p.id.clone(), p.id.clone());
                            let turned = input_of(&p, !p.active);
                            let keys = p.keys.iter().map(|k| format!("{} ({})", k.kid, k.kind.as_str())).collect::<Vec<_>>().join(", ");
                            view! {
                                <li class="provider">
                                    <h3 class="mono">{p.issuer.clone()}" "<span class=if p.active { "badge badge-ok" } else { "badge badge-muted" }>{if p.active { "On" } else { "Off" }}</span></h3>
                                    <p class="muted small">{p.description.clone()}</p>
                                    <dl class="facts">
                                        <dt>"Keys"</dt><dd class="mono">{keys}</dd>
                                        {(!p.jwks_uri.is_empty()).then(|| view! { <dt>"Published keys"</dt><dd class="mono">{p.jwks_uri.clone()}</dd> })}
                                        {(!p.narrowing.is_empty()).then(|| view! { <dt>"Narrows"</dt><dd class="mono">{p.narrowing.iter().map(|n| format!("{} by {}", n.field, n.claim)).collect::<Vec<_>>().join(", ")}</dd> })}
                                        <dt>"Sites"</dt><dd class="mono">{if p.origins.is_empty() { "any allowed origin".to_string() } else { p.origins.join(", ") }}</dd>
                                        <dt>"Accounts"</dt><dd>{if p.create_users { "made on first use" } else { "existing accounts only" }}</dd>
                                    </dl>
                                    <div class="provider-actions">
                                        <button type="button" class="button small" on:click=move |_| { switch.dispatch((id.clone(), turned.clone())); }>
                                            {if p.active { "Turn off" } else { "Turn on" }}
                                        </button>
                                        <button type="button" class="button small danger" on:click=move |_| { remove.dispatch(again.clone()); }>"Remove"</button>
                                    </div>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                    <p class="muted small">"Turning an issuer off or removing it ends at once every session its tokens opened."</p>
                }.into_any(),
            }}
            {move || [switch.value().get().and_then(|r| r.err()), remove.value().get().and_then(|r| r.err())].into_iter().flatten().next().map(|error| view! { <ErrorBox error/> })}
        </section>
    }
}

#[component]
fn AddProvider(reload: impl Fn() + Send + Sync + Copy + 'static) -> impl IntoView {
    let description = RwSignal::new(String::new());
    let issuer = RwSignal::new(String::new());
    let kid = RwSignal::new(String::new());
    let pem = RwSignal::new(String::new());
    let jwks = RwSignal::new(String::new());
    let narrow = RwSignal::new(String::new());
    let origins = RwSignal::new(String::new());
    let create_users = RwSignal::new(false);
    let add = Action::new(move |input: &ProviderInput| {
        let input = input.clone();
        async move { create_identity_provider(input).await }
    });
    Effect::new(move || {
        if matches!(add.value().get(), Some(Ok(_))) {
            for field in [description, issuer, kid, pem, jwks, narrow, origins] {
                field.set(String::new());
            }
            untrack(reload);
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let material = pem.get_untracked();
        let is_pem = material.trim_start().starts_with("-----BEGIN");
        add.dispatch(ProviderInput {
            description: description.get_untracked(),
            issuer: issuer.get_untracked(),
            audience: String::new(),
            keys: (!material.trim().is_empty())
                .then(|| KeyInput {
                    kid: kid.get_untracked(),
                    pem: if is_pem {
                        material.clone()
                    } else {
                        String::new()
                    },
                    secret: if is_pem {
                        String::new()
                    } else {
                        material.clone()
                    },
                })
                .into_iter()
                .collect(),
            jwks_uri: jwks.get_untracked(),
            narrowing: narrow
                .get_untracked()
                .lines()
                .filter_map(|line| line.split_once('='))
                .map(|(claim, field)| Narrowing {
                    claim: claim.trim().to_string(),
                    field: field.trim().to_string(),
                })
                .collect(),
            origins: origins
                .get_untracked()
                .split([',', '\n', ' '])
                .map(str::trim)
                .filter(|o| !o.is_empty())
                .map(str::to_string)
                .collect(),
            create_users: create_users.get_untracked(),
            clock_tolerance_secs: 5,
            active: true,
        });
    };
    view! {
        <section class="card" aria-labelledby="idp-add">
            <h2 id="idp-add">"Add an issuer"</h2>
            <form class="stack" on:submit=submit>
                <label>"Description" <input type="text" placeholder="Customer portal" prop:value=move || description.get() on:input=move |ev| description.set(event_target_value(&ev))/></label>
                <label>"Issuer (the iss its tokens carry)" <input type="text" required placeholder="https://portal.example.com" prop:value=move || issuer.get() on:input=move |ev| issuer.set(event_target_value(&ev))/></label>
                <label>"Key id (the kid its tokens name)" <input type="text" placeholder="portal-2026" prop:value=move || kid.get() on:input=move |ev| kid.set(event_target_value(&ev))/></label>
                <label>"Public key (PEM), or a shared secret of at least 32 characters"
                    <textarea rows="6" class="mono" placeholder="-----BEGIN PUBLIC KEY-----" prop:value=move || pem.get() on:input=move |ev| pem.set(event_target_value(&ev))></textarea>
                </label>
                <label>"Or where it publishes its keys (JWKS URL)" <input type="url" placeholder="https://portal.example.com/.well-known/jwks.json" prop:value=move || jwks.get() on:input=move |ev| jwks.set(event_target_value(&ev))/></label>
                <label>"Claims that narrow its users' section access (claim=Field, one per line)" <textarea rows="2" class="mono" placeholder="regions=Region" prop:value=move || narrow.get() on:input=move |ev| narrow.set(event_target_value(&ev))></textarea></label>
                <label>"Sites that embed for its users (origins, one per line)" <textarea rows="2" class="mono" placeholder="https://portal.example.com" prop:value=move || origins.get() on:input=move |ev| origins.set(event_target_value(&ev))></textarea></label>
                <label class="check"><input type="checkbox" prop:checked=move || create_users.get() on:change=move |ev| create_users.set(event_target_checked(&ev))/>" Make an account for someone the site names who has none"</label>
                {move || add.value().get().and_then(|r| r.err()).map(|error| view! { <ErrorBox error/> })}
                <button type="submit" class="button primary" disabled=move || add.pending().get()>"Add issuer"</button>
            </form>
            <h3>"On the site's pages"</h3>
            <p class="muted small">"The site's backend signs a token (RS256, ES256 or HS256) for its signed-in user, with iss, aud \"qlik.api/login/jwt-session\", sub, email, name, groups, a unique jti and an exp at most an hour after nbf. Its page gives the token to the embed through a function; no cookie crosses the sites:"</p>
            <pre class="mono small snippet">{"<script src=\"https://this-server/embed.js\"></script>\n<sightline-embed host=\"https://this-server\" app=\"…\" ui=\"sheet\"\n  get-token=\"getToken\"></sightline-embed>"}</pre>
        </section>
    }
}
