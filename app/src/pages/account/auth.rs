//! Sign in, register, and the two halves of "Forgot password?".
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Redirect, A};
use leptos_router::hooks::use_query_map;

use crate::api::account::auth::{
    Register, RequestPasswordReset, ResetPassword, SignIn, VerifyEmail, AFTER_REGISTRATION,
};
use crate::components::form::{
    field_errors, form_error, form_error_with_hidden, typed_value, Field, FieldErrors, FormAlert,
    BUTTON_CLASS,
};
use crate::components::layout::MeResource;
use crate::routes::{self, safe_return_path};

#[component]
pub(crate) fn AuthCard(title: &'static str, children: Children) -> impl IntoView {
    view! {
        <Title text=format!("{title} · Salus") />
        <div class="mx-auto w-full max-w-md rounded-lg border border-slate-200 bg-white p-6 shadow-sm sm:p-8">
            <h1 class="text-2xl font-bold">{title}</h1>
            {children()}
        </div>
    }
}

/// A visitor who is already signed in (a sign-in form posted without JavaScript comes back
/// here) goes on to `next` or their portal.
#[component]
pub(crate) fn SignInPage() -> impl IntoView {
    let query = use_query_map();
    let next = query.read_untracked().get("next").unwrap_or_default();
    let registered = query.read_untracked().get("registered").is_some();
    // `AFTER_ACCEPTING`: a staff invitation was just accepted; `AFTER_JOINING`, a super
    // admin's.
    let joined = query.read_untracked().get("joined").map(|to| {
        if to == "platform" {
            "You are now a super admin of Salus. Sign in to continue."
        } else {
            "You joined your clinic's staff. Sign in to continue."
        }
    });
    let me = expect_context::<MeResource>();
    view! {
        <Suspense fallback=|| ()>
            {move || {
                let next = next.clone();
                Suspend::new(async move {
                    if let Ok(Some(user)) = me.await {
                        let to = safe_return_path(&next)
                            .filter(|p| p != routes::account::SIGN_IN)
                            .unwrap_or_else(|| user.home.clone());
                        return view! { <Redirect path=to /> }.into_any();
                    }
                    view! {
                        <AuthCard title="Sign in">
                            {registered.then(|| view! {
                                <p role="status" class="mt-3 rounded-md bg-teal-50 px-3 py-2 text-sm text-teal-900">
                                    "Your account is ready. Sign in to continue."
                                </p>
                            })}
                            {joined.map(|message| view! {
                                <p role="status" class="mt-3 rounded-md bg-teal-50 px-3 py-2 text-sm text-teal-900">
                                    {message}
                                </p>
                            })}
                            <SignInForm next />
                            <div class="mt-4 flex flex-wrap justify-between gap-2 text-sm">
                                <A href=routes::account::FORGOT_PASSWORD attr:class="text-teal-800 underline">"Forgot password?"</A>
                                <A href=routes::account::REGISTER attr:class="text-teal-800 underline">"Create an account"</A>
                            </div>
                        </AuthCard>
                    }
                    .into_any()
                })
            }}
        </Suspense>
    }
}

/// `next`: where to go once signed in (checked again by the server).
#[island]
fn SignInForm(next: String) -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    let value = action.value();
    let typed_email = typed_value::<SignIn>("email").unwrap_or_default();
    Effect::new(move |_| {
        if let Some(Ok(destination)) = value.get() {
            crate::components::live::go_to(&destination);
        }
    });
    view! {
        <ActionForm action attr:class="mt-4 space-y-4" attr:novalidate="true">
            <FormAlert message=form_error(value) />
            <input type="hidden" name="next" value=next />
            <Field label="Email" name="email" kind="email" autocomplete="username"
                value=typed_email errors=field_errors(value, "email") required=true />
            <Field label="Password" name="password" kind="password" autocomplete="current-password" errors=field_errors(value, "password") required=true />
            <button type="submit" class=format!("{BUTTON_CLASS} w-full") disabled=move || action.pending().get()>
                {move || if action.pending().get() { "Signing in…" } else { "Sign in" }}
            </button>
        </ActionForm>
    }
}

#[component]
pub(crate) fn RegisterPage() -> impl IntoView {
    view! {
        <AuthCard title="Create your account">
            <p class="mt-2 text-sm text-slate-600">"Join your clinic on Salus with the clinic code it gave you."</p>
            <RegisterForm />
            <p class="mt-4 text-sm">"Already registered? " <A href=routes::account::SIGN_IN attr:class="text-teal-800 underline">"Sign in"</A></p>
        </AuthCard>
    }
}

#[island]
fn RegisterForm() -> impl IntoView {
    let action = ServerAction::<Register>::new();
    let value = action.value();
    Effect::new(move |_| {
        if let Some(Ok(())) = value.get() {
            crate::components::live::go_to(AFTER_REGISTRATION);
        }
    });
    // The browser knows the person's time zone; the server falls back to the clinic's.
    let time_zone = RwSignal::new(String::new());
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        let options =
            js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new())
                .resolved_options();
        if let Some(tz) = js_sys::Reflect::get(&options, &"timeZone".into())
            .ok()
            .and_then(|v| v.as_string())
        {
            time_zone.set(tz);
        }
    });
    let consent_errors = field_errors(value, "consent");
    let typed = |name: &str| typed_value::<Register>(name).unwrap_or_default();
    view! {
        <ActionForm action attr:class="mt-4 space-y-4" attr:novalidate="true">
            <FormAlert message=form_error_with_hidden(value, &["time_zone"]) />
            <input type="hidden" name="time_zone" value=move || time_zone.get() />
            <Field label="Full name" name="name" autocomplete="name" value=typed("name")
                errors=field_errors(value, "name") required=true />
            <Field label="Email" name="email" kind="email" autocomplete="email" value=typed("email")
                errors=field_errors(value, "email") required=true />
            <Field label="Password" name="password" kind="password" autocomplete="new-password"
                hint="At least 12 characters. A few unrelated words make a strong password."
                errors=field_errors(value, "password") required=true />
            <Field label="Clinic code" name="clinic_code" autocomplete="off" hint="For example SUNRISE." value=typed("clinic_code")
                errors=field_errors(value, "clinic_code") required=true />
            <div>
                <div class="flex items-start gap-2">
                    <input id="field-consent" name="consent" type="checkbox" value="on"
                        class="mt-1 h-4 w-4 rounded border-slate-300 text-teal-700 focus:outline-2 focus:outline-teal-600"
                        aria-invalid=move || (!consent_errors.get().is_empty()).to_string()
                        aria-describedby="field-consent-error" />
                    <label for="field-consent" class="text-sm text-slate-800">
                        "I agree to the "
                        // Literal addresses inside islands: a constant makes the attribute
                        // dynamic, which cost 1.8 KB of the bundle (routes' test checks them).
                        <a href="/privacy" target="_blank" class="text-teal-800 underline">"privacy policy"</a>
                        " and to my clinic using my data to support my care."
                    </label>
                </div>
                <FieldErrors id="field-consent-error".to_string() errors=consent_errors />
            </div>
            <button type="submit" class=format!("{BUTTON_CLASS} w-full") disabled=move || action.pending().get()>
                {move || if action.pending().get() { "Creating your account…" } else { "Create account" }}
            </button>
        </ActionForm>
    }
}

#[component]
pub(crate) fn ForgotPasswordPage() -> impl IntoView {
    // `AFTER_RESET_REQUEST`: where the form lands when posted without JavaScript.
    let sent = use_query_map().read_untracked().get("sent").is_some();
    view! {
        <AuthCard title="Forgot password?">
            <ForgotPasswordForm sent />
            <p class="mt-4 text-sm"><A href=routes::account::SIGN_IN attr:class="text-teal-800 underline">"Back to sign in"</A></p>
        </AuthCard>
    }
}

/// `sent`: a request was already sent (the page a form posted without JavaScript lands on).
#[island]
fn ForgotPasswordForm(sent: bool) -> impl IntoView {
    let action = ServerAction::<RequestPasswordReset>::new();
    let value = action.value();
    let sent = move || sent || matches!(value.get(), Some(Ok(())));
    let typed_email =
        StoredValue::new(typed_value::<RequestPasswordReset>("email").unwrap_or_default());
    view! {
        <Show
            when=sent
            fallback=move || view! {
                <p class="mt-2 text-sm text-slate-600">"Enter your email and we will send you a link to choose a new password."</p>
                <ActionForm action attr:class="mt-4 space-y-4" attr:novalidate="true">
                    <FormAlert message=form_error(value) />
                    <Field label="Email" name="email" kind="email" autocomplete="email"
                        value=typed_email.get_value()
                        errors=field_errors(value, "email") required=true />
                    <button type="submit" class=format!("{BUTTON_CLASS} w-full")>"Send reset link"</button>
                </ActionForm>
            }
        >
            <p role="status" class="mt-4 rounded-md bg-teal-50 px-3 py-2 text-teal-900">
                "If an account exists for that email, we have sent a link to reset its password. Check your inbox."
            </p>
        </Show>
    }
}

/// Where an email verification link leads: one button confirms (a form, so that a mail scanner
/// opening the link confirms nothing). Rendered on the server, no island.
#[component]
pub(crate) fn VerifyEmailPage() -> impl IntoView {
    let query = use_query_map();
    let token = query.read_untracked().get("token").unwrap_or_default();
    // `AFTER_EMAIL_VERIFIED`: where the form lands.
    let done = query.read_untracked().get("done").is_some();
    let action = ServerAction::<VerifyEmail>::new();
    let value = action.value();
    view! {
        <AuthCard title="Confirm your email address">
            {if done {
                view! {
                    <p role="status" class="mt-3 rounded-md bg-teal-50 px-3 py-2 text-sm text-teal-900">
                        "Thank you: your email address is confirmed."
                    </p>
                    <p class="mt-4 text-sm"><A href=routes::account::SIGN_IN attr:class="text-teal-800 underline">"Sign in"</A></p>
                }.into_any()
            } else {
                view! {
                    <p class="mt-2 text-sm text-slate-600">"Confirm that this email address is yours, so your clinic's reminders can reach it."</p>
                    <ActionForm action attr:class="mt-4 space-y-4">
                        <FormAlert message=form_error(value) />
                        <input type="hidden" name="token" value=token />
                        <button type="submit" class=format!("{BUTTON_CLASS} w-full")>"Confirm my email address"</button>
                    </ActionForm>
                }.into_any()
            }}
        </AuthCard>
    }
}

#[component]
pub(crate) fn ResetPasswordPage() -> impl IntoView {
    let query = use_query_map();
    let token = query.read_untracked().get("token").unwrap_or_default();
    // `AFTER_PASSWORD_RESET`: where the form lands when posted without JavaScript.
    let done = query.read_untracked().get("done").is_some();
    view! {
        <AuthCard title="Choose a new password">
            <ResetPasswordForm token done />
        </AuthCard>
    }
}

/// `token`: the reset link's token, sent back with the new password. `done`: the password was
/// already changed (the page a form posted without JavaScript lands on).
#[island]
fn ResetPasswordForm(token: String, done: bool) -> impl IntoView {
    let token = StoredValue::new(token);
    let action = ServerAction::<ResetPassword>::new();
    let value = action.value();
    let done = move || done || matches!(value.get(), Some(Ok(())));
    view! {
        <Show
            when=done
            fallback=move || view! {
                <ActionForm action attr:class="mt-4 space-y-4" attr:novalidate="true">
                    <FormAlert message=form_error(value) />
                    <input type="hidden" name="token" value=token.get_value() />
                    <Field label="New password" name="password" kind="password" autocomplete="new-password"
                        hint="At least 12 characters. A few unrelated words make a strong password." errors=field_errors(value, "password") required=true />
                    <button type="submit" class=format!("{BUTTON_CLASS} w-full")>"Save new password"</button>
                </ActionForm>
            }
        >
            <p role="status" class="mt-4 rounded-md bg-teal-50 px-3 py-2 text-teal-900">
                "Your password has been changed. "
                // A literal, as in the registration form above.
                <a href="/signin" class="font-medium underline">"Sign in"</a>
            </p>
        </Show>
    }
}
