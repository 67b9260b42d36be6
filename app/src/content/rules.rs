//! The rules of app content: what a chart may be made of, who may change which sheet, how the
//! first sheet is laid out from the data, what section access leaves a viewer, and how numbers
//! read. Pure: the service and the pages ask these.

use std::collections::BTreeMap;

use super::model::*;
use crate::error::AppError;
use crate::sharing::rules::{Access, AppAction};
use crate::spaces::rules::SpaceType;

pub const MAX_SHEETS_PER_APP: usize = 100;
pub const MAX_CHARTS_PER_SHEET: usize = 24;
pub const MAX_TITLE_CHARS: usize = 100;
pub const MAX_TABLE_DIMENSIONS: usize = 3;
pub const MAX_MEASURES: usize = 4;
pub const MAX_TOP: u32 = 1000;
/// A filter pane lists this many values; search finds the rest.
pub const LIST_LIMIT: usize = 500;
/// A table shows this many rows when it has no top N of its own.
pub const TABLE_ROWS: u32 = 500;
/// A bar, line or pie chart without a top N shows this many values and sums the rest as Others.
pub const SERIES_ROWS: u32 = 100;
pub const MAX_FILES_PER_APP: usize = 20;
pub const MAX_RULES_PER_APP: usize = 1000;
/// The most values one selection names: a viewer's state stays small whatever they send.
pub const MAX_SELECTED_VALUES: usize = 50_000;

/// The fields an anonymous visitor may list, search and select: those the charts and filter
/// panes of the app's public sheets use. Nothing else of the data model is theirs to ask for.
pub fn public_fields(public_charts: &[ChartSpec]) -> Vec<String> {
    let mut fields: Vec<String> = public_charts
        .iter()
        .flat_map(|c| {
            c.dimensions
                .iter()
                .cloned()
                .chain(c.measures.iter().map(|m| m.field.clone()))
        })
        .collect();
    fields.sort_by_key(|f| f.to_lowercase());
    fields.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
    fields
}

/// A visitor's request may name only the public fields.
pub fn check_public_field(field: &str, public: &[String]) -> Result<(), AppError> {
    if public.iter().any(|f| f.eq_ignore_ascii_case(field)) {
        return Ok(());
    }
    Err(AppError::invalid("field", format!("\"{field}\" is not on this app's public sheets. Only the fields its charts and filter panes show can be listed or selected.")))
}

/// A selection names at most `MAX_SELECTED_VALUES` values.
pub fn check_selection_size(values: usize) -> Result<(), AppError> {
    if values > MAX_SELECTED_VALUES {
        return Err(AppError::invalid("codes", format!("A selection names at most {MAX_SELECTED_VALUES} values; this one names {values}. Search the field instead.")));
    }
    Ok(())
}

/// How many dimensions and measures each kind takes (least, most).
pub fn shape(kind: ChartKind) -> ((usize, usize), (usize, usize)) {
    match kind {
        ChartKind::Kpi => ((0, 0), (1, 1)),
        ChartKind::Bar | ChartKind::Line => ((1, 1), (1, MAX_MEASURES)),
        ChartKind::Pie => ((1, 1), (1, 1)),
        ChartKind::Table => ((1, MAX_TABLE_DIMENSIONS), (0, MAX_MEASURES)),
        ChartKind::FilterPane => ((1, 1), (0, 0)),
    }
}

fn count_words(n: usize, one: &str) -> String {
    match n {
        0 => format!("no {one}s"),
        1 => format!("one {one}"),
        n => format!("{n} {one}s"),
    }
}

fn range_words(range: (usize, usize), one: &str) -> String {
    match range {
        (a, b) if a == b => count_words(a, one),
        (a, b) => format!("{a} to {b} {one}s"),
    }
}

/// A chart definition made ready to save: title trimmed and limited, fields known to the data
/// (named as the data names them), dimensions and measures as many as its kind takes.
pub fn check_chart(spec: ChartSpec, fields: &[FieldInfo]) -> Result<ChartSpec, AppError> {
    let title = spec.title.trim().to_string();
    if title.chars().count() > MAX_TITLE_CHARS {
        return Err(AppError::invalid(
            "title",
            format!(
                "The title has {} characters; at most {MAX_TITLE_CHARS} are allowed.",
                title.chars().count()
            ),
        ));
    }
    let ((dmin, dmax), (mmin, mmax)) = shape(spec.kind);
    let kind = spec.kind.ui_name();
    if spec.dimensions.len() < dmin || spec.dimensions.len() > dmax {
        return Err(AppError::invalid(
            "dimensions",
            format!(
                "A {kind} takes {}; this one has {}.",
                range_words((dmin, dmax), "dimension"),
                spec.dimensions.len()
            ),
        ));
    }
    if spec.measures.len() < mmin || spec.measures.len() > mmax {
        return Err(AppError::invalid(
            "measures",
            format!(
                "A {kind} takes {}; this one has {}.",
                range_words((mmin, mmax), "measure"),
                spec.measures.len()
            ),
        ));
    }
    let known = |name: &str, what: &str| -> Result<String, AppError> {
        fields
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name.trim()))
            .map(|f| f.name.clone())
            .ok_or_else(|| {
                AppError::invalid(
                    what,
                    format!(
                        "The data has no field \"{}\". Pick one of the app's fields.",
                        name.trim()
                    ),
                )
            })
    };
    let dimensions = spec
        .dimensions
        .iter()
        .map(|d| known(d, "dimensions"))
        .collect::<Result<Vec<_>, _>>()?;
    if dimensions
        .iter()
        .enumerate()
        .any(|(i, d)| dimensions[..i].contains(d))
    {
        return Err(AppError::invalid(
            "dimensions",
            "A field can be a dimension of a chart only once.",
        ));
    }
    let measures = spec
        .measures
        .iter()
        .map(|m| {
            let field = known(&m.field, "measures")?;
            let info = fields.iter().find(|f| f.name == field).expect("known");
            if m.aggregation.is_numeric() && !info.is_numeric() {
                return Err(AppError::invalid(
                    "measures",
                    format!(
                        "\"{field}\" holds {} values, not numbers: it can be counted, not added up. Pick Count or Count distinct, or a numeric field.",
                        info.field_type
                    ),
                ));
            }
            if info.tables.len() > 1 && m.aggregation != Aggregation::CountDistinct {
                return Err(AppError::invalid(
                    "measures",
                    format!(
                        "\"{field}\" associates the tables {}, so it is not clear which table's rows to aggregate: count its distinct values, or aggregate a field of one table.",
                        info.tables.join(", ")
                    ),
                ));
            }
            Ok(MeasureSpec {
                field,
                aggregation: m.aggregation,
            })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    if let Some(top) = spec.top {
        if top == 0 || top > MAX_TOP {
            return Err(AppError::invalid(
                "top",
                format!("Show between 1 and {MAX_TOP} values, or all of them."),
            ));
        }
    }
    let sort_by = if measures.is_empty() {
        SortBy::Dimension
    } else {
        spec.sort_by
    };
    Ok(ChartSpec {
        kind: spec.kind,
        title,
        dimensions,
        measures,
        sort_by,
        descending: spec.descending,
        top: spec.top,
        hide_missing: spec.hide_missing,
    })
}

/// The title a chart shows: its own, or one made from what it shows.
pub fn chart_title(spec: &ChartSpec) -> String {
    if !spec.title.is_empty() {
        return spec.title.clone();
    }
    let measures: Vec<String> = spec.measures.iter().map(MeasureSpec::label).collect();
    match (spec.dimensions.is_empty(), measures.is_empty()) {
        (true, _) => measures.join(", "),
        (false, true) => spec.dimensions.join(", "),
        (false, false) => format!("{} by {}", measures.join(", "), spec.dimensions.join(", ")),
    }
}

/// Who sees a sheet: everyone who opens the app sees the public ones; a private sheet only its
/// maker.
pub fn may_see_sheet(sheet_owner: Option<&str>, user_id: &str) -> bool {
    sheet_owner.is_none_or(|owner| owner == user_id)
}

/// Who changes a sheet: editors (Owner, Can edit) the public ones; contributors their own.
pub fn may_edit_sheet(sheet_owner: Option<&str>, user_id: &str, access: &Access) -> bool {
    match sheet_owner {
        None => access.can(AppAction::Edit),
        Some(owner) => owner == user_id && access.can(AppAction::Contribute),
    }
}

/// The kind of sheet a person adds: a public one when they may edit the app, a private one
/// when they may only contribute, none otherwise.
pub fn new_sheet_is_private(access: &Access) -> Result<bool, AppError> {
    if access.can(AppAction::Edit) {
        Ok(false)
    } else if access.can(AppAction::Contribute) {
        Ok(true)
    } else {
        Err(AppError::forbidden(
            "Adding sheets needs Can contribute, Can edit or ownership of the app's space.",
        ))
    }
}

pub fn check_sheet_title(title: &str) -> Result<String, AppError> {
    crate::directory::rules::clean_name("title", title, MAX_TITLE_CHARS)
}

/// An uploaded file's name: a plain file name ending in .csv, .tsv or .txt.
pub fn check_file_name(name: &str) -> Result<String, AppError> {
    let name = name.trim();
    let lower = name.to_ascii_lowercase();
    if name.is_empty()
        || name.contains(['/', '\\'])
        || name.starts_with('.')
        || name.chars().any(char::is_control)
        || name.chars().count() > 200
    {
        return Err(AppError::invalid("name", format!("\"{name}\" is not a file name Sightline can keep: use a plain name of at most 200 characters.")));
    }
    if ![".csv", ".tsv", ".txt", ".xlsx"]
        .iter()
        .any(|ext| lower.ends_with(ext))
    {
        return Err(AppError::invalid(
            "name",
            format!("{name} is not a CSV file or an Excel workbook: upload files ending in .csv, .tsv, .txt or .xlsx."),
        ));
    }
    Ok(name.to_string())
}

/// A table is named after its file, without the extension.
pub fn table_name(file_name: &str) -> String {
    match file_name.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem.to_string(),
        _ => file_name.to_string(),
    }
}

/// What section access leaves a viewer of an app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataAccess {
    /// No rules, or the viewer edits a draft: everything.
    All,
    /// Only these values of these fields (field name, allowed values), sorted by field.
    Reduced(Vec<(String, Vec<String>)>),
}

impl DataAccess {
    /// A stable name for the reduction, so that viewers with the same one share one model.
    pub fn key(&self) -> String {
        match self {
            DataAccess::All => String::new(),
            DataAccess::Reduced(fields) => serde_json::to_string(fields).unwrap_or_default(),
        }
    }

    /// What both allow: on a field both reduce, the values in both; a field only one reduces
    /// stays reduced. Never more than either.
    pub fn intersect(&self, other: &DataAccess) -> DataAccess {
        let (DataAccess::Reduced(a), DataAccess::Reduced(b)) = (self, other) else {
            return if *self == DataAccess::All {
                other.clone()
            } else {
                self.clone()
            };
        };
        let mut fields: BTreeMap<String, (String, Vec<String>)> = a
            .iter()
            .map(|(f, v)| (f.to_lowercase(), (f.clone(), v.clone())))
            .collect();
        for (field, allowed) in b {
            match fields.get_mut(&field.to_lowercase()) {
                Some((_, mine)) => mine.retain(|v| allowed.contains(v)),
                None => {
                    fields.insert(field.to_lowercase(), (field.clone(), allowed.clone()));
                }
            }
        }
        DataAccess::Reduced(fields.into_values().collect())
    }

    /// The values of `field` this access lets one see: `None` when it does not reduce the field.
    pub fn allowed_in(&self, field: &str) -> Option<&[String]> {
        match self {
            DataAccess::All => None,
            DataAccess::Reduced(fields) => fields
                .iter()
                .find(|(f, _)| f.eq_ignore_ascii_case(field))
                .map(|(_, v)| v.as_slice()),
        }
    }
}

/// A rule's value that allows every value of its field, as in Qlik's section access.
pub const EVERY_VALUE: &str = "*";

/// A rule as stored: for this user or group, these values of this field. A rule whose user or
/// group was deleted keeps both empty and names nobody: it still counts as a rule of the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRule {
    pub user_id: Option<String>,
    pub group_id: Option<String>,
    pub field: String,
    pub allowed: Vec<String>,
}

/// Who sees every row of an app that has section access, whatever the rules say: the editors of
/// a draft (Owner or Can edit in a personal or shared space). They may change or delete the
/// rules, so hiding rows from them would protect nothing, and they build the sheets everyone
/// else sees. In a managed space nobody edits an app, so nobody is exempt: the rules alone say
/// who sees what, and a rule allowing `*` is how they say someone sees everything.
pub fn sees_all_rows(space: SpaceType, access: &Access) -> bool {
    space != SpaceType::Managed && access.can(AppAction::Edit)
}

/// Section access: with no rules an app shows everything. With rules, a viewer sees the values
/// their own rules and their groups' rules allow (rules on one field add up; rules on several
/// fields all apply; `*` allows every value of its field), and a viewer no rule names sees no
/// rows. `sees_all` is `sees_all_rows` for the viewer.
pub fn data_access(
    rules: &[StoredRule],
    user_id: &str,
    groups: &[String],
    sees_all: bool,
) -> DataAccess {
    if rules.is_empty() || sees_all {
        return DataAccess::All;
    }
    let mut by_field: BTreeMap<String, (String, Vec<String>)> = BTreeMap::new();
    for rule in rules.iter().filter(|r| {
        r.user_id.as_deref() == Some(user_id)
            || r.group_id.as_ref().is_some_and(|g| groups.contains(g))
    }) {
        let entry = by_field
            .entry(rule.field.to_lowercase())
            .or_insert_with(|| (rule.field.clone(), Vec::new()));
        entry.1.extend(rule.allowed.iter().cloned());
    }
    if by_field.is_empty() {
        // Named by no rule: a reduction to a value no data has.
        let field = rules[0].field.clone();
        return DataAccess::Reduced(vec![(field, Vec::new())]);
    }
    let reduced: Vec<(String, Vec<String>)> = by_field
        .into_values()
        .filter(|(_, allowed)| !allowed.iter().any(|v| v == EVERY_VALUE))
        .map(|(field, mut allowed)| {
            allowed.sort();
            allowed.dedup();
            (field, allowed)
        })
        .collect();
    if reduced.is_empty() {
        DataAccess::All
    } else {
        DataAccess::Reduced(reduced)
    }
}

/// The allowed values of a rule as typed: separated by commas or new lines, trimmed.
pub fn parse_allowed(text: &str) -> Result<Vec<String>, AppError> {
    let mut values: Vec<String> = text
        .split([',', '\n'])
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .collect();
    values.sort();
    values.dedup();
    if values.is_empty() {
        return Err(AppError::invalid(
            "allowed",
            "Name at least one value this user or group may see, separated by commas.",
        ));
    }
    if values.len() > 1000 {
        return Err(AppError::invalid(
            "allowed",
            format!(
                "A rule allows at most 1000 values; this one has {}.",
                values.len()
            ),
        ));
    }
    Ok(values)
}

/// A number as charts show it in English: thousands separated, at most two decimals, and K/M/B
/// for big values on axes and KPIs. Charts write it in their reader's style (`Locale`).
pub fn format_number(value: f64, compact: bool) -> String {
    Locale::ENGLISH.format(value, compact)
}

mod first_sheet;
mod locale;
pub use first_sheet::first_sheet;
pub use locale::Locale;

#[cfg(test)]
mod tests;
