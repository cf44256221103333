//! The clinic's patients: search and filter the roster, and assign patients to providers, one
//! or many at a time.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::ClinicNav;
use crate::api::clinic::roster::{
    get_roster, AssignPatients, DischargePatient, ReadmitPatient, ResendPatientInvitation,
    UnassignPatient, WithdrawPatientInvitation,
};
use crate::components::form::{
    field_errors, form_error, FieldErrors, FormAlert, BUTTON_CLASS, INPUT_CLASS, SECONDARY_BUTTON,
};
use crate::components::pager::{with_query, Pager};
use crate::components::portal::{LandingNotice, CARD};
use crate::components::status::{Loaded, StatusBadge};
use crate::model::clinic::{InvitedPatient, Person, RosterPage, RosterQuery};
use crate::model::ComplianceLabel;
use crate::routes;

const DONE: &[(&str, &str)] = &[
    (
        "assigned",
        "Assigned. Their provider's list shows them from its next load.",
    ),
    ("unassigned", "Assignment ended."),
    (
        "discharged",
        "Discharged: their providers no longer reach their record and their reminders stop. Their records are kept; find them under the Discharged status to re-admit them.",
    ),
    (
        "readmitted",
        "Re-admitted. Assign them to a provider again from the roster.",
    ),
    (
        "invitation_resent",
        "Invitation sent again, with a new link that works for a week.",
    ),
    ("invitation_withdrawn", "Invitation withdrawn: its link no longer works."),
];
const FILTERS: [&str; 3] = ["search", "provider", "status"];

#[component]
pub fn RosterPage() -> impl IntoView {
    let query = use_query_map();
    let param = move |name: &str| query.read().get(name).filter(|v| !v.is_empty());
    let roster = Resource::new(
        move || RosterQuery {
            search: param("search"),
            provider: param("provider"),
            status: param("status"),
            page: param("page"),
        },
        get_roster,
    );
    view! {
        <Title text="Patients · Clinic administration · Salus" />
        <ClinicNav current=routes::clinic::PATIENTS />
        <div class="flex flex-wrap items-center justify-between gap-3">
            <h1 class="text-3xl font-bold">"Patients"</h1>
            <a href=routes::clinic::ENROLMENT class=BUTTON_CLASS>"Enrol patients"</a>
        </div>
        <LandingNotice param="done" messages=DONE />
        <Loaded resource=roster fallback_class="mt-4 text-slate-500" let:page>
            <Roster page param=Callback::new(move |name: String| param(&name)) />
        </Loaded>
    }
}

#[component]
fn ProviderOptions(providers: Vec<Person>, selected: Option<String>) -> impl IntoView {
    providers
        .into_iter()
        .map(|p| {
            let value = p.user_id.to_string();
            let is = selected.as_deref() == Some(value.as_str());
            view! { <option value=value selected=is>{p.name}</option> }
        })
        .collect_view()
}

#[component]
fn Roster(page: RosterPage, param: Callback<String, Option<String>>) -> impl IntoView {
    let assign = ServerAction::<AssignPatients>::new();
    let unassign = ServerAction::<UnassignPatient>::new();
    let discharge = ServerAction::<DischargePatient>::new();
    let readmit = ServerAction::<ReadmitPatient>::new();
    let value = assign.value();
    let provider_errors = field_errors(value, "provider_id");
    let patient_errors = field_errors(value, "patient_ids");
    let get = move |name: &str| param.run(name.to_owned());
    let link_to = move |n: u64| {
        let mut pairs = vec![("page", Some(n.to_string()))];
        pairs.extend(FILTERS.map(|key| (key, get(key))));
        with_query(routes::clinic::PATIENTS, &pairs)
    };
    let (current, pages, total) = (page.page, page.pages(), page.total);
    let providers = page.providers.clone();
    let (invited, invited_total) = (page.invited.clone(), page.invited_total);
    view! {
        <form method="get" action=routes::clinic::PATIENTS class="mt-4 grid gap-3 rounded-lg border border-slate-200 bg-white p-4 shadow-sm md:grid-cols-4 md:items-end">
            <div>
                <label for="search" class="block text-sm font-medium">"Search by name or email"</label>
                <input id="search" name="search" type="search" class=INPUT_CLASS value=get("search").unwrap_or_default() />
            </div>
            <div>
                <label for="provider" class="block text-sm font-medium">"Filter by provider"</label>
                <select id="provider" name="provider" class=INPUT_CLASS>
                    <option value="">"All providers"</option>
                    <ProviderOptions providers=providers.clone() selected=get("provider") />
                </select>
            </div>
            <div>
                <label for="status" class="block text-sm font-medium">"Status"</label>
                <select id="status" name="status" class=INPUT_CLASS>
                    <option value="">"All statuses"</option>
                    {ComplianceLabel::ALL.into_iter().map(|l| view! {
                        <option value=l.as_str() selected=get("status").as_deref() == Some(l.as_str())>{l.label()}</option>
                    }).collect_view()}
                    <option value="discharged" selected=get("status").as_deref() == Some("discharged")>"Discharged"</option>
                </select>
            </div>
            <button type="submit" class=BUTTON_CLASS>"Apply"</button>
        </form>

        <section aria-labelledby="assign-heading" class=CARD>
            <h2 id="assign-heading" class="text-xl font-semibold">"Assign to a provider"</h2>
            <p class="mt-1 text-sm text-slate-600">"Tick patients in the list below, choose a provider, and assign."</p>
            <ActionForm action=assign attr:id="assign-form" attr:class="mt-3 flex flex-wrap items-end gap-3" attr:novalidate="true">
                <div class="w-full"><FormAlert message=form_error(value) /></div>
                <div>
                    <label for="field-provider_id" class="block text-sm font-medium">"Assign to provider"</label>
                    <select id="field-provider_id" name="provider_id" class=INPUT_CLASS
                        aria-invalid=move || (!provider_errors.get().is_empty()).to_string()
                        aria-describedby="field-provider_id-error">
                        <ProviderOptions providers=providers.clone() selected=None />
                    </select>
                    <FieldErrors id="field-provider_id-error".to_owned() errors=provider_errors />
                </div>
                <button type="submit" class=BUTTON_CLASS>"Assign selected patients"</button>
                <div class="w-full"><FieldErrors id="field-patient_ids-error".to_owned() errors=patient_errors /></div>
            </ActionForm>
        </section>

        <FormAlert message=form_error(unassign.value()) />
        <FormAlert message=form_error(discharge.value()) />
        <FormAlert message=form_error(readmit.value()) />
        <p class="mt-4 text-sm text-slate-600" role="status">{format!("{total} patient{}", if total == 1 { "" } else { "s" })}</p>
        <div class="mt-2 overflow-x-auto rounded-lg border border-slate-200 bg-white shadow-sm" tabindex="0" role="region" aria-label="Patients of the clinic">
            <table class="w-full text-left text-sm">
                <caption class="sr-only">"Patients of the clinic, their status and their providers"</caption>
                <thead class="bg-slate-50 text-slate-700">
                    <tr>
                        <th scope="col" class="px-3 py-2"><span class="sr-only">"Select"</span></th>
                        <th scope="col" class="px-3 py-2">"Patient"</th>
                        <th scope="col" class="px-3 py-2">"Status"</th>
                        <th scope="col" class="px-3 py-2">"Providers"</th>
                        <th scope="col" class="px-3 py-2">"Enrolment"</th>
                    </tr>
                </thead>
                <tbody>
                    {page.rows.into_iter().enumerate().map(|(i, row)| {
                        let check_id = format!("select-{}", row.patient_id);
                        let patient_id = row.patient_id;
                        let select_label = format!("Select {}", row.name);
                        let patient_name = row.name.clone();
                        let discharge_name = row.name.clone();
                        let discharged = row.discharged.clone();
                        view! {
                            <tr class="border-t border-slate-200 align-top" data-testid="roster-row">
                                <td class="px-3 py-2">
                                    <input type="checkbox" id=check_id.clone() form="assign-form" name=format!("patient_ids[{i}]") value=patient_id class="h-4 w-4" />
                                    <label for=check_id class="sr-only">{select_label}</label>
                                </td>
                                <td class="px-3 py-2">
                                    <p class="font-medium">{row.name.clone()}</p>
                                    <p class="text-slate-600">{row.email.clone()}</p>
                                </td>
                                <td class="px-3 py-2"><StatusBadge label=row.label /></td>
                                <td class="px-3 py-2">
                                    {if row.providers.is_empty() {
                                        view! { <span class="text-slate-600">"None"</span> }.into_any()
                                    } else {
                                        view! {
                                            <ul class="space-y-1">
                                                {row.providers.into_iter().map(|p| {
                                                    let label = format!("Unassign {} from {}", patient_name, p.name);
                                                    view! {
                                                    <li class="flex items-center gap-2">
                                                        <span>{p.name.clone()}</span>
                                                        <ActionForm action=unassign>
                                                            <input type="hidden" name="provider_id" value=p.user_id />
                                                            <input type="hidden" name="patient_id" value=patient_id />
                                                            <button type="submit" class=SECONDARY_BUTTON aria-label=label>"Unassign"</button>
                                                        </ActionForm>
                                                    </li>
                                                }}).collect_view()}
                                            </ul>
                                        }.into_any()
                                    }}
                                </td>
                                <td class="px-3 py-2">
                                    {match discharged {
                                        None => view! {
                                            <ActionForm action=discharge>
                                                <input type="hidden" name="patient_id" value=patient_id />
                                                <button type="submit" class=SECONDARY_BUTTON aria-label=format!("Discharge {discharge_name}")>"Discharge"</button>
                                            </ActionForm>
                                        }.into_any(),
                                        Some(on) => view! {
                                            <p class="text-slate-600">{format!("Discharged {on}")}</p>
                                            <ActionForm action=readmit>
                                                <input type="hidden" name="patient_id" value=patient_id />
                                                <button type="submit" class=SECONDARY_BUTTON aria-label=format!("Re-admit {discharge_name}")>"Re-admit"</button>
                                            </ActionForm>
                                        }.into_any(),
                                    }}
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        <Pager current pages link=link_to />
        <Invited invited total=invited_total />
    }
}

/// The people the clinic invited who have not joined: the clinic reaches nothing of theirs
/// until they accept their link.
#[component]
fn Invited(invited: Vec<InvitedPatient>, total: u64) -> impl IntoView {
    let resend = ServerAction::<ResendPatientInvitation>::new();
    let withdraw = ServerAction::<WithdrawPatientInvitation>::new();
    let shown = invited.len() as u64;
    view! {
        <section aria-labelledby="invited-heading" class=CARD>
            <h2 id="invited-heading" class="text-xl font-semibold">"Invited, not joined"</h2>
            <p class="mt-1 text-sm text-slate-600">"They become patients of the clinic when they accept their link and agree to the privacy policy. Until then no one here sees anything of theirs."</p>
            <FormAlert message=form_error(resend.value()) />
            <FormAlert message=form_error(withdraw.value()) />
            {if invited.is_empty() {
                view! { <p class="mt-2 text-sm text-slate-600">"No open invitation."</p> }.into_any()
            } else {
                view! {
                    <p class="mt-2 text-sm text-slate-600">{if shown < total { format!("The {shown} newest of {total}.") } else { format!("{total} open.") }}</p>
                    <ul class="mt-2 divide-y divide-slate-200">
                        {invited.into_iter().map(|i| {
                            let who = i.name.clone().unwrap_or_else(|| i.email.clone());
                            let resend_label = format!("Send the invitation to {} again", i.email);
                            let withdraw_label = format!("Withdraw the invitation to {}", i.email);
                            view! {
                                <li class="flex flex-wrap items-center justify-between gap-3 py-3" data-testid="invited-row">
                                    <div>
                                        <p class="font-medium">{who}</p>
                                        <p class="text-sm text-slate-600">{i.email.clone()}</p>
                                        <p class="text-sm text-slate-600">
                                            {format!("Invited {}, not joined", i.invited)}
                                            {i.expired.then_some("; the link has expired")}
                                        </p>
                                    </div>
                                    <div class="flex gap-2">
                                        <ActionForm action=resend>
                                            <input type="hidden" name="invitation_id" value=i.invitation_id />
                                            <button type="submit" class=SECONDARY_BUTTON aria-label=resend_label>"Send again"</button>
                                        </ActionForm>
                                        <ActionForm action=withdraw>
                                            <input type="hidden" name="invitation_id" value=i.invitation_id />
                                            <button type="submit" class=SECONDARY_BUTTON aria-label=withdraw_label>"Withdraw"</button>
                                        </ActionForm>
                                    </div>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}
