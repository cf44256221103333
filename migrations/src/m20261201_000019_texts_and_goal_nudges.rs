//! Text reminders and goal nudges. `attempted_at` is when a worker last began sending a row (a
//! text counts against the daily caps from then, sent or not yet answered); `delivered_at` is
//! when the SMS gateway reported it delivered to the phone. The gateway's status callback finds
//! a row by the id it gave the message, within the clinic its address names. A patient who asks
//! for goal nudges (`goal_nudges`) gets one on a day they have logged nothing by `goal_nudge_at`
//! ("HH:MM", their own time zone). `text_counts` keeps each clinic's texts begun per day (its
//! own day), so the daily cap is one row to read, not a count over the day's texts; a patient's
//! texts of the day are found through `ix_reminders_patient_texts`.
//!
//! On PostgreSQL `text_counts` is the clinic's own: its tasks and staff reach its rows only.
use sea_orm::DatabaseBackend;
use sea_orm_migration::prelude::*;

const POLICIES: &str = "
GRANT SELECT, INSERT, UPDATE ON text_counts TO salus_application;
ALTER TABLE text_counts ENABLE ROW LEVEL SECURITY;
ALTER TABLE text_counts FORCE ROW LEVEL SECURITY;
CREATE POLICY text_counts_clinic ON text_counts FOR ALL
    USING (clinic_id = (SELECT salus_clinic_id()) AND (SELECT salus_is_staff()))
    WITH CHECK (clinic_id = (SELECT salus_clinic_id()) AND (SELECT salus_is_staff()));
";

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let conn = m.get_connection();
        for column in ["attempted_at", "delivered_at"] {
            conn.execute_unprepared(&format!(
                "ALTER TABLE reminders ADD COLUMN {column} TIMESTAMP WITH TIME ZONE NULL"
            ))
            .await?;
        }
        conn.execute_unprepared(
            "ALTER TABLE patient_profiles ADD COLUMN goal_nudges BOOLEAN NOT NULL DEFAULT FALSE",
        )
        .await?;
        conn.execute_unprepared(
            "ALTER TABLE patient_profiles ADD COLUMN goal_nudge_at TEXT NOT NULL DEFAULT '19:00'",
        )
        .await?;
        conn.execute_unprepared(
            "CREATE INDEX ix_reminders_clinic_message ON reminders (clinic_id, provider_message_id)",
        )
        .await?;
        conn.execute_unprepared(
            "CREATE INDEX ix_reminders_patient_texts ON reminders (patient_id, channel, attempted_at)",
        )
        .await?;
        let id_type = match m.get_database_backend() {
            DatabaseBackend::Postgres => "BIGINT",
            _ => "INTEGER",
        };
        conn.execute_unprepared(&format!(
            "CREATE TABLE text_counts (clinic_id {id_type} NOT NULL REFERENCES clinics (id), \
             day DATE NOT NULL, texts INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (clinic_id, day))"
        ))
        .await?;
        if m.get_database_backend() == DatabaseBackend::Postgres {
            conn.execute_unprepared(POLICIES).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let conn = m.get_connection();
        conn.execute_unprepared("DROP INDEX ix_reminders_clinic_message")
            .await?;
        conn.execute_unprepared("DROP TABLE text_counts").await?;
        conn.execute_unprepared("DROP INDEX ix_reminders_patient_texts")
            .await?;
        for column in ["attempted_at", "delivered_at"] {
            conn.execute_unprepared(&format!("ALTER TABLE reminders DROP COLUMN {column}"))
                .await?;
        }
        for column in ["goal_nudges", "goal_nudge_at"] {
            conn.execute_unprepared(&format!(
                "ALTER TABLE patient_profiles DROP COLUMN {column}"
            ))
            .await?;
        }
        Ok(())
    }
}
