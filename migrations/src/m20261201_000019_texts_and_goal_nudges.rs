//! Text reminders and goal nudges. `attempted_at` is when a worker last began sending a row (a
//! text counts against the daily caps from then, sent or not yet answered); `delivered_at` is
//! when the SMS gateway reported it delivered to the phone. The gateway's status callback finds
//! a row by the id it gave the message, within the clinic its address names. A patient who asks
//! for goal nudges (`goal_nudges`) gets one on a day they have logged nothing by `goal_nudge_at`
//! ("HH:MM", their own time zone).
use sea_orm_migration::prelude::*;

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
            "CREATE INDEX ix_reminders_clinic_attempted ON reminders (clinic_id, channel, attempted_at)",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let conn = m.get_connection();
        conn.execute_unprepared("DROP INDEX ix_reminders_clinic_message")
            .await?;
        conn.execute_unprepared("DROP INDEX ix_reminders_clinic_attempted")
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
