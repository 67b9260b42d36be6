//! The load plan: what the data-model step decided about an app's sources, as data. It is the
//! one input of the load besides the sources' bytes: an app stores it, the data-model page edits
//! it, a reload replays it. Which sources become which tables, each column's name in the model
//! (or none: dropped), a type the user chose over the inferred one, the texts that mean "no
//! value", and which tables keep their fields to themselves (qualified).

use serde::{Deserialize, Serialize};

use crate::types::FieldType;

/// Texts that mean "no value" unless the plan says otherwise: what pandas, R and the databases
/// write for a missing cell. An empty cell is always missing.
pub const MISSING: &[&str] = &["NA", "N/A", "NULL", "null", "NaN", "-"];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoadPlan {
    pub tables: Vec<TablePlan>,
    /// The sources that are not uploaded files, by the names tables read them under.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<SourcePlan>,
    /// Cells with exactly one of these texts are missing values, like empty cells.
    #[serde(default = "default_missing")]
    pub missing: Vec<String>,
}

fn default_missing() -> Vec<String> {
    MISSING.iter().map(|t| t.to_string()).collect()
}

/// A source that is not an uploaded CSV file: a data connection's query or folder file, or a
/// sheet of a workbook. The engine reads none of it (it takes rows, `source::Source`); it is
/// here so that the plan says where each table comes from and a reload reads the same again.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourcePlan {
    /// The name tables read it under (`TablePlan::source`).
    pub name: String,
    /// The data connection's id; none: an uploaded file (a workbook's sheet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection: Option<String>,
    /// A database connection's query.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// A folder connection's file, or the uploaded workbook.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// A workbook's sheet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    /// Rows of a sheet above its header row (0: the first row is the header).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub header_row: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TablePlan {
    /// The source the table is read from: an uploaded file's name, or a `SourcePlan`'s.
    pub source: String,
    /// Sources whose rows follow the first source's in the same table (Qlik's concatenation: a
    /// month of data appended to the year before it). Their columns are matched by header; a
    /// column one of them lacks is missing in its rows.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub appended: Vec<String>,
    /// The table's name in the model.
    pub name: String,
    /// Qualify the table: its fields are named `table.column`, so that they associate with no
    /// other table, except the columns marked `key`.
    #[serde(default)]
    pub qualify: bool,
    /// What the user changed about some of its columns; a column not listed loads as it is.
    #[serde(default)]
    pub columns: Vec<ColumnPlan>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnPlan {
    /// The column's header in the source.
    pub column: String,
    /// Its field's name in the model: tables associate through fields of the same name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rename: Option<String>,
    /// Left out of the model.
    #[serde(default)]
    pub drop: bool,
    /// The type the user chose; values that do not fit it are missing (the load says how many).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_type: Option<FieldType>,
    /// In a qualified table: keeps its name, so that the table still associates through it.
    #[serde(default)]
    pub key: bool,
}

impl LoadPlan {
    /// Every source as a table of its own name, every column as it is: what a new app's files
    /// load as before anyone changes anything.
    pub fn for_sources(names: &[&str]) -> LoadPlan {
        LoadPlan {
            tables: names
                .iter()
                .map(|name| TablePlan {
                    source: name.to_string(),
                    appended: Vec::new(),
                    name: name.to_string(),
                    qualify: false,
                    columns: Vec::new(),
                })
                .collect(),
            sources: Vec::new(),
            missing: default_missing(),
        }
    }

    /// Where a source comes from, when it is not an uploaded CSV file.
    pub fn source(&self, name: &str) -> Option<&SourcePlan> {
        self.sources.iter().find(|s| s.name == name)
    }

    /// Whether a cell's text is a missing value.
    pub fn is_missing(&self, text: &[u8]) -> bool {
        self.missing.iter().any(|m| m.as_bytes() == text)
    }
}

impl TablePlan {
    /// Every source of the table, the first one first.
    pub fn sources(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.source.as_str()).chain(self.appended.iter().map(String::as_str))
    }

    pub fn column(&self, header: &str) -> Option<&ColumnPlan> {
        self.columns.iter().find(|c| c.column == header)
    }

    pub fn column_mut(&mut self, header: &str) -> &mut ColumnPlan {
        match self.columns.iter().position(|c| c.column == header) {
            Some(at) => &mut self.columns[at],
            None => {
                self.columns.push(ColumnPlan {
                    column: header.to_string(),
                    ..ColumnPlan::default()
                });
                self.columns.last_mut().expect("just pushed")
            }
        }
    }

    /// The field a column of the source becomes; `None` when it is dropped.
    pub fn field_name(&self, header: &str) -> Option<String> {
        let plan = self.column(header);
        if plan.is_some_and(|c| c.drop) {
            return None;
        }
        let name = plan
            .and_then(|c| c.rename.clone())
            .unwrap_or_else(|| header.to_string());
        let key = plan.is_some_and(|c| c.key);
        Some(if self.qualify && !key {
            format!("{}.{name}", self.name)
        } else {
            name
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plan_names_each_column_as_the_user_chose() {
        let mut table = LoadPlan::for_sources(&["stations.csv"]).tables.remove(0);
        assert_eq!(table.field_name("year").as_deref(), Some("year"));
        table.column_mut("year").rename = Some("year_built".into());
        table.column_mut("lat").drop = true;
        assert_eq!(table.field_name("year").as_deref(), Some("year_built"));
        assert_eq!(table.field_name("lat"), None);
        table.qualify = true;
        table.column_mut("station").key = true;
        assert_eq!(
            table.field_name("name").as_deref(),
            Some("stations.csv.name")
        );
        assert_eq!(table.field_name("station").as_deref(), Some("station"));
    }

    #[test]
    fn a_plan_is_data_that_reads_back_the_same() {
        let mut plan = LoadPlan::for_sources(&["a.csv", "b.csv"]);
        plan.tables[1].column_mut("delay").field_type = Some(FieldType::Decimal);
        let json = serde_json::to_string(&plan).unwrap();
        assert!(json.contains(r#""field_type":"decimal""#), "{json}");
        assert_eq!(serde_json::from_str::<LoadPlan>(&json).unwrap(), plan);
        let old: LoadPlan =
            serde_json::from_str(r#"{"tables":[{"source":"a.csv","name":"a"}]}"#).unwrap();
        assert_eq!(
            old.missing,
            default_missing(),
            "a plan without a list uses the defaults"
        );
        assert!(old.is_missing(b"NA") && !old.is_missing(b"NAN") && !old.is_missing(b"0"));
    }
}
