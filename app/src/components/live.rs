//! How a page catches up after one of its forms changed something. Forms are islands inside
//! pages the server renders: after a successful change either the island fetches its data
//! again and redraws in place, or the page is loaded again. Either way the person sees what
//! the server stored.
use std::future::Future;

use leptos::prelude::*;

use crate::error::AppError;

/// A signal holding `initial`, loaded again with `load` each time `succeeded` turns true
/// (it reads the island's actions, so it runs again whenever one of them finishes).
pub(crate) fn reloaded_after_success<T, Fut>(
    initial: T,
    succeeded: impl Fn() -> bool + 'static,
    load: impl Fn() -> Fut + Copy + 'static,
) -> RwSignal<T>
where
    T: Send + Sync + 'static,
    Fut: Future<Output = Result<T, AppError>> + 'static,
{
    let current = RwSignal::new(initial);
    Effect::new(move |_| {
        if succeeded() {
            leptos::task::spawn_local(async move {
                if let Ok(fresh) = load().await {
                    current.set(fresh);
                }
            });
        }
    });
    current
}

/// Loads the page again each time `succeeded` turns true. `succeeded` reads the island's
/// actions, so it runs again whenever one of them finishes.
pub(crate) fn reload_after_success(succeeded: impl Fn() -> bool + 'static) {
    Effect::new(move |_| {
        if succeeded() {
            reload();
        }
    });
}

/// Navigates with a full page load: used after sign-in and sign-out, when everything the
/// page shows depends on who is signed in.
pub(crate) fn go_to(path: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(window) = web_sys::window() {
        let _ = window.location().set_href(path);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = path;
}

/// Loads the current page again from the server.
fn reload() {
    #[cfg(feature = "hydrate")]
    if let Some(window) = web_sys::window() {
        let _ = window.location().reload();
    }
}
