//! The staff portals' landing pages: clinic admin and super admin. Each is guarded on
//! the server by its own permission; these pages only show what the server allowed.
use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::portals::{get_clinic_home, get_platform_home};
use crate::components::status::ErrorPanel;
use crate::error::AppError;
use crate::model::PortalSummary;

#[component]
fn PortalPage<F, Fut>(title: &'static str, blurb: &'static str, load: F) -> impl IntoView
where
    F: Fn() -> Fut + Copy + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<PortalSummary, AppError>> + Send + 'static,
{
    let summary = Resource::new(|| (), move |_| load());
    view! {
        <Title text=format!("{title} · Salus") />
        <Suspense fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match summary.await {
                    Ok(s) => view! {
                        <h1 class="text-3xl font-bold">{title}</h1>
                        <p class="mt-1 text-lg text-slate-700">{s.heading.clone()}</p>
                        <dl class="mt-6 grid gap-4 sm:grid-cols-3">
                            {s.facts.into_iter().map(|(label, n)| view! {
                                <div class="rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
                                    <dt class="text-sm text-slate-600">{label}</dt>
                                    <dd class="mt-1 text-2xl font-semibold">{n}</dd>
                                </div>
                            }).collect_view()}
                        </dl>
                        <p class="mt-6 text-slate-600">{blurb}</p>
                    }.into_any(),
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn ClinicHomePage() -> impl IntoView {
    view! { <PortalPage title="Clinic administration" blurb="Staff, roles, assignments and care protocols will be managed here." load=get_clinic_home /> }
}

#[component]
pub fn PlatformHomePage() -> impl IntoView {
    view! { <PortalPage title="Platform administration" blurb="Clinics, plans, reference data and public content will be managed here." load=get_platform_home /> }
}
