//! Plans and a clinic's life on the platform. A plan (`plans`) says how many provider seats a
//! clinic has, how many patients it may enrol, how many texts it may send a month and whether
//! it sends texts at all; `clinics.plan` names the clinic's plan by its code. The seats were a
//! column of the clinic's own until plans existed (`m20261201_000012_clinic_staff`); they now
//! come from the plan, and the column goes. Every clinic keeps its seats: the standard plan has
//! the ten that column defaulted to, and a clinic whose plan is not one of these is put on it.
//!
//! A clinic is `active`, `suspended` or `closed`; `status_reason` and `status_changed_at` say
//! why and when it last changed, and a closed clinic's data is kept until `delete_after`.
//!
//! On PostgreSQL everyone who acts reads the plans (a clinic's limits are checked in its own
//! transactions) and only platform work writes them; the plan, status and its reason stay
//! columns only platform work changes; platform work reads each clinic's daily text counts.
use sea_orm::DatabaseBackend;
use sea_orm_migration::prelude::*;

use crate::as_platform::execute_as_platform;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// `(code, name, provider seats, patients, texts a month, texts at all)`.
const PLANS: [(&str, &str, i32, i32, i32, bool); 3] = [
    ("starter", "Starter", 3, 500, 0, false),
    ("standard", "Standard", 10, 5_000, 2_000, true),
    ("network", "Network", 50, 50_000, 20_000, true),
];

const POLICIES: &str = "
GRANT SELECT, INSERT, UPDATE ON plans TO salus_application;
ALTER TABLE plans ENABLE ROW LEVEL SECURITY;
ALTER TABLE plans FORCE ROW LEVEL SECURITY;
CREATE POLICY plans_read ON plans FOR SELECT USING ((SELECT salus_role()) <> '');
CREATE POLICY plans_write ON plans FOR ALL
    USING ((SELECT salus_is_platform())) WITH CHECK ((SELECT salus_is_platform()));
ALTER TABLE clinics ADD CONSTRAINT fk_clinics_plan FOREIGN KEY (plan) REFERENCES plans (code);
-- A clinic's texts per day are counts, not messages: the platform reads them to hold a plan
-- change to what the clinic has sent this month.
CREATE POLICY text_counts_platform_read ON text_counts FOR SELECT USING ((SELECT salus_is_platform()));

CREATE OR REPLACE FUNCTION clinics_keep_platform_columns() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT salus_is_platform() AND (
        NEW.plan IS DISTINCT FROM OLD.plan OR NEW.status IS DISTINCT FROM OLD.status
        OR NEW.status_reason IS DISTINCT FROM OLD.status_reason
        OR NEW.status_changed_at IS DISTINCT FROM OLD.status_changed_at
        OR NEW.delete_after IS DISTINCT FROM OLD.delete_after
        OR NEW.created_at IS DISTINCT FROM OLD.created_at) THEN
        RAISE EXCEPTION 'only platform work changes a clinic''s plan or status'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;
";

/// The trigger as it was before this migration, for `down`.
const POLICIES_DOWN: &str = "
DROP POLICY text_counts_platform_read ON text_counts;
ALTER TABLE clinics DROP CONSTRAINT fk_clinics_plan;
CREATE OR REPLACE FUNCTION clinics_keep_platform_columns() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT salus_is_platform() AND (
        NEW.plan IS DISTINCT FROM OLD.plan OR NEW.status IS DISTINCT FROM OLD.status
        OR NEW.provider_seats IS DISTINCT FROM OLD.provider_seats
        OR NEW.created_at IS DISTINCT FROM OLD.created_at) THEN
        RAISE EXCEPTION 'only platform work changes a clinic''s plan, status or seats'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;
";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let conn = m.get_connection();
        let postgres = m.get_database_backend() == DatabaseBackend::Postgres;
        let timestamp = "TIMESTAMP WITH TIME ZONE";
        conn.execute_unprepared(&format!(
            "CREATE TABLE plans (code TEXT NOT NULL PRIMARY KEY, name TEXT NOT NULL, \
             provider_seats INTEGER NOT NULL, patient_limit INTEGER NOT NULL, \
             sms_per_month INTEGER NOT NULL, sms_reminders BOOLEAN NOT NULL, \
             created_at {timestamp} NOT NULL)"
        ))
        .await?;
        for (code, name, seats, patients, texts, sms) in PLANS {
            conn.execute_unprepared(&format!(
                "INSERT INTO plans (code, name, provider_seats, patient_limit, sms_per_month, \
                 sms_reminders, created_at) VALUES ('{code}', '{name}', {seats}, {patients}, \
                 {texts}, {sms}, CURRENT_TIMESTAMP)"
            ))
            .await?;
        }
        // Row-level security hides every clinic from the owner; as platform work it sees them.
        // (Edited after merging, like m20261201_000020: as first written the update changed no
        // row for a non-superuser owner, and one that never got past m20261201_000020 anyway.)
        execute_as_platform(
            m,
            "UPDATE clinics SET plan = 'standard' WHERE plan NOT IN (SELECT code FROM plans)",
        )
        .await?;
        conn.execute_unprepared("ALTER TABLE clinics ADD COLUMN status_reason TEXT NULL")
            .await?;
        for column in ["status_changed_at", "delete_after"] {
            conn.execute_unprepared(&format!(
                "ALTER TABLE clinics ADD COLUMN {column} {timestamp} NULL"
            ))
            .await?;
        }
        if postgres {
            conn.execute_unprepared(POLICIES).await?;
        }
        conn.execute_unprepared("ALTER TABLE clinics DROP COLUMN provider_seats")
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let conn = m.get_connection();
        conn.execute_unprepared(
            "ALTER TABLE clinics ADD COLUMN provider_seats INTEGER NOT NULL DEFAULT 10",
        )
        .await?;
        execute_as_platform(
            m,
            "UPDATE clinics SET provider_seats = \
             (SELECT provider_seats FROM plans WHERE plans.code = clinics.plan)",
        )
        .await?;
        if m.get_database_backend() == DatabaseBackend::Postgres {
            conn.execute_unprepared(POLICIES_DOWN).await?;
        }
        for column in ["status_reason", "status_changed_at", "delete_after"] {
            conn.execute_unprepared(&format!("ALTER TABLE clinics DROP COLUMN {column}"))
                .await?;
        }
        conn.execute_unprepared("DROP TABLE plans").await?;
        Ok(())
    }
}
