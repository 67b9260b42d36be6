//! An open app: its sheets as tabs, the selections bar, and the sheet's charts in a responsive
//! grid. Selections update every chart at once without a reload; editors add, change, reorder
//! and remove charts and sheets here.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};

use super::charts::{Chart, Selector};
use super::editor::ChartEditor;
use crate::components::{load, EmptyState, ErrorBox, Loading, PageHeader};
use crate::content::api::*;
use crate::content::model::*;
use crate::content::rules::chart_title;
use crate::error::AppError;

fn sheet_href(app_id: &str, sheet_id: &str) -> String {
    format!("/apps/{app_id}/sheets/{sheet_id}")
}

#[component]
pub fn SheetPage() -> impl IntoView {
    let params = use_params_map();
    let app_id = move || params.read().get("id").unwrap_or_default();
    let sheet_id = move || params.read().get("sheet");
    let view = load(
        move || (app_id(), sheet_id()),
        |(app, sheet)| open_sheet(app, sheet, None),
    );
    view! {
        <Suspense fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match view.await {
                    Ok(sheet) => view! { <SheetBody initial=sheet/> }.into_any(),
                    Err(error) => view! { <PageHeader title="App".to_string()/><ErrorBox error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The open sheet. Selections and edits update it in place (`current`), without a reload, so
/// the page keeps its scroll position and edit mode.
#[component]
fn SheetBody(initial: SheetView) -> impl IntoView {
    let current = RwSignal::new(initial.clone());
    let error = RwSignal::new(None::<AppError>);
    let app_id = StoredValue::new(initial.app_id.clone());
    let sheet_id = StoredValue::new(initial.sheet.as_ref().map(|s| s.id.clone()));
    // A selection change, or none to fetch the sheet again after an edit.
    let change = Action::new(move |change: &Option<SelectionChange>| {
        let change = change.clone();
        async move { open_sheet(app_id.get_value(), sheet_id.get_value(), change).await }
    });
    Effect::new(move || match change.value().get() {
        Some(Ok(view)) => {
            current.set(view);
            error.set(None);
        }
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    // Untracked: effects call this after an edit, and must not come to depend on the action's
    // own state (that would run them again each time it finishes: a loop of reloads).
    let reload = move || {
        untrack(|| change.dispatch(None));
    };
    let selector = Selector {
        toggle: Callback::new(move |(field, code): (String, u32)| {
            change.dispatch(Some(SelectionChange::Toggle { field, code }));
        }),
        search: Callback::new(move |(field, text): (String, String)| {
            change.dispatch(Some(SelectionChange::Search { field, text }));
        }),
    };
    end_connection_on_leave(initial.app_id.clone());
    let editing = RwSignal::new(false);
    let subtitle = match &initial.data {
        Some(data) => {
            let rows: usize = data.tables.iter().map(|t| t.rows).sum();
            format!(
                "{} · {} rows in {} table{}{}",
                initial.space_name,
                crate::content::rules::format_number(rows as f64, false),
                data.tables.len(),
                if data.tables.len() == 1 { "" } else { "s" },
                if data.reduced {
                    " · section access applies"
                } else {
                    ""
                }
            )
        }
        None => format!("{} · no data yet", initial.space_name),
    };
    let app_href = format!("/apps/{}", initial.app_id);
    view! {
        <PageHeader title=initial.app_name.clone() subtitle/>
        <div class="space-meta">
            <A href=app_href>"← App details"</A>
            {initial.data.as_ref().is_some_and(|d| d.reduced).then(|| view! { " " <span class="badge badge-warn">"Section access: you see part of the data"</span> })}
            {initial.public.then(|| view! { " " <span class="badge badge-public" title="A live anonymous link reaches this app">"Public"</span> })}
        </div>
        <CollabStart app_id=initial.app_id.clone() sheet_id=initial.sheet.as_ref().map(|s| s.id.clone())/>
        <SheetTabs current editing reload/>
        <SelectionsBar current change pending=change.pending()/>
        {move || error.get().map(|error| view! { <ErrorBox error/> })}
        {match initial.sheet.clone() {
            None => view! {
                <EmptyState title="No sheets yet" hint=if initial.can_add_sheet { "Add a sheet with the + button above, then add charts to it.".to_string() } else { "The app's editors have not made a sheet yet.".to_string() }/>
            }.into_any(),
            Some(sheet) => view! {
                <SheetGrid current selector editing sheet reload fields=initial.data.as_ref().map(|d| d.fields.clone()).unwrap_or_default()/>
            }.into_any(),
        }}
    }
}

/// After an edit succeeds, fetch the sheet again; the edit's result passes through.
fn then_reload<T>(result: Result<T, AppError>, reload: impl Fn()) -> Result<T, AppError> {
    if result.is_ok() {
        reload();
    }
    result
}

fn position_of(view: &SheetView) -> usize {
    view.sheet
        .as_ref()
        .and_then(|open| view.sheets.iter().position(|s| s.id == open.id))
        .unwrap_or(0)
}

/// The sheets as tabs; editors rename, reorder and delete the open one and add new ones.
#[component]
fn SheetTabs(
    current: RwSignal<SheetView>,
    editing: RwSignal<bool>,
    reload: impl Fn() + Send + Sync + Copy + 'static,
) -> impl IntoView {
    let (app_id, open, can_add, can_edit) = current.with_untracked(|v| {
        (
            v.app_id.clone(),
            v.sheet.clone(),
            v.can_add_sheet,
            v.can_edit_sheet,
        )
    });
    let app_id = StoredValue::new(app_id);
    let open = StoredValue::new(open);
    let open_id = move || open.with_value(|o| o.as_ref().map(|s| s.id.clone()).unwrap_or_default());
    let navigate = use_navigate();
    let adding = RwSignal::new(false);
    let title = RwSignal::new(String::new());
    let add = Action::new(move |title: &String| {
        let title = title.clone();
        async move { add_sheet(app_id.get_value(), title).await }
    });
    Effect::new(move || {
        if let Some(Ok(sheet)) = add.value().get() {
            adding.set(false);
            title.set(String::new());
            navigate(
                &sheet_href(&app_id.get_value(), &sheet.id),
                Default::default(),
            );
        }
    });
    let move_to = Action::new(move |to: &usize| {
        let to = *to;
        async move { then_reload(move_sheet(open_id(), to).await, reload) }
    });
    let remove = Action::new(move |_: &()| async move { delete_sheet(open_id()).await });
    let renamed =
        RwSignal::new(open.with_value(|o| o.as_ref().map(|s| s.title.clone()).unwrap_or_default()));
    let rename = Action::new(move |title: &String| {
        let title = title.clone();
        async move { then_reload(rename_sheet(open_id(), title).await, reload) }
    });
    let navigate_after_delete = use_navigate();
    Effect::new(move || {
        if matches!(remove.value().get(), Some(Ok(()))) {
            navigate_after_delete(
                &format!("/apps/{}/sheets", app_id.get_value()),
                Default::default(),
            );
        }
    });
    let tabs =
        move || {
            let id = open_id();
            current.with(|v| v.sheets.clone()).into_iter().map(|s| {
            let active = s.id == id;
            let href = sheet_href(&app_id.get_value(), &s.id);
            let class = if active { "tab active" } else { "tab" };
            view! {
                <A href=href attr:class=class attr:aria-current=active.then_some("page")>
                    {s.title}{s.private.then(|| view! { <span class="badge">"Private"</span> })}
                </A>
            }
        }).collect_view()
        };
    let position = move || current.with(position_of);
    let at_end = move || current.with(|v| position_of(v) + 1 >= v.sheets.len());
    view! {
        <nav class="sheet-tabs" aria-label="Sheets">
            {tabs}
            {can_add.then(|| view! { <button type="button" class="tab add" title="Add a sheet" on:click=move |_| adding.update(|a| *a = !*a)>"+ Sheet"</button> })}
            <span class="grow"></span>
            {can_edit.then(|| view! {
                <button type="button" class=move || if editing.get() { "button small primary" } else { "button small" } on:click=move |_| editing.update(|e| *e = !*e)>
                    {move || if editing.get() { "Done editing" } else { "Edit sheet" }}
                </button>
            })}
        </nav>
        {move || adding.get().then(|| view! {
            <form class="inline-form" on:submit=move |ev| { ev.prevent_default(); add.dispatch(title.get_untracked()); }>
                {current.with_untracked(|c| c.public).then(|| view! {
                    <p class="notice warn" role="note">"This app is public: a live anonymous link reaches it, and anyone with the link sees every public sheet, this new one too once it has charts."</p>
                })}
                <label>"New sheet title " <input type="text" required prop:value=move || title.get() on:input=move |ev| title.set(event_target_value(&ev))/></label>
                <button type="submit" class="button primary small">"Add sheet"</button>
                {move || match add.value().get() { Some(Err(error)) => Some(view! { <ErrorBox error/> }), _ => None }}
            </form>
        })}
        {move || (editing.get() && can_edit).then(|| view! {
            <div class="sheet-tools">
                <form class="inline-form" on:submit=move |ev| { ev.prevent_default(); rename.dispatch(renamed.get_untracked()); }>
                    <label>"Sheet title " <input type="text" prop:value=move || renamed.get() on:input=move |ev| renamed.set(event_target_value(&ev))/></label>
                    <button type="submit" class="button small">"Rename"</button>
                </form>
                <button type="button" class="button small" disabled=move || position() == 0 on:click=move |_| { move_to.dispatch(position().saturating_sub(1)); }>"Move left"</button>
                <button type="button" class="button small" disabled=at_end on:click=move |_| { move_to.dispatch(position() + 1); }>"Move right"</button>
                <button type="button" class="button small danger" on:click=move |_| { remove.dispatch(()); }>"Delete sheet"</button>
                {move || [move_to.value().get().and_then(|r| r.err()), remove.value().get().and_then(|r| r.err()), rename.value().get().and_then(|r| r.err())].into_iter().flatten().next().map(|error| view! { <ErrorBox error/> })}
            </div>
        })}
    }
}

/// What is selected, field by field, with back, forward and clear.
#[component]
pub(crate) fn SelectionsBar(
    current: RwSignal<SheetView>,
    change: Action<Option<SelectionChange>, Result<SheetView, AppError>>,
    pending: Memo<bool>,
) -> impl IntoView {
    // The app reloaded since the page opened: its next answer carries a newer data version.
    let first_version = current.with_untracked(|c| c.data_version);
    let locale = use_context::<crate::content::rules::Locale>().unwrap_or_default();
    view! {
        <div class="selections-bar" aria-label="Selections">
            <button type="button" class="icon-button" title="Back" aria-label="Back" data-change="Back" disabled=move || !current.with(|c| c.can_back) on:click=move |_| { change.dispatch(Some(SelectionChange::Back)); }>"↶"</button>
            <button type="button" class="icon-button" title="Forward" aria-label="Forward" data-change="Forward" disabled=move || !current.with(|c| c.can_forward) on:click=move |_| { change.dispatch(Some(SelectionChange::Forward)); }>"↷"</button>
            <button type="button" class="icon-button" title="Clear all selections" aria-label="Clear all" data-change="ClearAll" disabled=move || current.with(|c| c.selections.is_empty()) on:click=move |_| { change.dispatch(Some(SelectionChange::ClearAll)); }>"⌫"</button>
            <ul class="chips" aria-live="polite">
                {move || {
                    let chips = current.with(|c| c.selections.clone());
                    if chips.is_empty() {
                        return view! { <li class="muted">"No selections. Click a bar, slice, point, row or value to select it."</li> }.into_any();
                    }
                    chips.into_iter().map(|chip| {
                        let field = chip.field.clone();
                        let values = if chip.count > chip.values.len() { format!("{} selected", chip.count) } else { chip.values.iter().map(|v| super::charts::written(locale, chip.kind, v)).collect::<Vec<_>>().join(", ") };
                        view! {
                            <li class="chip" data-field=chip.field.clone()>
                                <span class="chip-field">{chip.field.clone()}</span>
                                <span class="chip-values">{values}</span>
                                <button type="button" class="chip-clear" aria-label=format!("Clear {}", chip.field) data-clear=chip.field.clone() on:click=move |_| { change.dispatch(Some(SelectionChange::Clear { field: field.clone() })); }>"×"</button>
                            </li>
                        }
                    }).collect_view().into_any()
                }}
            </ul>
            <span class="busy" class:on=move || pending.get() role="status">{move || if pending.get() { "Updating…" } else { "" }}</span>
            // Hidden until the data changes under the open page; visitor pages (no WASM) show
            // it from `assets/visitor.js`, by the version they first saw.
            {move || {
                let (version, loaded_at) = current.with(|c| (c.data_version, c.data_loaded_at));
                view! {
                    <span class="data-updated" role="status" data-version=version hidden=version <= first_version>
                        {format!("Data updated {}", crate::timefmt::clock(loaded_at))}
                    </span>
                }
            }}
        </div>
    }
}

/// The sheet's charts; in edit mode each has its tools, and a new one can be added.
#[component]
fn SheetGrid(
    current: RwSignal<SheetView>,
    selector: Selector,
    editing: RwSignal<bool>,
    sheet: SheetInfo,
    fields: Vec<FieldInfo>,
    reload: impl Fn() + Send + Sync + Copy + 'static,
) -> impl IntoView {
    let sheet_id = StoredValue::new(sheet.id.clone());
    let fields = StoredValue::new(fields);
    let editor = RwSignal::new(None::<(Option<String>, Option<ChartSpec>)>);
    let move_to = Action::new(move |(id, to): &(String, usize)| {
        let (id, to) = (id.clone(), *to);
        async move { then_reload(move_chart(id, to).await, reload) }
    });
    let remove = Action::new(move |id: &String| {
        let id = id.clone();
        async move { then_reload(delete_chart(id).await, reload) }
    });
    view! {
        {move || [move_to.value().get().and_then(|r| r.err()), remove.value().get().and_then(|r| r.err())].into_iter().flatten().next().map(|error| view! { <ErrorBox error/> })}
        {move || editor.get().map(|(chart_id, spec)| view! {
            <ChartEditor sheet_id=sheet_id.get_value() chart_id spec fields=fields.get_value() on_close=move |saved| { editor.set(None); if saved { reload(); } }/>
        })}
        {move || editing.get().then(|| view! {
            <div class="sheet-tools"><button type="button" class="button primary small" on:click=move |_| editor.set(Some((None, None)))>"Add chart"</button></div>
        })}
        <div class="sheet-grid">
            {move || {
                let charts = current.with(|c| c.charts.clone());
                let count = charts.len();
                if count == 0 {
                    return view! { <EmptyState title="This sheet is empty" hint="Editors add charts with Edit sheet, then Add chart.".to_string()/> }.into_any();
                }
                charts.into_iter().enumerate().map(|(i, chart)| {
                    let (id, spec) = (chart.id.clone(), chart.spec.clone());
                    let title = chart_title(&spec);
                    let cell_class = format!("cell cell-{}", spec.kind.api_name());
                    let (up, down, gone, edit) = (id.clone(), id.clone(), id.clone(), id.clone());
                    view! {
                        <div class=cell_class>
                            {move || editing.get().then(|| {
                                let (up, down, gone, edit, spec) = (up.clone(), down.clone(), gone.clone(), edit.clone(), spec.clone());
                                view! {
                                    <div class="chart-tools" aria-label=format!("Tools for {title}")>
                                        <button type="button" class="button tiny" on:click=move |_| editor.set(Some((Some(edit.clone()), Some(spec.clone()))))>"Edit"</button>
                                        <button type="button" class="button tiny" disabled={i == 0} on:click=move |_| { move_to.dispatch((up.clone(), i.saturating_sub(1))); }>"↑"</button>
                                        <button type="button" class="button tiny" disabled={i + 1 >= count} on:click=move |_| { move_to.dispatch((down.clone(), i + 1)); }>"↓"</button>
                                        <button type="button" class="button tiny danger" on:click=move |_| { remove.dispatch(gone.clone()); }>"Remove"</button>
                                    </div>
                                }
                            })}
                            <Chart chart selector/>
                        </div>
                    }
                }).collect_view().into_any()
            }}
        </div>
    }
}

/// When the page goes away (a closed tab, a reload, another address), its app's licence
/// connection ends at once rather than when it idles out.
fn end_connection_on_leave(app_id: String) {
    #[cfg(feature = "hydrate")]
    {
        let handle = window_event_listener(leptos::ev::pagehide, move |_| {
            let _ = window().navigator().send_beacon_with_opt_str(
                crate::licences::rules::END_CONNECTION_PATH,
                Some(&app_id),
            );
        });
        on_cleanup(move || handle.remove());
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = app_id;
}

/// "Start collaborative session": the mode, said plainly, then the session page with its first
/// invitation (in the address's fragment, which no server sees). Hidden where sessions are off.
#[component]
fn CollabStart(app_id: String, sheet_id: Option<String>) -> impl IntoView {
    use crate::collab::api::{collab_settings, start_session};
    use crate::collab::model::Mode;
    let app = StoredValue::new(app_id.clone());
    let sheet = StoredValue::new(sheet_id);
    // Loaded in the browser once the page is live (effects run only there): a resource nested
    // in the sheet page's own would not hydrate.
    let allowed = RwSignal::new(false);
    let outsiders = RwSignal::new(false);
    let mode = RwSignal::new(Mode::SignedIn);
    Effect::new(move || {
        leptos::task::spawn_local(async move {
            let switches = collab_settings(app.get_value()).await;
            let switches = switches.ok();
            allowed.set(switches.is_some_and(|s| s.tenant_enabled && s.app_enabled));
            let may = switches.is_some_and(|s| s.outsiders);
            outsiders.set(may);
            mode.set(if may { Mode::Open } else { Mode::SignedIn });
        });
    });
    let open = RwSignal::new(false);
    let start = Action::new(move |mode: &Mode| {
        let mode = *mode;
        async move { start_session(app.get_value(), sheet.get_value(), mode).await }
    });
    Effect::new(move || {
        if let Some(Ok(started)) = start.value().get() {
            // A whole page load: the session page opens its socket and reads the invitation
            // from the address's fragment.
            crate::components::go_to(&format!(
                "/collab/{}#invite={}",
                started.session_id, started.invitation
            ));
        }
    });
    move || {
        allowed.get().then(|| view! {
            <div class="collab-start">
                <button type="button" class="button small" aria-expanded=move || open.get().to_string() on:click=move |_| open.update(|o| *o = !*o)>"Start collaborative session"</button>
                {move || open.get().then(|| view! {
                    <form class="card collab-start-form" on:submit=move |ev| { ev.prevent_default(); start.dispatch(mode.get_untracked()); }>
                        <fieldset>
                            <legend>"Who may join"</legend>
                            {move || Mode::ALL.into_iter().filter(|m| *m == Mode::SignedIn || outsiders.get()).map(|m| view! {
                                <label class="choice">
                                    <input type="radio" name="collab-mode" value=m.as_str() prop:checked=move || mode.get() == m on:change=move |_| mode.set(m)/>
                                    <span><strong>{m.label()}</strong><br/><span class="muted">{m.explanation("you")}</span></span>
                                </label>
                            }).collect_view()}
                            {move || (!outsiders.get()).then(|| view! {
                                <p class="muted small">"Sessions that people without an account join need a tenant admin to turn them on (Admin, Embedding) and a role that allows them."</p>
                            })}
                        </fieldset>
                        <button type="submit" class="button primary small" disabled=move || start.pending().get()>"Start and get the invitation link"</button>
                        {move || match start.value().get() { Some(Err(error)) => Some(view! { <ErrorBox error/> }), _ => None }}
                    </form>
                })}
            </div>
        })
    }
}
