//! Re-applying a changed care protocol to a clinic's patients in the background: one row per
//! request, with its progress. A large clinic's resync runs in batches, each committed with its
//! progress, so the admin sees how far it is and a restarted server resumes from `after_patient`.
//!
//! On PostgreSQL under row-level security: a clinic's admins and the clinic's own tasks reach
//! their clinic's rows; platform work all of them.
use sea_orm::DatabaseBackend;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ProtocolResyncs {
    Table,
    Id,
    ClinicId,
    ProtocolId,
    State,
    PatientsTotal,
    PatientsDone,
    AfterPatient,
    Problem,
    RequestedAt,
    FinishedAt,
}

const POLICIES: &str = "
GRANT SELECT, INSERT, UPDATE ON protocol_resyncs TO salus_application;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO salus_application;
ALTER TABLE protocol_resyncs ENABLE ROW LEVEL SECURITY;
ALTER TABLE protocol_resyncs FORCE ROW LEVEL SECURITY;
CREATE POLICY protocol_resyncs_clinic ON protocol_resyncs FOR ALL
    USING ((SELECT salus_is_platform()) OR (clinic_id = (SELECT salus_clinic_id())
        AND (SELECT salus_role()) IN ('clinic_admin', 'clinic_task')))
    WITH CHECK ((SELECT salus_is_platform()) OR (clinic_id = (SELECT salus_clinic_id())
        AND (SELECT salus_role()) IN ('clinic_admin', 'clinic_task')));
";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(ProtocolResyncs::Table)
                .col(big_pk_auto(ProtocolResyncs::Id))
                .col(big_integer(ProtocolResyncs::ClinicId))
                .col(big_integer(ProtocolResyncs::ProtocolId))
                .col(string(ProtocolResyncs::State))
                .col(big_integer(ProtocolResyncs::PatientsTotal))
                .col(big_integer(ProtocolResyncs::PatientsDone))
                .col(big_integer(ProtocolResyncs::AfterPatient))
                .col(string_null(ProtocolResyncs::Problem))
                .col(timestamp_with_time_zone(ProtocolResyncs::RequestedAt))
                .col(timestamp_with_time_zone_null(ProtocolResyncs::FinishedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(ProtocolResyncs::Table, ProtocolResyncs::ClinicId)
                        .to(Alias::new("clinics"), Alias::new("id")),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(ProtocolResyncs::Table, ProtocolResyncs::ProtocolId)
                        .to(Alias::new("care_protocols"), Alias::new("id")),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_protocol_resyncs_clinic_state")
                .table(ProtocolResyncs::Table)
                .col(ProtocolResyncs::ClinicId)
                .col(ProtocolResyncs::State)
                .to_owned(),
        )
        .await?;
        if m.get_database_backend() == DatabaseBackend::Postgres {
            m.get_connection().execute_unprepared(POLICIES).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(ProtocolResyncs::Table).to_owned())
            .await
    }
}
