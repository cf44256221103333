//! A protocol change re-applied to a clinic's patients as a job with progress
//! (`protocol_resyncs`). The change itself commits first, with its audit event and the job's row;
//! the job then runs as the clinic's own task, one batch of patients per transaction, each
//! committed with the job's progress. So the admin's page can show how far it is, a later change
//! of the same protocol supersedes a job still running, and a job a stopped server left running
//! is resumed from its last batch when the server starts again.
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
};

use super::reapply;
use crate::error::AppError;
use crate::model::clinic::ResyncState;
use crate::server::audit::AuditKey;
use crate::server::db_context::{self, DbContext, Turn};
use crate::server::entities::{care_protocols, protocol_resyncs};
use crate::server::state::{AppState, Clock};

/// Records a job for the protocol's clinic in the caller's transaction (the one that changed the
/// protocol), superseding any job of the same protocol still running. Returns its id and how many
/// patients it will decide for.
pub async fn queue<C: ConnectionTrait>(
    conn: &C,
    protocol: &care_protocols::Model,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(i64, u64), AppError> {
    let clinic = protocol.clinic_id.ok_or(AppError::NotFound)?;
    protocol_resyncs::Entity::update_many()
        .col_expr(
            protocol_resyncs::Column::State,
            Expr::value(ResyncState::Superseded.as_str()),
        )
        .col_expr(protocol_resyncs::Column::FinishedAt, Expr::value(now))
        .filter(protocol_resyncs::Column::ClinicId.eq(clinic))
        .filter(protocol_resyncs::Column::ProtocolId.eq(protocol.id))
        .filter(protocol_resyncs::Column::State.eq(ResyncState::Running))
        .exec(conn)
        .await?;
    let total = reapply::patient_count(conn, clinic).await?;
    let job = protocol_resyncs::Entity::insert(protocol_resyncs::ActiveModel {
        clinic_id: Set(clinic),
        protocol_id: Set(protocol.id),
        state: Set(ResyncState::Running),
        patients_total: Set(total as i64),
        patients_done: Set(0),
        after_patient: Set(0),
        problem: Set(None),
        requested_at: Set(now),
        finished_at: Set(None),
        ..Default::default()
    })
    .exec(conn)
    .await?
    .last_insert_id;
    Ok((job, total))
}

/// Runs a job to its end (or until a later change supersedes it). A failure marks the job
/// `failed`; what went wrong goes to the log, not to the page.
pub async fn run(db: &DatabaseConnection, clock: &Clock, job: i64, clinic: i64) {
    if let Err(e) = run_batches(db, clock, job, clinic).await {
        tracing::warn!(job, clinic_id = clinic, error = %e, "protocol resync failed");
        let marked = async {
            let txn = db_context::begin(db, DbContext::ClinicTask(clinic)).await?;
            db_context::take_turn(&txn, Turn::Protocols, clinic).await?;
            finish(&txn, job, ResyncState::Failed, clock).await?;
            txn.commit().await?;
            Ok::<_, AppError>(())
        };
        if let Err(e) = marked.await {
            tracing::warn!(job, error = %e, "could not mark the protocol resync failed");
        }
    }
}

async fn finish<C: ConnectionTrait>(
    conn: &C,
    job: i64,
    state: ResyncState,
    clock: &Clock,
) -> Result<(), AppError> {
    protocol_resyncs::Entity::update_many()
        .col_expr(protocol_resyncs::Column::State, Expr::value(state.as_str()))
        .col_expr(
            protocol_resyncs::Column::FinishedAt,
            Expr::value(clock.now()),
        )
        .col_expr(
            protocol_resyncs::Column::Problem,
            Expr::value(
                (state == ResyncState::Failed).then_some("The change could not be re-applied."),
            ),
        )
        .filter(protocol_resyncs::Column::Id.eq(job))
        .filter(protocol_resyncs::Column::State.eq(ResyncState::Running))
        .exec(conn)
        .await?;
    Ok(())
}

/// The job and its protocol, while the job is still running.
async fn still_running<C: ConnectionTrait>(
    conn: &C,
    job: i64,
) -> Result<Option<(protocol_resyncs::Model, care_protocols::Model)>, AppError> {
    let Some(row) = protocol_resyncs::Entity::find_by_id(job)
        .filter(protocol_resyncs::Column::State.eq(ResyncState::Running))
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    let protocol = care_protocols::Entity::find_by_id(row.protocol_id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Some((row, protocol)))
}

async fn run_batches(
    db: &DatabaseConnection,
    clock: &Clock,
    job: i64,
    clinic: i64,
) -> Result<(), AppError> {
    // Dates first (set-based, and harmless to repeat when a job is resumed). Each batch takes
    // its turn with the clinic's protocol changes, so none reads a protocol mid-change.
    let txn = db_context::begin(db, DbContext::ClinicTask(clinic)).await?;
    db_context::take_turn(&txn, Turn::Protocols, clinic).await?;
    let Some((_, protocol)) = still_running(&txn, job).await? else {
        return Ok(());
    };
    reapply::move_dates(&txn, &protocol, clock.now()).await?;
    txn.commit().await?;
    loop {
        let txn = db_context::begin(db, DbContext::ClinicTask(clinic)).await?;
        db_context::take_turn(&txn, Turn::Protocols, clinic).await?;
        // Read again each batch: a later change of the protocol supersedes this job.
        let Some((row, protocol)) = still_running(&txn, job).await? else {
            return Ok(());
        };
        let batch = reapply::next_patients(&txn, clinic, row.after_patient).await?;
        let Some(&last) = batch.last() else {
            finish(&txn, job, ResyncState::Done, clock).await?;
            txn.commit().await?;
            return Ok(());
        };
        reapply::reapply_to_patients(&txn, &protocol, &batch, clock.now()).await?;
        protocol_resyncs::Entity::update_many()
            .col_expr(protocol_resyncs::Column::AfterPatient, Expr::value(last))
            .col_expr(
                protocol_resyncs::Column::PatientsDone,
                Expr::value(row.patients_done + batch.len() as i64),
            )
            .filter(protocol_resyncs::Column::Id.eq(job))
            .exec(&txn)
            .await?;
        txn.commit().await?;
    }
}

/// Resumes, in the background, every job a stopped server left running. Listing them spans
/// clinics, so it is platform work; each job then runs as its own clinic's task.
pub async fn resume_unfinished(
    db: &DatabaseConnection,
    audit_key: &AuditKey,
    clock: &Clock,
) -> Result<usize, AppError> {
    let listing = db_context::begin_platform(db, audit_key, clock.now(), "protocol_resync").await?;
    let jobs = protocol_resyncs::Entity::find()
        .filter(protocol_resyncs::Column::State.eq(ResyncState::Running))
        .all(&listing)
        .await?;
    listing.commit().await?;
    for job in &jobs {
        let (db, clock, id, clinic) = (db.clone(), clock.clone(), job.id, job.clinic_id);
        tokio::spawn(async move { run(&db, &clock, id, clinic).await });
    }
    Ok(jobs.len())
}

/// A re-application queued by a change: the job and how many patients it covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueuedResync {
    pub job: i64,
    pub patients: u64,
    pub clinic: i64,
}

/// Runs the jobs a committed change queued, one after another: each to its end before
/// returning when its clinic has at most `resync_wait_patients`, so the admin's next page
/// already shows due dates moved; in the background otherwise, while the page shows its
/// progress.
pub async fn start(state: &AppState, queued: impl IntoIterator<Item = QueuedResync>) {
    for QueuedResync {
        job,
        patients,
        clinic,
    } in queued
    {
        if patients <= state.settings.resync_wait_patients {
            run(&state.db, &state.clock, job, clinic).await;
        } else {
            let (db, clock) = (state.db.clone(), state.clock.clone());
            tokio::spawn(async move { run(&db, &clock, job, clinic).await });
        }
    }
}
