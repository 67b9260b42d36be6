//! A map of many small entries, in shards. A `HashMap` grows by rehashing every entry at once;
//! under the lock that admits every visitor, a map of half a million seats growing would hold
//! them all up for the time it takes (a crowd on a public page, each visitor a new session and
//! a new address). Split in shards, a growth rehashes one shard: a sixty-fourth of the entries.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};

const SHARDS: usize = 64;

pub struct Sharded<V> {
    /// Picks a key's shard; keyed per map, so no one can aim their keys at one shard.
    pick: RandomState,
    shards: Vec<HashMap<String, V>>,
}

impl<V> Default for Sharded<V> {
    fn default() -> Self {
        Sharded {
            pick: RandomState::new(),
            shards: (0..SHARDS).map(|_| HashMap::new()).collect(),
        }
    }
}

impl<V> Sharded<V> {
    fn shard(&self, key: &str) -> usize {
        (self.pick.hash_one(key) % SHARDS as u64) as usize
    }

    pub fn get(&self, key: &str) -> Option<&V> {
        self.shards[self.shard(key)].get(key)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut V> {
        let shard = self.shard(key);
        self.shards[shard].get_mut(key)
    }

    pub fn insert(&mut self, key: String, value: V) -> Option<V> {
        let shard = self.shard(&key);
        self.shards[shard].insert(key, value)
    }

    pub fn remove(&mut self, key: &str) -> Option<V> {
        let shard = self.shard(key);
        self.shards[shard].remove(key)
    }

    /// The entry of `key`, made with `make` when there is none.
    pub fn get_or_insert_with(&mut self, key: &str, make: impl FnOnce() -> V) -> &mut V {
        let shard = self.shard(key);
        let map = &mut self.shards[shard];
        if !map.contains_key(key) {
            map.insert(key.to_string(), make());
        }
        map.get_mut(key).expect("just inserted")
    }

    pub fn len(&self) -> usize {
        self.shards.iter().map(HashMap::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.shards.iter().all(HashMap::is_empty)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&String, &V)> {
        self.shards.iter().flat_map(|s| s.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn it_is_a_map() {
        let mut map = Sharded::default();
        assert!(map.is_empty());
        for i in 0..1000 {
            assert_eq!(map.insert(format!("k{i}"), i), None);
        }
        assert_eq!(map.insert("k7".into(), 70), Some(7));
        assert_eq!(map.len(), 1000);
        assert_eq!(map.get("k7"), Some(&70));
        *map.get_mut("k8").unwrap() += 1;
        assert_eq!(map.get("k8"), Some(&9));
        assert_eq!(*map.get_or_insert_with("new", || 5), 5);
        assert_eq!(*map.get_or_insert_with("new", || 6), 5, "kept");
        assert_eq!(map.remove("k1"), Some(1));
        assert_eq!(map.get("k1"), None);
        assert_eq!(map.iter().count(), 1000);
        assert!(
            map.shards.iter().filter(|s| !s.is_empty()).count() > SHARDS / 2,
            "spread over the shards"
        );
    }
}
