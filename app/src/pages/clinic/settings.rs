//! The clinic's settings: details shown to patients, working hours, reminder settings.
use leptos::prelude::*;
use leptos_meta::Title;

use super::ClinicNav;
use crate::api::clinic::settings::{
    get_clinic_settings, RegenerateRegistrationCode, SaveClinicDetails, SaveReminderSettings,
    SaveWorkingHours,
};
use crate::components::form::{
    field_errors, form_error, Field, FieldErrors, FormAlert, BUTTON_CLASS, SECONDARY_BUTTON,
};
use crate::components::portal::{LandingNotice, CARD};
use crate::components::status::Loaded;
use crate::model::clinic::{ClinicSettings, WEEKDAYS};
use crate::routes;

const DONE: &[(&str, &str)] = &[
    ("details", "The clinic's details are saved."),
    ("hours", "Working hours are saved."),
    ("reminders", "Reminder settings are saved."),
    (
        "code",
        "The clinic has a new registration code; the old one no longer works.",
    ),
];

#[component]
pub(crate) fn SettingsPage() -> impl IntoView {
    let settings = Resource::new(|| (), |_| get_clinic_settings());
    view! {
        <Title text="Settings · Clinic administration · Salus" />
        <ClinicNav current=routes::clinic::SETTINGS />
        <h1 class="text-3xl font-bold">"Settings"</h1>
        <LandingNotice param="done" messages=DONE />
        <Loaded resource=settings fallback_class="mt-4 text-slate-500" let:settings>
            <DetailsForm settings=settings.clone() />
            <HoursForm settings=settings.clone() />
            <RemindersForm settings />

        </Loaded>
    }
}

#[component]
fn DetailsForm(settings: ClinicSettings) -> impl IntoView {
    let save = ServerAction::<SaveClinicDetails>::new();
    let value = save.value();
    let new_code = ServerAction::<RegenerateRegistrationCode>::new();
    view! {
        <section aria-labelledby="details-heading" class=CARD>
            <h2 id="details-heading" class="text-xl font-semibold">"Clinic details"</h2>
            <ActionForm action=new_code attr:class="mt-2 flex flex-wrap items-center gap-3">
                <FormAlert message=form_error(new_code.value()) />
                <p class="text-sm text-slate-700" data-testid="registration-code">
                    "Patients register with the code " <strong class="font-mono">{settings.code.clone()}</strong> "."
                </p>
                <button type="submit" class=SECONDARY_BUTTON>"Make a new code"</button>
                <span class="text-sm text-slate-600">"The current code then stops working."</span>
            </ActionForm>
            <ActionForm action=save attr:class="mt-4 grid gap-3 md:grid-cols-2" attr:novalidate="true">
                <div class="md:col-span-2"><FormAlert message=form_error(value) /></div>
                <Field label="Name" name="name" value=settings.name errors=field_errors(value, "name") required=true />
                <Field label="Time zone" name="time_zone" hint="For example Europe/London or America/New_York." value=settings.time_zone errors=field_errors(value, "time_zone") required=true />
                <Field label="Contact email" name="contact_email" kind="email" value=settings.contact_email.unwrap_or_default() errors=field_errors(value, "contact_email") />
                <Field label="Contact phone" name="contact_phone" kind="tel" value=settings.contact_phone.unwrap_or_default() errors=field_errors(value, "contact_phone") />
                <div class="md:col-span-2">
                    <Field label="Address" name="address" value=settings.address.unwrap_or_default() errors=field_errors(value, "address") />
                </div>
                <div><button type="submit" class=BUTTON_CLASS>"Save details"</button></div>
            </ActionForm>
        </section>
    }
}

#[component]
fn HoursForm(settings: ClinicSettings) -> impl IntoView {
    let save = ServerAction::<SaveWorkingHours>::new();
    let value = save.value();
    view! {
        <section aria-labelledby="hours-heading" class=CARD>
            <h2 id="hours-heading" class="text-xl font-semibold">"Working hours"</h2>
            <p class="mt-1 text-sm text-slate-600">"In the clinic's time zone. Leave both times empty for a day the clinic is closed."</p>
            <ActionForm action=save attr:class="mt-4" attr:novalidate="true">
                <FormAlert message=form_error(value) />
                <div class="grid gap-3">
                    {settings.hours.into_iter().map(|day| {
                        let name = WEEKDAYS[usize::from(day.weekday) - 1];
                        let key = name.to_lowercase();
                        let (opens_id, closes_id, error_id) = (format!("{key}-opens"), format!("{key}-closes"), format!("{key}-error"));
                        let errors = field_errors(value, match day.weekday {
                            1 => "monday", 2 => "tuesday", 3 => "wednesday", 4 => "thursday",
                            5 => "friday", 6 => "saturday", _ => "sunday",
                        });
                        view! {
                            <fieldset class="grid grid-cols-2 items-end gap-3 sm:grid-cols-3">
                                <legend class="font-medium">{name}</legend>
                                <div>
                                    <label for=opens_id.clone() class="block text-sm">"Opens"</label>
                                    <input id=opens_id name=format!("{key}_opens") type="time" value=day.opens.unwrap_or_default() class="mt-1 rounded-md border border-slate-300 px-2 py-1" />
                                </div>
                                <div>
                                    <label for=closes_id.clone() class="block text-sm">"Closes"</label>
                                    <input id=closes_id name=format!("{key}_closes") type="time" value=day.closes.unwrap_or_default() class="mt-1 rounded-md border border-slate-300 px-2 py-1" />
                                </div>
                                <FieldErrors id=error_id errors />
                            </fieldset>
                        }
                    }).collect_view()}
                </div>
                <div class="mt-4"><button type="submit" class=BUTTON_CLASS>"Save working hours"</button></div>
            </ActionForm>
        </section>
    }
}

#[component]
fn RemindersForm(settings: ClinicSettings) -> impl IntoView {
    let save = ServerAction::<SaveReminderSettings>::new();
    let value = save.value();
    let r = settings.reminders;
    view! {
        <section aria-labelledby="reminders-heading" class=CARD>
            <h2 id="reminders-heading" class="text-xl font-semibold">"Reminders"</h2>
            <p class="mt-1 text-sm text-slate-600">"How preventive-care reminders and goal nudges reach patients. Each patient's own channels and consent still decide what they receive."</p>
            <ActionForm action=save attr:class="mt-4 grid gap-3 md:grid-cols-2" attr:novalidate="true">
                <div class="md:col-span-2"><FormAlert message=form_error(value) /></div>
                <div class="flex items-center gap-2">
                    <input id="field-email_enabled" name="email_enabled" type="checkbox" value="on" checked=r.email_enabled class="h-4 w-4" />
                    <label for="field-email_enabled">"Send reminders by email"</label>
                </div>
                <div class="flex items-center gap-2">
                    <input id="field-sms_enabled" name="sms_enabled" type="checkbox" value="on" checked=r.sms_enabled class="h-4 w-4" />
                    <label for="field-sms_enabled">"Send reminders by text message (SMS)"</label>
                </div>
                <Field label="Quiet hours start" name="quiet_hours_start" kind="time" hint="In each patient's own time zone." value=r.quiet_hours_start errors=field_errors(value, "quiet_hours_start") required=true />
                <Field label="Quiet hours end" name="quiet_hours_end" kind="time" value=r.quiet_hours_end errors=field_errors(value, "quiet_hours_end") required=true />
                <Field label="Sender name" name="sender_name" value=r.sender_name errors=field_errors(value, "sender_name") required=true />
                <Field label="Days ahead for \"due soon\" reminders" name="due_soon_days" kind="number" value=r.due_soon_days.to_string() errors=field_errors(value, "due_soon_days") required=true />
                <Field label="Text messages per day, at most" name="sms_daily_cap" kind="number" value=r.sms_daily_cap.to_string() errors=field_errors(value, "sms_daily_cap") required=true />
                <div class="md:col-span-2"><button type="submit" class=BUTTON_CLASS>"Save reminder settings"</button></div>
            </ActionForm>
        </section>
    }
}
