//! Charts that are lists: a table, whose dimension cells select, and a filter pane, a field's
//! values in their states.

use leptos::prelude::*;

use super::{empty, number, toggler, CubeData, Mark, Selector};
use crate::content::model::{ListValue, ValueState};

/// A table: totals first, as Qlik shows them. A dimension cell is a button that toggles its
/// value; the cells are one roving tab stop, the arrow keys move across and down
/// (`data-columns`: the dimension cells in a row).
pub(super) fn table(cube: CubeData, selector: Selector) -> AnyView {
    if let Some(nothing) = empty(&cube) {
        return nothing;
    }
    let dims = cube.dimensions.len();
    let header = cube
        .dimensions
        .iter()
        .chain(&cube.measures)
        .enumerate()
        .map(|(i, h)| {
            let class = if i >= dims { "num" } else { "" };
            view! { <th scope="col" class=class>{h.clone()}</th> }
        })
        .collect_view();
    let totals = (!cube.measures.is_empty()).then(|| view! {
        <tr class="totals">
            <td colspan=dims>"Totals"</td>
            {cube.totals.iter().map(|t| view! { <td class="num">{number(cube.locale, *t, false)}</td> }).collect_view()}
        </tr>
    });
    let body = cube.rows.iter().enumerate().map(|(r, row)| {
        let cells = (0..dims).map(|d| {
            let label = row.labels.get(d).cloned().unwrap_or_default();
            let code = row.code(d);
            let chosen = code.is_some_and(|c| cube.selected[d].contains(&c));
            let mark = Mark::new(&cube.dimensions[d], code, chosen, r == 0 && d == 0);
            match code {
                Some(_) => {
                    let toggle = toggler(selector, cube.dimensions[d].clone(), code);
                    view! {
                        <td class="pick">
                            <button type="button" class="cell-pick" aria-pressed=mark.selected tabindex=mark.tabindex data-mark="" data-value=label.clone() data-field=mark.field data-code=mark.code on:click=move |_| toggle()>{label.clone()}</button>
                        </td>
                    }.into_any()
                }
                // Others, or the missing value: read, not selected.
                None => view! { <td><span class="cell-text" tabindex=mark.tabindex data-mark="" data-value=label.clone()>{label.clone()}</span></td> }.into_any(),
            }
        }).collect_view();
        view! { <tr>{cells}{row.values.iter().map(|v| view! { <td class="num">{number(cube.locale, *v, false)}</td> }).collect_view()}</tr> }
    }).collect_view();
    view! {
        <div class="table-scroll" tabindex="0" role="region" aria-label="Table, scrolls both ways">
            <table class="data-table" data-marks="" data-columns=dims>
                <thead><tr>{header}</tr></thead>
                <tbody>{totals}{body}</tbody>
            </table>
        </div>
    }
    .into_any()
}

/// A field's values in their states: green selected, white possible, grey excluded, said in
/// words too. A listbox: one tab stop, the arrow keys move, Enter or Space toggles.
#[component]
pub(super) fn FilterPane(
    field: String,
    values: Vec<ListValue>,
    more: usize,
    selector: Selector,
) -> impl IntoView {
    let query = RwSignal::new(String::new());
    let search_field = field.clone();
    let pane_field = field.clone();
    let items = values.into_iter().enumerate().map(|(i, v)| {
        let field = field.clone();
        let state = match v.state {
            ValueState::Selected => "selected",
            ValueState::Possible => "possible",
            ValueState::Excluded => "excluded",
        };
        let mark = Mark::new(&field, Some(v.code), state == "selected", i == 0);
        let toggle = toggler(selector, field, Some(v.code));
        view! {
            <li class=format!("value {state}") role="option" aria-selected=mark.selected tabindex=mark.tabindex data-mark="" data-value=v.label.clone() data-state=state data-field=mark.field data-code=mark.code on:click=move |_| toggle()>
                <span>{v.label.clone()}</span>
                {(state == "selected").then(|| view! { <span class="check" aria-hidden="true">"✓"</span> })}
                // Selected is said by the listbox; excluded (not associated with the
                // selections) in words, not only in grey.
                {(state == "excluded").then(|| view! { <span class="sr-only">", excluded"</span> })}
            </li>
        }
    }).collect_view();
    view! {
        <form class="pane-search" data-field=search_field.clone() on:submit=move |ev| {
            ev.prevent_default();
            let text = query.get_untracked();
            if !text.trim().is_empty() {
                selector.search.run((search_field.clone(), text));
                query.set(String::new());
            }
        }>
            <input type="search" placeholder="Search and press Enter" aria-label=format!("Search values of {pane_field}") prop:value=move || query.get() on:input=move |ev| query.set(event_target_value(&ev))/>
        </form>
        <ul class="pane-values" role="listbox" aria-multiselectable="true" aria-label=format!("Values of {pane_field}") data-marks="">{items}</ul>
        {(more > 0).then(|| view! { <p class="muted small">{format!("{more} more values: search to find them.")}</p> })}
    }
}
