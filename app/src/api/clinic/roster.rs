//! The clinic's patients: the roster, and assigning them to providers.
use leptos::prelude::*;

use crate::error::AppError;
use crate::model::clinic::{RosterPage, RosterQuery};

#[cfg(feature = "ssr")]
use {
    crate::api::context::{in_scope, in_scope_landing_on},
    crate::routes::{self, landing},
    crate::server::services::clinic::roster,
};

#[server(prefix = "/api", endpoint = "clinic/roster")]
pub(crate) async fn get_roster(
    #[server(flatten)] query: RosterQuery,
) -> Result<RosterPage, AppError> {
    in_scope(async |scoped| roster::list(scoped, query).await).await
}

/// Sends a patient's invitation again from the roster: a new link, working a week.
#[server(prefix = "/api", endpoint = "clinic/roster/invitation/resend")]
pub(crate) async fn resend_patient_invitation(invitation_id: i64) -> Result<(), AppError> {
    let landing = landing(routes::clinic::PATIENTS, "invitation_resent");
    super::invitations::resend(invitation_id, &landing).await
}

/// Withdraws a patient's invitation from the roster: its link stops working.
#[server(prefix = "/api", endpoint = "clinic/roster/invitation/withdraw")]
pub(crate) async fn withdraw_patient_invitation(invitation_id: i64) -> Result<(), AppError> {
    let landing = landing(routes::clinic::PATIENTS, "invitation_withdrawn");
    super::invitations::withdraw(invitation_id, &landing).await
}

/// Assigns the patients ticked on the roster to one provider.
#[server(prefix = "/api", endpoint = "clinic/roster/assign")]
pub(crate) async fn assign_patients(
    provider_id: i64,
    #[server(default)] patient_ids: Vec<i64>,
) -> Result<u64, AppError> {
    in_scope_landing_on(
        &landing(routes::clinic::PATIENTS, "assigned"),
        async |scoped| roster::assign(scoped, provider_id, &patient_ids).await,
    )
    .await
}

#[server(prefix = "/api", endpoint = "clinic/roster/unassign")]
pub(crate) async fn unassign_patient(provider_id: i64, patient_id: i64) -> Result<(), AppError> {
    in_scope_landing_on(
        &landing(routes::clinic::PATIENTS, "unassigned"),
        async |scoped| roster::unassign(scoped, provider_id, patient_id).await,
    )
    .await
}

/// Discharges a patient: providers' access and reminders end; records are kept.
#[server(prefix = "/api", endpoint = "clinic/roster/discharge")]
pub(crate) async fn discharge_patient(patient_id: i64) -> Result<u64, AppError> {
    in_scope_landing_on(
        &landing(routes::clinic::PATIENTS, "discharged"),
        async |scoped| roster::discharge(scoped, patient_id).await,
    )
    .await
}

#[server(prefix = "/api", endpoint = "clinic/roster/readmit")]
pub(crate) async fn readmit_patient(patient_id: i64) -> Result<(), AppError> {
    in_scope_landing_on(
        "/clinic/patients?status=discharged&done=readmitted",
        async |scoped| roster::readmit(scoped, patient_id).await,
    )
    .await
}
