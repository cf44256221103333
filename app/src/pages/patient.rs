//! The patient portal, one module per page, and the links between them.
use leptos::prelude::*;
use leptos_router::components::A;

pub mod clinics;
pub mod dashboard;
pub mod goals;
pub mod my_data;
pub mod profile;

/// Links between the patient's pages.
#[component]
pub fn PatientNav() -> impl IntoView {
    let link = "rounded-md px-3 py-2 text-sm font-medium text-teal-800 hover:bg-teal-50";
    view! {
        <nav aria-label="My pages" class="mb-4 flex flex-wrap gap-1">
            <A href="/patient" attr:class=link>"Dashboard"</A>
            <A href="/patient/goals" attr:class=link>"Goal history"</A>
            <A href="/patient/profile" attr:class=link>"Profile"</A>
            <A href="/patient/my-data" attr:class=link>"My data"</A>
            <A href="/patient/clinics" attr:class=link>"My clinics"</A>
        </nav>
    }
}
