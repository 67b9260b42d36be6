//! The pages of collaborative sessions: the invitation page (who invites, what joining means,
//! the email form) and the session itself, where everything comes over one websocket: the
//! shared sheet and selections, who is there, and the initiator's controls.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use super::api::*;
use super::model::*;
use crate::components::{load, CopyField, EmptyState, ErrorBox, Loading, PageHeader};
use crate::content::model::{ChartView, SelectionChange};
use crate::content::ui::charts::{Chart, Selector};
use crate::error::AppError;

/// `/collab/join/<token>`: what the invitation is, then the email form.
#[component]
pub fn JoinPage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let info = load(token, invitation_info);
    view! {
        <div class="collab-join">
            <Suspense fallback=|| view! { <Loading/> }>
                {move || Suspend::new(async move {
                    match info.await {
                        Ok(info) => view! { <JoinForm info token=token()/> }.into_any(),
                        Err(error) => view! {
                            <div class="card join-card">
                                <h1>"This invitation cannot be used"</h1>
                                <ErrorBox error/>
                            </div>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </div>
    }
}

#[component]
fn JoinForm(info: InvitationPage, token: String) -> impl IntoView {
    let email = RwSignal::new(info.signed_in_as.clone().unwrap_or_default());
    let token = StoredValue::new(token);
    let join = Action::new(move |email: &String| {
        let email = email.clone();
        async move { join_session(token.get_value(), email).await }
    });
    Effect::new(move || {
        if let Some(Ok(session)) = join.value().get() {
            crate::components::go_to(&format!("/collab/{session}"));
        }
    });
    let needs_sign_in = info.mode == Mode::SignedIn && info.signed_in_as.is_none();
    let login = format!(
        "/login?next={}",
        crate::url::percent_encode(&format!("/collab/join/{}", token.get_value()))
    );
    view! {
        <div class="card join-card">
            <p class="eyebrow">"Collaborative session"</p>
            <h1>{format!("{} invites you to explore {}", info.initiator_name, info.app_name)}</h1>
            <p class="notice" role="note">{info.explanation.clone()}</p>
            <p class="muted">"This invitation lets people in until " {crate::timefmt::clock(info.expires_at)} "."</p>
            {if needs_sign_in {
                view! { <a class="button primary" href=login>"Sign in to join"</a> }.into_any()
            } else {
                view! {
                    <form class="join-form" on:submit=move |ev| { ev.prevent_default(); join.dispatch(email.get_untracked()); }>
                        <label>"Your email"
                            <input type="email" name="email" required autocomplete="email" readonly=info.mode == Mode::SignedIn
                                prop:value=move || email.get() on:input=move |ev| email.set(event_target_value(&ev))/>
                        </label>
                        <button type="submit" class="button primary" disabled=move || join.pending().get()>
                            {move || if join.pending().get() { "Joining…" } else { "Join the session" }}
                        </button>
                    </form>
                }.into_any()
            }}
            {move || match join.value().get() { Some(Err(error)) => Some(view! { <ErrorBox error/> }), _ => None }}
        </div>
    }
}

/// How the page stands with the server.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
enum Link {
    Connecting,
    Live,
    Reconnecting,
    /// The server closed this participant's part: why.
    Over(String),
}

/// `/collab/<id>`: the live session.
#[component]
pub fn SessionPage() -> impl IntoView {
    let params = use_params_map();
    let session_id = params.read_untracked().get("id").unwrap_or_default();
    let current = RwSignal::new(None::<SessionView>);
    let waiting = RwSignal::new(None::<String>);
    let problem = RwSignal::new(None::<String>);
    let link = RwSignal::new(Link::Connecting);
    let send = socket::connect(session_id.clone(), current, waiting, problem, link);
    view! {
        <div class="collab">
            {move || match link.get() {
                Link::Over(message) => view! {
                    <div class="card collab-over" role="alert">
                        <h1>"This collaborative session is over for you"</h1>
                        <p>{message}</p>
                        <a class="button" href="/">"Go to the portal"</a>
                    </div>
                }.into_any(),
                _ => match (current.get(), waiting.get()) {
                    (_, Some(message)) => view! { <div class="card collab-over" role="status"><p>{message}</p></div> }.into_any(),
                    (None, _) => view! { <Loading/> }.into_any(),
                    (Some(_), _) => view! { <Live current send problem link/> }.into_any(),
                },
            }}
        </div>
    }
}

#[component]
fn Live(
    current: RwSignal<Option<SessionView>>,
    send: Callback<ClientMessage>,
    problem: RwSignal<Option<String>>,
    link: RwSignal<Link>,
) -> impl IntoView {
    let selector = Selector {
        toggle: Callback::new(move |(field, code): (String, u32)| {
            send.run(ClientMessage::Select(SelectionChange::Toggle {
                field,
                code,
            }))
        }),
        search: Callback::new(move |(field, text): (String, String)| {
            send.run(ClientMessage::Select(SelectionChange::Search {
                field,
                text,
            }))
        }),
    };
    let (session_id, is_initiator, app_name, initiator_name, mode) = current.with_untracked(|v| {
        let v = v.as_ref().expect("a view");
        (
            v.session_id.clone(),
            v.is_initiator,
            v.sheet.app_name.clone(),
            v.initiator_name.clone(),
            v.mode,
        )
    });
    let subtitle = if is_initiator {
        format!("Collaborative session · {}", mode.label())
    } else {
        format!(
            "Collaborative session started by {initiator_name} · {}",
            mode.label()
        )
    };
    view! {
        <PageHeader title=app_name subtitle/>
        {move || (link.get() == Link::Reconnecting).then(|| view! { <p class="notice warn" role="status">"Connection lost: reconnecting…"</p> })}
        <Toast current/>
        <div class="collab-layout">
            <section class="collab-main" aria-label="Shared sheet">
                <FollowBar current send/>
                <Tabs current send/>
                <SharedSelections current send/>
                {move || problem.get().map(|message| view! { <p class="notice error" role="alert">{message}</p> })}
                <Charts current selector/>
            </section>
            <aside class="collab-side" aria-label="Participants">
                {is_initiator.then(|| view! { <Controls session_id=session_id.clone() current/> })}
                <People current session_id=session_id.clone()/>
                <Activity current/>
            </aside>
        </div>
    }
}

/// The latest event, for a few seconds ("Bob joined").
#[component]
fn Toast(current: RwSignal<Option<SessionView>>) -> impl IntoView {
    let shown = RwSignal::new(None::<Event>);
    let seen = StoredValue::new(current.with_untracked(|v| {
        v.as_ref()
            .and_then(|v| v.events.last().map(|e| e.seq))
            .unwrap_or(0)
    }));
    Effect::new(move || {
        let latest = current.with(|v| v.as_ref().and_then(|v| v.events.last().cloned()));
        if let Some(event) = latest.filter(|e| e.seq > seen.get_value()) {
            seen.set_value(event.seq);
            let seq = event.seq;
            shown.set(Some(event));
            socket::after(6_000, move || {
                if shown.get_untracked().is_some_and(|e| e.seq == seq) {
                    shown.set(None);
                }
            });
        }
    });
    view! {
        <div class="toast-region" aria-live="polite">
            {move || shown.get().map(|e| view! { <p class="toast">{e.text}</p> })}
        </div>
    }
}

/// What happened lately (who joined, left, was removed; new invitations), newest first: the
/// toast is gone after a few seconds, this stays.
#[component]
fn Activity(current: RwSignal<Option<SessionView>>) -> impl IntoView {
    const SHOWN: usize = 6;
    view! {
        <div class="card collab-activity">
            <h2>"Activity"</h2>
            <ol class="activity">
                {move || {
                    let events = current.with(|v| v.as_ref().map(|v| v.events.clone()).unwrap_or_default());
                    events.into_iter().rev().take(SHOWN).map(|e| view! {
                        <li><span class="muted">{crate::timefmt::clock(e.at)}</span>" "{e.text}</li>
                    }).collect_view()
                }}
            </ol>
        </div>
    }
}

#[component]
fn FollowBar(
    current: RwSignal<Option<SessionView>>,
    send: Callback<ClientMessage>,
) -> impl IntoView {
    move || {
        let (following, initiator, is_initiator) = current.with(|v| {
            let v = v.as_ref().unwrap();
            (v.following, v.initiator_name.clone(), v.is_initiator)
        });
        (!following).then(|| view! {
            <div class="follow-bar" role="status">
                <span>{if is_initiator { "You are looking at another sheet than the others.".to_string() } else { format!("You are looking at another sheet than {initiator}.") }}</span>
                <button type="button" class="button small primary" on:click=move |_| send.run(ClientMessage::Follow)>
                    {if is_initiator { "Back to the shared sheet".to_string() } else { format!("Follow {initiator}") }}
                </button>
                <button type="button" class="button small" on:click=move |_| {
                    if let Some(id) = current.with_untracked(|v| v.as_ref().and_then(|v| v.sheet.sheet.as_ref().map(|s| s.id.clone()))) {
                        send.run(ClientMessage::Sheet(id));
                    }
                }>"Bring everyone here"</button>
            </div>
        })
    }
}

/// The sheets: the initiator's click moves everyone; an attendee's looks alone.
#[component]
fn Tabs(current: RwSignal<Option<SessionView>>, send: Callback<ClientMessage>) -> impl IntoView {
    view! {
        <nav class="sheet-tabs" aria-label="Sheets">
            {move || {
                let (sheets, open, shared, is_initiator) = current.with(|v| {
                    let v = v.as_ref().unwrap();
                    (v.sheet.sheets.clone(), v.sheet.sheet.as_ref().map(|s| s.id.clone()), v.shared_sheet.clone(), v.is_initiator)
                });
                sheets.into_iter().map(|s| {
                    let active = open.as_deref() == Some(s.id.as_str());
                    let everyone = shared.as_deref() == Some(s.id.as_str());
                    let id = s.id.clone();
                    view! {
                        <button type="button" class=if active { "tab active" } else { "tab" } aria-current=active.then_some("page")
                            on:click=move |_| send.run(if is_initiator { ClientMessage::Sheet(id.clone()) } else { ClientMessage::Look(id.clone()) })>
                            {s.title}
                            {(everyone && !active).then(|| view! { <span class="badge">"Everyone"</span> })}
                        </button>
                    }
                }).collect_view()
            }}
        </nav>
    }
}

#[component]
fn SharedSelections(
    current: RwSignal<Option<SessionView>>,
    send: Callback<ClientMessage>,
) -> impl IntoView {
    let flag = move |f: fn(&SessionView) -> bool| current.with(|v| v.as_ref().is_some_and(f));
    let locale = use_context::<crate::content::rules::Locale>().unwrap_or_default();
    view! {
        <div class="selections-bar" aria-label="Selections">
            <button type="button" class="icon-button" title="Back" aria-label="Back" disabled=move || !flag(|v| v.can_back) on:click=move |_| send.run(ClientMessage::Select(SelectionChange::Back))>"↶"</button>
            <button type="button" class="icon-button" title="Forward" aria-label="Forward" disabled=move || !flag(|v| v.can_forward) on:click=move |_| send.run(ClientMessage::Select(SelectionChange::Forward))>"↷"</button>
            <button type="button" class="icon-button" title="Clear all selections" aria-label="Clear all" disabled=move || flag(|v| v.chips.is_empty()) on:click=move |_| send.run(ClientMessage::Select(SelectionChange::ClearAll))>"⌫"</button>
            <ul class="chips" aria-live="polite">
                {move || {
                    let chips = current.with(|v| v.as_ref().map(|v| v.chips.clone()).unwrap_or_default());
                    if chips.is_empty() {
                        return view! { <li class="muted">"No selections. A click selects for everyone."</li> }.into_any();
                    }
                    chips.into_iter().map(|chip| {
                        let field = chip.field.clone();
                        let values = match (chip.values.is_empty(), chip.count > chip.values.len()) {
                            (true, _) => "filtered by another participant".to_string(),
                            (false, true) => format!("{} selected", chip.count),
                            (false, false) => {
                                chip.values.iter().map(|v| crate::content::ui::charts::written(locale, chip.kind, v)).collect::<Vec<_>>().join(", ")
                            }
                        };
                        view! {
                            <li class="chip" data-field=chip.field.clone()>
                                <span class="chip-field">{chip.field.clone()}</span>
                                <span class="chip-values">{values}</span>
                                {(chip.filtered && !chip.values.is_empty()).then(|| view! { <span class="chip-note">"and values filtered by another participant"</span> })}
                                <span class="chip-by">{format!("by {}", chip.by)}</span>
                                <button type="button" class="chip-clear" aria-label=format!("Clear {}", chip.field) on:click=move |_| send.run(ClientMessage::Select(SelectionChange::Clear { field: field.clone() }))>"×"</button>
                            </li>
                        }
                    }).collect_view().into_any()
                }}
            </ul>
        </div>
    }
}

#[component]
fn Charts(current: RwSignal<Option<SessionView>>, selector: Selector) -> impl IntoView {
    view! {
        <div class="sheet-grid">
            {move || {
                let charts: Vec<ChartView> = current.with(|v| v.as_ref().map(|v| v.sheet.charts.clone()).unwrap_or_default());
                if charts.is_empty() {
                    return view! { <EmptyState title="Nothing on this sheet" hint="The app's editors have not put charts on this sheet yet.".to_string()/> }.into_any();
                }
                charts.into_iter().map(|chart| {
                    let class = format!("cell cell-{}", chart.spec.kind.api_name());
                    view! { <div class=class><Chart chart selector/></div> }
                }).collect_view().into_any()
            }}
        </div>
    }
}

/// The initiator's controls: the invitation, and stopping.
#[component]
fn Controls(session_id: String, current: RwSignal<Option<SessionView>>) -> impl IntoView {
    let session_id = StoredValue::new(session_id);
    let path = RwSignal::new(socket::invitation_from_address());
    let renew = Action::new(move |_: &()| async move { invite(session_id.get_value()).await });
    let expire =
        Action::new(move |_: &()| async move { expire_invitation(session_id.get_value()).await });
    let stop = Action::new(move |_: &()| async move { stop_session(session_id.get_value()).await });
    Effect::new(move || {
        if let Some(Ok(new_path)) = renew.value().get() {
            path.set(Some(new_path));
        }
    });
    Effect::new(move || {
        if let Some(Ok(())) = expire.value().get() {
            path.set(None);
        }
    });
    let live = move || current.with(|v| v.as_ref().and_then(|v| v.invitation.clone()));
    view! {
        <div class="card collab-controls">
            <h2>"Invitation"</h2>
            {move || match (live(), path.get()) {
                (Some(invitation), Some(path)) => view! {
                    <CopyField label="Send this link".to_string() value=socket::absolute(&path)/>
                    <p class="muted">"Lets people in until " {crate::timefmt::clock(invitation.expires_at)} ". It may be forwarded."</p>
                }.into_any(),
                (Some(invitation), None) => view! {
                    <p class="muted">"An invitation lets people in until " {crate::timefmt::clock(invitation.expires_at)} ". Its link was shown when it was made; make a new one to see a link again."</p>
                }.into_any(),
                (None, _) => view! { <p class="muted">"No invitation lets people in now. Make a new one to invite more people."</p> }.into_any(),
            }}
            <div class="button-row">
                <button type="button" class="button small" on:click=move |_| { renew.dispatch(()); }>"New invitation"</button>
                <button type="button" class="button small" disabled=move || live().is_none() on:click=move |_| { expire.dispatch(()); }>"Expire now"</button>
            </div>
            <button type="button" class="button danger" on:click=move |_| { stop.dispatch(()); }>"Stop the session for everyone"</button>
            {move || [renew.value().get().and_then(|r| r.err()), expire.value().get().and_then(|r| r.err()), stop.value().get().and_then(|r| r.err())].into_iter().flatten().next().map(|error: AppError| view! { <ErrorBox error/> })}
        </div>
    }
}

#[component]
fn People(current: RwSignal<Option<SessionView>>, session_id: String) -> impl IntoView {
    let session_id = StoredValue::new(session_id);
    let change = Action::new(move |(id, standing): &(String, Standing)| {
        let (id, standing) = (id.clone(), *standing);
        async move { set_standing(session_id.get_value(), id, standing).await }
    });
    view! {
        <div class="card collab-people">
            <h2>"Participants"</h2>
            <ul class="people">
                {move || {
                    let (people, you, is_initiator) = current.with(|v| {
                        let v = v.as_ref().unwrap();
                        (v.participants.clone(), v.you.clone(), v.is_initiator)
                    });
                    people.into_iter().map(|p| {
                        let id = p.id.clone();
                        let (admit, refuse, remove) = (id.clone(), id.clone(), id);
                        let name = p.name.clone();
                        view! {
                            <li class="person" data-standing=p.standing.as_str()>
                                <span class=if p.connected { "presence on" } else { "presence" } role="img" title=if p.connected { "Connected" } else { "Not connected" } aria-label=if p.connected { "Connected" } else { "Not connected" }></span>
                                <span class="person-name" title=(!p.email.is_empty()).then(|| p.email.clone())>{p.name.clone()}{(p.id == you).then_some(" (you)")}</span>
                                {(!p.verified).then(|| view! { <span class="tag muted" title="This person typed this email on the join page. Nobody checked it.">"unverified"</span> })}
                                <span class="muted person-detail">
                                    {if p.initiator { "started the session".to_string() } else if p.standing == Standing::Waiting { "asks to join".to_string() } else { format!("joined {}", crate::timefmt::clock(p.joined_at)) }}
                                </span>
                                {(is_initiator && !p.initiator).then(|| match p.standing {
                                    Standing::Waiting => view! {
                                        <button type="button" class="button tiny primary" on:click=move |_| { change.dispatch((admit.clone(), Standing::In)); }>"Admit"</button>
                                        <button type="button" class="button tiny" on:click=move |_| { change.dispatch((refuse.clone(), Standing::Refused)); }>"Refuse"</button>
                                    }.into_any(),
                                    _ => view! {
                                        <button type="button" class="button tiny danger" aria-label=format!("Remove {name}") on:click=move |_| { change.dispatch((remove.clone(), Standing::Removed)); }>"Remove"</button>
                                    }.into_any(),
                                })}
                            </li>
                        }
                    }).collect_view()
                }}
            </ul>
            {move || change.value().get().and_then(|r| r.err()).map(|error| view! { <ErrorBox error/> })}
        </div>
    }
}

mod socket;
mod switches;

pub use switches::{AppCollabSwitch, TenantCollabSwitch};
