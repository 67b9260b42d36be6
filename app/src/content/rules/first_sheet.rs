//! The charts a new app opens to, chosen from its fields.

use super::super::model::*;

/// Names of numbers that are not amounts: identifiers, codes, coordinates and parts of dates.
/// A first sheet never adds them up.
fn names_no_amount(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    let words: Vec<&str> = name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    name.ends_with("id")
        || words.iter().any(|w| {
            matches!(
                *w,
                "id" | "code"
                    | "key"
                    | "no"
                    | "nr"
                    | "number"
                    | "num"
                    | "lat"
                    | "latitude"
                    | "lon"
                    | "lng"
                    | "long"
                    | "longitude"
                    | "x"
                    | "y"
                    | "year"
                    | "month"
                    | "day"
                    | "hour"
                    | "minute"
                    | "week"
                    | "zip"
                    | "postcode"
                    | "phone"
                    | "flight"
                    | "tailnum"
                    | "alt"
                    | "altitude"
                    | "tz"
            )
        })
}

/// The charts of a new app's first sheet, chosen from its fields: a KPI of an amount when one is
/// plainly there, a KPI counting the rows of the main table (the largest), bar and pie
/// charts of the row count by the two most telling categories, a line over time, a table, and
/// filter panes for the categories. Counts are never negative and never add up an identifier, a
/// code or a coordinate.
pub fn first_sheet(fields: &[FieldInfo]) -> Vec<ChartSpec> {
    let is_key = |f: &FieldInfo| f.tables.len() > 1 || f.name.to_ascii_lowercase().ends_with("id");
    // The main table: the largest that holds an amount, else the largest.
    let Some(main_table) = fields
        .iter()
        .filter(|f| f.tables.len() == 1)
        .max_by_key(|f| {
            (
                f.is_numeric() && !names_no_amount(&f.name) && f.distinct > 1,
                f.rows,
            )
        })
        .map(|f| f.tables[0].clone())
    else {
        return Vec::new();
    };
    let own = |f: &&FieldInfo| f.tables.len() == 1 && f.tables[0] == main_table;
    // A field of the main table with a value in every row counts its rows.
    let Some(counted) = fields.iter().filter(own).min_by_key(|f| f.missing) else {
        return Vec::new();
    };
    let main = MeasureSpec {
        field: counted.name.clone(),
        aggregation: Aggregation::Count,
    };
    let amount = fields
        .iter()
        .filter(own)
        .filter(|f| f.is_numeric() && !names_no_amount(&f.name) && f.distinct > 1)
        .max_by_key(|f| (f.field_type == "decimal", f.distinct));
    let time = fields
        .iter()
        .find(|f| f.field_type == "text" && f.name.to_ascii_lowercase().contains("month"))
        .or_else(|| fields.iter().find(|f| f.field_type == "date"));
    // Categories: short lists of text that are neither keys nor the time the line runs over.
    let mut categories: Vec<&FieldInfo> = fields
        .iter()
        .filter(|f| {
            f.field_type == "text"
                && !is_key(f)
                && (2..=60).contains(&f.distinct)
                && time.is_none_or(|t| t.name != f.name)
        })
        .collect();
    categories.sort_by_key(|f| f.distinct);
    let chart = |kind: ChartKind,
                 dimensions: Vec<&FieldInfo>,
                 sort_by: SortBy,
                 top: Option<u32>| ChartSpec {
        kind,
        title: String::new(),
        dimensions: dimensions.iter().map(|f| f.name.clone()).collect(),
        measures: if kind == ChartKind::FilterPane {
            vec![]
        } else {
            vec![main.clone()]
        },
        sort_by,
        descending: sort_by == SortBy::Measure,
        top,
        hide_missing: false,
    };
    let kpi = |measure: MeasureSpec| ChartSpec {
        kind: ChartKind::Kpi,
        title: String::new(),
        dimensions: vec![],
        measures: vec![measure],
        sort_by: SortBy::Measure,
        descending: true,
        top: None,
        hide_missing: false,
    };
    // The amount first when there is one (what a sheet is usually about), then the row count.
    let mut charts: Vec<ChartSpec> = amount
        .map(|amount| {
            kpi(MeasureSpec {
                field: amount.name.clone(),
                aggregation: Aggregation::Sum,
            })
        })
        .into_iter()
        .collect();
    charts.push(kpi(main.clone()));
    if let Some(first) = categories.first() {
        charts.push(chart(
            ChartKind::Bar,
            vec![first],
            SortBy::Measure,
            Some(10),
        ));
    }
    if let Some(second) = categories.get(1).or(categories.first()) {
        charts.push(chart(
            ChartKind::Pie,
            vec![second],
            SortBy::Measure,
            Some(6),
        ));
    }
    if let Some(time) = time {
        charts.push(chart(ChartKind::Line, vec![time], SortBy::Dimension, None));
    }
    if !categories.is_empty() {
        charts.push(chart(
            ChartKind::Table,
            categories.iter().take(2).copied().collect(),
            SortBy::Measure,
            Some(50),
        ));
    }
    for category in categories.iter().take(3) {
        charts.push(chart(
            ChartKind::FilterPane,
            vec![category],
            SortBy::Dimension,
            None,
        ));
    }
    charts
}
