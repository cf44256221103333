//! Preventive care and the patient profile: provider assignments, allergies, medications,
//! reminder preferences, and the platform's template library of care protocols, copied to
//! every existing clinic.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ProviderAssignments {
    Table,
    Id,
    ClinicId,
    ProviderId,
    PatientId,
    CreatedAt,
}
#[derive(DeriveIden)]
enum PatientAllergies {
    Table,
    Id,
    PatientId,
    Substance,
    Reaction,
    Severity,
    CreatedAt,
    UpdatedAt,
}
#[derive(DeriveIden)]
enum PatientMedications {
    Table,
    Id,
    PatientId,
    Name,
    Dose,
    Frequency,
    CreatedAt,
    UpdatedAt,
}
#[derive(DeriveIden)]
enum PatientProfiles {
    Table,
    EmailReminders,
    SmsReminders,
    QuietHoursStart,
    QuietHoursEnd,
}
#[derive(DeriveIden)]
enum CareItems {
    Table,
    Id,
    ClinicId,
    PatientId,
    ProtocolId,
    DueOn,
    DueSoonFrom,
    LastCompletedOn,
    Status,
    UpdatedAt,
}
#[derive(DeriveIden)]
enum CareProtocols {
    Table,
    Id,
    ClinicId,
    TemplateKey,
    Name,
    Description,
    MinAgeYears,
    MaxAgeYears,
    Sex,
    IntervalMonths,
    DueSoonDays,
    ReminderOffsetsDays,
    CompletedBy,
    Active,
    CreatedAt,
}
#[derive(DeriveIden)]
enum PatientCompliance {
    Table,
    Id,
    ClinicId,
    PatientId,
    Label,
    Rank,
    Reason,
    DaysMet,
    ComputedOn,
    UpdatedAt,
}
#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}
#[derive(DeriveIden)]
enum Clinics {
    Table,
    Id,
}

/// (key, name, description, min age, max age, sex, interval months, due-soon days, completed by)
type Template = (
    &'static str,
    &'static str,
    &'static str,
    Option<i32>,
    Option<i32>,
    Option<&'static str>,
    i32,
    i32,
    &'static str,
);

/// Adult intervals as commonly recommended (`docs/domain.md`); each clinic may change its copies.
pub const TEMPLATES: &[Template] = &[
    (
        "annual-blood-test",
        "Annual blood test",
        "A routine blood panel once a year.",
        Some(18),
        None,
        None,
        12,
        30,
        "lab_result",
    ),
    (
        "blood-pressure",
        "Blood pressure screening",
        "A blood pressure check once a year.",
        Some(18),
        None,
        None,
        12,
        30,
        "vital_signs",
    ),
    (
        "flu-vaccination",
        "Seasonal flu vaccination",
        "A flu vaccine each autumn.",
        None,
        None,
        None,
        12,
        30,
        "immunization",
    ),
    (
        "dental-checkup",
        "Dental check-up",
        "A dental examination every six months.",
        None,
        None,
        None,
        6,
        14,
        "visit",
    ),
    (
        "cholesterol",
        "Cholesterol screening",
        "A lipid panel every five years from age 35.",
        Some(35),
        None,
        None,
        60,
        60,
        "lab_result",
    ),
    (
        "colorectal",
        "Colorectal cancer screening",
        "Screening from 45 to 75 (USPSTF 2021); colonoscopy every 10 years.",
        Some(45),
        Some(75),
        None,
        120,
        60,
        "procedure",
    ),
    (
        "cervical",
        "Cervical cancer screening",
        "A cervical screening test every 3 years from 21 to 65.",
        Some(21),
        Some(65),
        Some("female"),
        36,
        60,
        "procedure",
    ),
];

fn fk(
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(ProviderAssignments::Table)
                .col(big_pk_auto(ProviderAssignments::Id))
                .col(big_integer(ProviderAssignments::ClinicId))
                .col(big_integer(ProviderAssignments::ProviderId))
                .col(big_integer(ProviderAssignments::PatientId))
                .col(timestamp_with_time_zone(ProviderAssignments::CreatedAt))
                .foreign_key(&mut fk(
                    (ProviderAssignments::Table, ProviderAssignments::ClinicId),
                    (Clinics::Table, Clinics::Id),
                ))
                .foreign_key(&mut fk(
                    (ProviderAssignments::Table, ProviderAssignments::ProviderId),
                    (Users::Table, Users::Id),
                ))
                .foreign_key(&mut fk(
                    (ProviderAssignments::Table, ProviderAssignments::PatientId),
                    (Users::Table, Users::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_assignments_clinic_provider_patient")
                .table(ProviderAssignments::Table)
                .col(ProviderAssignments::ClinicId)
                .col(ProviderAssignments::ProviderId)
                .col(ProviderAssignments::PatientId)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(PatientAllergies::Table)
                .col(big_pk_auto(PatientAllergies::Id))
                .col(big_integer(PatientAllergies::PatientId))
                .col(string(PatientAllergies::Substance))
                .col(string(PatientAllergies::Reaction))
                .col(string(PatientAllergies::Severity))
                .col(timestamp_with_time_zone(PatientAllergies::CreatedAt))
                .col(timestamp_with_time_zone(PatientAllergies::UpdatedAt))
                .foreign_key(&mut fk(
                    (PatientAllergies::Table, PatientAllergies::PatientId),
                    (Users::Table, Users::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(PatientMedications::Table)
                .col(big_pk_auto(PatientMedications::Id))
                .col(big_integer(PatientMedications::PatientId))
                .col(string(PatientMedications::Name))
                .col(string(PatientMedications::Dose))
                .col(string(PatientMedications::Frequency))
                .col(timestamp_with_time_zone(PatientMedications::CreatedAt))
                .col(timestamp_with_time_zone(PatientMedications::UpdatedAt))
                .foreign_key(&mut fk(
                    (PatientMedications::Table, PatientMedications::PatientId),
                    (Users::Table, Users::Id),
                ))
                .to_owned(),
        )
        .await?;
        for (name, table, col) in [
            (
                "ix_allergies_patient",
                PatientAllergies::Table.into_iden(),
                PatientAllergies::PatientId.into_iden(),
            ),
            (
                "ix_medications_patient",
                PatientMedications::Table.into_iden(),
                PatientMedications::PatientId.into_iden(),
            ),
        ] {
            m.create_index(Index::create().name(name).table(table).col(col).to_owned())
                .await?;
        }

        // SQLite adds one column per ALTER TABLE.
        for col in [
            boolean(PatientProfiles::EmailReminders)
                .default(true)
                .to_owned(),
            boolean(PatientProfiles::SmsReminders)
                .default(false)
                .to_owned(),
            string(PatientProfiles::QuietHoursStart)
                .default("21:00")
                .to_owned(),
            string(PatientProfiles::QuietHoursEnd)
                .default("08:00")
                .to_owned(),
        ] {
            m.alter_table(
                Table::alter()
                    .table(PatientProfiles::Table)
                    .add_column(col)
                    .to_owned(),
            )
            .await?;
        }

        // No code wrote care items before this migration; recreate the table in its full shape,
        // with the day an item turns "due soon" stored so status queries compare plain dates.
        m.drop_index(
            Index::drop()
                .name("ux_care_items_patient_protocol")
                .table(CareItems::Table)
                .to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table(CareItems::Table).to_owned())
            .await?;
        m.create_table(
            Table::create()
                .table(CareItems::Table)
                .col(big_pk_auto(CareItems::Id))
                .col(big_integer(CareItems::ClinicId))
                .col(big_integer(CareItems::PatientId))
                .col(big_integer(CareItems::ProtocolId))
                .col(date(CareItems::DueOn))
                .col(date(CareItems::DueSoonFrom))
                .col(date_null(CareItems::LastCompletedOn))
                .col(string(CareItems::Status))
                .col(timestamp_with_time_zone(CareItems::UpdatedAt))
                .foreign_key(&mut fk(
                    (CareItems::Table, CareItems::ClinicId),
                    (Clinics::Table, Clinics::Id),
                ))
                .foreign_key(&mut fk(
                    (CareItems::Table, CareItems::PatientId),
                    (Users::Table, Users::Id),
                ))
                .foreign_key(&mut fk(
                    (CareItems::Table, CareItems::ProtocolId),
                    (CareProtocols::Table, CareProtocols::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_care_items_patient_protocol")
                .table(CareItems::Table)
                .col(CareItems::PatientId)
                .col(CareItems::ProtocolId)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_care_items_clinic_status_due")
                .table(CareItems::Table)
                .col(CareItems::ClinicId)
                .col(CareItems::Status)
                .col(CareItems::DueOn)
                .to_owned(),
        )
        .await?;

        // Each patient's compliance in a clinic, kept current on every change and each local day,
        // so a provider's list of thousands of patients reads one indexed row per patient.
        m.create_table(
            Table::create()
                .table(PatientCompliance::Table)
                .col(big_pk_auto(PatientCompliance::Id))
                .col(big_integer(PatientCompliance::ClinicId))
                .col(big_integer(PatientCompliance::PatientId))
                .col(string(PatientCompliance::Label))
                .col(integer(PatientCompliance::Rank))
                .col(string(PatientCompliance::Reason))
                .col(integer(PatientCompliance::DaysMet))
                .col(date(PatientCompliance::ComputedOn))
                .col(timestamp_with_time_zone(PatientCompliance::UpdatedAt))
                .foreign_key(&mut fk(
                    (PatientCompliance::Table, PatientCompliance::ClinicId),
                    (Clinics::Table, Clinics::Id),
                ))
                .foreign_key(&mut fk(
                    (PatientCompliance::Table, PatientCompliance::PatientId),
                    (Users::Table, Users::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_compliance_clinic_patient")
                .table(PatientCompliance::Table)
                .col(PatientCompliance::ClinicId)
                .col(PatientCompliance::PatientId)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_compliance_clinic_label")
                .table(PatientCompliance::Table)
                .col(PatientCompliance::ClinicId)
                .col(PatientCompliance::Label)
                .to_owned(),
        )
        .await?;

        let now = chrono::Utc::now();
        let mut insert = Query::insert();
        insert.into_table(CareProtocols::Table).columns([
            CareProtocols::ClinicId,
            CareProtocols::TemplateKey,
            CareProtocols::Name,
            CareProtocols::Description,
            CareProtocols::MinAgeYears,
            CareProtocols::MaxAgeYears,
            CareProtocols::Sex,
            CareProtocols::IntervalMonths,
            CareProtocols::DueSoonDays,
            CareProtocols::ReminderOffsetsDays,
            CareProtocols::CompletedBy,
            CareProtocols::Active,
            CareProtocols::CreatedAt,
        ]);
        for (key, name, description, min_age, max_age, sex, interval, soon, completed_by) in
            TEMPLATES
        {
            insert.values_panic([
                Option::<i64>::None.into(),
                (*key).into(),
                (*name).into(),
                (*description).into(),
                (*min_age).into(),
                (*max_age).into(),
                sex.map(str::to_owned).into(),
                (*interval).into(),
                (*soon).into(),
                "14,0,-7".into(),
                (*completed_by).into(),
                true.into(),
                now.into(),
            ]);
        }
        m.exec_stmt(insert).await?;

        // Every clinic starts with its own copy of the templates.
        m.get_connection()
            .execute_unprepared(
                "INSERT INTO care_protocols (clinic_id, template_key, name, description, min_age_years, max_age_years, sex, \
                 interval_months, due_soon_days, reminder_offsets_days, completed_by, active, created_at) \
                 SELECT c.id, t.template_key, t.name, t.description, t.min_age_years, t.max_age_years, t.sex, \
                 t.interval_months, t.due_soon_days, t.reminder_offsets_days, t.completed_by, t.active, t.created_at \
                 FROM clinics c CROSS JOIN care_protocols t WHERE t.clinic_id IS NULL",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection()
            .execute_unprepared("DELETE FROM care_items")
            .await?;
        m.get_connection()
            .execute_unprepared("DELETE FROM care_protocols")
            .await?;
        m.drop_index(
            Index::drop()
                .name("ix_care_items_clinic_status_due")
                .table(CareItems::Table)
                .to_owned(),
        )
        .await?;
        for col in [
            PatientProfiles::EmailReminders,
            PatientProfiles::SmsReminders,
            PatientProfiles::QuietHoursStart,
            PatientProfiles::QuietHoursEnd,
        ] {
            m.alter_table(
                Table::alter()
                    .table(PatientProfiles::Table)
                    .drop_column(col)
                    .to_owned(),
            )
            .await?;
        }
        for table in [
            PatientCompliance::Table.into_iden(),
            PatientMedications::Table.into_iden(),
            PatientAllergies::Table.into_iden(),
            ProviderAssignments::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
