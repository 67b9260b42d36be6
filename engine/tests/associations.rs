//! Associations of any depth: a dimension two or three tables away from the measures is
//! followed as Qlik's associative model follows it, by charts, filter panes and section access.
//! A three-table chain (orders, customers, cities) and a snowflake (sales with products and
//! their categories, stores and their regions).

use engine::selection::Evaluation;
use engine::{
    compute, evaluate, reduce, Aggregation, CubeRequest, DataModel, Measure, Reduction, Selections,
    Sort,
};

const ORDERS: &[u8] = b"OrderId,CustomerId,Amount\n1,10,100\n2,10,50\n3,20,70\n4,30,5\n5,40,1\n";
const CUSTOMERS: &[u8] =
    b"CustomerId,Name,CityId\n10,Acme,1\n20,Globex,2\n30,Initech,3\n40,Umbrella,\n";
const CITIES: &[u8] =
    b"CityId,City,Country\n1,Oslo,Norway\n2,Bergen,Norway\n3,Lyon,France\n4,Nice,France\n";

fn chain() -> DataModel {
    DataModel::from_csv(&[
        ("orders", ORDERS),
        ("customers", CUSTOMERS),
        ("cities", CITIES),
    ])
    .unwrap()
}

const SALES: &[u8] =
    b"SaleId,ProductId,StoreId,Amount\n1,1,1,10\n2,2,1,20\n3,3,2,30\n4,1,3,40\n5,2,3,50\n";
const PRODUCTS: &[u8] = b"ProductId,Product,CategoryId\n1,Bike,1\n2,Helmet,2\n3,Lamp,2\n";
const CATEGORIES: &[u8] = b"CategoryId,Category\n1,Bikes\n2,Accessories\n";
const STORES: &[u8] =
    b"StoreId,Store,RegionId\n1,Oslo City,1\n2,Lyon Part-Dieu,2\n3,Bergen Storsenter,1\n";
const REGIONS: &[u8] = b"RegionId,Region\n1,North\n2,South\n";

fn snowflake() -> DataModel {
    DataModel::from_csv(&[
        ("sales", SALES),
        ("products", PRODUCTS),
        ("categories", CATEGORIES),
        ("stores", STORES),
        ("regions", REGIONS),
    ])
    .unwrap()
}

fn select(model: &DataModel, selections: &mut Selections, field: &str, values: &[&str]) {
    let f = model.field(field).unwrap();
    let codes = values
        .iter()
        .map(|v| model.code_of(f, v).expect("a value of the data"))
        .collect();
    selections.select(f, codes);
}

/// A chart as people read it: each row's labels joined by " / ", and its sum.
fn sums(model: &DataModel, evaluation: &Evaluation, dimensions: &[&str]) -> Vec<(String, f64)> {
    let dims: Vec<usize> = dimensions.iter().map(|d| model.field(d).unwrap()).collect();
    let cube = compute(
        model,
        evaluation,
        &CubeRequest {
            dimensions: dims.clone(),
            measures: vec![Measure {
                field: model.field("Amount").unwrap(),
                aggregation: Aggregation::Sum,
            }],
            sort: Sort::Dimension { descending: false },
            top: None,
            hide_missing: false,
        },
    );
    cube.rows
        .iter()
        .map(|row| {
            let label = row
                .keys
                .iter()
                .zip(&dims)
                .map(|(k, d)| {
                    model.fields[*d]
                        .values
                        .text(*k as usize)
                        .unwrap_or_else(|| "-".into())
                })
                .collect::<Vec<_>>()
                .join(" / ");
            (label, row.values[0].unwrap())
        })
        .collect()
}

/// The values of a field a filter pane shows as possible.
fn possible(model: &DataModel, evaluation: &Evaluation, field: &str) -> Vec<String> {
    let f = model.field(field).unwrap();
    evaluation
        .possible(model, f)
        .iter()
        .enumerate()
        .filter(|(_, p)| **p)
        .map(|(code, _)| model.fields[f].values.text(code).unwrap())
        .collect()
}

fn pairs(items: &[(&str, f64)]) -> Vec<(String, f64)> {
    items.iter().map(|(l, v)| (l.to_string(), *v)).collect()
}

#[test]
fn sales_by_country_follow_orders_through_customers_to_their_cities() {
    let model = chain();
    let everything = evaluate(&model, &Selections::default());
    assert_eq!(
        sums(&model, &everything, &["Country"]),
        pairs(&[("France", 5.0), ("Norway", 220.0), ("-", 1.0)]),
        "Umbrella has no city: its order is in no country, under the missing value"
    );
    assert_eq!(
        sums(&model, &everything, &["Country", "City"]),
        pairs(&[
            ("France / Lyon", 5.0),
            ("Norway / Bergen", 70.0),
            ("Norway / Oslo", 150.0),
            ("- / -", 1.0),
        ])
    );
}

#[test]
fn selecting_a_country_narrows_orders_and_selecting_an_order_narrows_countries() {
    let model = chain();
    let mut selections = Selections::default();
    select(&model, &mut selections, "Country", &["Norway"]);
    let norway = evaluate(&model, &selections);
    assert_eq!(possible(&model, &norway, "OrderId"), ["1", "2", "3"]);
    assert_eq!(possible(&model, &norway, "Name"), ["Acme", "Globex"]);
    assert_eq!(
        sums(&model, &norway, &["Name"]),
        pairs(&[("Acme", 150.0), ("Globex", 70.0)])
    );

    let mut selections = Selections::default();
    select(&model, &mut selections, "OrderId", &["4"]);
    let order_four = evaluate(&model, &selections);
    assert_eq!(possible(&model, &order_four, "Country"), ["France"]);
    assert_eq!(possible(&model, &order_four, "City"), ["Lyon"]);
}

#[test]
fn section_access_on_a_country_keeps_only_its_orders_three_tables_away() {
    let model = chain();
    let france = reduce(
        &model,
        &[Reduction {
            field: "Country".into(),
            allowed: vec!["France".into()],
        }],
    )
    .unwrap();
    let everything = evaluate(&france, &Selections::default());
    assert_eq!(
        sums(&france, &everything, &["Name"]),
        pairs(&[("Initech", 5.0)])
    );
    assert_eq!(possible(&france, &everything, "OrderId"), ["4"]);
    assert_eq!(
        possible(&france, &everything, "City"),
        ["Lyon", "Nice"],
        "Nice is in France: the rule allows it, though no customer lives there"
    );
    assert_eq!(france.code_of(france.field("Name").unwrap(), "Acme"), None);
}

#[test]
fn a_snowflake_charts_categories_by_regions_from_two_branches() {
    let model = snowflake();
    let everything = evaluate(&model, &Selections::default());
    assert_eq!(
        sums(&model, &everything, &["Category", "Region"]),
        pairs(&[
            ("Accessories / North", 70.0),
            ("Accessories / South", 30.0),
            ("Bikes / North", 50.0)
        ])
    );
    let mut selections = Selections::default();
    select(&model, &mut selections, "Region", &["South"]);
    let south = evaluate(&model, &selections);
    assert_eq!(possible(&model, &south, "Category"), ["Accessories"]);
    assert_eq!(possible(&model, &south, "Product"), ["Lamp"]);
    assert_eq!(
        sums(&model, &south, &["Category"]),
        pairs(&[("Accessories", 30.0)])
    );

    let mut selections = Selections::default();
    select(&model, &mut selections, "Category", &["Bikes"]);
    let bikes = evaluate(&model, &selections);
    assert_eq!(
        possible(&model, &bikes, "Store"),
        ["Bergen Storsenter", "Oslo City"]
    );
    assert_eq!(possible(&model, &bikes, "Region"), ["North"]);
}

#[test]
fn section_access_on_a_region_reaches_the_other_branch_of_the_snowflake() {
    let model = snowflake();
    let north = reduce(
        &model,
        &[Reduction {
            field: "Region".into(),
            allowed: vec!["North".into()],
        }],
    )
    .unwrap();
    let everything = evaluate(&north, &Selections::default());
    assert_eq!(
        sums(&north, &everything, &["Category"]),
        pairs(&[("Accessories", 70.0), ("Bikes", 50.0)])
    );
    assert_eq!(
        possible(&north, &everything, "Product"),
        ["Bike", "Helmet"],
        "the Lamp sold only in the South"
    );
    let count = |field: &str| {
        compute(
            &north,
            &everything,
            &CubeRequest {
                dimensions: vec![],
                measures: vec![Measure {
                    field: north.field(field).unwrap(),
                    aggregation: Aggregation::CountDistinct,
                }],
                sort: Sort::Dimension { descending: false },
                top: None,
                hide_missing: false,
            },
        )
        .totals[0]
    };
    assert_eq!(count("SaleId"), Some(4.0));
}
