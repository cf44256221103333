//! What the clinic's and the platform's audit logs show alike: the last verification in words,
//! and the table of events.
use leptos::prelude::*;

use crate::model::clinic::{AuditRow, ChainStatus};

/// What the last verification of `what` (a clinic's chain, or the whole log) found, in words,
/// and the classes to show it with (red when it did not verify).
pub(crate) fn chain_summary(chain: &Option<ChainStatus>, what: &str) -> (String, &'static str) {
    let summary = match chain {
        None => format!("{what} has not been verified yet."),
        Some(c) if c.intact => format!(
            "{what} verified on {}: {} events, none altered, missing or cut off.",
            c.verified_at, c.checked
        ),
        Some(c) => format!(
            "{what} did not verify on {}: at event {}, {} ({} events before it verified).",
            c.verified_at,
            c.first_broken
                .map_or_else(|| "?".to_owned(), |id| id.to_string()),
            c.problem.clone().unwrap_or_default(),
            c.checked
        ),
    };
    let tone = match chain {
        Some(c) if !c.intact => "mt-2 rounded-md bg-red-50 px-3 py-2 text-sm text-red-900",
        _ => "mt-2 text-sm text-slate-700",
    };
    (summary, tone)
}

/// The events, newest first; with each one's clinic when `clinics` (the platform's log, where
/// `None` is the platform's own chain).
#[component]
pub(crate) fn AuditTable(
    rows: Vec<(Option<String>, AuditRow)>,
    #[prop(default = false)] clinics: bool,
) -> impl IntoView {
    view! {
        <div class="mt-2 overflow-x-auto rounded-lg border border-slate-200 bg-white shadow-sm" tabindex="0" role="region" aria-label="Audit events">
            <table class="w-full text-left text-sm">
                <caption class="sr-only">"Audit events, newest first"</caption>
                <thead class="bg-slate-50 text-slate-700">
                    <tr>
                        <th scope="col" class="px-3 py-2">"When"</th>
                        {clinics.then(|| view! { <th scope="col" class="px-3 py-2">"Clinic"</th> })}
                        <th scope="col" class="px-3 py-2">"Who"</th>
                        <th scope="col" class="px-3 py-2">"Action"</th>
                        <th scope="col" class="px-3 py-2">"Patient"</th>
                        <th scope="col" class="px-3 py-2">"Detail"</th>
                        <th scope="col" class="px-3 py-2">"Address"</th>
                    </tr>
                </thead>
                <tbody>
                    {rows.into_iter().map(|(clinic, row)| view! {
                        <tr class="border-t border-slate-200 align-top" data-testid="audit-row">
                            <td class="whitespace-nowrap px-3 py-2">{row.when}</td>
                            {clinics.then(|| view! { <td class="px-3 py-2">{clinic.unwrap_or_else(|| "Platform".to_owned())}</td> })}
                            <td class="px-3 py-2">{row.actor}</td>
                            <td class="px-3 py-2 font-mono text-xs">{row.action}</td>
                            <td class="px-3 py-2">{row.patient.unwrap_or_default()}</td>
                            <td class="px-3 py-2 font-mono text-xs">{row.detail.unwrap_or_default()}</td>
                            <td class="px-3 py-2">{row.address.unwrap_or_default()}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}
