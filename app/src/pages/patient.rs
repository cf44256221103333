//! The patient portal, one module per page, and the links between them.
use crate::routes;
use leptos::prelude::*;
use leptos_router::components::A;

pub mod clinics;
pub mod dashboard;
pub mod goals;
pub mod my_data;
pub mod profile;

/// Links between the patient's pages.
#[component]
pub(crate) fn PatientNav() -> impl IntoView {
    let link = "rounded-md px-3 py-2 text-sm font-medium text-teal-800 hover:bg-teal-50";
    view! {
        <nav aria-label="My pages" class="mb-4 flex flex-wrap gap-1">
            <A href=routes::patient::HOME attr:class=link>"Dashboard"</A>
            <A href=routes::patient::GOALS attr:class=link>"Goal history"</A>
            <A href=routes::patient::PROFILE attr:class=link>"Profile"</A>
            <A href=routes::patient::MY_DATA attr:class=link>"My data"</A>
            <A href=routes::patient::CLINICS attr:class=link>"My clinics"</A>
        </nav>
    }
}
