//! The association graph as a forest: tables and key fields (fields held by two tables or more)
//! are its nodes, a table holding a key its edges. The load cuts loops (`associate`), so the
//! graph is a forest already; should a model still hold one (a model made by hand), the edges
//! that close it are left out here, so that inference and charts always walk a tree.

use crate::model::DataModel;

#[derive(Debug, Clone)]
pub struct Forest {
    /// Per field: every table holding it.
    pub tables_of: Vec<Vec<usize>>,
    /// Per table: the key fields it associates through.
    pub keys_of: Vec<Vec<usize>>,
    /// Per field: the tables it associates (empty for a field of one table).
    pub members: Vec<Vec<usize>>,
    /// Tables in the order a walk from each component's first table reaches them, with the key
    /// each was reached through (`None`: the component's first table).
    pub order: Vec<(usize, Option<usize>)>,
}

impl Forest {
    pub fn of(model: &DataModel) -> Forest {
        let tables_of = crate::associate::tables_of(model);
        let mut keys_of = vec![Vec::new(); model.tables.len()];
        let mut members = vec![Vec::new(); model.fields.len()];
        let mut table_seen = vec![false; model.tables.len()];
        let mut key_seen = vec![false; model.fields.len()];
        let mut order = Vec::with_capacity(model.tables.len());
        for root in 0..model.tables.len() {
            if table_seen[root] {
                continue;
            }
            table_seen[root] = true;
            order.push((root, None));
            let mut at = order.len() - 1;
            while at < order.len() {
                let (t, _) = order[at];
                at += 1;
                for column in &model.tables[t].columns {
                    let k = column.field;
                    if tables_of[k].len() < 2 || key_seen[k] {
                        continue;
                    }
                    key_seen[k] = true;
                    keys_of[t].push(k);
                    members[k].push(t);
                    for &other in &tables_of[k] {
                        if !table_seen[other] {
                            table_seen[other] = true;
                            keys_of[other].push(k);
                            members[k].push(other);
                            order.push((other, Some(k)));
                        }
                    }
                }
            }
        }
        Forest {
            tables_of,
            keys_of,
            members,
            order,
        }
    }
}
