//! A clinic reaches a person's data only once that person has joined it: registered with its
//! code, or accepted its own invitation link and agreed to its privacy policy. Enrolling by
//! hand, by invitation or by import now opens an invitation and nothing else; the membership
//! (and with it every policy that lets a clinic's staff read a patient's records) is made when
//! the person accepts that clinic's link. Before this, enrolling an address with no account
//! made the account and an active membership at once, so a second clinic that enrolled someone
//! read what they later told another clinic.
//!
//! - `invitations` keeps what the clinic typed about the patient it invites (name, date of
//!   birth, sex, phone), for the roster and, if they have no account yet, their new profile;
//!   `patient_imports.already_invited` counts the rows of an import that had an open one.
//! - Patient memberships that were never joined (no consent to that clinic's policy, which
//!   joining records) are taken back, with the rows that clinic made about the patient: care
//!   items, compliance, assignments and reminders. Their invitations stay open as they were.
//!   On PostgreSQL row-level security is forced on the tables' owner; these statements lift it
//!   for the six tables they read, in one transaction, and force it again at its end.
use sea_orm::DatabaseBackend;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLES: [&str; 6] = [
    "reminders",
    "care_items",
    "patient_compliance",
    "provider_assignments",
    "memberships",
    "consents",
];

/// A patient membership of `{t}`'s clinic and patient that was never joined.
const NEVER_JOINED: &str = "EXISTS (SELECT 1 FROM memberships m WHERE m.role = 'patient' \
    AND m.user_id = {t}.patient_id AND m.clinic_id = {t}.clinic_id \
    AND NOT EXISTS (SELECT 1 FROM consents c WHERE c.patient_id = m.user_id AND c.clinic_id = m.clinic_id))";

fn cleanup() -> String {
    let mut sql = String::new();
    for table in [
        "reminders",
        "care_items",
        "patient_compliance",
        "provider_assignments",
    ] {
        sql.push_str(&format!(
            "DELETE FROM {table} WHERE {};\n",
            NEVER_JOINED.replace("{t}", table)
        ));
    }
    sql.push_str(
        "DELETE FROM memberships WHERE role = 'patient' AND NOT EXISTS (SELECT 1 FROM consents c \
         WHERE c.patient_id = memberships.user_id AND c.clinic_id = memberships.clinic_id);\n",
    );
    sql
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let conn = m.get_connection();
        for column in [
            "patient_name TEXT NULL",
            "date_of_birth DATE NULL",
            "sex TEXT NULL",
            "phone TEXT NULL",
        ] {
            conn.execute_unprepared(&format!("ALTER TABLE invitations ADD COLUMN {column}"))
                .await?;
        }
        conn.execute_unprepared(
            "ALTER TABLE patient_imports ADD COLUMN already_invited BIGINT NOT NULL DEFAULT 0",
        )
        .await?;
        if m.get_database_backend() == DatabaseBackend::Postgres {
            let lift: String = TABLES
                .iter()
                .map(|t| format!("ALTER TABLE {t} NO FORCE ROW LEVEL SECURITY;\n"))
                .collect();
            let force: String = TABLES
                .iter()
                .map(|t| format!("ALTER TABLE {t} FORCE ROW LEVEL SECURITY;\n"))
                .collect();
            // One string is one transaction: the policies are forced again whatever happens.
            conn.execute_unprepared(&format!("{lift}{}{force}", cleanup()))
                .await?;
        } else {
            conn.execute_unprepared(&cleanup()).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let conn = m.get_connection();
        for column in ["patient_name", "date_of_birth", "sex", "phone"] {
            conn.execute_unprepared(&format!("ALTER TABLE invitations DROP COLUMN {column}"))
                .await?;
        }
        conn.execute_unprepared("ALTER TABLE patient_imports DROP COLUMN already_invited")
            .await?;
        Ok(())
    }
}
