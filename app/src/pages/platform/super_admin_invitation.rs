//! Where a super admin's invitation link leads: the person invited (not signed in) chooses a
//! name and password for their new account.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::platform::super_admins::{get_super_admin_invitation, AcceptSuperAdminInvitation};
use crate::components::form::{field_errors, form_error, Field, FormAlert, BUTTON_CLASS};
use crate::components::status::ErrorPanel;
use crate::error::AppError;
use crate::pages::account::auth::AuthCard;

#[component]
pub(crate) fn SuperAdminInvitationPage() -> impl IntoView {
    let token = use_query_map()
        .read_untracked()
        .get("token")
        .unwrap_or_default();
    let email = {
        let token = token.clone();
        Resource::new(|| (), move |_| get_super_admin_invitation(token.clone()))
    };
    view! {
        <Title text="Become a super admin · Salus" />
        <AuthCard title="Become a super admin of Salus">
            <Suspense fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
                {move || {
                    let token = token.clone();
                    Suspend::new(async move {
                        match email.await {
                            Ok(email) => view! { <AcceptForm email token /> }.into_any(),
                            Err(error @ AppError::Validation(_)) => view! {
                                <p role="alert" class="mt-4 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
                                    {error.field_messages("form").join(" ")}
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
fn AcceptForm(email: String, token: String) -> impl IntoView {
    let accept = ServerAction::<AcceptSuperAdminInvitation>::new();
    let value = accept.value();
    view! {
        <p class="mt-2 text-slate-700">{format!("You are invited to run the Salus platform as {email}.")}</p>
        <ActionForm action=accept attr:class="mt-4 space-y-4" attr:novalidate="true">
            <FormAlert message=form_error(value) />
            <input type="hidden" name="token" value=token />
            <Field label="Your name" name="name" autocomplete="name" errors=field_errors(value, "name") required=true />
            <Field label="Choose a password" name="password" kind="password" autocomplete="new-password"
                hint="At least 12 characters. A few unrelated words make a strong password." errors=field_errors(value, "password") required=true />
            <button type="submit" class=format!("{BUTTON_CLASS} w-full")>"Join and set my password"</button>
        </ActionForm>
        <p class="mt-4 text-sm text-slate-600">"Once you join, you sign in and set up two-step sign-in with an authenticator app."</p>
    }
}
