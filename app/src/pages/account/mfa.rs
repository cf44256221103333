//! Two-step sign-in's pages: the code at sign-in, setting up an authenticator (forced for staff
//! at sign-in, chosen by patients from their security page), and the recovery codes, shown
//! once. Rendered on the server with plain forms and no island, so they add nothing to the
//! browser bundle.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use super::auth::AuthCard;
use crate::api::account::mfa::{
    get_enrolment, take_recovery_codes, ConfirmTwoStep, VerifySignInCode,
};
use crate::components::form::{field_errors, form_error, Field, FormAlert, BUTTON_CLASS};
use crate::components::layout::MeResource;
use crate::components::status::{ErrorPanel, Loaded};
use crate::model::account::Enrolment;
use crate::routes;

fn next_from_query() -> String {
    use_query_map()
        .read_untracked()
        .get("next")
        .unwrap_or_default()
}

const CODE_HINT: &str = "The 6-digit code your authenticator app shows now.";

#[component]
pub(crate) fn SignInCodePage() -> impl IntoView {
    let verify = ServerAction::<VerifySignInCode>::new();
    let value = verify.value();
    view! {
        <AuthCard title="Enter your code">
            <p class="mt-2 text-sm text-slate-600">
                "Your password was right. To finish signing in, enter the code from your authenticator app. Lost your phone? Enter one of your recovery codes instead."
            </p>
            <ActionForm action=verify attr:class="mt-4 space-y-4" attr:novalidate="true">
                <FormAlert message=form_error(value) />
                <input type="hidden" name="next" value=next_from_query() />
                <Field label="Code" name="code" autocomplete="one-time-code" hint=CODE_HINT
                    errors=field_errors(value, "code") required=true />
                <button type="submit" class=format!("{BUTTON_CLASS} w-full")>"Sign in"</button>
            </ActionForm>
            <p class="mt-4 text-sm"><A href=routes::account::SIGN_IN attr:class="text-teal-800 underline">"Start again"</A></p>
        </AuthCard>
    }
}

/// Setting up an authenticator: at `/signin/enrol` for staff half signed in, and at
/// `/security/two-step` for anyone signed in.
#[component]
pub(crate) fn EnrolPage() -> impl IntoView {
    let enrolment = Resource::new(|| (), |_| get_enrolment());
    view! {
        <Title text="Set up two-step sign-in · Salus" />
        <h1 class="text-3xl font-bold">"Set up two-step sign-in"</h1>
        <p class="mt-2 max-w-2xl text-slate-700">
            "Each time you sign in you will enter your password and a code from an authenticator app on your phone (such as Google Authenticator, Microsoft Authenticator or 1Password). Someone who learns your password cannot sign in without your phone."
        </p>
        <Loaded resource=enrolment let:enrolment>
            <EnrolSteps enrolment />
        </Loaded>
    }
}

#[component]
fn EnrolSteps(enrolment: Enrolment) -> impl IntoView {
    let confirm = ServerAction::<ConfirmTwoStep>::new();
    let value = confirm.value();
    view! {
        <ol class="mt-6 grid gap-6 md:grid-cols-2">
            <li class="rounded-lg border border-slate-200 bg-white p-5 shadow-sm">
                <h2 class="text-xl font-semibold">"1. Add Salus to your app"</h2>
                <p class="mt-1 text-sm text-slate-600">"Scan this code with your authenticator app."</p>
                <div class="mt-3 w-52" role="img" aria-label="QR code of the secret for your authenticator app" inner_html=enrolment.qr_svg></div>
                <p class="mt-3 text-sm text-slate-700">"Cannot scan it? Choose to enter a key by hand, and type:"</p>
                <p class="mt-1 font-mono text-lg tracking-wider" data-testid="totp-secret">{enrolment.secret}</p>
                <p class="mt-1 text-sm text-slate-600">{format!("Account: {}. Type: time-based.", enrolment.account)}</p>
            </li>
            <li class="rounded-lg border border-slate-200 bg-white p-5 shadow-sm">
                <h2 class="text-xl font-semibold">"2. Enter the code it shows"</h2>
                <ActionForm action=confirm attr:class="mt-4 space-y-4" attr:novalidate="true">
                    <FormAlert message=form_error(value) />
                    <input type="hidden" name="next" value=next_from_query() />
                    <Field label="Code" name="code" autocomplete="one-time-code" hint=CODE_HINT
                        errors=field_errors(value, "code") required=true />
                    <button type="submit" class=BUTTON_CLASS>"Turn on two-step sign-in"</button>
                </ActionForm>
            </li>
        </ol>
    }
}

/// The recovery codes just made, shown this once.
#[component]
pub(crate) fn RecoveryCodesPage() -> impl IntoView {
    let codes = Resource::new(|| (), |_| take_recovery_codes());
    let me = expect_context::<MeResource>();
    let next = next_from_query();
    view! {
        <Title text="Recovery codes · Salus" />
        <h1 class="text-3xl font-bold">"Your recovery codes"</h1>
        <Suspense fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
            {move || {
                let next = next.clone();
                Suspend::new(async move {
                    let portal = match me.await {
                        Ok(Some(user)) => user.home.clone(),
                        _ => routes::account::SECURITY.to_owned(),
                    };
                    let continue_to = crate::routes::safe_return_path(&next)
                        .filter(|p| !p.starts_with(routes::account::SIGN_IN))
                        .unwrap_or(portal);
                    match codes.await {
                        Ok(codes) if !codes.is_empty() => view! {
                            <p class="mt-2 max-w-2xl text-slate-700">
                                "If you lose your phone, each of these codes signs you in once instead of a code from the app. Keep them somewhere safe, such as a password manager or on paper. They are shown only now."
                            </p>
                            <ul class="mt-4 grid max-w-md grid-cols-2 gap-2 font-mono text-lg" data-testid="recovery-codes">
                                {codes.into_iter().map(|c| view! { <li class="rounded-md bg-white px-3 py-1 shadow-sm">{c}</li> }).collect_view()}
                            </ul>
                            <p class="mt-6"><A href=continue_to attr:class=BUTTON_CLASS>"I have saved them: continue"</A></p>
                        }.into_any(),
                        Ok(_) => view! {
                            <p class="mt-2 text-slate-700">"Recovery codes are shown only once, when they are made. You can make new ones on your Security page."</p>
                            <p class="mt-4"><A href=routes::account::SECURITY attr:class="text-teal-800 underline">"Go to Security"</A></p>
                        }.into_any(),
                        Err(error) => view! { <ErrorPanel error /> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}
