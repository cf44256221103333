//! Reminder planning takes a lease (`task_leases`, row `reminder_plan`) so that of several
//! workers starting together one plans while the others deliver what it has planned, instead
//! of each planning every clinic in turn and none delivering until all have.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection()
            .execute_unprepared(
                "INSERT INTO task_leases (name, holder, until) \
                 VALUES ('reminder_plan', NULL, '1970-01-01 00:00:00+00:00')",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection()
            .execute_unprepared("DELETE FROM task_leases WHERE name = 'reminder_plan'")
            .await?;
        Ok(())
    }
}
