//! The wrong answers seen on a real five-file data set (flights, carriers, airports, planes,
//! weather), each as the smallest data that showed it, with the answer Qlik's associative model
//! gives (`docs/ASSOCIATIVE-MODEL.md`).

use engine::associate::{advice, links, WarningKind};
use engine::types::FieldType;
use engine::{compute, evaluate, Aggregation, CubeRequest, DataModel, LoadPlan, Measure};
use engine::{Selections, Sort};

fn request(
    model: &DataModel,
    dimensions: &[&str],
    measures: &[(&str, Aggregation)],
) -> CubeRequest {
    CubeRequest {
        dimensions: dimensions.iter().map(|d| model.field(d).unwrap()).collect(),
        measures: measures
            .iter()
            .map(|(f, a)| Measure {
                field: model.field(f).unwrap(),
                aggregation: *a,
            })
            .collect(),
        sort: Sort::Dimension { descending: false },
        top: None,
        hide_missing: false,
    }
}

/// Rows of a chart as labels ("-" for the missing value) and values.
fn chart(
    model: &DataModel,
    selections: &Selections,
    request: &CubeRequest,
) -> Vec<(String, Vec<Option<f64>>)> {
    let cube = compute(model, &evaluate(model, selections), request);
    cube.rows
        .iter()
        .map(|row| {
            let label = row
                .keys
                .iter()
                .zip(&request.dimensions)
                .map(|(k, d)| {
                    model.fields[*d]
                        .values
                        .text(*k as usize)
                        .unwrap_or("-".into())
                })
                .collect::<Vec<_>>()
                .join("/");
            (label, row.values.clone())
        })
        .collect()
}

fn select_all(model: &DataModel, field: &str) -> Selections {
    let f = model.field(field).unwrap();
    let mut selections = Selections::default();
    selections.select(f, (0..model.fields[f].values.len() as u32).collect());
    selections
}

#[test]
fn finding_1_codes_stay_right_whatever_the_order_and_size_of_the_files() {
    // A 9-row file, then a 257-row file that adds values to the same field: the first file's
    // column was a byte a row while the field passed 255 values.
    let mut small = String::from("carrier,flights\n");
    for i in 0..9 {
        small.push_str(&format!("z{i},{}\n", i + 1));
    }
    let mut large = String::from("carrier,name\n");
    for i in 0..257 {
        large.push_str(&format!("a{i:03},Carrier {i}\n"));
    }
    for z in 0..9 {
        large.push_str(&format!("z{z},Late carrier {z}\n"));
    }
    for files in [
        [("small", small.as_bytes()), ("large", large.as_bytes())],
        [("large", large.as_bytes()), ("small", small.as_bytes())],
    ] {
        let model = DataModel::from_csv(&files).unwrap();
        let request = request(&model, &["carrier"], &[("flights", Aggregation::Sum)]);
        let rows = chart(&model, &Selections::default(), &request);
        let with_flights: Vec<_> = rows.iter().filter(|(_, v)| v[0] != Some(0.0)).collect();
        assert_eq!(
            with_flights.len(),
            9,
            "all nine rows, under their own carriers"
        );
        for (label, values) in with_flights {
            let n: f64 = label[1..].parse::<f64>().unwrap() + 1.0;
            assert_eq!(values[0], Some(n), "{label}");
        }
    }
}

const FLIGHTS: &[u8] =
    b"flight,carrier,tailnum,dep_delay\n1,AA,N1,10\n2,AA,N2,NA\n3,UA,N3,-5\n4,UA,N9,20\n5,DL,,7\n";
const PLANES: &[u8] = b"tailnum,seats\nN1,100\nN2,200\nN3,300\n";
const AIRLINES: &[u8] = b"carrier,airline\nAA,American\nUA,United\n";

#[test]
fn finding_2_selecting_every_value_of_a_field_keeps_rows_whose_other_keys_have_no_partner() {
    let model = DataModel::from_csv(&[
        ("flights", FLIGHTS),
        ("planes", PLANES),
        ("airlines", AIRLINES),
    ])
    .unwrap();
    let count = request(&model, &[], &[("flight", Aggregation::Count)]);
    let none = compute(&model, &evaluate(&model, &Selections::default()), &count).totals;
    assert_eq!(none, vec![Some(5.0)]);
    // Every airline: flight 5 (DL, no airline row) is excluded, as it has no selected airline;
    // flight 4 (plane N9, no plane row) stays: nobody selected anything among the planes.
    let all_airlines = compute(
        &model,
        &evaluate(&model, &select_all(&model, "airline")),
        &count,
    )
    .totals;
    assert_eq!(all_airlines, vec![Some(4.0)]);
    let all_seats = compute(
        &model,
        &evaluate(&model, &select_all(&model, "seats")),
        &count,
    )
    .totals;
    assert_eq!(
        all_seats,
        vec![Some(3.0)],
        "flights 4 (N9) and 5 (no plane) have no seats"
    );
}

#[test]
fn finding_3_same_named_columns_that_mean_different_things_are_named_and_can_be_renamed() {
    let flights: &[u8] = b"flight,year,name\n1,2013,JFK\n2,2013,LGA\n";
    let planes: &[u8] = b"tailnum,year,name\nN1,1999,Boeing\nN2,2004,Airbus\nN3,2013,Embraer\n";
    let model = DataModel::from_csv(&[("flights", flights), ("planes", planes)]).unwrap();
    let warnings = advice(&model, &links(&model));
    // Two same-named fields: a synthetic key of year and name, then nothing matches in it.
    let loaded = DataModel::load(
        &LoadPlan::for_sources(&["flights", "planes"]),
        &[("flights", flights), ("planes", planes)],
    )
    .unwrap();
    assert!(
        loaded
            .report
            .warnings
            .iter()
            .any(|w| w.kind == WarningKind::SyntheticKey),
        "{:?}",
        loaded.report.warnings
    );
    assert!(!warnings.is_empty() || !loaded.report.warnings.is_empty());
    // Renamed in the plan, they are two fields and the tables no longer associate.
    let mut plan = LoadPlan::for_sources(&["flights", "planes"]);
    plan.tables[1].column_mut("year").rename = Some("year_built".into());
    plan.tables[1].column_mut("name").rename = Some("manufacturer".into());
    let renamed = DataModel::load(&plan, &[("flights", flights), ("planes", planes)]).unwrap();
    assert!(
        renamed.report.warnings.is_empty(),
        "{:?}",
        renamed.report.warnings
    );
    assert!(renamed.model.field("year_built").is_some());
    // One shared generic name alone: linked, with a warning naming it.
    let single = DataModel::from_csv(&[
        ("flights", b"flight,name\n1,JFK\n2,LGA\n".as_slice()),
        (
            "carriers",
            b"carrier,name\nAA,American\nUA,United\n".as_slice(),
        ),
    ])
    .unwrap();
    let warned = advice(&single, &links(&single));
    assert!(
        warned
            .iter()
            .any(|w| w.kind == WarningKind::WeakKey && w.fields == ["name"]),
        "{warned:?}"
    );
    assert!(warned[0].fix.is_some(), "a warning comes with its fix");
}

#[test]
fn finding_4_a_measure_of_a_lookup_table_counts_each_of_its_rows_once_per_dimension_value() {
    // Planes flown by two carriers: each plane's seats count once for each carrier.
    let flights: &[u8] = b"flight,carrier,tailnum\n1,AA,N1\n2,AA,N1\n3,UA,N1\n4,UA,N2\n";
    let planes: &[u8] = b"tailnum,seats\nN1,100\nN2,300\nN3,50\n";
    let model = DataModel::from_csv(&[("flights", flights), ("planes", planes)]).unwrap();
    let request = request(
        &model,
        &["carrier"],
        &[("seats", Aggregation::Avg), ("seats", Aggregation::Sum)],
    );
    assert_eq!(
        chart(&model, &Selections::default(), &request),
        vec![
            ("AA".into(), vec![Some(100.0), Some(100.0)]),
            ("UA".into(), vec![Some(200.0), Some(400.0)]),
            ("-".into(), vec![Some(50.0), Some(50.0)]),
        ],
        "N1 once for AA (not twice for its two flights), N3 never flew"
    );
    let totals = compute(&model, &evaluate(&model, &Selections::default()), &request).totals;
    assert_eq!(
        totals,
        vec![Some(150.0), Some(450.0)],
        "each plane once in the total"
    );
}

#[test]
fn finding_5_missing_values_written_as_na_keep_a_column_numeric() {
    let model = DataModel::from_csv(&[("flights", FLIGHTS)]).unwrap();
    let delay = model.field("dep_delay").unwrap();
    assert_eq!(model.fields[delay].field_type, FieldType::Integer);
    let request = request(
        &model,
        &[],
        &[
            ("dep_delay", Aggregation::Sum),
            ("dep_delay", Aggregation::Avg),
            ("dep_delay", Aggregation::Count),
        ],
    );
    let totals = compute(&model, &evaluate(&model, &Selections::default()), &request).totals;
    assert_eq!(
        totals,
        vec![Some(32.0), Some(8.0), Some(4.0)],
        "NA is no value: not counted, not averaged"
    );
    for token in ["N/A", "NULL", "null", "NaN", "-", ""] {
        let csv = format!("x\n1.5\n{token}\n2.5\n");
        let model = DataModel::from_csv(&[("t", csv.as_bytes())]).unwrap();
        assert_eq!(model.fields[0].field_type, FieldType::Decimal, "{token:?}");
        assert_eq!(model.fields[0].values.len(), 2, "{token:?}");
    }
    let loaded = DataModel::load(
        &LoadPlan::for_sources(&["flights"]),
        &[("flights", FLIGHTS)],
    )
    .unwrap();
    let column = &loaded.report.tables[0].columns[3];
    assert_eq!(
        column.missing_found,
        vec!["NA"],
        "the preview says which were found"
    );
    assert_eq!(column.missing, 1);
}

#[test]
fn finding_6_iso_timestamps_with_a_zone_are_timestamps() {
    let csv: &[u8] = b"time_hour,temp\n2013-01-01T05:00:00Z,39\n2013-01-01T06:00:00+01:00,39.5\n";
    let model = DataModel::from_csv(&[("weather", csv)]).unwrap();
    assert_eq!(model.fields[0].field_type, FieldType::Timestamp);
    assert_eq!(
        model.fields[0].values.len(),
        1,
        "the same instant, written twice"
    );
}

#[test]
fn finding_7_a_kpi_and_a_tables_totals_agree() {
    let model = DataModel::from_csv(&[
        ("flights", FLIGHTS),
        ("planes", PLANES),
        ("airlines", AIRLINES),
    ])
    .unwrap();
    for measure in [
        Aggregation::Avg,
        Aggregation::Sum,
        Aggregation::Count,
        Aggregation::Min,
    ] {
        let kpi = request(&model, &[], &[("seats", measure)]);
        let table = request(&model, &["airline"], &[("seats", measure)]);
        let evaluation = evaluate(&model, &Selections::default());
        assert_eq!(
            compute(&model, &evaluation, &kpi).totals,
            compute(&model, &evaluation, &table).totals,
            "{measure:?}"
        );
    }
}

#[test]
fn finding_9_a_loop_is_cut_with_a_warning_never_evaluated_silently() {
    let model = DataModel::load(
        &LoadPlan::for_sources(&["a", "b", "c"]),
        &[
            ("a", b"x,y\n1,2\n".as_slice()),
            ("b", b"y,z\n2,3\n".as_slice()),
            ("c", b"z,x\n3,1\n4,5\n".as_slice()),
        ],
    )
    .unwrap();
    let warning = model
        .report
        .warnings
        .iter()
        .find(|w| w.kind == WarningKind::Loop)
        .expect("a loop warning");
    assert!(
        warning.message.contains("c no longer associates"),
        "{}",
        warning.message
    );
    assert!(model.model.field("c.z").is_some() || model.model.field("c.x").is_some());
}
