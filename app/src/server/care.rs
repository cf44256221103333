//! Preventive care: the rules (pure), care items, compliance, and the daily refresh that keeps
//! both in step with the calendar.
pub mod compliance;
pub mod items;
pub mod protocols;
pub mod reapply;
pub mod resync_job;
pub mod rules;

use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, EntityTrait};

use crate::error::AppError;
use crate::server::audit::AuditKey;
use crate::server::db_context::{self, DbContext};
use crate::server::entities::clinics;

/// One run of the care refresh over every clinic, each in a transaction of its own so that
/// one clinic's failure leaves the others refreshed. `serve` runs it every hour; tests call it
/// after moving their clock. Returns what changed, summed over the clinics that succeeded.
pub async fn refresh_all_clinics(
    db: &DatabaseConnection,
    audit_key: &AuditKey,
    now: DateTime<Utc>,
) -> Result<compliance::ClinicRefresh, AppError> {
    // Only the list of clinics needs platform reach; each clinic is refreshed as a task of
    // that clinic, which the database holds to that clinic's rows.
    let listing = db_context::begin_platform(db, audit_key, now, "care_refresh").await?;
    let clinics = clinics::Entity::find().all(&listing).await?;
    listing.commit().await?;
    let mut total = compliance::ClinicRefresh::default();
    for clinic in clinics {
        let txn = db_context::begin(db, DbContext::ClinicTask(clinic.id)).await?;
        match compliance::refresh_clinic(&txn, clinic.id, now).await {
            Ok(done) => {
                txn.commit().await?;
                total.statuses_changed += done.statuses_changed;
                total.patients_refreshed += done.patients_refreshed;
            }
            Err(e) => {
                tracing::warn!(clinic_id = clinic.id, error = %e, "care refresh failed");
            }
        }
    }
    Ok(total)
}
