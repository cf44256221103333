//! One clinic on the platform: its plan and use of it, changing the plan, suspending and
//! reactivating it, and closing it.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::PlatformNav;
use crate::api::platform::clinics::{
    get_clinic, ChangeClinicPlan, CloseClinic, ReactivateClinic, SuspendClinic,
};
use crate::components::form::{
    field_errors, form_error, typed_value, Field, FieldErrors, FormAlert, BUTTON_CLASS,
    INPUT_CLASS, SECONDARY_BUTTON,
};
use crate::components::portal::{LandingNotice, CARD};
use crate::components::status::Loaded;
use crate::error::AppError;
use crate::model::platform::{thousands, ClinicDetail, ClinicStatus, PlanSummary};
use crate::routes;

const DONE: &[(&str, &str)] = &[
    (
        "created",
        "Clinic added. Its first admin has been emailed an invitation.",
    ),
    ("plan", "Plan changed. Its limits apply from now."),
    (
        "suspended",
        "Suspended. Its staff and patients are signed out at their next request, and its reminders have stopped. Its data is kept.",
    ),
    (
        "reactivated",
        "Reactivated. Its staff and patients can sign in again, and reminders resume.",
    ),
    (
        "closed",
        "Closed. Nobody can sign in to it; its data is kept until the date shown.",
    ),
];

#[component]
pub(crate) fn ClinicPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|id| id.parse::<i64>().ok())
    };
    let clinic = Resource::new(id, |id| async move {
        match id {
            Some(id) => get_clinic(id).await,
            None => Err(AppError::NotFound),
        }
    });
    view! {
        <Title text="Clinic · Platform administration · Salus" />
        <PlatformNav current=routes::platform::CLINICS />
        <p class="text-sm"><a href=routes::platform::CLINICS class="text-teal-800 underline">"All clinics"</a></p>
        <LandingNotice param="done" messages=DONE />
        <Loaded resource=clinic fallback_class="mt-4 text-slate-500" let:clinic>
            <Clinic clinic />
        </Loaded>
    }
}

#[component]
fn Clinic(clinic: ClinicDetail) -> impl IntoView {
    let row = clinic.row.clone();
    let plan = clinic
        .plans
        .iter()
        .find(|p| p.code == clinic.plan_code)
        .cloned();
    view! {
        <h1 class="mt-2 text-3xl font-bold">{row.name.clone()}</h1>
        <dl class="mt-4 grid gap-4 sm:grid-cols-3">
            <Fact label="Status" value=row.status.label().to_owned() />
            <Fact label="Code" value=clinic.code.clone() />
            <Fact label="Time zone" value=clinic.time_zone.clone() />
            <Fact label="Plan" value=row.plan.clone() />
            <Fact label="Provider seats" value=format!("{} of {} taken", row.seats_taken, row.seats_allowed) />
            <Fact label="Patients" value=match &plan {
                Some(plan) => format!("{} of {} allowed", thousands(row.patients), thousands(plan.patient_limit)),
                None => row.patients.to_string(),
            } />
            <Fact label="Texts this month" value=match &plan {
                Some(plan) if plan.sms_reminders => format!("{} of {} allowed", thousands(clinic.texts_this_month), thousands(plan.sms_per_month)),
                _ => format!("{} (the plan has no text reminders)", thousands(clinic.texts_this_month)),
            } />
            <Fact label="Created" value=row.created.clone() />
        </dl>
        {clinic.status_changed.clone().map(|at| view! {
            <p class="mt-4 text-sm text-slate-700" data-testid="status-changed">
                {format!("{} since {at}", row.status.label())}
                {clinic.status_reason.clone().filter(|_| row.status == ClinicStatus::Suspended).map(|why| format!(": {why}"))}
            </p>
        })}
        {clinic.delete_after.clone().map(|at| view! {
            <p class="mt-2 text-sm font-medium text-red-800">{format!("Its data may be deleted after {at}.")}</p>
        })}
        <PlanForm clinic=clinic.clone() />
        {match row.status {
            ClinicStatus::Active => view! { <SuspendForm id=row.id /> }.into_any(),
            _ => view! { <ReactivateForm id=row.id /> }.into_any(),
        }}
        {(row.status != ClinicStatus::Closed).then(|| view! { <CloseForm id=row.id retention_days=clinic.retention_days /> })}
    }
}

#[component]
fn Fact(label: &'static str, value: String) -> impl IntoView {
    view! {
        <div class="rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
            <dt class="text-sm text-slate-600">{label}</dt>
            <dd class="mt-1 font-semibold">{value}</dd>
        </div>
    }
}

#[component]
fn PlanForm(clinic: ClinicDetail) -> impl IntoView {
    let change = ServerAction::<ChangeClinicPlan>::new();
    let value = change.value();
    let plan_errors = field_errors(value, "plan");
    // The plans on offer, and the clinic's own even when it is retired.
    let choices: Vec<PlanSummary> = clinic
        .plans
        .iter()
        .filter(|p| !p.retired || p.code == clinic.plan_code)
        .cloned()
        .collect();
    view! {
        <section aria-labelledby="plan-heading" class=CARD>
            <h2 id="plan-heading" class="text-xl font-semibold">"Plan"</h2>
            <ul class="mt-2 space-y-1 text-sm text-slate-700">
                {choices.iter().map(|p| view! {
                    <li>{format!("{}: {}.", p.name, p.limits())}
                        {(p.retired).then_some(" Retired: it stays while the clinic is on it.")}</li>
                }).collect_view()}
            </ul>
            <ActionForm action=change attr:class="mt-4 flex flex-wrap items-end gap-3" attr:novalidate="true">
                <div class="w-full"><FormAlert message=form_error(value) /></div>
                <input type="hidden" name="id" value=clinic.row.id />
                <div>
                    <label for="field-plan" class="block text-sm font-medium text-slate-800">"Move to plan"</label>
                    <select id="field-plan" name="plan" class=INPUT_CLASS
                        aria-invalid=move || (!plan_errors.get().is_empty()).to_string()
                        aria-describedby="field-plan-error">
                        {choices.iter().map(|p| view! {
                            <option value=p.code.clone() selected=p.code == clinic.plan_code>{p.name.clone()}</option>
                        }).collect_view()}
                    </select>
                </div>
                <button type="submit" class=BUTTON_CLASS>"Change plan"</button>
                <div class="w-full"><FieldErrors id="field-plan-error".to_owned() errors=plan_errors /></div>
            </ActionForm>
        </section>
    }
}

#[component]
fn SuspendForm(id: i64) -> impl IntoView {
    let suspend = ServerAction::<SuspendClinic>::new();
    let value = suspend.value();
    view! {
        <section aria-labelledby="suspend-heading" class=CARD>
            <h2 id="suspend-heading" class="text-xl font-semibold">"Suspend"</h2>
            <p class="mt-1 text-sm text-slate-600">"Its staff and patients are signed out at their next request and cannot sign in; its reminders stop. Nothing is deleted, and reactivating restores it."</p>
            <ActionForm action=suspend attr:class="mt-4 grid max-w-xl gap-3" attr:novalidate="true">
                <FormAlert message=form_error(value) />
                <input type="hidden" name="id" value=id />
                <Field label="Reason (kept with the clinic, not shown to its staff or patients)" name="reason" autocomplete="off" errors=field_errors(value, "reason") required=true value={typed_value::<SuspendClinic>("reason").unwrap_or_default()} />
                <div><button type="submit" class=BUTTON_CLASS>"Suspend the clinic"</button></div>
            </ActionForm>
        </section>
    }
}

#[component]
fn ReactivateForm(id: i64) -> impl IntoView {
    let reactivate = ServerAction::<ReactivateClinic>::new();
    view! {
        <section aria-labelledby="reactivate-heading" class=CARD>
            <h2 id="reactivate-heading" class="text-xl font-semibold">"Reactivate"</h2>
            <ActionForm action=reactivate attr:class="mt-3">
                <FormAlert message=form_error(reactivate.value()) />
                <input type="hidden" name="id" value=id />
                <button type="submit" class=BUTTON_CLASS>"Reactivate the clinic"</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn CloseForm(id: i64, retention_days: u64) -> impl IntoView {
    let close = ServerAction::<CloseClinic>::new();
    let value = close.value();
    view! {
        <section aria-labelledby="close-heading" class=CARD>
            <h2 id="close-heading" class="text-xl font-semibold">"Close"</h2>
            <p class="mt-1 text-sm text-slate-600">{format!(
                "Nobody can sign in to a closed clinic and it sends no reminders. Its data is kept for {retention_days} days and then marked for deletion; until then it can be reactivated."
            )}</p>
            <ActionForm action=close attr:class="mt-4 grid max-w-xl gap-3" attr:novalidate="true">
                <FormAlert message=form_error(value) />
                <input type="hidden" name="id" value=id />
                <Field label="Type the clinic's code to confirm" name="confirm_code" autocomplete="off" errors=field_errors(value, "confirm_code") required=true />
                <div><button type="submit" class=SECONDARY_BUTTON>"Close the clinic"</button></div>
            </ActionForm>
        </section>
    }
}
