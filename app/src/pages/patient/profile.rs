//! The patient's profile page: details, reminder preferences, allergies and medications.
use leptos::prelude::*;
use leptos_meta::Title;

use super::PatientNav;
use crate::api::patient::profile::{
    get_profile, AddAllergy, AddMedication, RemoveAllergy, RemoveMedication, UpdateProfile,
};
use crate::components::form::{
    field_errors, form_error, typed_value, Field, FieldErrors, FormAlert, BUTTON_CLASS, INPUT_CLASS,
};
use crate::components::live::reload_after_success;
use crate::components::status::Loaded;
use crate::model::patient::{Profile, LANGUAGES, SEVERITIES};
use crate::model::{Allergy, Medication, Sex};

const CARD: &str = "mt-6 rounded-lg border border-slate-200 bg-white p-5 shadow-sm";

#[component]
pub(crate) fn ProfilePage() -> impl IntoView {
    let profile = Resource::new(|| (), |_| get_profile());
    // `AFTER_PROFILE_SAVE`: where the details form lands when posted without JavaScript.
    let saved = leptos_router::hooks::use_query_map()
        .read_untracked()
        .get("saved")
        .is_some();
    view! {
        <Title text="My profile · Salus" />
        <PatientNav />
        <h1 class="text-3xl font-bold">"My profile"</h1>
        <Loaded resource=profile let:profile>
            <section aria-labelledby="details-heading" class=CARD>
                <h2 id="details-heading" class="text-xl font-semibold">"About me"</h2>
                <p class="mt-1 text-sm text-slate-600">{format!("Signed in as {}", profile.email)}</p>
                <DetailsForm profile=profile.clone() saved />
            </section>
            <Allergies allergies=profile.allergies />
            <Medications medications=profile.medications />

        </Loaded>
    }
}

/// The details form keeps what was saved on screen; nothing else on the page shows it.
/// `saved`: the page is where a save without JavaScript landed.
#[island]
fn DetailsForm(profile: Profile, saved: bool) -> impl IntoView {
    let update = ServerAction::<UpdateProfile>::new();
    let value = update.value();
    let saved = move || {
        let failed = matches!(value.get(), Some(Err(_)));
        let just_saved = matches!(value.get(), Some(Ok(())));
        (just_saved || (saved && !failed)).then_some("Your profile is saved.")
    };
    // After a refusal without JavaScript, what was typed, not what is stored.
    let shown = |name: &str, stored: String| typed_value::<UpdateProfile>(name).unwrap_or(stored);
    let sex_errors = field_errors(value, "sex");
    let language_errors = field_errors(value, "preferred_language");
    let sms_errors = field_errors(value, "sms_reminders");
    view! {
        <ActionForm action=update attr:class="mt-4 grid gap-4 md:grid-cols-2" attr:novalidate="true">
            <div class="md:col-span-2"><FormAlert message=form_error(value) /></div>
            <Field label="Full name" name="name" autocomplete="name" value=shown("name", profile.name.clone()) errors=field_errors(value, "name") required=true />
            <Field label="Date of birth" name="date_of_birth" kind="date" autocomplete="bday"
                value=shown("date_of_birth", profile.date_of_birth.map(|d| d.to_string()).unwrap_or_default()) errors=field_errors(value, "date_of_birth") />
            <div>
                <label for="field-sex" class="block text-sm font-medium text-slate-800">"Sex"</label>
                <p class="text-sm text-slate-500">"Used only to offer the screenings that apply to you."</p>
                <select id="field-sex" name="sex" class=INPUT_CLASS aria-describedby="field-sex-error">
                    <option value="" selected=profile.sex.is_none()>"Prefer not to say"</option>
                    {Sex::ALL.into_iter().map(|s| view! { <option value=s.as_str() selected=profile.sex == Some(s)>{s.label()}</option> }).collect_view()}
                </select>
                <FieldErrors id="field-sex-error".to_string() errors=sex_errors />
            </div>
            <Field label="Mobile number, with country code" name="phone" kind="tel" autocomplete="tel" value=shown("phone", profile.phone.clone().unwrap_or_default()) errors=field_errors(value, "phone") />
            <Field label="Time zone" name="time_zone" hint="For example Europe/London or America/New_York." value=shown("time_zone", profile.time_zone.clone()) errors=field_errors(value, "time_zone") required=true />
            <div>
                <label for="field-preferred_language" class="block text-sm font-medium text-slate-800">"Preferred language"</label>
                <select id="field-preferred_language" name="preferred_language" class=INPUT_CLASS aria-describedby="field-preferred_language-error">
                    {LANGUAGES.into_iter().map(|(code, name)| view! { <option value=code selected=profile.preferred_language == code>{name}</option> }).collect_view()}
                </select>
                <FieldErrors id="field-preferred_language-error".to_string() errors=language_errors />
            </div>
            <fieldset class="md:col-span-2">
                <legend class="text-sm font-medium text-slate-800">"Reminders"</legend>
                <div class="mt-2 flex flex-wrap gap-6">
                    <div class="flex items-center gap-2">
                        <input id="field-email_reminders" name="email_reminders" type="checkbox" value="on" checked=profile.email_reminders class="h-4 w-4" />
                        <label for="field-email_reminders">"Email me reminders"</label>
                    </div>
                    <div class="flex items-center gap-2">
                        <input id="field-sms_reminders" name="sms_reminders" type="checkbox" value="on" checked=profile.sms_reminders class="h-4 w-4" aria-describedby="field-sms_reminders-error" />
                        <label for="field-sms_reminders">"Text me reminders"</label>
                    </div>
                </div>
                <FieldErrors id="field-sms_reminders-error".to_string() errors=sms_errors />
            </fieldset>
            <Field label="Quiet hours start" name="quiet_hours_start" kind="time" value=shown("quiet_hours_start", profile.quiet_hours_start.clone()) errors=field_errors(value, "quiet_hours_start") />
            <Field label="Quiet hours end" name="quiet_hours_end" kind="time" value=shown("quiet_hours_end", profile.quiet_hours_end.clone()) errors=field_errors(value, "quiet_hours_end") />
            <div class="flex items-center gap-2 md:pt-6">
                <input id="field-goal_nudges" name="goal_nudges" type="checkbox" value="on" checked=profile.goal_nudges class="h-4 w-4" />
                <label for="field-goal_nudges">"Nudge me on days I have logged no goals"</label>
            </div>
            <Field label="Nudge me at" name="goal_nudge_at" kind="time" hint="If nothing is logged by then, in your time zone." value=shown("goal_nudge_at", profile.goal_nudge_at.clone()) errors=field_errors(value, "goal_nudge_at") />
            <div class="md:col-span-2 flex items-center gap-3">
                <button type="submit" class=BUTTON_CLASS>"Save profile"</button>
                <p role="status" class="text-sm text-emerald-800">{saved}</p>
            </div>
        </ActionForm>
    }
}

#[component]
fn Allergies(allergies: Vec<Allergy>) -> impl IntoView {
    view! {
        <section aria-labelledby="allergies-heading" class=CARD>
            <h2 id="allergies-heading" class="text-xl font-semibold">"Allergies"</h2>
            <ul class="mt-3 divide-y divide-slate-200">
                {allergies.into_iter().map(|a| view! {
                    <li class="flex items-center justify-between gap-3 py-2" data-testid="allergy">
                        <span>{format!("{}: {} ({})", a.substance, a.reaction, a.severity)}</span>
                        <RemoveAllergyButton id=a.id substance=a.substance />
                    </li>
                }).collect_view()}
            </ul>
            <AddAllergyForm />
        </section>
    }
}

#[island]
fn RemoveAllergyButton(id: i64, substance: String) -> impl IntoView {
    let remove = ServerAction::<RemoveAllergy>::new();
    reload_after_success(move || matches!(remove.value().get(), Some(Ok(()))));
    view! {
        <ActionForm action=remove>
            <input type="hidden" name="id" value=id />
            <button type="submit" class="text-sm text-red-800 underline">{format!("Remove {substance}")}</button>
        </ActionForm>
    }
}

#[island]
fn AddAllergyForm() -> impl IntoView {
    let add = ServerAction::<AddAllergy>::new();
    reload_after_success(move || matches!(add.value().get(), Some(Ok(()))));
    let value = add.value();
    let severity_errors = field_errors(value, "severity");
    view! {
        <ActionForm action=add attr:class="mt-4 grid gap-3 md:grid-cols-4 md:items-start" attr:novalidate="true">
            <div class="md:col-span-4"><FormAlert message=form_error(value) /></div>
            <Field label="Substance" name="substance" errors=field_errors(value, "substance") />
            <Field label="Reaction" name="reaction" errors=field_errors(value, "reaction") />
            <div>
                <label for="field-severity" class="block text-sm font-medium text-slate-800">"Severity"</label>
                <select id="field-severity" name="severity" class=INPUT_CLASS aria-describedby="field-severity-error">
                    {SEVERITIES.into_iter().map(|s| view! { <option value=s>{s}</option> }).collect_view()}
                </select>
                <FieldErrors id="field-severity-error".to_string() errors=severity_errors />
            </div>
            <div class="md:pt-6"><button type="submit" class=BUTTON_CLASS>"Add allergy"</button></div>
        </ActionForm>
    }
}

#[component]
fn Medications(medications: Vec<Medication>) -> impl IntoView {
    view! {
        <section aria-labelledby="medications-heading" class=CARD>
            <h2 id="medications-heading" class="text-xl font-semibold">"Current medications"</h2>
            <ul class="mt-3 divide-y divide-slate-200">
                {medications.into_iter().map(|m| view! {
                    <li class="flex items-center justify-between gap-3 py-2" data-testid="medication">
                        <span>{format!("{} {}, {}", m.name, m.dose, m.frequency)}</span>
                        <RemoveMedicationButton id=m.id name=m.name />
                    </li>
                }).collect_view()}
            </ul>
            <AddMedicationForm />
        </section>
    }
}

#[island]
fn RemoveMedicationButton(id: i64, name: String) -> impl IntoView {
    let remove = ServerAction::<RemoveMedication>::new();
    reload_after_success(move || matches!(remove.value().get(), Some(Ok(()))));
    view! {
        <ActionForm action=remove>
            <input type="hidden" name="id" value=id />
            <button type="submit" class="text-sm text-red-800 underline">{format!("Remove {name}")}</button>
        </ActionForm>
    }
}

#[island]
fn AddMedicationForm() -> impl IntoView {
    let add = ServerAction::<AddMedication>::new();
    reload_after_success(move || matches!(add.value().get(), Some(Ok(()))));
    let value = add.value();
    view! {
        <ActionForm action=add attr:class="mt-4 grid gap-3 md:grid-cols-4 md:items-start" attr:novalidate="true">
            <div class="md:col-span-4"><FormAlert message=form_error(value) /></div>
            <Field label="Medication" name="medication" errors=field_errors(value, "medication") />
            <Field label="Dose" name="dose" hint="For example 10 mg." errors=field_errors(value, "dose") />
            <Field label="How often" name="frequency" hint="For example once a day." errors=field_errors(value, "frequency") />
            <div class="md:pt-6"><button type="submit" class=BUTTON_CLASS>"Add medication"</button></div>
        </ActionForm>
    }
}
