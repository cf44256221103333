//! Verified email addresses: `users.email_verified_at`, set when the owner opens the link sent
//! to the address, and the links' single-use tokens, stored only as hashes. Accounts that
//! existed before stay unverified until their owner asks for a link from the security page.
//! The tokens table is not under row-level security, like `password_resets`: it holds hashes,
//! no clinic or patient data, and is read before anyone is known.
use sea_orm::DatabaseBackend;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    EmailVerifiedAt,
}

#[derive(DeriveIden)]
enum EmailVerifications {
    Table,
    Id,
    UserId,
    TokenHash,
    ExpiresAt,
    UsedAt,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Users::Table)
                .add_column(timestamp_with_time_zone_null(Users::EmailVerifiedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(EmailVerifications::Table)
                .col(big_pk_auto(EmailVerifications::Id))
                .col(big_integer(EmailVerifications::UserId))
                .col(string_uniq(EmailVerifications::TokenHash))
                .col(timestamp_with_time_zone(EmailVerifications::ExpiresAt))
                .col(timestamp_with_time_zone_null(EmailVerifications::UsedAt))
                .col(timestamp_with_time_zone(EmailVerifications::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(EmailVerifications::Table, EmailVerifications::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        if m.get_database_backend() == DatabaseBackend::Postgres {
            m.get_connection()
                .execute_unprepared(
                    "GRANT SELECT, INSERT, UPDATE, DELETE ON email_verifications TO salus_application; \
                     GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO salus_application;",
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(EmailVerifications::Table).to_owned())
            .await?;
        m.alter_table(
            Table::alter()
                .table(Users::Table)
                .drop_column(Users::EmailVerifiedAt)
                .to_owned(),
        )
        .await
    }
}
