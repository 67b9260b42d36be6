//! Charts of one dimension's values: bars, a line, a pie. Each is a listbox of its values
//! (`Mark`s), named and described, with its data behind "Show data".

use leptos::prelude::*;

use super::{
    about, color, empty, legend, number, spoken, toggler, top_of, truncate, CubeData, Mark,
    Selector, PALETTE,
};
use crate::content::model::ChartRow;

/// Horizontal bars, drawn as HTML rows: a label that wraps (its full text is the row's name and
/// tooltip), a bar per measure that stretches to the width there is, and the value. The text is
/// the page's own size at any width, and each row is a tap target the height of its text.
pub(super) fn bars(cube: CubeData, selector: Selector) -> AnyView {
    if let Some(nothing) = empty(&cube) {
        return nothing;
    }
    let field = cube.dimensions[0].clone();
    let locale = cube.locale;
    let max = top_of(&cube.rows, cube.measures.len());
    let any_selected = !cube.selected[0].is_empty();
    let items = cube.rows.iter().enumerate().map(|(i, row)| {
        let label = row.labels.join(" / ");
        let code = row.code(0);
        let chosen = cube.chosen(row);
        let mark = Mark::new(&field, code, chosen, i == 0);
        let class = if row.others {
            "bar others"
        } else if any_selected && chosen {
            "bar selected"
        } else {
            "bar"
        };
        let toggle = toggler(selector, field.clone(), code);
        let name = spoken(locale, &label, &row.values);
        let lines = row.values.iter().enumerate().map(|(m, v)| {
            let width = format!("{:.2}", (v.unwrap_or(0.0).max(0.0) / max * 100.0).max(0.4));
            view! {
                <span class="bar-line">
                    <svg class="bar-track" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true"><rect width=width height="10" fill=color(m)></rect></svg>
                    <span class="bar-value">{number(locale, *v, true)}</span>
                </span>
            }
        }).collect_view();
        view! {
            <li class=class role="option" aria-selected=mark.selected aria-disabled=row.others.then_some("true") tabindex=mark.tabindex data-mark="" data-value=label.clone() data-field=mark.field data-code=mark.code aria-label=name on:click=move |_| toggle()>
                <span class="bar-label" aria-hidden="true">{label.clone()}</span>
                <span class="bar-lines" aria-hidden="true">{lines}</span>
            </li>
        }
    }).collect_view();
    view! {
        <ul class="bars" role="listbox" aria-multiselectable="true" aria-label=cube.name("Bar chart") aria-describedby=cube.about.clone() data-marks="">{items}</ul>
        {legend(&cube.measures)}
        {about("Bar chart", &cube, &cube.rows, selector)}
    }
    .into_any()
}

/// Lines over the dimension's values in order, a point per value, four gridlines. Each value
/// is a band the plot's height (its tap target), holding its points.
pub(super) fn line(mut cube: CubeData, selector: Selector) -> AnyView {
    let rows: Vec<ChartRow> = std::mem::take(&mut cube.rows)
        .into_iter()
        .filter(|r| !r.others)
        .collect();
    if rows.is_empty() {
        return view! { <p class="chart-empty">"No data under the current selections."</p> }
            .into_any();
    }
    let field = cube.dimensions[0].clone();
    let locale = cube.locale;
    let measures = cube.measures.len();
    let (left, top, w, h) = (56.0, 10.0, 420.0, 190.0);
    let max = top_of(&rows, measures);
    let n = rows.len();
    let x = move |i: usize| {
        left + if n == 1 {
            w / 2.0
        } else {
            w * i as f64 / (n - 1) as f64
        }
    };
    // Half the distance between two values, so that the bands meet (and no wider than a bar).
    let half = if n == 1 {
        30.0
    } else {
        (w / (n - 1) as f64 / 2.0).min(30.0)
    };
    let y = move |v: f64| top + h - (v.max(0.0) / max) * h;
    let grid = (0..=4).map(|g| {
        let value = max * g as f64 / 4.0;
        // On a narrow chart, every other gridline's number (`style/main.css`).
        let class = if g % 2 == 1 { "axis-label minor" } else { "axis-label" };
        view! {
            <line class="grid" x1=left x2=left + w y1=y(value) y2=y(value)></line>
            <text class=class x=left - 6.0 y=y(value) + 4.0 text-anchor="end">{locale.format(value, true)}</text>
        }
    }).collect_view();
    let step = n.div_ceil(6).max(1);
    let ticks = rows.iter().enumerate().filter(|(i, _)| i % step == 0).map(|(i, r)| {
        // The last label ends at the plot's edge rather than running past it.
        let anchor = if n > 1 && i == n - 1 { "end" } else { "middle" };
        let class = if (i / step) % 2 == 1 { "axis-label minor" } else { "axis-label" };
        view! { <text class=class x=x(i) y=top + h + 16.0 text-anchor=anchor>{truncate(&r.labels.join(" / "), 12)}</text> }
    }).collect_view();
    let lines = (0..measures).map(|m| {
        let points: String = rows.iter().enumerate().filter_map(|(i, r)| r.values[m].map(|v| format!("{:.1},{:.1}", x(i), y(v)))).collect::<Vec<_>>().join(" ");
        view! { <polyline points=points fill="none" stroke=color(m) stroke-width="2"></polyline> }
    }).collect_view();
    let points = rows.iter().enumerate().map(|(i, r)| {
        let label = r.labels.join(" / ");
        let code = r.code(0);
        let mark = Mark::new(&field, code, cube.chosen(r), i == 0);
        let toggle = toggler(selector, field.clone(), code);
        let name = spoken(locale, &label, &r.values);
        let dots = r.values.iter().enumerate().filter_map(|(m, v)| {
            let v = (*v)?;
            Some(view! { <circle class="point" cx=x(i) cy=y(v) r="4" fill=color(m)></circle> })
        }).collect_view();
        view! {
            <g class="point-mark" role="option" aria-selected=mark.selected tabindex=mark.tabindex data-mark="" data-value=label data-field=mark.field data-code=mark.code aria-label=name.clone() on:click=move |_| toggle()>
                // The tooltip, on the band: an option's content is not read, its label is.
                <rect class="hit" x=x(i) - half y=top width=2.0 * half height=h><title>{name.clone()}</title></rect>
                {dots}
            </g>
        }
    }).collect_view();
    view! {
        <svg class="plot" viewBox=format!("0 0 {} {}", left + w + 24.0, top + h + 24.0) role="group" aria-label=cube.name("Line chart") aria-describedby=cube.about.clone()>
            <g aria-hidden="true">{grid}{ticks}{lines}</g>
            <g role="listbox" aria-multiselectable="true" aria-label=format!("Values of {field}") data-marks="">{points}</g>
        </svg>
        {legend(&cube.measures)}
        {about("Line chart", &cube, &rows, selector)}
    }
    .into_any()
}

/// Slices, and a legend that gives each value's share. A legend entry selects as its slice
/// does: a tap target of a readable size however thin the slice.
pub(super) fn pie(cube: CubeData, selector: Selector) -> AnyView {
    if let Some(nothing) = empty(&cube) {
        return nothing;
    }
    let field = cube.dimensions[0].clone();
    let total: f64 = cube
        .rows
        .iter()
        .map(|r| r.values[0].unwrap_or(0.0).max(0.0))
        .sum();
    if total <= 0.0 {
        return view! { <p class="chart-empty">"Nothing to divide: every value is zero or less."</p> }.into_any();
    }
    let (cx, cy, radius) = (100.0, 100.0, 92.0);
    let mut angle = -std::f64::consts::FRAC_PI_2;
    let mut slices = Vec::new();
    let mut items = Vec::new();
    for (i, row) in cube.rows.iter().enumerate() {
        let value = row.values[0].unwrap_or(0.0).max(0.0);
        let share = value / total;
        let sweep = share * std::f64::consts::TAU;
        let (x1, y1) = (cx + radius * angle.cos(), cy + radius * angle.sin());
        angle += sweep;
        let (x2, y2) = (cx + radius * angle.cos(), cy + radius * angle.sin());
        let large = if sweep > std::f64::consts::PI { 1 } else { 0 };
        let path = if share >= 0.9999 {
            format!(
                "M {cx} {} A {radius} {radius} 0 1 1 {cx} {} A {radius} {radius} 0 1 1 {cx} {} Z",
                cy - radius,
                cy + radius,
                cy - radius
            )
        } else {
            format!(
                "M {cx} {cy} L {x1:.2} {y1:.2} A {radius} {radius} 0 {large} 1 {x2:.2} {y2:.2} Z"
            )
        };
        let label = row.labels.join(" / ");
        let code = row.code(0);
        let name = format!(
            "{label}: {} ({:.1}%)",
            cube.locale.format(value, false),
            share * 100.0
        );
        let mark = Mark::new(&field, code, cube.chosen(row), i == 0);
        let (slice_toggle, item_toggle) = (
            toggler(selector, field.clone(), code),
            toggler(selector, field.clone(), code),
        );
        slices.push(view! {
            <path class="slice" d=path fill=color(i) role="option" aria-selected=mark.selected aria-disabled=row.others.then_some("true") tabindex=mark.tabindex data-mark="" data-value=label.clone() data-field=mark.field.clone() data-code=mark.code.clone() on:click=move |_| slice_toggle()><title>{name}</title></path>
        });
        items.push(view! {
            <li class="legend-item" data-field=mark.field data-code=mark.code on:click=move |_| item_toggle()><span class=format!("swatch c{}", i % PALETTE.len())></span><span class="legend-label">{truncate(&label, 24)}</span><span class="muted">{format!(" {:.0}%", share * 100.0)}</span></li>
        });
    }
    view! {
        <div class="pie">
            <svg class="plot pie-plot" viewBox="0 0 200 200" role="listbox" aria-multiselectable="true" aria-label=cube.name("Pie chart") aria-describedby=cube.about.clone() data-marks="">{slices}</svg>
            // The slices say the same to a screen reader, and are reached by keyboard.
            <ul class="legend pie-legend" aria-hidden="true">{items}</ul>
        </div>
        {about("Pie chart", &cube, &cube.rows, selector)}
    }
    .into_any()
}
