//! From the engine's answers to what a sheet shows: chart data, filter-pane lists, the
//! selections bar and the data summary. Server-only; pure functions of a model and a state.

use engine::selection::Evaluation;
use engine::{compute, CubeRequest, DataModel, Measure, Selections, Sort};

use super::model::*;
use super::rules::{LIST_LIMIT, SERIES_ROWS, TABLE_ROWS};

fn aggregation(a: Aggregation) -> engine::Aggregation {
    match a {
        Aggregation::Sum => engine::Aggregation::Sum,
        Aggregation::Count => engine::Aggregation::Count,
        Aggregation::CountDistinct => engine::Aggregation::CountDistinct,
        Aggregation::Avg => engine::Aggregation::Avg,
        Aggregation::Min => engine::Aggregation::Min,
        Aggregation::Max => engine::Aggregation::Max,
    }
}

fn field_type_name(field_type: engine::types::FieldType) -> &'static str {
    use engine::types::FieldType::*;
    match field_type {
        Integer => "integer",
        Decimal => "decimal",
        Date => "date",
        Timestamp => "timestamp",
        Text => "text",
    }
}

pub fn fields_info(model: &DataModel) -> Vec<FieldInfo> {
    model
        .fields
        .iter()
        .enumerate()
        .map(|(f, field)| FieldInfo {
            name: field.name.clone(),
            field_type: field_type_name(field.field_type).into(),
            distinct: field.values.len(),
            tables: model
                .tables
                .iter()
                .filter(|t| t.columns.iter().any(|c| c.field == f))
                .map(|t| t.name.clone())
                .collect(),
        })
        .collect()
}

pub fn tables_info(model: &DataModel) -> Vec<TableInfo> {
    model
        .tables
        .iter()
        .map(|t| TableInfo {
            name: t.name.clone(),
            rows: t.rows,
        })
        .collect()
}

fn label(model: &DataModel, field: usize, code: u32) -> String {
    model.fields[field]
        .values
        .get(code as usize)
        .map(|v| v.to_string())
        .unwrap_or_default()
}

fn missing(name: &str) -> ChartData {
    ChartData::Problem(format!(
        "The data has no field \"{name}\" any more. Edit the chart to pick another."
    ))
}

/// One chart under the current selections.
pub fn chart_data(
    model: &DataModel,
    evaluation: &Evaluation,
    selections: &Selections,
    spec: &ChartSpec,
) -> ChartData {
    let mut dimensions = Vec::with_capacity(spec.dimensions.len());
    for name in &spec.dimensions {
        match model.field(name) {
            Some(f) => dimensions.push(f),
            None => return missing(name),
        }
    }
    if spec.kind == ChartKind::FilterPane {
        return list(model, evaluation, selections, dimensions[0]);
    }
    let mut measures = Vec::with_capacity(spec.measures.len());
    for m in &spec.measures {
        match model.field(&m.field) {
            Some(field) => measures.push(Measure {
                field,
                aggregation: aggregation(m.aggregation),
            }),
            None => return missing(&m.field),
        }
    }
    let sort = match (spec.sort_by, measures.is_empty()) {
        (SortBy::Measure, false) => Sort::Measure {
            index: 0,
            descending: spec.descending,
        },
        _ => Sort::Dimension {
            descending: spec.descending,
        },
    };
    let top = spec.top.or(match spec.kind {
        ChartKind::Bar | ChartKind::Pie => Some(SERIES_ROWS),
        ChartKind::Table => Some(TABLE_ROWS),
        ChartKind::Line | ChartKind::Kpi | ChartKind::FilterPane => None,
    });
    let request = CubeRequest {
        dimensions: dimensions.clone(),
        measures,
        sort,
        top: top.map(|t| t as usize),
    };
    let cube = compute(model, evaluation, &request);
    let rows = cube
        .rows
        .into_iter()
        .map(|row| ChartRow {
            labels: if row.others {
                vec!["Others".into()]
            } else {
                row.keys
                    .iter()
                    .zip(&dimensions)
                    .map(|(k, f)| label(model, *f, *k))
                    .collect()
            },
            codes: row.keys,
            others: row.others,
            values: row.values,
        })
        .collect();
    ChartData::Cube {
        dimensions: spec.dimensions.clone(),
        measures: spec.measures.iter().map(MeasureSpec::label).collect(),
        rows,
        totals: cube.totals,
        selected: dimensions
            .iter()
            .map(|f| selections.fields.get(f).cloned().unwrap_or_default())
            .collect(),
    }
}

/// A field's values for a filter pane: selected first, then possible, then excluded, each in
/// the field's order, as far as the list limit.
fn list(
    model: &DataModel,
    evaluation: &Evaluation,
    selections: &Selections,
    field: usize,
) -> ChartData {
    let selected = selections.fields.get(&field);
    let possible = evaluation.possible(model, field);
    let state_of = |code: usize| match (
        selected.is_some_and(|s| s.binary_search(&(code as u32)).is_ok()),
        possible[code],
    ) {
        (true, _) => ValueState::Selected,
        (false, true) if selected.is_none() => ValueState::Possible,
        _ => ValueState::Excluded,
    };
    let total = model.fields[field].values.len();
    let mut values = Vec::with_capacity(total.min(LIST_LIMIT));
    for wanted in [
        ValueState::Selected,
        ValueState::Possible,
        ValueState::Excluded,
    ] {
        for code in (0..total).filter(|&c| state_of(c) == wanted) {
            if values.len() == LIST_LIMIT {
                break;
            }
            values.push(ListValue {
                label: label(model, field, code as u32),
                code: code as u32,
                state: wanted,
            });
        }
    }
    ChartData::List {
        field: model.fields[field].name.clone(),
        more: total - values.len(),
        values,
    }
}

/// The selections bar: each field with a selection and its first few values.
pub fn chips(model: &DataModel, selections: &Selections) -> Vec<SelectionChip> {
    selections
        .fields
        .iter()
        .map(|(&field, codes)| SelectionChip {
            field: model.fields[field].name.clone(),
            values: codes
                .iter()
                .take(3)
                .map(|&c| label(model, field, c))
                .collect(),
            count: codes.len(),
        })
        .collect()
}
