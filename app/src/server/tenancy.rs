//! Tenant context as a value: who is acting, in which clinic, and a transaction opened for them.
//! Patient data is reached only through a `Scoped` transaction and a `PatientId` it vouched for.
use sea_orm::{DatabaseConnection, DatabaseTransaction};

use chrono::{DateTime, Utc};

use super::actor::Actor;
use super::audit::{self, AuditEntry, AuditKey};
use super::db_context::{self, DbContext};
use super::permissions::Permission;
use super::request::RequestMeta;
use crate::error::AppError;
use crate::model::Role;

/// A patient whose record the actor of a `Scoped` transaction may touch, in the clinic the
/// actor acts in. A patient may be enrolled in several clinics; clinic-scoped data (care items,
/// compliance) is read through `clinic()`, so one clinic's items never reach another's staff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PatientId {
    patient: i64,
    clinic: i64,
}

impl PatientId {
    pub fn get(self) -> i64 {
        self.patient
    }
    pub fn clinic(self) -> i64 {
        self.clinic
    }
}

/// A transaction opened for an actor. On PostgreSQL its first statement tells the database who
/// the actor is (`db_context`), and row-level security holds every query to that.
pub struct Scoped {
    txn: DatabaseTransaction,
    actor: Actor,
    /// For auditing refusals, which must outlive the transaction they roll back.
    db: DatabaseConnection,
    now: DateTime<Utc>,
    meta: RequestMeta,
    audit_key: AuditKey,
}

impl Scoped {
    pub async fn begin(
        db: &DatabaseConnection,
        actor: &Actor,
        now: DateTime<Utc>,
        meta: RequestMeta,
        audit_key: AuditKey,
    ) -> Result<Self, AppError> {
        let txn = db_context::begin(db, DbContext::Actor(actor)).await?;
        Ok(Scoped {
            txn,
            actor: actor.clone(),
            db: db.clone(),
            now,
            meta,
            audit_key,
        })
    }

    /// Appends an audit event in the scope's transaction: it commits with the change it
    /// describes, or not at all.
    pub async fn audit(&self, entry: AuditEntry) -> Result<(), AppError> {
        audit::record(&self.txn, &self.audit_key, self.now, &self.meta, entry).await
    }

    /// Appends several audit events, in order, in the scope's transaction.
    pub(crate) async fn audit_many(&self, entries: Vec<AuditEntry>) -> Result<(), AppError> {
        audit::record_many(&self.txn, &self.audit_key, self.now, &self.meta, entries).await
    }

    /// Records a refused attempt to reach patient data in a transaction of its own (the
    /// scope's own is rolled back with the error), then returns the refusal.
    async fn refuse(
        &self,
        error: AppError,
        permission: Permission,
        patient_id: Option<i64>,
    ) -> AppError {
        let mut entry = AuditEntry::by(&self.actor, "patient.access_refused").resource(format!(
            "{}:{}",
            permission.name(),
            error.status()
        ));
        entry.patient_id = patient_id;
        let recorded = async {
            let txn = db_context::begin(&self.db, DbContext::Actor(&self.actor)).await?;
            audit::record(&txn, &self.audit_key, self.now, &self.meta, entry).await?;
            txn.commit().await?;
            Ok::<(), AppError>(())
        }
        .await;
        if let Err(e) = recorded {
            tracing::error!(error = %e, "recording a refused access failed");
        }
        error
    }

    /// The scope's transaction switched to another context for a while, audited
    /// (`db_context::Switch`): the platform's work that a clinic's own task does.
    pub(in crate::server) fn switch(&self) -> db_context::Switch<'_> {
        db_context::Switch {
            db: &self.db,
            txn: &self.txn,
            actor: &self.actor,
            audit_key: &self.audit_key,
            now: self.now,
            meta: &self.meta,
        }
    }

    /// The scope's transaction, for the services' queries. Only server code gets it; nothing
    /// reaches clinic or patient data without a scope.
    pub(in crate::server) fn conn(&self) -> &DatabaseTransaction {
        &self.txn
    }

    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// The moment the request is handled at, read once from the state's clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// The request's id and client address, for the audit log.
    pub fn meta(&self) -> &RequestMeta {
        &self.meta
    }

    /// The actor's own patient record, for patients acting on themselves. A refusal is audited.
    pub async fn own_record(&self, permission: Permission) -> Result<PatientId, AppError> {
        if self.actor.require(permission).is_err() || self.actor.role() != Role::Patient {
            return Err(self.refuse(AppError::Forbidden, permission, None).await);
        }
        Ok(PatientId {
            patient: self.actor.user_id(),
            clinic: self.actor.active_clinic()?,
        })
    }

    /// The clinic a provider acts in, for reading their patients as a list. A refusal is audited.
    pub(crate) async fn provider_clinic(&self, permission: Permission) -> Result<i64, AppError> {
        match self.actor.clinic_id() {
            Some(clinic)
                if self.actor.require(permission).is_ok()
                    && self.actor.require(Permission::PatientRead).is_ok() =>
            {
                Ok(clinic)
            }
            _ => Err(self.refuse(AppError::Forbidden, permission, None).await),
        }
    }

    /// A patient assigned to the acting provider in the clinic they act in. Anyone else, and
    /// patients who do not exist, get the same 404: the answer reveals nothing. Refusals (403
    /// and 404) are audited, with the patient asked for.
    pub(crate) async fn assigned_patient(
        &self,
        permission: Permission,
        patient_id: i64,
    ) -> Result<PatientId, AppError> {
        use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
        if self.actor.require(permission).is_err()
            || self.actor.require(Permission::PatientRead).is_err()
        {
            return Err(self
                .refuse(AppError::Forbidden, permission, Some(patient_id))
                .await);
        }
        let clinic = self.actor.active_clinic()?;
        let assigned = super::entities::provider_assignments::Entity::find()
            .filter(super::entities::provider_assignments::Column::ClinicId.eq(clinic))
            .filter(
                super::entities::provider_assignments::Column::ProviderId.eq(self.actor.user_id()),
            )
            .filter(super::entities::provider_assignments::Column::PatientId.eq(patient_id))
            .count(&self.txn)
            .await?;
        if assigned == 0 {
            return Err(self
                .refuse(AppError::NotFound, permission, Some(patient_id))
                .await);
        }
        Ok(PatientId {
            patient: patient_id,
            clinic,
        })
    }

    pub async fn commit(self) -> Result<(), AppError> {
        self.txn.commit().await?;
        Ok(())
    }
}
