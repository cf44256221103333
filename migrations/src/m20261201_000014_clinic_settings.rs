//! A clinic's own settings, kept by its admins: contact details shown to patients, working
//! hours per weekday, and reminder settings (channels, quiet hours, sender name, how many days
//! ahead "due soon" reminders go, a daily SMS cap) for the reminder worker.
//!
//! On PostgreSQL: a clinic admin may now update their own clinic's row, and a trigger keeps
//! the columns only platform work may change (plan, status, provider seats) as they were. The
//! registration code is the clinic's to change (its admin regenerates it).
//! Working hours are read by the clinic's members and written by its admins; reminder settings
//! are read by its staff and its own tasks (the worker) and written by its admins.
use sea_orm::DatabaseBackend;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Clinics {
    Table,
    Id,
    ContactEmail,
    ContactPhone,
    Address,
}

#[derive(DeriveIden)]
enum ClinicWorkingHours {
    Table,
    Id,
    ClinicId,
    Weekday,
    OpensAt,
    ClosesAt,
}

#[derive(DeriveIden)]
enum ClinicReminderSettings {
    Table,
    ClinicId,
    EmailEnabled,
    SmsEnabled,
    QuietHoursStart,
    QuietHoursEnd,
    SenderName,
    DueSoonDays,
    SmsDailyCap,
    UpdatedAt,
}

const POLICIES: &str = "
GRANT SELECT, INSERT, UPDATE, DELETE ON clinic_working_hours, clinic_reminder_settings TO salus_application;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO salus_application;

CREATE POLICY clinics_admin_update ON clinics FOR UPDATE
    USING (id = (SELECT salus_clinic_id()) AND (SELECT salus_role()) = 'clinic_admin')
    WITH CHECK (id = (SELECT salus_clinic_id()) AND (SELECT salus_role()) = 'clinic_admin');
CREATE FUNCTION clinics_keep_platform_columns() RETURNS trigger LANGUAGE plpgsql AS $$
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
CREATE TRIGGER clinics_keep_platform_columns BEFORE UPDATE ON clinics
    FOR EACH ROW EXECUTE FUNCTION clinics_keep_platform_columns();

ALTER TABLE clinic_working_hours ENABLE ROW LEVEL SECURITY;
ALTER TABLE clinic_working_hours FORCE ROW LEVEL SECURITY;
CREATE POLICY clinic_working_hours_read ON clinic_working_hours FOR SELECT USING (
    (SELECT salus_is_platform())
    OR clinic_id = (SELECT salus_clinic_id())
    OR EXISTS (SELECT 1 FROM memberships m WHERE m.clinic_id = clinic_working_hours.clinic_id
               AND m.user_id = (SELECT salus_user_id()))
);
CREATE POLICY clinic_working_hours_write ON clinic_working_hours FOR ALL
    USING ((SELECT salus_role()) = 'platform' OR (clinic_id = (SELECT salus_clinic_id()) AND (SELECT salus_role()) = 'clinic_admin'))
    WITH CHECK ((SELECT salus_role()) = 'platform' OR (clinic_id = (SELECT salus_clinic_id()) AND (SELECT salus_role()) = 'clinic_admin'));

ALTER TABLE clinic_reminder_settings ENABLE ROW LEVEL SECURITY;
ALTER TABLE clinic_reminder_settings FORCE ROW LEVEL SECURITY;
CREATE POLICY clinic_reminder_settings_read ON clinic_reminder_settings FOR SELECT USING (
    (SELECT salus_is_platform()) OR (clinic_id = (SELECT salus_clinic_id()) AND (SELECT salus_is_staff()))
);
CREATE POLICY clinic_reminder_settings_write ON clinic_reminder_settings FOR ALL
    USING ((SELECT salus_role()) = 'platform' OR (clinic_id = (SELECT salus_clinic_id()) AND (SELECT salus_role()) = 'clinic_admin'))
    WITH CHECK ((SELECT salus_role()) = 'platform' OR (clinic_id = (SELECT salus_clinic_id()) AND (SELECT salus_role()) = 'clinic_admin'));
";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            Clinics::ContactEmail,
            Clinics::ContactPhone,
            Clinics::Address,
        ] {
            m.alter_table(
                Table::alter()
                    .table(Clinics::Table)
                    .add_column(string_null(column))
                    .to_owned(),
            )
            .await?;
        }
        m.create_table(
            Table::create()
                .table(ClinicWorkingHours::Table)
                .col(big_pk_auto(ClinicWorkingHours::Id))
                .col(big_integer(ClinicWorkingHours::ClinicId))
                .col(small_integer(ClinicWorkingHours::Weekday))
                .col(string_null(ClinicWorkingHours::OpensAt))
                .col(string_null(ClinicWorkingHours::ClosesAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(ClinicWorkingHours::Table, ClinicWorkingHours::ClinicId)
                        .to(Clinics::Table, Clinics::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_clinic_working_hours_day")
                .table(ClinicWorkingHours::Table)
                .col(ClinicWorkingHours::ClinicId)
                .col(ClinicWorkingHours::Weekday)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ClinicReminderSettings::Table)
                .col(big_integer(ClinicReminderSettings::ClinicId).primary_key())
                .col(boolean(ClinicReminderSettings::EmailEnabled))
                .col(boolean(ClinicReminderSettings::SmsEnabled))
                .col(string(ClinicReminderSettings::QuietHoursStart))
                .col(string(ClinicReminderSettings::QuietHoursEnd))
                .col(string(ClinicReminderSettings::SenderName))
                .col(integer(ClinicReminderSettings::DueSoonDays))
                .col(integer(ClinicReminderSettings::SmsDailyCap))
                .col(timestamp_with_time_zone(ClinicReminderSettings::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(
                            ClinicReminderSettings::Table,
                            ClinicReminderSettings::ClinicId,
                        )
                        .to(Clinics::Table, Clinics::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        if m.get_database_backend() == DatabaseBackend::Postgres {
            m.get_connection().execute_unprepared(POLICIES).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() == DatabaseBackend::Postgres {
            m.get_connection()
                .execute_unprepared(
                    "DROP TRIGGER clinics_keep_platform_columns ON clinics; \
                     DROP FUNCTION clinics_keep_platform_columns(); \
                     DROP POLICY clinics_admin_update ON clinics;",
                )
                .await?;
        }
        m.drop_table(
            Table::drop()
                .table(ClinicReminderSettings::Table)
                .to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table(ClinicWorkingHours::Table).to_owned())
            .await?;
        for column in [
            Clinics::ContactEmail,
            Clinics::ContactPhone,
            Clinics::Address,
        ] {
            m.alter_table(
                Table::alter()
                    .table(Clinics::Table)
                    .drop_column(column)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
