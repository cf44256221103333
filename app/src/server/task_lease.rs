//! A periodic task that must run once across every process (the hourly care refresh) takes a
//! lease first: one row per task in `task_leases`, taken by a single conditional UPDATE, so
//! that of any number of processes trying at once exactly one gets it, and nobody gets it again
//! until it has run out. A task that finishes early gives its lease back (`release`).
use chrono::{DateTime, Duration, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};

use super::db_context::{self, DbContext};
use crate::error::AppError;

/// Takes the lease of `task` for `holder` until `now + hold` if nobody holds it at `now`;
/// whether it was taken.
pub async fn take(
    db: &DatabaseConnection,
    task: &str,
    holder: &str,
    now: DateTime<Utc>,
    hold: Duration,
) -> Result<bool, AppError> {
    let backend = db.get_database_backend();
    let sql = "UPDATE task_leases SET holder = $1, until = $2 WHERE name = $3 AND until <= $4";
    let sql = if backend == sea_orm::DatabaseBackend::Postgres {
        sql.to_owned()
    } else {
        sql.replace('$', "?")
    };
    let txn = db_context::begin(db, DbContext::Worker).await?;
    let taken = txn
        .execute_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [holder.into(), (now + hold).into(), task.into(), now.into()],
        ))
        .await?
        .rows_affected();
    txn.commit().await?;
    Ok(taken == 1)
}

/// Gives back `holder`'s lease of `task` at `now`, so that the next to try (here or in another
/// process) takes it at once; a lease that passed to another holder is left alone.
pub async fn release(
    db: &DatabaseConnection,
    task: &str,
    holder: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let backend = db.get_database_backend();
    let sql = "UPDATE task_leases SET holder = NULL, until = $1 WHERE name = $2 AND holder = $3";
    let sql = if backend == sea_orm::DatabaseBackend::Postgres {
        sql.to_owned()
    } else {
        sql.replace('$', "?")
    };
    let txn = db_context::begin(db, DbContext::Worker).await?;
    txn.execute_raw(Statement::from_sql_and_values(
        backend,
        sql,
        [now.into(), task.into(), holder.into()],
    ))
    .await?;
    txn.commit().await?;
    Ok(())
}
