//! A field's distinct values, sorted, in one array of the field's own type: eight bytes an
//! integer instead of a 32-byte `Value` each. A field has one type (inferred over every one of
//! its values), so one array holds them all.

use std::borrow::Cow;

use crate::types::{FieldType, Value};

#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    Int(Vec<i64>),
    Num(Vec<f64>),
    /// Days since 1970-01-01.
    Date(Vec<i32>),
    /// Milliseconds since 1970-01-01T00:00:00.
    Timestamp(Vec<i64>),
    /// Milliseconds since midnight.
    Time(Vec<i32>),
    Text(Vec<Box<str>>),
}

impl Values {
    pub fn empty(field_type: FieldType) -> Values {
        match field_type {
            FieldType::Integer => Values::Int(Vec::new()),
            FieldType::Decimal => Values::Num(Vec::new()),
            FieldType::Date => Values::Date(Vec::new()),
            FieldType::Timestamp => Values::Timestamp(Vec::new()),
            FieldType::Time => Values::Time(Vec::new()),
            FieldType::Text => Values::Text(Vec::new()),
        }
    }

    /// Values of a field from values of its type, already sorted and distinct. A value of
    /// another kind is kept as its text, which only a text field holds.
    pub fn from_sorted(field_type: FieldType, values: Vec<Value>) -> Values {
        let mut out = Values::empty(field_type);
        for value in values {
            out.push(value);
        }
        out
    }

    /// Adds a value at the end (the caller keeps the order).
    pub fn push(&mut self, value: Value) {
        match (self, value) {
            (Values::Int(v), Value::Int(i)) => v.push(i),
            (Values::Num(v), Value::Num(n)) => v.push(n),
            (Values::Num(v), Value::Int(i)) => v.push(i as f64),
            (Values::Date(v), Value::Date(d)) => v.push(d),
            (Values::Timestamp(v), Value::Timestamp(t)) => v.push(t),
            (Values::Timestamp(v), Value::Date(d)) => v.push(i64::from(d) * 86_400_000),
            (Values::Time(v), Value::Time(t)) => v.push(t),
            (Values::Text(v), value) => v.push(value.to_string().into_boxed_str()),
            (values, value) => unreachable!("a {value:?} in a field of {values:?}"),
        }
    }

    pub fn field_type(&self) -> FieldType {
        match self {
            Values::Int(_) => FieldType::Integer,
            Values::Num(_) => FieldType::Decimal,
            Values::Date(_) => FieldType::Date,
            Values::Timestamp(_) => FieldType::Timestamp,
            Values::Time(_) => FieldType::Time,
            Values::Text(_) => FieldType::Text,
        }
    }

    pub fn len(&self) -> usize {
        match self {
            Values::Int(v) | Values::Timestamp(v) => v.len(),
            Values::Num(v) => v.len(),
            Values::Date(v) | Values::Time(v) => v.len(),
            Values::Text(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The value of a code; `None` past the field's values.
    pub fn get(&self, code: usize) -> Option<Value> {
        Some(match self {
            Values::Int(v) => Value::Int(*v.get(code)?),
            Values::Num(v) => Value::Num(*v.get(code)?),
            Values::Date(v) => Value::Date(*v.get(code)?),
            Values::Timestamp(v) => Value::Timestamp(*v.get(code)?),
            Values::Time(v) => Value::Time(*v.get(code)?),
            Values::Text(v) => Value::Text(v.get(code)?.to_string()),
        })
    }

    /// The value of a code as people read it; `None` past the field's values.
    pub fn text(&self, code: usize) -> Option<String> {
        self.get(code).map(|v| v.to_string())
    }

    /// Every value, in order (text ones copied: for cold paths and tests).
    pub fn to_vec(&self) -> Vec<Value> {
        (0..self.len()).filter_map(|c| self.get(c)).collect()
    }

    /// Each value as a number a measure adds up; NaN for values that are not numbers. A
    /// decimal field's values are those numbers already (all finite): borrowed, not copied.
    pub fn numbers(&self) -> Cow<'_, [f64]> {
        match self {
            Values::Int(v) => v.iter().map(|i| *i as f64).collect(),
            Values::Num(v) => Cow::Borrowed(v),
            _ => vec![f64::NAN; self.len()].into(),
        }
    }

    /// The code of a value, or where it would be.
    pub fn search(&self, value: &Value) -> Result<usize, usize> {
        match (self, value) {
            (Values::Int(v), Value::Int(i)) => v.binary_search(i),
            (Values::Num(v), Value::Num(n)) => v.binary_search_by(|x| x.total_cmp(n)),
            (Values::Date(v), Value::Date(d)) => v.binary_search(d),
            (Values::Timestamp(v), Value::Timestamp(t)) => v.binary_search(t),
            (Values::Time(v), Value::Time(t)) => v.binary_search(t),
            (Values::Text(v), Value::Text(t)) => v.binary_search_by(|x| (**x).cmp(t.as_str())),
            // A value of another kind is in no field of this one.
            _ => Err(self.len()),
        }
    }

    /// Bytes the values take, their texts included.
    pub fn heap_bytes(&self) -> usize {
        match self {
            Values::Int(v) | Values::Timestamp(v) => v.capacity() * 8,
            Values::Num(v) => v.capacity() * 8,
            Values::Date(v) | Values::Time(v) => v.capacity() * 4,
            Values::Text(v) => v.capacity() * 16 + v.iter().map(|t| t.len()).sum::<usize>(),
        }
    }

    /// The values whose flag is set, in order.
    pub fn retain(&self, keep: &[bool]) -> Values {
        fn kept<T: Clone>(values: &[T], keep: &[bool]) -> Vec<T> {
            values
                .iter()
                .zip(keep)
                .filter(|(_, k)| **k)
                .map(|(v, _)| v.clone())
                .collect()
        }
        match self {
            Values::Int(v) => Values::Int(kept(v, keep)),
            Values::Num(v) => Values::Num(kept(v, keep)),
            Values::Date(v) => Values::Date(kept(v, keep)),
            Values::Timestamp(v) => Values::Timestamp(kept(v, keep)),
            Values::Time(v) => Values::Time(kept(v, keep)),
            Values::Text(v) => Values::Text(kept(v, keep)),
        }
    }
}
