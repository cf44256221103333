//! The platform's plans: the list with the clinics on each, a form to add one, and a page per
//! plan to change its limits and features, retire it or offer it again.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use server_fn::ServerFn;

use super::PlatformNav;
use crate::api::platform::plans::{get_plans, AddPlan, ChangePlan, OfferPlan, RetirePlan};
use crate::components::form::{
    field_errors, form_error, typed_value, Field, FormAlert, BUTTON_CLASS, SECONDARY_BUTTON,
};
use crate::components::portal::{LandingNotice, CARD};
use crate::components::status::Loaded;
use crate::error::AppError;
use crate::model::platform::{thousands, PlanRow, PlanSummary};
use crate::routes;

const DONE: &[(&str, &str)] = &[
    (
        "added",
        "Plan added. It is offered for new clinics and plan changes from now.",
    ),
    (
        "changed",
        "Plan changed. Its new limits apply to the clinics on it from now.",
    ),
    (
        "retired",
        "Plan retired. No clinic can be put on it; the clinics on it keep it.",
    ),
    ("offered", "Plan offered again."),
];

#[component]
pub(crate) fn PlansPage() -> impl IntoView {
    let plans = Resource::new(|| (), |_| get_plans());
    view! {
        <Title text="Plans · Platform administration · Salus" />
        <PlatformNav current=routes::platform::PLANS />
        <h1 class="text-3xl font-bold">"Plans"</h1>
        <p class="mt-1 text-slate-700">"What each plan lets a clinic use. Lowering a limit is refused while a clinic on the plan uses more."</p>
        <LandingNotice param="done" messages=DONE />
        <Loaded resource=plans fallback_class="mt-4 text-slate-500" let:list>
            <PlanTable rows=list.plans />
        </Loaded>
        <AddForm />
    }
}

#[component]
fn PlanTable(rows: Vec<PlanRow>) -> impl IntoView {
    view! {
        <section aria-labelledby="plans-heading" class=CARD>
            <h2 id="plans-heading" class="text-xl font-semibold">"Plans"</h2>
            <div class="mt-3 overflow-x-auto" tabindex="0" role="region" aria-labelledby="plans-heading">
                <table class="w-full text-left text-sm">
                    <thead class="border-b border-slate-200 text-slate-600">
                        <tr>
                            <th scope="col" class="py-2 pr-4">"Plan"</th>
                            <th scope="col" class="py-2 pr-4">"Limits"</th>
                            <th scope="col" class="py-2 pr-4">"Clinics on it"</th>
                            <th scope="col" class="py-2 pr-4">"Status"</th>
                            <th scope="col" class="py-2">"Actions"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {rows.into_iter().map(|row| {
                            let p = row.plan;
                            let label = format!("Change {}", p.name);
                            view! {
                                <tr class="border-b border-slate-100 align-top" data-testid="plan-row">
                                    <th scope="row" class="py-2 pr-4 font-medium">
                                        {p.name.clone()}
                                        <p class="font-normal text-slate-600">{p.code.clone()}</p>
                                    </th>
                                    <td class="py-2 pr-4">{p.limits()}</td>
                                    <td class="py-2 pr-4">{thousands(row.clinics)}</td>
                                    <td class="py-2 pr-4">{if p.retired { "Retired" } else { "Offered" }}</td>
                                    <td class="py-2">
                                        <a href=routes::platform::plan(&p.code) class=SECONDARY_BUTTON aria-label=label>"Change"</a>
                                    </td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}

/// The fields of a plan, filled with `plan`'s values or, after a refusal, with what was typed.
fn plan_fields<S: ServerFn>(
    plan: Option<&PlanSummary>,
    errors: impl Fn(&'static str) -> Signal<Vec<String>>,
) -> impl IntoView {
    let shown = move |name: &str, start: String| typed_value::<S>(name).unwrap_or(start);
    let number = |n: Option<u64>| n.map(|n| n.to_string()).unwrap_or_default();
    // A refused form sends its name always, and the box only when it was ticked.
    let texts = match typed_value::<S>("name") {
        Some(_) => typed_value::<S>("sms_reminders").is_some(),
        None => plan.is_some_and(|p| p.sms_reminders),
    };
    view! {
        <Field label="Name" name="name" autocomplete="off" errors=errors("name") required=true
            value=shown("name", plan.map(|p| p.name.clone()).unwrap_or_default()) />
        <Field label="Provider seats" name="provider_seats" kind="number" autocomplete="off"
            hint="Staff whose role reads patients, with open invitations to such a role."
            errors=errors("provider_seats") required=true
            value=shown("provider_seats", number(plan.map(|p| p.provider_seats))) />
        <Field label="Patients" name="patient_limit" kind="number" autocomplete="off"
            hint="Patients enrolled, with open invitations to join."
            errors=errors("patient_limit") required=true
            value=shown("patient_limit", number(plan.map(|p| p.patient_limit))) />
        <div class="flex items-start gap-2 md:col-span-2">
            <input id="field-sms_reminders" name="sms_reminders" type="checkbox" value="on" checked=texts class="mt-1 h-4 w-4" />
            <label for="field-sms_reminders" class="text-sm">"Text reminders (without them, no texts are sent)"</label>
        </div>
        <Field label="Texts a month" name="sms_per_month" kind="number" autocomplete="off"
            hint="Counted in each clinic's own calendar month. Ignored without text reminders."
            errors=errors("sms_per_month")
            value=shown("sms_per_month", number(plan.map(|p| p.sms_per_month))) />
    }
}

#[component]
fn AddForm() -> impl IntoView {
    let add = ServerAction::<AddPlan>::new();
    let value = add.value();
    let code_errors = field_errors(value, "code");
    let typed_code = typed_value::<AddPlan>("code").unwrap_or_default();
    view! {
        <section aria-labelledby="add-heading" class=CARD>
            <h2 id="add-heading" class="text-xl font-semibold">"Add a plan"</h2>
            <ActionForm action=add attr:class="mt-4 grid gap-3 md:grid-cols-2" attr:novalidate="true">
                <div class="md:col-span-2"><FormAlert message=form_error(value) /></div>
                <Field label="Code" name="code" autocomplete="off"
                    hint="How clinics name the plan; it never changes. Small letters, digits and hyphens."
                    errors=code_errors required=true
                    value=typed_code />
                {plan_fields::<AddPlan>(None, move |field| field_errors(value, field))}
                <div class="md:col-span-2"><button type="submit" class=BUTTON_CLASS>"Add plan"</button></div>
            </ActionForm>
        </section>
    }
}

/// `/platform/plans/:code`: one plan's limits, retiring it, offering it again.
#[component]
pub(crate) fn PlanPage() -> impl IntoView {
    let params = use_params_map();
    let code = move || params.read().get("code").unwrap_or_default();
    let plan = Resource::new(code, |code| async move {
        let list = get_plans().await?;
        list.plans
            .into_iter()
            .find(|row| row.plan.code == code)
            .ok_or(AppError::NotFound)
    });
    view! {
        <Title text="Plan · Platform administration · Salus" />
        <PlatformNav current=routes::platform::PLANS />
        <p class="text-sm"><a href=routes::platform::PLANS class="text-teal-800 underline">"All plans"</a></p>
        <LandingNotice param="done" messages=DONE />
        <Loaded resource=plan fallback_class="mt-4 text-slate-500" let:row>
            <Plan row />
        </Loaded>
    }
}

#[component]
fn Plan(row: PlanRow) -> impl IntoView {
    let change = ServerAction::<ChangePlan>::new();
    let value = change.value();
    let p = row.plan;
    let code = p.code.clone();
    let retired = p.retired;
    let fields = plan_fields::<ChangePlan>(Some(&p), move |field| field_errors(value, field));
    let status = if retired {
        "Retired: no clinic can be put on it."
    } else {
        "Offered for new clinics and plan changes."
    };
    view! {
        <h1 class="mt-2 text-3xl font-bold">{p.name.clone()}</h1>
        <p class="mt-2 text-slate-700">{format!(
            "{} {} on it. Code {}. {status}",
            thousands(row.clinics),
            if row.clinics == 1 { "clinic is" } else { "clinics are" },
            p.code,
        )}</p>
        <section aria-labelledby="limits-heading" class=CARD>
            <h2 id="limits-heading" class="text-xl font-semibold">"Limits and features"</h2>
            <p class="mt-1 text-sm text-slate-600">"They apply to the clinics on the plan as soon as they are saved. A limit below what a clinic on it uses is refused."</p>
            <ActionForm action=change attr:class="mt-4 grid gap-3 md:grid-cols-2" attr:novalidate="true">
                <div class="md:col-span-2"><FormAlert message=form_error(value) /></div>
                <input type="hidden" name="code" value=p.code.clone() />
                {fields}
                <div class="md:col-span-2"><button type="submit" class=BUTTON_CLASS>"Save plan"</button></div>
            </ActionForm>
        </section>
        {if retired {
            view! { <OfferForm code /> }.into_any()
        } else {
            view! { <RetireForm code /> }.into_any()
        }}
    }
}

#[component]
fn RetireForm(code: String) -> impl IntoView {
    let retire = ServerAction::<RetirePlan>::new();
    view! {
        <section aria-labelledby="retire-heading" class=CARD>
            <h2 id="retire-heading" class="text-xl font-semibold">"Retire"</h2>
            <p class="mt-1 text-sm text-slate-600">"No clinic can be put on a retired plan. The clinics on it keep it, with its limits, until they are moved."</p>
            <ActionForm action=retire attr:class="mt-3">
                <FormAlert message=form_error(retire.value()) />
                <input type="hidden" name="code" value=code />
                <button type="submit" class=SECONDARY_BUTTON>"Retire the plan"</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn OfferForm(code: String) -> impl IntoView {
    let offer = ServerAction::<OfferPlan>::new();
    view! {
        <section aria-labelledby="offer-heading" class=CARD>
            <h2 id="offer-heading" class="text-xl font-semibold">"Offer again"</h2>
            <ActionForm action=offer attr:class="mt-3">
                <FormAlert message=form_error(offer.value()) />
                <input type="hidden" name="code" value=code />
                <button type="submit" class=BUTTON_CLASS>"Offer the plan again"</button>
            </ActionForm>
        </section>
    }
}
