//! Clinic staff managed from the clinic-admin portal: invitations to join a clinic's staff
//! (single-use links stored only as hashes, expiring, resent or withdrawn), a membership's
//! deactivation, and a clinic's provider seats (the per-clinic setting invitations are held
//! to until clinics have plans).
//!
//! On PostgreSQL the invitations are under row-level security: the clinic's admins and the
//! clinic's own tasks (accepting a link runs as one, once the link's hash has matched) reach
//! their clinic's invitations, platform work reaches all of them, and no one else any.
use sea_orm::DatabaseBackend;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Clinics {
    Table,
    Id,
    ProviderSeats,
}

#[derive(DeriveIden)]
enum Memberships {
    Table,
    DeactivatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum StaffInvitations {
    Table,
    Id,
    ClinicId,
    Email,
    Role,
    TokenHash,
    InvitedBy,
    CreatedAt,
    ExpiresAt,
    AcceptedAt,
    WithdrawnAt,
}

/// How many providers a clinic may have before it has a plan; the platform can change it.
const DEFAULT_PROVIDER_SEATS: i32 = 10;

const POLICIES: &str = "
GRANT SELECT, INSERT, UPDATE, DELETE ON staff_invitations TO salus_application;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO salus_application;
ALTER TABLE staff_invitations ENABLE ROW LEVEL SECURITY;
ALTER TABLE staff_invitations FORCE ROW LEVEL SECURITY;
CREATE POLICY staff_invitations_clinic ON staff_invitations FOR ALL
    USING ((SELECT salus_is_platform()) OR (clinic_id = (SELECT salus_clinic_id())
        AND (SELECT salus_role()) IN ('clinic_admin', 'clinic_task')))
    WITH CHECK ((SELECT salus_is_platform()) OR (clinic_id = (SELECT salus_clinic_id())
        AND (SELECT salus_role()) IN ('clinic_admin', 'clinic_task')));
";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Clinics::Table)
                .add_column(integer(Clinics::ProviderSeats).default(DEFAULT_PROVIDER_SEATS))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Memberships::Table)
                .add_column(timestamp_with_time_zone_null(Memberships::DeactivatedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(StaffInvitations::Table)
                .col(big_pk_auto(StaffInvitations::Id))
                .col(big_integer(StaffInvitations::ClinicId))
                .col(string(StaffInvitations::Email))
                .col(string(StaffInvitations::Role))
                .col(string_uniq(StaffInvitations::TokenHash))
                .col(big_integer_null(StaffInvitations::InvitedBy))
                .col(timestamp_with_time_zone(StaffInvitations::CreatedAt))
                .col(timestamp_with_time_zone(StaffInvitations::ExpiresAt))
                .col(timestamp_with_time_zone_null(StaffInvitations::AcceptedAt))
                .col(timestamp_with_time_zone_null(StaffInvitations::WithdrawnAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(StaffInvitations::Table, StaffInvitations::ClinicId)
                        .to(Clinics::Table, Clinics::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(StaffInvitations::Table, StaffInvitations::InvitedBy)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_staff_invitations_clinic_email")
                .table(StaffInvitations::Table)
                .col(StaffInvitations::ClinicId)
                .col(StaffInvitations::Email)
                .to_owned(),
        )
        .await?;
        if m.get_database_backend() == DatabaseBackend::Postgres {
            m.get_connection().execute_unprepared(POLICIES).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(StaffInvitations::Table).to_owned())
            .await?;
        m.alter_table(
            Table::alter()
                .table(Memberships::Table)
                .drop_column(Memberships::DeactivatedAt)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Clinics::Table)
                .drop_column(Clinics::ProviderSeats)
                .to_owned(),
        )
        .await
    }
}
