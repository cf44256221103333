//! The patient's data: their record as FHIR R4 to download, the reminders sent to them, and who
//! viewed their record.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::PatientNav;
use crate::api::patient::my_data::{get_my_reminders, get_record_accesses};
use crate::components::form::BUTTON_CLASS;
use crate::components::pager::Pager;
use crate::components::status::ErrorPanel;
use crate::routes;

#[component]
pub(crate) fn MyDataPage() -> impl IntoView {
    let query = use_query_map();
    let accesses = Resource::new(
        move || query.read().get("page").filter(|p| !p.is_empty()),
        get_record_accesses,
    );
    view! {
        <Title text="My data · Salus" />
        <PatientNav />
        <h1 class="text-3xl font-bold">"My data"</h1>
        <section aria-labelledby="download-heading" class="mt-6 rounded-lg border border-slate-200 bg-white p-5 shadow-sm">
            <h2 id="download-heading" class="text-xl font-semibold">"Download my data"</h2>
            <p class="mt-1 text-slate-700">
                "Your whole record (profile, allergies, medications, goals and every value you logged) as a FHIR R4 file that other health apps can read."
            </p>
            <a href="/api/patient/export" download="salus-my-record.fhir.json" rel="external" class=format!("{BUTTON_CLASS} mt-3")>"Download my data"</a>
        </section>
        <RemindersSent />
        <section aria-labelledby="views-heading" class="mt-6 rounded-lg border border-slate-200 bg-white p-5 shadow-sm">
            <h2 id="views-heading" class="text-xl font-semibold">"Who viewed my record"</h2>
            <Transition fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match accesses.await {
                        Ok(page) if page.rows.is_empty() => view! { <p class="mt-2 text-slate-600">"Nobody else has opened your record yet."</p> }.into_any(),
                        Ok(page) => {
                            let (current, pages) = (page.page, page.pages());
                            view! {
                                // Scrolls sideways on a phone: a keyboard can reach and scroll it.
                                <div class="mt-3 overflow-x-auto focus-visible:outline-2 focus-visible:outline-teal-600" tabindex="0" role="region" aria-labelledby="views-heading">
                                    <table class="w-full text-left text-sm">
                                        <thead class="bg-slate-50 text-slate-700">
                                            <tr>
                                                <th scope="col" class="px-3 py-2">"Who"</th>
                                                <th scope="col" class="px-3 py-2">"Clinic"</th>
                                                <th scope="col" class="px-3 py-2">"What"</th>
                                                <th scope="col" class="px-3 py-2">"When"</th>
                                            </tr>
                                        </thead>
                                        <tbody>
                                            {page.rows.into_iter().map(|r| view! {
                                                <tr class="border-t border-slate-200" data-testid="record-access">
                                                    <td class="px-3 py-2">{format!("{} ({})", r.who, r.role)}</td>
                                                    <td class="px-3 py-2">{r.clinic.unwrap_or_default()}</td>
                                                    <td class="px-3 py-2">{r.what}</td>
                                                    <td class="px-3 py-2">{r.when}</td>
                                                </tr>
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                </div>
                                <Pager current pages labels=("Newer", "Older") link=|n| format!("/patient/my-data?page={n}") />
                            }.into_any()
                        }
                        Err(error) => view! { <ErrorPanel error /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// The reminders the patient's clinics sent them: when, how, and whether it went.
#[component]
fn RemindersSent() -> impl IntoView {
    let sent = Resource::new(|| (), |_| get_my_reminders());
    view! {
        <section aria-labelledby="reminders-heading" class="mt-6 rounded-lg border border-slate-200 bg-white p-5 shadow-sm">
            <h2 id="reminders-heading" class="text-xl font-semibold">"Reminders we sent you"</h2>
            <p class="mt-1 text-sm text-slate-600">"The 20 most recent. Choose how you get them on your "<a href=routes::patient::PROFILE class="text-teal-800 underline">"profile"</a>"."</p>
            <Transition fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match sent.await {
                        Ok(rows) if rows.is_empty() => view! { <p class="mt-2 text-slate-600">"No reminders yet."</p> }.into_any(),
                        Ok(rows) => view! {
                            <div class="mt-3 overflow-x-auto focus-visible:outline-2 focus-visible:outline-teal-600" tabindex="0" role="region" aria-labelledby="reminders-heading">
                                <table class="w-full text-left text-sm">
                                    <thead class="bg-slate-50 text-slate-700">
                                        <tr>
                                            <th scope="col" class="px-3 py-2">"When"</th>
                                            <th scope="col" class="px-3 py-2">"Clinic"</th>
                                            <th scope="col" class="px-3 py-2">"How"</th>
                                            <th scope="col" class="px-3 py-2">"Status"</th>
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {rows.into_iter().map(|r| view! {
                                            <tr class="border-t border-slate-200" data-testid="sent-reminder">
                                                <td class="px-3 py-2">{r.when}</td>
                                                <td class="px-3 py-2">{r.clinic}</td>
                                                <td class="px-3 py-2">{r.channel}</td>
                                                <td class="px-3 py-2">{r.status}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        }.into_any(),
                        Err(error) => view! { <ErrorPanel error /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
