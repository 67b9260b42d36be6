//! The order of modules, checked: every `crate::` and `super::` path in `src/` must name a module
//! on the same level as its own or below it, in the levels `docs/ARCHITECTURE.md` lists, and the
//! modules of one level must not import each other in a loop. rustc allows loops inside a crate;
//! this test is what keeps them out.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const MANIFEST: &str = env!("CARGO_MANIFEST_DIR");

/// A module as the levels name it: `state`, `access`, or a feature's layer such as
/// `content::ui` (a layer's submodules count as the layer).
type Node = String;

struct Levels {
    exact: BTreeMap<String, usize>,
    /// `<feature>::layer` patterns, by layer; `""` for `<feature>` itself.
    layer: BTreeMap<String, usize>,
}

impl Levels {
    /// The numbered list between `<!-- layers -->` and `<!-- /layers -->`.
    fn from_architecture(text: &str) -> Levels {
        let start = text
            .find("<!-- layers")
            .expect("docs/ARCHITECTURE.md lists the layers");
        let end = text[start..]
            .find("<!-- /layers -->")
            .expect("the list ends")
            + start;
        let mut levels = Levels {
            exact: BTreeMap::new(),
            layer: BTreeMap::new(),
        };
        let mut level = 0;
        for line in text[start..end].lines() {
            let Some((number, rest)) = line.split_once(". ") else {
                continue;
            };
            if number.trim().parse::<usize>().is_err() {
                continue;
            }
            level += 1;
            for name in rest.split('`').skip(1).step_by(2) {
                match name.strip_prefix("<feature>") {
                    Some(layer) => {
                        levels
                            .layer
                            .insert(layer.trim_start_matches("::").to_string(), level);
                    }
                    None => {
                        levels.exact.insert(name.to_string(), level);
                    }
                }
            }
        }
        levels
    }

    fn of(&self, node: &str, features: &BTreeSet<String>) -> Option<usize> {
        if let Some(level) = self.exact.get(node) {
            return Some(*level);
        }
        let (feature, layer) = node.split_once("::").unwrap_or((node, ""));
        // A folder the list names as a whole (`components`, `shell`) is one level.
        if let Some(level) = self.exact.get(feature) {
            return Some(*level);
        }
        if features.contains(feature) {
            return self.layer.get(layer).copied();
        }
        None
    }
}

/// Every `.rs` file under `src/`, by module path (`content::ui::sheet` for
/// `src/content/ui/sheet.rs`; `src/lib.rs` is the empty path).
fn modules() -> BTreeMap<Vec<String>, PathBuf> {
    fn walk(dir: &Path, root: &Path, out: &mut BTreeMap<Vec<String>, PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, root, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let relative = path.strip_prefix(root).unwrap().with_extension("");
                let mut segments: Vec<String> = relative
                    .iter()
                    .map(|s| s.to_string_lossy().into_owned())
                    .collect();
                if segments.last().is_some_and(|s| s == "mod" || s == "lib") {
                    segments.pop();
                }
                out.insert(segments, path);
            }
        }
    }
    let root = Path::new(MANIFEST).join("src");
    let mut out = BTreeMap::new();
    walk(&root, &root, &mut out);
    out
}

fn node_of(module: &[String]) -> Node {
    module
        .iter()
        .take(2)
        .cloned()
        .collect::<Vec<_>>()
        .join("::")
}

/// The code a module's imports are read from: comments dropped, and the unit tests at the end
/// of a file left out (a test may reach anything).
fn code_of(source: &str) -> String {
    let source = source
        .split("#[cfg(test)]\nmod tests")
        .next()
        .unwrap_or(source);
    source
        .lines()
        .map(|line| match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Expands a use tree (`crate::a::{b, c::{d, e}}`) into its paths.
fn expand_use(tree: &str) -> Vec<Vec<String>> {
    fn split_top(list: &str) -> Vec<&str> {
        let (mut depth, mut start, mut out) = (0, 0, Vec::new());
        for (i, c) in list.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    out.push(&list[start..i]);
                    start = i + 1;
                }
                _ => {}
            }
        }
        out.push(&list[start..]);
        out
    }
    let tree: String = tree.split_whitespace().collect::<Vec<_>>().join(" ");
    let tree = tree.trim();
    match tree.find('{') {
        None => {
            let path = tree.split(" as ").next().unwrap_or(tree);
            vec![path.split("::").map(|s| s.trim().to_string()).collect()]
        }
        Some(open) => {
            let prefix: Vec<String> = tree[..open]
                .trim_end_matches("::")
                .split("::")
                .filter(|s| !s.is_empty())
                .map(|s| s.trim().to_string())
                .collect();
            let close = tree.rfind('}').filter(|c| *c > open).unwrap_or(tree.len());
            let inner = &tree[open + 1..close];
            split_top(inner)
                .into_iter()
                .filter(|item| !item.trim().is_empty())
                .flat_map(|item| {
                    expand_use(item).into_iter().map(|rest| {
                        let mut path = prefix.clone();
                        path.extend(rest);
                        path
                    })
                })
                .collect()
        }
    }
}

/// The paths a module names: its `use` trees and the `crate::…`/`super::…` paths in its code.
fn paths_in(code: &str) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("use ") {
        let before = rest[..at].chars().last();
        let tail = &rest[at + 4..];
        let Some(end) = tail.find(';') else { break };
        let tree = tail[..end].trim_start();
        let ours = tree.starts_with("crate::") || tree.starts_with("super::");
        if ours && before.is_none_or(|c| !c.is_alphanumeric() && c != '_') {
            paths.extend(expand_use(tree));
        }
        rest = &tail[end..];
    }
    for start in ["crate::", "super::"] {
        for (at, _) in code.match_indices(start) {
            let before = code[..at].chars().last();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            let path: String = code[at..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            paths.push(
                path.split("::")
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect(),
            );
        }
    }
    paths
}

/// The module a path from `module` names, if it is one of this crate's.
fn resolve(
    module: &[String],
    path: &[String],
    known: &BTreeMap<Vec<String>, PathBuf>,
) -> Option<Vec<String>> {
    let mut full: Vec<String> = match path.first().map(String::as_str) {
        Some("crate") => Vec::new(),
        Some("super") => module[..module.len().saturating_sub(1)].to_vec(),
        _ => return None,
    };
    let mut segments = path[1..].iter().peekable();
    while segments.peek().is_some_and(|s| *s == "super") {
        full.pop();
        segments.next();
    }
    full.extend(segments.cloned());
    (1..=full.len())
        .rev()
        .map(|n| full[..n].to_vec())
        .find(|candidate| known.contains_key(candidate))
}

/// Each module's imports of other modules, with the file and path that make each one.
fn imports() -> BTreeMap<Node, BTreeMap<Node, String>> {
    let known = modules();
    let mut edges: BTreeMap<Node, BTreeMap<Node, String>> = BTreeMap::new();
    for (module, file) in &known {
        // The crate root declares modules; this check is test code.
        if module.is_empty() || module[0] == "layering" {
            continue;
        }
        let code = code_of(&std::fs::read_to_string(file).unwrap());
        let from = node_of(module);
        let entry = edges.entry(from.clone()).or_default();
        for path in paths_in(&code) {
            let Some(target) = resolve(module, &path, &known) else {
                continue;
            };
            let to = node_of(&target);
            if !to.is_empty() && to != from {
                entry
                    .entry(to)
                    .or_insert_with(|| format!("{} names {}", file.display(), path.join("::")));
            }
        }
    }
    edges
}

fn features() -> BTreeSet<String> {
    modules()
        .keys()
        .filter(|m| m.len() == 2)
        .map(|m| m[0].clone())
        .collect()
}

/// Loops among `nodes` (Tarjan's strongly connected components of more than one module).
fn loops(edges: &BTreeMap<Node, BTreeMap<Node, String>>) -> Vec<Vec<Node>> {
    struct Walk<'a> {
        edges: &'a BTreeMap<Node, BTreeMap<Node, String>>,
        index: BTreeMap<Node, usize>,
        low: BTreeMap<Node, usize>,
        stack: Vec<Node>,
        found: Vec<Vec<Node>>,
    }
    fn visit(w: &mut Walk<'_>, v: &Node) {
        let i = w.index.len();
        w.index.insert(v.clone(), i);
        w.low.insert(v.clone(), i);
        w.stack.push(v.clone());
        let next: Vec<Node> = w
            .edges
            .get(v)
            .map(|e| e.keys().cloned().collect())
            .unwrap_or_default();
        for n in next {
            if !w.index.contains_key(&n) {
                visit(w, &n);
                let low = w.low[v].min(w.low[&n]);
                w.low.insert(v.clone(), low);
            } else if w.stack.contains(&n) {
                let low = w.low[v].min(w.index[&n]);
                w.low.insert(v.clone(), low);
            }
        }
        if w.low[v] == w.index[v] {
            let mut component = Vec::new();
            while let Some(n) = w.stack.pop() {
                let done = n == *v;
                component.push(n);
                if done {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                w.found.push(component);
            }
        }
    }
    let mut walk = Walk {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        found: Vec::new(),
    };
    for v in edges.keys() {
        if !walk.index.contains_key(v) {
            visit(&mut walk, v);
        }
    }
    walk.found
}

#[test]
fn modules_import_only_their_level_and_below_without_loops() {
    let architecture =
        std::fs::read_to_string(Path::new(MANIFEST).join("../docs/ARCHITECTURE.md")).unwrap();
    let levels = Levels::from_architecture(&architecture);
    let features = features();
    let edges = imports();
    let mut wrong = Vec::new();
    for (from, targets) in &edges {
        let Some(from_level) = levels.of(from, &features) else {
            wrong.push(format!(
                "`{from}` has no level: add it to the list in docs/ARCHITECTURE.md"
            ));
            continue;
        };
        for (to, why) in targets {
            match levels.of(to, &features) {
                Some(to_level) if to_level > from_level => wrong.push(format!(
                    "`{from}` (level {from_level}) imports `{to}` (level {to_level}), above it: {why}"
                )),
                _ => {}
            }
        }
    }
    for component in loops(&edges) {
        wrong.push(format!("a loop: {}", component.join(", ")));
    }
    assert!(
        wrong.is_empty(),
        "the order of modules is broken:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_check_sees_nested_use_trees_and_super_paths() {
    let paths = paths_in("use crate::a::{b, c::{d, e as f}};\nlet x = super::g::h();");
    let names: Vec<String> = paths.iter().map(|p| p.join("::")).collect();
    assert!(names.contains(&"crate::a::b".to_string()), "{names:?}");
    assert!(names.contains(&"crate::a::c::d".to_string()), "{names:?}");
    assert!(names.contains(&"crate::a::c::e".to_string()), "{names:?}");
    assert!(names.contains(&"super::g::h".to_string()), "{names:?}");
}

#[test]
fn the_check_finds_a_loop() {
    let mut edges: BTreeMap<Node, BTreeMap<Node, String>> = BTreeMap::new();
    edges
        .entry("a".into())
        .or_default()
        .insert("b".into(), String::new());
    edges
        .entry("b".into())
        .or_default()
        .insert("c".into(), String::new());
    edges
        .entry("c".into())
        .or_default()
        .insert("a".into(), String::new());
    edges
        .entry("d".into())
        .or_default()
        .insert("a".into(), String::new());
    assert_eq!(
        loops(&edges),
        vec![vec!["a".to_string(), "b".into(), "c".into()]]
    );
}
