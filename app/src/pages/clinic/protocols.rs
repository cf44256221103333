//! The clinic's preventive-care protocols: the list with each one's rule, a page to change one,
//! a form to add one, and the progress of re-applying changes to the clinic's patients.
use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::use_params_map;

use super::ClinicNav;
use crate::api::clinic::protocols::{
    get_clinic_protocols, AddProtocol, SaveProtocol, SetProtocolActive,
};
use crate::components::form::{
    field_errors, form_error, typed_value, Field, FieldErrors, FormAlert, BUTTON_CLASS,
    INPUT_CLASS, SECONDARY_BUTTON,
};
use crate::components::portal::{LandingNotice, CARD};
use crate::components::status::{ErrorPanel, Loaded};
use crate::error::AppError;
use crate::model::clinic::{ClinicProtocol, ClinicProtocols, ResyncProgress, ResyncState};
use crate::model::Sex;
use crate::routes;

const DONE: &[(&str, &str)] = &[
    (
        "saved",
        "The protocol is saved. Patients' due dates follow it.",
    ),
    (
        "added",
        "The protocol is added and applies to the patients it fits.",
    ),
    (
        "deactivated",
        "The protocol is deactivated: it no longer applies to anyone.",
    ),
    ("reactivated", "The protocol is active again."),
];

/// "Every 12 months · due soon 30 days ahead · ages 18 to 75 · female patients".
pub(crate) fn rule_summary(p: &ClinicProtocol) -> String {
    let mut parts = vec![
        match p.interval_months {
            1 => "Every month".to_owned(),
            n => format!("Every {n} months"),
        },
        format!("due soon {} days ahead", p.due_soon_days),
    ];
    match (p.min_age_years, p.max_age_years) {
        (Some(min), Some(max)) => parts.push(format!("ages {min} to {max}")),
        (Some(min), None) => parts.push(format!("ages {min} and over")),
        (None, Some(max)) => parts.push(format!("ages up to {max}")),
        (None, None) => {}
    }
    if let Some(sex) = p.sex {
        parts.push(format!("{} patients", sex.label().to_lowercase()));
    }
    parts.join(" · ")
}

#[component]
pub(crate) fn ProtocolsPage() -> impl IntoView {
    let protocols = Resource::new(|| (), |_| get_clinic_protocols());
    view! {
        <Title text="Protocols · Clinic administration · Salus" />
        <ClinicNav current=routes::clinic::PROTOCOLS />
        <h1 class="text-3xl font-bold">"Preventive-care protocols"</h1>
        <p class="mt-2 text-slate-700">"Which screenings and checks your patients are reminded of, and how often. A change applies to every patient it fits, and moves their due dates."</p>
        <LandingNotice param="done" messages=DONE />
        <Loaded resource=protocols fallback_class="mt-4 text-slate-500" let:list>
            <Resyncs list=list.clone() />
            <ProtocolTable list=list.protocols />
            <AddForm />

        </Loaded>
    }
}

#[component]
fn Resyncs(list: ClinicProtocols) -> impl IntoView {
    if list.resyncs.is_empty() {
        return None;
    }
    // Without a script, the page shows the progress by loading itself again while a job runs.
    let running = list.running();
    Some(view! {
        {running.then(|| view! { <Meta http_equiv="refresh" content="5" /> })}
        <section aria-labelledby="resyncs-heading" class=CARD>
            <h2 id="resyncs-heading" class="text-xl font-semibold">"Applying changes to patients"</h2>
            <ul class="mt-2 grid gap-1 text-sm" data-testid="resyncs">
                {list.resyncs.into_iter().map(|r| view! { <li>{resync_line(&r)}</li> }).collect_view()}
            </ul>
        </section>
    })
}

fn resync_line(r: &ResyncProgress) -> String {
    let state = match r.state {
        ResyncState::Running => format!("applying: {} of {} patients", r.done, r.total),
        ResyncState::Done => format!("applied to {} patients", r.done),
        ResyncState::Failed => format!(
            "stopped after {} of {} patients; save the protocol again to retry",
            r.done, r.total
        ),
        ResyncState::Superseded => "replaced by a later change".to_owned(),
    };
    format!("{} (changed {}): {state}", r.protocol, r.requested)
}

#[component]
fn ProtocolTable(list: Vec<ClinicProtocol>) -> impl IntoView {
    view! {
        <section aria-labelledby="protocols-heading" class=CARD>
            <h2 id="protocols-heading" class="text-xl font-semibold">"Your clinic's protocols"</h2>
            <div class="mt-3 overflow-x-auto" tabindex="0" role="region" aria-labelledby="protocols-heading">
                <table class="w-full text-left text-sm">
                    <thead class="border-b border-slate-200 text-slate-600">
                        <tr>
                            <th scope="col" class="py-2 pr-4">"Protocol"</th>
                            <th scope="col" class="py-2 pr-4">"Rule"</th>
                            <th scope="col" class="py-2 pr-4">"Status"</th>
                            <th scope="col" class="py-2">"Actions"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {list.into_iter().map(|p| view! { <ProtocolRow protocol=p /> }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}

#[component]
fn ProtocolRow(protocol: ClinicProtocol) -> impl IntoView {
    let toggle = ServerAction::<SetProtocolActive>::new();
    let summary = rule_summary(&protocol);
    let edit = routes::clinic::protocol(protocol.id);
    let label = format!("Change {}", protocol.name);
    let toggle_label = if protocol.active {
        format!("Deactivate {}", protocol.name)
    } else {
        format!("Reactivate {}", protocol.name)
    };
    view! {
        <tr class="border-b border-slate-100 align-top">
            <th scope="row" class="py-2 pr-4 font-medium">
                {protocol.name.clone()}
                {protocol.custom.then(|| view! { <span class="ml-2 rounded bg-slate-100 px-1.5 py-0.5 text-xs text-slate-700">"Your own"</span> })}
                <p class="font-normal text-slate-600">{protocol.description.clone()}</p>
            </th>
            <td class="py-2 pr-4">{summary}</td>
            <td class="py-2 pr-4">{if protocol.active { "Active" } else { "Inactive" }}</td>
            <td class="py-2">
                <div class="flex flex-wrap gap-2">
                    <a href=edit class=SECONDARY_BUTTON aria-label=label>"Change"</a>
                    <ActionForm action=toggle>
                        <input type="hidden" name="id" value=protocol.id />
                        <input type="hidden" name="active" value=(!protocol.active).to_string() />
                        <button type="submit" class=SECONDARY_BUTTON aria-label=toggle_label>
                            {if protocol.active { "Deactivate" } else { "Reactivate" }}
                        </button>
                    </ActionForm>
                </div>
            </td>
        </tr>
    }
}

/// The rule fields, shared by the change and add forms; `shown` gives a field's starting value.
pub(crate) fn protocol_fields(
    shown: impl Fn(&'static str, String) -> String,
    start: Option<&ClinicProtocol>,
    errors: impl Fn(&'static str) -> Signal<Vec<String>>,
) -> impl IntoView {
    let number = |n: Option<u32>| n.map(|n| n.to_string()).unwrap_or_default();
    let sex = shown(
        "sex",
        start
            .and_then(|p| p.sex)
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default(),
    );
    let sex_errors = errors("sex");
    view! {
        <div class="md:col-span-2">
            <Field label="Name" name="name" value=shown("name", start.map(|p| p.name.clone()).unwrap_or_default()) errors=errors("name") required=true />
        </div>
        <div class="md:col-span-2">
            <Field label="Description" name="description" value=shown("description", start.map(|p| p.description.clone()).unwrap_or_default()) errors=errors("description") />
        </div>
        <Field label="Every (months)" name="interval_months" kind="number" value=shown("interval_months", number(start.map(|p| p.interval_months))) errors=errors("interval_months") required=true />
        <Field label="\"Due soon\" from (days before it is due)" name="due_soon_days" kind="number" value=shown("due_soon_days", number(start.map(|p| p.due_soon_days))) errors=errors("due_soon_days") required=true />
        <Field label="Youngest age (years)" name="min_age_years" kind="number" hint="Empty for no lower limit." value=shown("min_age_years", number(start.and_then(|p| p.min_age_years))) errors=errors("min_age_years") />
        <Field label="Oldest age (years)" name="max_age_years" kind="number" hint="Empty for no upper limit." value=shown("max_age_years", number(start.and_then(|p| p.max_age_years))) errors=errors("max_age_years") />
        <div>
            <label for="field-sex" class="block text-sm font-medium text-slate-800">"For"</label>
            <select id="field-sex" name="sex" class=INPUT_CLASS aria-describedby="field-sex-error">
                <option value="" selected=sex.is_empty()>"Everyone"</option>
                {[Sex::Female, Sex::Male].into_iter().map(|s| view! {
                    <option value=s.as_str() selected=sex == s.as_str()>{format!("{} patients", s.label())}</option>
                }).collect_view()}
            </select>
            <FieldErrors id="field-sex-error".to_string() errors=sex_errors />
        </div>
    }
}

#[component]
fn AddForm() -> impl IntoView {
    let add = ServerAction::<AddProtocol>::new();
    let value = add.value();
    let shown = |name: &str, start: String| typed_value::<AddProtocol>(name).unwrap_or(start);
    let defaults = ClinicProtocol {
        id: 0,
        name: String::new(),
        description: String::new(),
        min_age_years: None,
        max_age_years: None,
        sex: None,
        interval_months: 12,
        due_soon_days: 30,
        active: true,
        custom: true,
    };
    view! {
        <section aria-labelledby="add-heading" class=CARD>
            <h2 id="add-heading" class="text-xl font-semibold">"Add a protocol of your own"</h2>
            <ActionForm action=add attr:class="mt-4 grid gap-3 md:grid-cols-2" attr:novalidate="true">
                <div class="md:col-span-2"><FormAlert message=form_error(value) /></div>
                {protocol_fields(shown, Some(&defaults), move |field| field_errors(value, field))}
                <div class="md:col-span-2"><button type="submit" class=BUTTON_CLASS>"Add protocol"</button></div>
            </ActionForm>
        </section>
    }
}

/// `/clinic/protocols/:id`: one protocol's form.
#[component]
pub(crate) fn ProtocolPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|id| id.parse::<i64>().ok())
    };
    let protocols = Resource::new(|| (), |_| get_clinic_protocols());
    view! {
        <Title text="Change a protocol · Clinic administration · Salus" />
        <ClinicNav current=routes::clinic::PROTOCOLS />
        <p class="text-sm"><a href=routes::clinic::PROTOCOLS class="text-teal-800 underline">"All protocols"</a></p>
        <Suspense fallback=|| view! { <p class="mt-4 text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let found = protocols
                    .await
                    .and_then(|list| list.protocols.into_iter().find(|p| Some(p.id) == id()).ok_or(AppError::NotFound));
                match found {
                    Ok(protocol) => view! { <ChangeForm protocol /> }.into_any(),
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ChangeForm(protocol: ClinicProtocol) -> impl IntoView {
    let save = ServerAction::<SaveProtocol>::new();
    let value = save.value();
    let shown = |name: &str, start: String| typed_value::<SaveProtocol>(name).unwrap_or(start);
    view! {
        <h1 class="mt-2 text-3xl font-bold">{format!("Change {}", protocol.name)}</h1>
        <p class="mt-2 text-slate-700">"Saving moves the due dates of every patient it applies to: an item last completed on a day is next due one interval later."</p>
        <section aria-label="Protocol" class=CARD>
            <ActionForm action=save attr:class="grid gap-3 md:grid-cols-2" attr:novalidate="true">
                <div class="md:col-span-2"><FormAlert message=form_error(value) /></div>
                <input type="hidden" name="id" value=protocol.id />
                {protocol_fields(shown, Some(&protocol), move |field| field_errors(value, field))}
                <div class="md:col-span-2"><button type="submit" class=BUTTON_CLASS>"Save protocol"</button></div>
            </ActionForm>
        </section>
    }
}
