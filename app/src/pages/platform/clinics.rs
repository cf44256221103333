//! The platform's clinics: search and filter the list, and create a clinic with its first admin.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use super::PlatformNav;
use crate::api::platform::clinics::{get_clinics, CreateClinic};
use crate::components::form::{
    field_errors, form_error, typed_value, Field, FieldErrors, FormAlert, BUTTON_CLASS, INPUT_CLASS,
};
use crate::components::pager::{with_query, Pager};
use crate::components::portal::CARD;
use crate::components::status::Loaded;
use crate::model::platform::{ClinicList, ClinicQuery, ClinicStatus, PlanSummary};
use crate::routes;

const FILTERS: [&str; 3] = ["search", "status", "plan"];

#[component]
pub(crate) fn ClinicsPage() -> impl IntoView {
    let query = use_query_map();
    let param = move |name: &str| query.read().get(name).filter(|v| !v.is_empty());
    let list = Resource::new(
        move || ClinicQuery {
            search: param("search"),
            status: param("status"),
            plan: param("plan"),
            page: param("page"),
        },
        get_clinics,
    );
    view! {
        <Title text="Clinics · Platform administration · Salus" />
        <PlatformNav current=routes::platform::CLINICS />
        <h1 class="text-3xl font-bold">"Clinics"</h1>
        <Loaded resource=list fallback_class="mt-4 text-slate-500" let:list>
            <Clinics list param=Callback::new(move |name: String| param(&name)) />
        </Loaded>
    }
}

/// The plans as options, `selected` by code.
#[component]
fn PlanOptions(plans: Vec<PlanSummary>, selected: Option<String>) -> impl IntoView {
    plans
        .into_iter()
        .map(|plan| {
            let chosen = selected.as_deref() == Some(plan.code.as_str());
            view! { <option value=plan.code selected=chosen>{plan.name}</option> }
        })
        .collect_view()
}

#[component]
fn Clinics(list: ClinicList, param: Callback<String, Option<String>>) -> impl IntoView {
    let get = move |name: &str| param.run(name.to_owned());
    let link_to = move |n: u64| {
        let mut pairs = vec![("page", Some(n.to_string()))];
        pairs.extend(FILTERS.map(|key| (key, get(key))));
        with_query(routes::platform::CLINICS, &pairs)
    };
    let (current, pages, total) = (list.page, list.pages(), list.total);
    let plans = list.plans.clone();
    view! {
        <form method="get" action=routes::platform::CLINICS class="mt-4 grid gap-3 rounded-lg border border-slate-200 bg-white p-4 shadow-sm md:grid-cols-4 md:items-end">
            <div>
                <label for="search" class="block text-sm font-medium">"Search by name or code"</label>
                <input id="search" name="search" type="search" class=INPUT_CLASS value=get("search").unwrap_or_default() />
            </div>
            <div>
                <label for="status" class="block text-sm font-medium">"Status"</label>
                <select id="status" name="status" class=INPUT_CLASS>
                    <option value="">"All statuses"</option>
                    {ClinicStatus::ALL.into_iter().map(|s| view! {
                        <option value=s.as_str() selected=get("status").as_deref() == Some(s.as_str())>{s.label()}</option>
                    }).collect_view()}
                </select>
            </div>
            <div>
                <label for="plan" class="block text-sm font-medium">"Filter by plan"</label>
                <select id="plan" name="plan" class=INPUT_CLASS>
                    <option value="">"All plans"</option>
                    <PlanOptions plans=plans.clone() selected=get("plan") />
                </select>
            </div>
            <button type="submit" class=BUTTON_CLASS>"Apply"</button>
        </form>
        <p class="mt-4 text-sm text-slate-600" role="status">{format!("{total} clinic{}", if total == 1 { "" } else { "s" })}</p>
        <div class="mt-2 overflow-x-auto rounded-lg border border-slate-200 bg-white shadow-sm" tabindex="0" role="region" aria-label="Clinics">
            <table class="w-full text-left text-sm">
                <caption class="sr-only">"Clinics, their status, plan and use of it"</caption>
                <thead class="bg-slate-50 text-slate-700">
                    <tr>
                        <th scope="col" class="px-3 py-2">"Clinic"</th>
                        <th scope="col" class="px-3 py-2">"Status"</th>
                        <th scope="col" class="px-3 py-2">"Plan"</th>
                        <th scope="col" class="px-3 py-2">"Provider seats"</th>
                        <th scope="col" class="px-3 py-2">"Patients"</th>
                        <th scope="col" class="px-3 py-2">"Overdue checkups"</th>
                        <th scope="col" class="px-3 py-2">"Created"</th>
                    </tr>
                </thead>
                <tbody>
                    {list.rows.into_iter().map(|row| view! {
                        <tr class="border-t border-slate-200" data-testid="clinic-row">
                            <td class="px-3 py-2"><A href=routes::platform::clinic(row.id) attr:class="font-medium text-teal-800 underline">{row.name}</A></td>
                            <td class="px-3 py-2">{row.status.label()}</td>
                            <td class="px-3 py-2">{row.plan}</td>
                            <td class="px-3 py-2">{format!("{} of {}", row.seats_taken, row.seats_allowed)}</td>
                            <td class="px-3 py-2">{row.patients}</td>
                            <td class="px-3 py-2">{row.overdue_percent.map_or_else(|| "No data yet".to_owned(), |p| format!("{p}%"))}</td>
                            <td class="px-3 py-2">{row.created}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        <Pager current pages link=link_to />
        <NewClinicForm plans />
    }
}

#[component]
fn NewClinicForm(plans: Vec<PlanSummary>) -> impl IntoView {
    let plans: Vec<PlanSummary> = plans.into_iter().filter(|p| !p.retired).collect();
    let create = ServerAction::<CreateClinic>::new();
    let value = create.value();
    let plan_errors = field_errors(value, "plan");
    // A refused form comes back as it was typed.
    let typed = |name: &str| typed_value::<CreateClinic>(name).unwrap_or_default();
    let standard = typed_value::<CreateClinic>("plan").or_else(|| {
        plans
            .iter()
            .find(|p| p.code == "standard")
            .or(plans.first())
            .map(|p| p.code.clone())
    });
    view! {
        <section aria-labelledby="new-clinic-heading" class=CARD>
            <h2 id="new-clinic-heading" class="text-xl font-semibold">"Add a clinic"</h2>
            <p class="mt-1 text-sm text-slate-600">"The clinic starts with the platform's preventive-care protocols. Its first admin gets an email with a link to join, valid for 7 days."</p>
            <ActionForm action=create attr:class="mt-4 grid gap-3 md:grid-cols-2 md:items-start" attr:novalidate="true">
                <div class="md:col-span-2"><FormAlert message=form_error(value) /></div>
                <Field label="Clinic name" name="name" autocomplete="off" errors=field_errors(value, "name") required=true value=typed("name") />
                <Field label="Clinic code" name="code" autocomplete="off" hint="What its patients type to register, like RIVERSIDE." errors=field_errors(value, "code") required=true value=typed("code") />
                <Field label="Time zone" name="time_zone" autocomplete="off" hint="Like America/New_York or Europe/London." errors=field_errors(value, "time_zone") required=true value=typed("time_zone") />
                <div>
                    <label for="field-plan" class="block text-sm font-medium text-slate-800">"Plan"</label>
                    <select id="field-plan" name="plan" class=INPUT_CLASS
                        aria-invalid=move || (!plan_errors.get().is_empty()).to_string()
                        aria-describedby="field-plan-error">
                        <PlanOptions plans selected=standard />
                    </select>
                    <FieldErrors id="field-plan-error".to_owned() errors=plan_errors />
                </div>
                <Field label="Email of its first admin" name="admin_email" kind="email" autocomplete="off" errors=field_errors(value, "admin_email") required=true value=typed("admin_email") />
                <div class="md:col-span-2"><button type="submit" class=BUTTON_CLASS>"Add the clinic and invite its admin"</button></div>
            </ActionForm>
        </section>
    }
}
