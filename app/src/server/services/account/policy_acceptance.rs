//! A new privacy policy version is accepted at the patient's next sign-in. Consent is recorded
//! per clinic, as at registration: signing in to a clinic whose latest consent is for an
//! earlier version (or has none) stops before the portal, on a page showing the version in
//! force, until the patient accepts it. Accepting records a new consent with that version and
//! audits it in the clinic's chain; the earlier consents stay as they were, the history of
//! what was agreed when.
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
};

use crate::error::AppError;
use crate::model::account::ConsentKind;
use crate::model::Role;
use crate::server::audit::{self, AuditEntry, AuditKey};
use crate::server::db_context::{self, DbContext};
use crate::server::entities::consents;
use crate::server::request::RequestMeta;
use crate::server::services::public::content;
use crate::server::services::sessions::PendingSignIn;

/// The version in force, when a patient signing in to `clinic_id` has not accepted it there.
/// Staff and super admins accept nothing here: `None`.
pub async fn due(
    db: &DatabaseConnection,
    user_id: i64,
    role: Role,
    clinic_id: Option<i64>,
) -> Result<Option<String>, AppError> {
    let Some(clinic_id) = clinic_id.filter(|_| role == Role::Patient) else {
        return Ok(None);
    };
    let current = content::current_policy_version(db).await?;
    let txn = db_context::begin(db, DbContext::Account(user_id)).await?;
    let latest = consents::Entity::find()
        .filter(consents::Column::PatientId.eq(user_id))
        .filter(consents::Column::ClinicId.eq(clinic_id))
        .filter(consents::Column::Kind.eq(ConsentKind::DataUse))
        .order_by_desc(consents::Column::GrantedAt)
        .order_by_desc(consents::Column::Id)
        .one(&txn)
        .await?;
    txn.commit().await?;
    Ok((latest.map(|c| c.policy_version).as_ref() != Some(&current)).then_some(current))
}

/// Records the patient's consent to `version` in the clinic they are signing in to.
pub async fn accept(
    db: &DatabaseConnection,
    audit_key: &AuditKey,
    now: DateTime<Utc>,
    meta: &RequestMeta,
    pending: &PendingSignIn,
    version: &str,
) -> Result<(), AppError> {
    let patient = pending.actor();
    let clinic_id = patient.clinic_id().ok_or(AppError::Forbidden)?;
    if patient.role() != Role::Patient {
        return Err(AppError::Forbidden);
    }
    let txn = db_context::begin(db, DbContext::Actor(&patient)).await?;
    consents::Entity::insert(consents::ActiveModel {
        patient_id: Set(patient.user_id()),
        clinic_id: Set(Some(clinic_id)),
        kind: Set(ConsentKind::DataUse),
        policy_version: Set(version.to_owned()),
        granted_at: Set(now),
        ..Default::default()
    })
    .exec(&txn)
    .await?;
    let mut entry = AuditEntry::by(&patient, "patient.policy_accept").resource(format!(
        "consent:{}:{version}",
        ConsentKind::DataUse.as_str()
    ));
    entry.patient_id = Some(patient.user_id());
    audit::record(&txn, audit_key, now, meta, entry).await?;
    txn.commit().await?;
    Ok(())
}
