//! Who is a super admin, whether an account is active, and its email address are the
//! platform's to change. Row-level security lets a user update their own row (their name,
//! password, two-step settings), so without this a bug in the application acting for a patient
//! could make them a super admin; on PostgreSQL this trigger refuses that, as
//! `clinics_keep_platform_columns` does for a clinic's plan and status. An account is created
//! a super admin only by platform work too.
use sea_orm_migration::prelude::*;

use crate::as_platform::execute_on_postgres;

#[derive(DeriveMigrationName)]
pub struct Migration;

const UP: &str = "
CREATE FUNCTION users_keep_platform_columns() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF salus_role() = 'platform' THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'INSERT' AND NEW.is_super_admin THEN
        RAISE EXCEPTION 'only platform work creates a super admin'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'UPDATE' AND (
        NEW.is_super_admin IS DISTINCT FROM OLD.is_super_admin
        OR NEW.is_active IS DISTINCT FROM OLD.is_active
        OR NEW.email IS DISTINCT FROM OLD.email) THEN
        RAISE EXCEPTION 'only platform work changes an account''s super admin flag, status or email'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER users_keep_platform_columns BEFORE INSERT OR UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION users_keep_platform_columns();
";

const DOWN: &str = "
DROP TRIGGER users_keep_platform_columns ON users;
DROP FUNCTION users_keep_platform_columns();
";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        execute_on_postgres(m, UP).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        execute_on_postgres(m, DOWN).await
    }
}
