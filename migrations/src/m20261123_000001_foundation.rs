//! The foundation schema: identities, tenants, patient data, care, outbox, audit, content, sessions.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Email,
    PasswordHash,
    DisplayName,
    IsSuperAdmin,
    IsActive,
    CreatedAt,
    UpdatedAt,
}
#[derive(DeriveIden)]
enum Clinics {
    Table,
    Id,
    Code,
    Name,
    TimeZone,
    Plan,
    Status,
    CreatedAt,
}
#[derive(DeriveIden)]
enum Memberships {
    Table,
    Id,
    UserId,
    ClinicId,
    Role,
    CreatedAt,
}
#[derive(DeriveIden)]
enum PatientProfiles {
    Table,
    Id,
    UserId,
    DateOfBirth,
    Sex,
    Phone,
    TimeZone,
    PreferredLanguage,
    CreatedAt,
    UpdatedAt,
}
#[derive(DeriveIden)]
enum Consents {
    Table,
    Id,
    PatientId,
    ClinicId,
    Kind,
    PolicyVersion,
    GrantedAt,
    WithdrawnAt,
}
#[derive(DeriveIden)]
enum Goals {
    Table,
    Id,
    PatientId,
    Kind,
    Target,
    Unit,
    Period,
    StartDate,
    Active,
    CreatedAt,
    UpdatedAt,
}
#[derive(DeriveIden)]
enum GoalLogs {
    Table,
    Id,
    PatientId,
    Kind,
    LogDate,
    Value,
    Source,
    CreatedAt,
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
enum CareItems {
    Table,
    Id,
    ClinicId,
    PatientId,
    ProtocolId,
    DueOn,
    LastCompletedOn,
    Status,
    UpdatedAt,
}
#[derive(DeriveIden)]
enum Notifications {
    Table,
    Id,
    ClinicId,
    PatientId,
    Channel,
    Template,
    IdempotencyKey,
    Status,
    Attempts,
    NextAttemptAt,
    LeaseUntil,
    LastError,
    CreatedAt,
    SentAt,
}
#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Id,
    OccurredAt,
    ActorUserId,
    ActorRole,
    ClinicId,
    PatientId,
    Action,
    Resource,
    RequestId,
    ClientAddr,
    PrevHash,
    Hash,
}
#[derive(DeriveIden)]
enum Content {
    Table,
    Id,
    Slug,
    Kind,
    Title,
    Summary,
    Body,
    Version,
    PublishedAt,
    CreatedAt,
}
#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    Data,
    ExpiryDate,
}
#[derive(DeriveIden)]
enum PasswordResets {
    Table,
    Id,
    UserId,
    TokenHash,
    ExpiresAt,
    UsedAt,
    CreatedAt,
}
#[derive(DeriveIden)]
enum SignInFailures {
    Table,
    Id,
    Scope,
    KeyHash,
    OccurredAt,
}

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
                .table(Users::Table)
                .col(big_pk_auto(Users::Id))
                .col(string_uniq(Users::Email))
                .col(string(Users::PasswordHash))
                .col(string(Users::DisplayName))
                .col(boolean(Users::IsSuperAdmin).default(false))
                .col(boolean(Users::IsActive).default(true))
                .col(timestamp_with_time_zone(Users::CreatedAt))
                .col(timestamp_with_time_zone(Users::UpdatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Clinics::Table)
                .col(big_pk_auto(Clinics::Id))
                .col(string_uniq(Clinics::Code))
                .col(string(Clinics::Name))
                .col(string(Clinics::TimeZone))
                .col(string(Clinics::Plan).default("standard"))
                .col(string(Clinics::Status).default("active"))
                .col(timestamp_with_time_zone(Clinics::CreatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Memberships::Table)
                .col(big_pk_auto(Memberships::Id))
                .col(big_integer(Memberships::UserId))
                .col(big_integer(Memberships::ClinicId))
                .col(string(Memberships::Role))
                .col(timestamp_with_time_zone(Memberships::CreatedAt))
                .foreign_key(&mut fk(
                    (Memberships::Table, Memberships::UserId),
                    (Users::Table, Users::Id),
                ))
                .foreign_key(&mut fk(
                    (Memberships::Table, Memberships::ClinicId),
                    (Clinics::Table, Clinics::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_memberships_user_clinic_role")
                .table(Memberships::Table)
                .col(Memberships::UserId)
                .col(Memberships::ClinicId)
                .col(Memberships::Role)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_memberships_clinic_role")
                .table(Memberships::Table)
                .col(Memberships::ClinicId)
                .col(Memberships::Role)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(PatientProfiles::Table)
                .col(big_pk_auto(PatientProfiles::Id))
                .col(big_integer_uniq(PatientProfiles::UserId))
                .col(date_null(PatientProfiles::DateOfBirth))
                .col(string_null(PatientProfiles::Sex))
                .col(string_null(PatientProfiles::Phone))
                .col(string(PatientProfiles::TimeZone))
                .col(string(PatientProfiles::PreferredLanguage).default("en"))
                .col(timestamp_with_time_zone(PatientProfiles::CreatedAt))
                .col(timestamp_with_time_zone(PatientProfiles::UpdatedAt))
                .foreign_key(&mut fk(
                    (PatientProfiles::Table, PatientProfiles::UserId),
                    (Users::Table, Users::Id),
                ))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Consents::Table)
                .col(big_pk_auto(Consents::Id))
                .col(big_integer(Consents::PatientId))
                .col(big_integer_null(Consents::ClinicId))
                .col(string(Consents::Kind))
                .col(string(Consents::PolicyVersion))
                .col(timestamp_with_time_zone(Consents::GrantedAt))
                .col(timestamp_with_time_zone_null(Consents::WithdrawnAt))
                .foreign_key(&mut fk(
                    (Consents::Table, Consents::PatientId),
                    (Users::Table, Users::Id),
                ))
                .foreign_key(&mut fk(
                    (Consents::Table, Consents::ClinicId),
                    (Clinics::Table, Clinics::Id),
                ))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Goals::Table)
                .col(big_pk_auto(Goals::Id))
                .col(big_integer(Goals::PatientId))
                .col(string(Goals::Kind))
                .col(big_integer(Goals::Target))
                .col(string(Goals::Unit))
                .col(string(Goals::Period).default("daily"))
                .col(date(Goals::StartDate))
                .col(boolean(Goals::Active).default(true))
                .col(timestamp_with_time_zone(Goals::CreatedAt))
                .col(timestamp_with_time_zone(Goals::UpdatedAt))
                .foreign_key(&mut fk(
                    (Goals::Table, Goals::PatientId),
                    (Users::Table, Users::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_goals_patient_kind")
                .table(Goals::Table)
                .col(Goals::PatientId)
                .col(Goals::Kind)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(GoalLogs::Table)
                .col(big_pk_auto(GoalLogs::Id))
                .col(big_integer(GoalLogs::PatientId))
                .col(string(GoalLogs::Kind))
                .col(date(GoalLogs::LogDate))
                .col(big_integer(GoalLogs::Value))
                .col(string(GoalLogs::Source))
                .col(timestamp_with_time_zone(GoalLogs::CreatedAt))
                .col(timestamp_with_time_zone(GoalLogs::UpdatedAt))
                .foreign_key(&mut fk(
                    (GoalLogs::Table, GoalLogs::PatientId),
                    (Users::Table, Users::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_goal_logs_patient_kind_date")
                .table(GoalLogs::Table)
                .col(GoalLogs::PatientId)
                .col(GoalLogs::Kind)
                .col(GoalLogs::LogDate)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(CareProtocols::Table)
                .col(big_pk_auto(CareProtocols::Id))
                .col(big_integer_null(CareProtocols::ClinicId))
                .col(string_null(CareProtocols::TemplateKey))
                .col(string(CareProtocols::Name))
                .col(text(CareProtocols::Description))
                .col(integer_null(CareProtocols::MinAgeYears))
                .col(integer_null(CareProtocols::MaxAgeYears))
                .col(string_null(CareProtocols::Sex))
                .col(integer(CareProtocols::IntervalMonths))
                .col(integer(CareProtocols::DueSoonDays))
                .col(string(CareProtocols::ReminderOffsetsDays))
                .col(string(CareProtocols::CompletedBy))
                .col(boolean(CareProtocols::Active).default(true))
                .col(timestamp_with_time_zone(CareProtocols::CreatedAt))
                .foreign_key(&mut fk(
                    (CareProtocols::Table, CareProtocols::ClinicId),
                    (Clinics::Table, Clinics::Id),
                ))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(CareItems::Table)
                .col(big_pk_auto(CareItems::Id))
                .col(big_integer(CareItems::ClinicId))
                .col(big_integer(CareItems::PatientId))
                .col(big_integer(CareItems::ProtocolId))
                .col(date(CareItems::DueOn))
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

        m.create_table(
            Table::create()
                .table(Notifications::Table)
                .col(big_pk_auto(Notifications::Id))
                .col(big_integer(Notifications::ClinicId))
                .col(big_integer(Notifications::PatientId))
                .col(string(Notifications::Channel))
                .col(string(Notifications::Template))
                .col(string_uniq(Notifications::IdempotencyKey))
                .col(string(Notifications::Status))
                .col(integer(Notifications::Attempts).default(0))
                .col(timestamp_with_time_zone(Notifications::NextAttemptAt))
                .col(timestamp_with_time_zone_null(Notifications::LeaseUntil))
                .col(text_null(Notifications::LastError))
                .col(timestamp_with_time_zone(Notifications::CreatedAt))
                .col(timestamp_with_time_zone_null(Notifications::SentAt))
                .foreign_key(&mut fk(
                    (Notifications::Table, Notifications::ClinicId),
                    (Clinics::Table, Clinics::Id),
                ))
                .foreign_key(&mut fk(
                    (Notifications::Table, Notifications::PatientId),
                    (Users::Table, Users::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_notifications_due")
                .table(Notifications::Table)
                .col(Notifications::Status)
                .col(Notifications::NextAttemptAt)
                .to_owned(),
        )
        .await?;

        // Audit rows outlive the users and clinics they name: no foreign keys, no cascades.
        m.create_table(
            Table::create()
                .table(AuditEvents::Table)
                .col(big_pk_auto(AuditEvents::Id))
                .col(timestamp_with_time_zone(AuditEvents::OccurredAt))
                .col(big_integer_null(AuditEvents::ActorUserId))
                .col(string_null(AuditEvents::ActorRole))
                .col(big_integer_null(AuditEvents::ClinicId))
                .col(big_integer_null(AuditEvents::PatientId))
                .col(string(AuditEvents::Action))
                .col(string_null(AuditEvents::Resource))
                .col(string_null(AuditEvents::RequestId))
                .col(string_null(AuditEvents::ClientAddr))
                .col(string(AuditEvents::PrevHash))
                .col(string(AuditEvents::Hash))
                .to_owned(),
        )
        .await?;
        for (name, col) in [
            ("ix_audit_events_patient", AuditEvents::PatientId),
            ("ix_audit_events_clinic", AuditEvents::ClinicId),
        ] {
            m.create_index(
                Index::create()
                    .name(name)
                    .table(AuditEvents::Table)
                    .col(col)
                    .to_owned(),
            )
            .await?;
        }

        m.create_table(
            Table::create()
                .table(Content::Table)
                .col(big_pk_auto(Content::Id))
                .col(string_uniq(Content::Slug))
                .col(string(Content::Kind))
                .col(string(Content::Title))
                .col(text(Content::Summary))
                .col(text(Content::Body))
                .col(string_null(Content::Version))
                .col(timestamp_with_time_zone(Content::PublishedAt))
                .col(timestamp_with_time_zone(Content::CreatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Sessions::Table)
                .col(string(Sessions::Id).primary_key())
                .col(text(Sessions::Data))
                .col(timestamp_with_time_zone(Sessions::ExpiryDate))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_sessions_expiry")
                .table(Sessions::Table)
                .col(Sessions::ExpiryDate)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(PasswordResets::Table)
                .col(big_pk_auto(PasswordResets::Id))
                .col(big_integer(PasswordResets::UserId))
                .col(string_uniq(PasswordResets::TokenHash))
                .col(timestamp_with_time_zone(PasswordResets::ExpiresAt))
                .col(timestamp_with_time_zone_null(PasswordResets::UsedAt))
                .col(timestamp_with_time_zone(PasswordResets::CreatedAt))
                .foreign_key(&mut fk(
                    (PasswordResets::Table, PasswordResets::UserId),
                    (Users::Table, Users::Id),
                ))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(SignInFailures::Table)
                .col(big_pk_auto(SignInFailures::Id))
                .col(string(SignInFailures::Scope))
                .col(string(SignInFailures::KeyHash))
                .col(timestamp_with_time_zone(SignInFailures::OccurredAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_sign_in_failures_key")
                .table(SignInFailures::Table)
                .col(SignInFailures::Scope)
                .col(SignInFailures::KeyHash)
                .col(SignInFailures::OccurredAt)
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // Children before parents so foreign keys never block the drop.
        let tables: [DynIden; 15] = [
            SignInFailures::Table.into_iden(),
            PasswordResets::Table.into_iden(),
            Sessions::Table.into_iden(),
            Content::Table.into_iden(),
            AuditEvents::Table.into_iden(),
            Notifications::Table.into_iden(),
            CareItems::Table.into_iden(),
            CareProtocols::Table.into_iden(),
            GoalLogs::Table.into_iden(),
            Goals::Table.into_iden(),
            Consents::Table.into_iden(),
            PatientProfiles::Table.into_iden(),
            Memberships::Table.into_iden(),
            Clinics::Table.into_iden(),
            Users::Table.into_iden(),
        ];
        for table in tables {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
