//! The reminder outbox. `notifications` (made with the foundation, never filled) becomes
//! `reminders`: one row per (care item, status window, channel), its `idempotency_key`
//! unique so that planning is `INSERT … ON CONFLICT DO NOTHING` from any number of processes.
//! A row is claimed by one worker for a lease (`claimed_by`, `lease_until`), then sent, retried
//! or ended; `provider_message_id` is what the SMTP server or SMS gateway called it.
//!
//! Row-level security is the table's from before, renamed: the clinic's staff and its own
//! tasks reach the clinic's rows, a patient their own. The worker's own context (`worker`)
//! reads the clinics, to know where to work, and `task_leases`, where a periodic task that must
//! run once across all processes (the hourly care refresh) takes its turn; nothing else.
use sea_orm::DatabaseBackend;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const POLICIES: &str = "
ALTER POLICY notifications_read ON reminders RENAME TO reminders_read;
ALTER POLICY notifications_write ON reminders RENAME TO reminders_write;
CREATE POLICY clinics_worker ON clinics FOR SELECT USING ((SELECT salus_role()) = 'worker');
GRANT SELECT, UPDATE ON task_leases TO salus_application;
ALTER TABLE task_leases ENABLE ROW LEVEL SECURITY;
ALTER TABLE task_leases FORCE ROW LEVEL SECURITY;
CREATE POLICY task_leases_worker ON task_leases FOR ALL
    USING ((SELECT salus_role()) IN ('worker', 'platform'))
    WITH CHECK ((SELECT salus_role()) IN ('worker', 'platform'));
";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let conn = m.get_connection();
        conn.execute_unprepared("ALTER TABLE notifications RENAME TO reminders")
            .await?;
        conn.execute_unprepared("ALTER TABLE reminders RENAME COLUMN template TO kind")
            .await?;
        let id_type = match m.get_database_backend() {
            DatabaseBackend::Postgres => "BIGINT",
            _ => "INTEGER",
        };
        for column in [
            format!("care_item_id {id_type} NULL"),
            "claimed_by TEXT NULL".to_owned(),
            "provider_message_id TEXT NULL".to_owned(),
        ] {
            conn.execute_unprepared(&format!("ALTER TABLE reminders ADD COLUMN {column}"))
                .await?;
        }
        // What a clinic's worker looks for: its rows that are due (replacing the index across
        // clinics, which no query uses).
        conn.execute_unprepared("DROP INDEX ix_notifications_due")
            .await?;
        conn.execute_unprepared(
            "CREATE INDEX ix_reminders_clinic_due ON reminders (clinic_id, status, next_attempt_at)",
        )
        .await?;
        conn.execute_unprepared(
            "CREATE INDEX ix_reminders_patient ON reminders (patient_id, created_at)",
        )
        .await?;
        // Periodic tasks that must run once across all processes take a lease here first.
        conn.execute_unprepared(
            "CREATE TABLE task_leases (name TEXT PRIMARY KEY, holder TEXT NULL, \
             until TIMESTAMP WITH TIME ZONE NOT NULL)",
        )
        .await?;
        conn.execute_unprepared(
            "INSERT INTO task_leases (name, holder, until) \
             VALUES ('care_refresh', NULL, '1970-01-01 00:00:00+00:00')",
        )
        .await?;
        if m.get_database_backend() == DatabaseBackend::Postgres {
            conn.execute_unprepared(POLICIES).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let conn = m.get_connection();
        conn.execute_unprepared("DROP TABLE task_leases").await?;
        conn.execute_unprepared("DROP INDEX ix_reminders_clinic_due")
            .await?;
        conn.execute_unprepared("DROP INDEX ix_reminders_patient")
            .await?;
        conn.execute_unprepared(
            "CREATE INDEX ix_notifications_due ON reminders (status, next_attempt_at)",
        )
        .await?;
        for column in ["care_item_id", "claimed_by", "provider_message_id"] {
            conn.execute_unprepared(&format!("ALTER TABLE reminders DROP COLUMN {column}"))
                .await?;
        }
        conn.execute_unprepared("ALTER TABLE reminders RENAME COLUMN kind TO template")
            .await?;
        if m.get_database_backend() == DatabaseBackend::Postgres {
            conn.execute_unprepared(
                "DROP POLICY clinics_worker ON clinics; \
                 ALTER POLICY reminders_read ON reminders RENAME TO notifications_read; \
                 ALTER POLICY reminders_write ON reminders RENAME TO notifications_write;",
            )
            .await?;
        }
        conn.execute_unprepared("ALTER TABLE reminders RENAME TO notifications")
            .await?;
        Ok(())
    }
}
