//! The browser entry point: hydrates the islands of the server-rendered page, nothing more.
use wasm_bindgen::prelude::wasm_bindgen;

// The islands are `#[wasm_bindgen]` exports of the app crate; naming the crate keeps them
// in this module's exports.
extern crate salus_app;

#[wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
    // Leptos's loader hydrates each island right after this returns, without yielding to the
    // event loop, so a task queued now runs once every island on the page is alive. Browser
    // tests wait for the mark before they type.
    leptos::prelude::set_timeout(
        || {
            if let Some(body) = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.body())
            {
                let _ = body.dataset().set("hydrated", "true");
            }
        },
        std::time::Duration::ZERO,
    );
}
