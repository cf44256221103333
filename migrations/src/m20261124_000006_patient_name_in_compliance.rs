//! The patient's name in their compliance snapshot, so a provider's list (assignments and
//! snapshots) needs no join to `users`. Under row-level security that join checked, for every
//! assigned patient, that the provider may see the user: about 30 ms per query for 10,000
//! patients, twice per page. The compliance refresh writes the name with the label; anything
//! that renames a patient refreshes their compliance.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PatientCompliance {
    Table,
    PatientName,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(PatientCompliance::Table)
                    .add_column(
                        ColumnDef::new(PatientCompliance::PatientName)
                            .string()
                            .not_null()
                            .default(""),
                    )
                    .to_owned(),
            )
            .await?;
        // Before row-level security exists (the next migration), so every row is reachable.
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE patient_compliance SET patient_name = \
                 (SELECT display_name FROM users WHERE users.id = patient_compliance.patient_id)",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(PatientCompliance::Table)
                    .drop_column(PatientCompliance::PatientName)
                    .to_owned(),
            )
            .await
    }
}
