//! A loaded model as one file that loads fast: what the CSV files became (fields with their
//! distinct values, tables of codes), so that reopening an app parses nothing.
//!
//! Layout, little-endian: the magic line, the field count, each field (name, type, values),
//! the table count, each table (name, rows, columns: field index and one u32 code per row).

use std::io::{self, Read, Write};

use crate::model::{Column, DataModel, Field, Table, NULL};
use crate::types::{FieldType, Value};

const MAGIC: &[u8; 8] = b"SLSNAP1\n";

/// Writes the model; `out` should be buffered.
pub fn write(model: &DataModel, out: &mut impl Write) -> io::Result<()> {
    out.write_all(MAGIC)?;
    put_u32(out, model.fields.len() as u32)?;
    for field in &model.fields {
        put_str(out, &field.name)?;
        out.write_all(&[type_tag(field.field_type)])?;
        put_u32(out, field.values.len() as u32)?;
        for value in &field.values {
            put_value(out, value)?;
        }
    }
    put_u32(out, model.tables.len() as u32)?;
    for table in &model.tables {
        put_str(out, &table.name)?;
        out.write_all(&(table.rows as u64).to_le_bytes())?;
        put_u32(out, table.columns.len() as u32)?;
        for column in &table.columns {
            put_u32(out, column.field as u32)?;
            let mut bytes = Vec::with_capacity(column.codes.len() * 4);
            for code in &column.codes {
                bytes.extend_from_slice(&code.to_le_bytes());
            }
            out.write_all(&bytes)?;
        }
    }
    Ok(())
}

/// Reads a model back; a file that is not a whole snapshot is an error, never a partial model.
pub fn read(input: &mut impl Read) -> io::Result<DataModel> {
    let mut magic = [0u8; 8];
    input.read_exact(&mut magic)?;
    if &magic != MAGIC {
        return Err(corrupt("it does not start like a Sightline snapshot"));
    }
    let field_count = get_u32(input)? as usize;
    let mut fields = Vec::with_capacity(field_count.min(4096));
    for _ in 0..field_count {
        let name = get_str(input)?;
        let field_type = type_of_tag(get_u8(input)?)?;
        let count = get_u32(input)? as usize;
        let mut values = Vec::with_capacity(count.min(1 << 20));
        for _ in 0..count {
            values.push(get_value(input)?);
        }
        fields.push(Field {
            name,
            field_type,
            values,
        });
    }
    let table_count = get_u32(input)? as usize;
    let mut tables = Vec::with_capacity(table_count.min(4096));
    for _ in 0..table_count {
        let name = get_str(input)?;
        let mut rows = [0u8; 8];
        input.read_exact(&mut rows)?;
        let rows = u64::from_le_bytes(rows) as usize;
        let column_count = get_u32(input)? as usize;
        let mut columns = Vec::with_capacity(column_count.min(4096));
        for _ in 0..column_count {
            let field = get_u32(input)? as usize;
            let Some(values) = fields.get(field).map(|f| f.values.len()) else {
                return Err(corrupt("a column names a field that is not there"));
            };
            columns.push(Column {
                field,
                codes: get_codes(input, rows, values)?,
            });
        }
        tables.push(Table {
            name,
            rows,
            columns,
        });
    }
    Ok(DataModel { fields, tables })
}

fn corrupt(why: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("The snapshot is damaged: {why}."),
    )
}

fn type_tag(field_type: FieldType) -> u8 {
    match field_type {
        FieldType::Integer => 0,
        FieldType::Decimal => 1,
        FieldType::Date => 2,
        FieldType::Timestamp => 3,
        FieldType::Text => 4,
    }
}

fn type_of_tag(tag: u8) -> io::Result<FieldType> {
    Ok(match tag {
        0 => FieldType::Integer,
        1 => FieldType::Decimal,
        2 => FieldType::Date,
        3 => FieldType::Timestamp,
        4 => FieldType::Text,
        _ => return Err(corrupt("a field has an unknown type")),
    })
}

fn put_u32(out: &mut impl Write, n: u32) -> io::Result<()> {
    out.write_all(&n.to_le_bytes())
}

fn put_str(out: &mut impl Write, s: &str) -> io::Result<()> {
    put_u32(out, s.len() as u32)?;
    out.write_all(s.as_bytes())
}

fn put_value(out: &mut impl Write, value: &Value) -> io::Result<()> {
    match value {
        Value::Int(i) => {
            out.write_all(&[0])?;
            out.write_all(&i.to_le_bytes())
        }
        Value::Num(n) => {
            out.write_all(&[1])?;
            out.write_all(&n.to_le_bytes())
        }
        Value::Date(d) => {
            out.write_all(&[2])?;
            out.write_all(&d.to_le_bytes())
        }
        Value::Timestamp(t) => {
            out.write_all(&[3])?;
            out.write_all(&t.to_le_bytes())
        }
        Value::Text(s) => {
            out.write_all(&[4])?;
            put_str(out, s)
        }
    }
}

fn get_u8(input: &mut impl Read) -> io::Result<u8> {
    let mut b = [0u8; 1];
    input.read_exact(&mut b)?;
    Ok(b[0])
}

fn get_u32(input: &mut impl Read) -> io::Result<u32> {
    let mut b = [0u8; 4];
    input.read_exact(&mut b)?;
    Ok(u32::from_le_bytes(b))
}

fn get_i64(input: &mut impl Read) -> io::Result<i64> {
    let mut b = [0u8; 8];
    input.read_exact(&mut b)?;
    Ok(i64::from_le_bytes(b))
}

/// A column's codes, read a chunk at a time: a damaged row count runs into the end of the file
/// before it can make the reader allocate more than the file holds.
fn get_codes(input: &mut impl Read, rows: usize, values: usize) -> io::Result<Vec<u32>> {
    const CHUNK_ROWS: usize = 1 << 16;
    let mut codes = Vec::with_capacity(rows.min(CHUNK_ROWS));
    let mut bytes = vec![0u8; rows.min(CHUNK_ROWS) * 4];
    let mut left = rows;
    while left > 0 {
        let n = left.min(CHUNK_ROWS);
        input.read_exact(&mut bytes[..n * 4])?;
        for b in bytes[..n * 4].chunks_exact(4) {
            let code = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
            if code != NULL && code as usize >= values {
                return Err(corrupt("a code points past its field's values"));
            }
            codes.push(code);
        }
        left -= n;
    }
    Ok(codes)
}

fn get_str(input: &mut impl Read) -> io::Result<String> {
    let len = get_u32(input)? as usize;
    if len > crate::csv::MAX_FIELD_BYTES * 4 {
        return Err(corrupt("a text is longer than any cell can be"));
    }
    let mut bytes = vec![0u8; len];
    input.read_exact(&mut bytes)?;
    String::from_utf8(bytes).map_err(|_| corrupt("a text is not UTF-8"))
}

fn get_value(input: &mut impl Read) -> io::Result<Value> {
    Ok(match get_u8(input)? {
        0 => Value::Int(get_i64(input)?),
        1 => Value::Num(f64::from_bits(get_i64(input)? as u64)),
        2 => Value::Date(get_u32(input)? as i32),
        3 => Value::Timestamp(get_i64(input)?),
        4 => Value::Text(get_str(input)?),
        _ => return Err(corrupt("a value has an unknown kind")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORDERS: &[u8] = b"OrderId,CustomerId,Amount,Day,At\n1,10,100.5,2026-01-02,2026-01-02 10:00:00\n2,,50,2026-01-03,2026-01-03 11:30:00\n";
    const CUSTOMERS: &[u8] = b"CustomerId,Region\n10,North\n20,\"South, far\"\n";

    #[test]
    fn a_snapshot_reads_back_as_the_same_model() {
        let model = DataModel::from_csv(&[("orders", ORDERS), ("customers", CUSTOMERS)]).unwrap();
        let mut bytes = Vec::new();
        write(&model, &mut bytes).unwrap();
        let back = read(&mut bytes.as_slice()).unwrap();
        assert_eq!(back.fields.len(), model.fields.len());
        for (a, b) in back.fields.iter().zip(&model.fields) {
            assert_eq!(
                (&a.name, a.field_type, &a.values),
                (&b.name, b.field_type, &b.values)
            );
        }
        for (a, b) in back.tables.iter().zip(&model.tables) {
            assert_eq!((&a.name, a.rows), (&b.name, b.rows));
            assert_eq!(
                a.columns
                    .iter()
                    .map(|c| (c.field, &c.codes))
                    .collect::<Vec<_>>(),
                b.columns
                    .iter()
                    .map(|c| (c.field, &c.codes))
                    .collect::<Vec<_>>()
            );
        }
    }

    #[test]
    fn a_damaged_snapshot_is_an_error_not_a_partial_model() {
        let model = DataModel::from_csv(&[("orders", ORDERS)]).unwrap();
        let mut bytes = Vec::new();
        write(&model, &mut bytes).unwrap();
        for cut in [0, 5, 20, bytes.len() - 1] {
            assert!(read(&mut &bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut wrong = bytes.clone();
        wrong[0] = b'X';
        assert!(read(&mut wrong.as_slice())
            .unwrap_err()
            .to_string()
            .contains("Sightline snapshot"));
        // A row count of 2^60: the reader meets the end of the file, it does not try to allocate.
        let name = b"\x06\x00\x00\x00orders";
        let rows_at = bytes
            .windows(name.len())
            .position(|w| w == name)
            .expect("the table's name")
            + name.len();
        assert_eq!(bytes[rows_at..rows_at + 8], 2u64.to_le_bytes());
        let mut huge = bytes.clone();
        huge[rows_at..rows_at + 8].copy_from_slice(&(1u64 << 60).to_le_bytes());
        assert!(read(&mut huge.as_slice()).is_err());
        let mut wrong = bytes.clone();
        wrong[0] = b'X';
        assert!(read(&mut wrong.as_slice())
            .unwrap_err()
            .to_string()
            .contains("Sightline snapshot"));
    }
}
