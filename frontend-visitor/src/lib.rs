//! The WASM entry point of visitor pages (`/a/…`, `/embed/…`): hydrates `app::VisitorApp`, which
//! routes to those pages alone, so the bundle holds the sheet, charts, selections and countdown
//! and none of the portal. The portal's bundle is `frontend`.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::VisitorApp);
    // Says the page is interactive: browser tests wait for it before clicking.
    if let Some(body) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.body())
    {
        let _ = body.set_attribute("data-hydrated", "");
    }
}
