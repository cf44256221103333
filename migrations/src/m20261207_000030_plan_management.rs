//! Plans the platform manages. Until now the plans were three rows this code wrote once
//! (`m20261201_000021_plans`); super admins now create plans, change their limits and
//! features, and retire them. A retired plan (`retired_at`) is offered to no clinic any more;
//! the clinics on it stay on it, with its limits, until they are moved.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Plans {
    Table,
    RetiredAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Plans::Table)
                .add_column(
                    ColumnDef::new(Plans::RetiredAt)
                        .timestamp_with_time_zone()
                        .null(),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Plans::Table)
                .drop_column(Plans::RetiredAt)
                .to_owned(),
        )
        .await
    }
}
