//! The associative data model: tables whose columns hold compact codes into fields, and fields
//! that keep each distinct value once. Tables associate through fields of the same name, as in
//! Qlik's associative model.

use crate::codes::Codes;
use crate::csv::CsvError;
use crate::types::{value_of, FieldType};
use crate::values::Values;

/// The code of an empty cell.
pub const NULL: u32 = u32::MAX;

#[derive(Debug, Clone)]
pub struct Field {
    pub name: String,
    pub field_type: FieldType,
    /// Distinct values, sorted; a row's code is an index into this.
    pub values: Values,
}

#[derive(Debug, Clone)]
pub struct Column {
    pub field: usize,
    pub codes: Codes,
    /// Empty cells: a count over a column without any needs no look at its codes.
    pub nulls: usize,
}

impl Column {
    pub fn new(field: usize, codes: Codes) -> Column {
        let nulls = crate::with_codes!(&codes, c => c.iter().filter(|x| crate::codes::Code::widen(**x) == NULL).count());
        Column {
            field,
            codes,
            nulls,
        }
    }
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

impl DataModel {
    /// Loads tables from CSV files, named by `(table name, bytes)`, in one pass (`load`).
    /// Columns of the same name (any case) in several tables are one field: that is what
    /// associates the tables.
    pub fn from_csv(files: &[(&str, &[u8])]) -> Result<DataModel, LoadError> {
        crate::load::from_csv(files)
    }

    /// Loads the sources, named by `(name, bytes)`, as the plan says: the one way into a model.
    pub fn load(
        plan: &crate::plan::LoadPlan,
        sources: &[(&str, &[u8])],
    ) -> Result<crate::load::Loaded, LoadError> {
        crate::load::run(plan, sources)
    }

    /// Bytes the model holds: every table's codes, plus each distinct value once.
    pub fn heap_bytes(&self) -> usize {
        let codes: usize = self
            .tables
            .iter()
            .flat_map(|t| &t.columns)
            .map(|c| c.codes.heap_bytes())
            .sum();
        let values: usize = self.fields.iter().map(|f| f.values.heap_bytes()).sum();
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
            .search(&value)
            .ok()
            .map(|i| i as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Value;

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
            model.fields[customer].values.to_vec(),
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
            model.tables[1].columns[1].codes.to_vec(),
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
