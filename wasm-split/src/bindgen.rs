//! `wasm-split bindgen <module.wasm> <pkg dir> <output name>`: wasm-bindgen's JS glue and the
//! module it rewrites, as `wasm-bindgen --target web --no-typescript --keep-lld-exports
//! --no-demangle` writes them, from wasm-bindgen's own library. The library is pinned to the
//! `wasm-bindgen` of Cargo.lock by the lockfile itself (both need the same
//! `wasm-bindgen-shared`), so no separately installed CLI can differ from the crate that made
//! the module, and a fresh machine compiles no CLI (with its test runner and HTTP client).

use std::path::Path;

pub fn run(input: &Path, pkg: &Path, name: &str) -> Result<(), Box<dyn std::error::Error>> {
    let mut bindgen = wasm_bindgen_cli_support::Bindgen::new();
    bindgen.web(true)?;
    // Every option the CLI sets, as it sets it for these flags (the library's own defaults
    // differ in places, for example the default module path).
    #[allow(deprecated)]
    bindgen
        .input_path(input)
        .out_name(name)
        .debug(false)
        .demangle(false)
        .keep_lld_exports(true)
        .keep_debug(false)
        .split_debug_info(false)
        .remove_name_section(false)
        .remove_producers_section(false)
        .typescript(false)
        .omit_imports(false)
        .omit_default_module_path(false)
        .split_linked_modules(false)
        .js_string_builtins(false)
        .ts_typed_array_buffers(false)
        .reference_types(false)
        .reset_state_function(false)
        .force_enable_abort_handler(false);
    bindgen
        .generate(pkg)
        .map_err(|e| format!("wasm-bindgen on {}: {e:#}", input.display()))?;
    Ok(())
}
