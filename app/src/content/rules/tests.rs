//! The table tests of `content::rules`: who may see and change what, and the section access decision.

use super::*;
use crate::sharing::rules::{effective_access, Grant, SharerPermissions, Source};
use crate::spaces::rules::SpaceRole;

fn field(name: &str, field_type: &str, distinct: usize, tables: &[&str]) -> FieldInfo {
    FieldInfo {
        name: name.into(),
        field_type: field_type.into(),
        distinct,
        tables: tables.iter().map(|t| t.to_string()).collect(),
        rows: tables
            .iter()
            .map(|t| if *t == "orders" { 100_000 } else { 2_000 })
            .sum(),
        missing: 0,
    }
}

fn sales_fields() -> Vec<FieldInfo> {
    vec![
        field("OrderId", "integer", 100_000, &["orders"]),
        field("CustomerId", "integer", 2_000, &["orders", "customers"]),
        field("OrderDate", "date", 730, &["orders"]),
        field("Month", "text", 24, &["orders"]),
        field("Product", "text", 12, &["orders"]),
        field("Amount", "decimal", 90_000, &["orders"]),
        field("Quantity", "integer", 10, &["orders"]),
        field("Region", "text", 4, &["customers"]),
        field("Segment", "text", 3, &["customers"]),
    ]
}

fn spec(kind: ChartKind, dimensions: &[&str], measures: &[(&str, Aggregation)]) -> ChartSpec {
    ChartSpec {
        kind,
        title: String::new(),
        dimensions: dimensions.iter().map(|d| d.to_string()).collect(),
        measures: measures
            .iter()
            .map(|(f, a)| MeasureSpec {
                field: f.to_string(),
                aggregation: *a,
            })
            .collect(),
        sort_by: SortBy::Measure,
        descending: true,
        top: None,
        hide_missing: false,
    }
}

#[test]
fn each_kind_takes_its_own_number_of_dimensions_and_measures() {
    let fields = sales_fields();
    let ok = |s: ChartSpec| check_chart(s, &fields).is_ok();
    assert!(ok(spec(
        ChartKind::Kpi,
        &[],
        &[("Amount", Aggregation::Sum)]
    )));
    assert!(!ok(spec(
        ChartKind::Kpi,
        &["Region"],
        &[("Amount", Aggregation::Sum)]
    )));
    assert!(ok(spec(
        ChartKind::Bar,
        &["Region"],
        &[
            ("Amount", Aggregation::Sum),
            ("OrderId", Aggregation::Count)
        ]
    )));
    assert!(!ok(spec(
        ChartKind::Pie,
        &["Region"],
        &[
            ("Amount", Aggregation::Sum),
            ("OrderId", Aggregation::Count)
        ]
    )));
    assert!(ok(spec(
        ChartKind::Table,
        &["Region", "Product", "Month"],
        &[]
    )));
    assert!(!ok(spec(
        ChartKind::Table,
        &["Region", "Product", "Month", "Segment"],
        &[]
    )));
    assert!(ok(spec(ChartKind::FilterPane, &["Region"], &[])));
    let error = check_chart(
        spec(ChartKind::Line, &[], &[("Amount", Aggregation::Sum)]),
        &fields,
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "A Line chart takes one dimension; this one has 0."
    );
}

#[test]
fn fields_must_be_the_datas_own_and_are_named_as_the_data_names_them() {
    let fields = sales_fields();
    let checked = check_chart(
        spec(ChartKind::Bar, &["region"], &[("amount", Aggregation::Avg)]),
        &fields,
    )
    .unwrap();
    assert_eq!(checked.dimensions, vec!["Region"]);
    assert_eq!(checked.measures[0].field, "Amount");
    let error = check_chart(
        spec(
            ChartKind::Bar,
            &["Country"],
            &[("Amount", Aggregation::Sum)],
        ),
        &fields,
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "The data has no field \"Country\". Pick one of the app's fields."
    );
    let mut too_many = spec(ChartKind::Bar, &["Region"], &[("Amount", Aggregation::Sum)]);
    too_many.top = Some(0);
    assert!(check_chart(too_many, &fields).is_err());
    assert!(check_chart(spec(ChartKind::Table, &["Region", "region"], &[]), &fields).is_err());
}

#[test]
fn the_first_sheet_is_laid_out_from_the_fields() {
    let charts = first_sheet(&sales_fields());
    let kinds: Vec<ChartKind> = charts.iter().map(|c| c.kind).collect();
    assert_eq!(
        kinds,
        vec![
            ChartKind::Kpi,
            ChartKind::Kpi,
            ChartKind::Bar,
            ChartKind::Pie,
            ChartKind::Line,
            ChartKind::Table,
            ChartKind::FilterPane,
            ChartKind::FilterPane,
            ChartKind::FilterPane
        ]
    );
    assert_eq!(
        charts[0].measures[0].label(),
        "Sum of Amount",
        "the decimal of the largest table that names no identifier is the amount"
    );
    assert_eq!(
        charts[1].measures[0].label(),
        "Count of OrderId",
        "the second KPI counts the rows of the largest table"
    );
    assert_eq!(
        charts[2].dimensions,
        vec!["Segment"],
        "the category with the fewest values first"
    );
    assert_eq!(
        charts[2].measures[0].label(),
        "Count of OrderId",
        "bars and slices count rows: never a negative slice"
    );
    assert_eq!(
        charts[4].dimensions,
        vec!["Month"],
        "a month field makes the line"
    );
    for chart in &charts {
        assert!(
            check_chart(chart.clone(), &sales_fields()).is_ok(),
            "{chart:?} is a valid chart"
        );
    }
    assert!(first_sheet(&[]).is_empty());
}

#[test]
fn a_first_sheet_never_adds_up_identifiers_codes_or_coordinates() {
    let fields = vec![
        field("flight", "integer", 3_000, &["flights"]),
        field("carrier", "text", 16, &["flights", "airlines"]),
        field("dep_delay", "decimal", 500, &["flights"]),
        field("lat", "decimal", 1_400, &["airports"]),
        field("lon", "decimal", 1_400, &["airports"]),
        field("year", "integer", 1, &["flights"]),
        field("origin", "text", 3, &["flights"]),
    ];
    let fields: Vec<FieldInfo> = fields
        .into_iter()
        .map(|f| FieldInfo {
            rows: if f.tables == ["flights"] {
                336_776
            } else {
                1_400
            },
            ..f
        })
        .collect();
    let charts = first_sheet(&fields);
    let measures: Vec<String> = charts
        .iter()
        .flat_map(|c| c.measures.iter().map(MeasureSpec::label))
        .collect();
    assert!(
        measures.contains(&"Sum of dep_delay".to_string()),
        "{measures:?}"
    );
    for measure in &measures {
        assert!(
            measure.starts_with("Count of") || measure == "Sum of dep_delay",
            "{measure} is neither a count nor the amount"
        );
    }
    let pie = charts.iter().find(|c| c.kind == ChartKind::Pie).unwrap();
    assert_eq!(pie.measures[0].aggregation, Aggregation::Count);
}

fn access(space: SpaceType, roles: &[SpaceRole]) -> Access {
    effective_access(
        space,
        &[Grant {
            source: Source::SpaceMember,
            roles: roles.to_vec(),
        }],
        SharerPermissions::default(),
    )
}

#[test]
fn editors_change_public_sheets_and_contributors_their_private_ones() {
    let editor = access(SpaceType::Shared, &[SpaceRole::CoDeveloper]);
    let contributor = access(SpaceType::Managed, &[SpaceRole::Contributor]);
    let viewer = access(SpaceType::Managed, &[SpaceRole::Consumer]);
    assert!(may_edit_sheet(None, "ed", &editor));
    assert!(!may_edit_sheet(None, "co", &contributor));
    assert!(may_edit_sheet(Some("co"), "co", &contributor));
    assert!(
        !may_edit_sheet(Some("co"), "other", &contributor),
        "someone else's private sheet"
    );
    assert!(!new_sheet_is_private(&editor).unwrap());
    assert!(new_sheet_is_private(&contributor).unwrap());
    assert!(new_sheet_is_private(&viewer).is_err());
    assert!(may_see_sheet(None, "anyone"));
    assert!(!may_see_sheet(Some("co"), "anyone"));
}

#[test]
fn section_access_adds_up_per_field_and_leaves_the_unnamed_nothing() {
    let rule =
        |user: Option<&str>, group: Option<&str>, field: &str, allowed: &[&str]| StoredRule {
            user_id: user.map(Into::into),
            group_id: group.map(Into::into),
            field: field.into(),
            allowed: allowed.iter().map(|a| a.to_string()).collect(),
        };
    let rules = vec![
        rule(Some("u1"), None, "Region", &["North"]),
        rule(None, Some("g1"), "region", &["South"]),
        rule(None, Some("g2"), "Segment", &["Retail"]),
    ];
    assert_eq!(
        data_access(&[], "u1", &[], false),
        DataAccess::All,
        "no rules: everything"
    );
    assert_eq!(
        data_access(&rules, "u1", &[], true),
        DataAccess::All,
        "editors see everything"
    );
    assert_eq!(
        data_access(&rules, "u1", &[], false),
        DataAccess::Reduced(vec![("Region".into(), vec!["North".into()])])
    );
    assert_eq!(
        data_access(&rules, "u1", &["g1".into()], false),
        DataAccess::Reduced(vec![(
            "Region".into(),
            vec!["North".into(), "South".into()]
        )])
    );
    assert_eq!(
        data_access(&rules, "u2", &["g1".into(), "g2".into()], false),
        DataAccess::Reduced(vec![
            ("region".into(), vec!["South".into()]),
            ("Segment".into(), vec!["Retail".into()])
        ])
    );
    assert_eq!(
        data_access(&rules, "u3", &[], false),
        DataAccess::Reduced(vec![("Region".into(), vec![])]),
        "named by no rule: no rows"
    );
    let gone = StoredRule {
        user_id: None,
        group_id: None,
        field: "Region".into(),
        allowed: vec!["North".into()],
    };
    assert_eq!(
        data_access(std::slice::from_ref(&gone), "u1", &[], false),
        DataAccess::Reduced(vec![("Region".into(), vec![])]),
        "a rule whose group was deleted names nobody, and still denies"
    );
    let star = vec![
        rule(Some("boss"), None, "Region", &["*"]),
        rule(Some("u1"), None, "Region", &["North"]),
    ];
    assert_eq!(
        data_access(&star, "boss", &[], false),
        DataAccess::All,
        "a rule allowing * sees every value"
    );
    assert_eq!(
        data_access(&star, "u1", &[], false),
        DataAccess::Reduced(vec![("Region".into(), vec!["North".into()])])
    );
    assert_eq!(
        parse_allowed(" North, South\nNorth ").unwrap(),
        vec!["North", "South"]
    );
    assert!(parse_allowed(" , ").is_err());
}

#[test]
fn who_sees_every_row_of_an_app_with_rules() {
    use SpaceRole::*;
    let owner = effective_access(
        SpaceType::Shared,
        &[Grant {
            source: Source::SpaceOwner,
            roles: vec![],
        }],
        SharerPermissions::default(),
    );
    let managed_owner = effective_access(
        SpaceType::Managed,
        &[Grant {
            source: Source::SpaceOwner,
            roles: vec![],
        }],
        SharerPermissions::default(),
    );
    let table: &[(&str, SpaceType, Access, bool)] = &[
        (
            "the owner of a shared space (edits the draft)",
            SpaceType::Shared,
            owner,
            true,
        ),
        (
            "Can edit in a shared space",
            SpaceType::Shared,
            access(SpaceType::Shared, &[CoDeveloper]),
            true,
        ),
        (
            "Can manage in a shared space (no edit)",
            SpaceType::Shared,
            access(SpaceType::Shared, &[Facilitator]),
            false,
        ),
        (
            "Can view in a shared space",
            SpaceType::Shared,
            access(SpaceType::Shared, &[Consumer]),
            false,
        ),
        (
            "the owner of a managed space",
            SpaceType::Managed,
            managed_owner,
            false,
        ),
        (
            "Can manage in a managed space",
            SpaceType::Managed,
            access(SpaceType::Managed, &[Facilitator]),
            false,
        ),
        (
            "Can publish in a managed space",
            SpaceType::Managed,
            access(SpaceType::Managed, &[Publisher]),
            false,
        ),
        (
            "Can contribute in a managed space",
            SpaceType::Managed,
            access(SpaceType::Managed, &[Contributor]),
            false,
        ),
        (
            "every role at once in a managed space",
            SpaceType::Managed,
            access(
                SpaceType::Managed,
                &[Facilitator, Publisher, Contributor, Consumer, Operator],
            ),
            false,
        ),
    ];
    for (who, space, access, expected) in table {
        assert_eq!(sees_all_rows(*space, access), *expected, "{who}");
    }
}

#[test]
fn accesses_intersect_to_no_more_than_either() {
    let north = DataAccess::Reduced(vec![("Region".into(), vec!["North".into()])]);
    let north_south = DataAccess::Reduced(vec![(
        "region".into(),
        vec!["North".into(), "South".into()],
    )]);
    let retail = DataAccess::Reduced(vec![("Segment".into(), vec!["Retail".into()])]);
    assert_eq!(DataAccess::All.intersect(&north), north);
    assert_eq!(north.intersect(&DataAccess::All), north);
    assert_eq!(
        north_south.intersect(&north),
        DataAccess::Reduced(vec![("region".into(), vec!["North".into()])])
    );
    assert_eq!(
        north.intersect(&retail),
        DataAccess::Reduced(vec![
            ("Region".into(), vec!["North".into()]),
            ("Segment".into(), vec!["Retail".into()])
        ])
    );
    let south = DataAccess::Reduced(vec![("Region".into(), vec!["South".into()])]);
    assert_eq!(
        north.intersect(&south),
        DataAccess::Reduced(vec![("Region".into(), vec![])]),
        "nothing in common: nothing"
    );
    assert_eq!(north.allowed_in("REGION"), Some(&["North".to_string()][..]));
    assert_eq!(north.allowed_in("Segment"), None);
}

#[test]
fn visitors_reach_only_the_fields_public_charts_use() {
    let charts = vec![
        spec(ChartKind::Bar, &["Region"], &[("Amount", Aggregation::Sum)]),
        spec(ChartKind::FilterPane, &["region"], &[]),
        spec(ChartKind::Kpi, &[], &[("OrderId", Aggregation::Count)]),
    ];
    let public = public_fields(&charts);
    assert_eq!(public, vec!["Amount", "OrderId", "Region"]);
    assert!(check_public_field("REGION", &public).is_ok());
    assert!(check_public_field("CustomerName", &public)
        .unwrap_err()
        .to_string()
        .contains("not on this app's public sheets"));
    assert!(check_selection_size(MAX_SELECTED_VALUES).is_ok());
    assert!(check_selection_size(MAX_SELECTED_VALUES + 1).is_err());
}

#[test]
fn numbers_read_well() {
    assert_eq!(format_number(1234567.891, false), "1,234,567.89");
    assert_eq!(format_number(-5.5, false), "-5.5");
    assert_eq!(format_number(12.0, false), "12");
    assert_eq!(format_number(1234567.0, true), "1.2M");
    assert_eq!(format_number(250_000.0, true), "250K");
    assert_eq!(format_number(999.0, true), "999");
    assert_eq!(format_number(f64::NAN, true), "-");
}

#[test]
fn files_and_tables_are_named_plainly() {
    assert_eq!(check_file_name(" orders.csv ").unwrap(), "orders.csv");
    assert_eq!(table_name("orders.csv"), "orders");
    assert!(check_file_name("../etc/passwd.csv").is_err());
    assert_eq!(
        check_file_name("orders.xls").unwrap_err().to_string(),
        "orders.xls is not a CSV file or an Excel workbook: upload files ending in .csv, .tsv, .txt or .xlsx."
    );
    assert_eq!(check_file_name("budget.xlsx").unwrap(), "budget.xlsx");
}
