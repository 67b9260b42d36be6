//! How tables associate, and what is wrong with it. Tables associate through fields of the same
//! name; tables that share two fields or more get a synthetic key (Qlik's `$Syn` table of their
//! combinations), and a loop of associations is cut: the selections of a loop have no one
//! answer. Both are warnings, never silent. `links` measures how well each key's values match,
//! and `advice` names the associations that look like accidents (a generic name, values that
//! barely overlap, a measure or a row number used as a key).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::codes::Codes;
use crate::model::{Column, DataModel, Field, Table, NULL};
use crate::types::FieldType;
use crate::values::Values;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningKind {
    SyntheticKey,
    Loop,
    WeakKey,
    GenericKey,
    MeasureKey,
    RowNumberKey,
}

/// Something about the model that its editors should look at, with the fix it suggests.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Warning {
    pub kind: WarningKind,
    pub message: String,
    pub tables: Vec<String>,
    pub fields: Vec<String>,
    /// One click's fix: give the field another name in this table.
    pub fix: Option<Rename>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rename {
    pub table: String,
    pub field: String,
    pub to: String,
}

/// A key field and how its values match between the tables that hold it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Link {
    pub field: String,
    pub sides: Vec<Side>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Side {
    pub table: String,
    /// Distinct values of the field in this table.
    pub values: usize,
    /// How many of them another table of the link holds too.
    pub matched: usize,
    /// Whether each value occurs in one row at most (the lookup side of a key).
    pub unique: bool,
}

pub(crate) fn has(table: &Table, field: usize) -> bool {
    table.columns.iter().any(|c| c.field == field)
}

/// The tables holding each field.
pub fn tables_of(model: &DataModel) -> Vec<Vec<usize>> {
    let mut of = vec![Vec::new(); model.fields.len()];
    for (t, table) in model.tables.iter().enumerate() {
        for column in &table.columns {
            of[column.field].push(t);
        }
    }
    of
}

/// Synthetic keys for tables that share several fields, then loops cut; the warnings say what
/// was done and how to choose otherwise.
pub fn resolve(mut model: DataModel) -> (DataModel, Vec<Warning>) {
    let mut warnings = Vec::new();
    while let Some(shared) = shared_fields(&model) {
        warnings.push(synthetic_key(&mut model, &shared));
    }
    warnings.extend(cut_loops(&mut model));
    (model, warnings)
}

/// The fields that the first two tables sharing two or more fields have in common.
fn shared_fields(model: &DataModel) -> Option<Vec<usize>> {
    for (a, first) in model.tables.iter().enumerate() {
        for second in &model.tables[a + 1..] {
            let shared: Vec<usize> = first
                .columns
                .iter()
                .map(|c| c.field)
                .filter(|&f| has(second, f))
                .collect();
            if shared.len() >= 2 {
                return Some(shared);
            }
        }
    }
    None
}

/// Replaces `key` in every table holding all of it by one field whose values are the
/// combinations that occur, kept with their parts in a table of their own (`$Syn n Table`).
fn synthetic_key(model: &mut DataModel, key: &[usize]) -> Warning {
    let number = model
        .fields
        .iter()
        .filter(|f| f.name.starts_with("$Syn "))
        .count()
        + 1;
    let name = format!("$Syn {number}");
    let syn = model.fields.len();
    let group: Vec<usize> = (0..model.tables.len())
        .filter(|&t| key.iter().all(|&f| has(&model.tables[t], f)))
        .collect();
    let mut combinations: HashMap<Vec<u32>, u32> = HashMap::new();
    let mut parts: Vec<Vec<u32>> = vec![Vec::new(); key.len()];
    for &t in &group {
        let table = &mut model.tables[t];
        let columns: Vec<Vec<u32>> = key
            .iter()
            .map(|&f| {
                let c = table.columns.iter().find(|c| c.field == f).expect("held");
                c.codes.to_vec()
            })
            .collect();
        let mut ids = Vec::with_capacity(table.rows);
        for row in 0..table.rows {
            let tuple: Vec<u32> = columns.iter().map(|c| c[row]).collect();
            let next = combinations.len() as u32;
            let id = *combinations.entry(tuple.clone()).or_insert_with(|| {
                for (part, code) in parts.iter_mut().zip(&tuple) {
                    part.push(*code);
                }
                next
            });
            ids.push(id);
        }
        table.columns.retain(|c| !key.contains(&c.field));
        let count = combinations.len();
        table
            .columns
            .push(Column::new(syn, Codes::narrow(ids, count)));
    }
    let count = combinations.len();
    // Codes handed out while the combinations grew are final: a column of one table was
    // narrowed for the count so far, so widen every column to the final count.
    for &t in &group {
        let column = model.tables[t].columns.last_mut().expect("just pushed");
        column.codes = column.codes.narrowed(count);
    }
    model.fields.push(Field {
        name: name.clone(),
        field_type: FieldType::Integer,
        values: Values::Int((1..=count as i64).collect()),
    });
    let mut columns = vec![Column::new(
        syn,
        Codes::narrow((0..count as u32).collect(), count),
    )];
    for (&f, part) in key.iter().zip(parts) {
        columns.push(Column::new(
            f,
            Codes::narrow(part, model.fields[f].values.len()),
        ));
    }
    model.tables.push(Table {
        name: format!("{name} Table"),
        rows: count,
        columns,
    });
    let tables: Vec<String> = group
        .iter()
        .map(|&t| model.tables[t].name.clone())
        .collect();
    let fields: Vec<String> = key.iter().map(|&f| model.fields[f].name.clone()).collect();
    let fix = Some(Rename {
        table: tables[tables.len() - 1].clone(),
        field: fields[fields.len() - 1].clone(),
        to: format!("{} {}", tables[tables.len() - 1], fields[fields.len() - 1]),
    });
    Warning {
        kind: WarningKind::SyntheticKey,
        message: format!(
            "{} share the fields {}: they associate through every combination of them ({name}). If that is not one key, rename or drop the fields that do not belong to it.",
            list(&tables),
            list(&fields.iter().map(|f| format!("\"{f}\"")).collect::<Vec<_>>()),
        ),
        tables,
        fields,
        fix,
    }
}

/// "a, b and c"
pub fn list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// Finds each association that closes a loop (tables and key fields as one graph; the largest
/// table's associations are taken last, so that a loop is cut there, as Qlik loosens the longest
/// table) and gives that table's column a field of its own, `table.field`.
fn cut_loops(model: &mut DataModel) -> Vec<Warning> {
    let tables = model.tables.len();
    let of = tables_of(model);
    let mut order: Vec<usize> = (0..tables).collect();
    order.sort_by_key(|&t| (model.tables[t].rows, t));
    let mut parent: Vec<usize> = (0..tables + model.fields.len()).collect();
    fn find(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    let mut kept: Vec<(usize, usize)> = Vec::new();
    let mut warnings = Vec::new();
    for t in order {
        let fields: Vec<usize> = model.tables[t].columns.iter().map(|c| c.field).collect();
        for field in fields {
            if of[field].len() < 2 {
                continue;
            }
            let (a, b) = (find(&mut parent, t), find(&mut parent, tables + field));
            if a != b {
                parent[a] = b;
                kept.push((t, field));
                continue;
            }
            let circle = path(&kept, tables, t, tables + field);
            let name = format!("{}.{}", model.tables[t].name, model.fields[field].name);
            let names: Vec<String> = circle
                .iter()
                .map(|&c| model.tables[c].name.clone())
                .collect();
            qualify(model, t, field, &name);
            warnings.push(Warning {
                kind: WarningKind::Loop,
                message: format!(
                    "{} associate in a loop, so a selection could reach a table by two ways with two answers. {} no longer associates through \"{}\": in it the field is now \"{name}\". To cut the loop elsewhere, rename the field that plays two roles in another table.",
                    list(&names),
                    model.tables[t].name,
                    model.fields[field].name
                ),
                tables: names,
                fields: vec![model.fields[field].name.clone()],
                fix: Some(Rename {
                    table: model.tables[t].name.clone(),
                    field: model.fields[field].name.clone(),
                    to: name,
                }),
            });
        }
    }
    warnings
}

/// The tables on the path between two nodes of the kept associations (tables are nodes below
/// `tables`, fields after), ending with the table whose association closed the loop.
fn path(kept: &[(usize, usize)], tables: usize, from: usize, to: usize) -> Vec<usize> {
    let mut came: HashMap<usize, usize> = HashMap::from([(to, to)]);
    let mut queue = std::collections::VecDeque::from([to]);
    while let Some(node) = queue.pop_front() {
        if node == from {
            break;
        }
        for &(t, f) in kept {
            let next = if t == node {
                tables + f
            } else if tables + f == node {
                t
            } else {
                continue;
            };
            if let std::collections::hash_map::Entry::Vacant(slot) = came.entry(next) {
                slot.insert(node);
                queue.push_back(next);
            }
        }
    }
    let mut out = Vec::new();
    let mut at = from;
    while let Some(&previous) = came.get(&at) {
        if at < tables && !out.contains(&at) {
            out.push(at);
        }
        if previous == at {
            break;
        }
        at = previous;
    }
    out
}

/// Gives one table's column of `field` a field of its own, named `name`, holding the values it
/// uses.
pub(crate) fn qualify(model: &mut DataModel, table: usize, field: usize, name: &str) {
    let new = model.fields.len();
    let column = model.tables[table]
        .columns
        .iter_mut()
        .find(|c| c.field == field)
        .expect("held");
    let mut used = vec![false; model.fields[field].values.len()];
    for code in column.codes.to_vec() {
        if code != NULL {
            used[code as usize] = true;
        }
    }
    let mut map = vec![NULL; used.len()];
    for (next, (code, _)) in used.iter().enumerate().filter(|(_, u)| **u).enumerate() {
        map[code] = next as u32;
    }
    let values = model.fields[field].values.retain(&used);
    *column = Column::new(new, column.codes.remap(&map, values.len()));
    model.fields.push(Field {
        name: name.to_string(),
        field_type: model.fields[field].field_type,
        values,
    });
}

/// How each key field's values match between its tables.
pub fn links(model: &DataModel) -> Vec<Link> {
    let of = tables_of(model);
    let mut out = Vec::new();
    for (f, tables) in of.iter().enumerate().filter(|(_, t)| t.len() >= 2) {
        let width = model.fields[f].values.len();
        let mut counts: Vec<Vec<u32>> = Vec::new();
        for &t in tables {
            let column = model.tables[t]
                .columns
                .iter()
                .find(|c| c.field == f)
                .expect("held");
            let mut count = vec![0u32; width];
            for code in column.codes.to_vec() {
                if code != NULL {
                    count[code as usize] = count[code as usize].saturating_add(1);
                }
            }
            counts.push(count);
        }
        let sides = tables
            .iter()
            .enumerate()
            .map(|(i, &t)| Side {
                table: model.tables[t].name.clone(),
                values: counts[i].iter().filter(|c| **c > 0).count(),
                matched: (0..width)
                    .filter(|&v| {
                        counts[i][v] > 0 && (0..counts.len()).any(|j| j != i && counts[j][v] > 0)
                    })
                    .count(),
                unique: counts[i].iter().all(|c| *c <= 1),
            })
            .collect();
        out.push(Link {
            field: model.fields[f].name.clone(),
            sides,
        });
    }
    out
}

/// Names that often mean two different things in two tables.
const GENERIC: &[&str] = &[
    "name",
    "year",
    "month",
    "day",
    "date",
    "time",
    "type",
    "status",
    "description",
    "comment",
    "comments",
    "note",
    "notes",
    "title",
    "label",
    "value",
    "code",
    "category",
    "id",
];

/// Associations that look like accidents, each with a rename that undoes it.
pub fn advice(model: &DataModel, links: &[Link]) -> Vec<Warning> {
    let mut out = Vec::new();
    for link in links {
        let Some(f) = model.field(&link.field) else {
            continue;
        };
        if link.field.starts_with("$Syn ") {
            continue;
        }
        let tables: Vec<String> = link.sides.iter().map(|s| s.table.clone()).collect();
        // Renaming it in the table that has fewest of the other side's values undoes the link.
        let worst = link
            .sides
            .iter()
            .min_by(|a, b| {
                let share = |s: &Side| s.matched as f64 / s.values.max(1) as f64;
                share(a).total_cmp(&share(b))
            })
            .expect("two sides");
        let fix = Some(Rename {
            table: worst.table.clone(),
            field: link.field.clone(),
            to: format!("{} {}", worst.table.trim_end_matches(".csv"), link.field),
        });
        let union: usize = model.fields[f].values.len();
        let common = link.sides.iter().map(|s| s.matched).min().unwrap_or(0);
        let share = common as f64 / union.max(1) as f64;
        let named = list(&tables);
        let mut warn = |kind, message: String| {
            out.push(Warning {
                kind,
                message,
                tables: tables.clone(),
                fields: vec![link.field.clone()],
                fix: fix.clone(),
            })
        };
        if share < 0.1 {
            warn(
                WarningKind::WeakKey,
                format!(
                    "\"{}\" associates {named}, but only {:.0}% of its values occur in both ({common} of {union}): they are probably two different things. Rename it in one table.",
                    link.field,
                    share * 100.0
                ),
            );
        } else if GENERIC.contains(&link.field.to_ascii_lowercase().as_str()) {
            warn(
                WarningKind::GenericKey,
                format!(
                    "\"{}\" associates {named}. A name this general often means different things in different tables: check that it is one key, or rename it in one table.",
                    link.field
                ),
            );
        }
        if model.fields[f].field_type == FieldType::Decimal {
            warn(
                WarningKind::MeasureKey,
                format!(
                    "\"{}\" associates {named}, and it holds decimal numbers: a measure is rarely a key. Rename it in one table unless the tables really match on it.",
                    link.field
                ),
            );
        } else if link.sides.iter().all(|s| s.unique) && row_numbers(&model.fields[f].values) {
            warn(
                WarningKind::RowNumberKey,
                format!(
                    "\"{}\" associates {named}, and in each it numbers the rows 1, 2, 3…: it looks like each table's own row number. Rename it in one table unless the rows really match.",
                    link.field
                ),
            );
        }
    }
    out
}

/// Whether a field's values are 0 or 1 up to its count: row numbers.
fn row_numbers(values: &Values) -> bool {
    match values {
        Values::Int(v) => {
            !v.is_empty() && (v[0] == 0 || v[0] == 1) && v[v.len() - 1] - v[0] + 1 == v.len() as i64
        }
        _ => false,
    }
}
