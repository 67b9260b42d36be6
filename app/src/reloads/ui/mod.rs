//! The reloads panel of an app's data page: "Reload now" from the app's files, new files each
//! put in its place (appended to a table, replacing a table's data, or a table of its own), and
//! the history, refreshed every second while a reload is under way.

mod tenant;

pub use tenant::TenantReloadsPage;

use leptos::html::Input;
use leptos::prelude::*;

use super::api::*;
use super::model::*;
use crate::components::upload::{percent, Phase};
use crate::components::ErrorBox;
use crate::error::AppError;

/// An uploaded file waiting for its place: its id, name, and the place chosen (`append:<table>`,
/// `replace:<table>`, `add`).
#[derive(Debug, Clone, PartialEq)]
struct Staged {
    id: String,
    name: String,
    place: RwSignal<String>,
}

fn change_of(file: &Staged) -> DataChange {
    let place = file.place.get_untracked();
    let file_id = file.id.clone();
    match place.split_once(':') {
        Some(("append", table)) => DataChange::Append {
            table: table.to_string(),
            file_id,
        },
        Some(("replace", table)) => DataChange::Replace {
            table: table.to_string(),
            file_id,
        },
        _ => DataChange::Add { file_id },
    }
}

/// The table a new file most likely belongs to: the one whose name starts its name
/// (`sales-2026-12.csv` → `sales`), else none.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
fn likely_table(name: &str, tables: &[String]) -> Option<String> {
    let name = name.to_lowercase();
    tables
        .iter()
        .filter(|t| name.starts_with(&t.to_lowercase()))
        .max_by_key(|t| t.len())
        .cloned()
}

#[component]
pub fn ReloadPanel(app_id: String) -> impl IntoView {
    let app_id = StoredValue::new(app_id);
    let history = RwSignal::new(None::<ReloadPage>);
    let tables = move || {
        history.with_untracked(|h| h.as_ref().map(|h| h.tables.clone()).unwrap_or_default())
    };
    let error = RwSignal::new(None::<AppError>);
    let staged = RwSignal::new(Vec::<Staged>::new());
    let phase = RwSignal::new(Phase::Idle);
    let files = NodeRef::<Input>::new();
    let refresh =
        Action::new(move |_: &()| async move { list_reloads(app_id.get_value(), None).await });
    let start = Action::new(move |changes: &Vec<DataChange>| {
        let changes = changes.clone();
        async move { create_reload(app_id.get_value(), changes).await }
    });
    let cancel = Action::new(move |id: &String| {
        let id = id.clone();
        async move { cancel_reload(id).await }
    });
    Effect::new(move || {
        refresh.dispatch(());
    });
    Effect::new(move || match refresh.value().get() {
        Some(Ok(page)) => {
            let active = page.reloads.iter().any(|r| r.status.is_active());
            history.set(Some(page));
            if active {
                #[cfg(feature = "hydrate")]
                leptos::task::spawn_local(async move {
                    gloo_timers::future::TimeoutFuture::new(1000).await;
                    refresh.dispatch(());
                });
            }
        }
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    Effect::new(move || match start.value().get() {
        Some(Ok(_)) => {
            staged.set(Vec::new());
            error.set(None);
            refresh.dispatch(());
        }
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    Effect::new(move || match cancel.value().get() {
        Some(Ok(_)) => {
            refresh.dispatch(());
        }
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    let upload = move |_| {
        error.set(None);
        #[cfg(feature = "hydrate")]
        {
            let Some(input) = files.get_untracked() else {
                return;
            };
            let chosen: Vec<web_sys::File> = match input.files() {
                Some(list) => (0..list.length()).filter_map(|i| list.get(i)).collect(),
                None => Vec::new(),
            };
            if chosen.is_empty() {
                error.set(Some(AppError::invalid(
                    "files",
                    "Choose one or more CSV files.",
                )));
                return;
            }
            let names: Vec<String> = chosen.iter().map(|f| f.name()).collect();
            let done = Callback::new(move |result: Result<Vec<String>, AppError>| {
                phase.set(Phase::Idle);
                match result {
                    Ok(ids) => staged.update(|s| {
                        for (id, name) in ids.into_iter().zip(names.clone()) {
                            let place = likely_table(&name, &tables())
                                .map_or("add".to_string(), |t| format!("append:{t}"));
                            s.push(Staged {
                                id,
                                name,
                                place: RwSignal::new(place),
                            });
                        }
                    }),
                    Err(e) => error.set(Some(e)),
                }
            });
            crate::components::upload::upload_all(
                std::rc::Rc::new(chosen),
                0,
                Vec::new(),
                phase,
                done,
            );
        }
    };
    let busy = move || start.pending().get() || phase.with(|p| *p != Phase::Idle);
    let active = move || {
        history.with(|h| {
            h.as_ref()
                .and_then(|h| h.reloads.iter().find(|r| r.status.is_active()).cloned())
        })
    };
    let can_reload = move || history.with(|h| h.as_ref().is_some_and(|h| h.can_reload));
    view! {
        <section class="card reload-panel" aria-labelledby="reload-heading">
            <h3 id="reload-heading">"Reload data"</h3>
            <p class="muted small">"Load the app's data again in place: sheets, shares, links and embeds stay, and people looking at the app see the new data at their next click, with their selections kept where the values still exist."</p>
            <div class="reload-actions">
                <button type="button" class="button primary" disabled=move || busy() || active().is_some() || !can_reload()
                    on:click=move |_| { start.dispatch(Vec::new()); }
                    title="Reads the app's files and its data connections' tables again">"Reload now"</button>
                {move || active().map(|reload| {
                    let id = reload.id.clone();
                    view! {
                        <span class="loading" role="status"><span class="spinner" aria-hidden="true"></span>
                            {format!("{}…", reload.status.label())}</span>
                        " " <button type="button" class="button small" on:click=move |_| { cancel.dispatch(id.clone()); }>"Cancel"</button>
                    }
                })}
            </div>
            <div class="reload-files">
                <label>"New files: a month to append, a table's new data, or a new table"
                    <input type="file" name="reload-files" node_ref=files multiple accept=".csv,.tsv,.txt,text/csv"/></label>
                <button type="button" class="button" disabled=move || busy() || !can_reload() on:click=upload>"Upload"</button>
                {move || match phase.get() {
                    Phase::Uploading { index, count, name, fraction } => Some(view! {
                        <div class="progress" role="status">
                            <progress max="1" value=fraction></progress>
                            <span>{format!("Uploading {name} ({} of {count}): {}%", index + 1, percent(fraction))}</span>
                        </div>
                    }),
                    _ => None,
                }}
            </div>
            {move || (!staged.with(Vec::is_empty)).then(|| view! {
                <ul class="reload-places">
                    {staged.get().into_iter().map(|file| {
                        let label = format!("Where {} goes", file.name);
                        let place = file.place;
                        view! {
                            <li>
                                <span class="file-name">{file.name.clone()}</span>
                                <select aria-label=label prop:value=move || place.get() on:change=move |ev| place.set(event_target_value(&ev))>
                                    {tables().into_iter().map(|t| view! {
                                        <option value=format!("append:{t}")>{format!("Append its rows to {t}")}</option>
                                        <option value=format!("replace:{t}")>{format!("Replace {t}'s data with it")}</option>
                                    }).collect_view()}
                                    <option value="add">"A new table"</option>
                                </select>
                            </li>
                        }
                    }).collect_view()}
                </ul>
                <button type="button" class="button primary" disabled=move || busy() || active().is_some()
                    on:click=move |_| { start.dispatch(staged.with_untracked(|s| s.iter().map(change_of).collect())); }>
                    "Reload with these files"</button>
            })}
            {move || error.get().map(|error| view! { <ErrorBox error/> })}
            <History history/>
        </section>
    }
}

#[component]
pub(crate) fn History(
    history: RwSignal<Option<ReloadPage>>,
    /// Name each reload's app (a list across apps).
    #[prop(optional)]
    with_app: bool,
) -> impl IntoView {
    move || {
        history.get().map(|page| {
            if page.reloads.is_empty() {
                return view! { <p class="muted small">"No reloads yet."</p> }.into_any();
            }
            view! {
                <div class="table-scroll"><table class="table reload-history">
                    <caption>"Reloads, newest first"</caption>
                    <thead><tr>{with_app.then(|| view! { <th scope="col">"App"</th> })}<th scope="col">"Status"</th><th scope="col">"Started"</th><th scope="col">"By"</th><th scope="col">"Took"</th><th scope="col">"Rows"</th><th scope="col">"Log"</th></tr></thead>
                    <tbody>
                        {page.reloads.into_iter().map(|r| {
                            let took = r.started_at.zip(r.ended_at)
                                .map(|(s, e)| format!("{:.1} s", (e - s) as f64 / 1000.0))
                                .unwrap_or_default();
                            let rows = r.tables.iter().map(|t| format!("{} {}", t.table, t.rows)).collect::<Vec<_>>().join(", ");
                            let by = match (r.kind, r.user_name.is_empty()) {
                                (ReloadKind::Chronos, _) => "Schedule".to_string(),
                                (_, true) => "—".to_string(),
                                (ReloadKind::External, false) => format!("{} (API)", r.user_name),
                                (ReloadKind::Hub, false) => r.user_name.clone(),
                            };
                            let class = format!("status status-{}", r.status.as_str().to_lowercase());
                            view! {
                                <tr>
                                    {with_app.then(|| view! { <td><a href=format!("/apps/{}", r.app_id)>{r.app_name.clone()}</a></td> })}
                                    <td><span class=class>{r.status.label()}</span>
                                        {(!r.error.is_empty()).then(|| view! { <div class="small reload-error">{r.error.clone()}</div> })}</td>
                                    <td>{crate::timefmt::short(r.created_at)}</td>
                                    <td>{by}</td>
                                    <td>{took}</td>
                                    <td>{rows}</td>
                                    <td>{(!r.log.is_empty()).then(|| view! { <details><summary>"Log"</summary><pre class="reload-log">{r.log.clone()}</pre></details> })}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table></div>
            }.into_any()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::likely_table;

    #[test]
    fn a_new_file_is_offered_to_the_table_its_name_starts_with() {
        let tables = vec![
            "sales".to_string(),
            "sales_targets".to_string(),
            "stores".to_string(),
        ];
        for (file, table) in [
            ("sales-2026-12.csv", Some("sales")),
            ("Sales_targets_q4.csv", Some("sales_targets")),
            ("regions.csv", None),
        ] {
            assert_eq!(likely_table(file, &tables).as_deref(), table, "{file}");
        }
    }
}
