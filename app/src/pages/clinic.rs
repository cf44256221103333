//! The clinic-admin portal, one module per feature. Every page is rendered on the server with
//! plain forms (no island), so it works before, and without, the WASM.
pub mod audit_log;
pub mod enrolment;
pub mod home;
pub mod invitation;
pub mod protocols;
pub mod reminders;
pub mod roles;
pub mod roster;
pub mod settings;
pub mod staff;

use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::layout::MeResource;
use crate::components::portal::{NAV_HERE, NAV_LINK, PORTAL_NAV};
use crate::model::account::CurrentUser;
use crate::routes;

/// The portal's sections, each with the permission it needs; `current` is the one shown. A
/// section the signed-in user may not use is left out (the server refuses it anyway).
#[component]
pub(crate) fn ClinicNav(current: &'static str) -> impl IntoView {
    const SECTIONS: [(&str, &str, Option<&str>); 8] = [
        (routes::clinic::HOME, "Overview", None),
        (routes::clinic::STAFF, "Staff", Some("staff.manage")),
        (routes::clinic::ROLES, "Roles", Some("staff.manage")),
        (
            routes::clinic::PATIENTS,
            "Patients",
            Some("patients.manage"),
        ),
        (
            routes::clinic::REMINDERS,
            "Reminders",
            Some("patients.manage"),
        ),
        (
            routes::clinic::PROTOCOLS,
            "Protocols",
            Some("protocols.manage"),
        ),
        (routes::clinic::AUDIT_LOG, "Audit log", Some("audit.read")),
        (
            routes::clinic::SETTINGS,
            "Settings",
            Some("clinic.settings"),
        ),
    ];
    let me = expect_context::<MeResource>();
    view! {
        <nav aria-label="Clinic administration" class=PORTAL_NAV>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let user = me.await.ok().flatten();
                    SECTIONS
                        .into_iter()
                        .filter(|(_, _, needs)| needs.is_none_or(|p| holds(user.as_ref(), p)))
                        .map(|(href, label, _)| {
                            let here = href == current;
                            view! {
                                <A href=href
                                    attr:aria-current=here.then_some("page")
                                    attr:class=if here { NAV_HERE } else { NAV_LINK }>
                                    {label}
                                </A>
                            }
                        })
                        .collect_view()
                })}
            </Transition>
        </nav>
    }
}

/// Whether the signed-in user holds the named permission.
pub fn holds(user: Option<&CurrentUser>, permission: &str) -> bool {
    user.is_some_and(|u| u.permissions.iter().any(|p| p == permission))
}
