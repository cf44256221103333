//! The clinic-admin portal, one module per feature. Every page is rendered on the server with
//! plain forms (no island), so it works before, and without, the WASM.
pub mod audit_log;
pub mod enrolment;
pub mod home;
pub mod invitation;
pub mod protocols;
pub mod roster;
pub mod settings;
pub mod staff;

use leptos::prelude::*;
use leptos_router::components::A;

/// The portal's sections; `current` is the one shown.
#[component]
pub fn ClinicNav(current: &'static str) -> impl IntoView {
    const SECTIONS: [(&str, &str); 6] = [
        ("/clinic", "Overview"),
        ("/clinic/staff", "Staff"),
        ("/clinic/patients", "Patients"),
        ("/clinic/protocols", "Protocols"),
        ("/clinic/audit", "Audit log"),
        ("/clinic/settings", "Settings"),
    ];
    view! {
        <nav aria-label="Clinic administration" class="mb-6 flex flex-wrap gap-2 border-b border-slate-200 pb-3 text-sm">
            {SECTIONS.into_iter().map(|(href, label)| {
                let here = href == current;
                view! {
                    <A href=href
                        attr:aria-current=here.then_some("page")
                        attr:class=if here { "rounded-md bg-teal-700 px-3 py-1.5 font-medium text-white" } else { "rounded-md px-3 py-1.5 font-medium text-teal-800 hover:bg-teal-50" }>
                        {label}
                    </A>
                }
            }).collect_view()}
        </nav>
    }
}
