//! Charts as SVG and HTML, drawn from computed chart data: the same code renders the first
//! paint on the server and every update in the browser. A click on a bar, slice, point, row or
//! value asks to toggle that value in the viewer's selections.

use leptos::prelude::*;

use crate::content::model::*;
use crate::content::rules::{chart_title, format_number};

/// What a chart asks of its sheet: toggle a value of a field, or select by search.
#[derive(Clone, Copy)]
pub struct Selector {
    pub toggle: Callback<(String, u32)>,
    pub search: Callback<(String, String)>,
}

/// Series colours; style/main.css has the same, as `.swatch.c0` to `.c7` (the CSP allows no
/// inline styles, so legends use classes; SVG shapes use `fill`).
const PALETTE: [&str; 8] = [
    "#2f6fdf", "#e0773b", "#2aa876", "#b04fc4", "#d4a21c", "#d94c5e", "#3aa6b9", "#7a8494",
];

fn color(i: usize) -> &'static str {
    PALETTE[i % PALETTE.len()]
}

/// The field and code a click on a mark toggles, as the mark's `data-field` and `data-code`:
/// visitor pages, which run no WASM, select through them (`assets/visitor.js`). None for a mark
/// that selects nothing (Others).
fn pick(field: &str, code: Option<u32>) -> (Option<String>, Option<String>) {
    match code {
        Some(code) => (Some(field.to_string()), Some(code.to_string())),
        None => (None, None),
    }
}

fn number(value: Option<f64>, compact: bool) -> String {
    value
        .map(|v| format_number(v, compact))
        .unwrap_or_else(|| "-".into())
}

/// A chart in its frame: title, then the drawing its kind calls for.
#[component]
pub fn Chart(chart: ChartView, selector: Selector) -> impl IntoView {
    let title = chart_title(&chart.spec);
    let kind = chart.spec.kind;
    let body = match chart.data {
        ChartData::Problem(message) => view! { <p class="chart-problem">{message}</p> }.into_any(),
        ChartData::List {
            field,
            values,
            more,
        } => view! { <FilterPane field values more selector/> }.into_any(),
        ChartData::Cube {
            dimensions,
            measures,
            rows,
            totals,
            selected,
        } => {
            let cube = CubeData {
                dimensions,
                measures,
                rows,
                totals,
                selected,
            };
            match kind {
                ChartKind::Kpi => kpi(&cube).into_any(),
                ChartKind::Bar => bars(cube, selector).into_any(),
                ChartKind::Line => line(cube, selector).into_any(),
                ChartKind::Pie => pie(cube, selector).into_any(),
                ChartKind::Table | ChartKind::FilterPane => table(cube, selector).into_any(),
            }
        }
    };
    let caption = title.clone();
    view! {
        <figure class=format!("chart chart-{}", kind.api_name()) data-chart=title>
            <figcaption>{caption}</figcaption>
            <div class="chart-body">{body}</div>
        </figure>
    }
}

struct CubeData {
    dimensions: Vec<String>,
    measures: Vec<String>,
    rows: Vec<ChartRow>,
    totals: Vec<Option<f64>>,
    selected: Vec<Vec<u32>>,
}

fn empty(cube: &CubeData) -> Option<AnyView> {
    cube.rows.is_empty().then(|| {
        view! { <p class="chart-empty">"No data under the current selections."</p> }.into_any()
    })
}

fn kpi(cube: &CubeData) -> impl IntoView {
    let value = cube.totals.first().copied().flatten();
    view! {
        <div class="kpi">
            <span class="kpi-value" title=number(value, false)>{number(value, true)}</span>
            <span class="kpi-label">{cube.measures.first().cloned().unwrap_or_default()}</span>
        </div>
    }
}

/// The largest value to scale to (at least something above zero).
fn top_of(rows: &[ChartRow], measures: usize) -> f64 {
    rows.iter()
        .flat_map(|r| r.values.iter().take(measures).flatten())
        .fold(0.0f64, |a, b| a.max(*b))
        .max(f64::MIN_POSITIVE)
}

fn legend(measures: &[String]) -> impl IntoView {
    (measures.len() > 1).then(|| {
        view! {
            <ul class="legend">
                {measures.iter().enumerate().map(|(i, m)| view! { <li><span class=format!("swatch c{}", i % PALETTE.len())></span>{m.clone()}</li> }).collect_view()}
            </ul>
        }
    })
}

/// Horizontal bars: category labels stay readable however many there are.
fn bars(cube: CubeData, selector: Selector) -> impl IntoView {
    if let Some(nothing) = empty(&cube) {
        return nothing;
    }
    let field = cube.dimensions[0].clone();
    let measures = cube.measures.len();
    let band = 12.0 * measures as f64 + 10.0;
    let height = band * cube.rows.len() as f64 + 8.0;
    let (label_w, plot_w) = (150.0, 340.0);
    let max = top_of(&cube.rows, measures);
    let any_selected = !cube.selected[0].is_empty();
    let description = described("Bar chart", &cube, &cube.rows);
    let rows = cube.rows.into_iter().enumerate().map(|(i, row)| {
        let y = 4.0 + band * i as f64;
        let label = row.labels.join(" / ");
        let code = row.code(0);
        let selected = code.is_some_and(|c| cube.selected[0].contains(&c));
        let field = field.clone();
        let (pick_field, pick_code) = pick(&field, code);
        let on_click = move |_| {
            if let Some(code) = code {
                selector.toggle.run((field.clone(), code));
            }
        };
        let tip = format!("{label}: {}", row.values.iter().map(|v| number(*v, false)).collect::<Vec<_>>().join(" · "));
        view! {
            <g class=if row.others { "bar others" } else if any_selected && selected { "bar selected" } else { "bar" } on:click=on_click data-value=label.clone() data-field=pick_field data-code=pick_code>
                <title>{tip}</title>
                <rect class="hit" x="0" y=y width=label_w + plot_w + 70.0 height=band></rect>
                <text class="axis-label" x=label_w - 8.0 y=y + band / 2.0 + 4.0 text-anchor="end">{truncate(&label, 22)}</text>
                {row.values.iter().enumerate().map(|(m, v)| {
                    let w = (v.unwrap_or(0.0).max(0.0) / max * plot_w).max(1.0);
                    let by = y + 5.0 + 12.0 * m as f64;
                    view! {
                        <rect x=label_w y=by width=w height="10" rx="2" fill=color(m)></rect>
                        <text class="value-label" x=label_w + w + 4.0 y=by + 9.0>{number(*v, true)}</text>
                    }
                }).collect_view()}
            </g>
        }
    }).collect_view();
    view! {
        <svg class="plot" viewBox=format!("0 0 {} {height}", label_w + plot_w + 70.0) role="img" aria-label=description>{rows}</svg>
        {legend(&cube.measures)}
    }
    .into_any()
}

/// How many of a chart's values its description says.
const SAID: usize = 8;

/// What a chart shows, in words, as its accessible name: its kind, what is measured by what, and
/// its values (the first few), with a selected value said to be selected. A screen reader reads
/// this where a sighted person reads the bars.
fn described(kind: &str, cube: &CubeData, rows: &[ChartRow]) -> String {
    let selected = &cube.selected[0];
    let values: Vec<String> = rows
        .iter()
        .take(SAID)
        .map(|r| {
            let numbers: Vec<String> = r.values.iter().map(|v| number(*v, false)).collect();
            let chosen = r.code(0).is_some_and(|c| selected.contains(&c));
            format!(
                "{} {}{}",
                r.labels.join(" / "),
                numbers.join(" and "),
                if chosen { " (selected)" } else { "" }
            )
        })
        .collect();
    let more = match rows.len().saturating_sub(SAID) {
        0 => String::new(),
        n => format!(", and {n} more"),
    };
    format!(
        "{kind} of {} by {}: {}{more}.",
        cube.measures.join(" and "),
        cube.dimensions.join(" and "),
        values.join(", ")
    )
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(max - 1).collect::<String>())
    }
}

/// Lines over the dimension's values in order, a point per value, four gridlines.
fn line(mut cube: CubeData, selector: Selector) -> impl IntoView {
    let rows: Vec<ChartRow> = std::mem::take(&mut cube.rows)
        .into_iter()
        .filter(|r| !r.others)
        .collect();
    if rows.is_empty() {
        return view! { <p class="chart-empty">"No data under the current selections."</p> }
            .into_any();
    }
    let field = cube.dimensions[0].clone();
    let measures = cube.measures.len();
    let description = described("Line chart", &cube, &rows);
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
    let y = move |v: f64| top + h - (v.max(0.0) / max) * h;
    let grid = (0..=4).map(|g| {
        let value = max * g as f64 / 4.0;
        view! {
            <line class="grid" x1=left x2=left + w y1=y(value) y2=y(value)></line>
            <text class="axis-label" x=left - 6.0 y=y(value) + 4.0 text-anchor="end">{format_number(value, true)}</text>
        }
    }).collect_view();
    let step = n.div_ceil(6).max(1);
    let ticks = rows.iter().enumerate().filter(|(i, _)| i % step == 0).map(|(i, r)| {
        // The last label ends at the plot's edge rather than running past it.
        let anchor = if n > 1 && i == n - 1 { "end" } else { "middle" };
        view! { <text class="axis-label" x=x(i) y=top + h + 16.0 text-anchor=anchor>{truncate(&r.labels.join(" / "), 12)}</text> }
    }).collect_view();
    let lines = (0..measures).map(|m| {
        let points: String = rows.iter().enumerate().filter_map(|(i, r)| r.values[m].map(|v| format!("{:.1},{:.1}", x(i), y(v)))).collect::<Vec<_>>().join(" ");
        view! { <polyline points=points fill="none" stroke=color(m) stroke-width="2"></polyline> }
    }).collect_view();
    let dots = rows.iter().enumerate().flat_map(|(i, r)| {
        let field = field.clone();
        let label = r.labels.join(" / ");
        let code = r.code(0);
        r.values.iter().enumerate().filter_map(move |(m, v)| {
            let v = (*v)?;
            let field = field.clone();
            let tip = format!("{label}: {}", format_number(v, false));
            let (pick_field, pick_code) = pick(&field, code);
            Some(view! {
                <circle class="point" cx=x(i) cy=y(v) r="4" fill=color(m) data-value=label.clone() data-field=pick_field data-code=pick_code on:click=move |_| {
                    if let Some(code) = code {
                        selector.toggle.run((field.clone(), code));
                    }
                }><title>{tip}</title></circle>
            })
        }).collect::<Vec<_>>()
    }).collect_view();
    view! {
        <svg class="plot" viewBox=format!("0 0 {} {}", left + w + 24.0, top + h + 24.0) role="img" aria-label=description>{grid}{ticks}{lines}{dots}</svg>
        {legend(&cube.measures)}
    }
    .into_any()
}

/// Slices with a legend that gives each value's share.
fn pie(cube: CubeData, selector: Selector) -> impl IntoView {
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
    let description = described("Pie chart", &cube, &cube.rows);
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
        let tip = format!(
            "{label}: {} ({:.1}%)",
            format_number(value, false),
            share * 100.0
        );
        let (f1, f2) = (field.clone(), field.clone());
        let click = move |f: String| {
            if let Some(code) = code {
                selector.toggle.run((f, code));
            }
        };
        let (pick_field, pick_code) = pick(&field, code);
        slices.push(view! { <path class="slice" d=path fill=color(i) data-value=label.clone() data-field=pick_field.clone() data-code=pick_code.clone() on:click=move |_| click(f1.clone())><title>{tip}</title></path> });
        items.push(view! {
            <li class="legend-item" data-field=pick_field data-code=pick_code on:click=move |_| click(f2.clone())><span class=format!("swatch c{}", i % PALETTE.len())></span>{truncate(&label, 24)}<span class="muted">{format!(" {:.0}%", share * 100.0)}</span></li>
        });
    }
    view! {
        <div class="pie">
            <svg class="plot pie-plot" viewBox="0 0 200 200" role="img" aria-label=description>{slices}</svg>
            <ul class="legend pie-legend">{items}</ul>
        </div>
    }
    .into_any()
}

/// A table: totals first, as Qlik shows them; a click on a dimension cell toggles that value.
fn table(cube: CubeData, selector: Selector) -> impl IntoView {
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
            view! { <th class=class>{h.clone()}</th> }
        })
        .collect_view();
    let totals = (!cube.measures.is_empty()).then(|| view! {
        <tr class="totals">
            <td colspan=dims>"Totals"</td>
            {cube.totals.iter().map(|t| view! { <td class="num">{number(*t, false)}</td> }).collect_view()}
        </tr>
    });
    let body = cube.rows.into_iter().map(|row| {
        let cells = (0..dims).map(|d| {
            let label = row.labels.get(d).cloned().unwrap_or_default();
            let code = row.code(d);
            let field = cube.dimensions[d].clone();
            let (pick_field, pick_code) = pick(&field, code);
            view! {
                <td class=if code.is_some() { "pick" } else { "" } data-value=label.clone() data-field=pick_field data-code=pick_code on:click=move |_| {
                    if let Some(code) = code {
                        selector.toggle.run((field.clone(), code));
                    }
                }>{label.clone()}</td>
            }
        }).collect_view();
        view! { <tr>{cells}{row.values.iter().map(|v| view! { <td class="num">{number(*v, false)}</td> }).collect_view()}</tr> }
    }).collect_view();
    view! {
        <div class="table-scroll" tabindex="0" role="region" aria-label="Table, scrolls">
            <table class="data-table">
                <thead><tr>{header}</tr></thead>
                <tbody>{totals}{body}</tbody>
            </table>
        </div>
    }
    .into_any()
}

/// A field's values in their states: green selected, white possible, grey excluded.
#[component]
fn FilterPane(
    field: String,
    values: Vec<ListValue>,
    more: usize,
    selector: Selector,
) -> impl IntoView {
    let query = RwSignal::new(String::new());
    let search_field = field.clone();
    let pane_field = field.clone();
    let items = values.into_iter().map(|v| {
        let field = field.clone();
        let state = match v.state {
            ValueState::Selected => "selected",
            ValueState::Possible => "possible",
            ValueState::Excluded => "excluded",
        };
        let code = v.code;
        view! {
            <li class=format!("value {state}") data-value=v.label.clone() data-state=state data-field=field.clone() data-code=code.to_string() on:click=move |_| selector.toggle.run((field.clone(), code))>
                <span>{v.label.clone()}</span>
                {(state == "selected").then(|| view! { <span class="check" aria-hidden="true">"✓"</span> })}
                // The state in words, not only in colour (possible is what a value is unless said).
                {(state != "possible").then(|| view! { <span class="sr-only">{format!(", {state}")}</span> })}
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
            <input type="search" placeholder="Search and press Enter" aria-label="Search values" prop:value=move || query.get() on:input=move |ev| query.set(event_target_value(&ev))/>
        </form>
        <ul class="pane-values" tabindex="0" aria-label=format!("Values of {pane_field}")>{items}</ul>
        {(more > 0).then(|| view! { <p class="muted small">{format!("{more} more values: search to find them.")}</p> })}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(label: &str, code: u32, value: f64) -> ChartRow {
        ChartRow {
            labels: vec![label.into()],
            codes: vec![code],
            others: false,
            values: vec![Some(value)],
        }
    }

    #[test]
    fn a_chart_says_what_it_shows_in_words() {
        let cube = |rows: Vec<ChartRow>, selected: Vec<u32>| CubeData {
            dimensions: vec!["Segment".into()],
            measures: vec!["Count of OrderId".into()],
            rows,
            totals: vec![],
            selected: vec![selected],
        };
        let two = cube(
            vec![row("Retail", 0, 45812.0), row("Wholesale", 1, 39500.0)],
            vec![1],
        );
        assert_eq!(
            described("Bar chart", &two, &two.rows),
            "Bar chart of Count of OrderId by Segment: Retail 45,812, Wholesale 39,500 (selected)."
        );
        let many: Vec<ChartRow> = (0..11).map(|i| row(&format!("M{i}"), i, 1.0)).collect();
        let many = cube(many, vec![]);
        let said = described("Line chart", &many, &many.rows);
        assert!(said.ends_with("M7 1, and 3 more."), "{said}");
    }
}
