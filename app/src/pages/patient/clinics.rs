//! The patient's clinics: every clinic that reaches their record, acting in another, leaving one.
use leptos::prelude::*;
use leptos_meta::Title;

use super::PatientNav;
use crate::api::patient::clinics::{get_my_clinics, LeaveClinic, SwitchClinic};
use crate::components::form::{form_error, FormAlert, SECONDARY_BUTTON};
use crate::components::portal::{LandingNotice, CARD};
use crate::components::status::Loaded;
use crate::model::patient::MyClinic;

const DONE: &[(&str, &str)] = &[(
    "left",
    "You left the clinic. It no longer sees your profile, goals, allergies or medications, and sends you no more reminders.",
)];

#[component]
pub(crate) fn MyClinicsPage() -> impl IntoView {
    let clinics = Resource::new(|| (), |_| get_my_clinics());
    view! {
        <Title text="My clinics · Salus" />
        <PatientNav />
        <h1 class="text-3xl font-bold">"My clinics"</h1>
        <p class="mt-1 text-slate-600">"The clinics you joined. Each one sees your record; no other clinic does."</p>
        <LandingNotice param="done" messages=DONE />
        <Loaded resource=clinics fallback_class="mt-4 text-slate-500" let:clinics>
            <ClinicList clinics />
        </Loaded>
    }
}

#[component]
fn ClinicList(clinics: Vec<MyClinic>) -> impl IntoView {
    let switch = ServerAction::<SwitchClinic>::new();
    let leave = ServerAction::<LeaveClinic>::new();
    let can_leave = clinics.len() > 1;
    view! {
        <section aria-labelledby="clinics-heading" class=CARD>
            <h2 id="clinics-heading" class="sr-only">"Your clinics"</h2>
            <FormAlert message=form_error(switch.value()) />
            <FormAlert message=form_error(leave.value()) />
            <ul class="divide-y divide-slate-200">
                {clinics.into_iter().map(|c| {
                    let switch_label = format!("Use Salus with {}", c.name);
                    let leave_label = format!("Leave {}", c.name);
                    view! {
                        <li class="flex flex-wrap items-center justify-between gap-3 py-3" data-testid="my-clinic">
                            <div>
                                <p class="font-medium">{c.name.clone()}</p>
                                <p class="text-sm text-slate-600">{format!("Joined {}", c.joined)}</p>
                                {c.current.then(|| view! { <p class="text-sm font-medium text-teal-800">"You are using Salus with this clinic now."</p> })}
                            </div>
                            <div class="flex gap-2">
                                {(!c.current).then(|| view! {
                                    <ActionForm action=switch>
                                        <input type="hidden" name="clinic_id" value=c.clinic_id />
                                        <button type="submit" class=SECONDARY_BUTTON aria-label=switch_label>"Use with this clinic"</button>
                                    </ActionForm>
                                })}
                                {can_leave.then(|| view! {
                                    <ActionForm action=leave>
                                        <input type="hidden" name="clinic_id" value=c.clinic_id />
                                        <button type="submit" class=SECONDARY_BUTTON aria-label=leave_label>"Leave"</button>
                                    </ActionForm>
                                })}
                            </div>
                        </li>
                    }
                }).collect_view()}
            </ul>
            {(!can_leave).then(|| view! {
                <p class="mt-2 text-sm text-slate-600">"To stop using Salus with your only clinic, ask the clinic to discharge you."</p>
            })}
        </section>
    }
}
