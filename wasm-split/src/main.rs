//! `wasm-split <cargo's frontend.wasm> <pkg dir> <output name>`: writes `<stem>_split.wasm`
//! beside the input (for wasm-bindgen), the lazily loaded chunks and their loader into the pkg
//! directory, and `__wasm_split_manifest.json`, which Leptos' hydration scripts read.
//!
//! `wasm-split bindgen <module.wasm> <pkg dir> <output name>`: wasm-bindgen's glue and module
//! (`bindgen.rs`).
//!
//! `wasm-split names <pkg dir> <output name> <site dir>`, once wasm-bindgen has run: names the
//! built files by their contents (`names.rs`).

mod bindgen;
mod names;

use std::path::{Path, PathBuf};

const USAGE: &str = "usage: wasm-split <frontend.wasm> <pkg dir> <output name>\n       wasm-split bindgen <module.wasm> <pkg dir> <output name>\n       wasm-split names <pkg dir> <output name> <site dir>";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [command, first, second, third] = args.as_slice() {
        match command.as_str() {
            "names" => return names::run(Path::new(first), second, Path::new(third)),
            "bindgen" => return bindgen::run(Path::new(first), Path::new(second), third),
            _ => {}
        }
    }
    let [input, pkg, name] = args.as_slice() else {
        return Err(USAGE.into());
    };
    let input = PathBuf::from(input);
    let pkg = PathBuf::from(pkg);
    let bytes = std::fs::read(&input)?;
    let main_out = input.with_file_name(format!(
        "{}_split.wasm",
        input
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("frontend")
    ));
    let main_module = format!("./{name}.js");
    let split = wasm_split_cli_support::transform({
        let mut options = wasm_split_cli_support::Options::new(&bytes);
        options.output_dir = &pkg;
        options.main_out_path = &main_out;
        options.main_module = &main_module;
        options.link_name = names::LOADER_LINK;
        options
    })?;
    std::fs::write(
        pkg.join("__wasm_split_manifest.json"),
        serde_json::to_string_pretty(&split.prefetch_map)?,
    )?;
    for module in &split.split_modules {
        println!("{}", module.display());
    }
    Ok(())
}
