//! A loaded model as one file that loads fast: what the CSV files became (fields with their
//! distinct values, tables of codes), so that reopening an app parses nothing.
//!
//! Layout, little-endian: the magic line, the field count, each field (name, type, value
//! count, the values in their type's width: 8 bytes an integer, decimal or timestamp, 4 a date,
//! length and bytes a text), the table count, each table (name, rows, columns: field index,
//! code width in bytes, the codes in that width). Reading is copying: nothing is parsed.

use std::io::{self, Read, Write};

use crate::codes::Codes;
use crate::model::{Column, DataModel, Field, Table};
use crate::types::FieldType;
use crate::values::Values;
use crate::with_codes;

/// Version 3: the load of the associative model (missing-value tokens, zoned timestamps and
/// times, codes remapped to their field's final width, synthetic keys). An older snapshot is
/// refused as damaged, and the app is loaded again from its files: a version-2 snapshot may hold
/// codes that the old load clipped.
const MAGIC: &[u8; 8] = b"SLSNAP3\n";

/// Writes the model; `out` should be buffered.
pub fn write(model: &DataModel, out: &mut impl Write) -> io::Result<()> {
    out.write_all(MAGIC)?;
    put_u32(out, model.fields.len() as u32)?;
    for field in &model.fields {
        put_str(out, &field.name)?;
        out.write_all(&[type_tag(field.field_type)])?;
        put_u32(out, field.values.len() as u32)?;
        match &field.values {
            Values::Int(v) | Values::Timestamp(v) => put_all(out, v, i64::to_le_bytes)?,
            Values::Num(v) => put_all(out, v, f64::to_le_bytes)?,
            Values::Date(v) | Values::Time(v) => put_all(out, v, i32::to_le_bytes)?,
            Values::Text(v) => {
                for text in v {
                    put_str(out, text)?;
                }
            }
        }
    }
    put_u32(out, model.tables.len() as u32)?;
    for table in &model.tables {
        put_str(out, &table.name)?;
        out.write_all(&(table.rows as u64).to_le_bytes())?;
        put_u32(out, table.columns.len() as u32)?;
        for column in &table.columns {
            put_u32(out, column.field as u32)?;
            out.write_all(&[column.codes.width() as u8])?;
            match &column.codes {
                Codes::U8(c) => out.write_all(c)?,
                Codes::U16(c) => put_all(out, c, u16::to_le_bytes)?,
                Codes::U32(c) => put_all(out, c, u32::to_le_bytes)?,
            }
        }
    }
    Ok(())
}

/// Writes numbers a block at a time.
fn put_all<T: Copy, const N: usize>(
    out: &mut impl Write,
    items: &[T],
    bytes: fn(T) -> [u8; N],
) -> io::Result<()> {
    let mut block = Vec::with_capacity(N * 8192);
    for chunk in items.chunks(8192) {
        block.clear();
        for &item in chunk {
            block.extend_from_slice(&bytes(item));
        }
        out.write_all(&block)?;
    }
    Ok(())
}

/// Reads `count` numbers a block at a time: a damaged count runs into the end of the file
/// before it can make the reader allocate more than the file holds.
fn get_all<T, const N: usize>(
    input: &mut impl Read,
    count: usize,
    from: fn([u8; N]) -> T,
) -> io::Result<Vec<T>> {
    const BLOCK: usize = 1 << 16;
    let mut items = Vec::with_capacity(count.min(BLOCK));
    let mut bytes = vec![0u8; count.min(BLOCK) * N];
    let mut left = count;
    while left > 0 {
        let n = left.min(BLOCK);
        input.read_exact(&mut bytes[..n * N])?;
        items.extend(
            bytes[..n * N]
                .chunks_exact(N)
                .map(|b| from(b.try_into().expect("N bytes"))),
        );
        left -= n;
    }
    Ok(items)
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
        let values = match field_type {
            FieldType::Integer => Values::Int(get_all(input, count, i64::from_le_bytes)?),
            FieldType::Decimal => Values::Num(get_all(input, count, f64::from_le_bytes)?),
            FieldType::Date => Values::Date(get_all(input, count, i32::from_le_bytes)?),
            FieldType::Timestamp => Values::Timestamp(get_all(input, count, i64::from_le_bytes)?),
            FieldType::Time => Values::Time(get_all(input, count, i32::from_le_bytes)?),
            FieldType::Text => {
                let mut texts = Vec::with_capacity(count.min(1 << 16));
                for _ in 0..count {
                    texts.push(get_str(input)?.into_boxed_str());
                }
                Values::Text(texts)
            }
        };
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
        // Rows are read in each column's codes, which bound them by the file's length: a table
        // without columns has nothing to bound them, and a real one never has rows then.
        if column_count == 0 && rows > 0 {
            return Err(corrupt("a table without columns says it has rows"));
        }
        let mut columns = Vec::with_capacity(column_count.min(4096));
        for _ in 0..column_count {
            let field = get_u32(input)? as usize;
            let Some(values) = fields.get(field).map(|f| f.values.len()) else {
                return Err(corrupt("a column names a field that is not there"));
            };
            let codes = match get_u8(input)? {
                1 => Codes::U8(get_all(input, rows, u8::from_le_bytes)?),
                2 => Codes::U16(get_all(input, rows, u16::from_le_bytes)?),
                4 => Codes::U32(get_all(input, rows, u32::from_le_bytes)?),
                _ => return Err(corrupt("a column has an unknown code width")),
            };
            let fits = with_codes!(&codes, c => c.iter().all(|&x| {
                let code = crate::codes::Code::widen(x);
                code == crate::model::NULL || (code as usize) < values
            }));
            if !fits {
                return Err(corrupt("a code points past its field's values"));
            }
            columns.push(Column::new(field, codes));
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
        FieldType::Time => 5,
        FieldType::Text => 4,
    }
}

fn type_of_tag(tag: u8) -> io::Result<FieldType> {
    Ok(match tag {
        0 => FieldType::Integer,
        1 => FieldType::Decimal,
        2 => FieldType::Date,
        3 => FieldType::Timestamp,
        5 => FieldType::Time,
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

fn get_str(input: &mut impl Read) -> io::Result<String> {
    let len = get_u32(input)? as usize;
    if len > crate::csv::MAX_FIELD_BYTES * 4 {
        return Err(corrupt("a text is longer than any cell can be"));
    }
    let mut bytes = vec![0u8; len];
    input.read_exact(&mut bytes)?;
    String::from_utf8(bytes).map_err(|_| corrupt("a text is not UTF-8"))
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
                    .map(|c| (c.field, c.codes.to_vec()))
                    .collect::<Vec<_>>(),
                b.columns
                    .iter()
                    .map(|c| (c.field, c.codes.to_vec()))
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
        // The same row count on a table that claims no columns: refused by name, not trusted.
        let mut columnless = bytes[..rows_at].to_vec();
        columnless.extend_from_slice(&(1u64 << 60).to_le_bytes());
        columnless.extend_from_slice(&0u32.to_le_bytes());
        assert!(read(&mut columnless.as_slice())
            .unwrap_err()
            .to_string()
            .contains("without columns"));
        let mut wrong = bytes.clone();
        wrong[0] = b'X';
        assert!(read(&mut wrong.as_slice())
            .unwrap_err()
            .to_string()
            .contains("Sightline snapshot"));
    }
}
