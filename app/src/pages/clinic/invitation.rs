//! Where an invitation link leads: the person invited (not signed in) sets a password, or
//! confirms the Salus account they have, and joins the clinic's staff or its patients.
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::clinic::invitations::{get_invitation, AcceptInvitation};
use crate::components::form::{
    field_errors, form_error, Field, FieldErrors, FormAlert, BUTTON_CLASS,
};
use crate::components::status::ErrorPanel;
use crate::error::AppError;
use crate::model::clinic::InvitationDetails;
use crate::model::Role;
use crate::pages::account::auth::AuthCard;
use crate::routes;

#[component]
pub(crate) fn InvitationPage() -> impl IntoView {
    let token = use_query_map()
        .read_untracked()
        .get("token")
        .unwrap_or_default();
    let details = {
        let token = token.clone();
        Resource::new(|| (), move |_| get_invitation(token.clone()))
    };
    view! {
        <AuthCard title="Join your clinic on Salus">
            <Suspense fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
                {move || {
                    let token = token.clone();
                    Suspend::new(async move {
                        match details.await {
                            Ok(details) => view! { <AcceptForm details token /> }.into_any(),
                            Err(error @ AppError::Validation(_)) => view! {
                                <p role="alert" class="mt-4 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
                                    {error.field_messages("token").join(" ")}
                                </p>
                            }.into_any(),
                            Err(error) => view! { <ErrorPanel error /> }.into_any(),
                        }
                    })
                }}
            </Suspense>
        </AuthCard>
    }
}

#[component]
fn AcceptForm(details: InvitationDetails, token: String) -> impl IntoView {
    let accept = ServerAction::<AcceptInvitation>::new();
    let value = accept.value();
    let patient = details.role == Role::Patient;
    let invites = if patient {
        format!(
            "{} invites {} to Salus, its patient portal.",
            details.clinic_name, details.email
        )
    } else {
        format!(
            "{} invites {} to join its staff as {}.",
            details.clinic_name,
            details.email,
            details.role_name.to_lowercase()
        )
    };
    let consent_errors = field_errors(value, "consent");
    view! {
        <p class="mt-2 text-slate-700">{invites}</p>
        <ActionForm action=accept attr:class="mt-4 space-y-4" attr:novalidate="true">
            <FormAlert message=form_error(value) />
            <input type="hidden" name="token" value=token />
            {patient.then(|| view! {
                <div>
                    <div class="flex items-start gap-2">
                        <input id="field-consent" name="consent" type="checkbox" value="on" class="mt-1 h-4 w-4" aria-describedby="field-consent-error" />
                        <label for="field-consent" class="text-sm">
                            "I agree to the " <a href=routes::public::PRIVACY class="text-teal-800 underline">"privacy policy"</a> ", and to my clinic using my information to remind me of my preventive care."
                        </label>
                    </div>
                    <FieldErrors id="field-consent-error".to_string() errors=consent_errors />
                </div>
            })}
            {if details.has_account {
                view! {
                    <p class="text-sm text-slate-600">"This address has a Salus account. Enter its password to join with it."</p>
                    <Field label="Password" name="password" kind="password" autocomplete="current-password" errors=field_errors(value, "password") required=true />
                    <button type="submit" class=format!("{BUTTON_CLASS} w-full")>"Join with my account"</button>
                }.into_any()
            } else {
                view! {
                    <Field label="Your name" name="name" autocomplete="name" value=details.name.clone().unwrap_or_default() errors=field_errors(value, "name") required=true />
                    <Field label="Choose a password" name="password" kind="password" autocomplete="new-password"
                        hint="At least 12 characters. A few unrelated words make a strong password." errors=field_errors(value, "password") required=true />
                    <button type="submit" class=format!("{BUTTON_CLASS} w-full")>"Join and set my password"</button>
                }.into_any()
            }}
        </ActionForm>
        {(!patient).then(|| view! {
            <p class="mt-4 text-sm text-slate-600">"Once you join, you sign in and set up two-step sign-in with an authenticator app."</p>
        })}
    }
}
