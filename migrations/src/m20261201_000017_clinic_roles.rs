//! A clinic's own roles: named sets of the clinic permissions (`clinic_roles.permissions`,
//! space-separated names). A membership or invitation in one has role `custom` and names it in
//! `clinic_role_id`; a built-in role's permissions are fixed in the code and it names none.
//!
//! On PostgreSQL under row-level security: the clinic's staff read its roles (the session check
//! reads one's own through the membership that names it); those who run the clinic, and the
//! clinic's own tasks, write them; platform work reaches all.
use sea_orm::DatabaseBackend;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ClinicRoles {
    Table,
    Id,
    ClinicId,
    Name,
    Permissions,
    CreatedAt,
    UpdatedAt,
}

const POLICIES: &str = "
GRANT SELECT, INSERT, UPDATE, DELETE ON clinic_roles TO salus_application;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO salus_application;
ALTER TABLE clinic_roles ENABLE ROW LEVEL SECURITY;
ALTER TABLE clinic_roles FORCE ROW LEVEL SECURITY;
CREATE POLICY clinic_roles_read ON clinic_roles FOR SELECT USING (
    (SELECT salus_is_platform())
    OR (clinic_id = (SELECT salus_clinic_id()) AND (SELECT salus_is_staff()))
    OR EXISTS (SELECT 1 FROM memberships m
               WHERE m.clinic_role_id = clinic_roles.id AND m.user_id = (SELECT salus_user_id()))
);
CREATE POLICY clinic_roles_write ON clinic_roles FOR ALL
    USING ((SELECT salus_role()) = 'platform' OR (clinic_id = (SELECT salus_clinic_id())
        AND (SELECT salus_role()) IN ('clinic_admin', 'clinic_task')))
    WITH CHECK ((SELECT salus_role()) = 'platform' OR (clinic_id = (SELECT salus_clinic_id())
        AND (SELECT salus_role()) IN ('clinic_admin', 'clinic_task')));
";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(ClinicRoles::Table)
                .col(big_pk_auto(ClinicRoles::Id))
                .col(big_integer(ClinicRoles::ClinicId))
                .col(string(ClinicRoles::Name))
                .col(text(ClinicRoles::Permissions))
                .col(timestamp_with_time_zone(ClinicRoles::CreatedAt))
                .col(timestamp_with_time_zone(ClinicRoles::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(ClinicRoles::Table, ClinicRoles::ClinicId)
                        .to(Alias::new("clinics"), Alias::new("id")),
                )
                .to_owned(),
        )
        .await?;
        // Names are unique per clinic whatever their case ("Nurse lead" and "nurse lead").
        m.get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX idx_clinic_roles_name ON clinic_roles (clinic_id, lower(name))",
            )
            .await?;
        // A column with a reference, added the way both databases accept.
        let id_type = match m.get_database_backend() {
            DatabaseBackend::Postgres => "BIGINT",
            _ => "INTEGER",
        };
        for table in ["memberships", "invitations"] {
            m.get_connection()
                .execute_unprepared(&format!(
                    "ALTER TABLE {table} ADD COLUMN clinic_role_id {id_type} NULL \
                     REFERENCES clinic_roles (id)"
                ))
                .await?;
        }
        if m.get_database_backend() == DatabaseBackend::Postgres {
            m.get_connection().execute_unprepared(POLICIES).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in ["memberships", "invitations"] {
            m.alter_table(
                Table::alter()
                    .table(Alias::new(table))
                    .drop_column(Alias::new("clinic_role_id"))
                    .to_owned(),
            )
            .await?;
        }
        m.drop_table(Table::drop().table(ClinicRoles::Table).to_owned())
            .await
    }
}
