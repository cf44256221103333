//! The browser entry point: hydrates the islands of the server-rendered page, nothing more.
use leptos::prelude::provide_context;
use leptos::server::ServerActionError;
use wasm_bindgen::prelude::wasm_bindgen;

// The islands are `#[wasm_bindgen]` exports of the app crate; naming the crate keeps them
// in this module's exports.
extern crate salus_app;

#[wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
    // A form posted before the islands were alive comes back to its page with the server's
    // refusal in the URL (`__path`, `__err`). The server showed it in the form; the island
    // that now takes the form over must start from the same answer.
    if let Some((path, error)) = returned_form_error() {
        provide_context(ServerActionError::new(&path, &error));
    }
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

fn returned_form_error() -> Option<(String, String)> {
    let search = web_sys::window()?.location().search().ok()?;
    let params = web_sys::UrlSearchParams::new_with_str(&search).ok()?;
    Some((params.get("__path")?, params.get("__err")?))
}
