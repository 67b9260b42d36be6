//! The one load: sources (named bytes) and a load plan become a model and a report of what was
//! found. Each cell is looked up in its field's dictionary as it streams by and becomes a code;
//! only each distinct value is typed and parsed, once, at the end. Typing the distinct values
//! types every cell (a column's cells are its values), so nothing is guessed from a sample and
//! nothing is parsed twice. Then tables that share several fields get their synthetic key, and
//! loops are cut (`associate`), each with a warning.

mod dictionary;
mod files;
mod rows;

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::codes::Codes;
use crate::csv::{CsvError, Records};
use crate::model::{Column, DataModel, Field, LoadError, Table, NULL};
use crate::plan::LoadPlan;
use crate::source::Source;
use crate::types::FieldType;
use crate::values::Values;
use dictionary::Dictionary;

/// What the load found, for the data-model step: each table's columns with their type and why,
/// the missing values found and a few values; and the warnings about the model.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LoadReport {
    pub tables: Vec<TableReport>,
    pub warnings: Vec<crate::associate::Warning>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableReport {
    pub name: String,
    pub source: String,
    /// The sources appended after the first (`TablePlan::appended`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub appended: Vec<String>,
    pub rows: usize,
    pub columns: Vec<ColumnReport>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnReport {
    /// The header in the source.
    pub header: String,
    /// The field it became; `None`: dropped.
    pub field: Option<String>,
    pub field_type: Option<FieldType>,
    /// Why it has its type, in words.
    pub reason: String,
    /// Cells without a value: empty, or one of the plan's missing-value texts.
    pub missing: usize,
    /// Which missing-value texts the field's cells held.
    pub missing_found: Vec<String>,
    /// Texts that did not fit the type the user chose (read as missing), the first few.
    pub unreadable: Vec<String>,
    /// The column's first few distinct values.
    pub samples: Vec<String>,
}

/// A model and what its load found.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub model: DataModel,
    pub report: LoadReport,
}

fn failed(file: &str, error: CsvError) -> LoadError {
    LoadError {
        file: file.to_string(),
        error,
    }
}

fn plan_error(file: &str, message: String) -> LoadError {
    failed(
        file,
        CsvError {
            line: 0,
            column: None,
            message,
        },
    )
}

/// A source opened: a file's records (and its size), or rows read elsewhere.
enum Reader<'a> {
    Csv(Records<'a>, usize),
    Rows(Box<dyn crate::source::RowSource + 'a>),
}

/// A table while it loads: its plan's name and source, its rows, and each kept column's field
/// and codes, with the header each came from (`None`: a dropped column).
struct Loading {
    name: String,
    source: String,
    appended: Vec<String>,
    rows: usize,
    columns: Vec<(usize, Codes)>,
    headers: Vec<(String, Option<usize>)>,
}

impl Loading {
    /// The rows of one more source, after those loaded so far: a column it lacks is missing in
    /// its rows, and a column only it has is missing in the rows before.
    fn append(&mut self, rows: usize, codes: Vec<(usize, Codes)>) {
        let before = self.rows;
        for (field, new) in codes {
            match self.columns.iter_mut().find(|(f, _)| *f == field) {
                Some((_, column)) => column.append(&new),
                None if before == 0 => self.columns.push((field, new)),
                None => {
                    let mut column = Codes::U8(Vec::with_capacity(before + rows));
                    column.append_missing(before);
                    column.append(&new);
                    self.columns.push((field, column));
                }
            }
        }
        for (_, column) in &mut self.columns {
            column.append_missing(before + rows - column.len());
        }
        self.rows += rows;
    }
}

/// Loads the plan's tables from CSV files, named by `(name, bytes)` (`load`).
pub fn run(plan: &LoadPlan, sources: &[(&str, &[u8])]) -> Result<Loaded, LoadError> {
    load(
        plan,
        sources
            .iter()
            .map(|&(name, bytes)| (name, Source::Csv(bytes)))
            .collect(),
    )
}

/// The source of `name`: a file's bytes (which several tables may read), or rows (read once).
fn take<'a>(
    sources: &mut [(&str, Option<Source<'a>>)],
    name: &str,
) -> Result<Source<'a>, LoadError> {
    let Some((_, source)) = sources.iter_mut().find(|(n, _)| *n == name) else {
        return Err(plan_error(
            name,
            "This source is not among the app's data any more: upload the file again, or take its table out of the model.".into(),
        ));
    };
    match source {
        Some(Source::Csv(bytes)) => Ok(Source::Csv(bytes)),
        Some(Source::Rows(_)) => Ok(source.take().expect("just matched")),
        None => Err(plan_error(
            name,
            "Two tables read this source: give each table a source of its own.".into(),
        )),
    }
}

/// Loads the plan's tables from the sources, named by `(name, source)`. Columns whose fields
/// have the same name (any case) in several tables are one field: that is what associates the
/// tables.
pub fn load(plan: &LoadPlan, sources: Vec<(&str, Source<'_>)>) -> Result<Loaded, LoadError> {
    let mut sources: Vec<(&str, Option<Source>)> =
        sources.into_iter().map(|(n, s)| (n, Some(s))).collect();
    let missing: Arc<[Box<[u8]>]> = plan.missing.iter().map(|m| m.as_bytes().into()).collect();
    let mut names: Vec<String> = Vec::new();
    let mut chosen: Vec<Option<FieldType>> = Vec::new();
    let mut dictionaries: Vec<Dictionary> = Vec::new();
    let mut tables: Vec<Loading> = Vec::with_capacity(plan.tables.len());
    for table in &plan.tables {
        if tables
            .iter()
            .any(|t| t.name.eq_ignore_ascii_case(&table.name))
        {
            return Err(plan_error(
                &table.source,
                format!(
                    "Two tables are named \"{}\": rename one of them.",
                    table.name
                ),
            ));
        }
        let mut loading = Loading {
            name: table.name.clone(),
            source: table.source.clone(),
            appended: table.appended.clone(),
            rows: 0,
            columns: Vec::new(),
            headers: Vec::new(),
        };
        for source in table.sources() {
            let (headers, reader) = match take(&mut sources, source)? {
                Source::Csv(bytes) => {
                    let records = Records::open(bytes).map_err(|error| failed(source, error))?;
                    (records.headers.clone(), Reader::Csv(records, bytes.len()))
                }
                Source::Rows(mut rows) => {
                    let headers = rows::headers(rows.as_mut()).map_err(|e| failed(source, e))?;
                    (headers, Reader::Rows(rows))
                }
            };
            let mut columns: Vec<(usize, usize)> = Vec::new();
            for (at, header) in headers.iter().enumerate() {
                let Some(name) = table.field_name(header) else {
                    if !loading.headers.iter().any(|(h, _)| h == header) {
                        loading.headers.push((header.clone(), None));
                    }
                    continue;
                };
                let field = match names.iter().position(|n| n.eq_ignore_ascii_case(&name)) {
                    Some(f) => f,
                    None => {
                        names.push(name.clone());
                        chosen.push(None);
                        dictionaries.push(Dictionary::new(missing.clone()));
                        names.len() - 1
                    }
                };
                if columns.iter().any(|&(_, f)| f == field) {
                    return Err(plan_error(
                        source,
                        format!(
                            "Two columns of {} would both be the field \"{name}\": give one of them another name.",
                            table.name
                        ),
                    ));
                }
                if let Some(field_type) = table.column(header).and_then(|c| c.field_type) {
                    chosen[field] = Some(field_type);
                }
                columns.push((at, field));
                if !loading.headers.iter().any(|(_, f)| *f == Some(field)) {
                    loading.headers.push((header.clone(), Some(field)));
                }
            }
            let (rows, codes) = match reader {
                Reader::Csv(records, bytes) => {
                    files::encode(records, &columns, &mut dictionaries, bytes)
                }
                Reader::Rows(rows) => {
                    rows::encode(rows, headers.len(), &columns, &mut dictionaries)
                }
            }
            .map_err(|error| failed(source, error))?;
            loading.append(rows, codes);
        }
        tables.push(loading);
    }
    let mut fields = Vec::with_capacity(names.len());
    let mut finished = Vec::with_capacity(names.len());
    for ((name, dictionary), chosen) in names.into_iter().zip(dictionaries).zip(chosen) {
        let mut done = dictionary.finish(chosen);
        let values = std::mem::replace(&mut done.values, Values::Int(Vec::new()));
        fields.push(Field {
            name,
            field_type: done.field_type,
            values,
        });
        finished.push(done);
    }
    let mut report = LoadReport::default();
    let mut model_tables = Vec::with_capacity(tables.len());
    for table in tables {
        let columns: Vec<Column> = table
            .columns
            .into_iter()
            .map(|(field, codes)| {
                let values = fields[field].values.len();
                let codes = match &finished[field].map {
                    Some(map) => codes.remap(map, values),
                    None => codes.narrowed(values),
                };
                Column::new(field, codes)
            })
            .collect();
        report.tables.push(TableReport {
            name: table.name.clone(),
            source: table.source,
            appended: table.appended,
            rows: table.rows,
            columns: table
                .headers
                .into_iter()
                .map(|(header, field)| column_report(header, field, &fields, &finished, &columns))
                .collect(),
        });
        model_tables.push(Table {
            name: table.name,
            rows: table.rows,
            columns,
        });
    }
    let (model, warnings) = crate::associate::resolve(DataModel {
        fields,
        tables: model_tables,
    });
    report.warnings = warnings;
    Ok(Loaded { model, report })
}

/// What the data-model step shows of one column of a source.
fn column_report(
    header: String,
    field: Option<usize>,
    fields: &[Field],
    finished: &[dictionary::Finished],
    columns: &[Column],
) -> ColumnReport {
    let Some(f) = field else {
        return ColumnReport {
            header,
            field: None,
            field_type: None,
            reason: "dropped".into(),
            missing: 0,
            missing_found: Vec::new(),
            unreadable: Vec::new(),
            samples: Vec::new(),
        };
    };
    let column = columns
        .iter()
        .find(|c| c.field == f)
        .expect("a kept column");
    let mut samples: Vec<u32> = Vec::new();
    crate::with_codes!(&column.codes, c => {
        for code in c.iter().map(|x| crate::codes::Code::widen(*x)) {
            if code != NULL && !samples.contains(&code) {
                samples.push(code);
                if samples.len() == 5 {
                    break;
                }
            }
        }
    });
    ColumnReport {
        header,
        field: Some(fields[f].name.clone()),
        field_type: Some(fields[f].field_type),
        reason: finished[f].reason.into(),
        missing: column.nulls,
        missing_found: finished[f].missing_found.clone(),
        unreadable: finished[f].unreadable.iter().take(5).cloned().collect(),
        samples: samples
            .into_iter()
            .filter_map(|c| fields[f].values.text(c as usize))
            .collect(),
    }
}

/// Loads CSV files, each a table of its own name, every column as it is.
pub fn from_csv(files: &[(&str, &[u8])]) -> Result<DataModel, LoadError> {
    let names: Vec<&str> = files.iter().map(|(name, _)| *name).collect();
    run(&LoadPlan::for_sources(&names), files).map(|loaded| loaded.model)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Value;

    #[test]
    fn a_field_that_turns_out_textual_keeps_every_value_as_written() {
        let model = from_csv(&[("t", b"Code\n12\n5\n007\n12\nA1\n")]).unwrap();
        assert_eq!(model.fields[0].field_type, FieldType::Text);
        assert_eq!(
            model.fields[0].values.to_vec(),
            ["007", "12", "5", "A1"]
                .map(|t| Value::Text(t.into()))
                .to_vec()
        );
        assert_eq!(
            model.tables[0].columns[0].codes.to_vec(),
            vec![1, 2, 0, 1, 3]
        );
    }

    #[test]
    fn texts_that_are_one_value_share_a_code() {
        let model = from_csv(&[(
            "t",
            b"Amount,At\n2.5,2026-01-02\n2.50,2026-01-02 00:00:00\n+3,2026-01-03 10:00:00\n3,\n",
        )])
        .unwrap();
        assert_eq!(model.fields[0].values, Values::Num(vec![2.5, 3.0]));
        assert_eq!(model.tables[0].columns[0].codes.to_vec(), vec![0, 0, 1, 1]);
        assert_eq!(model.fields[1].field_type, FieldType::Timestamp);
        assert_eq!(model.fields[1].values.len(), 2);
        assert_eq!(
            model.tables[0].columns[1].codes.to_vec(),
            vec![0, 0, 1, NULL]
        );
    }

    #[test]
    fn columns_of_one_field_in_two_tables_share_a_type() {
        let model = from_csv(&[
            ("a", b"Id,Day,Code\n1,2026-01-02,7\n".as_slice()),
            ("b", b"id,day,code\n2.5,2026-01-02 10:00:00,X\n".as_slice()),
        ])
        .unwrap();
        let types: Vec<FieldType> = model.fields.iter().map(|f| f.field_type).collect();
        assert_eq!(
            types[..3],
            [FieldType::Decimal, FieldType::Timestamp, FieldType::Text]
        );
        assert_eq!(
            model.fields[3].name, "$Syn 1",
            "three shared fields: a synthetic key"
        );
        assert_eq!(
            model.fields[2].values.to_vec(),
            vec![Value::Text("7".into()), Value::Text("X".into())]
        );
    }

    #[test]
    fn integers_far_apart_and_dense_ones_load_alike() {
        let mut csv = String::from("Id\n");
        for n in [5_000_000_000i64, -3, 2, 1 << 40, 2, 7] {
            csv.push_str(&format!("{n}\n"));
        }
        let model = from_csv(&[("t", csv.as_bytes())]).unwrap();
        assert_eq!(
            model.fields[0].values,
            Values::Int(vec![-3, 2, 7, 5_000_000_000, 1 << 40])
        );
        assert_eq!(
            model.tables[0].columns[0].codes.to_vec(),
            vec![3, 0, 1, 4, 1, 2]
        );
    }

    /// A plan whose first table takes `also` after its own source.
    fn appending(first: &str, also: &[&str], rest: &[&str]) -> LoadPlan {
        let mut names = vec![first];
        names.extend(rest);
        let mut plan = LoadPlan::for_sources(&names);
        plan.tables[0].appended = also.iter().map(|s| s.to_string()).collect();
        plan
    }

    #[test]
    fn appended_sources_load_as_their_rows_written_after_the_first() {
        // Files in any order, fields growing past a byte's codes across them, values written
        // differently (2.50 and 2.5), "NA" missing: loading the month after the year must give
        // the model that one file of both would give.
        let mut rng = crate::seeded::SeededRng::new(26);
        for case in 0..40 {
            let mut parts = Vec::new();
            for _ in 0..(1 + rng.below(3)) {
                let mut csv = String::from("Region,Amount\n");
                for _ in 0..rng.below(400) {
                    let region = match rng.below(10) {
                        0 => "NA".to_string(),
                        1 => String::new(),
                        _ => format!("R{}", rng.below(300 + case * 20)),
                    };
                    let cents = rng.below(1000);
                    let amount = if rng.below(2) == 0 {
                        format!("{}.{:02}", cents / 100, cents % 100)
                    } else {
                        format!("{}", cents as f64 / 100.0)
                    };
                    csv.push_str(&format!("{region},{amount}\n"));
                }
                parts.push(csv);
            }
            let lookup = "Region,Manager\nR1,Ann\nR299,Bo\n";
            let whole: String = parts
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    if i == 0 {
                        p.as_str()
                    } else {
                        p.split_once('\n').unwrap().1
                    }
                })
                .collect();
            let names: Vec<String> = (0..parts.len()).map(|i| format!("part{i}.csv")).collect();
            let mut sources: Vec<(&str, &[u8])> = names
                .iter()
                .zip(&parts)
                .map(|(n, p)| (n.as_str(), p.as_bytes()))
                .collect();
            sources.push(("managers.csv", lookup.as_bytes()));
            let also: Vec<&str> = names[1..].iter().map(String::as_str).collect();
            let appended =
                run(&appending("part0.csv", &also, &["managers.csv"]), &sources).unwrap();
            let one = run(
                &LoadPlan::for_sources(&["part0.csv", "managers.csv"]),
                &[
                    ("part0.csv", whole.as_bytes()),
                    ("managers.csv", lookup.as_bytes()),
                ],
            )
            .unwrap();
            assert_eq!(
                appended.model.fields.len(),
                one.model.fields.len(),
                "case {case}"
            );
            for (a, b) in appended.model.fields.iter().zip(&one.model.fields) {
                assert_eq!((&a.name, &a.values), (&b.name, &b.values), "case {case}");
            }
            for (a, b) in appended.model.tables.iter().zip(&one.model.tables) {
                assert_eq!(a.rows, b.rows, "case {case}");
                let codes = |t: &Table| {
                    t.columns
                        .iter()
                        .map(|c| (c.field, c.codes.to_vec()))
                        .collect::<Vec<_>>()
                };
                assert_eq!(codes(a), codes(b), "case {case}");
            }
            assert_eq!(appended.report.tables[0].appended, also);
        }
    }

    #[test]
    fn an_appended_source_without_a_column_leaves_it_missing_in_its_rows() {
        let plan = appending("jan.csv", &["feb.csv"], &[]);
        let loaded = run(
            &plan,
            &[
                ("jan.csv", b"Day,Sales,Note\n1,10,cold\n2,12,\n".as_slice()),
                ("feb.csv", b"Sales,Day,Promo\n7,32,yes\n".as_slice()),
            ],
        )
        .unwrap();
        let model = &loaded.model;
        let column = |name: &str| {
            let f = model.field(name).unwrap();
            let c = model.tables[0]
                .columns
                .iter()
                .find(|c| c.field == f)
                .unwrap();
            c.codes
                .to_vec()
                .into_iter()
                .map(|code| model.fields[f].values.text(code as usize))
                .collect::<Vec<_>>()
        };
        let some = |t: &str| Some(t.to_string());
        assert_eq!(model.tables[0].rows, 3);
        assert_eq!(column("Day"), vec![some("1"), some("2"), some("32")]);
        assert_eq!(column("Sales"), vec![some("10"), some("12"), some("7")]);
        assert_eq!(column("Note"), vec![some("cold"), None, None]);
        assert_eq!(column("Promo"), vec![None, None, some("yes")]);
        let headers: Vec<&str> = loaded.report.tables[0]
            .columns
            .iter()
            .map(|c| c.header.as_str())
            .collect();
        assert_eq!(headers, ["Day", "Sales", "Note", "Promo"]);
        let missing = run(&plan, &[("jan.csv", b"Day\n1\n".as_slice())]).unwrap_err();
        assert_eq!(
            missing.file, "feb.csv",
            "the error names the file that is not there"
        );
    }
}
