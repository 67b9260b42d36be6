//! The data-model page of an app (`/apps/{id}/model`), for its editors: each table with its
//! columns (the field each became, its type and why, the missing values found, a few values),
//! where the editors rename, drop or retype a column and qualify a table; the associations with
//! how many key values match on each side, drawn as a graph and listed; and the warnings, each
//! with its one-click fix. "Load again" applies the plan to the app's stored files.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use super::api::*;
use super::model::*;
use crate::components::{load, ErrorBox, Loading, PageHeader};
use crate::error::AppError;

#[component]
pub fn DataModelPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let page = load(id, get_data_model);
    view! {
        <Suspense fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => view! { <ModelView page/> }.into_any(),
                    Err(error) => view! { <PageHeader title="Data model".to_string()/><ErrorBox error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ModelView(page: DataModelPage) -> impl IntoView {
    let app_id = StoredValue::new(page.app_id.clone());
    let current = RwSignal::new(page.clone());
    let plan = RwSignal::new(page.plan.clone());
    let apply = Action::new(move |plan: &Plan| {
        let plan = plan.clone();
        async move { set_load_plan(app_id.get_value(), plan).await }
    });
    let problem = RwSignal::new(None::<AppError>);
    Effect::new(move || match apply.value().get() {
        Some(Ok(page)) => {
            plan.set(page.plan.clone());
            current.set(page);
            problem.set(None);
        }
        Some(Err(error)) => problem.set(Some(error)),
        None => {}
    });
    let changed = move || plan.with(|p| *p != current.with(|c| c.plan.clone()));
    view! {
        <PageHeader title="Data model".to_string() subtitle=page.app_name.clone()/>
        <div class="space-meta">
            <A href=format!("/apps/{}", page.app_id)>{format!("← {}", page.app_name)}</A>
            " " <A href=format!("/apps/{}/sheets", page.app_id) attr:class="button small">"Open app"</A>
        </div>
        <p class="muted">"Tables associate through fields of the same name. Rename a column to link it to another table or to keep it apart, drop what the app does not need, and fix a type. Nothing changes until you load again; sheets, shares and links stay. Loading again is a reload of the app: it shows in the app's reload history, and waits while another reload runs."</p>
        <PlanEditor current plan/>
        <div class="model-actions">
            <button type="button" class="button primary" disabled=move || !changed() || apply.pending().get()
                on:click=move |_| { apply.dispatch(plan.get_untracked()); }>
                {move || if apply.pending().get() { "Loading again…" } else { "Load again with these changes" }}
            </button>
            " " <button type="button" class="button" disabled=move || !changed() on:click=move |_| plan.set(current.with_untracked(|c| c.plan.clone()))>"Undo changes"</button>
            {move || apply.pending().get().then(|| view! { <span class="loading" role="status"><span class="spinner" aria-hidden="true"></span>"Reading the app's files again…"</span> })}
        </div>
        {move || problem.get().map(|error| view! { <ErrorBox error/> })}
    }
}

/// The data-model step before an app is made (of uploads, or of a data connection's tables):
/// the model the sources make, the plan edited and checked again, and the app made with it.
#[component]
pub fn ModelStep(
    page: DataModelPage,
    plan: RwSignal<Plan>,
    /// What the sources are, in the intro ("the files", "the tables").
    what: &'static str,
    #[prop(into)] checking: Signal<bool>,
    #[prop(into)] making: Signal<bool>,
    on_check: Callback<Plan>,
    on_make: Callback<Plan>,
) -> impl IntoView {
    let current = RwSignal::new(page);
    let changed = move || plan.with(|p| *p != current.with(|c| c.plan.clone()));
    view! {
        <section class="card model-step" aria-label="Data model of the new app">
            <h3>"The data model"</h3>
            <p class="muted small">{format!("This is how {what} will load. Rename a column to link it to another table or keep it apart, drop or retype it, then check again; make the app when it looks right.")}</p>
            <PlanEditor current plan/>
            <div class="model-actions">
                <button type="button" class="button" disabled=move || !changed() || checking.get()
                    on:click=move |_| on_check.run(plan.get_untracked())>"Check these changes"</button>
                " " <button type="button" class="button primary" disabled=move || making.get()
                    on:click=move |_| on_make.run(plan.get_untracked())>"Make the app"</button>
            </div>
        </section>
    }
}

/// The model as loaded (`current`) and the plan being edited: warnings with their fixes, the
/// associations, each table's columns. The data-model page and the step before an app is made
/// both show it, each with its own buttons.
#[component]
pub fn PlanEditor(current: RwSignal<DataModelPage>, plan: RwSignal<Plan>) -> impl IntoView {
    view! {
        {move || {
            let warnings = current.with(|c| c.warnings.clone());
            (!warnings.is_empty()).then(|| view! {
                <section class="card warnings" aria-labelledby="model-warnings">
                    <h2 id="model-warnings">"Warnings"</h2>
                    <ul class="plain">
                        {warnings.into_iter().map(|w| view! { <WarningItem warning=w plan/> }).collect_view()}
                    </ul>
                </section>
            })
        }}
        <section class="card" aria-labelledby="model-links">
            <h2 id="model-links">"Associations"</h2>
            {move || view! { <Graph page=current.get()/> }}
            {move || {
                let links = current.with(|c| c.links.clone());
                if links.is_empty() {
                    view! { <p class="muted">"No two tables share a field: each table is on its own."</p> }.into_any()
                } else {
                    view! { <LinkTable links/> }.into_any()
                }
            }}
        </section>
        {move || current.with(|c| c.tables.clone()).into_iter().map(|table| view! { <TableCard table plan/> }).collect_view()}
    }
}

#[component]
fn WarningItem(warning: Warning, plan: RwSignal<Plan>) -> impl IntoView {
    let fix = warning.fix.clone();
    let label = fix
        .as_ref()
        .map(|f| format!("Rename {} in {} to \"{}\"", f.field, f.table, f.to));
    view! {
        <li class=format!("warning warning-{}", warning.kind) role="note">
            <p>{warning.message.clone()}</p>
            {fix.map(|fix| {
                let label = label.clone().unwrap_or_default();
                view! {
                    <button type="button" class="button small" on:click=move |_| {
                        plan.update(|p| {
                            if let Some(column) = p.column_mut(&fix.table, &fix.field) {
                                column.rename = Some(fix.to.clone());
                            }
                        });
                    }>{label}</button>
                }
            })}
        </li>
    }
}

/// The tables as boxes with their row counts, the key fields as lines between them, each
/// labelled with the field and how many of its values match.
#[component]
fn Graph(page: DataModelPage) -> impl IntoView {
    // The tables, then the synthetic keys' tables (dashed, with the fields they combine): each
    // as the name links call it by, its title, its detail and whether it is synthetic.
    let nodes: Vec<(&str, String, String, bool)> = page
        .tables
        .iter()
        .map(|t| {
            (
                t.name.as_str(),
                t.name.clone(),
                format!("{} rows", t.rows),
                false,
            )
        })
        .chain(page.synthetic.iter().map(|t| {
            (
                t.name.as_str(),
                t.fields.join(" + "),
                format!("{} combinations ({})", t.rows, t.name),
                true,
            )
        }))
        .collect();
    let count = nodes.len().max(1);
    let width = 720.0;
    let box_w = 150.0;
    let box_h = 48.0;
    let radius = if count == 1 { 0.0 } else { 150.0 };
    let height = 2.0 * radius + box_h + 40.0;
    let centre = |i: usize| {
        let angle = std::f64::consts::TAU * i as f64 / count as f64 - std::f64::consts::FRAC_PI_2;
        (
            width / 2.0 + radius * 1.6 * angle.cos(),
            height / 2.0 + radius * angle.sin(),
        )
    };
    let at = |name: &str| nodes.iter().position(|n| n.0 == name).map(centre);
    let mut lines = Vec::new();
    for link in &page.links {
        // A synthetic key joins its tables through its own table: lines to that one only.
        let hub = link
            .sides
            .iter()
            .position(|s| page.synthetic.iter().any(|t| t.name == s.table));
        for (a, side) in link.sides.iter().enumerate() {
            for (b, other) in link.sides.iter().enumerate().skip(a + 1) {
                if hub.is_some_and(|hub| hub != a && hub != b) {
                    continue;
                }
                if let (Some(p), Some(q)) = (at(&side.table), at(&other.table)) {
                    let weak = side.matched * 10 < side.values.max(1)
                        || other.matched * 10 < other.values.max(1);
                    lines.push((
                        p,
                        q,
                        format!(
                            "{} ({}/{}, {}/{})",
                            link.field, side.matched, side.values, other.matched, other.values
                        ),
                        weak,
                    ));
                }
            }
        }
    }
    let summary = match page.synthetic.len() {
        0 => format!(
            "{} tables; {} key fields link them.",
            page.tables.len(),
            page.links.len()
        ),
        synthetic => format!(
            "{} tables and {synthetic} synthetic key {}; {} key fields link them.",
            page.tables.len(),
            if synthetic == 1 { "table" } else { "tables" },
            page.links.len()
        ),
    };
    view! {
        <svg class="model-graph" viewBox=format!("0 0 {width} {height}") role="img" aria-label=summary>
            {lines.into_iter().map(|((x1, y1), (x2, y2), label, weak)| view! {
                <g class=if weak { "link weak" } else { "link" }>
                    <line x1=x1 y1=y1 x2=x2 y2=y2/>
                    <text x=(x1 + x2) / 2.0 y=(y1 + y2) / 2.0 - 4.0 text-anchor="middle">{label}</text>
                </g>
            }).collect_view()}
            {nodes.iter().enumerate().map(|(i, (_, title, detail, synthetic))| {
                let (x, y) = centre(i);
                view! {
                    <g class=if *synthetic { "table-box synthetic" } else { "table-box" }>
                        <rect x=x - box_w / 2.0 y=y - box_h / 2.0 width=box_w height=box_h rx="6"/>
                        <text x=x y=y - 4.0 text-anchor="middle" class="name">{title.clone()}</text>
                        <text x=x y=y + 14.0 text-anchor="middle" class="rows">{detail.clone()}</text>
                    </g>
                }
            }).collect_view()}
        </svg>
    }
}

#[component]
fn LinkTable(links: Vec<Link>) -> impl IntoView {
    view! {
        <table class="data-table">
            <thead><tr><th scope="col">"Key field"</th><th scope="col">"Table"</th><th scope="col">"Values"</th><th scope="col">"Found in the other tables"</th></tr></thead>
            <tbody>
                {links.into_iter().flat_map(|link| {
                    let field = link.field.clone();
                    link.sides.into_iter().map(move |s| view! {
                        <tr>
                            <td>{field.clone()}</td>
                            <td>{s.table.clone()}{s.unique.then_some(" (one row each)")}</td>
                            <td class="num">{s.values}</td>
                            <td class="num">{format!("{} ({}%)", s.matched, (s.matched * 100).checked_div(s.values).unwrap_or(0))}</td>
                        </tr>
                    })
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn TableCard(table: TableReport, plan: RwSignal<Plan>) -> impl IntoView {
    let name = StoredValue::new(table.name.clone());
    let qualified = move || {
        plan.with(|p| {
            p.tables
                .iter()
                .any(|t| t.name == name.get_value() && t.qualify)
        })
    };
    view! {
        <section class="card model-table" aria-label=format!("Table {}", table.name)>
            <h2>{table.name.clone()} <span class="muted small">{format!(" · {} · {} rows", table.source, table.rows)}</span></h2>
            <label class="switch">
                <input type="checkbox" prop:checked=qualified on:change=move |ev| {
                    let on = event_target_checked(&ev);
                    plan.update(|p| if let Some(t) = p.tables.iter_mut().find(|t| t.name == name.get_value()) { t.qualify = on; });
                }/>
                <span>"Qualify: name its fields \"table.column\", so that only its keys link it"</span>
            </label>
            <SourceControls table=name.get_value() source=table.source.clone() plan/>
            <table class="data-table">
                <thead><tr><th scope="col">"Column"</th><th scope="col">"Field"</th><th scope="col">"Type"</th><th scope="col">"Missing"</th><th scope="col">"Values"</th><th scope="col">"Keep"</th></tr></thead>
                <tbody>
                    {table.columns.into_iter().map(|c| view! { <ColumnRow table=name.get_value() column=c plan/> }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}

/// For a table read from a workbook's sheet or a data connection: whether it loads at all, and
/// for a sheet, which row holds its column names.
#[component]
fn SourceControls(table: String, source: String, plan: RwSignal<Plan>) -> impl IntoView {
    let own = plan.with_untracked(|p| p.sources.iter().find(|s| s.name == source).cloned());
    let own = own?;
    let kept = plan.with_untracked(|p| p.tables.iter().find(|t| t.name == table).cloned());
    let (kept, own) = (StoredValue::new(kept), StoredValue::new(own));
    let loads = move || {
        plan.with(|p| {
            p.tables
                .iter()
                .any(|t| t.source == own.with_value(|s| s.name.clone()))
        })
    };
    let toggle = move |on: bool| {
        plan.update(|p| {
            let name = own.with_value(|s| s.name.clone());
            p.tables.retain(|t| t.source != name);
            p.sources.retain(|s| s.name != name);
            if on {
                if let Some(table) = kept.get_value() {
                    p.tables.push(table);
                }
                p.sources.push(own.get_value());
            }
        })
    };
    let sheet = own.with_value(|s| s.sheet.is_some());
    let header = move || {
        plan.with(|p| {
            p.sources
                .iter()
                .find(|s| s.name == own.with_value(|o| o.name.clone()))
                .map(|s| s.header_row + 1)
                .unwrap_or(1)
        })
    };
    let set_header = move |row: usize| {
        plan.update(|p| {
            if let Some(s) = p
                .sources
                .iter_mut()
                .find(|s| s.name == own.with_value(|o| o.name.clone()))
            {
                s.header_row = row.saturating_sub(1);
            }
            own.update_value(|o| o.header_row = row.saturating_sub(1));
        })
    };
    let id = format!(
        "header-row-{}",
        table.replace(|c: char| !c.is_ascii_alphanumeric(), "-")
    );
    Some(view! {
        <div class="source-controls">
            <label class="switch">
                <input type="checkbox" prop:checked=loads on:change=move |ev| toggle(event_target_checked(&ev))/>
                <span>"Load this table"</span>
            </label>
            {sheet.then(|| view! {
                <label for=id.clone()>"Column names are in row"</label>
                <input id=id type="number" min="1" max="1001" prop:value=move || header().to_string()
                    on:change=move |ev| { if let Ok(row) = event_target_value(&ev).parse::<usize>() { set_header(row.max(1)) } }/>
            })}
        </div>
    })
}

#[component]
fn ColumnRow(table: String, column: ColumnReport, plan: RwSignal<Plan>) -> impl IntoView {
    let (table, header) = (
        StoredValue::new(table),
        StoredValue::new(column.header.clone()),
    );
    let planned = move || {
        plan.with(|p| {
            p.tables
                .iter()
                .find(|t| t.name == table.get_value())
                .and_then(|t| {
                    t.columns
                        .iter()
                        .find(|c| c.column == header.get_value())
                        .cloned()
                })
                .unwrap_or_default()
        })
    };
    let change = move |f: &dyn Fn(&mut ColumnPlan)| {
        plan.update(|p| {
            if let Some(c) = p.column_mut(&table.get_value(), &header.get_value()) {
                f(c);
            }
        })
    };
    let field = column
        .field
        .clone()
        .unwrap_or_else(|| column.header.clone());
    let inferred = column.field_type.clone().unwrap_or_else(|| "text".into());
    let missing = if column.missing == 0 {
        "none".to_string()
    } else if column.missing_found.is_empty() {
        format!("{} empty", column.missing)
    } else {
        format!("{} ({})", column.missing, column.missing_found.join(", "))
    };
    let field_label = format!("Field name of {}", column.header);
    let type_label = format!("Type of {}", column.header);
    let keep_label = format!("Keep {}", column.header);
    view! {
        <tr class=move || if planned().drop { "dropped" } else { "" }>
            <th scope="row">{column.header.clone()}</th>
            <td><input type="text" aria-label=field_label prop:value=move || planned().rename.unwrap_or_else(|| field.clone())
                on:change=move |ev| { let to = event_target_value(&ev); change(&|c| c.rename = (to != c.column).then(|| to.clone())); }/></td>
            <td>
                <select aria-label=type_label on:change=move |ev| { let chosen = event_target_value(&ev); change(&|c| c.field_type = (!chosen.is_empty()).then(|| chosen.clone())); }>
                    <option value="" selected=move || planned().field_type.is_none()>{format!("{inferred} (found)")}</option>
                    {TYPES.iter().map(|t| view! { <option value=*t selected=move || planned().field_type.as_deref() == Some(*t)>{*t}</option> }).collect_view()}
                </select>
                <div class="muted small">{column.reason.clone()}</div>
                {(!column.unreadable.is_empty()).then(|| view! { <div class="small warning-text">{format!("Not read as {}: {}", inferred, column.unreadable.join(", "))}</div> })}
            </td>
            <td class="small">{missing}</td>
            <td class="small muted">{column.samples.join(", ")}</td>
            <td><input type="checkbox" aria-label=keep_label prop:checked=move || !planned().drop on:change=move |ev| { let keep = event_target_checked(&ev); change(&|c| c.drop = !keep); }/></td>
        </tr>
    }
}
