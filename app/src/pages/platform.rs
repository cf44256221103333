//! The super admin's portal. Guarded on the server by its own permission; the page only shows
//! what the server allowed.
use leptos::prelude::*;

use crate::api::mfa::ResetTwoStepByEmail;
use crate::api::portals::get_platform_home;
use crate::components::form::{field_errors, form_error, Field, FormAlert, SECONDARY_BUTTON};
use crate::components::portal::{LandingNotice, PortalSummaryView, CARD, TWO_STEP_RESET};

#[component]
pub fn PlatformHomePage() -> impl IntoView {
    view! {
        <PortalSummaryView title="Platform administration" load=get_platform_home />
        <LandingNotice param="two_step" messages=TWO_STEP_RESET />
        <ResetTwoStepForm />
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
