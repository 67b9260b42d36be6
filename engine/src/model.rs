//! The associative data model: tables whose columns hold compact codes into fields, and fields
//! that keep each distinct value once. Tables associate through fields of the same name, as in
//! Qlik's associative model.

use std::collections::HashMap;

use crate::csv::{Cells, CsvError, Records};
use crate::types::{unify, value_of, FieldType, TypeGuess, Value};

/// The code of an empty cell.
pub const NULL: u32 = u32::MAX;

#[derive(Debug, Clone)]
pub struct Field {
    pub name: String,
    pub field_type: FieldType,
    /// Distinct values, sorted; a row's code is an index into this.
    pub values: Vec<Value>,
}

#[derive(Debug, Clone)]
pub struct Column {
    pub field: usize,
    pub codes: Vec<u32>,
}

#[derive(Debug, Clone)]
pub struct Table {
    pub name: String,
    pub rows: usize,
    pub columns: Vec<Column>,
}

#[derive(Debug, Clone)]
pub struct DataModel {
    pub fields: Vec<Field>,
    pub tables: Vec<Table>,
}

/// A file that could not be loaded, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    pub file: String,
    pub error: CsvError,
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.file, self.error)
    }
}

impl std::error::Error for LoadError {}

/// A field's values while loading: each value once, found again by its hashable form. A field
/// has one type, so numbers, dates and timestamps share one map of 64-bit keys.
#[derive(Default)]
struct Dictionary {
    keys: HashMap<i64, u32>,
    texts: HashMap<String, u32>,
    values: Vec<Value>,
}

impl Dictionary {
    fn code(&mut self, text: &str, field_type: FieldType) -> u32 {
        // Text is looked up by reference: a value is made only for a new one.
        if field_type == FieldType::Text {
            return self.text_code(text);
        }
        let key = match value_of(text, field_type) {
            Value::Int(i) => i,
            Value::Date(d) => i64::from(d),
            Value::Timestamp(t) => t,
            Value::Num(n) => n.to_bits() as i64,
            // A cell that did not fit its column's type after all: keep it as text.
            Value::Text(_) => return self.text_code(text),
        };
        let next = self.values.len() as u32;
        *self.keys.entry(key).or_insert_with(|| {
            self.values.push(value_of(text, field_type));
            next
        })
    }

    fn text_code(&mut self, text: &str) -> u32 {
        if let Some(&code) = self.texts.get(text) {
            return code;
        }
        let next = self.values.len() as u32;
        self.texts.insert(text.to_string(), next);
        self.values.push(Value::Text(text.to_string()));
        next
    }
}

fn failed(file: &str, error: CsvError) -> LoadError {
    LoadError {
        file: file.to_string(),
        error,
    }
}

impl DataModel {
    /// Loads tables from CSV files, named by `(table name, bytes)`. Columns of the same name (any
    /// case) in several tables are one field: that is what associates the tables. Each file is
    /// read twice, a row at a time: once to check it and type its columns, once to encode it;
    /// only the codes and each field's distinct values are kept.
    pub fn from_csv(files: &[(&str, &[u8])]) -> Result<DataModel, LoadError> {
        // Pass 1: every error, and each column's type.
        let mut fields: Vec<Field> = Vec::new();
        let mut column_fields: Vec<Vec<usize>> = Vec::new();
        let mut cells = Cells::default();
        for (name, bytes) in files {
            let mut records = Records::open(bytes).map_err(|error| failed(name, error))?;
            let mut guesses = vec![TypeGuess::default(); records.headers.len()];
            while records
                .next_into(&mut cells)
                .map_err(|error| failed(name, error))?
            {
                for (c, guess) in guesses.iter_mut().enumerate() {
                    if let Some(text) = cells.get(c) {
                        guess.observe(text);
                    }
                }
            }
            let mut of_table = Vec::new();
            for (header, guess) in records.headers.iter().zip(guesses) {
                let field_type = guess.field_type();
                let index = match fields
                    .iter()
                    .position(|f| f.name.eq_ignore_ascii_case(header))
                {
                    Some(i) => {
                        fields[i].field_type = unify(fields[i].field_type, field_type);
                        i
                    }
                    None => {
                        fields.push(Field {
                            name: header.clone(),
                            field_type,
                            values: Vec::new(),
                        });
                        fields.len() - 1
                    }
                };
                of_table.push(index);
            }
            column_fields.push(of_table);
        }
        // Pass 2: codes in the order values are first seen.
        let mut dictionaries: Vec<Dictionary> =
            fields.iter().map(|_| Dictionary::default()).collect();
        let mut tables = Vec::with_capacity(files.len());
        for (t, (name, bytes)) in files.iter().enumerate() {
            let mut records = Records::open(bytes).map_err(|error| failed(name, error))?;
            let mut columns: Vec<Column> = column_fields[t]
                .iter()
                .map(|&field| Column {
                    field,
                    codes: Vec::new(),
                })
                .collect();
            let mut rows = 0;
            while records
                .next_into(&mut cells)
                .map_err(|error| failed(name, error))?
            {
                for (c, column) in columns.iter_mut().enumerate() {
                    let code = match cells.get(c) {
                        None => NULL,
                        Some(text) => {
                            dictionaries[column.field].code(text, fields[column.field].field_type)
                        }
                    };
                    column.codes.push(code);
                }
                rows += 1;
            }
            tables.push(Table {
                name: name.to_string(),
                rows,
                columns,
            });
        }
        // Renumber so that each field's values are sorted.
        for (f, (field, dictionary)) in fields.iter_mut().zip(dictionaries).enumerate() {
            let values = dictionary.values;
            let mut order: Vec<u32> = (0..values.len() as u32).collect();
            order.sort_by(|a, b| values[*a as usize].cmp_total(&values[*b as usize]));
            let mut renumber = vec![0u32; order.len()];
            for (new, old) in order.iter().enumerate() {
                renumber[*old as usize] = new as u32;
            }
            field.values = order
                .iter()
                .map(|old| values[*old as usize].clone())
                .collect();
            for table in &mut tables {
                for column in table.columns.iter_mut().filter(|c| c.field == f) {
                    for code in column.codes.iter_mut().filter(|c| **c != NULL) {
                        *code = renumber[*code as usize];
                    }
                }
            }
        }
        Ok(DataModel { fields, tables })
    }

    /// Bytes the model holds: every table's codes, plus each distinct value once.
    pub fn heap_bytes(&self) -> usize {
        let codes: usize = self
            .tables
            .iter()
            .flat_map(|t| &t.columns)
            .map(|c| c.codes.capacity() * 4)
            .sum();
        let values: usize = self
            .fields
            .iter()
            .map(|f| {
                f.values.capacity() * size_of::<Value>()
                    + f.values
                        .iter()
                        .map(|v| {
                            if let Value::Text(t) = v {
                                t.capacity()
                            } else {
                                0
                            }
                        })
                        .sum::<usize>()
            })
            .sum();
        codes + values
    }

    /// Rows over all tables.
    pub fn rows(&self) -> usize {
        self.tables.iter().map(|t| t.rows).sum()
    }

    pub fn field(&self, name: &str) -> Option<usize> {
        self.fields
            .iter()
            .position(|f| f.name.eq_ignore_ascii_case(name))
    }

    /// The code of a value of a field, found by its text.
    pub fn code_of(&self, field: usize, text: &str) -> Option<u32> {
        let value = value_of(text, self.fields[field].field_type);
        self.fields[field]
            .values
            .binary_search_by(|v| v.cmp_total(&value))
            .ok()
            .map(|i| i as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub const ORDERS: &[u8] = b"OrderId,CustomerId,Amount\n1,10,100\n2,10,50\n3,20,70\n4,30,5.5\n";
    pub const CUSTOMERS: &[u8] = b"customerid;Region\n10;North\n20;South\n30;North\n40;East\n";

    #[test]
    fn tables_associate_through_fields_of_the_same_name() {
        let model =
            DataModel::from_csv(&[("orders.csv", ORDERS), ("customers.csv", CUSTOMERS)]).unwrap();
        let names: Vec<&str> = model.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            vec!["OrderId", "CustomerId", "Amount", "Region"],
            "CustomerId is one field for both tables"
        );
        let customer = model.field("customerid").unwrap();
        assert_eq!(
            model.fields[customer].values,
            vec![
                Value::Int(10),
                Value::Int(20),
                Value::Int(30),
                Value::Int(40)
            ]
        );
        assert_eq!(
            model.fields[model.field("Amount").unwrap()].field_type,
            FieldType::Decimal
        );
        let region = model.field("Region").unwrap();
        assert_eq!(
            model.fields[region].values.len(),
            3,
            "each distinct value once"
        );
        assert_eq!(
            model.tables[1].columns[1].codes,
            vec![1, 2, 1, 0],
            "rows keep codes into the sorted values"
        );
    }

    #[test]
    fn a_bad_file_is_named_with_its_line() {
        let err = DataModel::from_csv(&[("orders.csv", ORDERS), ("customers.csv", b"a,b\n1\n")])
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "customers.csv: line 2: this row has 1 fields; the header has 2."
        );
    }
}
