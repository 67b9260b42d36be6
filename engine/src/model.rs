//! The associative data model: tables whose columns hold compact codes into fields, and fields
//! that keep each distinct value once. Tables associate through fields of the same name, as in
//! Qlik's associative model.

use std::collections::HashMap;

use crate::csv::{self, CsvError};
use crate::types::{infer, unify, value_of, FieldType, Value};

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

/// A hashable form of a value, for building dictionaries.
#[derive(Hash, PartialEq, Eq)]
enum Key {
    Int(i64),
    Num(u64),
    Date(i32),
    Timestamp(i64),
    Text(String),
}

fn key(value: &Value) -> Key {
    match value {
        Value::Int(i) => Key::Int(*i),
        Value::Num(n) => Key::Num(n.to_bits()),
        Value::Date(d) => Key::Date(*d),
        Value::Timestamp(t) => Key::Timestamp(*t),
        Value::Text(s) => Key::Text(s.clone()),
    }
}

impl DataModel {
    /// Loads tables from CSV files, named by `(table name, bytes)`. Columns of the same name (any
    /// case) in several tables are one field: that is what associates the tables.
    pub fn from_csv(files: &[(&str, &[u8])]) -> Result<DataModel, LoadError> {
        let mut parsed = Vec::with_capacity(files.len());
        for (name, bytes) in files {
            parsed.push(csv::parse(bytes).map_err(|error| LoadError { file: name.to_string(), error })?);
        }
        // Fields by name, with the type every column of theirs fits.
        let mut fields: Vec<Field> = Vec::new();
        let mut column_fields: Vec<Vec<usize>> = Vec::new();
        for table in &parsed {
            let mut of_table = Vec::new();
            for (c, header) in table.headers.iter().enumerate() {
                let field_type = infer(table.rows.iter().map(|r| r[c].as_deref()));
                let index = match fields.iter().position(|f| f.name.eq_ignore_ascii_case(header)) {
                    Some(i) => {
                        fields[i].field_type = unify(fields[i].field_type, field_type);
                        i
                    }
                    None => {
                        fields.push(Field { name: header.clone(), field_type, values: Vec::new() });
                        fields.len() - 1
                    }
                };
                of_table.push(index);
            }
            column_fields.push(of_table);
        }
        // Codes in the order values are first seen, then renumbered so values are sorted.
        let mut dictionaries: Vec<HashMap<Key, u32>> = fields.iter().map(|_| HashMap::new()).collect();
        let mut tables = Vec::with_capacity(parsed.len());
        for (t, table) in parsed.iter().enumerate() {
            let mut columns = Vec::with_capacity(table.headers.len());
            for (c, &field) in column_fields[t].iter().enumerate() {
                let field_type = fields[field].field_type;
                let codes = table
                    .rows
                    .iter()
                    .map(|row| match row[c].as_deref() {
                        None => NULL,
                        Some(text) => {
                            let value = value_of(text, field_type);
                            let next = fields[field].values.len() as u32;
                            *dictionaries[field].entry(key(&value)).or_insert_with(|| {
                                fields[field].values.push(value);
                                next
                            })
                        }
                    })
                    .collect();
                columns.push(Column { field, codes });
            }
            tables.push(Table { name: files[t].0.to_string(), rows: table.rows.len(), columns });
        }
        for (f, field) in fields.iter_mut().enumerate() {
            let mut order: Vec<u32> = (0..field.values.len() as u32).collect();
            order.sort_by(|a, b| field.values[*a as usize].cmp_total(&field.values[*b as usize]));
            let mut renumber = vec![0u32; order.len()];
            for (new, old) in order.iter().enumerate() {
                renumber[*old as usize] = new as u32;
            }
            field.values = order.iter().map(|old| field.values[*old as usize].clone()).collect();
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

    pub fn field(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.name.eq_ignore_ascii_case(name))
    }

    /// The code of a value of a field, found by its text.
    pub fn code_of(&self, field: usize, text: &str) -> Option<u32> {
        let value = value_of(text, self.fields[field].field_type);
        self.fields[field].values.binary_search_by(|v| v.cmp_total(&value)).ok().map(|i| i as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub const ORDERS: &[u8] = b"OrderId,CustomerId,Amount\n1,10,100\n2,10,50\n3,20,70\n4,30,5.5\n";
    pub const CUSTOMERS: &[u8] = b"customerid;Region\n10;North\n20;South\n30;North\n40;East\n";

    #[test]
    fn tables_associate_through_fields_of_the_same_name() {
        let model = DataModel::from_csv(&[("orders.csv", ORDERS), ("customers.csv", CUSTOMERS)]).unwrap();
        let names: Vec<&str> = model.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, vec!["OrderId", "CustomerId", "Amount", "Region"], "CustomerId is one field for both tables");
        let customer = model.field("customerid").unwrap();
        assert_eq!(model.fields[customer].values, vec![Value::Int(10), Value::Int(20), Value::Int(30), Value::Int(40)]);
        assert_eq!(model.fields[model.field("Amount").unwrap()].field_type, FieldType::Decimal);
        let region = model.field("Region").unwrap();
        assert_eq!(model.fields[region].values.len(), 3, "each distinct value once");
        assert_eq!(model.tables[1].columns[1].codes, vec![1, 2, 1, 0], "rows keep codes into the sorted values");
    }

    #[test]
    fn a_bad_file_is_named_with_its_line() {
        let err = DataModel::from_csv(&[("orders.csv", ORDERS), ("customers.csv", b"a,b\n1\n")]).unwrap_err();
        assert_eq!(err.to_string(), "customers.csv: line 2: this row has 1 fields; the header has 2.");
    }
}
