//! Health tips for the patients' tip of the day: each tip edited in place, retired from the
//! daily turn or brought back, and a form to add one.
use leptos::prelude::*;
use leptos_meta::Title;

use super::PlatformNav;
use crate::api::platform::content::{get_content, AddTip, RetireTip, SaveTip};
use crate::components::form::{
    field_errors, form_error, typed_value, Field, FieldErrors, FormAlert, BUTTON_CLASS,
    INPUT_CLASS, SECONDARY_BUTTON,
};
use crate::components::portal::{LandingNotice, CARD};
use crate::components::status::ErrorPanel;
use crate::model::content::{ContentStatus, TipRow};
use crate::routes;

const DONE: &[(&str, &str)] = &[
    ("added", "Tip added to the daily turn."),
    ("saved", "Tip saved."),
    ("retired", "Tip retired. Patients no longer see it."),
    ("restored", "Tip back in the daily turn."),
];
const CATEGORY_HINT: &str = "Optional, like sleep, activity or nutrition.";

#[component]
pub(crate) fn TipsPage() -> impl IntoView {
    let content = Resource::new(|| (), |_| get_content());
    view! {
        <Title text="Health tips · Platform administration · Salus" />
        <PlatformNav current=routes::platform::TIPS />
        <h1 class="text-3xl font-bold">"Health tips"</h1>
        <p class="mt-1 text-slate-700">"Patients see one tip a day on their dashboard; the tips in the turn take turns."</p>
        <LandingNotice param="done" messages=DONE />
        <AddTipForm />
        <Suspense fallback=|| view! { <p class="mt-4 text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match content.await {
                    Ok(content) => content.tips.into_iter().map(|tip| view! { <TipCard tip /> }).collect_view().into_any(),
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn AddTipForm() -> impl IntoView {
    let add = ServerAction::<AddTip>::new();
    let value = add.value();
    let typed = |name| typed_value::<AddTip>(name).unwrap_or_default();
    view! {
        <section aria-labelledby="add-tip-heading" class=CARD>
            <h2 id="add-tip-heading" class="text-xl font-semibold">"Add a tip"</h2>
            <ActionForm action=add attr:class="mt-4 grid max-w-2xl gap-3" attr:novalidate="true">
                <FormAlert message=form_error(value) />
                <Field label="Title" name="title" autocomplete="off" errors=field_errors(value, "title") required=true value=typed("title") />
                <Field label="Tip" name="text" autocomplete="off" errors=field_errors(value, "text") required=true value=typed("text") />
                <Field label="Category" name="category" autocomplete="off" hint=CATEGORY_HINT errors=field_errors(value, "category") value=typed("category") />
                <div><button type="submit" class=BUTTON_CLASS>"Add tip"</button></div>
            </ActionForm>
        </section>
    }
}

/// One tip's own form. Its fields' ids carry the tip's id, so the page's several forms keep
/// distinct ids; a refused save comes back as typed in the tip it was for.
#[component]
fn TipCard(tip: TipRow) -> impl IntoView {
    let save = ServerAction::<SaveTip>::new();
    let retire = ServerAction::<RetireTip>::new();
    let value = save.value();
    let retired = tip.status == ContentStatus::Retired;
    let heading = format!("tip-{}-heading", tip.id);
    let field_id = move |name: &str| format!("tip-{}-{name}", tip.id);
    let typed = move |name: &str, saved: &str| {
        typed_value::<SaveTip>(name)
            .filter(|_| {
                typed_value::<SaveTip>("id").as_deref() == Some(tip.id.to_string().as_str())
            })
            .unwrap_or_else(|| saved.to_owned())
    };
    view! {
        <section aria-labelledby=heading.clone() class=CARD data-testid="tip">
            <h2 id=heading.clone() class="text-lg font-semibold">
                {tip.title.clone()}
                {retired.then(|| view! { <span class="ml-2 rounded-full bg-slate-200 px-2 py-0.5 text-xs font-medium text-slate-800">"Retired"</span> })}
            </h2>
            <ActionForm action=save attr:class="mt-3 grid max-w-2xl gap-3" attr:novalidate="true">
                <FormAlert message=form_error(value) />
                <input type="hidden" name="id" value=tip.id />
                {[("title", "Title", tip.title.clone()), ("text", "Tip", tip.text.clone()), ("category", "Category", tip.category.clone().unwrap_or_default())]
                    .into_iter()
                    .map(|(name, label, saved)| {
                        let errors = field_errors(value, name);
                        view! {
                            <div>
                                <label for=field_id(name) class="block text-sm font-medium text-slate-800">{label}</label>
                                <input id=field_id(name) name=name type="text" autocomplete="off" value=typed(name, &saved)
                                    class=INPUT_CLASS
                                    aria-describedby=field_id(&format!("{name}-error"))
                                    aria-invalid=move || (!errors.get().is_empty()).to_string() />
                                <FieldErrors id=field_id(&format!("{name}-error")) errors />
                            </div>
                        }
                    })
                    .collect_view()}
                <div><button type="submit" class=BUTTON_CLASS>"Save tip"</button></div>
            </ActionForm>
            <ActionForm action=retire attr:class="mt-3">
                <FormAlert message=form_error(retire.value()) />
                <input type="hidden" name="id" value=tip.id />
                <input type="hidden" name="retire" value=if retired { "no" } else { "yes" } />
                <button type="submit" class=SECONDARY_BUTTON>{if retired { "Bring back into the turn" } else { "Retire this tip" }}</button>
            </ActionForm>
        </section>
    }
}
