//! The one load: sources (named bytes) and a load plan become a model and a report of what was
//! found. Each cell is looked up in its field's dictionary as it streams by and becomes a code;
//! only each distinct value is typed and parsed, once, at the end. Typing the distinct values
//! types every cell (a column's cells are its values), so nothing is guessed from a sample and
//! nothing is parsed twice. Then tables that share several fields get their synthetic key, and
//! loops are cut (`associate`), each with a warning.

mod dictionary;

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::codes::Codes;
use crate::csv::{Cells, CsvError, Records};
use crate::model::{Column, DataModel, Field, LoadError, Table, NULL};
use crate::plan::LoadPlan;
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

/// Reads a file's rows and encodes each kept column (`(header position, field)`) with its
/// field's dictionary: the rows and each column's codes, in the order given.
///
/// A large file on more than one thread: each thread reads every row (reading is the smaller
/// part of loading) and encodes its share of the columns with their fields' dictionaries. A table
/// names each field once (`run` refuses a name twice), so no dictionary is in two shares and
/// none is merged.
fn encode(
    records: Records,
    columns: &[(usize, usize)],
    dictionaries: &mut [Dictionary],
    bytes: usize,
) -> Result<(usize, Vec<(usize, Codes)>), CsvError> {
    // A guess at the rows from the bytes, for the parts and for the codes' first capacity.
    let guess = bytes / 64;
    let parts = crate::parallel::parts_for(guess).min(columns.len()).max(1);
    let mut by_field: Vec<Option<&mut Dictionary>> = dictionaries.iter_mut().map(Some).collect();
    let mut shares: Vec<Vec<(usize, usize, &mut Dictionary)>> =
        (0..parts).map(|_| Vec::new()).collect();
    for (at, &(header, field)) in columns.iter().enumerate() {
        let dictionary = by_field[field]
            .take()
            .expect("a table names each field once");
        shares[at % parts].push((at, header, dictionary));
    }
    let encoded = crate::parallel::run_each(shares, |mut share| {
        let mut codes: Vec<Codes> = share
            .iter()
            .map(|_| Codes::U8(Vec::with_capacity(guess)))
            .collect();
        let (mut records, mut cells, mut rows) = (records.clone(), Cells::default(), 0);
        while records.next_into(&mut cells)? {
            for ((_, header, dictionary), codes) in share.iter_mut().zip(&mut codes) {
                codes.push(match cells.get(*header) {
                    None => NULL,
                    Some(text) => dictionary.code(text),
                });
            }
            rows += 1;
        }
        let order: Vec<usize> = share.iter().map(|(at, _, _)| *at).collect();
        Ok::<_, CsvError>((rows, order.into_iter().zip(codes).collect::<Vec<_>>()))
    });
    let mut rows = 0;
    let mut encoded_columns = Vec::with_capacity(columns.len());
    for part in encoded {
        let (part_rows, part_columns) = part?;
        rows = part_rows;
        encoded_columns.extend(part_columns);
    }
    encoded_columns.sort_unstable_by_key(|(at, _)| *at);
    Ok((
        rows,
        encoded_columns
            .into_iter()
            .map(|(at, codes)| (columns[at].1, codes))
            .collect(),
    ))
}

/// A table while it loads: its plan's name and source, its rows, and each kept column's field
/// and codes, with the header each came from (`None`: a dropped column).
struct Loading {
    name: String,
    source: String,
    rows: usize,
    columns: Vec<(usize, Codes)>,
    headers: Vec<(String, Option<usize>)>,
}

/// Loads the plan's tables from the sources, named by `(name, bytes)`. Columns whose fields have
/// the same name (any case) in several tables are one field: that is what associates the tables.
pub fn run(plan: &LoadPlan, sources: &[(&str, &[u8])]) -> Result<Loaded, LoadError> {
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
        let Some(&(_, bytes)) = sources.iter().find(|(name, _)| *name == table.source) else {
            return Err(plan_error(
                &table.source,
                "This file is not among the app's files any more: upload it again or take its table out of the model.".into(),
            ));
        };
        let records = Records::open(bytes).map_err(|error| failed(&table.source, error))?;
        let mut columns: Vec<(usize, usize)> = Vec::new();
        let mut headers = Vec::with_capacity(records.headers.len());
        for (at, header) in records.headers.iter().enumerate() {
            let Some(name) = table.field_name(header) else {
                headers.push((header.clone(), None));
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
                    &table.source,
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
            headers.push((header.clone(), Some(field)));
        }
        let (rows, codes) = encode(records, &columns, &mut dictionaries, bytes.len())
            .map_err(|error| failed(&table.source, error))?;
        tables.push(Loading {
            name: table.name.clone(),
            source: table.source.clone(),
            rows,
            columns: codes,
            headers,
        });
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
}
