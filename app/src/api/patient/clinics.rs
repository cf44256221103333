//! The patient's clinics: every clinic that reaches their record, acting in another, leaving one.
use leptos::prelude::*;

use crate::error::AppError;
use crate::model::patient::MyClinic;

#[cfg(feature = "ssr")]
use {
    crate::api::context::{self, in_scope},
    crate::routes::{self, landing},
    crate::server::errors::{respond, respond_landing_on},
    crate::server::permissions::Permission,
    crate::server::request::RequestMeta,
    crate::server::services::{patient::clinics, sessions},
    crate::server::tenancy::PatientId,
};

/// The signed-in patient, checked for `permission` (a refusal is audited), for the work here
/// that reaches past the one clinic the patient acts in.
#[cfg(feature = "ssr")]
async fn me(permission: Permission) -> Result<PatientId, AppError> {
    in_scope(async |scoped| scoped.own_record(permission).await).await
}

/// Every clinic the patient belongs to, the one they act in marked.
#[server(prefix = "/api", endpoint = "patient/clinics")]
pub(crate) async fn get_my_clinics() -> Result<Vec<MyClinic>, AppError> {
    let me = me(Permission::OwnRecordRead).await?;
    respond(clinics::list(&context::state().db, me).await)
}

/// Acts in another of the patient's clinics from now on: the dashboard, reminders and the
/// record that clinic keeps.
#[server(prefix = "/api", endpoint = "patient/switch_clinic")]
pub async fn switch_clinic(clinic_id: i64) -> Result<(), AppError> {
    let me = me(Permission::OwnRecordRead).await?;
    let switched = async {
        clinics::may_act_in(&context::state().db, me, clinic_id).await?;
        sessions::move_to_clinic(&context::session().await?, clinic_id).await
    };
    respond_landing_on(routes::patient::HOME, switched.await)
}

/// Leaves one of the patient's clinics (not their only one): it no longer reaches their record.
#[server(prefix = "/api", endpoint = "patient/leave_clinic")]
pub async fn leave_clinic(clinic_id: i64) -> Result<(), AppError> {
    let me = me(Permission::OwnRecordWrite).await?;
    let left = async {
        let state = context::state();
        let now = state.clock.now();
        let meta = RequestMeta::current();
        let stay = clinics::leave(&state.db, &state.audit_key, now, &meta, me, clinic_id).await?;
        sessions::move_to_clinic(&context::session().await?, stay).await
    };
    respond_landing_on(&landing(routes::patient::CLINICS, "left"), left.await)
}
