//! The clinic-admin portal's home: the clinic at a glance.
use leptos::prelude::*;

use super::{holds, ClinicNav};
use crate::api::clinic::home::{get_clinic_home, get_compliance_breakdown};
use crate::components::chart::CountBarChart;
use crate::components::layout::MeResource;
use crate::components::portal::{PortalSummaryView, CARD};
use crate::components::status::ErrorPanel;
use crate::model::ComplianceLabel;
use crate::routes;

#[component]
pub(crate) fn ClinicHomePage() -> impl IntoView {
    view! {
        <ClinicNav current=routes::clinic::HOME />
        <PortalSummaryView title="Clinic administration" load=get_clinic_home />
        <ForPatientManagers />
    }
}

/// The compliance chart, for those who manage the clinic's patients.
#[component]
fn ForPatientManagers() -> impl IntoView {
    let me = expect_context::<MeResource>();
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let user = me.await.ok().flatten();
                holds(user.as_ref(), "patients.manage").then(|| view! { <ComplianceBreakdown /> })
            })}
        </Transition>
    }
}

/// The chart's colour for a label, matching the badges' tones.
fn fill(label: Option<ComplianceLabel>) -> &'static str {
    match label {
        Some(ComplianceLabel::MissedCheckup) => "#dc2626",
        Some(ComplianceLabel::DueSoon) => "#d97706",
        Some(ComplianceLabel::GoalsMissed) => "#64748b",
        Some(ComplianceLabel::GoalMet) => "#059669",
        None => "#cbd5e1",
    }
}

#[component]
fn ComplianceBreakdown() -> impl IntoView {
    let breakdown = Resource::new(|| (), |_| get_compliance_breakdown());
    view! {
        <section aria-labelledby="compliance-heading" class=CARD>
            <h2 id="compliance-heading" class="text-xl font-semibold">"Patients by compliance"</h2>
            <Suspense fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match breakdown.await {
                        Ok(counts) => {
                            let bars = counts
                                .into_iter()
                                .map(|(label, n)| (label.map_or("Not assessed", |l| l.label()).to_owned(), n, fill(label)))
                                .collect();
                            view! { <CountBarChart id="compliance-breakdown" title="Patients by compliance label".into() bars /> }.into_any()
                        }
                        Err(error) => view! { <ErrorPanel error /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}
