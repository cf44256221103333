//! Enrolling patients: by hand, by invitation, and the outcome of a CSV import (the upload
//! itself is a plain multipart form handled by the server's `imports`).
use leptos::prelude::*;

use crate::error::AppError;
use crate::model::clinic::{EnrolledPatient, ImportOutcome};

#[cfg(feature = "ssr")]
use {
    crate::api::context,
    crate::server::errors::{respond, respond_landing_on},
    crate::server::services::clinic::enrolment::{self, PatientDetails},
    crate::server::services::clinic::invitations::{self, Sent},
};

pub const ENROLMENT_PAGE: &str = "/clinic/patients/enrol";
/// Where the CSV upload form posts (see the server's `imports`).
pub const IMPORT_UPLOAD: &str = "/clinic/patients/enrol/import";

#[server(prefix = "/api", endpoint = "clinic/enrolment/add")]
pub async fn add_patient(
    name: String,
    email: String,
    #[server(default)] date_of_birth: String,
    #[server(default)] sex: String,
    #[server(default)] phone: String,
) -> Result<EnrolledPatient, AppError> {
    let result = async {
        let state = context::state();
        let scoped = context::scoped().await?;
        let details = PatientDetails {
            name,
            email,
            date_of_birth,
            sex,
            phone,
        };
        let (outcome, links) = enrolment::add(&state, &scoped, details).await?;
        scoped.commit().await?;
        Sent::send_all(links, &state);
        Ok(outcome)
    }
    .await;
    respond_landing_on("/clinic/patients/enrol?done=added", result)
}

#[server(prefix = "/api", endpoint = "clinic/enrolment/invite")]
pub async fn invite_patient(email: String) -> Result<(), AppError> {
    respond_landing_on(
        "/clinic/patients/enrol?done=invited",
        async {
            let state = context::state();
            let scoped = context::scoped().await?;
            let mail = invitations::invite_patient(&state, &scoped, &email).await?;
            scoped.commit().await?;
            mail.send(&state);
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "clinic/enrolment/import")]
pub async fn get_patient_import(id: i64) -> Result<ImportOutcome, AppError> {
    respond(
        async {
            let scoped = context::scoped().await?;
            let outcome = enrolment::import_outcome(&scoped, id).await?;
            scoped.commit().await?;
            Ok(outcome)
        }
        .await,
    )
}
