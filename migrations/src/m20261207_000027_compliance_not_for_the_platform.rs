//! A patient's compliance snapshot names them and says why ("Missed preventive checkup",
//! "Goals missed"): a health record, which platform work never reaches. The platform's figures
//! (each clinic's share of patients with an overdue checkup) are counted as each clinic's own
//! task, and only the counts leave it. Before this, the snapshot's read policy let platform
//! work and super admins read every clinic's snapshots.
use sea_orm_migration::prelude::*;

use crate::as_platform::execute_on_postgres;

#[derive(DeriveMigrationName)]
pub struct Migration;

const UP: &str = "
ALTER POLICY patient_compliance_read ON patient_compliance USING (
    (clinic_id = (SELECT salus_clinic_id()) AND (SELECT salus_is_staff()))
    OR patient_id = (SELECT salus_user_id())
);
";

const DOWN: &str = "
ALTER POLICY patient_compliance_read ON patient_compliance USING (
    (clinic_id = (SELECT salus_clinic_id()) AND (SELECT salus_is_staff()))
    OR patient_id = (SELECT salus_user_id())
    OR (SELECT salus_is_platform())
);
";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        execute_on_postgres(m, UP).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        execute_on_postgres(m, DOWN).await
    }
}
