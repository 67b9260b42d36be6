//! The tests of `cube`: dimensions, measures and totals over the selected rows.

use super::Aggregation::*;
use super::*;
use crate::selection::{evaluate, Selections};

const ORDERS: &[u8] = b"OrderId,CustomerId,Product,Amount\n1,10,Bike,100\n2,10,Helmet,50\n3,20,Bike,70\n4,30,Lamp,5.5\n5,30,Bike,\n";
const CUSTOMERS: &[u8] = b"CustomerId,Region\n10,North\n20,South\n30,North\n40,East\n";

fn setup() -> DataModel {
    DataModel::from_csv(&[("orders", ORDERS), ("customers", CUSTOMERS)]).unwrap()
}

fn labelled(
    model: &DataModel,
    request: &CubeRequest,
    cube: &Cube,
) -> Vec<(String, Vec<Option<f64>>)> {
    cube.rows
        .iter()
        .map(|row| {
            let label = if row.others {
                "Others".to_string()
            } else {
                row.keys
                    .iter()
                    .zip(&request.dimensions)
                    .map(|(k, d)| {
                        model.fields[*d]
                            .values
                            .text(*k as usize)
                            .unwrap_or_else(|| "-".into())
                    })
                    .collect::<Vec<_>>()
                    .join("/")
            };
            (label, row.values.clone())
        })
        .collect()
}

#[test]
fn every_aggregation_by_a_dimension_of_another_table_with_totals() {
    let model = setup();
    let f = |name: &str| model.field(name).unwrap();
    let request = CubeRequest {
        dimensions: vec![f("Region")],
        measures: [Sum, Count, CountDistinct, Avg, Min, Max]
            .into_iter()
            .map(|aggregation| Measure {
                field: f("Amount"),
                aggregation,
            })
            .collect(),
        sort: Sort::Dimension { descending: false },
        top: None,
        hide_missing: false,
    };
    let cube = compute(&model, &evaluate(&model, &Selections::default()), &request);
    assert_eq!(
        labelled(&model, &request, &cube),
        vec![
            (
                "North".to_string(),
                vec![
                    Some(155.5),
                    Some(3.0),
                    Some(3.0),
                    Some(155.5 / 3.0),
                    Some(5.5),
                    Some(100.0)
                ]
            ),
            (
                "South".to_string(),
                vec![
                    Some(70.0),
                    Some(1.0),
                    Some(1.0),
                    Some(70.0),
                    Some(70.0),
                    Some(70.0)
                ]
            ),
        ],
        "an empty amount counts nowhere; East has no orders"
    );
    assert_eq!(
        cube.totals,
        vec![
            Some(225.5),
            Some(4.0),
            Some(4.0),
            Some(225.5 / 4.0),
            Some(5.5),
            Some(100.0)
        ]
    );
}

#[test]
fn selections_filter_the_cube_and_a_kpi_is_a_cube_without_dimensions() {
    let model = setup();
    let f = |name: &str| model.field(name).unwrap();
    let mut selections = Selections::default();
    selections.select(
        f("Region"),
        vec![model.code_of(f("Region"), "North").unwrap()],
    );
    let kpi = CubeRequest {
        dimensions: vec![],
        measures: vec![Measure {
            field: f("Amount"),
            aggregation: Sum,
        }],
        sort: Sort::Dimension { descending: false },
        top: None,
        hide_missing: false,
    };
    let cube = compute(&model, &evaluate(&model, &selections), &kpi);
    assert_eq!(cube.rows.len(), 1);
    assert_eq!(cube.rows[0].values, vec![Some(155.5)]);
    assert_eq!(cube.totals, vec![Some(155.5)]);
}

#[test]
fn top_n_sorted_by_a_measure_with_the_rest_in_others() {
    let model = setup();
    let f = |name: &str| model.field(name).unwrap();
    let request = CubeRequest {
        dimensions: vec![f("Product")],
        measures: vec![
            Measure {
                field: f("Amount"),
                aggregation: Sum,
            },
            Measure {
                field: f("CustomerId"),
                aggregation: CountDistinct,
            },
        ],
        sort: Sort::Measure {
            index: 0,
            descending: true,
        },
        top: Some(1),
        hide_missing: false,
    };
    let cube = compute(&model, &evaluate(&model, &Selections::default()), &request);
    assert_eq!(
        labelled(&model, &request, &cube),
        vec![
            ("Bike".to_string(), vec![Some(170.0), Some(3.0)]),
            ("Others".to_string(), vec![Some(55.5), Some(2.0)]),
            ("-".to_string(), vec![Some(0.0), Some(1.0)]),
        ],
        "Others counts customers 10 and 30 once each; customer 40 bought no product: the missing row"
    );
}

#[test]
fn sums_over_the_surviving_rows_skip_empty_cells_with_and_without_a_dimension() {
    let model = setup();
    let f = |name: &str| model.field(name).unwrap();
    let mut selections = Selections::default();
    selections.select(
        f("Product"),
        vec![model.code_of(f("Product"), "Bike").unwrap()],
    );
    let evaluation = evaluate(&model, &selections);
    let sum = |dimensions: Vec<usize>| CubeRequest {
        dimensions,
        measures: vec![
            Measure {
                field: f("Amount"),
                aggregation: Sum,
            },
            Measure {
                field: f("Amount"),
                aggregation: Avg,
            },
        ],
        sort: Sort::Dimension { descending: false },
        top: None,
        hide_missing: false,
    };
    // Bikes: orders 1 (100), 3 (70) and 5 (no amount), of customers 10, 20 and 30.
    let kpi = compute(&model, &evaluation, &sum(vec![]));
    assert_eq!(kpi.totals, vec![Some(170.0), Some(85.0)]);
    let request = sum(vec![f("CustomerId")]);
    let by_customer = compute(&model, &evaluation, &request);
    assert_eq!(
        labelled(&model, &request, &by_customer),
        vec![
            ("10".to_string(), vec![Some(100.0), Some(100.0)]),
            ("20".to_string(), vec![Some(70.0), Some(70.0)]),
            ("30".to_string(), vec![Some(0.0), None]),
        ],
        "customer 30's bike has no amount: a sum of nothing, no average"
    );
    assert_eq!(by_customer.totals, kpi.totals);
}

#[test]
fn keeping_the_most_filled_combinations_of_many_agrees_with_comparing_every_pair() {
    use super::reach::{most_filled, most_filled_by_pairs, with_lane, NOTHING};
    let mut rng = crate::seeded::SeededRng::new(2026);
    for case in 0..200 {
        let lanes = 1 + rng.below(3) as usize;
        let count = 17 + rng.below(60) as usize;
        let tuples: Vec<u128> = (0..count)
            .map(|_| {
                (0..lanes).fold(NOTHING, |t, l| match rng.below(3) {
                    0 => t,
                    _ => t & with_lane(l, rng.below(4) as u32),
                })
            })
            .collect();
        let mut expected = tuples.clone();
        expected.sort_unstable();
        expected.dedup();
        most_filled_by_pairs(&mut expected);
        let mut fast = tuples;
        most_filled(&mut fast);
        assert_eq!(fast, expected, "case {case}");
    }
}
