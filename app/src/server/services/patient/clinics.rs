//! The clinics a patient belongs to: each listed, acting in another one, and leaving one.
//! A person joins a clinic only by registering with its code or accepting its own link; here
//! they see every clinic that reaches their record, and can end that.
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::error::AppError;
use crate::model::patient::MyClinic;
use crate::model::platform::ClinicStatus;
use crate::model::reminders::DeliveryStatus;
use crate::model::Role;
use crate::server::audit::{self, AuditEntry, AuditKey};
use crate::server::db_context::{self, DbContext};
use crate::server::entities::{
    clinics, memberships, patient_compliance, provider_assignments, reminders,
};
use crate::server::request::RequestMeta;
use crate::server::services::clinic::clinic_time;
use crate::server::tenancy::PatientId;

/// Why a waiting reminder was cancelled when its patient left the clinic.
const LEFT: &str = "the patient left the clinic";

/// The clinics `user` is an active patient of, by name, `(id, name, joined,
/// time zone)`. Read as the account itself: a patient's own context reaches only the clinic it
/// acts in.
async fn memberships_of(
    db: &DatabaseConnection,
    user: i64,
) -> Result<Vec<(i64, String, DateTime<Utc>, String)>, AppError> {
    let txn = db_context::begin(db, DbContext::Account(user)).await?;
    let rows = memberships::Entity::find()
        .select_only()
        .column(memberships::Column::ClinicId)
        .column(clinics::Column::Name)
        .column(memberships::Column::CreatedAt)
        .column(clinics::Column::TimeZone)
        .inner_join(clinics::Entity)
        .filter(memberships::Column::UserId.eq(user))
        .filter(memberships::Column::Role.eq(Role::Patient))
        .filter(memberships::Column::DeactivatedAt.is_null())
        .filter(clinics::Column::Status.eq(ClinicStatus::Active))
        .order_by_asc(clinics::Column::Name)
        .into_tuple()
        .all(&txn)
        .await?;
    txn.commit().await?;
    Ok(rows)
}

/// Every clinic the patient `me` belongs to, the one they are acting in marked.
pub async fn list(db: &DatabaseConnection, me: PatientId) -> Result<Vec<MyClinic>, AppError> {
    let (user, current) = (me.get(), me.clinic());
    Ok(memberships_of(db, user)
        .await?
        .into_iter()
        .map(|(clinic_id, name, joined, time_zone)| MyClinic {
            clinic_id,
            name,
            joined: clinic_time(joined, &time_zone),
            current: clinic_id == current,
        })
        .collect())
}

/// Checks that the patient belongs to `clinic` (refused as missing otherwise), for acting in
/// it: the caller moves the session (`sessions::move_to_clinic`).
pub(crate) async fn may_act_in(
    db: &DatabaseConnection,
    me: PatientId,
    clinic: i64,
) -> Result<(), AppError> {
    memberships_of(db, me.get())
        .await?
        .iter()
        .any(|(id, ..)| *id == clinic)
        .then_some(())
        .ok_or(AppError::NotFound)
}

/// The patient leaves `clinic`: it no longer reaches their record (profile, allergies,
/// medications, goals: every policy on them asks for a patient membership), its providers'
/// assignments and its compliance snapshot of them go, and its reminders to them that are not
/// sent yet are cancelled. The care items it recorded stay as the clinic's own records, out of
/// any provider's list. Refused for their only clinic: the account would reach nothing.
/// Audited in that clinic's log. Returns a clinic they still belong to, to act in when they
/// left the one they were in.
pub async fn leave(
    db: &DatabaseConnection,
    audit_key: &AuditKey,
    now: DateTime<Utc>,
    meta: &RequestMeta,
    me: PatientId,
    clinic: i64,
) -> Result<i64, AppError> {
    let (user, current) = (me.get(), me.clinic());
    let mine = memberships_of(db, user).await?;
    if !mine.iter().any(|(id, ..)| *id == clinic) {
        return Err(AppError::NotFound);
    }
    let Some(stay) = mine.iter().map(|(id, ..)| *id).find(|id| *id != clinic) else {
        return Err(AppError::Conflict(
            "This is the only clinic you belong to. To stop using Salus there, ask the clinic to discharge you.".into(),
        ));
    };
    // The clinic's own task does what the clinic would: its rows, in its clinic only.
    let txn = db_context::begin(db, DbContext::ClinicTask(clinic)).await?;
    provider_assignments::Entity::delete_many()
        .filter(provider_assignments::Column::ClinicId.eq(clinic))
        .filter(provider_assignments::Column::PatientId.eq(user))
        .exec(&txn)
        .await?;
    patient_compliance::Entity::delete_many()
        .filter(patient_compliance::Column::ClinicId.eq(clinic))
        .filter(patient_compliance::Column::PatientId.eq(user))
        .exec(&txn)
        .await?;
    reminders::Entity::update_many()
        .col_expr(
            reminders::Column::Status,
            Expr::value(DeliveryStatus::Cancelled),
        )
        .col_expr(reminders::Column::LastError, Expr::value(Some(LEFT)))
        .filter(reminders::Column::ClinicId.eq(clinic))
        .filter(reminders::Column::PatientId.eq(user))
        .filter(reminders::Column::Status.eq(DeliveryStatus::Pending))
        .exec(&txn)
        .await?;
    let left = memberships::Entity::delete_many()
        .filter(memberships::Column::ClinicId.eq(clinic))
        .filter(memberships::Column::UserId.eq(user))
        .filter(memberships::Column::Role.eq(Role::Patient))
        .exec(&txn)
        .await?;
    if left.rows_affected != 1 {
        return Err(AppError::NotFound);
    }
    audit::record(
        &txn,
        audit_key,
        now,
        meta,
        AuditEntry::by_patient(user, clinic, "patient.left_clinic"),
    )
    .await?;
    txn.commit().await?;
    Ok(if clinic == current { stay } else { current })
}
