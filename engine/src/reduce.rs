//! Section access: a reduction of the data model to the rows a user may see. Applied once when
//! the app opens for that user; what comes out holds no trace of the rest, so no chart, list,
//! count, total or search can show it.

use crate::codes::Codes;
use crate::model::{Column, DataModel, Field, Table, NULL};

/// The values of one field a user may see (their texts, as written in the data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reduction {
    pub field: String,
    pub allowed: Vec<String>,
}

/// The model as the user may see it. Rows of a table with a reduced field survive when their
/// value is allowed; the reduction then follows the associations, as a selection would, so that
/// a customer of another region drops out with that region's orders. Fields keep only the values
/// that remain.
pub fn reduce(model: &DataModel, reductions: &[Reduction]) -> Result<DataModel, String> {
    let mut selections = crate::selection::Selections::default();
    for reduction in reductions {
        let field = model.field(&reduction.field).ok_or_else(|| {
            format!(
                "Section access names the field \"{}\", which the data does not have.",
                reduction.field
            )
        })?;
        let codes: Vec<u32> = reduction
            .allowed
            .iter()
            .filter_map(|text| model.code_of(field, text))
            .collect();
        // None of the allowed values is in the data: select a code no row has, so nothing shows.
        let codes = if codes.is_empty() {
            vec![NULL - 1]
        } else {
            codes
        };
        selections.fields.insert(field, codes);
    }
    let evaluation = crate::selection::evaluate(model, &selections);
    let reached = reached_tables(
        model,
        &selections.fields.keys().copied().collect::<Vec<_>>(),
    );
    // Keep the surviving rows, then only the values they use, renumbered.
    let mut used: Vec<Vec<bool>> = model
        .fields
        .iter()
        .map(|f| vec![false; f.values.len()])
        .collect();
    let mut tables = Vec::with_capacity(model.tables.len());
    for (t, table) in model.tables.iter().enumerate() {
        let mut keep: Vec<u32> = Vec::new();
        // A table no reduced field reaches through the associations (a data island) says nothing
        // about whose rows it holds: it is emptied, never left whole.
        if reached[t] {
            keep.reserve(evaluation.count(model, t));
            evaluation.for_each_row(model, t, |r| keep.push(r as u32));
        }
        let columns = table
            .columns
            .iter()
            .map(|c| {
                let mut codes = Vec::new();
                c.codes.gather(&keep, &mut codes);
                for &code in codes.iter().filter(|&&c| c != NULL) {
                    used[c.field][code as usize] = true;
                }
                (c.field, codes)
            })
            .collect::<Vec<_>>();
        tables.push((table.name.clone(), keep.len(), columns));
    }
    let mut renumber: Vec<Vec<u32>> = Vec::with_capacity(model.fields.len());
    let mut fields = Vec::with_capacity(model.fields.len());
    for (f, field) in model.fields.iter().enumerate() {
        let mut map = vec![NULL; field.values.len()];
        for (kept, (code, _)) in used[f]
            .iter()
            .enumerate()
            .filter(|(_, used)| **used)
            .enumerate()
        {
            map[code] = kept as u32;
        }
        renumber.push(map);
        fields.push(Field {
            name: field.name.clone(),
            field_type: field.field_type,
            values: field.values.retain(&used[f]),
        });
    }
    let tables = tables
        .into_iter()
        .map(|(name, rows, columns)| Table {
            name,
            rows,
            columns: columns
                .into_iter()
                .map(|(field, mut codes)| {
                    for code in codes.iter_mut().filter(|c| **c != NULL) {
                        *code = renumber[field][*code as usize];
                    }
                    Column::new(field, Codes::narrow(codes, fields[field].values.len()))
                })
                .collect(),
        })
        .collect();
    Ok(DataModel { fields, tables })
}

/// The tables associated, directly or through other tables, with a table holding one of `fields`.
fn reached_tables(model: &DataModel, fields: &[usize]) -> Vec<bool> {
    let has = |t: usize, field: usize| model.tables[t].columns.iter().any(|c| c.field == field);
    let mut reached: Vec<bool> = (0..model.tables.len())
        .map(|t| fields.iter().any(|&f| has(t, f)))
        .collect();
    let mut grew = true;
    while grew {
        grew = false;
        for t in 0..model.tables.len() {
            if reached[t] {
                continue;
            }
            let linked = model.tables[t]
                .columns
                .iter()
                .any(|c| (0..model.tables.len()).any(|o| reached[o] && has(o, c.field)));
            if linked {
                reached[t] = true;
                grew = true;
            }
        }
    }
    reached
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cube::{compute, Aggregation, CubeRequest, Measure, Sort};
    use crate::selection::{evaluate, Selections};
    use crate::session::ViewerState;

    const ORDERS: &[u8] = b"OrderId,CustomerId,Amount\n1,10,100\n2,10,50\n3,20,70\n4,30,5\n";
    const CUSTOMERS: &[u8] = b"CustomerId,Region,Name\n10,North,Acme\n20,South,Globex\n30,North,Initech\n40,South,Umbrella\n";

    fn north_only() -> DataModel {
        let model = DataModel::from_csv(&[("orders", ORDERS), ("customers", CUSTOMERS)]).unwrap();
        reduce(
            &model,
            &[Reduction {
                field: "Region".into(),
                allowed: vec!["North".into()],
            }],
        )
        .unwrap()
    }

    #[test]
    fn a_user_who_may_see_one_region_sees_it_everywhere_and_nothing_else() {
        let model = north_only();
        let f = |name: &str| model.field(name).unwrap();
        let everything = evaluate(&model, &Selections::default());
        let total = CubeRequest {
            dimensions: vec![],
            measures: vec![
                Measure {
                    field: f("Amount"),
                    aggregation: Aggregation::Sum,
                },
                Measure {
                    field: f("CustomerId"),
                    aggregation: Aggregation::CountDistinct,
                },
            ],
            sort: Sort::Dimension { descending: false },
            top: None,
            hide_missing: false,
        };
        assert_eq!(
            compute(&model, &everything, &total).totals,
            vec![Some(155.0), Some(2.0)],
            "totals and distinct counts hold only the North"
        );
        let names: Vec<String> = model.fields[f("Name")]
            .values
            .to_vec()
            .iter()
            .map(|v| v.to_string())
            .collect();
        assert_eq!(
            names,
            vec!["Acme", "Initech"],
            "the list of names has no other region's customers"
        );
        assert_eq!(model.fields[f("Region")].values.len(), 1);
        assert_eq!(model.fields[f("OrderId")].values.len(), 3);
        let mut viewer = ViewerState::new();
        assert_eq!(
            viewer.select_by_search(&model, f("Name"), "globex"),
            0,
            "search finds nothing of the South"
        );
        assert_eq!(model.code_of(f("Region"), "South"), None);
    }

    #[test]
    fn a_table_that_shares_no_field_with_the_reduction_is_emptied() {
        let targets: &[u8] = b"SalesRegion,Quarter,Target\nNorth,Q1,1\nSouth,Q1,2\n";
        let model = DataModel::from_csv(&[
            ("orders", ORDERS),
            ("customers", CUSTOMERS),
            ("targets", targets),
        ])
        .unwrap();
        let north = reduce(
            &model,
            &[Reduction {
                field: "Region".into(),
                allowed: vec!["North".into()],
            }],
        )
        .unwrap();
        assert_eq!(
            (north.tables[0].rows, north.tables[1].rows),
            (3, 2),
            "orders and customers of the North"
        );
        assert_eq!(
            north.tables[2].rows, 0,
            "the targets table is an island: emptied, not left whole"
        );
        assert!(north.fields[north.field("Target").unwrap()]
            .values
            .is_empty());
        let nothing = reduce(
            &model,
            &[Reduction {
                field: "Region".into(),
                allowed: vec![],
            }],
        )
        .unwrap();
        assert!(
            nothing.tables.iter().all(|t| t.rows == 0),
            "named by no rule: no table keeps a row"
        );
    }

    #[test]
    fn an_unknown_field_is_an_error_and_no_allowed_value_shows_nothing() {
        let model = DataModel::from_csv(&[("orders", ORDERS), ("customers", CUSTOMERS)]).unwrap();
        assert!(reduce(
            &model,
            &[Reduction {
                field: "Country".into(),
                allowed: vec![]
            }]
        )
        .unwrap_err()
        .contains("\"Country\""));
        let nothing = reduce(
            &model,
            &[Reduction {
                field: "Region".into(),
                allowed: vec!["West".into()],
            }],
        )
        .unwrap();
        assert!(nothing.tables.iter().all(|t| t.rows == 0));
        assert!(nothing.fields.iter().all(|f| f.values.is_empty()));
    }
}
