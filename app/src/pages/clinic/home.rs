//! The clinic-admin portal's home: the clinic at a glance.
use leptos::prelude::*;

use super::ClinicNav;
use crate::api::portals::get_clinic_home;
use crate::components::portal::PortalSummaryView;

#[component]
pub fn ClinicHomePage() -> impl IntoView {
    view! {
        <ClinicNav current="/clinic" />
        <PortalSummaryView title="Clinic administration" load=get_clinic_home />
    }
}
