//! `sign_in_failures` becomes `rate_limited_attempts`: the table now counts every attempt a
//! limit applies to (a sign-in is counted before its password is checked, and forgiven when it
//! succeeds; registrations and reset requests are counted as they come), not only failed
//! sign-ins. Its index keeps its name, which SQLite cannot change in place.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SignInFailures {
    Table,
}

#[derive(DeriveIden)]
enum RateLimitedAttempts {
    Table,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .rename_table(
                Table::rename()
                    .table(SignInFailures::Table, RateLimitedAttempts::Table)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .rename_table(
                Table::rename()
                    .table(RateLimitedAttempts::Table, SignInFailures::Table)
                    .to_owned(),
            )
            .await
    }
}
