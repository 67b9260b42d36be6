//! From a connection to a new app: pick tables (or a folder's files), write queries of one's
//! own, preview the first rows of any, then the data-model step and the app. Each picked table
//! is a source of the app's load plan, read again at every reload.

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use super::super::api::*;
use super::super::model::*;
use crate::apps::model::NewApp;
use crate::components::{ErrorBox, Loading};
use crate::content::api::create_app_from_uploads;
use crate::error::AppError;
use crate::modelling::api::preview_uploads;
use crate::modelling::model::{DataModelPage, Plan, SourcePlan, TablePlan};

/// A source to load: the table's name in the app, and its query (or a folder's file).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Chosen {
    name: String,
    table: SourceTable,
}

/// A table's name in the app: the last part of a database table's name, a file's name without
/// its folders and extension.
fn table_name(table: &SourceTable) -> String {
    let last = table.name.rsplit(['.', '/']).next().unwrap_or(&table.name);
    let base = match table.name.rsplit_once('.') {
        Some((stem, ext))
            if ["csv", "tsv", "txt", "tab", "xlsx"]
                .contains(&ext.to_ascii_lowercase().as_str()) =>
        {
            stem.rsplit('/').next().unwrap_or(stem).to_string()
        }
        _ => last.to_string(),
    };
    match &table.sheet {
        Some(sheet) => format!("{base} {sheet}"),
        None => base,
    }
}

/// The load plan of the chosen sources: each a table of its own name.
fn plan_of(connection: &Connection, chosen: &[Chosen]) -> Plan {
    let folder = connection.kind == ConnectionKind::Folder;
    Plan {
        tables: chosen
            .iter()
            .map(|c| TablePlan {
                source: c.name.clone(),
                name: c.name.clone(),
                ..Default::default()
            })
            .collect(),
        sources: chosen
            .iter()
            .map(|c| SourcePlan {
                name: c.name.clone(),
                connection: Some(connection.id.clone()),
                query: (!folder).then(|| c.table.query.clone()),
                file: folder.then(|| c.table.query.clone()),
                sheet: c.table.sheet.clone(),
                header_row: 0,
            })
            .collect(),
        missing: ["NA", "N/A", "NULL", "null", "NaN", "-"]
            .iter()
            .map(|m| m.to_string())
            .collect(),
    }
}

#[component]
pub fn TablePicker(
    connection: Connection,
    /// Where the app is made; empty: the caller's personal space.
    space_id: String,
    on_close: impl Fn() + Send + Sync + Copy + 'static,
) -> impl IntoView {
    let connection = StoredValue::new(connection);
    let space_id = StoredValue::new(space_id);
    let tables = Action::new(move |_: &()| async move {
        connection_tables(connection.with_value(|c| c.id.clone())).await
    });
    tables.dispatch(());
    let chosen = RwSignal::new(Vec::<Chosen>::new());
    let shown = RwSignal::new(None::<(String, Result<Preview, AppError>)>);
    let look = Action::new(move |table: &SourceTable| {
        let table = table.clone();
        async move {
            (
                table.name.clone(),
                preview_source(connection.with_value(|c| c.id.clone()), table).await,
            )
        }
    });
    Effect::new(move || {
        if let Some(result) = look.value().get() {
            shown.set(Some(result))
        }
    });
    let query_name = RwSignal::new(String::new());
    let query_text = RwSignal::new(String::new());
    let app_name = RwSignal::new(String::new());
    let plan = RwSignal::new(Plan::default());
    let model = RwSignal::new(None::<DataModelPage>);
    let problem = RwSignal::new(None::<AppError>);
    let check = Action::new(move |plan: &Plan| {
        let plan = plan.clone();
        async move { preview_uploads(Vec::new(), Some(plan)).await }
    });
    Effect::new(move || match check.value().get() {
        Some(Ok(page)) => {
            plan.set(page.plan.clone());
            model.set(Some(page));
        }
        Some(Err(error)) => problem.set(Some(error)),
        None => {}
    });
    let make = Action::new(move |plan: &Plan| {
        let input = NewApp {
            name: app_name.get_untracked(),
            description: String::new(),
            space_id: space_id.get_value(),
        };
        let plan = plan.clone();
        async move { create_app_from_uploads(input, Vec::new(), Some(plan)).await }
    });
    let navigate = StoredValue::new(use_navigate());
    Effect::new(move || match make.value().get() {
        Some(Ok(app)) => {
            navigate.with_value(|go| go(&format!("/apps/{}/sheets", app.id), Default::default()))
        }
        Some(Err(error)) => problem.set(Some(error)),
        None => {}
    });
    let toggle = move |table: SourceTable, on: bool| {
        chosen.update(|list| {
            list.retain(|c| c.table != table);
            if on {
                list.push(Chosen {
                    name: table_name(&table),
                    table,
                });
            }
        })
    };
    let add_query = move |_| {
        let (name, query) = (
            query_name.get_untracked().trim().to_string(),
            query_text.get_untracked(),
        );
        if name.is_empty() || query.trim().is_empty() {
            problem.set(Some(AppError::invalid(
                "query",
                "Give the table a name and write its query.",
            )));
            return;
        }
        problem.set(None);
        chosen.update(|list| {
            list.push(Chosen {
                name: name.clone(),
                table: SourceTable {
                    name,
                    query,
                    sheet: None,
                },
            })
        });
        query_name.set(String::new());
        query_text.set(String::new());
    };
    let review = move |_| {
        problem.set(None);
        if app_name.get_untracked().trim().is_empty() {
            problem.set(Some(AppError::invalid("name", "Give the app a name.")));
        } else if chosen.with_untracked(Vec::is_empty) {
            problem.set(Some(AppError::invalid(
                "tables",
                "Pick at least one table, or add a query.",
            )));
        } else {
            check.dispatch(connection.with_value(|c| plan_of(c, &chosen.get_untracked())));
        }
    };
    let is_database = connection.with_value(|c| c.kind.is_database());
    view! {
        <section class="card table-picker" aria-labelledby="picker-heading">
            <h3 id="picker-heading">{format!("Tables of {}", connection.with_value(|c| c.name.clone()))}</h3>
            <button type="button" class="button small" on:click=move |_| on_close()>"Close"</button>
            {move || match tables.value().get() {
                None => view! { <Loading/> }.into_any(),
                Some(Err(error)) => view! { <ErrorBox error/> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! { <p class="muted">"There are no tables to load here."</p> }.into_any(),
                Some(Ok(list)) => view! {
                    <fieldset class="table-choices">
                        <legend>"Pick the tables to load"</legend>
                        <ul class="plain">
                            {list.into_iter().map(|table| {
                                let (picked, peek) = (table.clone(), table.clone());
                                let label = table.name.clone();
                                view! {
                                    <li>
                                        <label class="choice"><input type="checkbox" on:change=move |ev| toggle(picked.clone(), event_target_checked(&ev))/>
                                            <span>{label}</span></label>
                                        " " <button type="button" class="button small" on:click=move |_| { look.dispatch(peek.clone()); }>"Preview"</button>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    </fieldset>
                }.into_any(),
            }}
            {is_database.then(|| view! {
                <fieldset class="form">
                    <legend>"Or write a query"</legend>
                    <label for="query-name">"Table name"</label>
                    <input id="query-name" type="text" maxlength="200" bind:value=query_name/>
                    <label for="query-text">"Query (one SELECT, read-only)"</label>
                    <textarea id="query-text" rows="4" maxlength="20000" prop:value=query_text on:input=move |ev| query_text.set(event_target_value(&ev))></textarea>
                    <div class="form-actions">
                        <button type="button" class="button small" on:click=move |_| { look.dispatch(SourceTable { name: query_name.get_untracked(), query: query_text.get_untracked(), sheet: None }); }>"Preview"</button>
                        " " <button type="button" class="button small" on:click=add_query>"Add this table"</button>
                    </div>
                </fieldset>
            })}
            {move || look.pending().get().then(|| view! { <Loading/> })}
            {move || shown.get().map(|(name, result)| match result {
                Ok(preview) => view! { <PreviewTable name preview/> }.into_any(),
                Err(error) => view! { <ErrorBox error/> }.into_any(),
            })}
            <p class="muted small" role="status">{move || chosen.with(|list| match list.len() {
                0 => "No tables picked yet.".to_string(),
                _ => format!("To load: {}", list.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", ")),
            })}</p>
            <label for="picker-app-name">"App name"</label>
            <input id="picker-app-name" type="text" maxlength="200" bind:value=app_name/>
            <button type="button" class="button primary" disabled=move || check.pending().get() on:click=review>
                {move || if check.pending().get() { "Reading the tables…" } else { "Review the data model" }}
            </button>
            {move || problem.get().map(|error| view! { <ErrorBox error/> })}
        </section>
        {move || model.get().map(|page| view! {
            <crate::modelling::ui::ModelStep page plan what="the tables"
                checking=check.pending() making=make.pending()
                on_check=Callback::new(move |plan| { problem.set(None); check.dispatch(plan); })
                on_make=Callback::new(move |plan| { problem.set(None); make.dispatch(plan); })/>
        })}
    }
}

/// The first rows of a table, as text.
#[component]
fn PreviewTable(name: String, preview: Preview) -> impl IntoView {
    view! {
        <div class="table-scroll" role="region" aria-label=format!("First rows of {name}") tabindex="0">
            <table class="data preview">
                <caption>{format!("First {} rows of {name}", preview.rows.len())}</caption>
                <thead><tr>{preview.headers.iter().map(|h| view! { <th scope="col">{h.clone()}</th> }).collect_view()}</tr></thead>
                <tbody>
                    {preview.rows.into_iter().map(|row| view! {
                        <tr>{row.into_iter().map(|cell| match cell {
                            Some(text) => view! { <td>{text}</td> }.into_any(),
                            None => view! { <td class="muted">"—"</td> }.into_any(),
                        }).collect_view()}</tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}
