//! The provider portal: assigned patients with their compliance, and one patient's detail.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::provider::patients::{
    get_patient_detail, list_assigned_patients, CompleteCareItem,
};
use crate::components::form::{
    field_errors, form_error, FieldErrors, FormAlert, BUTTON_CLASS, INPUT_CLASS,
};
use crate::components::live::reload_after_success;
use crate::components::pager::{with_query, Pager};
use crate::components::status::{ErrorPanel, Loaded, StatusBadge};
use crate::model::provider::{CareItemView, CompliancePage, ListQuery, PatientDetail};
use crate::model::{CareStatus, ComplianceLabel};
use crate::routes;

#[component]
pub(crate) fn PatientListPage() -> impl IntoView {
    let query = use_query_map();
    let param = move |name: &str| query.read().get(name).filter(|v| !v.is_empty());
    let list = Resource::new(
        move || ListQuery {
            status: param("status"),
            search: param("search"),
            sort: param("sort"),
            page: param("page"),
        },
        list_assigned_patients,
    );
    view! {
        <Title text="My patients · Salus" />
        <h1 class="text-3xl font-bold">"My patients"</h1>
        <form method="get" action=routes::provider::HOME class="mt-4 grid gap-3 rounded-lg border border-slate-200 bg-white p-4 shadow-sm md:grid-cols-4 md:items-end">
            <div>
                <label for="search" class="block text-sm font-medium">"Search by name"</label>
                <input id="search" name="search" type="search" class=INPUT_CLASS value=param("search").unwrap_or_default() />
            </div>
            <div>
                <label for="status" class="block text-sm font-medium">"Status"</label>
                <select id="status" name="status" class=INPUT_CLASS>
                    <option value="">"All statuses"</option>
                    {ComplianceLabel::ALL.into_iter().map(|l| view! {
                        <option value=l.as_str() selected=move || param("status").as_deref() == Some(l.as_str())>{l.label()}</option>
                    }).collect_view()}
                </select>
            </div>
            <div>
                <label for="sort" class="block text-sm font-medium">"Sort by"</label>
                <select id="sort" name="sort" class=INPUT_CLASS>
                    <option value="status" selected=move || param("sort").as_deref() != Some("name")>"Status (most urgent first)"</option>
                    <option value="name" selected=move || param("sort").as_deref() == Some("name")>"Name"</option>
                </select>
            </div>
            <button type="submit" class=BUTTON_CLASS>"Apply"</button>
        </form>
        <Transition fallback=|| view! { <p class="mt-4 text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(page) => view! { <PatientTable page query=query /> }.into_any(),
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn PatientTable(
    page: CompliancePage,
    query: Memo<leptos_router::params::ParamsMap>,
) -> impl IntoView {
    let link_to = move |n: u64| {
        let q = query.get_untracked();
        let value = |key: &str| q.get(key).filter(|v| !v.is_empty());
        with_query(
            routes::provider::HOME,
            &[
                ("page", Some(n.to_string())),
                ("status", value("status")),
                ("search", value("search")),
                ("sort", value("sort")),
            ],
        )
    };
    let (current, pages, total) = (page.page, page.pages(), page.total);
    view! {
        <p class="mt-4 text-sm text-slate-600" role="status">{format!("{total} patient{}", if total == 1 { "" } else { "s" })}</p>
        <div class="mt-2 overflow-x-auto rounded-lg border border-slate-200 bg-white shadow-sm">
            <table class="w-full text-left text-sm">
                <caption class="sr-only">"Assigned patients and their compliance"</caption>
                <thead class="bg-slate-50 text-slate-700">
                    <tr><th scope="col" class="px-4 py-2">"Patient"</th><th scope="col" class="px-4 py-2">"Status"</th><th scope="col" class="px-4 py-2">"Why"</th></tr>
                </thead>
                <tbody>
                    {page.rows.into_iter().map(|row| view! {
                        <tr class="border-t border-slate-200" data-testid="patient-row">
                            <td class="px-4 py-2"><A href=format!("/provider/patients/{}", row.patient_id) attr:class="font-medium text-teal-800 underline">{row.name.clone()}</A></td>
                            <td class="px-4 py-2"><StatusBadge label=row.label /></td>
                            <td class="px-4 py-2 text-slate-700">{row.reason.clone()}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        <Pager current pages link=link_to />
    }
}

#[component]
pub(crate) fn PatientDetailPage() -> impl IntoView {
    let params = use_params_map();
    let id = params
        .read_untracked()
        .get("id")
        .and_then(|id| id.parse::<i64>().ok());
    let detail = Resource::new(
        || (),
        move |_| async move {
            match id {
                Some(id) => get_patient_detail(id).await,
                None => Err(crate::error::AppError::NotFound),
            }
        },
    );
    view! {
        <Title text="Patient · Salus" />
        <A href=routes::provider::HOME attr:class="text-sm text-teal-800 underline">"All my patients"</A>
        <Loaded resource=detail let:detail>
            <Detail detail />
        </Loaded>
    }
}

#[component]
fn Detail(detail: PatientDetail) -> impl IntoView {
    let facts = [
        detail.age.map(|a| format!("{a} years")),
        detail.sex.map(|s| s.label().to_owned()),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ");
    let (label, reason) = detail
        .compliance
        .clone()
        .map_or((None, String::new()), |(l, r)| (Some(l), r));
    let today = detail.today;
    let patient_id = detail.patient_id;
    view! {
        <h1 class="mt-2 text-3xl font-bold">{detail.name.clone()}</h1>
        <p class="mt-1 text-slate-600">{facts}</p>
        <p class="mt-2 flex flex-wrap items-center gap-2"><StatusBadge label /><span class="text-slate-700">{reason}</span></p>

        <section aria-labelledby="care-heading" class="mt-6 rounded-lg border border-slate-200 bg-white p-5 shadow-sm">
            <h2 id="care-heading" class="text-xl font-semibold">"Preventive care"</h2>
            <ul class="mt-3 divide-y divide-slate-200">
                {detail.care.into_iter().map(|item| view! { <CareItemRow item patient_id today /> }).collect_view()}
            </ul>
        </section>

        <section aria-labelledby="adherence-heading" class="mt-6 rounded-lg border border-slate-200 bg-white p-5 shadow-sm">
            <h2 id="adherence-heading" class="text-xl font-semibold">"Goals over the last 30 days"</h2>
            <ul class="mt-3 grid gap-3 sm:grid-cols-2">
                {detail.goals.into_iter().map(|g| view! {
                    <li class="rounded-md bg-slate-50 px-3 py-2">
                        <span class="font-medium">{g.kind.label()}</span>
                        {format!(": target {} {} a day, met on {} of {} days", g.target, g.kind.unit(), g.days_met, g.days)}
                    </li>
                }).collect_view()}
            </ul>
        </section>

        <div class="mt-6 grid gap-4 md:grid-cols-2">
            <section aria-labelledby="allergies-heading" class="rounded-lg border border-slate-200 bg-white p-5 shadow-sm">
                <h2 id="allergies-heading" class="text-xl font-semibold">"Allergies"</h2>
                {if detail.allergies.is_empty() {
                    view! { <p class="mt-2 text-slate-600">"None recorded."</p> }.into_any()
                } else {
                    view! { <ul class="mt-2 space-y-1">{detail.allergies.into_iter().map(|a| view! {
                        <li>{format!("{}: {} ({})", a.substance, a.reaction, a.severity)}</li>
                    }).collect_view()}</ul> }.into_any()
                }}
            </section>
            <section aria-labelledby="medications-heading" class="rounded-lg border border-slate-200 bg-white p-5 shadow-sm">
                <h2 id="medications-heading" class="text-xl font-semibold">"Current medications"</h2>
                {if detail.medications.is_empty() {
                    view! { <p class="mt-2 text-slate-600">"None recorded."</p> }.into_any()
                } else {
                    view! { <ul class="mt-2 space-y-1">{detail.medications.into_iter().map(|m| view! {
                        <li>{format!("{} {}, {}", m.name, m.dose, m.frequency)}</li>
                    }).collect_view()}</ul> }.into_any()
                }}
            </section>
        </div>
    }
}

#[component]
fn CareItemRow(item: CareItemView, patient_id: i64, today: chrono::NaiveDate) -> impl IntoView {
    let tone = match item.status {
        CareStatus::Overdue => "text-red-800",
        CareStatus::Due | CareStatus::DueSoon => "text-amber-800",
        _ => "text-slate-700",
    };
    view! {
        <li class="flex flex-wrap items-end justify-between gap-3 py-3" data-testid="care-item">
            <div>
                <p class="font-medium">{item.name.clone()}</p>
                <p class=format!("text-sm {tone}")>
                    {format!("{} · due {}", item.status.label(), item.due_on.format("%-d %b %Y"))}
                    {item.last_completed_on.map(|d| format!(" · last done {}", d.format("%-d %b %Y")))}
                </p>
            </div>
            <CompletionForm patient_id item_id=item.item_id name=item.name today=today.format("%Y-%m-%d").to_string() />
        </li>
    }
}

/// Records that the item was done on a day (today unless changed, never later); the page
/// then loads again with the new status and label.
#[island]
fn CompletionForm(patient_id: i64, item_id: i64, name: String, today: String) -> impl IntoView {
    let complete = ServerAction::<CompleteCareItem>::new();
    reload_after_success(move || matches!(complete.value().get(), Some(Ok(_))));
    let date_id = format!("completed-on-{item_id}");
    view! {
        <ActionForm action=complete attr:class="flex flex-wrap items-end gap-2" attr:novalidate="true">
            <input type="hidden" name="patient_id" value=patient_id />
            <input type="hidden" name="item_id" value=item_id />
            <div>
                <label for=date_id.clone() class="block text-xs font-medium text-slate-700">{format!("{name} done on")}</label>
                <input id=date_id.clone() name="completed_on" type="date" value=today.clone() max=today class=INPUT_CLASS
                    aria-describedby=format!("{date_id}-error") />
                <FieldErrors id=format!("{date_id}-error") errors=field_errors(complete.value(), "completed_on") />
            </div>
            <button type="submit" class=BUTTON_CLASS>"Record completion"</button>
            <div class="w-full"><FormAlert message=form_error(complete.value()) /></div>
        </ActionForm>
    }
}
