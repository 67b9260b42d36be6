//! Charts as HTML and SVG, drawn from computed chart data: the same code renders the first
//! paint on the server and every update in the browser. A click on a bar, slice, point, table
//! cell or value, or Enter or Space on it, asks to toggle that value in the viewer's selections.
//!
//! Every chart is read three ways: by its marks (each a `Mark`: reached with Tab and the arrow
//! keys, `assets/marks.js`, and named with its value), by a sentence that says what it shows
//! (`described`), and by its data as a table behind "Show data" (`data_table`).

mod lists;
mod series;

use leptos::prelude::*;

use crate::content::model::*;
use crate::content::rules::{chart_title, Locale};

/// What a chart asks of its sheet: toggle a value of a field, or select by search.
#[derive(Clone, Copy)]
pub struct Selector {
    pub toggle: Callback<(String, u32)>,
    pub search: Callback<(String, String)>,
}

/// Series colours; style/main.css has the same, as `.swatch.c0` to `.c7` (the CSP allows no
/// inline styles, so legends use classes; SVG shapes use `fill`). Each stands out at least 3:1
/// from the light and the dark theme's chart background (WCAG 1.4.11; tested below).
const PALETTE: [&str; 8] = [
    "#2f6fdf", "#c8621f", "#1e8a5f", "#b04fc4", "#a8820f", "#d94c5e", "#2a879a", "#7a8494",
];

fn color(i: usize) -> &'static str {
    PALETTE[i % PALETTE.len()]
}

/// A drawn value as mouse and keyboard select it alike. `data-field` and `data-code` say what a
/// click toggles (visitor pages, which run no WASM, select through them: `assets/visitor.js`);
/// none for a mark that selects nothing (Others, the missing value). `data-mark` puts it in its
/// chart's roving tab order (`assets/marks.js`): the chart's first mark takes Tab, the arrow
/// keys move inside. `selected` is said to assistive technology (`aria-selected`).
struct Mark {
    field: Option<String>,
    code: Option<String>,
    tabindex: &'static str,
    selected: &'static str,
}

impl Mark {
    fn new(field: &str, code: Option<u32>, selected: bool, first: bool) -> Mark {
        Mark {
            field: code.map(|_| field.to_string()),
            code: code.map(|c| c.to_string()),
            tabindex: if first { "0" } else { "-1" },
            selected: if selected { "true" } else { "false" },
        }
    }
}

/// Runs the selector's toggle for a mark that selects something.
fn toggler(selector: Selector, field: String, code: Option<u32>) -> impl Fn() + Clone + 'static {
    move || {
        if let Some(code) = code {
            selector.toggle.run((field.clone(), code));
        }
    }
}

fn number(locale: Locale, value: Option<f64>, compact: bool) -> String {
    value
        .map(|v| locale.format(v, compact))
        .unwrap_or_else(|| "-".into())
}

/// A value's label with its measures in full, as a mark's name and tooltip.
fn spoken(locale: Locale, label: &str, values: &[Option<f64>]) -> String {
    let numbers: Vec<String> = values.iter().map(|v| number(locale, *v, false)).collect();
    format!("{label}: {}", numbers.join(" · "))
}

/// The reader's way of writing numbers, which a page's shell provides to its charts: on the
/// server from the request (an address's `locale`, else `Accept-Language`); in the browser from
/// what the server wrote on the page (`data-locale` on the body), so that hydration and every
/// update after it write numbers as the first paint did.
pub fn reader_locale() -> Locale {
    #[cfg(feature = "ssr")]
    {
        let Some(parts) = crate::server_support::parts() else {
            return Locale::ENGLISH;
        };
        let accept = parts
            .headers
            .get(http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok());
        Locale::of_request(parts.uri.query(), accept)
    }
    #[cfg(not(feature = "ssr"))]
    {
        document()
            .body()
            .and_then(|body| body.get_attribute("data-locale"))
            .map(|code| Locale::from_code(&code))
            .unwrap_or_default()
    }
}

/// A value as the reader reads it: a date in their order, anything else as the data has it.
pub fn written(locale: Locale, kind: ValueKind, label: &str) -> String {
    match kind {
        ValueKind::Date => locale.date(label),
        ValueKind::Text => label.to_string(),
    }
}

/// A chart in its frame: title, then the drawing its kind calls for.
#[component]
pub fn Chart(chart: ChartView, selector: Selector) -> impl IntoView {
    let title = chart_title(&chart.spec);
    let kind = chart.spec.kind;
    let about = format!("about-{}", chart.id);
    let locale = use_context::<Locale>().unwrap_or_default();
    let body = match chart.data {
        ChartData::Problem(message) => view! { <p class="chart-problem">{message}</p> }.into_any(),
        ChartData::List {
            field,
            mut values,
            more,
            kind,
        } => {
            for value in &mut values {
                value.label = written(locale, kind, &value.label);
            }
            view! { <lists::FilterPane field values more selector/> }.into_any()
        }
        ChartData::Cube {
            dimensions,
            measures,
            mut rows,
            totals,
            selected,
            kinds,
        } => {
            for row in rows.iter_mut().filter(|row| !row.others) {
                for (label, kind) in row.labels.iter_mut().zip(&kinds) {
                    *label = written(locale, *kind, label);
                }
            }
            let cube = CubeData {
                dimensions,
                measures,
                rows,
                totals,
                selected,
                about,
                locale,
            };
            match kind {
                ChartKind::Kpi => kpi(&cube).into_any(),
                ChartKind::Bar => series::bars(cube, selector).into_any(),
                ChartKind::Line => series::line(cube, selector).into_any(),
                ChartKind::Pie => series::pie(cube, selector).into_any(),
                ChartKind::Table | ChartKind::FilterPane => lists::table(cube, selector).into_any(),
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
    /// The id of the sentence that describes the chart (`aria-describedby`).
    about: String,
    /// How the reader writes numbers.
    locale: Locale,
}

impl CubeData {
    /// Whether the row's first dimension value is selected.
    fn chosen(&self, row: &ChartRow) -> bool {
        row.code(0).is_some_and(|c| self.selected[0].contains(&c))
    }

    /// The chart's accessible name: "Bar chart of Sales by Segment".
    fn name(&self, kind: &str) -> String {
        format!(
            "{kind} of {} by {}",
            self.measures.join(" and "),
            self.dimensions.join(" and ")
        )
    }
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
            <span class="kpi-value" title=number(cube.locale, value, false)>{number(cube.locale, value, true)}</span>
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
            <ul class="legend" aria-hidden="true">
                {measures.iter().enumerate().map(|(i, m)| view! { <li><span class=format!("swatch c{}", i % PALETTE.len())></span>{m.clone()}</li> }).collect_view()}
            </ul>
        }
    })
}

/// How many of a chart's values its description says.
const SAID: usize = 8;

/// What a chart shows, in words: its kind, what is measured by what, and its values (the first
/// few), with a selected value said to be selected. A screen reader reads this where a sighted
/// person glances at the bars; the whole data is behind "Show data".
fn described(kind: &str, cube: &CubeData, rows: &[ChartRow]) -> String {
    let values: Vec<String> = rows
        .iter()
        .take(SAID)
        .map(|r| {
            let numbers: Vec<String> = r
                .values
                .iter()
                .map(|v| number(cube.locale, *v, false))
                .collect();
            format!(
                "{} {}{}",
                r.labels.join(" / "),
                numbers.join(" and "),
                if cube.chosen(r) { " (selected)" } else { "" }
            )
        })
        .collect();
    let more = match rows.len().saturating_sub(SAID) {
        0 => String::new(),
        n => format!(", and {n} more"),
    };
    format!("{}: {}{more}.", cube.name(kind), values.join(", "))
}

/// The sentence that describes a chart, for screen readers (`aria-describedby`), and the
/// chart's data as a table anyone can open.
fn about(kind: &str, cube: &CubeData, rows: &[ChartRow], selector: Selector) -> impl IntoView {
    let described = described(kind, cube, rows);
    view! {
        // Read as the chart's description only (`aria-describedby` reads hidden text), not a
        // second time in the page's flow.
        <p class="sr-only" id=cube.about.clone() aria-hidden="true">{described}</p>
        {data_table(cube, rows, selector)}
    }
}

/// A chart's values as a table behind "Show data": what a screen reader reads row by row, what
/// anyone checks a bar against, and where a value too thin to tap on a phone (a point among
/// many, a sliver of a pie) is selected instead: each row's value is a button (WCAG 2.5.8's
/// equivalent control). It opens without script (`details`).
fn data_table(cube: &CubeData, rows: &[ChartRow], selector: Selector) -> impl IntoView {
    let header = cube
        .dimensions
        .iter()
        .map(|d| view! { <th scope="col">{d.clone()}</th> })
        .chain(
            cube.measures
                .iter()
                .map(|m| view! { <th scope="col" class="num">{m.clone()}</th> }),
        )
        .collect_view();
    let field = &cube.dimensions[0];
    let body = rows
        .iter()
        .map(|row| {
            let label = row.labels.join(" / ");
            let code = row.code(0);
            let mark = Mark::new(field, code, cube.chosen(row), false);
            let toggle = toggler(selector, field.clone(), code);
            let value = match code {
                Some(_) => view! {
                    <button type="button" class="cell-pick" aria-pressed=mark.selected data-value=label.clone() data-field=mark.field data-code=mark.code on:click=move |_| toggle()>{label.clone()}</button>
                }
                .into_any(),
                None => view! { <span class="cell-text">{label}</span> }.into_any(),
            };
            view! {
                <tr>
                    <th scope="row" class="pick">{value}</th>
                    {row.values.iter().map(|v| view! { <td class="num">{number(cube.locale, *v, false)}</td> }).collect_view()}
                </tr>
            }
        })
        .collect_view();
    view! {
        <details class="chart-data">
            <summary>"Show data"</summary>
            <div class="table-scroll" tabindex="0" role="region" aria-label="The chart's data">
                <table class="data-table">
                    <thead><tr>{header}</tr></thead>
                    <tbody>{body}</tbody>
                </table>
            </div>
        </details>
    }
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(max - 1).collect::<String>())
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
            about: "about-1".into(),
            locale: Locale::ENGLISH,
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
        assert_eq!(
            spoken(Locale::ENGLISH, "Retail", &[Some(45812.0), None]),
            "Retail: 45,812 · -"
        );
        let german = CubeData {
            locale: Locale::of_tag("de").unwrap(),
            ..cube(vec![row("Retail", 0, 45812.5)], vec![])
        };
        assert_eq!(
            described("Bar chart", &german, &german.rows),
            "Bar chart of Count of OrderId by Segment: Retail 45.812,5."
        );
    }

    /// A chart drawn on the server as a reader of `tag` reads it.
    #[cfg(feature = "ssr")]
    fn drawn(chart: ChartView, tag: &str) -> String {
        let owner = Owner::new();
        owner.with(|| {
            provide_context(Locale::of_tag(tag).unwrap());
            let selector = Selector {
                toggle: Callback::new(|_| {}),
                search: Callback::new(|_| {}),
            };
            view! { <Chart chart selector/> }.to_html()
        })
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn dates_and_numbers_are_written_the_readers_way_and_other_values_as_they_are() {
        let spec = |kind, dimensions: &[&str]| ChartSpec {
            kind,
            title: String::new(),
            dimensions: dimensions.iter().map(|d| d.to_string()).collect(),
            measures: vec![],
            sort_by: SortBy::Dimension,
            descending: false,
            top: None,
            hide_missing: false,
        };
        let bars = ChartView {
            id: "c1".into(),
            spec: spec(ChartKind::Bar, &["Day", "Month"]),
            data: ChartData::Cube {
                dimensions: vec!["Day".into(), "Month".into()],
                measures: vec!["Sum of Amount".into()],
                rows: vec![ChartRow {
                    labels: vec!["2026-01-05".into(), "2026-01".into()],
                    codes: vec![0, 0],
                    others: false,
                    values: vec![Some(1234.5)],
                }],
                totals: vec![Some(1234.5)],
                selected: vec![vec![], vec![]],
                kinds: vec![ValueKind::Date, ValueKind::Text],
            },
        };
        let german = drawn(bars.clone(), "de-DE");
        assert!(german.contains("05.01.2026 / 2026-01: 1.234,5"), "{german}");
        let american = drawn(bars, "en-US");
        assert!(
            american.contains("01/05/2026 / 2026-01: 1,234.5"),
            "{american}"
        );
        let pane = ChartView {
            id: "c2".into(),
            spec: spec(ChartKind::FilterPane, &["Day"]),
            data: ChartData::List {
                field: "Day".into(),
                values: vec![ListValue {
                    label: "2026-01-05 08:30:00".into(),
                    code: 0,
                    state: ValueState::Possible,
                }],
                more: 0,
                kind: ValueKind::Date,
            },
        };
        assert!(drawn(pane, "fr").contains("05/01/2026 08:30:00"));
    }

    /// WCAG's relative luminance of `#rrggbb`.
    fn luminance(hex: &str) -> f64 {
        let channel = |i: usize| {
            let c = u8::from_str_radix(&hex[i..i + 2], 16).unwrap() as f64 / 255.0;
            if c <= 0.03928 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5)
    }

    fn contrast(a: &str, b: &str) -> f64 {
        let (a, b) = (luminance(a), luminance(b));
        (a.max(b) + 0.05) / (a.min(b) + 0.05)
    }

    #[test]
    fn every_series_colour_stands_out_from_both_themes_backgrounds() {
        let css = include_str!("../../../../../style/main.css");
        // The light theme's chart background, and the dark theme's (`.visitor.theme-dark`).
        for background in ["#ffffff", "#1b2433"] {
            assert!(
                css.contains(background),
                "{background} is no longer a background"
            );
            for colour in PALETTE {
                let ratio = contrast(colour, background);
                assert!(ratio >= 3.0, "{colour} on {background}: {ratio:.2}:1");
            }
        }
        for (i, colour) in PALETTE.iter().enumerate() {
            let swatch = format!(".swatch.c{i} {{ background: {colour}; }}");
            assert!(css.contains(&swatch), "style/main.css lacks {swatch}");
        }
        assert_eq!(contrast("#000000", "#ffffff").round(), 21.0);
    }
}
