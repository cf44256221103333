//! Where a reminder's unsubscribe link leads: one button stops that channel (a form, so that a
//! mail scanner opening the link stops nothing). Rendered on the server, no island.
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use crate::api::public::unsubscribe::StopReminders;
use crate::components::form::{form_error, FormAlert, BUTTON_CLASS};
use crate::pages::account::auth::AuthCard;
use crate::routes::{self, sign_in_path};

#[component]
pub(crate) fn UnsubscribePage() -> impl IntoView {
    let query = use_query_map();
    let token = query.read_untracked().get("token").unwrap_or_default();
    // Where the form lands: `done=email` or `done=sms`.
    let done = query.read_untracked().get("done");
    let action = ServerAction::<StopReminders>::new();
    let value = action.value();
    view! {
        <AuthCard title="Stop these reminders">
            {match done {
                Some(channel) => {
                    let what = if channel == "sms" { "text messages" } else { "email" };
                    view! {
                        <p role="status" class="mt-3 rounded-md bg-teal-50 px-3 py-2 text-sm text-teal-900">
                            {format!("Done: you will get no more reminders by {what}. Anything waiting to be sent has been cancelled.")}
                        </p>
                        <p class="mt-4 text-sm text-slate-600">
                            "You can turn reminders back on, or choose another way to get them, on your profile. "
                            <A href=sign_in_path(routes::patient::PROFILE) attr:class="text-teal-800 underline">"Sign in to your profile"</A>
                        </p>
                    }.into_any()
                }
                None => view! {
                    <p class="mt-2 text-sm text-slate-600">"Stop the reminders your clinic sends you this way. You can turn them on again on your profile."</p>
                    <ActionForm action attr:class="mt-4 space-y-4">
                        <FormAlert message=form_error(value) />
                        <input type="hidden" name="token" value=token />
                        <button type="submit" class=format!("{BUTTON_CLASS} w-full")>"Stop these reminders"</button>
                    </ActionForm>
                }.into_any(),
            }}
        </AuthCard>
    }
}
