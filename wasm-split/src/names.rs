//! `wasm-split names <pkg dir> <output name> <site dir>`: gives the site's built files names that
//! change with their content, so that a server may let browsers keep them for a year
//! (`immutable`) and a new build is still fetched at once. Writes `<site dir>/hash.txt`, which
//! Leptos' hydration scripts read for the module, the WASM, the chunk loader and its manifest,
//! and the server for the stylesheet.
//!
//! - Each chunk (`split_*.wasm`, `chunk_*.wasm`) is named by its own bytes, so a chunk a change
//!   did not touch keeps its name, and browsers their copy.
//! - The main module and the stylesheet likewise.
//! - The JS glue and the chunk loader import each other by name; they share one name made from
//!   both their contents.
//! - The manifest names the chunks; it is named by its contents once they are renamed.

use std::fs;
use std::path::Path;

/// FNV-1a, 64 bits: for telling builds apart, not against anyone choosing bytes.
fn fnv(parts: &[&[u8]]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in *part {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

/// The chunk loader's name as `wasm-split` writes it and Leptos expects it without hashing.
pub const LOADER: &str = "__wasm_split.______________________.js";
/// The same, as the glue imports it.
pub const LOADER_LINK: &str = "./__wasm_split.______________________.js";
const MANIFEST: &str = "__wasm_split_manifest.json";

pub fn run(pkg: &Path, name: &str, site: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let mut loader = fs::read_to_string(pkg.join(LOADER))?;
    let mut manifest = fs::read_to_string(pkg.join(MANIFEST))?;
    let mut chunks: Vec<String> = Vec::new();
    for entry in fs::read_dir(pkg)? {
        let file = entry?.file_name().to_string_lossy().into_owned();
        if (file.starts_with("split_") || file.starts_with("chunk_")) && file.ends_with(".wasm") {
            chunks.push(file.trim_end_matches(".wasm").to_string());
        }
    }
    // Longest first: `chunk_1` must not be replaced inside `chunk_12`.
    chunks.sort_by_key(|stem| std::cmp::Reverse(stem.len()));
    for stem in &chunks {
        let hashed = format!(
            "{stem}.{}",
            fnv(&[&fs::read(pkg.join(format!("{stem}.wasm")))?])
        );
        fs::rename(
            pkg.join(format!("{stem}.wasm")),
            pkg.join(format!("{hashed}.wasm")),
        )?;
        loader = loader.replace(
            &format!("\"./{stem}.wasm\""),
            &format!("\"./{hashed}.wasm\""),
        );
        manifest = manifest.replace(&format!("\"{stem}\""), &format!("\"{hashed}\""));
    }

    let wasm = fnv(&[&fs::read(pkg.join(format!("{name}.wasm")))?]);
    fs::rename(
        pkg.join(format!("{name}.wasm")),
        pkg.join(format!("{name}.{wasm}.wasm")),
    )?;
    let css = fnv(&[&fs::read(pkg.join(format!("{name}.css")))?]);
    fs::rename(
        pkg.join(format!("{name}.css")),
        pkg.join(format!("{name}.{css}.css")),
    )?;

    let glue = fs::read_to_string(pkg.join(format!("{name}.js")))?;
    let js = fnv(&[glue.as_bytes(), loader.as_bytes(), wasm.as_bytes()]);
    // Only where the glue imports the loader: the import object's keys are the names the
    // WASM itself imports, and stay.
    let glue = glue.replace(
        &format!("from \"./{LOADER}\""),
        &format!("from \"./__wasm_split.{js}.js\""),
    );
    let loader = loader.replace(
        &format!("\"./{name}.js\""),
        &format!("\"./{name}.{js}.js\""),
    );
    fs::write(pkg.join(format!("{name}.{js}.js")), glue)?;
    fs::write(pkg.join(format!("__wasm_split.{js}.js")), loader)?;
    fs::remove_file(pkg.join(format!("{name}.js")))?;
    fs::remove_file(pkg.join(LOADER))?;

    let listed = fnv(&[manifest.as_bytes()]);
    fs::write(
        pkg.join(format!("__wasm_split_manifest.{listed}.json")),
        manifest,
    )?;
    fs::remove_file(pkg.join(MANIFEST))?;

    fs::write(
        site.join("hash.txt"),
        format!("js: {js}\nwasm: {wasm}\nsplit: {js}\nmanifest: {listed}\ncss: {css}\n"),
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_change_with_any_byte() {
        assert_eq!(fnv(&[b"abc"]), fnv(&[b"a", b"bc"]));
        assert_ne!(fnv(&[b"abc"]), fnv(&[b"abd"]));
        assert_eq!(fnv(&[b""]).len(), 16);
    }
}
