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

pub fn fields_info(model: &DataModel) -> Vec<FieldInfo> {
    model
        .fields
        .iter()
        .enumerate()
        .map(|(f, field)| {
            let holding = || {
                model
                    .tables
                    .iter()
                    .filter(move |t| t.columns.iter().any(|c| c.field == f))
            };
            FieldInfo {
                name: field.name.clone(),
                field_type: field.field_type.name().into(),
                distinct: field.values.len(),
                tables: holding().map(|t| t.name.clone()).collect(),
                rows: holding().map(|t| t.rows).sum(),
                missing: holding()
                    .flat_map(|t| t.columns.iter().filter(|c| c.field == f))
                    .map(|c| c.nulls)
                    .sum(),
            }
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

/// A value as people read it; the missing value (rows associated with no value) is "-".
fn label(model: &DataModel, field: usize, code: u32) -> String {
    model.fields[field]
        .values
        .get(code as usize)
        .map(|v| v.to_string())
        .unwrap_or_else(|| MISSING_LABEL.into())
}

/// Whether a field's values are dates (a page writes them in its reader's order).
fn kind_of(model: &DataModel, field: usize) -> ValueKind {
    match model.fields[field].field_type {
        engine::types::FieldType::Date | engine::types::FieldType::Timestamp => ValueKind::Date,
        _ => ValueKind::Text,
    }
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
        hide_missing: spec.hide_missing,
    };
    if let Some(problem) = engine::cube::problem(model, evaluation, &request) {
        return ChartData::Problem(format!("{problem} Edit the chart to change it."));
    }
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
        kinds: dimensions.iter().map(|&f| kind_of(model, f)).collect(),
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
        kind: kind_of(model, field),
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
            kind: kind_of(model, field),
        })
        .collect()
}

/// Selections held by value, as one viewer's data holds them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OnModel {
    pub selections: Selections,
    /// Fields with a selected value this data does not hold (another viewer's access saw it).
    pub filtered: Vec<String>,
    /// A field whose selected values this data holds none of: nothing here survives it.
    pub nothing_left: bool,
}

/// Reads selections held by value on a model. A value the model lacks is never shown: its field
/// is named in `filtered`, and a field left with no value empties the view rather than showing
/// everything (the selection narrowed someone else's view; it must not widen this one's).
pub fn on_model(model: &DataModel, shared: &[ValueField]) -> OnModel {
    let mut out = OnModel::default();
    for held in shared {
        let Some(field) = model.field(&held.field) else {
            out.filtered.push(held.field.clone());
            out.nothing_left = true;
            continue;
        };
        let codes: Vec<u32> = held
            .values
            .iter()
            .filter_map(|v| model.code_of(field, v))
            .collect();
        if codes.len() < held.values.len() {
            out.filtered.push(held.field.clone());
        }
        if codes.is_empty() {
            out.nothing_left = true;
        } else {
            out.selections.select(field, codes);
        }
    }
    out
}

/// A viewer's change (which names codes of their data) as a change by value, worked out on their
/// data under the current selections: a search selects what is possible there.
pub fn value_change(
    model: &DataModel,
    current: &[ValueField],
    change: &SelectionChange,
) -> Result<ValueChange, crate::error::AppError> {
    use crate::error::AppError;
    let field = |name: &str| {
        model
            .field(name)
            .ok_or_else(|| AppError::invalid("field", format!("The data has no field \"{name}\".")))
    };
    let value = |f: usize, code: u32| {
        model.fields[f]
            .values
            .get(code as usize)
            .map(|v| v.to_string())
            .ok_or_else(|| {
                AppError::invalid(
                    "code",
                    format!("{} has no value number {code}.", model.fields[f].name),
                )
            })
    };
    let values_of = |f: usize, codes: &[u32]| -> Result<Vec<String>, AppError> {
        super::rules::check_selection_size(codes.len())?;
        codes.iter().map(|&c| value(f, c)).collect()
    };
    Ok(match change {
        SelectionChange::Toggle { field: name, code } => {
            let f = field(name)?;
            ValueChange::Toggle {
                field: model.fields[f].name.clone(),
                value: value(f, *code)?,
            }
        }
        SelectionChange::Select { field: name, codes } => {
            let f = field(name)?;
            ValueChange::Set {
                field: model.fields[f].name.clone(),
                values: values_of(f, codes)?,
            }
        }
        SelectionChange::SelectValues {
            field: name,
            values,
        } => {
            super::rules::check_selection_size(values.len())?;
            let f = field(name)?;
            let codes = values
                .iter()
                .map(|v| {
                    model.code_of(f, v).ok_or_else(|| {
                        AppError::invalid(
                            "select",
                            format!("{} has no value \"{v}\".", model.fields[f].name),
                        )
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            ValueChange::Set {
                field: model.fields[f].name.clone(),
                values: values_of(f, &codes)?,
            }
        }
        SelectionChange::Search { field: name, text } => {
            let f = field(name)?;
            let mut state = engine::ViewerState::new();
            for (field, codes) in on_model(model, current).selections.fields {
                state.select(field, codes);
            }
            if state.select_by_search(model, f, text) == 0 {
                return Err(AppError::invalid(
                    "text",
                    format!(
                        "No possible value of {} contains \"{}\".",
                        model.fields[f].name,
                        text.trim()
                    ),
                ));
            }
            let codes = state
                .selections()
                .fields
                .get(&f)
                .cloned()
                .unwrap_or_default();
            ValueChange::Set {
                field: model.fields[f].name.clone(),
                values: values_of(f, &codes)?,
            }
        }
        SelectionChange::Clear { field: name } => ValueChange::Clear {
            field: model.fields[field(name)?].name.clone(),
        },
        SelectionChange::ClearAll => ValueChange::ClearAll,
        SelectionChange::Back | SelectionChange::Forward => {
            return Err(AppError::invalid(
                "change",
                "Back and forward are steps of the shared history, not changes by value.",
            ))
        }
    })
}

#[cfg(test)]
mod shared_tests {
    use super::*;

    fn model(csv: &str) -> DataModel {
        DataModel::from_csv(&[("t", csv.as_bytes())]).unwrap()
    }

    fn held(field: &str, values: &[&str]) -> ValueField {
        ValueField {
            field: field.into(),
            values: values.iter().map(|v| v.to_string()).collect(),
        }
    }

    #[test]
    fn a_value_another_viewer_selected_and_this_one_may_not_see_is_never_shown() {
        let all = model("Region,Sales\nNordic,1\nSouth,2\nWest,3\n");
        let reduced = model("Region,Sales\nSouth,2\nWest,3\n");
        let nordic = [held("Region", &["Nordic"])];
        let seen = on_model(&all, &nordic);
        assert!(seen.filtered.is_empty() && !seen.nothing_left);
        assert_eq!(seen.selections.fields.len(), 1);
        let hidden = on_model(&reduced, &nordic);
        assert_eq!(hidden.filtered, vec!["Region".to_string()]);
        assert!(
            hidden.nothing_left,
            "the selection empties the view; it never widens it"
        );
        let both = on_model(&reduced, &[held("Region", &["Nordic", "South"])]);
        assert_eq!(both.filtered, vec!["Region".to_string()]);
        assert!(!both.nothing_left, "South is theirs to see");
        assert_eq!(chips(&reduced, &both.selections)[0].values, vec!["South"]);
    }

    #[test]
    fn changes_by_code_become_changes_by_value_on_the_viewers_data() {
        let reduced = model("Region,Sales\nSouth,2\nWest,3\n");
        let west = reduced.code_of(0, "West").unwrap();
        assert_eq!(
            value_change(
                &reduced,
                &[],
                &SelectionChange::Toggle {
                    field: "region".into(),
                    code: west
                }
            ),
            Ok(ValueChange::Toggle {
                field: "Region".into(),
                value: "West".into()
            })
        );
        assert_eq!(
            value_change(
                &reduced,
                &[],
                &SelectionChange::Search {
                    field: "Region".into(),
                    text: "sou".into()
                }
            ),
            Ok(ValueChange::Set {
                field: "Region".into(),
                values: vec!["South".into()]
            })
        );
        assert!(value_change(
            &reduced,
            &[],
            &SelectionChange::Toggle {
                field: "Region".into(),
                code: 99
            }
        )
        .is_err());
        assert!(value_change(&reduced, &[], &SelectionChange::Back).is_err());
    }
}
