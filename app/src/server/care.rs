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

/// What one run of the care refresh did: the sums over the clinics refreshed, and the clinics
/// that failed (on SQLite, typically a request holding the write lock longer than the busy
/// timeout), to be tried again within the hour (`refresh_clinics`).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RefreshRun {
    pub statuses_changed: u64,
    pub patients_refreshed: u64,
    pub failed: Vec<i64>,
}

/// One run of the care refresh over every clinic, each in a transaction of its own so that
/// one clinic's failure leaves the others refreshed. `serve` runs it every hour and tries the
/// clinics that failed again every five minutes until the next run; tests call it after moving
/// their clock.
pub async fn refresh_all_clinics(
    db: &DatabaseConnection,
    audit_key: &AuditKey,
    now: DateTime<Utc>,
) -> Result<RefreshRun, AppError> {
    // Only the list of clinics needs platform reach; each clinic is refreshed as a task of
    // that clinic, which the database holds to that clinic's rows.
    let listing = db_context::begin_platform(db, audit_key, now, "care_refresh").await?;
    let clinics: Vec<i64> = clinics::Entity::find()
        .all(&listing)
        .await?
        .into_iter()
        .map(|c| c.id)
        .collect();
    listing.commit().await?;
    Ok(refresh_clinics(db, &clinics, now).await)
}

/// Refreshes each of `clinics` in a transaction of its own; a clinic that fails (to begin, to
/// refresh or to commit) is listed in `failed` and leaves the others refreshed.
pub async fn refresh_clinics(
    db: &DatabaseConnection,
    clinics: &[i64],
    now: DateTime<Utc>,
) -> RefreshRun {
    let mut run = RefreshRun::default();
    for &clinic in clinics {
        let refreshed = async {
            let txn = db_context::begin(db, DbContext::ClinicTask(clinic)).await?;
            let done = compliance::refresh_clinic(&txn, clinic, now).await?;
            txn.commit().await?;
            Ok::<_, AppError>(done)
        }
        .await;
        match refreshed {
            Ok(done) => {
                run.statuses_changed += done.statuses_changed;
                run.patients_refreshed += done.patients_refreshed;
            }
            Err(e) => {
                tracing::warn!(clinic_id = clinic, error = %e, "care refresh failed; tried again later");
                run.failed.push(clinic);
            }
        }
    }
    run
}
