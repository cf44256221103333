//! Under a paged list: where the other pages are.
use leptos::prelude::*;
use leptos_router::components::A;

use crate::routes::encode_path;

/// `path` with the query `pairs` that have a value, percent-encoded.
pub(crate) fn with_query(path: &str, pairs: &[(&str, Option<String>)]) -> String {
    let query: Vec<String> = pairs
        .iter()
        .filter_map(|(key, value)| value.as_ref().map(|v| format!("{key}={}", encode_path(v))))
        .collect();
    if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{}", query.join("&"))
    }
}

/// "Previous · Page n of m · Next"; `link(n)` is the address of page n.
#[component]
pub(crate) fn Pager(
    current: u64,
    pages: u64,
    link: impl Fn(u64) -> String,
    #[prop(default = ("Previous", "Next"))] labels: (&'static str, &'static str),
) -> impl IntoView {
    view! {
        <nav aria-label="Pages" class="mt-3 flex items-center gap-3 text-sm">
            {(current > 1).then(|| view! { <A href=link(current - 1) attr:class="text-teal-800 underline">{labels.0}</A> })}
            <span>{format!("Page {current} of {pages}")}</span>
            {(current < pages).then(|| view! { <A href=link(current + 1) attr:class="text-teal-800 underline">{labels.1}</A> })}
        </nav>
    }
}
