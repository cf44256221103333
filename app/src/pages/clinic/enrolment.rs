//! Enrolling patients: add one by hand, invite one by email, or import a CSV file; the outcome
//! of an import is shown where its upload lands (`?import=<id>`).
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::ClinicNav;
use crate::api::clinic::enrolment::{get_patient_import, AddPatient, InvitePatient, IMPORT_UPLOAD};
use crate::components::form::{
    field_errors, form_error, typed_value, Field, FieldErrors, FormAlert, BUTTON_CLASS, INPUT_CLASS,
};
use crate::components::portal::{LandingNotice, CARD};
use crate::components::status::Loaded;
use crate::model::clinic::ImportOutcome;
use crate::model::Sex;
use crate::routes;

const DONE: &[(&str, &str)] = &[
    (
        "added",
        "Invitation sent. They are listed under \"Invited, not joined\" on the roster until they accept it and agree to the privacy policy; then they are your patient, with what you typed as their profile if they had no Salus account.",
    ),
    (
        "invited",
        "Invitation sent. They are listed under \"Invited, not joined\" on the roster until they accept it.",
    ),
];

#[component]
pub(crate) fn EnrolmentPage() -> impl IntoView {
    let import = use_query_map()
        .read_untracked()
        .get("import")
        .and_then(|id| id.parse::<i64>().ok());
    view! {
        <Title text="Enrol patients · Clinic administration · Salus" />
        <ClinicNav current=routes::clinic::PATIENTS />
        <p class="text-sm"><a href=routes::clinic::PATIENTS class="text-teal-800 underline">"All patients"</a></p>
        <h1 class="mt-2 text-3xl font-bold">"Enrol patients"</h1>
        <LandingNotice param="done" messages=DONE />
        {import.map(|id| view! { <ImportResult id /> })}
        <AddForm />
        <InviteForm />
        <ImportForm />
    }
}

#[component]
fn AddForm() -> impl IntoView {
    let add = ServerAction::<AddPatient>::new();
    let value = add.value();
    let typed = |name: &str| typed_value::<AddPatient>(name).unwrap_or_default();
    let sex = typed("sex");
    let sex_errors = field_errors(value, "sex");
    view! {
        <section aria-labelledby="add-heading" class=CARD>
            <h2 id="add-heading" class="text-xl font-semibold">"Add a patient"</h2>
            <p class="mt-1 text-sm text-slate-600">"They get an email with a link to join your clinic: they set a password (or use the Salus account they have) and agree to the privacy policy. Until they do, you see only what you typed here. Their care reminders follow your protocols from the day they join."</p>
            <ActionForm action=add attr:class="mt-4 grid gap-3 md:grid-cols-2" attr:novalidate="true">
                <div class="md:col-span-2"><FormAlert message=form_error(value) /></div>
                <Field label="Name" name="name" autocomplete="off" value=typed("name") errors=field_errors(value, "name") required=true />
                <Field label="Email" name="email" kind="email" autocomplete="off" value=typed("email") errors=field_errors(value, "email") required=true />
                <Field label="Date of birth" name="date_of_birth" kind="date" value=typed("date_of_birth") errors=field_errors(value, "date_of_birth") />
                <div>
                    <label for="field-sex" class="block text-sm font-medium text-slate-800">"Sex"</label>
                    <select id="field-sex" name="sex" class=INPUT_CLASS aria-describedby="field-sex-error">
                        <option value="" selected=sex.is_empty()>"Not recorded"</option>
                        {Sex::ALL.into_iter().map(|s| view! { <option value=s.as_str() selected=sex == s.as_str()>{s.label()}</option> }).collect_view()}
                    </select>
                    <FieldErrors id="field-sex-error".to_string() errors=sex_errors />
                </div>
                <Field label="Phone" name="phone" kind="tel" autocomplete="off" value=typed("phone") errors=field_errors(value, "phone") />
                <div class="md:col-span-2"><button type="submit" class=BUTTON_CLASS>"Add patient"</button></div>
            </ActionForm>
        </section>
    }
}

#[component]
fn InviteForm() -> impl IntoView {
    let invite = ServerAction::<InvitePatient>::new();
    let value = invite.value();
    let typed = typed_value::<InvitePatient>("email").unwrap_or_default();
    view! {
        <section aria-labelledby="invite-heading" class=CARD>
            <h2 id="invite-heading" class="text-xl font-semibold">"Invite a patient by email"</h2>
            <p class="mt-1 text-sm text-slate-600">"They choose a password (or join with the Salus account they have) and fill in their own profile."</p>
            <ActionForm action=invite attr:class="mt-4 flex flex-wrap items-end gap-3" attr:novalidate="true">
                <div class="w-full"><FormAlert message=form_error(value) /></div>
                <div class="min-w-64 flex-1">
                    <label for="invite-email" class="block text-sm font-medium text-slate-800">"Patient's email"</label>
                    <input id="invite-email" name="email" type="email" autocomplete="off" required class=INPUT_CLASS aria-describedby="invite-email-error" value=typed />
                    <FieldErrors id="invite-email-error".to_string() errors=field_errors(value, "email") />
                </div>
                <button type="submit" class=BUTTON_CLASS>"Send invitation"</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn ImportForm() -> impl IntoView {
    view! {
        <section aria-labelledby="import-heading" class=CARD>
            <h2 id="import-heading" class="text-xl font-semibold">"Import a CSV file"</h2>
            <p class="mt-1 text-sm text-slate-600">
                "The first row names the columns: " <code class="font-mono">"name,email,date_of_birth,sex,phone"</code>
                ". Only name and email are needed; dates are written like 1980-03-14. Every row is checked first: a file with any problem imports no one, and the problems are listed by row. Patients already enrolled are skipped, so importing a file again adds no one twice."
            </p>
            <form method="post" action=IMPORT_UPLOAD enctype="multipart/form-data" class="mt-4 flex flex-wrap items-end gap-3">
                <div>
                    <label for="import-file" class="block text-sm font-medium text-slate-800">"CSV file"</label>
                    <input id="import-file" name="file" type="file" accept=".csv,text/csv" required class="mt-1 block text-sm" />
                </div>
                <button type="submit" class=BUTTON_CLASS>"Import patients"</button>
            </form>
        </section>
    }
}

#[component]
fn ImportResult(id: i64) -> impl IntoView {
    let outcome = Resource::new(move || id, get_patient_import);
    view! {
        <Loaded resource=outcome fallback_class="mt-4 text-slate-500" let:outcome>
            <ImportSummary outcome />
        </Loaded>
    }
}

/// "1 patient", "3 patients".
fn count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[component]
fn ImportSummary(outcome: ImportOutcome) -> impl IntoView {
    let ok = outcome.problems.is_empty();
    let heading = if ok {
        format!(
            "Imported {} on {}",
            count(outcome.rows, "row", "rows"),
            outcome.when
        )
    } else {
        format!(
            "Nothing was imported: {} to fix",
            count(outcome.problems.len() as u64, "problem", "problems")
        )
    };
    view! {
        <section id="import" aria-labelledby="outcome-heading" data-testid="import-outcome"
            class=if ok { "mt-6 rounded-lg border border-teal-200 bg-teal-50 p-5" } else { "mt-6 rounded-lg border border-red-200 bg-red-50 p-5" }>
            <h2 id="outcome-heading" class="text-xl font-semibold" role=if ok { "status" } else { "alert" }>{heading}</h2>
            {if ok {
                view! {
                    <ul class="mt-2 text-sm">
                        <li>{format!("{} invited, each emailed a link to join your clinic", count(outcome.invited, "patient", "patients"))}</li>
                        <li>{format!("{} already enrolled, left as they were", count(outcome.already_enrolled, "patient", "patients"))}</li>
                        <li>{format!("{} invited already, not sent again (send again from the roster)", count(outcome.already_invited, "patient", "patients"))}</li>
                        {(outcome.added > 0).then(|| view! { <li>{format!("{} enrolled at once (imported before everyone was invited)", count(outcome.added, "patient", "patients"))}</li> })}
                    </ul>
                    {outcome.imported_before.then(|| view! { <p class="mt-2 text-sm">"This file was imported before."</p> })}
                }.into_any()
            } else {
                view! {
                    <p class="mt-1 text-sm">"Fix these rows in the file and import it again."</p>
                    <div class="mt-3 overflow-x-auto" tabindex="0" role="region" aria-labelledby="outcome-heading">
                        <table class="w-full text-left text-sm">
                            <thead><tr>
                                <th scope="col" class="py-1 pr-4">"Row"</th>
                                <th scope="col" class="py-1 pr-4">"Column"</th>
                                <th scope="col" class="py-1">"Problem"</th>
                            </tr></thead>
                            <tbody>
                                {outcome.problems.into_iter().map(|p| view! {
                                    <tr data-testid="import-problem" class="border-t border-red-200">
                                        <td class="py-1 pr-4">{p.row}</td>
                                        <td class="py-1 pr-4 font-mono">{p.field}</td>
                                        <td class="py-1">{p.message}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
}
