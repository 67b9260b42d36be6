//! The admin center's licence center: what is allocated, in use, free and in quarantine, as
//! numbers and charts; who was denied this week, with one click to allocate; the assignments;
//! and the scheme's settings.

use leptos::prelude::*;
use leptos_meta::Title;

use super::api::*;
use super::model::*;
use crate::components::{load, EmptyState, ErrorBox, Loaded, PageHeader, PersonPicker, Time};
use crate::error::AppError;
use crate::sharing::model::Candidate;

/// The lasting kinds an admin assigns under a scheme.
fn assignable(scheme: Scheme) -> &'static [LicenceKind] {
    match scheme {
        Scheme::Tokens => &[LicenceKind::UserPass],
        Scheme::Cals => &[LicenceKind::NamedCal],
        Scheme::UserBased => &[LicenceKind::Professional, LicenceKind::Analyzer],
    }
}

#[component]
pub fn LicencesPage() -> impl IntoView {
    let version = RwSignal::new(0);
    let reload = move || version.update(|v| *v += 1);
    let overview = load(move || version.get(), |_| get_licence_overview());
    let assignments = load(move || version.get(), |_| list_licence_assignments());
    let settings = load(move || version.get(), |_| get_licence_settings());
    let extras = load(move || version.get(), |_| get_licence_extras());
    view! {
        <Title text="Licences"/>
        <PageHeader title="Licences".to_string() subtitle="Who may open apps: what is allocated, in use, free and in quarantine, and who was turned away".to_string()/>
        <Loaded resource=overview view=move |o| view! { <Overview overview=o reload/> }.into_any()/>
        <div class="columns">
            <Loaded resource=assignments view=move |list| view! { <Assignments list reload/> }.into_any()/>
            <div class="stack">
                <Loaded resource=settings view=move |s| view! { <Settings current=s reload/> }.into_any()/>
                <Loaded resource=extras view=move |e| view! { <Extras extras=e reload/> }.into_any()/>
            </div>
        </div>
    }
}

/// A bar of used, quarantined and free, in proportion.
fn usage_bar(line: &OverviewLine) -> impl IntoView {
    let total = (line.total + line.overage)
        .max(line.used + line.quarantined)
        .max(1) as f64;
    let pct = |n: i64| format!("{:.1}%", n.max(0) as f64 * 100.0 / total);
    view! {
        <div class="licence-bar" role="img" aria-label=format!("{} of {} in use", line.used, line.total)>
            <span class="licence-used" style:width=pct(line.used)></span>
            <span class="licence-quarantined" style:width=pct(line.quarantined)></span>
        </div>
    }
}

fn unit(kind: LicenceKind) -> &'static str {
    if kind == LicenceKind::AnalyzerCapacity {
        " minutes"
    } else {
        ""
    }
}

#[component]
fn Overview(
    overview: LicenceOverview,
    reload: impl Fn() + Send + Sync + Copy + 'static,
) -> impl IntoView {
    let Some(scheme) = overview.scheme else {
        return view! {
            <section class="card">
                <EmptyState title="No licence scheme yet" hint="Everyone whom sharing lets in opens apps, and nothing is counted. Choose tokens, CALs or user-based licences in the settings below.".to_string()/>
            </section>
        }
        .into_any();
    };
    let lines = overview.lines.clone();
    let history = overview.history.clone();
    let denials = overview.denials.clone();
    let quarantine = overview.quarantine.clone();
    view! {
        <section class="card">
            <h2>{scheme.label()}</h2>
            {(scheme == Scheme::Tokens).then(|| view! {
                <p class="muted">{format!("{} tokens: {} free", overview.tokens_total, overview.tokens_free)}</p>
            })}
            <div class="licence-lines">
                {lines.into_iter().map(|line| {
                    let headline = format!("{} of {}{}", line.used, line.total, unit(line.kind));
                    view! {
                        <div class="licence-line">
                            <div class="licence-line-head">
                                <strong>{line.kind.label()}</strong>
                                <span>{headline}</span>
                            </div>
                            {usage_bar(&line)}
                            <div class="muted small">
                                {format!("{} free", line.free)}
                                {(line.quarantined > 0).then(|| format!(" · {} in quarantine", line.quarantined))}
                                {(line.overage > 0).then(|| format!(" · overage up to {} more", line.overage))}
                                {(line.excess > 0).then(|| format!(" · {} beyond the licence", line.excess))}
                            </div>
                        </div>
                    }
                }).collect_view()}
            </div>
            {(scheme == Scheme::UserBased).then(|| view! {
                <p class="muted small">{format!("At this month's rate, about {} minutes of analyzer capacity by the month's end (it resets on {}).", overview.capacity_forecast, crate::timefmt::date(overview.month_resets_at))}</p>
            })}
            <h3>"The last 30 days"</h3>
            <History days=history/>
        </section>
        <div class="columns">
            <Denials denials scheme reload/>
            <section class="card">
                <h2>"In quarantine"</h2>
                {if quarantine.is_empty() {
                    view! { <EmptyState title="Nothing in quarantine" hint="A pass or CAL removed after use waits here until it may go to someone else.".to_string()/> }.into_any()
                } else {
                    view! {
                        <table class="data-table">
                            <thead><tr><th>"Licence"</th><th>"Taken from"</th><th>"Free again"</th></tr></thead>
                            <tbody>
                                {quarantine.into_iter().map(|q| view! {
                                    <tr><td>{q.kind.label()}</td><td>{q.user_name}</td><td><Time ms=q.until/></td></tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any()
                }}
                <p class="muted small">"Giving a licence back to the person it was taken from ends its quarantine at no cost."</p>
                <a class="button small" href="/api/v1/licenses/ledger.csv" download="licence-ledger.csv">"Export the ledger (CSV)"</a>
            </section>
        </div>
    }
    .into_any()
}

/// 30 days of use as bars: consumed (passes, CALs, capacity minutes) and allocated, with the
/// day's denials marked.
#[component]
fn History(days: Vec<DayUse>) -> impl IntoView {
    let top = days
        .iter()
        .map(|d| d.consumed + d.allocated)
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let (width, height) = (600.0, 120.0);
    let step = width / days.len().max(1) as f64;
    let any = days.iter().any(|d| d.consumed + d.allocated + d.denied > 0);
    if !any {
        return view! { <p class="muted">"Nothing allocated, consumed or denied in the last 30 days."</p> }.into_any();
    }
    view! {
        <svg class="licence-history" viewBox=format!("0 0 {width} {}", height + 16.0) role="img" aria-label="Licence use per day, the last 30 days">
            {days.iter().enumerate().map(|(i, d)| {
                let x = i as f64 * step + 1.0;
                let used = (d.consumed + d.allocated) as f64 / top * height;
                let title = format!("{}: {} allocated, {} consumed, {} denied", crate::timefmt::date(d.day), d.allocated, d.consumed, d.denied);
                view! {
                    <g>
                        <title>{title}</title>
                        <rect class="bar-used" x=x y=height - used width=(step - 2.0).max(1.0) height=used></rect>
                        {(d.denied > 0).then(|| view! { <circle class="dot-denied" cx=x + step / 2.0 cy=height + 8.0 r="3"></circle> })}
                    </g>
                }
            }).collect_view()}
        </svg>
        <p class="muted small">"Bars: licences allocated and consumed each day. Red dots: days with denials."</p>
    }
    .into_any()
}

#[component]
fn Denials(
    denials: Vec<DenialEntry>,
    scheme: Scheme,
    reload: impl Fn() + Send + Sync + Copy + 'static,
) -> impl IntoView {
    let kind = assignable(scheme)[assignable(scheme).len() - 1];
    let allocate = Action::new(move |user_id: &String| {
        let user_id = user_id.clone();
        async move { assign_licence(kind, user_id, String::new()).await }
    });
    Effect::new(move || {
        if let Some(Ok(())) = allocate.value().get() {
            untrack(reload);
        }
    });
    view! {
        <section class="card">
            <h2>"Denied in the last 7 days"</h2>
            {move || allocate.value().get().and_then(|r| r.err()).map(|error| view! { <ErrorBox error/> })}
            {if denials.is_empty() {
                view! { <EmptyState title="Nobody was turned away" hint="When someone cannot get a licence, they show here with why, and you can allocate one.".to_string()/> }.into_any()
            } else {
                view! {
                    <table class="data-table">
                        <thead><tr><th>"Who"</th><th>"When"</th><th>"Why"</th><th></th></tr></thead>
                        <tbody>
                            {denials.into_iter().map(|d| {
                                let user = d.user_id.clone();
                                view! {
                                    <tr>
                                        <td>{d.user_name.clone()}</td>
                                        <td class="nowrap"><Time ms=d.at/></td>
                                        <td class="small" title=d.codes.join(", ")>{d.codes.iter().map(|c| code_phrase(c)).collect::<Vec<_>>().join("; ")}</td>
                                        <td><button type="button" class="button tiny primary" on:click=move |_| { allocate.dispatch(user.clone()); }>{format!("Give a {}", kind.label())}</button></td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn Assignments(
    list: Vec<AssignmentInfo>,
    reload: impl Fn() + Send + Sync + Copy + 'static,
) -> impl IntoView {
    let search = RwSignal::new(String::new());
    let chosen = RwSignal::new(None::<Candidate>);
    let kind = RwSignal::new(LicenceKind::NamedCal.as_str().to_string());
    let assign = Action::new(move |(kind, user): &(String, String)| {
        let (kind, user) = (kind.clone(), user.clone());
        async move {
            match LicenceKind::parse(&kind) {
                Some(kind) => assign_licence(kind, user, String::new()).await,
                None => Err(AppError::invalid("kind", "Choose which licence to give.")),
            }
        }
    });
    let remove = Action::new(move |(kind, user, app): &(LicenceKind, String, String)| {
        let (kind, user, app) = (*kind, user.clone(), app.clone());
        async move { remove_licence(kind, user, app).await }
    });
    let confirm = RwSignal::new(None::<(LicenceKind, String, String, String)>);
    Effect::new(move || {
        if matches!(assign.value().get(), Some(Ok(())))
            || matches!(remove.value().get(), Some(Ok(_)))
        {
            untrack(reload);
        }
    });
    let list = StoredValue::new(list);
    let shown = move || {
        let needle = search.get().to_lowercase();
        list.get_value()
            .into_iter()
            .filter(|a| {
                needle.is_empty()
                    || a.user_name.to_lowercase().contains(&needle)
                    || a.user_email.to_lowercase().contains(&needle)
            })
            .collect::<Vec<_>>()
    };
    view! {
        <section class="card">
            <h2>"Allocations"</h2>
            <div class="filters" role="search">
                <input type="search" placeholder="Search by name or email" aria-label="Search allocations" prop:value=search on:input=move |ev| search.set(event_target_value(&ev))/>
            </div>
            {move || {
                let rows = shown();
                if rows.is_empty() {
                    return view! { <EmptyState title="No licence allocated" hint="Give one below, or let dynamic assignment hand them out as people open apps.".to_string()/> }.into_any();
                }
                view! {
                    <table class="data-table">
                        <thead><tr><th>"Who"</th><th>"Licence"</th><th>"Since"</th><th>"Last used"</th><th></th></tr></thead>
                        <tbody>
                            {rows.into_iter().map(|a| {
                                let release = match a.release_if_removed {
                                    Some(t) => format!("in quarantine until {}", crate::timefmt::short(t)),
                                    None => "free at once".to_string(),
                                };
                                let ask = (a.kind, a.user_id.clone(), a.app_id.clone(), format!("Remove {}'s {}? It will be {release}.", a.user_name, a.kind.label()));
                                view! {
                                    <tr>
                                        <td>{a.user_name.clone()}<div class="hint">{a.user_email.clone()}</div></td>
                                        <td>{a.kind.label()}{a.excess.then(|| view! { " " <span class="badge badge-warn">"beyond the licence"</span> })}</td>
                                        <td class="nowrap"><Time ms=a.assigned_at/></td>
                                        <td class="nowrap">{a.last_used_at.map(|t| view! { <Time ms=t/> }.into_any()).unwrap_or_else(|| view! { <span class="muted">"never"</span> }.into_any())}</td>
                                        <td><button type="button" class="button tiny danger" on:click=move |_| confirm.set(Some(ask.clone()))>"Remove"</button></td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
            {move || confirm.get().map(|(kind, user, app, question)| view! {
                <div class="alert alert-warn" role="alertdialog">
                    <p>{question}</p>
                    <button type="button" class="button small danger" on:click=move |_| { remove.dispatch((kind, user.clone(), app.clone())); confirm.set(None); }>"Remove"</button>
                    " "
                    <button type="button" class="button small" on:click=move |_| confirm.set(None)>"Keep it"</button>
                </div>
            })}
            {move || remove.value().get().and_then(|r| r.err()).map(|error| view! { <ErrorBox error/> })}
            <form class="stack" on:submit=move |ev| {
                ev.prevent_default();
                if let Some(person) = chosen.get_untracked() {
                    assign.dispatch((kind.get_untracked(), person.id));
                }
            }>
                <h3>"Give a licence"</h3>
                <PersonPicker label="Person" users_only=true chosen/>
                <label>"Licence "
                    <select prop:value=kind on:change=move |ev| kind.set(event_target_value(&ev))>
                        {[LicenceKind::UserPass, LicenceKind::NamedCal, LicenceKind::Professional, LicenceKind::Analyzer].into_iter().map(|k| view! { <option value=k.as_str()>{k.label()}</option> }).collect_view()}
                    </select>
                </label>
                {move || assign.value().get().and_then(|r| r.err()).map(|error| view! { <ErrorBox error/> })}
                <button type="submit" class="button primary" disabled=move || chosen.get().is_none()>"Give"</button>
            </form>
        </section>
    }
}

#[component]
fn Settings(
    current: LicenceSettings,
    reload: impl Fn() + Send + Sync + Copy + 'static,
) -> impl IntoView {
    let draft = RwSignal::new(current);
    let save = Action::new(move |input: &LicenceSettings| {
        let input = input.clone();
        async move { set_licence_settings(input).await }
    });
    Effect::new(move || {
        if let Some(Ok(_)) = save.value().get() {
            untrack(reload);
        }
    });
    let number = move |label: &'static str,
                       get: fn(&LicenceSettings) -> i64,
                       set: fn(&mut LicenceSettings, i64)| {
        view! {
            <label>{label}" "
                <input type="number" min="0" max="1000000" prop:value=move || get(&draft.get()).to_string()
                    on:input=move |ev| { let v = event_target_value(&ev).trim().parse::<i64>().unwrap_or(-1); draft.update(|d| set(d, v)); }/>
            </label>
        }
    };
    let flag = move |label: &'static str,
                     get: fn(&LicenceSettings) -> bool,
                     set: fn(&mut LicenceSettings, bool)| {
        view! {
            <label class="check"><input type="checkbox" prop:checked=move || get(&draft.get()) on:change=move |ev| { let v = event_target_checked(&ev); draft.update(|d| set(d, v)); }/>" "{label}</label>
        }
    };
    let scheme = move || draft.get().scheme;
    view! {
        <section class="card">
            <h2>"Settings"</h2>
            <form class="stack" on:submit=move |ev| { ev.prevent_default(); save.dispatch(draft.get_untracked()); }>
                <label>"Scheme "
                    <select prop:value=move || scheme().map(|s| s.as_str()).unwrap_or("") on:change=move |ev| { let v = event_target_value(&ev); draft.update(|d| d.scheme = Scheme::parse(&v)); }>
                        <option value="">"None: count nothing"</option>
                        {Scheme::ALL.into_iter().map(|s| view! { <option value=s.as_str()>{s.label()}</option> }).collect_view()}
                    </select>
                </label>
                {move || match scheme() {
                    Some(Scheme::Tokens) => view! {
                        {number("Tokens", |d| d.tokens, |d, v| d.tokens = v)}
                        <p class="muted small">"A user access pass costs 1 token; 1 token buys 10 login passes for a group."</p>
                    }.into_any(),
                    Some(Scheme::Cals) => view! {
                        {number("Named User CALs", |d| d.named_cals, |d, v| d.named_cals = v)}
                        {flag("Give Named CALs on first use (dynamic)", |d| d.dynamic_named, |d, v| d.dynamic_named = v)}
                        {flag("Give Document CALs on first use (dynamic)", |d| d.dynamic_document, |d, v| d.dynamic_document = v)}
                        {number("Session CALs", |d| d.session_cals, |d, v| d.session_cals = v)}
                        {number("Usage CALs", |d| d.usage_cals, |d, v| d.usage_cals = v)}
                        <p class="muted small">"Order on opening an app: the person's Named CAL, their Document CAL, a new Named CAL, a new Document CAL, a Session CAL, a Usage CAL."</p>
                    }.into_any(),
                    Some(Scheme::UserBased) => view! {
                        {number("Professional entitlements", |d| d.professional, |d, v| d.professional = v)}
                        {flag("Assign professional automatically", |d| d.auto_professional, |d, v| d.auto_professional = v)}
                        {number("Analyzer entitlements", |d| d.analyzer, |d, v| d.analyzer = v)}
                        {flag("Assign analyzer automatically", |d| d.auto_analyzer, |d, v| d.auto_analyzer = v)}
                        {number("Analyzer capacity, minutes a month", |d| d.capacity_minutes, |d, v| d.capacity_minutes = v)}
                        {number("Overage allowed, minutes", |d| d.overage_minutes, |d, v| d.overage_minutes = v)}
                    }.into_any(),
                    None => view! { <p class="muted small">"Without a scheme, nobody needs a licence."</p> }.into_any(),
                }}
                {move || save.value().get().and_then(|r| r.err()).map(|error| view! { <ErrorBox error/> })}
                <button type="submit" class="button primary" disabled=move || save.pending().get()>"Save settings"</button>
                <p class="muted small">"Switching schemes keeps every allocation and the history."</p>
            </form>
        </section>
    }
}

/// A person's open apps: each takes a licence connection (under access passes, at most 5 at
/// once); ending one frees it.
#[component]
pub fn MyConnections() -> impl IntoView {
    let end = Action::new(|id: &String| {
        let id = id.clone();
        async move { end_my_connection(id).await }
    });
    let list = load(move || end.version().get(), |_| list_my_connections());
    view! {
        <section class="card">
            <h2>"Your open apps"</h2>
            <p class="muted">"Each app you have open holds a licence while you use it; closing its tab ends it, and so does this list."</p>
            {move || end.value().get().and_then(|r| r.err()).map(|error| view! { <ErrorBox error/> })}
            <Loaded resource=list view=move |rows| {
                if rows.is_empty() {
                    return view! { <p class="muted">"No app is open."</p> }.into_any();
                }
                view! {
                    <table class="data-table">
                        <thead><tr><th>"App"</th><th>"Licence"</th><th>"Opened"</th><th>"Last active"</th><th></th></tr></thead>
                        <tbody>
                            {rows.into_iter().map(|c| {
                                let id = c.id.clone();
                                view! {
                                    <tr>
                                        <td>{c.app_name.clone()}{c.this_browser.then(|| view! { " " <span class="badge">"this browser"</span> })}</td>
                                        <td>{c.kind.map(|k| k.label()).unwrap_or("")}</td>
                                        <td class="nowrap"><Time ms=c.opened_at/></td>
                                        <td class="nowrap"><Time ms=c.last_seen_at/></td>
                                        <td><button type="button" class="button tiny" on:click=move |_| { end.dispatch(id.clone()); }>"End"</button></td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }/>
        </section>
    }
}

/// Login groups and pass rules (access passes) and Document CAL pools (CALs).
#[component]
fn Extras(
    extras: LicenceExtras,
    reload: impl Fn() + Send + Sync + Copy + 'static,
) -> impl IntoView {
    let group = RwSignal::new(None::<Candidate>);
    let tokens = RwSignal::new("1".to_string());
    let rule_group = RwSignal::new(None::<Candidate>);
    let app = RwSignal::new(String::new());
    let size = RwSignal::new("1".to_string());
    let act = Action::new(move |step: &Extra| {
        let step = step.clone();
        async move {
            match step {
                Extra::AddLogin(group, tokens) => add_login_group(group, tokens).await,
                Extra::DeleteLogin(id) => delete_login_group(id).await.map(|_| ()),
                Extra::AddRule(group) => add_pass_rule(group).await,
                Extra::RemoveRule(group) => remove_pass_rule(group).await,
                Extra::Pool(app, size) => set_document_pool(app, size).await,
            }
        }
    });
    Effect::new(move || {
        if let Some(Ok(())) = act.value().get() {
            untrack(reload);
        }
    });
    let number = |text: String| text.trim().parse::<i64>().unwrap_or(-1);
    view! {
        <section class="card">
            <h2>"Groups and apps"</h2>
            {move || act.value().get().and_then(|r| r.err()).map(|error| view! { <ErrorBox error/> })}
            <h3>"Login access (access passes)"</h3>
            {if extras.login_groups.is_empty() {
                view! { <p class="muted small">"No group has login passes. Each token buys 10 one-hour passes for a group's members."</p> }.into_any()
            } else {
                view! {
                    <ul class="plain-list">
                        {extras.login_groups.into_iter().map(|g| {
                            let id = g.id.clone();
                            view! {
                                <li>
                                    <strong>{g.group_name.clone()}</strong>
                                    {format!(": {} tokens, {} of {} passes out", g.tokens, g.passes_in_use, g.passes)}
                                    " "
                                    <button type="button" class="button tiny danger" on:click=move |_| { act.dispatch(Extra::DeleteLogin(id.clone())); }>"Remove"</button>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            <form class="stack" on:submit=move |ev| {
                ev.prevent_default();
                if let Some(g) = group.get_untracked() {
                    act.dispatch(Extra::AddLogin(g.id, number(tokens.get_untracked())));
                }
            }>
                <PersonPicker label="Group for login passes" chosen=group/>
                <label>"Tokens " <input type="number" min="1" prop:value=tokens on:input=move |ev| tokens.set(event_target_value(&ev))/></label>
                <button type="submit" class="button small" disabled=move || group.get().is_none()>"Give login passes"</button>
            </form>
            <h3>"User passes on first use"</h3>
            <ul class="plain-list">
                {extras.pass_rules.into_iter().map(|(id, name)| {
                    view! {
                        <li>{name}" "<button type="button" class="button tiny" on:click=move |_| { act.dispatch(Extra::RemoveRule(id.clone())); }>"Stop"</button></li>
                    }
                }).collect_view()}
            </ul>
            <form class="stack" on:submit=move |ev| {
                ev.prevent_default();
                if let Some(g) = rule_group.get_untracked() {
                    act.dispatch(Extra::AddRule(g.id));
                }
            }>
                <PersonPicker label="Group whose members get a user pass" chosen=rule_group/>
                <button type="submit" class="button small" disabled=move || rule_group.get().is_none()>"Add rule"</button>
            </form>
            <h3>"Document CALs (CALs)"</h3>
            <ul class="plain-list">
                {extras.document_pools.into_iter().map(|(_, name, size)| view! { <li>{format!("{name}: {size}")}</li> }).collect_view()}
            </ul>
            <form class="inline-form" on:submit=move |ev| { ev.prevent_default(); act.dispatch(Extra::Pool(app.get_untracked(), number(size.get_untracked()))); }>
                <label>"App "
                    <select prop:value=app on:change=move |ev| app.set(event_target_value(&ev))>
                        <option value="">"Choose an app"</option>
                        {extras.apps.into_iter().map(|(id, name)| view! { <option value=id>{name}</option> }).collect_view()}
                    </select>
                </label>
                <label>"Document CALs " <input type="number" min="0" prop:value=size on:input=move |ev| size.set(event_target_value(&ev))/></label>
                <button type="submit" class="button small">"Set"</button>
            </form>
        </section>
    }
}

#[derive(Debug, Clone)]
enum Extra {
    AddLogin(String, i64),
    DeleteLogin(String),
    AddRule(String),
    RemoveRule(String),
    Pool(String, i64),
}
