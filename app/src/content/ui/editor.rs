//! The chart editor: kind, title, dimensions, measures, sort and top N. It offers only what the
//! kind takes; the server checks again and says what is wrong.

use leptos::prelude::*;

use crate::components::ErrorBox;
use crate::content::api::save_chart;
use crate::content::model::*;
use crate::content::rules::shape;

fn blank(kind: ChartKind, fields: &[FieldInfo]) -> ChartSpec {
    let first_text = fields
        .iter()
        .find(|f| f.field_type == "text")
        .or(fields.first())
        .map(|f| f.name.clone())
        .unwrap_or_default();
    // A number of one table to add up; else a count of the first field.
    let (first_number, aggregation) = match fields
        .iter()
        .find(|f| f.is_numeric() && f.tables.len() == 1)
    {
        Some(f) => (f.name.clone(), Aggregation::Sum),
        None => (
            fields.first().map(|f| f.name.clone()).unwrap_or_default(),
            Aggregation::Count,
        ),
    };
    let ((dims, _), (measures, _)) = shape(kind);
    ChartSpec {
        kind,
        title: String::new(),
        dimensions: vec![first_text; dims],
        measures: vec![
            MeasureSpec {
                field: first_number,
                aggregation
            };
            measures
        ],
        sort_by: if kind == ChartKind::Line {
            SortBy::Dimension
        } else {
            SortBy::Measure
        },
        descending: kind != ChartKind::Line,
        top: None,
        hide_missing: false,
    }
}

/// Fits a spec to another kind, keeping what carries over.
fn reshape(mut spec: ChartSpec, kind: ChartKind, fields: &[FieldInfo]) -> ChartSpec {
    let fresh = blank(kind, fields);
    let ((dmin, dmax), (mmin, mmax)) = shape(kind);
    if kind == ChartKind::Line && spec.kind != ChartKind::Line {
        // A line runs along its dimension in order.
        spec.sort_by = SortBy::Dimension;
        spec.descending = false;
    }
    spec.kind = kind;
    spec.dimensions.truncate(dmax);
    while spec.dimensions.len() < dmin {
        spec.dimensions.push(fresh.dimensions[0].clone());
    }
    spec.measures.truncate(mmax);
    while spec.measures.len() < mmin {
        spec.measures.push(fresh.measures[0].clone());
    }
    spec
}

#[component]
pub fn ChartEditor(
    sheet_id: String,
    chart_id: Option<String>,
    spec: Option<ChartSpec>,
    fields: Vec<FieldInfo>,
    on_close: impl Fn(bool) + Send + Sync + Copy + 'static,
) -> impl IntoView {
    let fields = StoredValue::new(fields);
    let spec = RwSignal::new(spec.unwrap_or_else(|| blank(ChartKind::Bar, &fields.get_value())));
    let ids = StoredValue::new((sheet_id, chart_id.clone()));
    // Closing follows the save in the action itself, once: an effect on the result would run
    // again whenever anything it happened to read changed.
    let save = Action::new(move |spec: &ChartSpec| {
        let (sheet, chart) = ids.get_value();
        let spec = spec.clone();
        async move {
            let saved = save_chart(sheet, chart, spec).await;
            if saved.is_ok() {
                on_close(true);
            }
            saved
        }
    });
    let field_options = move |selected: String| {
        fields.get_value().into_iter().map(|f| {
            let is = f.name == selected;
            view! { <option value=f.name.clone() selected=is>{format!("{} ({})", f.name, f.field_type)}</option> }
        }).collect_view()
    };
    let heading = if chart_id.is_some() {
        "Edit chart"
    } else {
        "Add chart"
    };
    view! {
        <div class="dialog-backdrop">
            <form class="dialog chart-editor" role="dialog" aria-label=heading on:submit=move |ev| { ev.prevent_default(); save.dispatch(spec.get_untracked()); }>
                <h2>{heading}</h2>
                <label>"Type"
                    <select on:change=move |ev| {
                        if let Some(kind) = ChartKind::parse(&event_target_value(&ev)) {
                            spec.update(|s| *s = reshape(s.clone(), kind, &fields.get_value()));
                        }
                    }>
                        {ChartKind::ALL.into_iter().map(|k| view! { <option value=k.api_name() selected=move || spec.with(|s| s.kind == k)>{k.ui_name()}</option> }).collect_view()}
                    </select>
                </label>
                <label>"Title " <span class="muted">"(optional)"</span>
                    <input type="text" prop:value=move || spec.with(|s| s.title.clone()) on:input=move |ev| spec.update(|s| s.title = event_target_value(&ev))/>
                </label>
                {move || {
                    let current = spec.get();
                    let ((_, dmax), (mmin, mmax)) = shape(current.kind);
                    view! {
                        <fieldset>
                            <legend>{if dmax > 1 { "Dimensions" } else { "Dimension" }}</legend>
                            {current.dimensions.iter().enumerate().map(|(i, d)| view! {
                                <select aria-label=format!("Dimension {}", i + 1) on:change=move |ev| spec.update(|s| s.dimensions[i] = event_target_value(&ev))>{field_options(d.clone())}</select>
                            }).collect_view()}
                            {(current.dimensions.len() < dmax).then(|| view! {
                                <button type="button" class="button tiny" on:click=move |_| spec.update(|s| { let f = s.dimensions.last().cloned().unwrap_or_default(); s.dimensions.push(f); })>"+ Dimension"</button>
                            })}
                            {(current.dimensions.len() > 1).then(|| view! {
                                <button type="button" class="button tiny" on:click=move |_| spec.update(|s| { s.dimensions.pop(); })>"− Dimension"</button>
                            })}
                            {(dmax == 0).then(|| view! { <p class="muted small">"A KPI has no dimension: it shows one number."</p> })}
                        </fieldset>
                        {(mmax > 0).then(|| view! {
                            <fieldset>
                                <legend>"Measures"</legend>
                                {current.measures.iter().enumerate().map(|(i, m)| {
                                    let aggregation = m.aggregation;
                                    // Sums and averages only of numbers; counts of anything.
                                    let numeric = fields.with_value(|fs| fs.iter().any(|f| f.name == m.field && f.is_numeric()));
                                    view! {
                                        <div class="measure-row">
                                            <select aria-label=format!("Aggregation {}", i + 1) on:change=move |ev| {
                                                if let Some(a) = Aggregation::parse(&event_target_value(&ev)) { spec.update(|s| s.measures[i].aggregation = a); }
                                            }>
                                                {Aggregation::ALL.into_iter().filter(|a| numeric || !a.is_numeric()).map(|a| view! { <option value=a.api_name() selected=a == aggregation>{a.ui_name()}</option> }).collect_view()}
                                            </select>
                                            " of "
                                            <select aria-label=format!("Measure field {}", i + 1) on:change=move |ev| {
                                                let field = event_target_value(&ev);
                                                let numeric = fields.with_value(|fs| fs.iter().any(|f| f.name == field && f.is_numeric()));
                                                spec.update(|s| {
                                                    if !numeric && s.measures[i].aggregation.is_numeric() {
                                                        s.measures[i].aggregation = Aggregation::Count;
                                                    }
                                                    s.measures[i].field = field;
                                                });
                                            }>{field_options(m.field.clone())}</select>
                                        </div>
                                    }
                                }).collect_view()}
                                {(current.measures.len() < mmax).then(|| view! {
                                    <button type="button" class="button tiny" on:click=move |_| spec.update(|s| { let m = s.measures.last().cloned().unwrap_or(MeasureSpec { field: String::new(), aggregation: Aggregation::Count }); s.measures.push(m); })>"+ Measure"</button>
                                })}
                                {(current.measures.len() > mmin).then(|| view! {
                                    <button type="button" class="button tiny" on:click=move |_| spec.update(|s| { s.measures.pop(); })>"− Measure"</button>
                                })}
                            </fieldset>
                        })}
                        {(dmax > 0 && current.kind != ChartKind::FilterPane).then(|| view! {
                            <fieldset class="inline-fields">
                                <legend>"Order"</legend>
                                <label>"Sort by "
                                    <select on:change=move |ev| spec.update(|s| s.sort_by = if event_target_value(&ev) == "measure" { SortBy::Measure } else { SortBy::Dimension })>
                                        <option value="measure" selected=current.sort_by == SortBy::Measure>"First measure"</option>
                                        <option value="dimension" selected=current.sort_by == SortBy::Dimension>"Dimension values"</option>
                                    </select>
                                </label>
                                <label class="check"><input type="checkbox" prop:checked=current.descending on:change=move |ev| spec.update(|s| s.descending = event_target_checked(&ev))/>" Descending"</label>
                                <label>"Show the top "
                                    <input type="number" min="1" max="1000" class="narrow" placeholder="all" prop:value=current.top.map(|t| t.to_string()).unwrap_or_default()
                                        on:change=move |ev| spec.update(|s| s.top = event_target_value(&ev).trim().parse().ok())/>
                                </label>
                                <label class="check"><input type="checkbox" prop:checked=!current.hide_missing on:change=move |ev| spec.update(|s| s.hide_missing = !event_target_checked(&ev))/>" Show the row of records with no value (-)"</label>
                            </fieldset>
                        })}
                    }
                }}
                {move || match save.value().get() { Some(Err(error)) => Some(view! { <ErrorBox error/> }), _ => None }}
                <div class="dialog-actions">
                    <button type="button" class="button" on:click=move |_| on_close(false)>"Cancel"</button>
                    <button type="submit" class="button primary" disabled=move || save.pending().get()>{move || if save.pending().get() { "Saving…" } else { "Save chart" }}</button>
                </div>
            </form>
        </div>
    }
}
