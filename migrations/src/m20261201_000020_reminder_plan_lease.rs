//! Reminder planning takes a lease (`task_leases`, row `reminder_plan`) so that of several
//! workers starting together one plans while the others deliver what it has planned, instead
//! of each planning every clinic in turn and none delivering until all have.
//!
//! Edited after it was merged, which migrations otherwise never are: as first written it wrote
//! without a context and so failed for every non-superuser owner (row-level security is forced
//! on `task_leases`), stopping the README's production set-up here. It now writes as platform
//! work; a database that ran it before holds the same row.
use sea_orm_migration::prelude::*;

use crate::as_platform::execute_as_platform;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        execute_as_platform(
            m,
            "INSERT INTO task_leases (name, holder, until) \
             VALUES ('reminder_plan', NULL, '1970-01-01 00:00:00+00:00')",
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        execute_as_platform(m, "DELETE FROM task_leases WHERE name = 'reminder_plan'").await
    }
}
