//! Enrolling patients from the clinic-admin portal.
//! - `staff_invitations` becomes `invitations`: a clinic now invites patients too, with the
//!   same single-use link (role `patient`).
//! - `patient_imports`: the outcome of each CSV import (counts, and the problems found by row
//!   and field, never the values), so the admin's page can show it after the upload and a file
//!   imported twice is recognised by its SHA-256.
//!
//! On PostgreSQL under row-level security: a clinic's admins reach their clinic's imports;
//! platform work all of them. An import's outcome is never changed or deleted.
use sea_orm::DatabaseBackend;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PatientImports {
    Table,
    Id,
    ClinicId,
    ImportedBy,
    FileSha256,
    Rows,
    Added,
    AlreadyEnrolled,
    Invited,
    Problems,
    CreatedAt,
}

const POLICIES: &str = "
ALTER POLICY staff_invitations_clinic ON invitations RENAME TO invitations_clinic;
GRANT SELECT, INSERT ON patient_imports TO salus_application;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO salus_application;
ALTER TABLE patient_imports ENABLE ROW LEVEL SECURITY;
ALTER TABLE patient_imports FORCE ROW LEVEL SECURITY;
CREATE POLICY patient_imports_clinic ON patient_imports FOR ALL
    USING ((SELECT salus_is_platform()) OR (clinic_id = (SELECT salus_clinic_id())
        AND (SELECT salus_role()) = 'clinic_admin'))
    WITH CHECK ((SELECT salus_is_platform()) OR (clinic_id = (SELECT salus_clinic_id())
        AND (SELECT salus_role()) = 'clinic_admin'));
";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.rename_table(
            Table::rename()
                .table(Alias::new("staff_invitations"), Alias::new("invitations"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(PatientImports::Table)
                .col(big_pk_auto(PatientImports::Id))
                .col(big_integer(PatientImports::ClinicId))
                .col(big_integer(PatientImports::ImportedBy))
                .col(string(PatientImports::FileSha256))
                .col(big_integer(PatientImports::Rows))
                .col(big_integer(PatientImports::Added))
                .col(big_integer(PatientImports::AlreadyEnrolled))
                .col(big_integer(PatientImports::Invited))
                .col(text(PatientImports::Problems))
                .col(timestamp_with_time_zone(PatientImports::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(PatientImports::Table, PatientImports::ClinicId)
                        .to(Alias::new("clinics"), Alias::new("id")),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_patient_imports_clinic")
                .table(PatientImports::Table)
                .col(PatientImports::ClinicId)
                .col(PatientImports::Id)
                .to_owned(),
        )
        .await?;
        if m.get_database_backend() == DatabaseBackend::Postgres {
            m.get_connection().execute_unprepared(POLICIES).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(PatientImports::Table).to_owned())
            .await?;
        m.rename_table(
            Table::rename()
                .table(Alias::new("invitations"), Alias::new("staff_invitations"))
                .to_owned(),
        )
        .await
    }
}
