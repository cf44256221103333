//! The outcome of each verification of an audit chain: who ran it, when, how many events it
//! checked and where the chain broke, if it did. A clinic's admin verifies their clinic's chain
//! from the audit log page and sees the last outcome there.
//!
//! On PostgreSQL under row-level security: a clinic's admins read and add their own clinic's
//! chain's outcomes, platform work all of them. Outcomes are never changed or deleted: the
//! application role may only add and read them.
use sea_orm::DatabaseBackend;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuditVerifications {
    Table,
    Id,
    Chain,
    Checked,
    FirstBroken,
    Problem,
    VerifiedAt,
    VerifiedBy,
}

const POLICIES: &str = "
GRANT SELECT, INSERT ON audit_verifications TO salus_application;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO salus_application;
ALTER TABLE audit_verifications ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_verifications FORCE ROW LEVEL SECURITY;
CREATE POLICY audit_verifications_clinic ON audit_verifications FOR ALL
    USING ((SELECT salus_is_platform()) OR (chain = (SELECT salus_clinic_id())
        AND (SELECT salus_role()) = 'clinic_admin'))
    WITH CHECK ((SELECT salus_is_platform()) OR (chain = (SELECT salus_clinic_id())
        AND (SELECT salus_role()) = 'clinic_admin'));
";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(AuditVerifications::Table)
                .col(big_pk_auto(AuditVerifications::Id))
                .col(big_integer(AuditVerifications::Chain))
                .col(big_integer(AuditVerifications::Checked))
                .col(big_integer_null(AuditVerifications::FirstBroken))
                .col(string_null(AuditVerifications::Problem))
                .col(timestamp_with_time_zone(AuditVerifications::VerifiedAt))
                .col(big_integer_null(AuditVerifications::VerifiedBy))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_audit_verifications_chain")
                .table(AuditVerifications::Table)
                .col(AuditVerifications::Chain)
                .col(AuditVerifications::Id)
                .to_owned(),
        )
        .await?;
        if m.get_database_backend() == DatabaseBackend::Postgres {
            m.get_connection().execute_unprepared(POLICIES).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(AuditVerifications::Table).to_owned())
            .await
    }
}
