//! Pieces of the staff portals' pages: the landing summary, cards, and the notice a form lands
//! on.
use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::status::Loaded;
use crate::error::AppError;
use crate::model::PortalSummary;

pub(crate) const CARD: &str = "mt-6 rounded-lg border border-slate-200 bg-white p-5 shadow-sm";
/// A portal's row of sections, and its links: the current page's, and the others'.
pub(crate) const PORTAL_NAV: &str =
    "mb-6 flex flex-wrap gap-2 border-b border-slate-200 pb-3 text-sm";
pub(crate) const NAV_HERE: &str = "rounded-md bg-teal-700 px-3 py-1.5 font-medium text-white";
pub(crate) const NAV_LINK: &str =
    "rounded-md px-3 py-1.5 font-medium text-teal-800 hover:bg-teal-50";

/// A portal's home: its title, the heading the server chose, and its counts.
#[component]
pub(crate) fn PortalSummaryView<F, Fut>(title: &'static str, load: F) -> impl IntoView
where
    F: Fn() -> Fut + Copy + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<PortalSummary, AppError>> + Send + 'static,
{
    let summary = Resource::new(|| (), move |_| load());
    view! {
        <Title text=format!("{title} · Salus") />
        <h1 class="text-3xl font-bold">{title}</h1>
        <Loaded resource=summary let:s>
            <p class="mt-1 text-lg text-slate-700">{s.heading.clone()}</p>
            <dl class="mt-6 grid gap-4 sm:grid-cols-3">
                {s.facts.into_iter().map(|(label, n)| view! {
                    <div class="rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
                        <dt class="text-sm text-slate-600">{label}</dt>
                        <dd class="mt-1 text-2xl font-semibold">{n}</dd>
                    </div>
                }).collect_view()}
            </dl>

        </Loaded>
    }
}

/// The message for the query parameter a form landed with (`?done=invited`), if it has one.
#[component]
pub(crate) fn LandingNotice(
    /// The query parameter.
    param: &'static str,
    /// (value, message) pairs.
    messages: &'static [(&'static str, &'static str)],
) -> impl IntoView {
    let value = leptos_router::hooks::use_query_map()
        .read_untracked()
        .get(param)
        .unwrap_or_default();
    messages
        .iter()
        .find(|(v, _)| *v == value)
        .map(|(_, message)| {
            view! {
                <p role="status" class="mt-4 rounded-md bg-teal-50 px-3 py-2 text-sm text-teal-900">
                    {*message}
                </p>
            }
        })
}

/// The message a two-step reset lands on (`AFTER_CLINIC_RESET`, `AFTER_PLATFORM_RESET`).
pub(crate) const TWO_STEP_RESET: &[(&str, &str)] = &[(
    "reset",
    "Two-step sign-in is reset. They were signed out and were emailed; they set it up again at their next sign-in.",
)];
