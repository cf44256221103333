//! The staff portals' landing pages: clinic admin and super admin. Each is guarded on
//! the server by its own permission; these pages only show what the server allowed.
use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::mfa::{get_staff_two_step, ResetTwoStep, ResetTwoStepByEmail};
use crate::api::portals::{get_clinic_home, get_platform_home};
use crate::components::form::{field_errors, form_error, Field, FormAlert, SECONDARY_BUTTON};
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
    view! {
        <PortalPage title="Clinic administration" blurb="Roles, assignments and care protocols will be managed here." load=get_clinic_home />
        <ResetNotice />
        <StaffTwoStepList />
    }
}

#[component]
pub fn PlatformHomePage() -> impl IntoView {
    view! {
        <PortalPage title="Platform administration" blurb="Clinics, plans, reference data and public content will be managed here." load=get_platform_home />
        <ResetNotice />
        <ResetTwoStepByEmail />
    }
}

const CARD: &str = "mt-6 rounded-lg border border-slate-200 bg-white p-5 shadow-sm";

/// Where a reset lands (`AFTER_CLINIC_RESET`, `AFTER_PLATFORM_RESET`).
#[component]
fn ResetNotice() -> impl IntoView {
    let reset = leptos_router::hooks::use_query_map()
        .read_untracked()
        .get("two_step")
        .is_some_and(|v| v == "reset");
    reset.then(|| view! {
        <p role="status" class="mt-4 rounded-md bg-teal-50 px-3 py-2 text-sm text-teal-900">
            "Two-step sign-in is reset. They were signed out and were emailed; they set it up again at their next sign-in."
        </p>
    })
}

/// The clinic's staff and their two-step sign-in, with a reset for a lost phone. Plain forms,
/// rendered on the server.
#[component]
fn StaffTwoStepList() -> impl IntoView {
    let staff = Resource::new(|| (), |_| get_staff_two_step());
    let reset = ServerAction::<ResetTwoStep>::new();
    view! {
        <section aria-labelledby="staff-two-step-heading" class=CARD>
            <h2 id="staff-two-step-heading" class="text-xl font-semibold">"Staff and two-step sign-in"</h2>
            <FormAlert message=form_error(reset.value()) />
            <Suspense fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match staff.await {
                        Ok(staff) => view! {
                            <ul class="mt-3 divide-y divide-slate-200">
                                {staff.into_iter().map(|member| view! {
                                    <li class="flex flex-wrap items-center justify-between gap-3 py-3" data-testid="staff-member">
                                        <div>
                                            <p class="font-medium">{format!("{} ({})", member.name, member.role.label())}</p>
                                            <p class="text-sm text-slate-600">
                                                {format!("{} · two-step sign-in {}", member.email, if member.enrolled { "set up" } else { "not set up yet" })}
                                            </p>
                                        </div>
                                        {member.enrolled.then(|| view! {
                                            <ActionForm action=reset>
                                                <input type="hidden" name="user_id" value=member.user_id />
                                                <button type="submit" class=SECONDARY_BUTTON aria-label=format!("Reset two-step sign-in of {}", member.name)>
                                                    "Reset two-step sign-in"
                                                </button>
                                            </ActionForm>
                                        })}
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(error) => view! { <ErrorPanel error /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn ResetTwoStepByEmail() -> impl IntoView {
    let reset = ServerAction::<ResetTwoStepByEmail>::new();
    let value = reset.value();
    view! {
        <section aria-labelledby="reset-two-step-heading" class=CARD>
            <h2 id="reset-two-step-heading" class="text-xl font-semibold">"Reset someone's two-step sign-in"</h2>
            <p class="mt-1 text-sm text-slate-600">"For an account whose owner lost their phone and their recovery codes. They are signed out and emailed."</p>
            <ActionForm action=reset attr:class="mt-4 grid max-w-md gap-3" attr:novalidate="true">
                <FormAlert message=form_error(value) />
                <Field label="Email of the account" name="email" kind="email" errors=field_errors(value, "email") required=true />
                <div><button type="submit" class=SECONDARY_BUTTON>"Reset two-step sign-in"</button></div>
            </ActionForm>
        </section>
    }
}
