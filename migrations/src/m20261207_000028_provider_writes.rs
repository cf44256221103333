//! What a provider's context may write, held to what the server lets providers do. The clinic
//! policies let every staff context write every clinic-patient row, so a provider's context
//! could assign patients, change the clinic's protocols, and write the care items, compliance
//! and reminders of any patient of the clinic. A provider records completions for the patients
//! assigned to them, and what follows from that (their compliance, their reminders); the rest
//! is clinic administration (`clinic_admin`) or the clinic's own task (`clinic_task`).
use sea_orm_migration::prelude::*;

use crate::as_platform::execute_on_postgres;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A context that runs the clinic: its administration, or its own task.
const RUNS_THE_CLINIC: &str =
    "(clinic_id = (SELECT salus_clinic_id()) AND (SELECT salus_role()) IN ('clinic_admin', 'clinic_task'))";

/// A provider of the clinic, about a patient assigned to them.
fn assigned_provider(table: &str) -> String {
    format!(
        "(clinic_id = (SELECT salus_clinic_id()) AND (SELECT salus_role()) = 'provider' \
         AND EXISTS (SELECT 1 FROM provider_assignments a WHERE a.clinic_id = {table}.clinic_id \
         AND a.patient_id = {table}.patient_id AND a.provider_id = (SELECT salus_user_id())))"
    )
}

fn up() -> String {
    let mut sql = String::new();
    for table in ["care_items", "patient_compliance", "reminders"] {
        let write = format!(
            "{RUNS_THE_CLINIC} OR {} OR patient_id = (SELECT salus_user_id())",
            assigned_provider(table)
        );
        sql.push_str(&format!(
            "ALTER POLICY {table}_write ON {table} USING ({write}) WITH CHECK ({write});\n"
        ));
    }
    sql.push_str(&format!(
        "ALTER POLICY provider_assignments_write ON provider_assignments \
         USING ({RUNS_THE_CLINIC}) WITH CHECK ({RUNS_THE_CLINIC});\n\
         ALTER POLICY care_protocols_write ON care_protocols \
         USING ((SELECT salus_is_platform()) OR {RUNS_THE_CLINIC}) \
         WITH CHECK ((SELECT salus_is_platform()) OR {RUNS_THE_CLINIC});\n"
    ));
    sql
}

/// The policies as they were.
fn down() -> String {
    let staff = "(clinic_id = (SELECT salus_clinic_id()) AND (SELECT salus_is_staff()))";
    let mut sql = String::new();
    for table in ["care_items", "patient_compliance", "reminders"] {
        let write = format!("{staff} OR patient_id = (SELECT salus_user_id())");
        sql.push_str(&format!(
            "ALTER POLICY {table}_write ON {table} USING ({write}) WITH CHECK ({write});\n"
        ));
    }
    sql.push_str(&format!(
        "ALTER POLICY provider_assignments_write ON provider_assignments \
         USING ({staff}) WITH CHECK ({staff});\n\
         ALTER POLICY care_protocols_write ON care_protocols \
         USING ((SELECT salus_is_platform()) OR {staff}) \
         WITH CHECK ((SELECT salus_is_platform()) OR {staff});\n"
    ));
    sql
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        execute_on_postgres(m, &up()).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        execute_on_postgres(m, &down()).await
    }
}
