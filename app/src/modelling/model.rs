//! The data model as the page sees it. The plan, report, warnings and links have the engine's
//! shapes (the engine is the server's alone; these are their wire forms), types written as the
//! plan writes them (`integer`, `decimal`, `date`, `timestamp`, `time`, `text`).

use serde::{Deserialize, Serialize};

/// The load plan: which files, and what the editors changed about their columns.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub tables: Vec<TablePlan>,
    /// The sources that are not uploaded CSV files: data connections' queries and files, and
    /// workbooks' sheets, by the names tables read them under.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<SourcePlan>,
    /// Cells with exactly one of these texts are missing values, like empty cells.
    pub missing: Vec<String>,
}

/// Where a source that is not an uploaded CSV file comes from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourcePlan {
    pub name: String,
    /// The data connection's id; none: an uploaded workbook.
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
    /// Rows of a sheet above its header row.
    #[serde(default)]
    pub header_row: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TablePlan {
    /// The uploaded file it is read from.
    pub source: String,
    /// Files whose rows follow the first one's (a month appended to the year before).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub appended: Vec<String>,
    /// Its name in the model.
    pub name: String,
    /// Its fields are named `table.column`, and associate with no other table (except keys).
    #[serde(default)]
    pub qualify: bool,
    #[serde(default)]
    pub columns: Vec<ColumnPlan>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnPlan {
    pub column: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rename: Option<String>,
    #[serde(default)]
    pub drop: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_type: Option<String>,
    #[serde(default)]
    pub key: bool,
}

impl TablePlan {
    /// Every file the table reads, the first one first.
    pub fn sources(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.source.as_str()).chain(self.appended.iter().map(String::as_str))
    }
}

impl Plan {
    /// The change a column's plan holds, made if it is not there yet.
    pub fn column_mut(&mut self, table: &str, column: &str) -> Option<&mut ColumnPlan> {
        let table = self.tables.iter_mut().find(|t| t.name == table)?;
        if let Some(i) = table.columns.iter().position(|c| c.column == column) {
            return Some(&mut table.columns[i]);
        }
        table.columns.push(ColumnPlan {
            column: column.to_string(),
            ..Default::default()
        });
        table.columns.last_mut()
    }
}

/// What one table's load found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableReport {
    pub name: String,
    pub source: String,
    #[serde(default)]
    pub appended: Vec<String>,
    pub rows: usize,
    pub columns: Vec<ColumnReport>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnReport {
    pub header: String,
    /// The field it became; none: dropped.
    pub field: Option<String>,
    pub field_type: Option<String>,
    /// Why it has its type.
    pub reason: String,
    pub missing: usize,
    pub missing_found: Vec<String>,
    pub unreadable: Vec<String>,
    pub samples: Vec<String>,
}

/// Something about the model to look at, with the fix it suggests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    /// `synthetic_key`, `loop`, `weak_key`, `generic_key`, `measure_key`, `row_number_key`.
    pub kind: String,
    pub message: String,
    pub tables: Vec<String>,
    pub fields: Vec<String>,
    pub fix: Option<Rename>,
}

/// One click's fix: give the field another name in this table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rename {
    pub table: String,
    pub field: String,
    pub to: String,
}

/// A key field and how its values match between the tables that hold it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    pub field: String,
    pub sides: Vec<Side>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Side {
    pub table: String,
    pub values: usize,
    pub matched: usize,
    pub unique: bool,
}

/// The data-model page of an app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataModelPage {
    pub app_id: String,
    pub app_name: String,
    pub plan: Plan,
    pub tables: Vec<TableReport>,
    pub warnings: Vec<Warning>,
    pub links: Vec<Link>,
    /// The synthetic keys' tables the load made (Qlik's `$Syn n Table`), drawn in the graph
    /// between the tables they join.
    #[serde(default)]
    pub synthetic: Vec<SyntheticTable>,
}

/// A table of the combinations of several fields that two tables or more share.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyntheticTable {
    /// `$Syn 1 Table`.
    pub name: String,
    /// How many combinations occur.
    pub rows: usize,
    /// The shared fields it holds.
    pub fields: Vec<String>,
}

/// The types a column can be given, as the plan writes them.
pub const TYPES: [&str; 6] = ["integer", "decimal", "date", "timestamp", "time", "text"];
