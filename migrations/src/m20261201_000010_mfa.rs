//! TOTP multi-factor authentication: each user's authenticator (its secret sealed with
//! AES-256-GCM under a key outside the database, the key's id beside it, and the last time step
//! accepted, so no code is accepted twice), and their single-use recovery codes, stored hashed.
//!
//! On PostgreSQL both tables are under row-level security: a user reaches their own rows (also
//! half signed in, as `DbContext::Account`); super admins and platform tasks (re-sealing under a
//! new key) reach every row; a clinic admin reaches the rows of the staff of their clinic, to
//! see who has enrolled and to reset it, but can never write one.
use sea_orm::DatabaseBackend;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum UserMfa {
    Table,
    UserId,
    KeyId,
    SealedSecret,
    ConfirmedAt,
    LastStep,
    CreatedAt,
}

#[derive(DeriveIden)]
enum MfaRecoveryCodes {
    Table,
    Id,
    UserId,
    CodeHash,
    UsedAt,
    CreatedAt,
}

fn policies(table: &str) -> String {
    format!(
        "GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO salus_application;\n\
         ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;\n\
         ALTER TABLE {table} FORCE ROW LEVEL SECURITY;\n\
         CREATE POLICY {table}_own ON {table} FOR ALL\n\
             USING (user_id = (SELECT salus_user_id())) WITH CHECK (user_id = (SELECT salus_user_id()));\n\
         CREATE POLICY {table}_platform ON {table} FOR ALL\n\
             USING ((SELECT salus_is_platform())) WITH CHECK ((SELECT salus_role()) = 'platform');\n\
         CREATE POLICY {table}_clinic_admin ON {table} FOR ALL USING (\n\
             (SELECT salus_role()) = 'clinic_admin' AND EXISTS (\n\
                 SELECT 1 FROM memberships m WHERE m.user_id = {table}.user_id\n\
                 AND m.clinic_id = (SELECT salus_clinic_id()) AND m.role <> 'patient')\n\
         ) WITH CHECK (false);\n"
    )
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(UserMfa::Table)
                .col(big_integer(UserMfa::UserId).primary_key())
                .col(string(UserMfa::KeyId))
                .col(text(UserMfa::SealedSecret))
                .col(timestamp_with_time_zone_null(UserMfa::ConfirmedAt))
                .col(big_integer_null(UserMfa::LastStep))
                .col(timestamp_with_time_zone(UserMfa::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(UserMfa::Table, UserMfa::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(MfaRecoveryCodes::Table)
                .col(big_pk_auto(MfaRecoveryCodes::Id))
                .col(big_integer(MfaRecoveryCodes::UserId))
                .col(string(MfaRecoveryCodes::CodeHash))
                .col(timestamp_with_time_zone_null(MfaRecoveryCodes::UsedAt))
                .col(timestamp_with_time_zone(MfaRecoveryCodes::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(MfaRecoveryCodes::Table, MfaRecoveryCodes::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_mfa_recovery_codes_user")
                .table(MfaRecoveryCodes::Table)
                .col(MfaRecoveryCodes::UserId)
                .to_owned(),
        )
        .await?;
        if m.get_database_backend() == DatabaseBackend::Postgres {
            let sql = format!(
                "{}{}GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO salus_application;",
                policies("user_mfa"),
                policies("mfa_recovery_codes")
            );
            m.get_connection().execute_unprepared(&sql).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(MfaRecoveryCodes::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(UserMfa::Table).to_owned())
            .await
    }
}
