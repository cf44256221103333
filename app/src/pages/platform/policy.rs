//! Privacy policy versions: every version published (each readable on the public site), and
//! publishing a new one, which patients accept at their next sign-in.
use leptos::prelude::*;
use leptos_meta::Title;

use super::topics::BODY_HINT;
use super::PlatformNav;
use crate::api::platform::content::{get_content, PublishPolicy};
use crate::components::form::{
    field_errors, form_error, typed_value, Field, FormAlert, TextArea, BUTTON_CLASS,
};
use crate::components::portal::{LandingNotice, CARD};
use crate::components::status::Loaded;
use crate::routes;

const DONE: &[(&str, &str)] = &[(
    "published",
    "Published. It is in force from now; each patient is asked to accept it at their next sign-in.",
)];

#[component]
pub(crate) fn PolicyPage() -> impl IntoView {
    let content = Resource::new(|| (), |_| get_content());
    view! {
        <Title text="Privacy policy · Platform administration · Salus" />
        <PlatformNav current=routes::platform::POLICY />
        <h1 class="text-3xl font-bold">"Privacy policy"</h1>
        <LandingNotice param="done" messages=DONE />
        <section aria-labelledby="versions-heading" class=CARD>
            <h2 id="versions-heading" class="text-xl font-semibold">"Versions"</h2>
            <Loaded resource=content fallback_class="mt-2 text-slate-500" let:content>
                <ul class="mt-2 space-y-1">
                    {content.policies.into_iter().map(|v| view! {
                        <li>
                            <a href=routes::public::policy_version(&v.version) class="text-teal-800 underline">{format!("Version {}", v.version)}</a>
                            {format!(", published {}{}", v.published, if v.current { " (in force)" } else { "" })}
                        </li>
                    }).collect_view()}
                </ul>

            </Loaded>
        </section>
        <PublishForm />
    }
}

#[component]
fn PublishForm() -> impl IntoView {
    let publish = ServerAction::<PublishPolicy>::new();
    let value = publish.value();
    let typed = |name| typed_value::<PublishPolicy>(name).unwrap_or_default();
    view! {
        <section aria-labelledby="publish-heading" class=CARD>
            <h2 id="publish-heading" class="text-xl font-semibold">"Publish a new version"</h2>
            <p class="mt-1 text-sm text-slate-600">"It is in force as soon as it is published, and cannot be changed afterwards: publish a further version instead. Every patient accepts it at their next sign-in."</p>
            <ActionForm action=publish attr:class="mt-4 grid max-w-3xl gap-3" attr:novalidate="true">
                <FormAlert message=form_error(value) />
                <Field label="Version" name="version" autocomplete="off" hint="Like 2026-12-01." errors=field_errors(value, "version") required=true value=typed("version") />
                <Field label="Summary" name="summary" autocomplete="off" errors=field_errors(value, "summary") required=true value=typed("summary") />
                <TextArea label="Text" name="body" rows=16 hint=BODY_HINT errors=field_errors(value, "body") required=true value=typed("body") />
                <div><button type="submit" class=BUTTON_CLASS>"Publish"</button></div>
            </ActionForm>
        </section>
    }
}
