//! The clinic's reminders: every delivery with its status, filtered by status and channel, the
//! reason of each failure, and a retry for those that failed for good.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::ClinicNav;
use crate::api::clinic::reminders::{get_clinic_reminders, RetryReminder};
use crate::components::form::{form_error, FormAlert, BUTTON_CLASS, INPUT_CLASS, SECONDARY_BUTTON};
use crate::components::pager::{with_query, Pager};
use crate::components::portal::LandingNotice;
use crate::components::status::Loaded;
use crate::model::clinic::{DeliveryQuery, ReminderDeliveries};
use crate::model::reminders::{Channel, DeliveryStatus, StatusFilter};
use crate::routes;

const DONE: &[(&str, &str)] = &[(
    "retried",
    "The reminder will be sent again shortly, if the patient still takes reminders.",
)];
const FILTERS: [&str; 2] = ["status", "channel"];

#[component]
pub(crate) fn RemindersPage() -> impl IntoView {
    let query = use_query_map();
    let param = move |name: &str| query.read().get(name).filter(|v| !v.is_empty());
    let list = Resource::new(
        move || DeliveryQuery {
            status: param("status"),
            channel: param("channel"),
            page: param("page"),
        },
        get_clinic_reminders,
    );
    view! {
        <Title text="Reminders · Clinic administration · Salus" />
        <ClinicNav current=routes::clinic::REMINDERS />
        <h1 class="text-3xl font-bold">"Reminders"</h1>
        <p class="mt-2 text-slate-700">"What the reminder worker sent your patients, what it is still to send, and what failed and why."</p>
        <LandingNotice param="done" messages=DONE />
        <Loaded resource=list fallback_class="mt-4 text-slate-500" let:list>
            <Deliveries list param=Callback::new(move |name: String| param(&name)) />
        </Loaded>
    }
}

#[component]
fn Deliveries(list: ReminderDeliveries, param: Callback<String, Option<String>>) -> impl IntoView {
    let retry = ServerAction::<RetryReminder>::new();
    let get = move |name: &str| param.run(name.to_owned());
    let link_to = move |n: u64| {
        let mut pairs = vec![("page", Some(n.to_string()))];
        pairs.extend(FILTERS.map(|key| (key, get(key))));
        with_query(routes::clinic::REMINDERS, &pairs)
    };
    let (current, pages, total) = (list.page, list.pages(), list.total);
    let status = get("status").unwrap_or_default();
    let channel = get("channel").unwrap_or_default();
    view! {
        <form method="get" action=routes::clinic::REMINDERS class="mt-4 grid gap-3 rounded-lg border border-slate-200 bg-white p-4 shadow-sm md:grid-cols-3 md:items-end">
            <div>
                <label for="status" class="block text-sm font-medium">"Status"</label>
                <select id="status" name="status" class=INPUT_CLASS>
                    <option value="">"All statuses"</option>
                    {StatusFilter::ALL.map(|s| {
                        view! { <option value=s.as_str() selected=status == s.as_str()>{s.label()}</option> }
                    }).collect_view()}
                </select>
            </div>
            <div>
                <label for="channel" class="block text-sm font-medium">"Channel"</label>
                <select id="channel" name="channel" class=INPUT_CLASS>
                    <option value="">"All channels"</option>
                    {Channel::ALL.map(|c| {
                        view! { <option value=c.as_str() selected=channel == c.as_str()>{c.label()}</option> }
                    }).collect_view()}
                </select>
            </div>
            <div><button type="submit" class=BUTTON_CLASS>"Show"</button></div>
        </form>
        <FormAlert message=form_error(retry.value()) />
        <p class="mt-4 text-sm text-slate-700">{format!("{total} reminder{}", if total == 1 { "" } else { "s" })}</p>
        <div class="mt-2 overflow-x-auto" tabindex="0" role="region" aria-label="Reminders">
            <table class="w-full text-left text-sm">
                <thead class="bg-slate-50 text-slate-700">
                    <tr>
                        <th scope="col" class="px-3 py-2">"Patient"</th>
                        <th scope="col" class="px-3 py-2">"Reminder"</th>
                        <th scope="col" class="px-3 py-2">"Channel"</th>
                        <th scope="col" class="px-3 py-2">"Status"</th>
                        <th scope="col" class="px-3 py-2">"Planned"</th>
                        <th scope="col" class="px-3 py-2">"Sent or next try"</th>
                    </tr>
                </thead>
                <tbody>
                    {list.rows.into_iter().map(|r| {
                        let label = StatusFilter::of(r.status, r.attempts).label();
                        let retry_label = format!("Retry the reminder to {}", r.patient);
                        let dead = r.status == DeliveryStatus::Dead;
                        view! {
                            <tr class="border-t border-slate-200 align-top" data-testid="reminder-row">
                                <td class="px-3 py-2">{r.patient.clone()}</td>
                                <td class="px-3 py-2">{r.kind.label()}</td>
                                <td class="px-3 py-2">{r.channel.label()}</td>
                                <td class="px-3 py-2">
                                    <p>{label}{(r.attempts > 1).then(|| format!(" after {} attempts", r.attempts))}</p>
                                    {r.delivered.clone().map(|at| view! { <p class="text-slate-600">{format!("Delivered to the phone {at}")}</p> })}
                                    {r.reason.clone().map(|why| view! { <p class="text-slate-600">{why}</p> })}
                                    {dead.then(|| view! {
                                        <ActionForm action=retry attr:class="mt-1">
                                            <input type="hidden" name="reminder_id" value=r.id />
                                            <button type="submit" class=SECONDARY_BUTTON aria-label=retry_label>"Retry"</button>
                                        </ActionForm>
                                    })}
                                </td>
                                <td class="px-3 py-2">{r.planned.clone()}</td>
                                <td class="px-3 py-2">{r.when.clone().unwrap_or_default()}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        <Pager current pages link=link_to />
    }
}
