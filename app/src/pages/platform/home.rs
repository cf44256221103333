//! The platform portal's landing page: the platform at a glance, overdue checkups by clinic,
//! and resetting someone's two-step sign-in.
use leptos::prelude::*;

use super::PlatformNav;
use crate::api::account::mfa::ResetTwoStepByEmail;
use crate::api::platform::home::{get_compliance_by_clinic, get_platform_home};
use crate::components::chart::CountBarChart;
use crate::components::form::{field_errors, form_error, Field, FormAlert, SECONDARY_BUTTON};
use crate::components::portal::{LandingNotice, PortalSummaryView, CARD, TWO_STEP_RESET};
use crate::components::status::ErrorPanel;
use crate::routes;

#[component]
pub(crate) fn PlatformHomePage() -> impl IntoView {
    view! {
        <PlatformNav current=routes::platform::HOME />
        <PortalSummaryView title="Platform administration" load=get_platform_home />
        <ComplianceByClinic />
        <LandingNotice param="two_step" messages=TWO_STEP_RESET />
        <ResetTwoStepForm />
    }
}

/// Each active clinic's share of patients with an overdue checkup, drawn on the server.
#[component]
fn ComplianceByClinic() -> impl IntoView {
    let shares = Resource::new(|| (), |_| get_compliance_by_clinic());
    view! {
        <section aria-labelledby="overdue-heading" class=CARD>
            <h2 id="overdue-heading" class="text-xl font-semibold">"Overdue checkups by clinic"</h2>
            <p class="mt-1 text-sm text-slate-600">"The share of each active clinic's patients with an overdue preventive checkup."</p>
            <Suspense fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match shares.await {
                        Ok(shares) => {
                            let bars = shares
                                .into_iter()
                                .map(|(name, share)| match share {
                                    Some(p) => (name, p, "#dc2626"),
                                    None => (format!("{name} (no data yet)"), 0, "#cbd5e1"),
                                })
                                .collect();
                            view! { <CountBarChart id="overdue-by-clinic" title="Patients with an overdue checkup, by clinic".into() bars unit="%" full=100 /> }.into_any()
                        }
                        Err(error) => view! { <ErrorPanel error /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn ResetTwoStepForm() -> impl IntoView {
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
