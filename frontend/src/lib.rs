//! The WASM entry point: hydrate the page the server rendered, nothing else.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Asynchronously: a page on a lazy route hydrates once its chunk of the bundle has loaded.
    let _ = any_spawner::Executor::init_wasm_bindgen();
    leptos::task::spawn_local(async {
        let body = leptos::prelude::document()
            .body()
            .expect("a page has a body");
        leptos::mount::hydrate_from_async(body.clone(), app::App)
            .await
            .forget();
        // Says the page is interactive: browser tests wait for it before clicking.
        let _ = body.set_attribute("data-hydrated", "");
    });
}
