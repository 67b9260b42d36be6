//! What an app's content looks like to the portal and the REST API: sheets, chart definitions,
//! and the computed charts a sheet shows under the viewer's selections.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChartKind {
    Kpi,
    Bar,
    Line,
    Pie,
    Table,
    FilterPane,
}

impl ChartKind {
    pub const ALL: [ChartKind; 6] = [
        ChartKind::Kpi,
        ChartKind::Bar,
        ChartKind::Line,
        ChartKind::Pie,
        ChartKind::Table,
        ChartKind::FilterPane,
    ];

    pub fn ui_name(self) -> &'static str {
        match self {
            ChartKind::Kpi => "KPI",
            ChartKind::Bar => "Bar chart",
            ChartKind::Line => "Line chart",
            ChartKind::Pie => "Pie chart",
            ChartKind::Table => "Table",
            ChartKind::FilterPane => "Filter pane",
        }
    }

    pub fn api_name(self) -> &'static str {
        match self {
            ChartKind::Kpi => "kpi",
            ChartKind::Bar => "bar",
            ChartKind::Line => "line",
            ChartKind::Pie => "pie",
            ChartKind::Table => "table",
            ChartKind::FilterPane => "filter_pane",
        }
    }

    pub fn parse(text: &str) -> Option<ChartKind> {
        ChartKind::ALL.into_iter().find(|k| k.api_name() == text)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Aggregation {
    Sum,
    Count,
    CountDistinct,
    Avg,
    Min,
    Max,
}

impl Aggregation {
    pub const ALL: [Aggregation; 6] = [
        Aggregation::Sum,
        Aggregation::Count,
        Aggregation::CountDistinct,
        Aggregation::Avg,
        Aggregation::Min,
        Aggregation::Max,
    ];

    /// Whether it adds numbers up: offered only on numeric fields (counts apply to every field).
    pub fn is_numeric(self) -> bool {
        !matches!(self, Aggregation::Count | Aggregation::CountDistinct)
    }

    pub fn ui_name(self) -> &'static str {
        match self {
            Aggregation::Sum => "Sum",
            Aggregation::Count => "Count",
            Aggregation::CountDistinct => "Count distinct",
            Aggregation::Avg => "Average",
            Aggregation::Min => "Minimum",
            Aggregation::Max => "Maximum",
        }
    }

    pub fn api_name(self) -> &'static str {
        match self {
            Aggregation::Sum => "sum",
            Aggregation::Count => "count",
            Aggregation::CountDistinct => "count_distinct",
            Aggregation::Avg => "avg",
            Aggregation::Min => "min",
            Aggregation::Max => "max",
        }
    }

    pub fn parse(text: &str) -> Option<Aggregation> {
        Aggregation::ALL.into_iter().find(|a| a.api_name() == text)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeasureSpec {
    pub field: String,
    pub aggregation: Aggregation,
}

impl MeasureSpec {
    /// "Sum of Amount", as a chart's axis and legend name it.
    pub fn label(&self) -> String {
        format!("{} of {}", self.aggregation.ui_name(), self.field)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortBy {
    /// The first dimension's values, in their natural order (numbers, dates, text).
    Dimension,
    /// The first measure.
    Measure,
}

/// A chart as saved: what it shows, not what it computed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChartSpec {
    pub kind: ChartKind,
    pub title: String,
    pub dimensions: Vec<String>,
    pub measures: Vec<MeasureSpec>,
    pub sort_by: SortBy,
    pub descending: bool,
    /// Show this many rows; the rest become one "Others" row.
    pub top: Option<u32>,
    /// Leave out the row of records associated with no value of a dimension ("-"); the totals
    /// still count them.
    #[serde(default)]
    pub hide_missing: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SheetInfo {
    pub id: String,
    pub title: String,
    /// Private sheets are seen only by the person who made them.
    pub private: bool,
}

/// A field of the app's data, for the chart editor and the data summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldInfo {
    pub name: String,
    /// integer | decimal | date | timestamp | text
    pub field_type: String,
    pub distinct: usize,
    /// Tables the field appears in: two or more make it a key that associates them.
    pub tables: Vec<String>,
    /// Rows of those tables.
    #[serde(default)]
    pub rows: usize,
    /// Of them, rows without a value of the field.
    #[serde(default)]
    pub missing: usize,
}

impl FieldInfo {
    /// Whether sums, averages, minimums and maximums apply to it (counts apply to every field).
    pub fn is_numeric(&self) -> bool {
        matches!(self.field_type.as_str(), "integer" | "decimal")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableInfo {
    pub name: String,
    pub rows: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueState {
    Selected,
    Possible,
    Excluded,
}

/// One value of a dimension as a chart shows it; `code` is what a click selects (none for
/// the Others row).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChartRow {
    pub labels: Vec<String>,
    pub codes: Vec<u32>,
    pub others: bool,
    pub values: Vec<Option<f64>>,
}

/// How the missing value reads: the row of records associated with no value of a dimension.
pub const MISSING_LABEL: &str = "-";

impl ChartRow {
    /// The code of the `d`-th dimension's value, when a click can select it: not on the Others
    /// row, nor on the missing value.
    pub fn code(&self, d: usize) -> Option<u32> {
        if self.others {
            return None;
        }
        self.codes.get(d).copied().filter(|&c| c != u32::MAX)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListValue {
    pub label: String,
    pub code: u32,
    pub state: ValueState,
}

/// What a dimension's values are, so that a page writes dates in its reader's order (the
/// data's labels are ISO: `2026-01-05`); numbers used as values (years, codes) stay as they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum ValueKind {
    #[default]
    Text,
    /// A date, or a date and time.
    Date,
}

/// What a chart computed under the viewer's selections.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ChartData {
    /// KPI, bar, line, pie and table: rows of dimension values by measure values.
    Cube {
        dimensions: Vec<String>,
        measures: Vec<String>,
        rows: Vec<ChartRow>,
        totals: Vec<Option<f64>>,
        selected: Vec<Vec<u32>>,
        /// Each dimension's kind of values.
        #[serde(default)]
        kinds: Vec<ValueKind>,
    },
    /// A filter pane: a field's values with their states; `more` were left out of the list.
    List {
        field: String,
        values: Vec<ListValue>,
        more: usize,
        #[serde(default)]
        kind: ValueKind,
    },
    /// The chart cannot be computed (a field the data no longer has): says why.
    Problem(String),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChartView {
    pub id: String,
    pub spec: ChartSpec,
    pub data: ChartData,
}

/// A field's selection as the selections bar shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SelectionChip {
    pub field: String,
    /// The first few selected values.
    pub values: Vec<String>,
    pub count: usize,
    #[serde(default)]
    pub kind: ValueKind,
}

/// The data of an app in brief.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataSummary {
    pub tables: Vec<TableInfo>,
    pub fields: Vec<FieldInfo>,
    pub files: Vec<String>,
    /// Section access limits what this viewer sees.
    pub reduced: bool,
}

/// Everything an open sheet shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SheetView {
    pub app_id: String,
    pub app_name: String,
    pub space_id: String,
    pub space_name: String,
    pub sheets: Vec<SheetInfo>,
    /// The open sheet; none when the app has no sheet the viewer can see.
    pub sheet: Option<SheetInfo>,
    pub charts: Vec<ChartView>,
    pub selections: Vec<SelectionChip>,
    pub can_back: bool,
    pub can_forward: bool,
    /// The viewer may change the open sheet.
    pub can_edit_sheet: bool,
    /// The viewer may add sheets (public for editors, private for contributors).
    pub can_add_sheet: bool,
    /// None: the app has no data yet.
    pub data: Option<DataSummary>,
    /// Live anonymous links reach the app: its public sheets are open to anyone with one.
    pub public: bool,
    /// Fields where someone else selected values this viewer may not see (a collaborative
    /// session's participants each read the shared selections through their own access).
    #[serde(default)]
    pub filtered_by_others: Vec<String>,
    /// Which load of the app's data the sheet shows, and when it was loaded (Unix ms): a sheet
    /// that sees the version change says "Data updated 14:05".
    #[serde(default)]
    pub data_version: i64,
    #[serde(default)]
    pub data_loaded_at: i64,
}

/// One field's selection held by value text rather than by code: it means the same on every
/// reduction of an app's data, where codes do not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValueField {
    pub field: String,
    pub values: Vec<String>,
}

/// A change to selections held by value, resolved from a viewer's `SelectionChange` on the data
/// they see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ValueChange {
    Set { field: String, values: Vec<String> },
    Toggle { field: String, value: String },
    Clear { field: String },
    ClearAll,
}

/// A change to the viewer's selections.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SelectionChange {
    /// Add a value to a field's selection, or take it out.
    Toggle {
        field: String,
        code: u32,
    },
    /// Select exactly these values.
    Select {
        field: String,
        codes: Vec<u32>,
    },
    /// Select exactly the values with these texts (embed addresses name values, not codes).
    SelectValues {
        field: String,
        values: Vec<String>,
    },
    /// Select the possible values whose text contains this.
    Search {
        field: String,
        text: String,
    },
    Clear {
        field: String,
    },
    ClearAll,
    Back,
    Forward,
}

impl SelectionChange {
    /// The field the change names, if it names one.
    pub fn field(&self) -> Option<&str> {
        match self {
            SelectionChange::Toggle { field, .. }
            | SelectionChange::Select { field, .. }
            | SelectionChange::SelectValues { field, .. }
            | SelectionChange::Search { field, .. }
            | SelectionChange::Clear { field } => Some(field),
            SelectionChange::ClearAll | SelectionChange::Back | SelectionChange::Forward => None,
        }
    }
}

/// A staged upload, before an app is made from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataFile {
    pub id: String,
    pub name: String,
    pub size_bytes: i64,
}

/// Section access: a user or a group sees only these values of a field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessRule {
    pub id: String,
    /// "user" or "group"
    pub assignee_type: String,
    pub assignee_id: String,
    pub assignee_name: String,
    /// The user or group was deleted: the rule names nobody and still denies what it denied.
    pub names_nobody: bool,
    pub field: String,
    pub allowed: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAccessRule {
    /// "user" or "group"
    pub assignee_type: String,
    pub assignee_id: String,
    pub field: String,
    /// Values separated by commas or new lines.
    pub allowed: String,
}
