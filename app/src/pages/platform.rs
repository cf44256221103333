//! The super admin's portal, one module per feature. Guarded on the server by its own
//! permission; the pages only show what the server allowed.
pub mod audit_log;
pub mod clinic;
pub mod clinics;
pub mod home;
pub mod plans;
pub mod policy;
pub mod protocol_templates;
pub mod super_admin_invitation;
pub mod super_admins;
pub mod tips;
pub mod topic;
pub mod topics;

use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::portal::{NAV_HERE, NAV_LINK, PORTAL_NAV};
use crate::routes;

/// The portal's sections, `current` marked as the page.
#[component]
pub(crate) fn PlatformNav(current: &'static str) -> impl IntoView {
    const SECTIONS: [(&str, &str); 9] = [
        (routes::platform::HOME, "Overview"),
        (routes::platform::CLINICS, "Clinics"),
        (routes::platform::PLANS, "Plans"),
        (routes::platform::PROTOCOLS, "Protocol templates"),
        (routes::platform::TOPICS, "Health topics"),
        (routes::platform::TIPS, "Health tips"),
        (routes::platform::POLICY, "Privacy policy"),
        (routes::platform::AUDIT_LOG, "Audit log"),
        (routes::platform::ADMINS, "Super admins"),
    ];
    view! {
        <nav aria-label="Platform administration" class=PORTAL_NAV>
            {SECTIONS.into_iter().map(|(href, label)| {
                let here = href == current;
                view! {
                    <A href=href
                        attr:aria-current=here.then_some("page")
                        attr:class=if here { NAV_HERE } else { NAV_LINK }>
                        {label}
                    </A>
                }
            }).collect_view()}
        </nav>
    }
}
