//! The security page every signed-in user has: their signed-in devices, signing any of them
//! out, two-step sign-in (turning it on, new recovery codes, and for patients turning it off),
//! and changing their password. Rendered on the server with plain forms and no island, so
//! it adds nothing to the browser bundle and works the same before and without JavaScript.
use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::account::mfa::{get_two_step_status, NewRecoveryCodes, TurnOffTwoStep};
use crate::api::account::security::{get_email_status, SendVerification};
use crate::api::account::security::{
    get_signed_in_devices, ChangePassword, EndOtherSessions, EndSession,
};
use crate::components::form::{
    field_errors, form_error, Field, FieldErrors, FormAlert, BUTTON_CLASS, INPUT_CLASS,
    SECONDARY_BUTTON,
};
use crate::components::status::Loaded;
use crate::model::account::{EmailStatus, SignedInDevice, TwoStepStatus};
use crate::routes;
use leptos_router::components::A;

const CARD: &str = "mt-6 rounded-lg border border-slate-200 bg-white p-5 shadow-sm";

#[component]
pub(crate) fn SecurityPage() -> impl IntoView {
    let devices = Resource::new(|| (), |_| get_signed_in_devices());
    let two_step = Resource::new(|| (), |_| get_two_step_status());
    let email = Resource::new(|| (), |_| get_email_status());
    // Where the forms land after a success (`AFTER_*` in `api::account::security`).
    let query = leptos_router::hooks::use_query_map();
    let outcome = query.with_untracked(|q| {
        let said = |key: &str, value: &str| q.get(key).as_deref() == Some(value);
        if said("ended", "one") {
            Some("That device is signed out.")
        } else if said("ended", "others") {
            Some("Every other device is signed out.")
        } else if said("password", "changed") {
            Some("Your password is changed, and every other device is signed out.")
        } else if said("two_step", "off") {
            Some("Two-step sign-in is off.")
        } else if said("verification", "sent") {
            Some("We sent a new link to your email address. It works for 7 days.")
        } else {
            None
        }
    });
    view! {
        <Title text="Security · Salus" />
        <h1 class="text-3xl font-bold">"Security"</h1>
        {outcome.map(|message| view! {
            <p role="status" class="mt-4 rounded-md bg-teal-50 px-3 py-2 text-sm text-teal-900">{message}</p>
        })}
        <Loaded resource=devices let:devices>
            <Devices devices />
        </Loaded>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                two_step.await.ok().map(|status| view! { <TwoStep status /> })
            })}
        </Suspense>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                email.await.ok().map(|status| view! { <EmailAddress status /> })
            })}
        </Suspense>
        <PasswordChange />
    }
}

#[component]
fn EmailAddress(status: EmailStatus) -> impl IntoView {
    let send = ServerAction::<SendVerification>::new();
    view! {
        <section aria-labelledby="email-heading" class=CARD>
            <h2 id="email-heading" class="text-xl font-semibold">"Email address"</h2>
            {if status.verified {
                view! { <p class="mt-1 text-sm text-slate-700">{format!("{} is confirmed.", status.email)}</p> }.into_any()
            } else {
                view! {
                    <p class="mt-1 text-sm text-slate-700">
                        {format!("{} is not confirmed yet: open the link we emailed you. Until then your clinic's reminders are not sent to it.", status.email)}
                    </p>
                    <ActionForm action=send attr:class="mt-3">
                        <FormAlert message=form_error(send.value()) />
                        <button type="submit" class=SECONDARY_BUTTON>"Send a new link"</button>
                    </ActionForm>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn TwoStep(status: TwoStepStatus) -> impl IntoView {
    let new_codes = ServerAction::<NewRecoveryCodes>::new();
    let turn_off = ServerAction::<TurnOffTwoStep>::new();
    let (new_codes_value, turn_off_value) = (new_codes.value(), turn_off.value());
    view! {
        <section aria-labelledby="two-step-heading" class=CARD>
            <h2 id="two-step-heading" class="text-xl font-semibold">"Two-step sign-in"</h2>
            {if status.enrolled {
                view! {
                    <p class="mt-1 text-sm text-slate-700" data-testid="two-step-status">
                        {format!("On. You sign in with your password and a code from your authenticator app. Recovery codes left: {}.", status.recovery_codes_left)}
                    </p>
                    <ActionForm action=new_codes attr:class="mt-4 grid max-w-md gap-3" attr:novalidate="true">
                        <h3 class="font-medium">"New recovery codes"</h3>
                        <FormAlert message=form_error(new_codes_value) />
                        <Field label="Code from your app" name="code" autocomplete="one-time-code"
                            hint="Your old recovery codes stop working." errors=field_errors(new_codes_value, "code") required=true />
                        <div><button type="submit" class=SECONDARY_BUTTON>"Make new recovery codes"</button></div>
                    </ActionForm>
                    {(!status.required).then(|| view! {
                        <ActionForm action=turn_off attr:class="mt-6 grid max-w-md gap-3" attr:novalidate="true">
                            <h3 class="font-medium">"Turn off two-step sign-in"</h3>
                            <FormAlert message=form_error(turn_off_value) />
                            // Not a `Field`: its id would repeat the recovery-codes form's.
                            <div>
                                <label for="turn-off-code" class="block text-sm font-medium text-slate-800">"Code from your app"</label>
                                <input id="turn-off-code" name="code" autocomplete="one-time-code" required=true class=INPUT_CLASS
                                    aria-describedby="turn-off-code-error" />
                                <FieldErrors id="turn-off-code-error".to_string() errors=field_errors(turn_off_value, "code") />
                            </div>
                            <div><button type="submit" class=SECONDARY_BUTTON>"Turn off"</button></div>
                        </ActionForm>
                    })}
                }.into_any()
            } else {
                view! {
                    <p class="mt-1 text-sm text-slate-700" data-testid="two-step-status">
                        "Off. With it on, someone who learns your password still cannot sign in without your phone."
                    </p>
                    <p class="mt-3"><A href=routes::account::TWO_STEP attr:class=BUTTON_CLASS>"Set up two-step sign-in"</A></p>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn Devices(devices: Vec<SignedInDevice>) -> impl IntoView {
    let end_one = ServerAction::<EndSession>::new();
    let end_others = ServerAction::<EndOtherSessions>::new();
    let others = devices.iter().filter(|d| !d.current).count();
    view! {
        <section aria-labelledby="devices-heading" class=CARD>
            <h2 id="devices-heading" class="text-xl font-semibold">"Signed-in devices"</h2>
            <p class="mt-1 text-sm text-slate-600">
                "Where your account is signed in now. Sign out any device you do not recognise, then change your password."
            </p>
            <FormAlert message=form_error(end_one.value()) />
            <FormAlert message=form_error(end_others.value()) />
            <ul class="mt-3 divide-y divide-slate-200">
                {devices.into_iter().map(|device| view! {
                    <li class="flex flex-wrap items-center justify-between gap-3 py-3" data-testid="device">
                        <div>
                            <p class="font-medium">
                                {device.browser.clone()}
                                {device.current.then(|| view! {
                                    <span class="ml-2 rounded-full bg-teal-100 px-2 py-0.5 text-xs font-semibold text-teal-900">"This device"</span>
                                })}
                            </p>
                            <p class="text-sm text-slate-600">
                                {format!("Signed in {} · last active {}", device.signed_in_at, device.last_active)}
                                {device.address.clone().map(|a| format!(" · from {a}"))}
                            </p>
                        </div>
                        {(!device.current).then(|| view! {
                            <ActionForm action=end_one>
                                <input type="hidden" name="key" value=device.key.clone() />
                                <button type="submit" class=SECONDARY_BUTTON
                                    aria-label=format!("Sign out {} (last active {})", device.browser, device.last_active)>
                                    "Sign out"
                                </button>
                            </ActionForm>
                        })}
                    </li>
                }).collect_view()}
            </ul>
            {(others > 0).then(|| view! {
                <ActionForm action=end_others attr:class="mt-3">
                    <button type="submit" class=SECONDARY_BUTTON>"Sign out every other device"</button>
                </ActionForm>
            })}
        </section>
    }
}

#[component]
fn PasswordChange() -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    let value = change.value();
    view! {
        <section aria-labelledby="password-heading" class=CARD>
            <h2 id="password-heading" class="text-xl font-semibold">"Change your password"</h2>
            <p class="mt-1 text-sm text-slate-600">"Every other device is signed out when your password changes."</p>
            <ActionForm action=change attr:class="mt-4 grid max-w-md gap-4" attr:novalidate="true">
                <FormAlert message=form_error(value) />
                <Field label="Current password" name="current_password" kind="password" autocomplete="current-password"
                    errors=field_errors(value, "current_password") required=true />
                <Field label="New password" name="new_password" kind="password" autocomplete="new-password"
                    hint="At least 12 characters. A few unrelated words make a strong password."
                    errors=field_errors(value, "new_password") required=true />
                <div><button type="submit" class=BUTTON_CLASS>"Change password"</button></div>
            </ActionForm>
        </section>
    }
}
