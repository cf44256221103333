//! Enrolling patients: by hand, by invitation, and the outcome of a CSV import (the upload
//! itself is a plain multipart form handled by the server's `imports`).
use leptos::prelude::*;

use crate::error::AppError;
use crate::model::clinic::{EnrolledPatient, ImportOutcome};

#[cfg(feature = "ssr")]
use {
    crate::api::context::{self, in_scope, in_scope_landing_on},
    crate::routes::{self, landing},
    crate::server::services::clinic::enrolment::{self, PatientDetails},
    crate::server::services::clinic::invitations::{self, Sent},
};

/// Where the CSV upload form posts (see the server's `imports`).
pub(crate) const IMPORT_UPLOAD: &str = "/clinic/patients/enrol/import";

#[server(prefix = "/api", endpoint = "clinic/enrolment/add")]
pub async fn add_patient(
    name: String,
    email: String,
    #[server(default)] date_of_birth: String,
    #[server(default)] sex: String,
    #[server(default)] phone: String,
) -> Result<EnrolledPatient, AppError> {
    let state = context::state();
    let details = PatientDetails {
        name,
        email,
        date_of_birth,
        sex,
        phone,
    };
    let (outcome, links) = in_scope_landing_on(
        &landing(routes::clinic::ENROLMENT, "added"),
        async |scoped| enrolment::add(&state, scoped, details).await,
    )
    .await?;
    Sent::send_all(links, &state);
    Ok(outcome)
}

#[server(prefix = "/api", endpoint = "clinic/enrolment/invite")]
pub async fn invite_patient(email: String) -> Result<(), AppError> {
    let state = context::state();
    let mail = in_scope_landing_on(
        &landing(routes::clinic::ENROLMENT, "invited"),
        async |scoped| invitations::invite_patient(&state, scoped, &email).await,
    )
    .await?;
    mail.send(&state);
    Ok(())
}

#[server(prefix = "/api", endpoint = "clinic/enrolment/import")]
pub(crate) async fn get_patient_import(id: i64) -> Result<ImportOutcome, AppError> {
    in_scope(async |scoped| enrolment::import_outcome(scoped, id).await).await
}
