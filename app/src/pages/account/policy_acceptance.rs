//! The step of signing in that asks a patient to accept a new privacy policy version: the
//! version in force as it is published, and one button. Server-rendered with a plain form.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use crate::api::account::policy_acceptance::{get_policy_to_accept, AcceptPolicy};
use crate::components::form::{form_error, FormAlert, BUTTON_CLASS};
use crate::components::status::ErrorPanel;
use crate::pages::public::content::ArticleBody;
use crate::routes;

#[component]
pub(crate) fn PolicyAcceptancePage() -> impl IntoView {
    let policy = Resource::new(|| (), |_| get_policy_to_accept());
    let accept = ServerAction::<AcceptPolicy>::new();
    let value = accept.value();
    let next = use_query_map()
        .read_untracked()
        .get("next")
        .unwrap_or_default();
    view! {
        <Title text="Our privacy policy has changed · Salus" />
        <h1 class="text-3xl font-bold">"Our privacy policy has changed"</h1>
        <p class="mt-2 max-w-2xl text-slate-700">
            "To keep using Salus with your clinic, please read the new version and accept it. Your clinic records that you agreed to this version."
        </p>
        <Suspense fallback=|| view! { <p class="mt-4 text-slate-500">"Loading…"</p> }>
            {move || {
                let next = next.clone();
                Suspend::new(async move {
                    match policy.await {
                        Ok(article) => view! {
                            <div class="mt-6"><ArticleBody article /></div>
                            <ActionForm action=accept attr:class="mt-6 space-y-3">
                                <FormAlert message=form_error(value) />
                                <input type="hidden" name="next" value=next />
                                <button type="submit" class=BUTTON_CLASS>"I accept the privacy policy"</button>
                            </ActionForm>
                            <p class="mt-4 text-sm text-slate-600">
                                "Do not agree? Do not continue, and contact your clinic about your data. "
                                <A href=routes::account::SIGN_IN attr:class="text-teal-800 underline">"Back to sign in"</A>
                            </p>
                        }.into_any(),
                        Err(error) => view! {
                            <ErrorPanel error />
                            <A href=routes::account::SIGN_IN attr:class="mt-4 inline-block text-teal-800 underline">"Sign in again"</A>
                        }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}
